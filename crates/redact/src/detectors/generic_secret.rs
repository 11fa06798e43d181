//! `generic_secret` (SECRET_GENERIC): high-entropy values assigned to password/token/key names.

use super::boundary::blind_to_blanks;
use crate::detector::{Detector, DetectorInfo, Settled, TextStats};
use crate::segments::Window;
use crate::validators::entropy::shannon;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
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

/// Literals every match starts with, ASCII case aside: each keyword of [`PATTERN`] begins with
/// one (`api` covers `api_key`, `api-key`, `apikey`; `cred` both `cred…` words).
const STARTS: &[&str] = &[
    "passw", "pwd", "secret", "token", "api", "access", "auth", "cred", "key", "密码", "口令",
    "密钥", "令牌",
];
// `STARTS` are lower case: they are searched case-sensitively in an ASCII-lowercased copy of
// the text, the same as an ASCII-case-insensitive search but with a vectorised prefilter (the
// automaton has none when it folds case itself).

/// The non-ASCII chars that `(?i)` (Unicode simple case folding) equates with ASCII letters of
/// the keywords: long s (`s`) and the Kelvin sign (`k`). [`STARTS`] folds ASCII case only, so a
/// text holding one of them is searched the old way.
const FOLDED_ALIKE: &[&str] = &["\u{17F}", "\u{212A}"];

struct GenericSecret {
    pattern: Regex,
    /// [`PATTERN`] anchored at the start of the haystack, tried at each keyword start.
    anchored: Regex,
    /// Finds the keyword starts.
    starts: AhoCorasick,
    /// Finds any of [`PLACEHOLDERS`], ignoring ASCII case.
    placeholders: AhoCorasick,
    /// Finds the chars of [`FOLDED_ALIKE`], built once.
    folded_alike: Vec<memchr::memmem::Finder<'static>>,
    /// [`PATTERN`] is [blind to blanks](super::boundary::blind_to_blanks).
    blind_to_blanks: bool,
}

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Ok(Box::new(GenericSecret::new()?))
}

impl GenericSecret {
    /// Compiles the pattern and the literal searches.
    fn new() -> Result<GenericSecret, regex::Error> {
        // The keyword literals are fixed, so this build cannot fail in practice; should it, the
        // error surfaces as a pattern error like any other detector's.
        let starts = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .build(STARTS)
            .map_err(|e| regex::Error::Syntax(e.to_string()))?;
        let placeholders = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .build(PLACEHOLDERS)
            .map_err(|e| regex::Error::Syntax(e.to_string()))?;
        Ok(GenericSecret {
            placeholders,
            pattern: Regex::new(PATTERN)?,
            anchored: Regex::new(&format!("^(?:{PATTERN})"))?,
            starts,
            folded_alike: FOLDED_ALIKE
                .iter()
                .map(|c| memchr::memmem::Finder::new(c.as_bytes()))
                .collect(),
            blind_to_blanks: blind_to_blanks(PATTERN),
        })
    }

    /// Reports the value of one match (`value` in `text`'s offsets) unless it is a stand-in.
    fn report(&self, value: regex::Match<'_>, offset: usize, out: &mut Vec<Range<usize>>) {
        // A trailing quote or separator char belongs to the syntax, not the value.
        let trimmed = value.as_str().trim_end_matches(['.', ',']);
        if trimmed.len() >= 10 && !self.placeholder(trimmed) && shannon(trimmed) >= MIN_ENTROPY {
            let start = offset + value.start();
            out.push(start..start + trimmed.len());
        }
    }

    /// True for values that are templates or stand-ins, not credentials.
    fn placeholder(&self, value: &str) -> bool {
        ["true", "false", "null", "none"]
            .iter()
            .any(|word| value.eq_ignore_ascii_case(word))
            || self.placeholders.is_match(value)
            || (value.starts_with('%') && value.ends_with('%'))
    }
}

/// Bytes after a keyword's start within which a match's assignment begins: the longest keyword
/// (`credential`, 10 bytes) and up to 20 name chars, a quote and 3 blanks.
const ASSIGNMENT_WITHIN: usize = 10 + 20 + 1 + 3;

/// False when no assignment (`=`, `:` or the first byte of `：`) begins within
/// [`ASSIGNMENT_WITHIN`] bytes of `start`: then the pattern cannot match there.
fn assignment_follows(text: &[u8], start: usize) -> bool {
    let end = (start + ASSIGNMENT_WITHIN + 1).min(text.len());
    text.get(start..end)
        .is_some_and(|near| memchr::memchr3(b'=', b':', 0xEF, near).is_some())
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

    fn find_in(&self, text: &str, _windows: &[Window], out: &mut Vec<Range<usize>>) -> Settled {
        // Without a scope the engine passes one window over the whole text. Reported values
        // are parts of their matches, so only a search that met no match settles.
        let mut matched = false;
        if self
            .folded_alike
            .iter()
            .any(|finder| finder.find(text.as_bytes()).is_some())
        {
            for captures in self.pattern.captures_iter(text) {
                matched = true;
                if let Some(value) = captures.get(1) {
                    self.report(value, 0, out);
                }
            }
            return Settled::when(!matched && self.blind_to_blanks);
        }
        // Every match starts at a keyword, so trying the anchored pattern at each keyword start
        // in order (and after a match, only past its end) yields the matches `captures_iter`
        // yields, without running the unanchored search over the rest of the text: its
        // case-insensitive keywords make a weak prefilter on ordinary prose.
        // Lowercasing ASCII keeps every offset and char boundary.
        let lower = text.to_ascii_lowercase();
        let mut from = 0;
        while let Some(keyword) = self
            .starts
            .find(aho_corasick::Input::new(&lower).range(from..))
        {
            let start = keyword.start();
            // Keywords may overlap (`口令牌`), so the next one is looked for one char on.
            from = start + text[start..].chars().next().map_or(1, char::len_utf8);
            // Prose is full of `key`, `access` and `token` with no assignment after them.
            if !assignment_follows(text.as_bytes(), start) {
                continue;
            }
            let Some(captures) = text
                .get(start..)
                .and_then(|rest| self.anchored.captures(rest))
            else {
                continue;
            };
            matched = true;
            if let Some(whole) = captures.get(0) {
                from = from.max(start + whole.end());
            }
            if let Some(value) = captures.get(1) {
                self.report(value, start, out);
            }
        }
        Settled::when(!matched && self.blind_to_blanks)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::found_code;
    use crate::detector::Detector;

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
    fn the_keyword_walk_finds_what_the_plain_search_finds() {
        // The reference: the unanchored pattern over the whole text, as before the walk.
        let pattern = regex::Regex::new(super::PATTERN).unwrap();
        let detector = super::GenericSecret::new().unwrap();
        for text in [
            "口令牌=Ab3dE6gH9jK2mN5q",
            "apikey=q8Wv2LmZ7xR4tY1uPo9s api-key: Zq8Wv2LmZ7xR4tY1uPo9",
            "PASSWORD=Xk9#mQ2$vL7pWz4! token=Yk9#mQ2$vL7pWz4!x",
            "my\u{212A}ey = q8Wv2LmZ7xR4tY1uPo9s and \u{17F}ecret = Xk9#mQ2$vL7pWz4!",
            "keykey=key=q8Wv2LmZ7xR4tY1uPo9s, secret token: 'Ab3dE6gH9jK2mN5q'",
            "no keywords here at all 1234567890",
            // The assignment as far from the keyword as the pattern allows, and one char past.
            "credentialABCDEFGHIJKLMNOPQRST'   = 'Xk9#mQ2$vL7pWz4!'",
            "credentialABCDEFGHIJKLMNOPQRSTU'   = 'Xk9#mQ2$vL7pWz4!'",
            "密钥abcdefghijklmnopqrst\"   ：Ab3dE6gH9jK2mN5q",
            "access your account, then token of thanks; auth later. key=Ab3dE6gH9jK2mN5q",
        ] {
            let mut expected = Vec::new();
            for captures in pattern.captures_iter(text) {
                detector.report(captures.get(1).unwrap(), 0, &mut expected);
            }
            let mut got = Vec::new();
            detector.find(text, &mut got);
            assert_eq!(got, expected, "{text}");
        }
        assert_eq!(
            secrets("my\u{212A}ey = q8Wv2LmZ7xR4tY1uPo9s"),
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
            "token = ExAmPlE_9f8e7d6c5b4a",
            "the key is in the drawer",
        ] {
            assert!(secrets(text).is_empty(), "{text}");
        }
    }
}

#[cfg(test)]
mod settling {
    use crate::engine::Engine;

    #[test]
    fn a_rejected_value_keeps_the_detector_searching_after_other_findings_are_blanked() {
        // The whole value holds `example`, a placeholder; once the e-mail inside it is blanked,
        // what is left of it is a credential, which only a second search finds.
        let text = "password=Xk9#mQ2$vL7pWz4!user@example.com";
        let found: Vec<(&str, &str)> = Engine::all()
            .unwrap()
            .detect(text)
            .iter()
            .map(|d| (d.detector, &text[d.start..d.end]))
            .collect();
        assert_eq!(
            found,
            vec![
                ("generic_secret", "Xk9#mQ2$vL7pWz4!"),
                ("email", "user@example.com")
            ]
        );
    }
}
