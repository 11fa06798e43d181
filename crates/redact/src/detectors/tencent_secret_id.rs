//! `tencent_secret_id` (SECRET_TENCENT_KEY): Tencent Cloud SecretIds.

use super::boundary::{Resume, glued_to_word};
use super::simple::Simple;
use crate::detector::{Detector, DetectorInfo, TextStats};
use crate::validators::entropy::shannon;
use std::ops::Range;

/// Description shown by `sluice explain tencent_secret_id`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "tencent_secret_id",
    entity: "SECRET_TENCENT_KEY",
    is_secret: true,
    summary: "Tencent Cloud SecretIds: AKID + 32 letters/digits, entropy >= 3.",
    doc: "Detects Tencent Cloud (腾讯云) API SecretIds: `AKID` followed by exactly 32 letters or \
digits (the SonarSource rule's shape), Shannon entropy of at least 3 bits/char, not touching other \
ASCII letters or digits.\n\
Why it matters: with its SecretKey the id grants access to the cloud account.\n\
Example: `SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA` -> `SecretId=<SECRET_TENCENT_KEY>`.",
};

const PATTERN: &str = "AKID[0-9A-Za-z]+";

fn accept(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    let key = &text[range.clone()];
    let ok = key.len() == 36 && !glued_to_word(text, &range) && shannon(key) >= 3.0;
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
        &["AKID"],
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_util::found_code;

    #[test]
    fn finds_secret_ids() {
        let id = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA";
        assert_eq!(
            found_code("tencent_secret_id", &format!("腾讯云{id}。")),
            vec![id]
        );
    }

    #[test]
    fn rejects_wrong_length_glued_and_repetitive_ids() {
        for text in [
            "AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhES",
            "AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESAB",
            "xAKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA",
            "AKIDaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ] {
            assert!(found_code("tencent_secret_id", text).is_empty(), "{text}");
        }
    }
}
