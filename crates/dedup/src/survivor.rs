//! The decision step of deduplication: which row of each group of equal keys survives.
//!
//! It sees only per-row keys in input order (never batches or values), so the outcome depends on
//! the order of rows alone, not on how they were split into batches or which thread tagged them.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::hash::Hash;

/// Which row of a group of duplicates is kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurvivorRule {
    /// The earliest row in input order.
    #[default]
    First,
    /// The latest row in input order.
    Last,
}

/// A row's position in input order: (batch index, row index within the batch).
pub type RowPos = (usize, usize);

/// The outcome of [`choose_survivors`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grouping {
    /// `duplicate_of[b][i]`: for a row that loses to another row, that survivor's position;
    /// `None` for survivors and for rows without a key.
    pub duplicate_of: Vec<Vec<Option<RowPos>>>,
    /// Groups of two or more rows, counted in the batch that holds their survivor (so per-batch
    /// counts add up to the total).
    pub groups_by_batch: Vec<u64>,
}

struct Group {
    survivor: RowPos,
    size: u64,
}

/// Groups rows by equal key and picks one survivor per group by `rule`. `keys[b][i]` is the key
/// of row `i` of batch `b`; rows with no key (`None`) are never grouped.
pub fn choose_survivors<K: Hash + Eq + Copy>(
    rule: SurvivorRule,
    keys: &[Vec<Option<K>>],
) -> Grouping {
    let mut groups: HashMap<K, Group> = HashMap::new();
    for (b, batch) in keys.iter().enumerate() {
        for (i, key) in batch.iter().enumerate() {
            let Some(key) = key else { continue };
            groups
                .entry(*key)
                .and_modify(|g| {
                    g.size += 1;
                    if rule == SurvivorRule::Last {
                        g.survivor = (b, i);
                    }
                })
                .or_insert(Group {
                    survivor: (b, i),
                    size: 1,
                });
        }
    }
    let mut groups_by_batch = vec![0u64; keys.len()];
    for group in groups.values().filter(|g| g.size >= 2) {
        groups_by_batch[group.survivor.0] += 1;
    }
    let duplicate_of = keys
        .iter()
        .enumerate()
        .map(|(b, batch)| {
            batch
                .iter()
                .enumerate()
                .map(|(i, key)| {
                    let survivor = groups.get(key.as_ref()?)?.survivor;
                    (survivor != (b, i)).then_some(survivor)
                })
                .collect()
        })
        .collect();
    Grouping {
        duplicate_of,
        groups_by_batch,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_keeps_the_earliest_row() {
        let keys = vec![vec![Some(1), Some(2)], vec![Some(1), None, Some(1)]];
        let g = choose_survivors(SurvivorRule::First, &keys);
        assert_eq!(g.duplicate_of[0], vec![None, None]);
        assert_eq!(g.duplicate_of[1], vec![Some((0, 0)), None, Some((0, 0))]);
        assert_eq!(g.groups_by_batch, vec![1, 0]);
    }

    #[test]
    fn last_keeps_the_latest_row() {
        let keys = vec![vec![Some(1), Some(2)], vec![Some(1), None, Some(1)]];
        let g = choose_survivors(SurvivorRule::Last, &keys);
        assert_eq!(g.duplicate_of[0], vec![Some((1, 2)), None]);
        assert_eq!(g.duplicate_of[1], vec![Some((1, 2)), None, None]);
        assert_eq!(g.groups_by_batch, vec![0, 1]);
    }

    #[test]
    fn rows_without_key_are_never_duplicates() {
        let keys: Vec<Vec<Option<u8>>> = vec![vec![None, None, None]];
        let g = choose_survivors(SurvivorRule::First, &keys);
        assert_eq!(g.duplicate_of[0], vec![None, None, None]);
        assert_eq!(g.groups_by_batch, vec![0]);
    }

    #[test]
    fn distinct_keys_all_survive() {
        let keys = vec![vec![Some(1), Some(2), Some(3)]];
        let g = choose_survivors(SurvivorRule::Last, &keys);
        assert!(g.duplicate_of[0].iter().all(Option::is_none));
        assert_eq!(g.groups_by_batch, vec![0]);
    }
}
