//! `url_credentials` (URL_CREDENTIALS): URLs with a user name and password in them.

use super::boundary::Resume;
use super::simple::Simple;
use crate::detector::{Detector, DetectorInfo, TextStats};
use std::ops::Range;

/// Description shown by `sluice explain url_credentials`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "url_credentials",
    entity: "URL_CREDENTIALS",
    is_secret: true,
    summary: "URLs carrying credentials: `scheme://user:password@host` (span up to the host).",
    doc: "Detects URLs that embed a user name and password: `scheme://user:password@host[:port]`. \
The span covers scheme, credentials and host (so the e-mail-like `password@host` inside never \
wins the overlap and leaks the user name); the path stays. A URL with only a user name \
(`ssh://git@host`) is not a credential.\n\
Why it matters: connection strings in tickets and logs hand out database and service access.\n\
Example: `连接postgres://admin:s3cret@db.example.com:5432/app` -> `连接<URL_CREDENTIALS>/app`.",
};

const PATTERN: &str =
    r"[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#@:<>]+:[^\s/?#@<>]+@[A-Za-z0-9.\-]+(?::[0-9]{1,5})?";

fn accept(_text: &str, range: Range<usize>) -> Option<Range<usize>> {
    Some(range)
}

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Simple::anchored(
        &INFO,
        PATTERN,
        Resume::AfterEnd,
        |s: &TextStats| s.has_at && s.colons >= 2,
        accept,
        &["://"],
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_util::found_code;

    fn urls(text: &str) -> Vec<String> {
        found_code("url_credentials", text)
    }

    #[test]
    fn finds_credentials_up_to_the_host() {
        assert_eq!(
            urls("连接postgres://admin:s3cret@db.example.com:5432/app，"),
            vec!["postgres://admin:s3cret@db.example.com:5432"]
        );
        assert_eq!(
            urls("https://bob:p%40ss@10.0.0.1/x"),
            vec!["https://bob:p%40ss@10.0.0.1"]
        );
    }

    #[test]
    fn rejects_urls_without_a_password() {
        for text in [
            "ssh://git@github.com/x",
            "https://example.com/a:b@c",
            "mailto:a@b.co",
            "https://x.io",
        ] {
            assert!(urls(text).is_empty(), "{text}");
        }
    }
}
