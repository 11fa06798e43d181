//! `jwt` (SECRET_JWT): JSON Web Tokens, confirmed by decoding the header and payload.

use super::boundary::{Resume, byte_after, byte_before};
use super::simple::Simple;
use crate::detector::{Detector, DetectorInfo, TextStats};
use std::ops::Range;

/// Description shown by `sluice explain jwt`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "jwt",
    entity: "SECRET_JWT",
    is_secret: true,
    summary: "JSON Web Tokens (eyJ….eyJ….sig) whose header and payload decode to JSON objects.",
    doc: "Detects JSON Web Tokens: three base64url parts separated by dots, the first two starting \
`eyJ` (the encoding of `{\"`). A candidate counts only when the header and the payload both \
base64url-decode to JSON objects and the header has an `alg` member (detect-secrets does the same \
decoding); random `eyJ…` strings are rejected. The token must not touch other base64url chars.\n\
Why it matters: a bearer token is a live session: whoever holds it is logged in.\n\
Example: `Authorization: Bearer eyJhbGciOi….eyJzdWIi….SflKxw…` -> `Authorization: Bearer <SECRET_JWT>`.",
};

const PATTERN: &str = r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*";

/// Decodes unpadded base64url; `None` on a char outside the alphabet or an impossible length.
pub(crate) fn base64url(input: &str) -> Option<Vec<u8>> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'-' => Some(62),
        b'_' => Some(63),
        _ => None,
    };
    let input = input.trim_end_matches('=');
    if input.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in input.bytes() {
        acc = (acc << 6) | u32::from(value(c)?);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn json_object(part: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    match serde_json::from_slice(&base64url(part)?).ok()? {
        serde_json::Value::Object(map) => Some(map),
        _ => None,
    }
}

fn accept(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    let token_char = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-');
    if byte_before(text, range.start).is_some_and(token_char)
        || byte_after(text, range.end).is_some_and(|b| token_char(b) || b == b'.')
    {
        return None;
    }
    let mut parts = text[range.clone()].split('.');
    let header = json_object(parts.next()?)?;
    json_object(parts.next()?)?;
    header.contains_key("alg").then_some(range)
}

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Simple::anchored(
        &INFO,
        PATTERN,
        Resume::AfterEnd,
        |s: &TextStats| s.has_dot && s.letters >= 12,
        accept,
        &["eyJ"],
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_util::found_code;
    use super::*;

    const TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

    #[test]
    fn decodes_base64url() {
        assert_eq!(base64url("eyJhIjoxfQ").unwrap(), b"{\"a\":1}");
        assert!(base64url("a").is_none());
        assert!(base64url("ab+c").is_none());
    }

    #[test]
    fn finds_tokens_after_bearer_and_han() {
        assert_eq!(
            found_code("jwt", &format!("Authorization: Bearer {TOKEN}")),
            vec![TOKEN]
        );
        assert_eq!(found_code("jwt", &format!("令牌{TOKEN}。")), vec![TOKEN]);
    }

    #[test]
    fn rejects_undecodable_or_non_object_parts() {
        for text in [
            "eyJhbGciOiJIUzI1NiIsInR5cCI6.eyJzdWIiOiIxMjM0NTY3ODkw.abc".to_owned(),
            // Header without `alg`: {"typ":"JWT"}
            "eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc".to_owned(),
            format!("x{TOKEN}"),
        ] {
            assert!(found_code("jwt", &text).is_empty(), "{text}");
        }
    }
}
