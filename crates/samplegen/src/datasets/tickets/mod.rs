//! `support-tickets`: bilingual chat tickets as JSONL (plain and gzip), PII in the messages.

mod templates;

use super::{Output, Record, spread_time, vary_negatives, vary_plants};
use crate::calendar::{epoch_seconds, iso_timestamp};
use crate::error::GenError;
use crate::names::{chinese_person, english_person};
use crate::pii::{self, CUSTOMER_DOMAINS, Entity};
use crate::rng::Rng;
use crate::schedule::{Plan, Pool, Schedule};
use crate::sink::{Compression, TextEncoding};
use crate::slots::Planter;
use crate::summary::DatasetSummary;
use crate::text::{KeyGuard, Variant, normalize_key};
use crate::truth::{Defect, Negative, Plant, RowKind, TruthWriter};
use serde_json::{Map, Value};
use std::path::Path;
use templates::*;

/// Directory name of the dataset.
pub const NAME: &str = "support-tickets";

/// The files: name, compression, description, records at scale 1, first month of `created_at`.
const FILES: [(&str, Compression, &str, u64, u32); 2] = [
    (
        "tickets-000.jsonl",
        Compression::None,
        "JSONL, UTF-8",
        1_300,
        1,
    ),
    (
        "tickets-001.jsonl.gz",
        Compression::Gzip,
        "JSONL, UTF-8, gzip",
        1_200,
        7,
    ),
];

/// Defects, dealt round-robin.
pub const DEFECTS: [Defect; 6] = [
    Defect::quarantined("malformed_json"),
    Defect::quarantined("json_array_line"),
    Defect::quarantined("invalid_utf8"),
    Defect::quarantined("missing_ticket_id"),
    Defect::quarantined("messages_not_a_list"),
    Defect::quarantined("subject_too_short"),
];

/// About one record in 150 is preceded by a blank line.
const BLANK_LINE_ONE_IN: u64 = 150;

/// One chat message.
#[derive(Debug, Clone)]
struct Message {
    role: &'static str,
    content: String,
}

/// One ticket and what it planted.
#[derive(Debug, Clone)]
struct Ticket {
    id: String,
    created_at: String,
    channel: &'static str,
    name: String,
    email: String,
    phone: String,
    subject: String,
    messages: Vec<Message>,
    resolution: Option<String>,
    plants: Vec<Plant>,
    negatives: Vec<Negative>,
}

/// True for the fields the pipeline's dedup key covers (`subject`, `messages`).
fn in_key(field: &str) -> bool {
    field == "subject" || field.starts_with("messages[")
}

impl Ticket {
    fn key(&self) -> String {
        let mut key = normalize_key(&self.subject);
        for m in &self.messages {
            key.push('\u{1F}');
            key.push_str(m.role);
            key.push(':');
            key.push_str(&normalize_key(&m.content));
        }
        key
    }

    fn messages_json(&self) -> Value {
        let list = self.messages.iter().map(|m| {
            let mut obj = Map::new();
            obj.insert("role".into(), m.role.into());
            obj.insert("content".into(), m.content.clone().into());
            Value::Object(obj)
        });
        Value::Array(list.collect())
    }

    fn json(&self, with_id: bool, messages: Value) -> Value {
        let mut customer = Map::new();
        customer.insert("name".into(), self.name.clone().into());
        customer.insert("email".into(), self.email.clone().into());
        customer.insert("phone".into(), self.phone.clone().into());
        let mut obj = Map::new();
        if with_id {
            obj.insert("ticket_id".into(), self.id.clone().into());
        }
        obj.insert("created_at".into(), self.created_at.clone().into());
        obj.insert("channel".into(), self.channel.into());
        obj.insert("customer".into(), Value::Object(customer));
        obj.insert("subject".into(), self.subject.clone().into());
        obj.insert("messages".into(), messages);
        obj.insert(
            "resolution".into(),
            self.resolution.clone().map_or(Value::Null, Value::from),
        );
        Value::Object(obj)
    }

    fn duplicate(&self, variant: Variant, id: String, created_at: String) -> Ticket {
        Ticket {
            id: if variant.keeps_id() {
                self.id.clone()
            } else {
                id
            },
            created_at: if variant.keeps_id() {
                self.created_at.clone()
            } else {
                created_at
            },
            subject: variant.apply(&self.subject),
            messages: self
                .messages
                .iter()
                .map(|m| Message {
                    role: m.role,
                    content: variant.apply(&m.content),
                })
                .collect(),
            plants: vary_plants(&self.plants, variant, in_key),
            negatives: vary_negatives(&self.negatives, variant, in_key),
            ..self.clone()
        }
    }
}

/// Language of a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    En,
    Zh,
    Mixed,
}

/// Draws unique tickets.
struct TicketMaker {
    rng: Rng,
    guard: KeyGuard,
    next_id: u64,
}

impl TicketMaker {
    fn next_id(&mut self) -> String {
        self.next_id += 1;
        format!("TK-2025-{:07}", self.next_id)
    }

    /// A ticket whose dedup key no earlier ticket has.
    fn fresh(&mut self, created_at: &str) -> Ticket {
        loop {
            let ticket = self.draw(created_at);
            if self.guard.insert(&ticket.key()) {
                return ticket;
            }
        }
    }

    fn draw(&mut self, created_at: &str) -> Ticket {
        let id = self.next_id();
        let rng = &mut self.rng;
        let lang = [Lang::Zh, Lang::En, Lang::Mixed][rng.weighted(&[50, 40, 10])];
        let person = match lang {
            Lang::En if rng.percent(70) => english_person(rng),
            _ => chinese_person(rng),
        };
        let email = pii::email(rng, &person, &CUSTOMER_DOMAINS);
        let phone = if lang == Lang::En {
            pii::intl_phone(rng)
        } else {
            pii::cn_mobile(rng)
        };
        let channel = *rng.pick(&CHANNELS);
        let topic = rng.pick(&TOPICS);
        let chinese = match lang {
            Lang::Zh => true,
            Lang::En => false,
            Lang::Mixed => rng.percent(50),
        };
        let in_lang = |en: &'static [&'static str], zh: &'static [&'static str]| {
            if chinese { zh } else { en }
        };
        let (subject_t, opener_t) = *rng.pick(match lang {
            Lang::Zh => topic.openings_zh,
            Lang::En => topic.openings_en,
            Lang::Mixed => topic.openings_mixed,
        });
        let turns = rng.between(2, 6) as usize;
        // Replies and follow-ups are taken in rotation so one ticket does not repeat itself.
        let replies = in_lang(topic.replies_en, topic.replies_zh);
        let mut next_reply = rng.below(replies.len() as u64) as usize;
        let follow_ups = in_lang(&FOLLOW_UPS_EN, &FOLLOW_UPS_ZH);
        let mut next_follow_up = rng.below(follow_ups.len() as u64) as usize;
        let turn_templates: Vec<&str> = (1..turns)
            .map(|i| {
                if i % 2 == 0 {
                    next_follow_up += 1;
                    follow_ups[next_follow_up % follow_ups.len()]
                } else if rng.percent(75) {
                    next_reply += 1;
                    replies[next_reply % replies.len()]
                } else {
                    *rng.pick(in_lang(&GENERIC_REPLIES_EN, &GENERIC_REPLIES_ZH))
                }
            })
            .collect();
        let resolution = rng.percent(85).then(|| {
            rng.pick(in_lang(topic.resolutions_en, topic.resolutions_zh))
                .to_string()
        });

        let mut planter = Planter::new(rng);
        let name = planter.plant("customer.name", Entity::Person, person.name);
        let email = planter.plant("customer.email", Entity::Email, email);
        let phone = planter.plant("customer.phone", Entity::Phone, phone);
        planter.bind("my_email", email.clone());
        planter.bind("my_phone", phone.clone());
        // One order number, app version and amount per ticket, however often they are mentioned.
        for slot in ["order", "version", "amount"] {
            planter.fix(slot);
        }
        let subject = planter.render("subject", subject_t);
        let mut messages = vec![Message {
            role: "user",
            content: planter.render("messages[0].content", opener_t),
        }];
        for (i, template) in turn_templates.iter().enumerate() {
            let index = i + 1;
            messages.push(Message {
                role: if index % 2 == 1 { "assistant" } else { "user" },
                content: planter.render(&format!("messages[{index}].content"), template),
            });
        }
        let (plants, negatives) = planter.into_truth();
        Ticket {
            id,
            created_at: created_at.to_string(),
            channel,
            name,
            email,
            phone,
            subject,
            messages,
            resolution,
            plants,
            negatives,
        }
    }

    /// The bytes of a defective line built from `ticket`, and its adjusted truth.
    fn defect(
        &mut self,
        code: &str,
        mut ticket: Ticket,
    ) -> Result<(Vec<u8>, Ticket), serde_json::Error> {
        let compact = |value: &Value| serde_json::to_string(value);
        let mut line = match code {
            "malformed_json" => {
                let text = compact(&ticket.json(true, ticket.messages_json()))?;
                match self.rng.below(3) {
                    // Truncated: the closing brace is missing.
                    0 => text[..text.len() - 1].to_string(),
                    // A trailing comma before the closing brace.
                    1 => format!("{},}}", &text[..text.len() - 1]),
                    // An unquoted key.
                    _ => text.replacen("\"ticket_id\"", "ticket_id", 1),
                }
                .into_bytes()
            }
            "json_array_line" => {
                format!("[{}]", compact(&ticket.json(true, ticket.messages_json()))?).into_bytes()
            }
            "invalid_utf8" => {
                let text = compact(&ticket.json(true, ticket.messages_json()))?;
                let marker = "\"subject\":\"";
                let at = text.find(marker).map_or(0, |i| i + marker.len());
                let mut bytes = text.into_bytes();
                bytes.splice(at..at, [0xFF, 0xFE]);
                bytes
            }
            "missing_ticket_id" => {
                compact(&ticket.json(false, ticket.messages_json()))?.into_bytes()
            }
            "messages_not_a_list" => {
                let flat: Vec<String> = ticket
                    .messages
                    .iter()
                    .map(|m| format!("{}: {}", m.role, m.content))
                    .collect();
                for plant in &mut ticket.plants {
                    if plant.field.starts_with("messages[") {
                        plant.field = "messages".into();
                    }
                }
                for negative in &mut ticket.negatives {
                    if negative.field.starts_with("messages[") {
                        negative.field = "messages".into();
                    }
                }
                compact(&ticket.json(true, Value::String(flat.join("\n"))))?.into_bytes()
            }
            _ => {
                // subject_too_short
                ticket.subject = self.rng.pick(&SHORT_SUBJECTS).to_string();
                ticket.plants.retain(|p| p.field != "subject");
                ticket.negatives.retain(|n| n.field != "subject");
                compact(&ticket.json(true, ticket.messages_json()))?.into_bytes()
            }
        };
        line.push(b'\n');
        Ok((line, ticket))
    }
}

/// Writes the dataset into `dir` (created if needed).
pub fn generate(dir: &Path, root: &Rng, scale: u32) -> Result<DatasetSummary, GenError> {
    fs_err::create_dir_all(dir)?;
    let rng = root.fork(NAME);
    let mut schedule = Schedule::new(rng.fork("schedule"), DEFECTS.len());
    let mut maker = TicketMaker {
        rng: rng.fork("content"),
        guard: KeyGuard::default(),
        next_id: 0,
    };
    let mut time_rng = rng.fork("time");
    let mut truth = TruthWriter::create(dir)?;
    let mut pool: Pool<Ticket> = Pool::default();
    let mut files = Vec::new();
    for (file, compression, format, base_rows, first_month) in FILES {
        let rows = base_rows * u64::from(scale);
        let mut out = Output::create(
            dir,
            file,
            format,
            compression,
            TextEncoding::Utf8 { bom: false },
        )?;
        let start = epoch_seconds(2025, first_month, 1);
        let span = epoch_seconds(2025, first_month + 5, 28) - start;
        for i in 0..rows {
            if schedule.one_in(BLANK_LINE_ONE_IN) {
                out.blank_line(&mut truth)?;
            }
            let created_at = iso_timestamp(spread_time(&mut time_rng, start, span, i, rows), "Z");
            let json_error = |source| GenError::Json {
                file: file.to_string(),
                row: i,
                source,
            };
            match schedule.next(!pool.is_empty()) {
                Plan::Clean => {
                    let ticket = maker.fresh(&created_at);
                    let line =
                        line_of(&ticket.json(true, ticket.messages_json())).map_err(json_error)?;
                    let at = out.write(
                        &mut truth,
                        Record::Bytes(&line),
                        &RowKind::Clean,
                        &ticket.plants,
                        &ticket.negatives,
                    )?;
                    pool.push(ticket, at);
                }
                Plan::Duplicate(variant) => {
                    let Some((original, of)) = pool.pick(&mut maker.rng) else {
                        continue;
                    };
                    let of = of.clone();
                    let copy = original.duplicate(variant, maker.next_id(), created_at);
                    let line =
                        line_of(&copy.json(true, copy.messages_json())).map_err(json_error)?;
                    let kind = RowKind::Duplicate { of, variant };
                    out.write(
                        &mut truth,
                        Record::Bytes(&line),
                        &kind,
                        &copy.plants,
                        &copy.negatives,
                    )?;
                }
                Plan::Defect(k) => {
                    let defect = DEFECTS[k];
                    let ticket = maker.fresh(&created_at);
                    let (line, ticket) = maker.defect(defect.code, ticket).map_err(json_error)?;
                    let kind = RowKind::Defective(defect);
                    out.write(
                        &mut truth,
                        Record::Bytes(&line),
                        &kind,
                        &ticket.plants,
                        &ticket.negatives,
                    )?;
                }
            }
        }
        files.push(out.finish()?);
    }
    truth.finish()?;
    Ok(DatasetSummary { name: NAME, files })
}

/// Compact JSON plus a newline.
fn line_of(value: &Value) -> Result<Vec<u8>, serde_json::Error> {
    let mut line = serde_json::to_vec(value)?;
    line.push(b'\n');
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::is_clean;
    use crate::names::contains_chinese_name_shape;

    fn maker() -> TicketMaker {
        TicketMaker {
            rng: Rng::new(41),
            guard: KeyGuard::default(),
            next_id: 0,
        }
    }

    #[test]
    fn templates_render_fully_and_contain_no_names_or_stray_pii() {
        let mut rng = Rng::new(40);
        for template in templates::all() {
            assert!(!contains_chinese_name_shape(template), "{template}");
            let mut planter = Planter::new(&mut rng);
            planter.bind("my_email", "x@example.com".into());
            planter.bind("my_phone", "13800000000".into());
            let text = planter.render("t", template);
            assert!(!text.contains('{') && !text.contains('}'), "{template}");
            let (plants, _) = planter.into_truth();
            let mut rest = text.clone();
            for p in &plants {
                rest = rest.replace(&p.value, "§");
            }
            assert!(is_clean(&rest), "{text}");
        }
    }

    #[test]
    fn tickets_alternate_roles_and_plant_what_they_contain() {
        let mut m = maker();
        for _ in 0..300 {
            let t = m.fresh("2025-01-01T00:00:00Z");
            assert_eq!(t.messages[0].role, "user");
            for pair in t.messages.windows(2) {
                assert_ne!(pair[0].role, pair[1].role);
            }
            assert!((2..=6).contains(&t.messages.len()));
            assert!(t.subject.chars().count() >= 3);
            for p in &t.plants {
                let field_text = match p.field.as_str() {
                    "customer.name" => t.name.clone(),
                    "customer.email" => t.email.clone(),
                    "customer.phone" => t.phone.clone(),
                    "subject" => t.subject.clone(),
                    f => {
                        let i: usize = f["messages[".len()..f.find(']').unwrap()].parse().unwrap();
                        t.messages[i].content.clone()
                    }
                };
                assert!(
                    field_text.contains(&p.value),
                    "{} not in {}",
                    p.value,
                    p.field
                );
            }
        }
    }

    #[test]
    fn duplicates_share_the_key_and_keep_truth_aligned() {
        let mut m = maker();
        let t = m.fresh("2025-01-01T00:00:00Z");
        for variant in Variant::ALL {
            let d = t.duplicate(variant, "TK-X".into(), "2025-02-01T00:00:00Z".into());
            assert_eq!(d.key(), t.key(), "{variant:?}");
            assert_eq!(d.id == t.id, variant.keeps_id());
            let json = serde_json::to_string(&d.json(true, d.messages_json())).unwrap();
            for p in &d.plants {
                assert!(json.contains(&p.value), "{variant:?}: {}", p.value);
            }
        }
    }

    #[test]
    fn every_defect_is_what_it_claims() {
        let mut m = maker();
        for defect in DEFECTS {
            let t = m.fresh("2025-01-01T00:00:00Z");
            let (line, t) = m.defect(defect.code, t).unwrap();
            assert_eq!(line.last(), Some(&b'\n'));
            let body = &line[..line.len() - 1];
            let parsed = std::str::from_utf8(body)
                .ok()
                .and_then(|s| serde_json::from_str::<Value>(s).ok());
            match defect.code {
                "malformed_json" => assert!(parsed.is_none() && std::str::from_utf8(body).is_ok()),
                "invalid_utf8" => assert!(std::str::from_utf8(body).is_err()),
                "json_array_line" => assert!(parsed.unwrap().is_array()),
                "missing_ticket_id" => assert!(parsed.unwrap().get("ticket_id").is_none()),
                "messages_not_a_list" => assert!(parsed.unwrap()["messages"].is_string()),
                "subject_too_short" => {
                    assert!(parsed.unwrap()["subject"].as_str().unwrap().chars().count() < 3);
                }
                other => panic!("untested defect {other}"),
            }
            let raw = String::from_utf8_lossy(body);
            for p in &t.plants {
                assert!(raw.contains(&p.value), "{}: {}", defect.code, p.value);
            }
        }
    }
}
