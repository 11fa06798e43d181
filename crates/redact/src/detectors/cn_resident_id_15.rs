//! `cn_resident_id_15` (CN_RESIDENT_ID): legacy 15-digit resident identity numbers, context-gated.

use super::boundary::{Resume, glued_to_digit};
use super::cn_resident_id::{known_province, number, real_birth_date};
use super::context::near;
use super::simple::Simple;
use crate::detector::{Detector, DetectorInfo, TextStats};
use crate::segments::{Class, Scope};
use std::ops::Range;

/// Description shown by `sluice explain cn_resident_id_15`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "cn_resident_id_15",
    entity: "CN_RESIDENT_ID",
    is_secret: false,
    summary: "Legacy 15-digit PRC resident IDs (first generation), only next to an ID context word.",
    doc: "Detects first-generation 15-digit resident identity numbers: 6-digit address code, birth \
date YYMMDD (read as 19YY), 3-digit sequence, no check digit. Because there is no checksum, a \
candidate needs a known province prefix, a real calendar date and a context word within 20 chars \
(身份证, 证件号, 公民身份号码, 身份号码, ID card, ID no); otherwise any 15-digit number would match.\n\
Why it matters: the numbers were invalidated in 2013 but still identify people in old records; \
upgraded to 18 digits they become the current ID.\n\
Example: `旧身份证号110105491231002` -> `旧身份证号<CN_RESIDENT_ID>`.",
};

pub(crate) const PATTERN: &str = "[0-9]{15,}";
const CONTEXT: &[&str] = &[
    "身份证",
    "证件号",
    "身份号码",
    "id card",
    "id no",
    "id number",
];

/// True when `id` (15 digits) has a known province and a real 19YYMMDD date.
fn plausible(id: &[u8]) -> bool {
    id.len() == 15
        && known_province(number(&id[..2]))
        && real_birth_date(
            1900 + number(&id[6..8]),
            number(&id[8..10]),
            number(&id[10..12]),
        )
}

fn accept(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    let ok = !glued_to_digit(text, &range)
        && plausible(text[range.clone()].as_bytes())
        && near(text, &range, CONTEXT);
    ok.then_some(range)
}

/// Every match (a maximal digit run) lies in one numeric run (see `segments`), and the context
/// window (20 chars) is within the engine's reach; the condition is necessary for one.
const SCOPE: Scope = Scope {
    class: Class::Numeric,
    qualifies: |s| s.digits >= 15,
    overhang: 0,
};

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Simple::scoped_anchored(
        &INFO,
        PATTERN,
        Resume::AfterEnd,
        |s: &TextStats| s.digits >= 15,
        accept,
        SCOPE,
        CONTEXT,
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_util::found_code;

    fn ids(text: &str) -> Vec<String> {
        found_code("cn_resident_id_15", text)
    }

    #[test]
    fn finds_legacy_ids_near_context() {
        assert_eq!(ids("旧身份证号110105491231002"), vec!["110105491231002"]);
        assert_eq!(ids("ID card: 360426910101007."), vec!["360426910101007"]);
    }

    #[test]
    fn rejects_without_context_or_with_bad_fields() {
        for text in [
            "订单号110105491231002",
            "身份证号990105491231002",
            "身份证号110105491331002",
            "身份证号1101054912310021",
        ] {
            assert!(ids(text).is_empty(), "{text}");
        }
    }
}
