//! The detector contract: what every entry of the catalogue provides.

use crate::segments::{Scope, Window, whole};
use serde::Serialize;
use std::ops::Range;

/// Static description of a detector, shown by `sluice list` and `sluice explain CODE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DetectorInfo {
    /// Stable detector code used in pipeline files and spans, e.g. `cn_mobile`.
    pub code: &'static str,
    /// Entity type it reports and policies key on, e.g. `PHONE`.
    pub entity: &'static str,
    /// True for credentials (keys, tokens): the `secret` policy group applies to them.
    pub is_secret: bool,
    /// One line for listings.
    pub summary: &'static str,
    /// What it detects, why it matters and an example.
    pub doc: &'static str,
}

/// Cheap facts about a text, computed once per value so each detector can skip texts it cannot
/// match before running its regex.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextStats {
    /// Number of ASCII digits (after folding full-width digits).
    pub digits: usize,
    /// The text contains `@`.
    pub has_at: bool,
    /// The text contains `+`.
    pub has_plus: bool,
    /// The text contains `.`.
    pub has_dot: bool,
    /// Number of `:` (IPv6, MAC addresses, URLs, assignments).
    pub colons: usize,
    /// Number of ASCII letters.
    pub letters: usize,
    /// The text contains a non-ASCII char (Han labels, plates, context words).
    pub non_ascii: bool,
}

/// Bytes counted with byte-wide counters before they are added up (at most 255).
const COUNT_BLOCK: usize = 128;

impl TextStats {
    /// Computes the stats of `text` in one pass over its bytes (plus memchr for the markers).
    pub fn of(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut stats = TextStats {
            has_at: memchr::memchr(b'@', bytes).is_some(),
            has_plus: memchr::memchr(b'+', bytes).is_some(),
            has_dot: memchr::memchr(b'.', bytes).is_some(),
            ..TextStats::default()
        };
        // Branch-free sums, which the compiler vectorises. Byte-wide counters per block of
        // [`COUNT_BLOCK`] bytes (which cannot overflow them) fill a vector register 8 times
        // better than `usize` ones.
        let (mut digits, mut letters, mut colons, mut high) = (0usize, 0usize, 0usize, 0u8);
        for block in bytes.chunks(COUNT_BLOCK) {
            let (mut d, mut l, mut c) = (0u8, 0u8, 0u8);
            for &b in block {
                d += u8::from(b.wrapping_sub(b'0') < 10);
                l += u8::from((b | 0x20).wrapping_sub(b'a') < 26);
                c += u8::from(b == b':');
                high |= b;
            }
            digits += usize::from(d);
            letters += usize::from(l);
            colons += usize::from(c);
        }
        stats.digits = digits;
        stats.letters = letters;
        stats.colons = colons;
        stats.non_ascii = high >= 0x80;
        stats
    }
}

/// What a search proves beyond the matches it reports (see [`Detector::find_in`]).
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// The search reported every match of the detector's pattern exactly as matched (it
    /// rejected and narrowed none), and the pattern sees nothing outside a match (no
    /// look-around) and cannot match a blanked byte. Once those matches are blanked out, a later
    /// detection round cannot find anything for this detector (see the engine's `detect`).
    Yes,
    /// Anything else: a later round must search again.
    No,
}

impl Settled {
    /// [`Settled::Yes`] when `settled` holds.
    pub fn when(settled: bool) -> Self {
        if settled { Settled::Yes } else { Settled::No }
    }
}

/// A detector finds one entity type in text that the engine has already folded to ASCII digits
/// and punctuation (see `fold`). Implementations are pure and hold only compiled patterns.
pub trait Detector: Send + Sync {
    /// The detector's static description.
    fn info(&self) -> &'static DetectorInfo;
    /// False when `stats` prove the text cannot contain a match (the prefilter).
    fn may_match(&self, stats: &TextStats) -> bool;
    /// Appends the byte ranges of every accepted match in `text`, in increasing order.
    fn find(&self, text: &str, out: &mut Vec<Range<usize>>) {
        let _ = self.find_in(text, &[whole(text)], out);
    }
    /// Literals (ASCII case-insensitive) of which at least one occurs in every text this
    /// detector can match: token prefixes (`ghp_`) or, for context-gated detectors, their context
    /// words. The engine runs one Aho-Corasick pass over all anchors and skips detectors none of
    /// whose anchors occur. Empty (the default) means no anchor: the detector always runs.
    fn anchors(&self) -> &'static [&'static str] {
        &[]
    }
    /// Where every match of this detector lies (see [`crate::segments`]); `None` (the default):
    /// anywhere, and the engine calls [`find`](Self::find) on the whole text.
    fn scope(&self) -> Option<Scope> {
        None
    }
    /// Like [`find`](Self::find), for the matches starting inside `windows` (the qualifying runs
    /// of [`scope`](Self::scope), or one window over the whole text for detectors without a
    /// scope, which may ignore it), and says whether the search [settled](Settled) the text.
    /// Claiming [`Settled::No`] is always correct.
    fn find_in(&self, text: &str, windows: &[Window], out: &mut Vec<Range<usize>>) -> Settled;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_count_ascii_digits_and_markers() {
        let stats = TextStats::of("电话 138-1234 a@b.c +");
        assert_eq!(stats.digits, 7);
        assert!(stats.has_at && stats.has_plus && stats.has_dot);
        assert_eq!(stats.letters, 3);
        assert!(stats.non_ascii);
        let none = TextStats::of("no digits; none");
        assert_eq!(none.digits + none.colons, 0);
        assert!(!none.non_ascii && !none.has_at);
    }
}
