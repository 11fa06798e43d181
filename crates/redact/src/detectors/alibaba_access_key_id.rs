//! `alibaba_access_key_id` (SECRET_ALIBABA_KEY): Alibaba Cloud AccessKey ids.

use super::boundary::{Resume, glued_to_word};
use super::simple::Simple;
use crate::detector::{Detector, DetectorInfo, TextStats};
use crate::validators::entropy::shannon;
use std::ops::Range;

/// Description shown by `sluice explain alibaba_access_key_id`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "alibaba_access_key_id",
    entity: "SECRET_ALIBABA_KEY",
    is_secret: true,
    summary: "Alibaba Cloud AccessKey ids: LTAI + 12-20 letters/digits, entropy >= 2.",
    doc: "Detects Alibaba Cloud (阿里云) AccessKey ids (gitleaks `alibaba-access-key-id`): `LTAI` \
followed by 12 to 20 letters or digits, Shannon entropy of at least 2 bits/char, not touching \
other ASCII letters or digits.\n\
Why it matters: with its secret the id grants access to the cloud account.\n\
Example: `AccessKeyId: LTAI5tQ8dKz3Vh9WmR2xPn7B` -> `AccessKeyId: <SECRET_ALIBABA_KEY>`.",
};

const PATTERN: &str = "LTAI[0-9A-Za-z]+";

fn accept(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    let key = &text[range.clone()];
    let ok = (16..=24).contains(&key.len()) && !glued_to_word(text, &range) && shannon(key) >= 2.0;
    ok.then_some(range)
}

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Simple::anchored(
        &INFO,
        PATTERN,
        Resume::AfterEnd,
        |s: &TextStats| s.letters >= 4,
        accept,
        &["LTAI"],
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_util::found_code;

    #[test]
    fn finds_key_ids() {
        assert_eq!(
            found_code("alibaba_access_key_id", "阿里云LTAI5tQ8dKz3Vh9WmR2xPn7B。"),
            vec!["LTAI5tQ8dKz3Vh9WmR2xPn7B"]
        );
    }

    #[test]
    fn rejects_short_long_glued_and_repetitive_ids() {
        for text in [
            "LTAI123",
            "LTAI5tQ8dKz3Vh9WmR2xPn7BXYZ",
            "XLTAI5tQ8dKz3Vh9WmR2xPn7B",
            "LTAIaaaaaaaaaaaaaaaa",
        ] {
            assert!(
                found_code("alibaba_access_key_id", text).is_empty(),
                "{text}"
            );
        }
    }
}
