//! Neighbour checks and candidate scanning shared by detectors.
//!
//! Detectors never use `\b`: in Unicode mode Han characters are word characters, so `\b` fails
//! between `号` and `1`. They match a bare core pattern and then look at the neighbouring bytes
//! here. Every neighbour they test for is ASCII, and a byte of a multi-byte char is never ASCII,
//! so byte-level checks are exact.

use super::runs::{Matcher, matcher_for};
use crate::detector::Settled;
use crate::engine::BLANKS;
use crate::segments::Window;
use regex_automata::{Input, meta};
use regex_syntax::hir::{Class, Hir, HirKind};
use std::ops::Range;

/// A detector's candidate regex, with what its matches can depend on.
pub(crate) struct Pattern {
    search: Search,
    /// The regex has no look-around (`^`, `$`, `\b`…) and matches no blank byte
    /// ([`BLANKS`]): whether it matches a string does not depend on the text around it, and
    /// no match can reach into a blanked finding. Searches over it can then [settle](Settled).
    blind_to_blanks: bool,
}

/// How a pattern is searched.
enum Search {
    /// A hand-written matcher equal to the regex (see `runs`); the regex is then not compiled.
    Matcher(Matcher),
    /// The regex, compiled twice.
    Regex {
        /// For long haystacks: with the literal prefilter the regex crate picks.
        seek: meta::Regex,
        /// For short windows: without a prefilter, whose set-up exceeds the search there.
        probe: meta::Regex,
    },
}

impl Pattern {
    /// Compiles `pattern`; it is searched with its hand-written matcher where `runs` has one
    /// (those are the catalogue's own patterns, which its tests compile as regexes).
    pub fn new(pattern: &str) -> Result<Self, regex::Error> {
        // Built like `regex::Regex` builds it (same syntax defaults, same semantics), so a
        // pattern the regex crate accepts compiles here too.
        let build = |prefilter: bool| {
            meta::Regex::builder()
                .configure(meta::Config::new().auto_prefilter(prefilter))
                .build(pattern)
                .map_err(|e| regex::Error::Syntax(e.to_string()))
        };
        let search = match matcher_for(pattern) {
            Some(matcher) => Search::Matcher(matcher),
            None => Search::Regex {
                seek: build(true)?,
                probe: build(false)?,
            },
        };
        Ok(Pattern {
            search,
            blind_to_blanks: blind_to_blanks(pattern),
        })
    }

    /// The leftmost-first match in `hay` starting at or after `at`: what
    /// `regex::Regex::find_at` returns.
    pub fn find_at(&self, hay: &str, at: usize) -> Option<Range<usize>> {
        let rest = hay.len().checked_sub(at)?;
        match &self.search {
            Search::Matcher(matcher) => matcher(hay.as_bytes(), at),
            Search::Regex { seek, probe } => {
                let regex = if rest <= PROBE_MAX { probe } else { seek };
                regex
                    .search(&Input::new(hay).range(at..))
                    .map(|m| m.range())
            }
        }
    }
}

/// Longest haystack rest searched without a prefilter. Scoped windows are mostly shorter
/// (digit runs, tokens); there a prefilter's set-up per search cost more than it skipped
/// (per-core throughput +5 to +15 % on the bench corpora without it).
const PROBE_MAX: usize = 64;

/// True when `pattern` has no look-around and matches no blank byte (see
/// [`Pattern::blind_to_blanks`]). A pattern the parser refuses only loses its right to settle.
pub(crate) fn blind_to_blanks(pattern: &str) -> bool {
    regex_syntax::parse(pattern)
        .is_ok_and(|hir| hir.properties().look_set().is_empty() && !may_match_blank(&hir))
}

/// True when some string `hir` matches contains a blank byte ([`BLANKS`]).
fn may_match_blank(hir: &Hir) -> bool {
    let blank_char =
        |lo: char, hi: char| BLANKS.iter().any(|&b| (lo..=hi).contains(&char::from(b)));
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => false,
        HirKind::Literal(literal) => literal.0.iter().any(|b| BLANKS.contains(b)),
        HirKind::Class(Class::Unicode(class)) => class
            .ranges()
            .iter()
            .any(|r| blank_char(r.start(), r.end())),
        HirKind::Class(Class::Bytes(class)) => class
            .ranges()
            .iter()
            .any(|r| BLANKS.iter().any(|b| (r.start()..=r.end()).contains(b))),
        HirKind::Repetition(repetition) => may_match_blank(&repetition.sub),
        HirKind::Capture(capture) => may_match_blank(&capture.sub),
        HirKind::Concat(parts) | HirKind::Alternation(parts) => parts.iter().any(may_match_blank),
    }
}

/// The byte just before `start`, if any.
pub(crate) fn byte_before(text: &str, start: usize) -> Option<u8> {
    start
        .checked_sub(1)
        .and_then(|i| text.as_bytes().get(i))
        .copied()
}

/// The byte at `end` (just after a range ending there), if any.
pub(crate) fn byte_after(text: &str, end: usize) -> Option<u8> {
    text.as_bytes().get(end).copied()
}

/// True when `range` touches an ASCII digit on either side.
pub(crate) fn glued_to_digit(text: &str, range: &Range<usize>) -> bool {
    byte_before(text, range.start).is_some_and(|b| b.is_ascii_digit())
        || byte_after(text, range.end).is_some_and(|b| b.is_ascii_digit())
}

/// True when `range` touches an ASCII letter, digit or `_` on either side: alphanumeric IDs
/// and keys (USCC, passports, tokens) must stand on their own, while Han neighbours are fine.
pub(crate) fn glued_to_word(text: &str, range: &Range<usize>) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    byte_before(text, range.start).is_some_and(word)
        || byte_after(text, range.end).is_some_and(word)
}

/// Where the search goes on after `accept` rejected a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resume {
    /// One char after the rejected candidate's start, so a rejected long candidate (`1086 138…`
    /// read with a `86` prefix) cannot hide a valid shorter one inside it. Only for patterns of
    /// bounded length, or the rescans would make the scan quadratic.
    AfterStart,
    /// As [`Resume::AfterStart`], for detectors whose `accept` rejects every candidate glued
    /// on the left as `Glue` says: starts glued that way are passed over without asking the
    /// regex again (each ask costs a search, several per digit of a long number otherwise).
    UngluedAfterStart(Glue),
    /// After the rejected candidate's end: for patterns that match maximal runs, where nothing
    /// starting inside a rejected run can be valid (it would be glued to the run).
    AfterEnd,
}

/// Like [`glued_to_digit`], except that a candidate starting with `+` is delimited by it: a
/// digit before the `+` does not glue (`13812345678+44 20 7946 0958` holds two numbers).
/// Which left neighbour makes `accept` reject a candidate whatever it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Glue {
    /// An ASCII digit before the start, unless the candidate starts with `+`
    /// ([`glued_to_digit_unless_plus`]; also right for [`glued_to_digit`] callers).
    DigitUnlessPlus,
    /// An ASCII letter, digit or `_` before the start ([`glued_to_word`]).
    Word,
}

impl Glue {
    /// True when no candidate starting at `at` can be accepted because of its left neighbour.
    fn rejects(self, bytes: &[u8], at: usize) -> bool {
        let Some(&before) = at.checked_sub(1).and_then(|i| bytes.get(i)) else {
            return false;
        };
        match self {
            Glue::DigitUnlessPlus => before.is_ascii_digit() && bytes.get(at) != Some(&b'+'),
            Glue::Word => before.is_ascii_alphanumeric() || before == b'_',
        }
    }
}

pub(crate) fn glued_to_digit_unless_plus(text: &str, range: &Range<usize>) -> bool {
    if text.as_bytes().get(range.start) == Some(&b'+') {
        byte_after(text, range.end).is_some_and(|b| b.is_ascii_digit())
    } else {
        glued_to_digit(text, range)
    }
}

/// Runs `pattern` over `text` and pushes what `accept` keeps (it may also narrow the range), for
/// the matches starting inside `windows` only (ascending, disjoint). With the
/// windows of the detector's scope this finds exactly what a scan of the whole text finds: no
/// match can start outside them, and the position the search resumes at carries over from one
/// window to the next as it would in one scan. Settled when `accept` kept every match whole and
/// the pattern is [blind to blanks](Pattern::blind_to_blanks).
pub(crate) fn scan_in(
    pattern: &Pattern,
    text: &str,
    windows: &[Window],
    out: &mut Vec<Range<usize>>,
    resume: Resume,
    mut accept: impl FnMut(Range<usize>) -> Option<Range<usize>>,
) -> Settled {
    let mut settled = pattern.blind_to_blanks;
    let mut at = 0;
    for window in windows {
        at = at.max(window.start);
        let Some(hay) = text.get(..window.hay_end) else {
            continue;
        };
        // `<=` so that a window over the whole text also tries the empty tail, as before.
        while at < window.end || (at == window.end && window.end == text.len()) {
            let Some(range) = pattern.find_at(hay, at) else {
                break;
            };
            if range.start >= window.end && window.end < text.len() {
                break;
            }
            let accepted = accept(range.clone());
            settled &= !range.is_empty() && accepted.as_ref() == Some(&range);
            if let Some(kept) = accepted {
                at = kept.end.max(range.start + 1);
                out.push(kept);
            } else if resume == Resume::AfterEnd {
                at = range.end.max(range.start + 1);
            } else {
                let step = text[range.start..].chars().next().map_or(1, char::len_utf8);
                at = range.start + step;
                if let Resume::UngluedAfterStart(glue) = resume {
                    // Every candidate starting at a glued position is rejected, so the regex
                    // would only be asked again at the next unglued one.
                    let bytes = text.as_bytes();
                    while at < window.end && glue.rejects(bytes, at) {
                        at += 1;
                    }
                }
            }
            while at < text.len() && !text.is_char_boundary(at) {
                at += 1;
            }
        }
    }
    Settled::when(settled)
}

/// Runs `pattern` over each of `windows` alone (its matches, maximal runs, never cross a
/// window's edge) and hands each match to `split`, which pushes the findings it holds (the
/// match's start in `text`, the match, the output). Settled when every match came back whole,
/// as the only finding of its run, and the pattern is [blind to blanks](Pattern::blind_to_blanks).
pub(crate) fn scan_runs(
    pattern: &Pattern,
    text: &str,
    windows: &[Window],
    out: &mut Vec<Range<usize>>,
    mut split: impl FnMut(usize, &str, &mut Vec<Range<usize>>),
) -> Settled {
    let mut settled = pattern.blind_to_blanks;
    for window in windows {
        let Some(hay) = text.get(..window.hay_end) else {
            continue;
        };
        let mut at = window.start;
        while at < window.end {
            let Some(run) = pattern.find_at(hay, at) else {
                break;
            };
            at = run.end.max(run.start + 1);
            let before = out.len();
            split(run.start, &hay[run.clone()], out);
            settled &= !run.is_empty() && out.len() == before + 1 && out[before] == run;
        }
    }
    Settled::when(settled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segments::whole;

    /// [`scan_in`] over the whole text.
    fn scan(
        pattern: &Pattern,
        text: &str,
        out: &mut Vec<Range<usize>>,
        resume: Resume,
        accept: impl FnMut(Range<usize>) -> Option<Range<usize>>,
    ) {
        let _ = scan_in(pattern, text, &[whole(text)], out, resume, accept);
    }

    #[test]
    fn neighbours_at_edges_and_inside() {
        assert_eq!(byte_before("ab", 0), None);
        assert_eq!(byte_before("ab", 1), Some(b'a'));
        assert_eq!(byte_after("ab", 2), None);
        assert!(glued_to_digit("1ab", &(1..3)));
        assert!(glued_to_digit("ab2", &(0..2)));
        assert!(!glued_to_digit("号ab", &("号".len().."号ab".len())));
        assert!(!glued_to_digit_unless_plus("1+23", &(1..4)));
        assert!(glued_to_digit_unless_plus("1+234", &(1..4)));
        assert!(glued_to_digit_unless_plus("1234", &(1..3)));
        assert!(glued_to_word("aXY", &(1..3)));
        assert!(glued_to_word("XY_", &(0..2)));
        assert!(!glued_to_word("号XY。", &(3..5)));
    }

    #[test]
    fn skipping_glued_starts_finds_what_retrying_each_start_finds() {
        let pattern = Pattern::new("[+]?[0-9]{3}[- ]?[0-9]{3}").unwrap();
        for (glue, text) in [
            (
                Glue::DigitUnlessPlus,
                "1234567890 12+345678 x123-456 号123456，9123 456",
            ),
            (Glue::Word, "a123456 _123456 -123456 ab+123456 号123456"),
        ] {
            let accept = |r: Range<usize>| {
                let glued = match glue {
                    Glue::DigitUnlessPlus => glued_to_digit_unless_plus(text, &r),
                    Glue::Word => {
                        let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
                        byte_before(text, r.start).is_some_and(word)
                    }
                };
                // Also reject some unglued candidates, so the retry path runs from them.
                (!glued && !text[r.clone()].starts_with('9')).then_some(r)
            };
            let (mut plain, mut skipping) = (Vec::new(), Vec::new());
            scan(&pattern, text, &mut plain, Resume::AfterStart, accept);
            scan(
                &pattern,
                text,
                &mut skipping,
                Resume::UngluedAfterStart(glue),
                accept,
            );
            assert_eq!(skipping, plain, "{text}");
            assert!(!plain.is_empty(), "{text}");
        }
    }

    #[test]
    fn only_patterns_without_look_around_or_blanks_are_blind_to_blanks() {
        for blind in [
            "[0-9]{3}",
            "(?i:key)[ ]?=([A-Z]+)",
            "[^\\s<>]+@x",
            "a|b+",
            "密码",
        ] {
            assert!(blind_to_blanks(blind), "{blind}");
        }
        for seeing in [
            "\\b[0-9]{4}",
            "^key",
            "[0-9]$",
            "(?m)^a",
            ".+",
            "\\S+",
            "[^a]",
            "x<y",
            "[=-?]",
            "(",
        ] {
            assert!(!blind_to_blanks(seeing), "{seeing}");
        }
    }

    #[test]
    fn a_scan_settles_only_when_every_match_is_kept_whole() {
        let digits = Pattern::new("[0-9]+").unwrap();
        let text = "a 123 b 4567 c";
        let mut out = Vec::new();
        let scan_with = |pattern: &Pattern, accept: fn(Range<usize>) -> Option<Range<usize>>| {
            let mut out = Vec::new();
            scan_in(
                pattern,
                text,
                &[whole(text)],
                &mut out,
                Resume::AfterEnd,
                accept,
            )
        };
        assert_eq!(scan_with(&digits, Some), Settled::Yes);
        // Rejected or narrowed matches leave something a later round may see differently.
        assert_eq!(
            scan_with(&digits, |r| (r.len() > 3).then_some(r)),
            Settled::No
        );
        assert_eq!(
            scan_with(&digits, |r| Some(r.start + 1..r.end)),
            Settled::No
        );
        // Without any match there is nothing to find later either.
        let none = scan_in(
            &digits,
            "abc",
            &[whole("abc")],
            &mut out,
            Resume::AfterEnd,
            Some,
        );
        assert_eq!(none, Settled::Yes);
        let bounded = Pattern::new("\\b[0-9]+").unwrap();
        assert_eq!(scan_with(&bounded, Some), Settled::No);
        let mut runs = Vec::new();
        let whole_runs = scan_runs(
            &digits,
            text,
            &[whole(text)],
            &mut runs,
            |base, run, out| {
                out.push(base..base + run.len());
            },
        );
        assert_eq!(whole_runs, Settled::Yes);
        let split_runs = scan_runs(
            &digits,
            text,
            &[whole(text)],
            &mut runs,
            |base, run, out| {
                out.push(base..base + 1);
                out.push(base + 1..base + run.len());
            },
        );
        assert_eq!(split_runs, Settled::No);
    }

    #[test]
    fn scan_retries_inside_a_rejected_candidate() {
        let pattern = Pattern::new("[0-9]{3}").unwrap();
        let mut out = Vec::new();
        // Reject candidates starting with 9: the scan must still find 123 inside 9123.
        scan(&pattern, "9123", &mut out, Resume::AfterStart, |r| {
            (!"9123"[r.clone()].starts_with('9')).then_some(r)
        });
        assert_eq!(out, vec![1..4]);
        out.clear();
        scan(&pattern, "9123", &mut out, Resume::AfterEnd, |r| {
            (!"9123"[r.clone()].starts_with('9')).then_some(r)
        });
        assert!(out.is_empty());
    }
}
