//! `maintenance-logs`: zstd-compressed JSONL, mostly Chinese maintenance narratives with phones,
//! PLC addresses and staff emails.

mod templates;

use super::{Output, Record, spread_time, vary_negatives, vary_plants};
use crate::calendar::{epoch_seconds, iso_timestamp};
use crate::error::GenError;
use crate::names::chinese_person;
use crate::pii::{self, Entity};
use crate::rng::Rng;
use crate::schedule::{Plan, Pool, Schedule};
use crate::sink::{Compression, TextEncoding};
use crate::slots::Planter;
use crate::summary::DatasetSummary;
use crate::text::{KeyGuard, Variant, normalize_key};
use crate::truth::{Defect, Negative, Plant, RowKind, TruthWriter};
use serde_json::{Map, Value, json};
use std::path::Path;
use templates::*;

/// Directory name of the dataset.
pub const NAME: &str = "maintenance-logs";

/// The only file.
const FILE: &str = "logs-2025q1.jsonl.zst";

/// Records at scale 1.
const BASE_ROWS: u64 = 2_500;

/// Defects dealt round-robin.
pub const DEFECTS: [Defect; 4] = [
    Defect::quarantined("malformed_json"),
    Defect::quarantined("severity_object"),
    Defect::quarantined("severity_unknown"),
    Defect::quarantined("text_too_short"),
];

/// One log entry and what it planted.
#[derive(Debug, Clone)]
struct LogEntry {
    id: String,
    equipment_id: String,
    site: &'static str,
    technician: String,
    phone: String,
    timestamp: String,
    severity: Value,
    text: String,
    plants: Vec<Plant>,
    negatives: Vec<Negative>,
}

fn in_key(field: &str) -> bool {
    field == "text"
}

impl LogEntry {
    fn json(&self) -> Value {
        let mut technician = Map::new();
        technician.insert("name".into(), self.technician.clone().into());
        technician.insert("phone".into(), self.phone.clone().into());
        let mut obj = Map::new();
        obj.insert("log_id".into(), self.id.clone().into());
        obj.insert("equipment_id".into(), self.equipment_id.clone().into());
        obj.insert("site".into(), self.site.into());
        obj.insert("technician".into(), Value::Object(technician));
        obj.insert("timestamp".into(), self.timestamp.clone().into());
        obj.insert("severity".into(), self.severity.clone());
        obj.insert("text".into(), self.text.clone().into());
        Value::Object(obj)
    }

    fn duplicate(&self, variant: Variant, id: String, timestamp: String) -> LogEntry {
        LogEntry {
            id: if variant.keeps_id() {
                self.id.clone()
            } else {
                id
            },
            timestamp: if variant.keeps_id() {
                self.timestamp.clone()
            } else {
                timestamp
            },
            text: variant.apply(&self.text),
            plants: vary_plants(&self.plants, variant, in_key),
            negatives: vary_negatives(&self.negatives, variant, in_key),
            ..self.clone()
        }
    }
}

/// Draws unique log entries.
struct LogMaker {
    rng: Rng,
    guard: KeyGuard,
    next_id: u64,
}

impl LogMaker {
    fn next_id(&mut self) -> String {
        self.next_id += 1;
        format!("ML-2025Q1-{:07}", self.next_id)
    }

    fn fresh(&mut self, timestamp: &str) -> LogEntry {
        loop {
            let entry = self.draw(timestamp);
            if self.guard.insert(&normalize_key(&entry.text)) {
                return entry;
            }
        }
    }

    fn draw(&mut self, timestamp: &str) -> LogEntry {
        let id = self.next_id();
        let rng = &mut self.rng;
        let (site, code) = *rng.pick(&SITES);
        let equipment_id = format!(
            "EQ-{code}-{}-{:04}",
            rng.pick(&EQUIPMENT_TYPES),
            rng.between(1, 120)
        );
        let technician = chinese_person(rng);
        let phone = pii::cn_mobile_digits(rng);
        let severity = rng.pick(&SEVERITIES).to_string();
        let template = if rng.percent(85) {
            *rng.pick(&TEXTS_ZH)
        } else {
            *rng.pick(&TEXTS_EN)
        };

        let mut planter = Planter::new(rng);
        let technician = planter.plant("technician.name", Entity::Person, technician.name);
        let phone = planter.plant("technician.phone", Entity::Phone, phone);
        planter.bind("equip", equipment_id.clone());
        let text = planter.render("text", template);
        let (plants, negatives) = planter.into_truth();
        LogEntry {
            id,
            equipment_id,
            site,
            technician,
            phone,
            timestamp: timestamp.to_string(),
            severity: Value::String(severity),
            text,
            plants,
            negatives,
        }
    }

    fn defect(
        &mut self,
        code: &str,
        mut entry: LogEntry,
    ) -> Result<(Vec<u8>, LogEntry), serde_json::Error> {
        let text = match code {
            "malformed_json" => {
                let text = serde_json::to_string(&entry.json())?;
                if self.rng.percent(50) {
                    // Cut off: the closing brace is missing.
                    text[..text.len() - 1].to_string()
                } else {
                    // Python-dict style single quotes around a key.
                    text.replacen("\"log_id\"", "'log_id'", 1)
                }
            }
            "severity_object" => {
                let level = entry.severity.as_str().unwrap_or("high").to_string();
                entry.severity = json!({"level": level, "code": self.rng.between(1, 4)});
                serde_json::to_string(&entry.json())?
            }
            "severity_unknown" => {
                entry.severity = Value::String(self.rng.pick(&UNKNOWN_SEVERITIES).to_string());
                serde_json::to_string(&entry.json())?
            }
            _ => {
                // text_too_short
                entry.text = self.rng.pick(&SHORT_TEXTS).to_string();
                entry.plants.retain(|p| !in_key(&p.field));
                entry.negatives.retain(|n| !in_key(&n.field));
                serde_json::to_string(&entry.json())?
            }
        };
        let mut line = text.into_bytes();
        line.push(b'\n');
        Ok((line, entry))
    }
}

/// Writes the dataset into `dir` (created if needed).
pub fn generate(dir: &Path, root: &Rng, scale: u32) -> Result<DatasetSummary, GenError> {
    fs_err::create_dir_all(dir)?;
    let rng = root.fork(NAME);
    let mut schedule = Schedule::new(rng.fork("schedule"), DEFECTS.len());
    let mut maker = LogMaker {
        rng: rng.fork("content"),
        guard: KeyGuard::default(),
        next_id: 0,
    };
    let mut time_rng = rng.fork("time");
    let mut truth = TruthWriter::create(dir)?;
    let mut pool: Pool<LogEntry> = Pool::default();
    let rows = BASE_ROWS * u64::from(scale);
    let mut out = Output::create(
        dir,
        FILE,
        "JSONL, UTF-8, zstd",
        Compression::Zstd,
        TextEncoding::Utf8 { bom: false },
    )?;
    // Q1 in China Standard Time: the +08:00 offset is written out in every timestamp.
    let start = epoch_seconds(2025, 1, 1);
    let span = epoch_seconds(2025, 4, 1) - start;
    for i in 0..rows {
        let timestamp = iso_timestamp(spread_time(&mut time_rng, start, span, i, rows), "+08:00");
        let json_error = |source| GenError::Json {
            file: FILE.to_string(),
            row: i,
            source,
        };
        match schedule.next(!pool.is_empty()) {
            Plan::Clean => {
                let entry = maker.fresh(&timestamp);
                let line = line_of(&entry.json()).map_err(json_error)?;
                let at = out.write(
                    &mut truth,
                    Record::Bytes(&line),
                    &RowKind::Clean,
                    &entry.plants,
                    &entry.negatives,
                )?;
                pool.push(entry, at);
            }
            Plan::Duplicate(variant) => {
                let Some((original, of)) = pool.pick(&mut maker.rng) else {
                    continue;
                };
                let of = of.clone();
                let copy = original.duplicate(variant, maker.next_id(), timestamp);
                let line = line_of(&copy.json()).map_err(json_error)?;
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
                let entry = maker.fresh(&timestamp);
                let (line, entry) = maker.defect(defect.code, entry).map_err(json_error)?;
                let kind = RowKind::Defective(defect);
                out.write(
                    &mut truth,
                    Record::Bytes(&line),
                    &kind,
                    &entry.plants,
                    &entry.negatives,
                )?;
            }
        }
    }
    let files = vec![out.finish()?];
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

    fn maker() -> LogMaker {
        LogMaker {
            rng: Rng::new(61),
            guard: KeyGuard::default(),
            next_id: 0,
        }
    }

    #[test]
    fn templates_are_name_free_and_fully_rendered() {
        let mut rng = Rng::new(60);
        for template in templates::all() {
            assert!(!contains_chinese_name_shape(template), "{template}");
            let mut planter = Planter::new(&mut rng);
            planter.bind("equip", "EQ-SH-CNC-0042".into());
            let text = planter.render("text", template);
            assert!(!text.contains('{'), "{template}");
            let (plants, _) = planter.into_truth();
            let rest = plants
                .iter()
                .fold(text.clone(), |t, p| t.replace(&p.value, "§"));
            assert!(is_clean(&rest), "{text}");
        }
    }

    #[test]
    fn entries_are_mostly_chinese_and_mention_their_equipment() {
        let mut m = maker();
        let mut chinese = 0;
        for _ in 0..400 {
            let e = m.fresh("2025-01-01T00:00:00+08:00");
            chinese += usize::from(
                e.text
                    .chars()
                    .any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)),
            );
            assert!(e.text.chars().count() >= 10);
            assert!(SEVERITIES.contains(&e.severity.as_str().unwrap()));
            if e.text.contains("EQ-") {
                assert!(e.text.contains(&e.equipment_id));
            }
        }
        assert!(chinese > 300, "{chinese}");
    }

    #[test]
    fn defects_break_what_they_claim() {
        let mut m = maker();
        for defect in DEFECTS {
            let e = m.fresh("2025-01-01T00:00:00+08:00");
            let (line, e) = m.defect(defect.code, e).unwrap();
            let parsed = serde_json::from_slice::<Value>(&line);
            match defect.code {
                "malformed_json" => assert!(parsed.is_err()),
                "severity_object" => assert!(parsed.unwrap()["severity"].is_object()),
                "severity_unknown" => {
                    let v = parsed.unwrap();
                    assert!(!SEVERITIES.contains(&v["severity"].as_str().unwrap()));
                }
                "text_too_short" => {
                    assert!(parsed.unwrap()["text"].as_str().unwrap().chars().count() < 10)
                }
                other => panic!("untested defect {other}"),
            }
            let raw = String::from_utf8(line).unwrap();
            for p in &e.plants {
                assert!(raw.contains(&p.value), "{}", defect.code);
            }
        }
    }

    #[test]
    fn duplicates_keep_the_normalised_text() {
        let mut m = maker();
        let e = m.fresh("2025-01-01T00:00:00+08:00");
        for variant in Variant::ALL {
            let copy = e.duplicate(variant, "ML-X".into(), "t".into());
            assert_eq!(normalize_key(&copy.text), normalize_key(&e.text));
        }
    }
}
