//! A batch's sensitive column values, looked for again in each record's own free text
//! (`propagate = "record"`).
//!
//! Every scanned value of a row is searched for each of the row's column values: a dozen short
//! searches in short texts per row. What they cost was reading the searchers. A value with its
//! `memchr` `Finder` took 320 bytes, a batch's values megabytes, and scanning one column after
//! another evicted them between columns. Here a value is its bytes in one shared buffer and the
//! offset of its rarest byte: `memchr` finds that byte, a comparison confirms the value, and a
//! batch's values take a few hundred kilobytes.

use crate::policy::Action;
use crate::stage::{Hit, push_propagated};
use memchr::arch::all::packedpair::Pair;

/// One row's column value: a byte range of [`Needles`]' buffer.
#[derive(Debug, Clone, Copy)]
struct Needle<'a> {
    start: usize,
    len: usize,
    /// Offset in the value of its rarest byte by `memchr`'s frequency ranking (a UTF-8
    /// continuation byte in Chinese text, `@` in an address), which the search looks for first.
    rare: u8,
    entity: &'a str,
    action: Action,
}

/// The values of one batch, by row, each row's longest value first (ties by entity, then by
/// column order) so that `张三丰` wins over `张三`. Its `Debug` shows counts, never a value.
#[derive(Default)]
pub(crate) struct Needles<'a> {
    bytes: Vec<u8>,
    needles: Vec<Needle<'a>>,
    /// Row `r`'s needles are `needles[rows[r]..rows[r + 1]]`.
    rows: Vec<usize>,
}

/// Collects [`Needles`] in any order.
#[derive(Default)]
pub(crate) struct NeedlesBuilder<'a> {
    bytes: Vec<u8>,
    /// (row, untrimmed length, needle), in the order pushed.
    pushed: Vec<(usize, usize, Needle<'a>)>,
}

impl std::fmt::Debug for Needles<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Needles")
            .field("values", &self.needles.len())
            .field("rows", &self.rows.len().saturating_sub(1))
            .finish()
    }
}

impl<'a> NeedlesBuilder<'a> {
    /// Adds `value` (searched for trimmed) of `entity` to `row`'s values; its occurrences get
    /// `action`. Push a row's values in column order: that breaks ties.
    pub fn push(&mut self, row: usize, entity: &'a str, action: Action, value: &str) {
        let trimmed = value.trim().as_bytes();
        let rare = Pair::new(trimmed).map_or(0, |pair| pair.index1());
        let needle = Needle {
            start: self.bytes.len(),
            len: trimmed.len(),
            rare,
            entity,
            action,
        };
        self.bytes.extend_from_slice(trimmed);
        self.pushed.push((row, value.len(), needle));
    }

    /// The needles of rows `0..rows`.
    pub fn finish(mut self, rows: usize) -> Needles<'a> {
        // Stable: equal keys keep the order pushed, which is column order within a row.
        self.pushed.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then(b.1.cmp(&a.1))
                .then(a.2.entity.cmp(b.2.entity))
        });
        let mut offsets = Vec::with_capacity(rows + 1);
        let mut next = 0;
        for row in 0..=rows {
            while self.pushed.get(next).is_some_and(|p| p.0 < row) {
                next += 1;
            }
            offsets.push(next);
        }
        Needles {
            bytes: self.bytes,
            needles: self
                .pushed
                .into_iter()
                .map(|(_, _, needle)| needle)
                .collect(),
            rows: offsets,
        }
    }
}

impl<'a> Needles<'a> {
    /// Adds to `hits` every occurrence in `text` of `row`'s values that overlaps no hit already
    /// there (a validated detector's span is kept), longest values first. ASCII-edged values must
    /// not touch ASCII letters or digits. Returns all hits sorted by start.
    pub fn propagate(&self, row: usize, text: &str, mut hits: Vec<Hit<'a>>) -> Vec<Hit<'a>> {
        let (Some(&from), Some(&to)) = (self.rows.get(row), self.rows.get(row + 1)) else {
            return hits;
        };
        let haystack = text.as_bytes();
        for needle in self.needles.get(from..to).unwrap_or_default() {
            let Some(value) = self.bytes.get(needle.start..needle.start + needle.len) else {
                continue;
            };
            // A UTF-8 needle found in UTF-8 text starts and ends on char boundaries, and the
            // matches do not overlap, as with `str::match_indices`.
            let mut at = 0;
            while let Some(start) = find(haystack, value, usize::from(needle.rare), at) {
                at = start + value.len();
                push_propagated(&mut hits, text, start..at, needle.entity, needle.action);
            }
        }
        hits.sort_by_key(|h| h.range.start);
        hits
    }
}

/// The first occurrence of `needle` in `haystack` starting at or after `from`: candidates are
/// the places of the needle's byte at offset `rare`.
fn find(haystack: &[u8], needle: &[u8], rare: usize, from: usize) -> Option<usize> {
    let byte = *needle.get(rare)?;
    let mut at = from + rare;
    while let Some(found) = haystack
        .get(at..)
        .and_then(|rest| memchr::memchr(byte, rest))
    {
        let start = at + found - rare;
        if haystack.get(start..start + needle.len()) == Some(needle) {
            return Some(start);
        }
        at += found + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn starts(needles: &Needles<'_>, row: usize, text: &str) -> Vec<(usize, usize, String)> {
        needles
            .propagate(row, text, Vec::new())
            .into_iter()
            .map(|h| (h.range.start, h.range.end, h.entity.to_owned()))
            .collect()
    }

    #[test]
    fn finds_only_the_rows_own_values_longest_first() {
        let mut builder = NeedlesBuilder::default();
        builder.push(1, "NAME", Action::Placeholder, "张三");
        builder.push(0, "NAME", Action::Placeholder, " 李四 ");
        builder.push(1, "ALIAS", Action::Placeholder, "张三丰");
        let needles = builder.finish(3);
        assert_eq!(
            starts(&needles, 0, "李四和张三"),
            vec![(0, 6, "NAME".into())]
        );
        // 张三丰 is longer, so it takes its span before 张三 can.
        assert_eq!(
            starts(&needles, 1, "张三丰说张三"),
            vec![(0, 9, "ALIAS".into()), (12, 18, "NAME".into())]
        );
        assert!(starts(&needles, 2, "李四 张三").is_empty());
        assert!(starts(&needles, 7, "李四 张三").is_empty());
    }

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_value_takes_forty_bytes_beside_its_text() {
        assert_eq!(std::mem::size_of::<Needle<'_>>(), 40);
    }

    #[test]
    fn debug_shows_counts_never_a_value() {
        let mut builder = NeedlesBuilder::default();
        builder.push(0, "NAME", Action::Placeholder, "张三丰");
        let shown = format!("{:?}", builder.finish(1));
        assert_eq!(shown, "Needles { values: 1, rows: 1 }");
    }

    #[test]
    fn ascii_values_must_stand_alone_and_hits_are_kept() {
        let mut builder = NeedlesBuilder::default();
        builder.push(0, "NAME", Action::Mask, "Lin");
        let needles = builder.finish(1);
        assert_eq!(
            starts(&needles, 0, "Linda, Lin; Lin_x Lin"),
            vec![(7, 10, "NAME".into()), (18, 21, "NAME".into())]
        );
        let kept = vec![Hit {
            range: 5..9,
            entity: "OTHER",
            detector: "email",
            action: Action::Placeholder,
        }];
        let hits: Vec<_> = needles
            .propagate(0, "Lin, Lin Lin", kept)
            .into_iter()
            .map(|h| (h.range.start, h.entity))
            .collect();
        assert_eq!(hits, vec![(0, "NAME"), (5, "OTHER"), (9, "NAME")]);
    }

    proptest! {
        /// The rare-byte search finds what `str::match_indices` finds.
        #[test]
        fn find_agrees_with_match_indices(
            text in "[ab张三@ ]{0,40}",
            value in "[ab张三@]{1,6}",
        ) {
            let mut builder = NeedlesBuilder::default();
            builder.push(0, "X", Action::Placeholder, &value);
            let needles = builder.finish(1);
            let needle = &needles.needles[0];
            let mut found = Vec::new();
            let mut at = 0;
            while let Some(start) = find(text.as_bytes(), value.as_bytes(), usize::from(needle.rare), at) {
                found.push(start);
                at = start + value.len();
            }
            let expected: Vec<usize> = text.match_indices(value.as_str()).map(|(i, _)| i).collect();
            prop_assert_eq!(found, expected);
        }
    }
}
