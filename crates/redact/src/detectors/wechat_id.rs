//! `wechat_id` (WECHAT_ID): WeChat account ids, context-gated.

use super::boundary::{Resume, byte_after, byte_before};
use super::context::near;
use super::simple::Simple;
use crate::detector::{Detector, DetectorInfo, TextStats};
use std::ops::Range;

/// Description shown by `sluice explain wechat_id`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "wechat_id",
    entity: "WECHAT_ID",
    is_secret: false,
    summary: "WeChat ids (6-20 chars, leading letter, with a digit, `_` or `-`), only near 微信/VX/wx.",
    doc: "Detects WeChat ids: 6 to 20 chars of letters, digits, `_` and `-` starting with a letter. \
To avoid flagging ordinary words the id must contain a digit, `_` or `-`, a context word (微信, \
微信号, VX, wx, V信, 加V, wechat) must stand within 20 chars, and the id must not touch other id \
chars or the `<`/`>` of a placeholder. Ids that are mobile numbers are found by `cn_mobile`.\n\
Why it matters: the WeChat id is the main contact handle of Chinese customers.\n\
Example: `加微信zhang_san88` -> `加微信<WECHAT_ID>`.",
};

const PATTERN: &str = "[A-Za-z][-_A-Za-z0-9]*";
const CONTEXT: &[&str] = &["微信", "vx", "wx", "v信", "加v", "wechat"];

fn accept(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    let id = &text[range.clone()];
    let edge =
        |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'<' | b'>' | b'@' | b'.');
    let ok = (6..=20).contains(&id.len())
        && id
            .bytes()
            .any(|b| b.is_ascii_digit() || b == b'_' || b == b'-')
        && !CONTEXT.iter().any(|w| id.eq_ignore_ascii_case(w))
        && !byte_before(text, range.start).is_some_and(edge)
        && !byte_after(text, range.end).is_some_and(edge)
        && near(text, &range, CONTEXT);
    ok.then_some(range)
}

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Simple::anchored(
        &INFO,
        PATTERN,
        Resume::AfterEnd,
        |s: &TextStats| s.letters >= 3,
        accept,
        CONTEXT,
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_util::found_code;

    fn ids(text: &str) -> Vec<String> {
        found_code("wechat_id", text)
    }

    #[test]
    fn finds_ids_near_wechat_words() {
        assert_eq!(ids("加微信zhang_san88，"), vec!["zhang_san88"]);
        assert_eq!(ids("VX: wxid_abc123"), vec!["wxid_abc123"]);
        assert_eq!(ids("my WeChat is lily-2024"), vec!["lily-2024"]);
    }

    #[test]
    fn rejects_words_placeholders_and_ids_without_context() {
        for text in [
            "加微信 please contact",
            "微信 <WECHAT_ID>",
            "微信 <PERSON_1>",
            "用户名zhang_san88",
            "微信ab_1",
            "微信a@b_1234.com",
        ] {
            assert!(ids(text).is_empty(), "{text}");
        }
    }
}
