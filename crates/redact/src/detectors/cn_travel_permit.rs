//! `cn_travel_permit` (CN_TRAVEL_PERMIT): Hong Kong/Macao/Taiwan travel permits, context-gated.

use super::boundary::{Glue, Resume, glued_to_word};
use super::context::near;
use super::simple::Simple;
use crate::detector::{Detector, DetectorInfo, TextStats};
use std::ops::Range;

/// Description shown by `sluice explain cn_travel_permit`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "cn_travel_permit",
    entity: "CN_TRAVEL_PERMIT",
    is_secret: false,
    summary: "Travel permit numbers (回乡证 H/M+8[+2], 往来港澳通行证 C+8, 台胞证 8[+2] digits), only near a permit word.",
    doc: "Detects the numbers of permits for travel between the mainland, Hong Kong, Macao and \
Taiwan: 港澳居民来往内地通行证 (回乡证) `H`/`M` + 8 digits with an optional 2-digit issue count, \
往来港澳通行证 `C` + 8 letters/digits, and 台湾居民来往大陆通行证 (台胞证) 8 digits with an optional \
2-digit issue count. The formats come from informal sources and are short, so a context word \
(通行证, 回乡证, 台胞证, travel permit) must stand within 20 chars; bare digits need 台胞证 or 台湾. \
The number must not touch other ASCII letters or digits.\n\
Why it matters: the permit number identifies a cross-border traveller like a passport does.\n\
Example: `回乡证H12345678` -> `回乡证<CN_TRAVEL_PERMIT>`.",
};

const PATTERN: &str = "[HM][0-9]{8}(?:[0-9]{2})?|C[0-9A-HJ-NP-Z]{8}|[0-9]{8}(?:[0-9]{2})?";
const CONTEXT: &[&str] = &["通行证", "回乡证", "台胞证", "travel permit", "permit no"];
const TAIWAN_CONTEXT: &[&str] = &["台胞证", "台湾"];
/// Every context word of either list.
const ANCHORS: &[&str] = &[
    "通行证",
    "回乡证",
    "台胞证",
    "travel permit",
    "permit no",
    "台湾",
];

fn accept(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    if glued_to_word(text, &range) {
        return None;
    }
    let digits_only = text[range.clone()].bytes().all(|b| b.is_ascii_digit());
    let words = if digits_only { TAIWAN_CONTEXT } else { CONTEXT };
    near(text, &range, words).then_some(range)
}

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Simple::anchored(
        &INFO,
        PATTERN,
        Resume::UngluedAfterStart(Glue::Word),
        |s: &TextStats| s.non_ascii && s.digits >= 8,
        accept,
        ANCHORS,
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_util::found_code;

    fn permits(text: &str) -> Vec<String> {
        found_code("cn_travel_permit", text)
    }

    #[test]
    fn finds_each_permit_near_context() {
        assert_eq!(permits("回乡证H12345678"), vec!["H12345678"]);
        assert_eq!(permits("回乡证号码M1234567801。"), vec!["M1234567801"]);
        assert_eq!(permits("往来港澳通行证C12345678"), vec!["C12345678"]);
        assert_eq!(permits("台胞证 12345678"), vec!["12345678"]);
    }

    #[test]
    fn rejects_without_context_and_bare_digits_without_taiwan_context() {
        for text in [
            "订单H12345678",
            "通行证12345678",
            "回乡证H123456789",
            "回乡证XH12345678",
        ] {
            assert!(permits(text).is_empty(), "{text}");
        }
    }
}
