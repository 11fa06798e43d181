//! The first dedup stage's clusters: one entry per row it saw, in source order, kept as the
//! per-batch runs dedup hands out.
//!
//! An ordered map built from those runs cost 7 s and 1.8 GB more peak memory at 16M bench rows
//! (collecting every entry into one vector that grew by copying, a stable sort of it, then the
//! tree's nodes), against 0.4 s at 4M rows. The runs are already in source order: keeping them
//! as they are is the same lookup for rows visited in order (a walk, [`ClusterCursor`]) and a
//! binary search otherwise.

use sluice_core::SourceRef;
use sluice_dedup::ClusterInfo;

/// One row's entry: where it was read and its cluster.
pub(crate) type ClusterEntry = (SourceRef, ClusterInfo);

/// Every row the first dedup stage saw with its cluster, in increasing source order.
#[derive(Debug, Clone, Default)]
pub(crate) struct ClusterMap {
    /// Runs of entries, none empty, each in increasing source order and each after the last.
    runs: Vec<Vec<ClusterEntry>>,
}

impl ClusterMap {
    /// The map of `runs` as dedup found them, one per batch. Runs out of source order (which the
    /// run's batches never are) are merged into one sorted run, so lookups are right whatever.
    pub(crate) fn from_runs(runs: Vec<Vec<ClusterEntry>>) -> ClusterMap {
        let mut runs: Vec<Vec<ClusterEntry>> = runs.into_iter().filter(|r| !r.is_empty()).collect();
        let in_order = runs.iter().all(|run| run.is_sorted_by(|a, b| a.0 < b.0))
            && runs
                .windows(2)
                .all(|pair| match (pair[0].last(), pair[1].first()) {
                    (Some(last), Some(first)) => last.0 < first.0,
                    _ => true,
                });
        if !in_order {
            let mut all: Vec<ClusterEntry> = runs.drain(..).flatten().collect();
            // Sources are unique (one entry per row), so the unstable sort is the stable order.
            all.sort_unstable_by_key(|entry| entry.0);
            all.dedup_by_key(|entry| entry.0);
            runs.push(all);
        }
        ClusterMap { runs }
    }

    /// True when no dedup stage has named clusters.
    pub(crate) fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// Every entry in source order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &ClusterEntry> {
        self.runs.iter().flatten()
    }

    /// The cluster of the row read at `source`, if dedup saw it.
    pub(crate) fn get(&self, source: SourceRef) -> Option<&ClusterInfo> {
        let run = &self.runs[self.run_of(source)?];
        let at = run.partition_point(|entry| entry.0 < source);
        run.get(at).filter(|entry| entry.0 == source).map(|e| &e.1)
    }

    /// A cursor for rows visited in increasing source order from `first`.
    pub(crate) fn cursor(&self, first: SourceRef) -> ClusterCursor<'_> {
        let run = self.run_of(first).unwrap_or(self.runs.len());
        let at = self.runs.get(run).map_or(0, |entries| {
            entries.partition_point(|entry| entry.0 < first)
        });
        ClusterCursor {
            map: self,
            run,
            at,
            last: first,
        }
    }

    /// The first run whose last entry is at or after `source`.
    fn run_of(&self, source: SourceRef) -> Option<usize> {
        let run = self
            .runs
            .partition_point(|run| run.last().is_some_and(|entry| entry.0 < source));
        (run < self.runs.len()).then_some(run)
    }
}

impl PartialEq for ClusterMap {
    /// Same entries in the same order, however they are cut into runs.
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl FromIterator<ClusterEntry> for ClusterMap {
    fn from_iter<I: IntoIterator<Item = ClusterEntry>>(entries: I) -> Self {
        ClusterMap::from_runs(vec![entries.into_iter().collect()])
    }
}

/// Finds clusters for rows visited in increasing source order by walking the runs beside them
/// (each step compares integers and touches the next entry); a row visited out of order is
/// searched for, so a lookup is always right, only slower.
pub(crate) struct ClusterCursor<'a> {
    map: &'a ClusterMap,
    /// The run and entry the walk is at: the first entry not before the latest source.
    run: usize,
    at: usize,
    /// The latest source looked up (at first the start of the walk): earlier ones are searched.
    last: SourceRef,
}

impl<'a> ClusterCursor<'a> {
    /// The cluster of the row read at `source`, if dedup saw it.
    pub(crate) fn get(&mut self, source: SourceRef) -> Option<&'a ClusterInfo> {
        if source < self.last {
            return self.map.get(source);
        }
        self.last = source;
        while let Some(run) = self.map.runs.get(self.run) {
            match run.get(self.at) {
                Some(entry) if entry.0 < source => self.at += 1,
                Some(entry) => return (entry.0 == source).then_some(&entry.1),
                None => {
                    self.run += 1;
                    self.at = 0;
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn at(input: u32, row: u64) -> SourceRef {
        SourceRef {
            input,
            row,
            line: row + 1,
        }
    }

    fn info(size: u32) -> ClusterInfo {
        ClusterInfo {
            survivor: None,
            size,
            similarity: None,
        }
    }

    /// Entries at rows `rows` of input 0, cut into runs of `cut` (the cluster size names the row).
    fn runs(rows: &[u64], cut: usize) -> Vec<Vec<ClusterEntry>> {
        rows.chunks(cut.max(1))
            .map(|chunk| chunk.iter().map(|&r| (at(0, r), info(r as u32))).collect())
            .collect()
    }

    #[test]
    fn walking_in_order_finds_exactly_the_entries_present() {
        let map = ClusterMap::from_runs(vec![
            vec![(at(0, 1), info(1)), (at(0, 4), info(4))],
            Vec::new(),
            vec![(at(1, 0), info(100)), (at(1, 7), info(107))],
        ]);
        let mut cursor = map.cursor(at(0, 0));
        let found: Vec<Option<u32>> = [(0, 0), (0, 1), (0, 2), (0, 4), (1, 0), (1, 3), (1, 7)]
            .into_iter()
            .map(|(i, r)| cursor.get(at(i, r)).map(|c| c.size))
            .collect();
        assert_eq!(
            found,
            [None, Some(1), None, Some(4), Some(100), None, Some(107)]
        );
        assert_eq!(cursor.get(at(2, 0)), None, "past the last entry");
        assert_eq!(map.iter().count(), 4);
        assert!(!map.is_empty());
        assert!(ClusterMap::default().is_empty());
        assert_eq!(ClusterMap::default().cursor(at(0, 0)).get(at(0, 0)), None);
    }

    #[test]
    fn a_cursor_started_mid_map_or_visited_out_of_order_still_finds_entries() {
        let map = ClusterMap::from_runs(runs(&[1, 5, 9], 1));
        let mut cursor = map.cursor(at(0, 5));
        assert_eq!(cursor.get(at(0, 9)).map(|c| c.size), Some(9));
        assert_eq!(cursor.get(at(0, 5)).map(|c| c.size), Some(5), "backwards");
        assert_eq!(
            cursor.get(at(0, 1)).map(|c| c.size),
            Some(1),
            "before the start"
        );
        assert_eq!(cursor.get(at(0, 2)), None);
        let mut cursor = map.cursor(at(0, 5));
        assert_eq!(cursor.get(at(0, 1)).map(|c| c.size), Some(1));
        assert_eq!(
            cursor.get(at(0, 9)).map(|c| c.size),
            Some(9),
            "then walks on"
        );
        let mut cursor = map.cursor(at(0, 0));
        assert_eq!(cursor.get(at(0, 5)).map(|c| c.size), Some(5));
        assert_eq!(cursor.get(at(0, 5)).map(|c| c.size), Some(5), "repeated");
    }

    #[test]
    fn runs_out_of_order_are_sorted_and_maps_compare_by_entries() {
        let shuffled = ClusterMap::from_runs(vec![
            vec![(at(0, 7), info(7))],
            vec![(at(0, 2), info(2)), (at(0, 3), info(3))],
        ]);
        let sorted: ClusterMap = [2, 3, 7]
            .map(|r| (at(0, r), info(r as u32)))
            .into_iter()
            .collect();
        assert_eq!(shuffled, sorted);
        assert_eq!(ClusterMap::from_runs(runs(&[2, 3, 7], 1)), sorted);
        assert_ne!(ClusterMap::from_runs(runs(&[2, 3], 1)), sorted);
        assert_eq!(shuffled.get(at(0, 3)).map(|c| c.size), Some(3));
    }

    proptest! {
        /// Any runs, any visiting order: the same answers as an ordered map.
        #[test]
        fn lookups_match_an_ordered_map(
            rows in proptest::collection::btree_set(0u64..200, 0..60),
            cut in 1usize..9,
            visits in proptest::collection::vec(0u64..210, 0..80),
            start in 0u64..210,
            sorted_visits in any::<bool>(),
        ) {
            let rows: Vec<u64> = rows.into_iter().collect();
            let map = ClusterMap::from_runs(runs(&rows, cut));
            let reference: BTreeMap<SourceRef, u32> =
                rows.iter().map(|&r| (at(0, r), r as u32)).collect();
            let mut visits = visits;
            if sorted_visits {
                visits.sort_unstable();
            }
            let mut cursor = map.cursor(at(0, start));
            for row in visits {
                let want = reference.get(&at(0, row)).copied();
                prop_assert_eq!(cursor.get(at(0, row)).map(|c| c.size), want);
                prop_assert_eq!(map.get(at(0, row)).map(|c| c.size), want);
            }
        }
    }
}
