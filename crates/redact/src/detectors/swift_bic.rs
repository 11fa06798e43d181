//! `swift_bic` (SWIFT_BIC): bank identifier codes (ISO 9362), context-gated.

use super::boundary::{Glue, Resume, glued_to_word};
use super::context::near;
use super::simple::Simple;
use crate::detector::{Detector, DetectorInfo, TextStats};
use std::ops::Range;

/// Description shown by `sluice explain swift_bic`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "swift_bic",
    entity: "SWIFT_BIC",
    is_secret: false,
    summary: "SWIFT/BIC codes (8 or 11 chars, letter country code), only near swift/bic/银行 words.",
    doc: "Detects ISO 9362 business identifier codes: 4-letter institution code, 2-letter \
country code, 2-char location and an optional 3-char branch (`BKCHCNBJ`, `DEUTDEFF500`). Any \
upper-case 8-letter word has this shape, so a context word (swift, bic, 银行代码, 开户行, 汇款) must \
stand within 20 chars, and the code must not touch other ASCII letters or digits.\n\
Why it matters: with an account number it routes payments to a person's bank account.\n\
Example: `SWIFT: BKCHCNBJ110` -> `SWIFT: <SWIFT_BIC>`.",
};

const PATTERN: &str = "[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?";
const CONTEXT: &[&str] = &["swift", "bic", "银行代码", "开户行", "汇款", "银行识别码"];

fn accept(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    let candidate = &text[range.clone()];
    // The context word must not be the candidate itself (`SWIFTBIC` is no code).
    let is_word = CONTEXT.iter().any(|w| candidate.eq_ignore_ascii_case(w));
    (!is_word && !glued_to_word(text, &range) && near(text, &range, CONTEXT)).then_some(range)
}

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Simple::anchored(
        &INFO,
        PATTERN,
        Resume::UngluedAfterStart(Glue::Word),
        |s: &TextStats| s.letters >= 11,
        accept,
        CONTEXT,
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_util::found_code;

    fn bics(text: &str) -> Vec<String> {
        found_code("swift_bic", text)
    }

    #[test]
    fn finds_8_and_11_char_codes_near_context() {
        assert_eq!(bics("SWIFT: BKCHCNBJ110"), vec!["BKCHCNBJ110"]);
        assert_eq!(bics("开户行代码DEUTDEFF，谢谢"), vec!["DEUTDEFF"]);
    }

    #[test]
    fn rejects_words_without_context_or_glued() {
        for text in [
            "PLEASE CALL ABSOLUTE",
            "SWIFT BKCHCNBJ1",
            "swift xBKCHCNBJ",
            "SWIFT bkchcnbj",
        ] {
            assert!(bics(text).is_empty(), "{text}");
        }
    }
}
