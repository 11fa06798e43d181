//! The detector contract: what every entry of the catalogue provides.

use serde::Serialize;
use std::ops::Range;

/// Static description of a detector, shown by `sluice list` and `sluice explain CODE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DetectorInfo {
    /// Stable detector code used in pipeline files and spans, e.g. `cn_mobile`.
    pub code: &'static str,
    /// Entity type it reports and policies key on, e.g. `PHONE`.
    pub entity: &'static str,
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
}

impl TextStats {
    /// Computes the stats of `text` in one pass over its bytes (plus memchr for the markers).
    pub fn of(text: &str) -> Self {
        let bytes = text.as_bytes();
        TextStats {
            digits: bytes.iter().filter(|b| b.is_ascii_digit()).count(),
            has_at: memchr::memchr(b'@', bytes).is_some(),
            has_plus: memchr::memchr(b'+', bytes).is_some(),
            has_dot: memchr::memchr(b'.', bytes).is_some(),
        }
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
    fn find(&self, text: &str, out: &mut Vec<Range<usize>>);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_count_ascii_digits_and_markers() {
        let stats = TextStats::of("电话 138-1234 a@b.c +");
        assert_eq!(stats.digits, 7);
        assert!(stats.has_at && stats.has_plus && stats.has_dot);
        let none = TextStats::of("没有数字");
        assert_eq!(none, TextStats::default());
    }
}
