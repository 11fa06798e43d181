//! `qq_number` (QQ_NUMBER): QQ account numbers, context-gated.

use super::boundary::{Resume, glued_to_word};
use super::context::near;
use super::simple::Simple;
use crate::detector::{Detector, DetectorInfo, TextStats};
use std::ops::Range;

/// Description shown by `sluice explain qq_number`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "qq_number",
    entity: "QQ_NUMBER",
    is_secret: false,
    summary: "QQ numbers (5-11 digits, no leading 0), only near QQ/扣扣/Q号.",
    doc: "Detects QQ account numbers: 5 to 11 digits not starting with 0, as a whole digit run \
that does not touch ASCII letters, digits or `_`. Any number has this shape, so a context word \
(QQ, qq号, Q号, 扣扣) must stand within 20 chars. QQ mail addresses (`12345@qq.com`) are found \
whole by the e-mail detector.\n\
Why it matters: the QQ number is a lifelong personal account id in Chinese records.\n\
Example: `加QQ 123456789` -> `加QQ <QQ_NUMBER>`.",
};

const PATTERN: &str = "[0-9]+";
const CONTEXT: &[&str] = &["qq", "q号", "扣扣"];

fn accept(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    let digits = &text[range.clone()];
    let ok = (5..=11).contains(&digits.len())
        && !digits.starts_with('0')
        && !glued_to_word(text, &range)
        && near(text, &range, CONTEXT);
    ok.then_some(range)
}

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Simple::anchored(
        &INFO,
        PATTERN,
        Resume::AfterEnd,
        |s: &TextStats| s.digits >= 5 && (s.letters >= 2 || s.non_ascii),
        accept,
        CONTEXT,
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_util::found_code;

    fn qqs(text: &str) -> Vec<String> {
        found_code("qq_number", text)
    }

    #[test]
    fn finds_numbers_near_qq_words() {
        assert_eq!(qqs("加QQ 123456789"), vec!["123456789"]);
        assert_eq!(qqs("扣扣：87654321。"), vec!["87654321"]);
        assert_eq!(qqs("我的qq号是10001"), vec!["10001"]);
    }

    #[test]
    fn rejects_without_context_or_with_bad_length() {
        for text in [
            "订单123456789",
            "QQ 1234",
            "QQ 012345678",
            "QQ 123456789012",
            "QQ x12345678",
        ] {
            assert!(qqs(text).is_empty(), "{text}");
        }
    }
}
