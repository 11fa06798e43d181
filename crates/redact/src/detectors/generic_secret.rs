//! `generic_secret` (SECRET_GENERIC): high-entropy values assigned to password/token/key names.

use crate::detector::{Detector, DetectorInfo, TextStats};
use crate::validators::entropy::shannon;
use regex::Regex;
use std::ops::Range;

/// Description shown by `sluice explain generic_secret`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "generic_secret",
    entity: "SECRET_GENERIC",
    is_secret: true,
    summary: "Values assigned to password/secret/token/key names with Shannon entropy >= 3.5.",
    doc: "Detects credentials without a known prefix (gitleaks `generic-api-key` layering): a \
keyword (`password`, `passwd`, `pwd`, `secret`, `token`, `api_key`, `access`, `auth`, \
`credential`, `key`, 密码, 口令, 密钥, 令牌) followed within 20 name chars by an assignment (`=`, \
`:`, `：`, `:=`, `=>`, optionally quoted) and a value of 10-150 chars of `A-Za-z0-9` and \
`_.=+/~!@#$%^&*-`. Only the value is reported, and only when its Shannon entropy is at least 3.5 \
bits/char (so at least 12 distinct chars) and it is not a placeholder: `true`/`false`/`null`, \
templates (`${…}`, `{{…}}`, `%…%`), or values containing example, changeme, placeholder, your_, \
xxxx, redacted, dummy.\n\
Why it matters: hard-coded passwords and API keys in tickets and configs are live credentials.\n\
Example: `db_password = \"Xk9#mQ2$vL7pWz4!\"` -> `db_password = \"<SECRET_GENERIC>\"`.",
};

const PATTERN: &str = r#"(?i:password|passwd|pwd|secret|token|api[_-]?key|access|auth|credential|creds|key|密码|口令|密钥|令牌)[A-Za-z0-9_.-]{0,20}["']?[ \t]{0,3}(?::=|=>|=|:|：)[ \t]{0,3}["']?([A-Za-z0-9_.=+/~!@#$%^&*-]{10,150})"#;
/// Entropy floor in bits per char (gitleaks `generic-api-key`).
const MIN_ENTROPY: f64 = 3.5;
const PLACEHOLDERS: &[&str] = &[
    "example",
    "changeme",
    "placeholder",
    "your_",
    "xxxx",
    "redacted",
    "dummy",
    "${",
    "{{",
    "<",
];

struct GenericSecret {
    pattern: Regex,
}

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Ok(Box::new(GenericSecret {
        pattern: Regex::new(PATTERN)?,
    }))
}

/// True for values that are templates or stand-ins, not credentials.
fn placeholder(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    matches!(lower.as_str(), "true" | "false" | "null" | "none")
        || PLACEHOLDERS.iter().any(|p| lower.contains(p))
        || (value.starts_with('%') && value.ends_with('%'))
}

impl Detector for GenericSecret {
    fn info(&self) -> &'static DetectorInfo {
        &INFO
    }

    fn may_match(&self, stats: &TextStats) -> bool {
        stats.letters >= 3 || stats.non_ascii
    }

    fn anchors(&self) -> &'static [&'static str] {
        &[
            "passw", "pwd", "secret", "token", "key", "access", "auth", "cred", "密码", "口令",
            "密钥", "令牌",
        ]
    }

    fn find(&self, text: &str, out: &mut Vec<Range<usize>>) {
        for captures in self.pattern.captures_iter(text) {
            let Some(value) = captures.get(1) else {
                continue;
            };
            // A trailing quote or separator char belongs to the syntax, not the value.
            let trimmed = value.as_str().trim_end_matches(['.', ',']);
            if trimmed.len() >= 10 && !placeholder(trimmed) && shannon(trimmed) >= MIN_ENTROPY {
                out.push(value.start()..value.start() + trimmed.len());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::found_code;

    fn secrets(text: &str) -> Vec<String> {
        found_code("generic_secret", text)
    }

    #[test]
    fn finds_high_entropy_assigned_values() {
        assert_eq!(
            secrets("db_password = \"Xk9#mQ2$vL7pWz4!\""),
            vec!["Xk9#mQ2$vL7pWz4!"]
        );
        assert_eq!(
            secrets("数据库密码：Ab3dE6gH9jK2mN5q。"),
            vec!["Ab3dE6gH9jK2mN5q"]
        );
        assert_eq!(
            secrets("API_KEY: 'q8Wv2LmZ7xR4tY1uPo9s'"),
            vec!["q8Wv2LmZ7xR4tY1uPo9s"]
        );
    }

    #[test]
    fn rejects_low_entropy_placeholders_and_templates() {
        for text in [
            "password = aaaaaaaaaaaaaaaa",
            "password=changeme12345",
            "token: ${GITHUB_TOKEN_VALUE}",
            "secret = your_secret_here_123",
            "api_key = <SECRET_GENERIC>",
            "password: 1234567890",
            "the key is in the drawer",
        ] {
            assert!(secrets(text).is_empty(), "{text}");
        }
    }
}
