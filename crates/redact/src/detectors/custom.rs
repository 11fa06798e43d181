//! Detectors declared in the pipeline file: `[[stages.custom]]` regexes and
//! `[[stages.dictionaries]]` term lists (customer master lists, VIP names…).
//!
//! Their code and entity come from the config, so their [`DetectorInfo`] is built at run time
//! and leaked once per stage build (a few bytes per declared detector) to keep the `'static`
//! strings every finding carries.

use super::boundary::{Resume, byte_after, byte_before};
use super::simple::Simple;
use crate::detector::{Detector, DetectorInfo, Settled, TextStats};
use crate::engine::BLANKS;
use crate::segments::Window;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::ops::Range;

/// Leaks a description for a configured detector.
pub(crate) fn leak_info(code: &str, entity: &str, summary: String) -> &'static DetectorInfo {
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    Box::leak(Box::new(DetectorInfo {
        code: leak(code.to_owned()),
        entity: leak(entity.to_owned()),
        is_secret: false,
        summary: leak(summary),
        doc: "Declared in the pipeline file.",
    }))
}

/// A user regex: a [`Simple`] detector whose every non-empty match is a finding. It runs on the
/// folded text like built-in detectors; `\b` there is the user's choice (the built-ins avoid it,
/// see `boundary`), and such a pattern never settles a value.
pub(crate) fn custom_regex(
    info: &'static DetectorInfo,
    pattern: &str,
) -> Result<Box<dyn Detector>, regex::Error> {
    Simple::boxed(
        info,
        pattern,
        Resume::AfterEnd,
        |_| true,
        |_, range| (!range.is_empty()).then_some(range),
    )
}

/// A term list matched in one Aho-Corasick pass, leftmost-longest. Terms that begin or end with
/// an ASCII letter or digit must not touch another one there (`Li` is not found in `Linux`);
/// Han terms need no boundary, since Chinese has no spaces.
pub(crate) struct Dictionary {
    info: &'static DetectorInfo,
    automaton: AhoCorasick,
    /// No term contains a blank byte, so searches may settle (see [`Settled`]): a leftmost
    /// search over literals has no look-around.
    blind_to_blanks: bool,
}

impl Dictionary {
    /// Builds the automaton over `terms` (blank terms are skipped).
    pub fn new(
        info: &'static DetectorInfo,
        terms: &[String],
        case_insensitive: bool,
    ) -> Result<Self, aho_corasick::BuildError> {
        let terms: Vec<&str> = terms
            .iter()
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
            .collect();
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .ascii_case_insensitive(case_insensitive)
            .build(&terms)?;
        let blind_to_blanks = !terms.iter().any(|t| t.bytes().any(|b| BLANKS.contains(&b)));
        Ok(Dictionary {
            info,
            automaton,
            blind_to_blanks,
        })
    }
}

impl Detector for Dictionary {
    fn info(&self) -> &'static DetectorInfo {
        self.info
    }

    fn may_match(&self, _stats: &TextStats) -> bool {
        self.automaton.patterns_len() > 0
    }

    fn find_in(&self, text: &str, _windows: &[Window], out: &mut Vec<Range<usize>>) -> Settled {
        // Without a scope the engine passes one window over the whole text.
        let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        let mut settled = self.blind_to_blanks;
        for found in self.automaton.find_iter(text) {
            let range = found.range();
            let bytes = &text.as_bytes()[range.clone()];
            let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
                settled = false;
                continue;
            };
            let glued = (word(first) && byte_before(text, range.start).is_some_and(word))
                || (word(last) && byte_after(text, range.end).is_some_and(word));
            if glued {
                settled = false;
            } else {
                out.push(range);
            }
        }
        Settled::when(settled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(detector: &dyn Detector, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        detector.find(text, &mut out);
        out.into_iter().map(|r| text[r].to_owned()).collect()
    }

    #[test]
    fn custom_regex_finds_its_pattern_glued_to_han() {
        let info = leak_info("employee_id", "EMPLOYEE_ID", "test".to_owned());
        let detector = custom_regex(info, "EMP-[0-9]{6}").unwrap();
        assert_eq!(
            run(detector.as_ref(), "工号EMP-004211，请查"),
            vec!["EMP-004211"]
        );
        assert!(run(detector.as_ref(), "EMP-42").is_empty());
        assert!(custom_regex(info, "(").is_err());
    }

    #[test]
    fn dictionary_is_leftmost_longest_with_ascii_boundaries() {
        let info = leak_info("vip_names", "PERSON", "test".to_owned());
        let terms = ["张三", "张三丰", "Li Wei", "Li", " "].map(str::to_owned);
        let detector = Dictionary::new(info, &terms, true).unwrap();
        assert_eq!(
            run(&detector, "客户张三丰来电，张三也在"),
            vec!["张三丰", "张三"]
        );
        assert_eq!(run(&detector, "call li wei now"), vec!["li wei"]);
        assert!(run(&detector, "Linux and Lithium").is_empty());
        let exact = Dictionary::new(info, &terms, false).unwrap();
        assert!(run(&exact, "call li wei now").is_empty());
    }
}
