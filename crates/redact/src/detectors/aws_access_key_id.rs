//! `aws_access_key_id` (SECRET_AWS_KEY): AWS access key ids.

use super::boundary::{Glue, Resume, glued_to_word};
use super::simple::Simple;
use crate::detector::{Detector, DetectorInfo, TextStats};
use crate::validators::entropy::shannon;
use std::ops::Range;

/// Description shown by `sluice explain aws_access_key_id`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "aws_access_key_id",
    entity: "SECRET_AWS_KEY",
    is_secret: true,
    summary: "AWS access key ids (AKIA/ASIA/ABIA/ACCA/A3Tx + 16 base32 chars).",
    doc: "Detects AWS access key ids: `AKIA`, `ASIA`, `ABIA`, `ACCA` or `A3T` + one char, followed \
by 16 chars of `A-Z2-7` (gitleaks `aws-access-token`), not touching other ASCII letters or digits, \
with Shannon entropy of at least 3 bits/char. Ids ending in `EXAMPLE` (AWS documentation) are \
allowed, as gitleaks does.\n\
Why it matters: with its secret key the id grants access to an AWS account.\n\
Example: `aws_access_key_id=AKIAZ3MSJV4WWYQXV6TR` -> `aws_access_key_id=<SECRET_AWS_KEY>`.",
};

const PATTERN: &str = "(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}";

fn accept(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    let id = &text[range.clone()];
    let ok = !glued_to_word(text, &range) && !id.ends_with("EXAMPLE") && shannon(id) >= 3.0;
    ok.then_some(range)
}

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Simple::anchored(
        &INFO,
        PATTERN,
        Resume::UngluedAfterStart(Glue::Word),
        |s: &TextStats| s.letters >= 4,
        accept,
        &["AKIA", "ASIA", "ABIA", "ACCA", "A3T"],
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_util::found_code;

    fn keys(text: &str) -> Vec<String> {
        found_code("aws_access_key_id", text)
    }

    #[test]
    fn finds_key_ids_glued_to_han_and_after_assignments() {
        assert_eq!(
            keys("密钥AKIAZ3MSJV4WWYQXV6TR。"),
            vec!["AKIAZ3MSJV4WWYQXV6TR"]
        );
        assert_eq!(
            keys("id=ASIAY34FZKBOKMUTVV7A"),
            vec!["ASIAY34FZKBOKMUTVV7A"]
        );
    }

    #[test]
    fn rejects_examples_low_entropy_and_glued_ids() {
        for text in [
            "AKIAIOSFODNN7EXAMPLE",
            "AKIAAAAAAAAAAAAAAAAA",
            "XAKIAZ3MSJV4WWYQXV6TR",
            "AKIAZ3MSJV4WWYQXV6TRQ",
            "AKIAZ3MSJV4WWYQXV6T",
        ] {
            assert!(keys(text).is_empty(), "{text}");
        }
    }
}
