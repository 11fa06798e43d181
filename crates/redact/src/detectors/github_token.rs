//! `github_token` (SECRET_GITHUB_TOKEN): GitHub personal access, OAuth, app and refresh tokens.

use super::boundary::{Glue, Resume, glued_to_word};
use super::simple::Simple;
use crate::detector::{Detector, DetectorInfo, TextStats};
use std::ops::Range;

/// Description shown by `sluice explain github_token`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "github_token",
    entity: "SECRET_GITHUB_TOKEN",
    is_secret: true,
    summary: "GitHub tokens: ghp_/gho_/ghu_/ghs_/ghr_ + 36 chars, github_pat_ + 82 chars.",
    doc: "Detects GitHub tokens by their fixed prefixes (gitleaks `github-pat`, `-oauth`, \
`-app-token`, `-refresh-token`, `github-fine-grained-pat`): `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_` \
followed by exactly 36 letters/digits, and fine-grained `github_pat_` followed by 82 word chars. \
The token must not touch other ASCII letters or digits.\n\
Why it matters: a token grants repository, package or organisation access.\n\
Example: `token=ghp_16C7e42F292c6912E7710c838347Ae178B4a` -> `token=<SECRET_GITHUB_TOKEN>`.",
};

const PATTERN: &str = "gh[pousr]_[0-9A-Za-z]{36}|github_pat_[0-9A-Za-z_]{82}";

fn accept(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    (!glued_to_word(text, &range)).then_some(range)
}

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Simple::anchored(
        &INFO,
        PATTERN,
        Resume::UngluedAfterStart(Glue::Word),
        |s: &TextStats| s.letters + s.digits >= 38,
        accept,
        &["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"],
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_util::found_code;

    #[test]
    fn finds_classic_and_fine_grained_tokens() {
        let classic = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";
        assert_eq!(
            found_code("github_token", &format!("令牌{classic}。")),
            vec![classic]
        );
        let fine = format!("github_pat_{}", "A1b2C3d4E5".repeat(8) + "xy");
        assert_eq!(
            found_code("github_token", &format!("pat: {fine}")),
            vec![fine]
        );
    }

    #[test]
    fn rejects_wrong_lengths_and_prefixes() {
        for text in [
            "ghp_16C7e42F292c6912E7710c838347Ae178B4",
            "ghp_16C7e42F292c6912E7710c838347Ae178B4aZ",
            "ghx_16C7e42F292c6912E7710c838347Ae178B4a",
        ] {
            assert!(found_code("github_token", text).is_empty(), "{text}");
        }
    }
}
