//! `aws_secret_key` (SECRET_AWS_KEY): AWS secret access keys, context-gated.

use super::boundary::{Resume, byte_after, byte_before};
use super::context::near;
use super::simple::Simple;
use crate::detector::{Detector, DetectorInfo, TextStats};
use crate::validators::entropy::shannon;
use std::ops::Range;

/// Description shown by `sluice explain aws_secret_key`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "aws_secret_key",
    entity: "SECRET_AWS_KEY",
    is_secret: true,
    summary: "AWS secret access keys (40 base64 chars) near an aws/secret word, entropy >= 4.",
    doc: "Detects AWS secret access keys: exactly 40 chars of `A-Za-z0-9/+` not touching further \
base64 chars, with Shannon entropy of at least 4 bits/char, and only when `aws`, \
`secret_access_key` or `SecretAccessKey` stands within 20 chars (40 random chars alone could be any \
hash). The documentation example ending in `EXAMPLEKEY` is allowed.\n\
Why it matters: the secret key signs requests to an AWS account.\n\
Example: `aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYz1x2y3k4Q9` -> \
`aws_secret_access_key = <SECRET_AWS_KEY>`.",
};

pub(crate) const PATTERN: &str = "[A-Za-z0-9/+]{40,}";
const CONTEXT: &[&str] = &[
    "aws",
    "secret_access_key",
    "secretaccesskey",
    "secret access key",
];

fn accept(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    let key = &text[range.clone()];
    let base64 = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'+' | b'=' | b'_' | b'-');
    let glued = byte_before(text, range.start).is_some_and(base64)
        || byte_after(text, range.end).is_some_and(|b| b != b'=' && base64(b));
    let ok = key.len() == 40
        && !glued
        && !key.ends_with("EXAMPLEKEY")
        && shannon(key) >= 4.0
        && near(text, &range, CONTEXT);
    ok.then_some(range)
}

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Simple::anchored(
        &INFO,
        PATTERN,
        Resume::AfterEnd,
        |s: &TextStats| s.letters >= 20,
        accept,
        CONTEXT,
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_util::found_code;

    fn keys(text: &str) -> Vec<String> {
        found_code("aws_secret_key", text)
    }

    const KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYz1x2y3k4Q9";

    #[test]
    fn finds_keys_near_context() {
        assert_eq!(keys(&format!("aws_secret_access_key = {KEY}\n")), vec![KEY]);
        assert_eq!(keys(&format!("AWS密钥：{KEY}")), vec![KEY]);
    }

    #[test]
    fn rejects_without_context_examples_and_low_entropy() {
        for text in [
            format!("sha1 {KEY}"),
            "aws wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_owned(),
            format!("aws {}", "ab".repeat(20)),
            format!("aws {KEY}x"),
        ] {
            assert!(keys(&text).is_empty(), "{text}");
        }
    }
}
