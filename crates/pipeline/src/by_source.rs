//! Looking up per-record entries (spans, flags) for rows visited in source order.

use sluice_core::SourceRef;
use std::collections::BTreeMap;
use std::collections::btree_map::Range;
use std::iter::Peekable;

/// Finds entries of a map keyed by source for rows visited in increasing source order by walking
/// the map beside them: each step compares integers and touches the next entry, where a search
/// per row would start from the root. A row visited out of order is searched for, so a lookup is
/// always right, only slower.
pub(crate) struct SourceCursor<'a, V> {
    map: &'a BTreeMap<SourceRef, V>,
    rest: Peekable<Range<'a, SourceRef, V>>,
    /// The latest source looked up (at first the start of the walk): earlier ones are searched.
    last: Option<SourceRef>,
}

impl<'a, V> SourceCursor<'a, V> {
    /// A cursor over `map` that walks from `first`; a lookup for an earlier source searches.
    pub(crate) fn starting_at(map: &'a BTreeMap<SourceRef, V>, first: SourceRef) -> Self {
        SourceCursor {
            map,
            rest: map.range(first..).peekable(),
            last: Some(first),
        }
    }

    /// The entry for `source`, if any.
    pub(crate) fn get(&mut self, source: SourceRef) -> Option<&'a V> {
        if self.last.is_some_and(|last| source < last) {
            return self.map.get(&source);
        }
        self.last = Some(source);
        while self.rest.next_if(|(key, _)| **key < source).is_some() {}
        match self.rest.peek() {
            Some(&(key, value)) if *key == source => Some(value),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(input: u32, row: u64) -> SourceRef {
        SourceRef {
            input,
            row,
            line: row + 1,
        }
    }

    #[test]
    fn walking_in_order_finds_exactly_the_entries_present() {
        let map: BTreeMap<SourceRef, u64> = [(0, 1), (0, 4), (1, 0), (1, 7)]
            .into_iter()
            .map(|(i, r)| (at(i, r), u64::from(i) * 100 + r))
            .collect();
        let mut cursor = SourceCursor::starting_at(&map, at(0, 0));
        let found: Vec<Option<u64>> = [(0, 0), (0, 1), (0, 2), (0, 4), (1, 0), (1, 3), (1, 7)]
            .into_iter()
            .map(|(i, r)| cursor.get(at(i, r)).copied())
            .collect();
        assert_eq!(
            found,
            [None, Some(1), None, Some(4), Some(100), None, Some(107)]
        );
        assert_eq!(cursor.get(at(2, 0)), None, "past the last entry");
    }

    #[test]
    fn a_cursor_started_mid_map_or_visited_out_of_order_still_finds_entries() {
        let map: BTreeMap<SourceRef, &str> = [(at(0, 1), "a"), (at(0, 5), "b"), (at(0, 9), "c")]
            .into_iter()
            .collect();
        let mut cursor = SourceCursor::starting_at(&map, at(0, 5));
        assert_eq!(cursor.get(at(0, 9)), Some(&"c"));
        assert_eq!(cursor.get(at(0, 5)), Some(&"b"), "backwards: searched");
        assert_eq!(
            cursor.get(at(0, 1)),
            Some(&"a"),
            "before the start: searched"
        );
        assert_eq!(cursor.get(at(0, 2)), None);
        // An entry before the start, asked for first, is searched for too.
        let mut cursor = SourceCursor::starting_at(&map, at(0, 5));
        assert_eq!(cursor.get(at(0, 1)), Some(&"a"));
        assert_eq!(cursor.get(at(0, 9)), Some(&"c"), "then walks on");
        // Repeating a source finds its entry again.
        let mut cursor = SourceCursor::starting_at(&map, at(0, 0));
        assert_eq!(cursor.get(at(0, 5)), Some(&"b"));
        assert_eq!(cursor.get(at(0, 5)), Some(&"b"));
    }
}
