//! `slack_token` (SECRET_SLACK_TOKEN): Slack bot/user/app tokens and incoming webhook URLs.

use super::boundary::{Resume, byte_after, byte_before};
use super::simple::Simple;
use crate::detector::{Detector, DetectorInfo, TextStats};
use std::ops::Range;

/// Description shown by `sluice explain slack_token`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "slack_token",
    entity: "SECRET_SLACK_TOKEN",
    is_secret: true,
    summary: "Slack tokens (xoxb-/xoxp-/xoxa-/xoxr-/xoxs-/xoxe-, xapp-) and hooks.slack.com webhooks.",
    doc: "Detects Slack credentials (gitleaks `slack-bot-token`, `-user-token`, `-app-token`, \
`-webhook-url`): `xox[baprse]-` followed by digit groups and a token tail, app-level `xapp-` \
tokens, and incoming webhook URLs `https://hooks.slack.com/services|workflows|triggers/…`. Tokens \
need at least 10 digits so prose like `xoxo-` is not matched, and must not touch other token \
chars.\n\
Why it matters: a token or webhook lets anyone read or post to the workspace.\n\
Example: `xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx` -> `<SECRET_SLACK_TOKEN>`.",
};

const PATTERN: &str = "xox[baprse]-[0-9A-Za-z-]{10,250}|xapp-[0-9]-[A-Z0-9]+-[0-9]+-[a-z0-9]+|https://hooks\\.slack\\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{10,}";

fn accept(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    let token_char = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-');
    let glued = byte_before(text, range.start).is_some_and(token_char)
        || byte_after(text, range.end).is_some_and(token_char);
    let digits = text[range.clone()]
        .bytes()
        .filter(u8::is_ascii_digit)
        .count();
    (!glued && digits >= 10).then_some(range)
}

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Simple::anchored(
        &INFO,
        PATTERN,
        Resume::AfterEnd,
        |s: &TextStats| s.digits >= 10,
        accept,
        &["xox", "xapp-", "hooks.slack.com"],
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_util::found_code;

    #[test]
    fn finds_bot_app_tokens_and_webhooks() {
        for token in [
            "xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
            "xapp-1-A0123456789-1234567890123-abcdef0123456789",
            "https://hooks.slack.com/services/T01234567/B01234567/AbCdEfGh1234567890",
        ] {
            assert_eq!(
                found_code("slack_token", &format!("配置：{token}。")),
                vec![token]
            );
        }
    }

    #[test]
    fn rejects_prose_and_short_tokens() {
        for text in [
            "xoxo-hugs-and-kisses-to-you",
            "xoxb-12345-abc",
            "axoxb-1234567890-1234567890123-AbCd",
        ] {
            assert!(found_code("slack_token", text).is_empty(), "{text}");
        }
    }
}
