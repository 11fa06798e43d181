//! `gitlab_token` (SECRET_GITLAB_TOKEN): GitLab personal, deploy, runner and trigger tokens.

use super::boundary::{Resume, byte_after, byte_before};
use super::simple::Simple;
use crate::detector::{Detector, DetectorInfo, TextStats};
use std::ops::Range;

/// Description shown by `sluice explain gitlab_token`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "gitlab_token",
    entity: "SECRET_GITLAB_TOKEN",
    is_secret: true,
    summary: "GitLab tokens: glpat-/gldt-/glrt-/glptt-/glft-/glsoat-/glcbt- + 20 or more token chars.",
    doc: "Detects GitLab tokens by their prefixes (gitleaks `gitlab-pat`, `-deploy-token`, \
`-runner-authentication-token`, `-ptt`, `-feed-token`…): `glpat-`, `gldt-`, `glrt-`, `glptt-`, \
`glft-`, `glsoat-`, `glcbt-` followed by at least 20 chars of `0-9A-Za-z_-` and, for the routable \
form, a `.` + 9-char suffix. The token must not touch other token chars.\n\
Why it matters: a token grants API, repository or CI runner access.\n\
Example: `glpat-xXyY12zZ34aA56bB78cC` -> `<SECRET_GITLAB_TOKEN>`.",
};

const PATTERN: &str = r"gl(?:pat|dt|rt|ptt|ft|soat|cbt)-[0-9A-Za-z_-]{20,300}(?:\.[0-9a-z]{9})?";

fn accept(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    let token_char = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-');
    let glued = byte_before(text, range.start).is_some_and(token_char)
        || byte_after(text, range.end).is_some_and(token_char);
    (!glued).then_some(range)
}

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Simple::anchored(
        &INFO,
        PATTERN,
        Resume::AfterEnd,
        |s: &TextStats| s.letters >= 6,
        accept,
        &[
            "glpat-", "gldt-", "glrt-", "glptt-", "glft-", "glsoat-", "glcbt-",
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_util::found_code;

    #[test]
    fn finds_personal_and_routable_tokens() {
        assert_eq!(
            found_code("gitlab_token", "令牌glpat-xXyY12zZ34aA56bB78cC。"),
            vec!["glpat-xXyY12zZ34aA56bB78cC"]
        );
        let routable = "glpat-abcdefghij0123456789ABCDEFG.01abcdefg";
        assert_eq!(
            found_code("gitlab_token", &format!("t={routable}")),
            vec![routable]
        );
    }

    #[test]
    fn rejects_short_and_glued_tokens() {
        for text in [
            "glpat-short123",
            "xglpat-xXyY12zZ34aA56bB78cC",
            "glpat_xXyY12zZ34aA56bB78cC",
        ] {
            assert!(found_code("gitlab_token", text).is_empty(), "{text}");
        }
    }
}
