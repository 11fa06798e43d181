//! Template rendering. Templates are plain text with `{slot}` placeholders; every sensitive
//! value or hard negative a slot produces is recorded with the field it went into, so the
//! ground truth is a by-product of generation rather than something reconstructed afterwards.

use crate::names::{chinese_person, english_person};
use crate::negatives::{self, NegativeKind};
use crate::pii::{self, Entity, STAFF_DOMAINS};
use crate::rng::Rng;
use crate::truth::{Negative, Plant};

/// Slots that plant a sensitive value, with its entity type.
pub const SENSITIVE_SLOTS: [(&str, Entity); 11] = [
    ("email", Entity::Email),
    ("my_email", Entity::Email),
    ("staff_email", Entity::Email),
    ("mobile", Entity::Phone),
    ("mobile_fw", Entity::Phone),
    ("my_phone", Entity::Phone),
    ("intl_phone", Entity::Phone),
    ("id", Entity::CnResidentId),
    ("card", Entity::PaymentCard),
    ("ip", Entity::IpAddress),
    ("plc_ip", Entity::IpAddress),
];

/// Slots that place a hard negative.
pub const NEGATIVE_SLOTS: [(&str, NegativeKind); 5] = [
    ("order", NegativeKind::OrderNumber),
    ("ts", NegativeKind::Timestamp),
    ("version", NegativeKind::Version),
    ("bad_id", NegativeKind::IdChecksumFail),
    ("bad_card", NegativeKind::CardLuhnFail),
];

/// Neutral filler slots (no ground truth).
pub const NEUTRAL_SLOTS: [&str; 8] = [
    "amount", "n", "minutes", "temp", "vib", "road", "part", "date",
];

/// Chinese and English road names for accident descriptions.
const ROADS: [&str; 8] = [
    "沪昆高速",
    "京港澳高速",
    "中山路",
    "人民大道",
    "解放路",
    "G15 Shenyang-Haikou Expressway",
    "Century Avenue",
    "Nanjing Road",
];

/// Spare-part codes.
const PARTS: [&str; 8] = [
    "BRG-6205-2RS",
    "SEAL-40x62",
    "VFD-IGBT-75",
    "BELT-B1650",
    "PUMP-CP-32",
    "FLT-HYD-10",
    "SNS-PT100",
    "MTR-Y2-132",
];

/// Renders templates for one row and collects what they planted.
pub struct Planter<'r> {
    rng: &'r mut Rng,
    bound: Vec<(&'static str, String)>,
    plants: Vec<Plant>,
    negatives: Vec<Negative>,
}

impl<'r> Planter<'r> {
    /// A planter drawing from `rng`.
    pub fn new(rng: &'r mut Rng) -> Self {
        Planter {
            rng,
            bound: Vec::new(),
            plants: Vec::new(),
            negatives: Vec::new(),
        }
    }

    /// The generator, for draws outside templates.
    pub fn rng(&mut self) -> &mut Rng {
        self.rng
    }

    /// Fixes the value a slot renders to in this row (e.g. `my_email` = the customer's email,
    /// `date` = the incident date), instead of a fresh draw.
    pub fn bind(&mut self, slot: &'static str, value: String) {
        self.bound.push((slot, value));
    }

    /// Records a sensitive value placed in a structured field and returns it.
    pub fn plant(&mut self, field: &str, entity: Entity, value: String) -> String {
        self.plants.push(Plant {
            field: field.to_string(),
            entity,
            value: value.clone(),
        });
        value
    }

    /// Renders `template` into `field`, filling every `{slot}`. An unknown slot is left as
    /// written (the template tests reject any `{` left in output).
    pub fn render(&mut self, field: &str, template: &str) -> String {
        let mut out = String::with_capacity(template.len() + 32);
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            match after.find('}') {
                Some(close) => {
                    let slot = &after[..close];
                    match self.fill(field, slot) {
                        Some(value) => out.push_str(&value),
                        None => out.push_str(&rest[open..open + close + 2]),
                    }
                    rest = &after[close + 1..];
                }
                None => {
                    out.push_str(&rest[open..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// Everything planted so far: (sensitive values, hard negatives).
    pub fn into_truth(self) -> (Vec<Plant>, Vec<Negative>) {
        (self.plants, self.negatives)
    }

    /// Draws a value for `slot` once and binds it, so every use of the slot in this row agrees
    /// (one order number or app version per ticket). Each use is still recorded.
    pub fn fix(&mut self, slot: &'static str) {
        if let Some(value) = self.draw(slot) {
            self.bind(slot, value);
        }
    }

    fn fill(&mut self, field: &str, slot: &str) -> Option<String> {
        let bound = self
            .bound
            .iter()
            .find(|(s, _)| *s == slot)
            .map(|(_, v)| v.clone());
        let value = match bound {
            Some(value) => value,
            None => self.draw(slot)?,
        };
        if let Some(&(_, entity)) = SENSITIVE_SLOTS.iter().find(|(s, _)| *s == slot) {
            return Some(self.plant(field, entity, value));
        }
        if let Some(&(_, kind)) = NEGATIVE_SLOTS.iter().find(|(s, _)| *s == slot) {
            self.negatives.push(Negative {
                field: field.to_string(),
                kind,
                value: value.clone(),
            });
        }
        Some(value)
    }

    /// A fresh value for any known slot (nothing recorded).
    fn draw(&mut self, slot: &str) -> Option<String> {
        if let Some(&(_, kind)) = NEGATIVE_SLOTS.iter().find(|(s, _)| *s == slot) {
            return Some(self.draw_negative(kind));
        }
        self.draw_sensitive(slot)
            .or_else(|| self.draw_neutral(slot))
    }

    fn draw_sensitive(&mut self, slot: &str) -> Option<String> {
        let rng = &mut *self.rng;
        Some(match slot {
            "email" | "my_email" => {
                let person = if rng.percent(50) {
                    chinese_person(rng)
                } else {
                    english_person(rng)
                };
                pii::email(rng, &person, &pii::CUSTOMER_DOMAINS)
            }
            "staff_email" => {
                let person = chinese_person(rng);
                pii::email(rng, &person, &STAFF_DOMAINS)
            }
            "mobile" | "my_phone" => pii::cn_mobile(rng),
            "mobile_fw" => pii::cn_mobile_full_width(rng),
            "intl_phone" => pii::intl_phone(rng),
            "id" => pii::cn_resident_id(rng),
            "card" => pii::payment_card(rng),
            "ip" => pii::public_ipv4(rng),
            "plc_ip" => pii::private_ipv4(rng),
            _ => return None,
        })
    }

    fn draw_negative(&mut self, kind: NegativeKind) -> String {
        let rng = &mut *self.rng;
        match kind {
            NegativeKind::OrderNumber => negatives::order_number(rng),
            NegativeKind::Timestamp => negatives::timestamp(rng),
            NegativeKind::Version => negatives::version(rng),
            NegativeKind::IdChecksumFail => negatives::id_checksum_fail(rng),
            NegativeKind::CardLuhnFail => negatives::card_luhn_fail(rng),
        }
    }

    fn draw_neutral(&mut self, slot: &str) -> Option<String> {
        let rng = &mut *self.rng;
        Some(match slot {
            "amount" => format!("{}.{:02}", rng.between(80, 48_000), rng.below(100)),
            "n" => rng.between(2, 30).to_string(),
            "minutes" => rng.between(5, 90).to_string(),
            "temp" => rng.between(60, 120).to_string(),
            "vib" => format!("{}.{}", rng.between(1, 12), rng.below(10)),
            "road" => rng.pick(&ROADS).to_string(),
            "part" => rng.pick(&PARTS).to_string(),
            "date" => {
                let day = crate::calendar::days_from_civil(2025, 1, 1) + rng.below(365) as i64;
                crate::calendar::iso_date(day)
            }
            _ => return None,
        })
    }
}

/// Every slot name a template may use.
pub fn known_slots() -> impl Iterator<Item = &'static str> {
    SENSITIVE_SLOTS
        .iter()
        .map(|(s, _)| *s)
        .chain(NEGATIVE_SLOTS.iter().map(|(s, _)| *s))
        .chain(NEUTRAL_SLOTS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::is_clean;

    #[test]
    fn renders_and_records_every_slot_kind() {
        let mut rng = Rng::new(31);
        let mut planter = Planter::new(&mut rng);
        planter.bind("my_email", "me@example.com".into());
        let text = planter.render(
            "messages[0].content",
            "我的手机号是{mobile}，邮箱{my_email}，订单{order}，金额{amount}元",
        );
        let (plants, negatives) = planter.into_truth();
        assert!(!text.contains('{'), "{text}");
        assert_eq!(plants.len(), 2);
        assert_eq!(plants[1].value, "me@example.com");
        assert!(
            plants
                .iter()
                .all(|p| text.contains(&p.value) && p.field == "messages[0].content")
        );
        assert_eq!(negatives.len(), 1);
        assert_eq!(negatives[0].kind, NegativeKind::OrderNumber);
        assert!(text.contains(&negatives[0].value));
    }

    #[test]
    fn fixed_slots_repeat_one_value_and_record_each_use() {
        let mut rng = Rng::new(34);
        let mut planter = Planter::new(&mut rng);
        planter.fix("order");
        planter.fix("amount");
        let a = planter.render("a", "{order} {amount}");
        let b = planter.render("b", "{order} {amount}");
        assert_eq!(a, b);
        let (_, negatives) = planter.into_truth();
        assert_eq!(negatives.len(), 2);
        assert_eq!(negatives[0].value, negatives[1].value);
        assert_eq!(
            (negatives[0].field.as_str(), negatives[1].field.as_str()),
            ("a", "b")
        );
    }

    #[test]
    fn unknown_slots_and_stray_braces_are_kept_verbatim() {
        let mut rng = Rng::new(32);
        let mut planter = Planter::new(&mut rng);
        assert_eq!(planter.render("t", "a {nope} b {"), "a {nope} b {");
        assert!(planter.into_truth().0.is_empty());
    }

    #[test]
    fn every_known_slot_renders() {
        let mut rng = Rng::new(33);
        for slot in known_slots() {
            let mut planter = Planter::new(&mut rng);
            let text = planter.render("t", &format!("x {{{slot}}} y"));
            assert!(!text.contains('{'), "{slot}");
            let (plants, negatives) = planter.into_truth();
            let is_neutral = NEUTRAL_SLOTS.contains(&slot);
            assert_eq!(
                plants.len() + negatives.len(),
                usize::from(!is_neutral),
                "{slot}"
            );
            if is_neutral || !negatives.is_empty() {
                assert!(is_clean(&text), "{slot}: {text}");
            } else {
                assert!(!is_clean(&text), "{slot}: {text}");
            }
        }
    }
}
