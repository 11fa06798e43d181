//! `phone_e164` (PHONE): international numbers written with a leading `+`.

use super::boundary::{Pattern, Resume, glued_to_digit_unless_plus, scan_in};
use crate::detector::{Detector, DetectorInfo, Settled, TextStats};
use crate::segments::{Class, Scope, Window};
use std::ops::Range;

/// Description shown by `sluice explain phone_e164`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "phone_e164",
    entity: "PHONE",
    is_secret: false,
    summary: "International phone numbers starting with + (8-15 digits in all, E.164).",
    doc: "Detects phone numbers in international notation: `+`, a country code and the national \
number, 8 to 15 digits in all (the E.164 maximum), with single spaces, hyphens or dots between \
digit groups and optional parenthesised groups such as `(0)` or `(10)`. The whole run of grouped \
digits is taken and judged as one number, so a longer number is never cut down to a valid-looking \
prefix; the `+` delimits it even right after a digit (`13812345678+44 20 7946 0958` holds two \
numbers, so arithmetic such as `100+12345678` is over-redacted). Country codes and per-country lengths are not \
checked yet, so any `+` followed by 8-15 digits (e.g. `+12345678`) counts.\n\
Why it matters: customers abroad and in Hong Kong or Taiwan write their numbers this way; a \
phone number identifies a person directly.\n\
Example: `call +44 (0)20 7946 0958 today` -> `call <PHONE> today`.",
};

const PATTERN: &str = r"\+[1-9][0-9]*(?:[ .-]?(?:\([0-9]{1,5}\)|[0-9]+))*";
/// E.164 allows at most 15 digits; fewer than 8 is too short to be a full international number.
const DIGITS: std::ops::RangeInclusive<usize> = 8..=15;

/// Every match lies in one numeric run (see `segments`); the condition is necessary for one.
const SCOPE: Scope = Scope {
    class: Class::Numeric,
    qualifies: |s| s.has_plus && s.digits >= 8,
    overhang: 0,
};

struct PhoneE164 {
    pattern: Pattern,
}

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Ok(Box::new(PhoneE164 {
        pattern: Pattern::new(PATTERN)?,
    }))
}

impl Detector for PhoneE164 {
    fn info(&self) -> &'static DetectorInfo {
        &INFO
    }

    fn may_match(&self, stats: &TextStats) -> bool {
        stats.has_plus && stats.digits >= *DIGITS.start()
    }

    fn scope(&self) -> Option<Scope> {
        Some(SCOPE)
    }

    fn find_in(&self, text: &str, windows: &[Window], out: &mut Vec<Range<usize>>) -> Settled {
        scan_in(
            &self.pattern,
            text,
            windows,
            out,
            Resume::AfterEnd,
            |range| {
                let digits = text[range.clone()]
                    .bytes()
                    .filter(u8::is_ascii_digit)
                    .count();
                (DIGITS.contains(&digits) && !glued_to_digit_unless_plus(text, &range))
                    .then_some(range)
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::CATALOGUE;
    use super::super::test_util::found;

    fn phones(text: &str) -> Vec<String> {
        let entry = CATALOGUE
            .iter()
            .find(|e| e.info.code == "phone_e164")
            .unwrap();
        found(entry, text)
    }

    #[test]
    fn finds_grouped_international_numbers() {
        assert_eq!(
            phones("call +44 (0)20 7946 0958 today"),
            vec!["+44 (0)20 7946 0958"]
        );
        assert_eq!(phones("Tel:+1-202-555-0143."), vec!["+1-202-555-0143"]);
        assert_eq!(phones("电话+852 9123 4567，"), vec!["+852 9123 4567"]);
        assert_eq!(phones("+49.30.1234567"), vec!["+49.30.1234567"]);
        assert_eq!(phones("+1 555 0143"), vec!["+1 555 0143"]);
    }

    #[test]
    fn a_plus_after_a_digit_still_starts_a_number() {
        assert_eq!(
            phones("13812345678+44 20 7946 0958"),
            vec!["+44 20 7946 0958"]
        );
    }

    #[test]
    fn stops_at_a_double_separator() {
        assert_eq!(
            phones("+1 202 555 0143 - 12 items"),
            vec!["+1 202 555 0143"]
        );
    }

    #[test]
    fn rejects_too_short_too_long_and_glued() {
        for text in [
            "+1 555 014",
            "+1 202 555 0143 8888 9999",
            "+1202555014399999",
            "+0 202 555 0143",
            "1 202 555 0143",
        ] {
            assert!(phones(text).is_empty(), "{text}");
        }
    }
}
