//! Where each kept row lands: split, shard file and row within the shard.
//!
//! The training writer and the per-record lineage table both use this, so the lineage can never
//! disagree with the files that were written.

use crate::config::OutputConfig;
use crate::split::assign_split;
use crate::training::shard_path;
use rayon::prelude::*;

/// The place of one kept row in the training set, borrowed from its [`Placements`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement<'a> {
    /// Split name.
    pub split: &'a str,
    /// Shard path relative to the output directory.
    pub shard: &'a str,
    /// 0-based row within the shard.
    pub row: u64,
}

/// The index (into `config.splits`) of the split every row goes to, same shape as `split_keys`.
/// The one place split choice happens: the writer and [`placements`] both use it.
pub fn split_indices<K: AsRef<str> + Sync>(
    split_keys: &[Vec<K>],
    config: &OutputConfig,
) -> Vec<Vec<usize>> {
    let split_of = |key: &str| -> usize {
        let name = assign_split(key, &config.splits);
        config
            .splits
            .iter()
            .position(|(n, _)| n == name)
            .unwrap_or(config.splits.len().saturating_sub(1))
    };
    // One sha256 per row: batches are hashed in parallel.
    split_keys
        .par_iter()
        .map(|keys| keys.iter().map(|k| split_of(k.as_ref())).collect())
        .collect()
}

/// Where every kept row lands, `[batch][row]`. Tens of millions of rows share a handful of
/// shards, so each row holds only its shard's index and its row in it (16 bytes), and split
/// and shard names are stored once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placements {
    /// Per shard, its split's index and its path.
    shards: Vec<(usize, String)>,
    /// Per row, its shard's index into `shards` and its row in the shard.
    rows: Vec<Vec<(usize, u64)>>,
}

impl Placements {
    /// The place of row `row` of batch `batch`, if there is such a row.
    pub fn get<'a>(
        &'a self,
        config: &'a OutputConfig,
        batch: usize,
        row: usize,
    ) -> Option<Placement<'a>> {
        let &(shard, row) = self.rows.get(batch)?.get(row)?;
        let (split, path) = self.shards.get(shard)?;
        Some(Placement {
            split: config.splits.get(*split)?.0.as_str(),
            shard: path.as_str(),
            row,
        })
    }
}

/// The placement of every row, given the split of every row (`[batch][row]`, from
/// [`split_indices`]). Rows fill each split in input order and shards of `rows_per_shard` rows
/// in turn, exactly as the writer does.
pub fn placements(split_indices: &[Vec<usize>], config: &OutputConfig) -> Placements {
    let mut totals = vec![0usize; config.splits.len()];
    for &i in split_indices.iter().flatten() {
        if let Some(total) = totals.get_mut(i) {
            *total += 1;
        }
    }
    let per_shard = config.rows_per_shard.max(1);
    // Shards numbered split by split: split `s` starts at `first_shard[s]`.
    let mut shards = Vec::new();
    let mut first_shard = Vec::with_capacity(totals.len());
    for (split, total) in totals.iter().enumerate() {
        first_shard.push(shards.len());
        let count = total.div_ceil(per_shard).max(1);
        let name = &config.splits[split].0;
        shards.extend((0..count).map(|index| (split, shard_path(name, index, count))));
    }
    let mut seen = vec![0usize; config.splits.len()];
    let rows = split_indices
        .iter()
        .map(|batch| {
            batch
                .iter()
                .map(|&split| {
                    let position = seen[split];
                    seen[split] += 1;
                    (
                        first_shard[split] + position / per_shard,
                        (position % per_shard) as u64,
                    )
                })
                .collect()
        })
        .collect();
    Placements { shards, rows }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placements_follow_input_order_and_shard_size() {
        let config = OutputConfig {
            splits: vec![("train".to_owned(), 1.0)],
            rows_per_shard: 2,
        };
        let keys = vec![vec!["a", "b"], vec!["c"]];
        let p = placements(&split_indices(&keys, &config), &config);
        let at = |b, r| p.get(&config, b, r).unwrap();
        assert_eq!(at(0, 0).shard, "data/train-00000-of-00002.parquet");
        assert_eq!(at(0, 1).row, 1);
        assert_eq!(at(1, 0).shard, "data/train-00001-of-00002.parquet");
        assert_eq!((at(1, 0).split, at(1, 0).row), ("train", 0));
        assert!(p.get(&config, 1, 1).is_none());
    }

    #[test]
    fn each_split_numbers_its_own_shards() {
        let config = OutputConfig {
            splits: vec![("train".to_owned(), 0.5), ("test".to_owned(), 0.5)],
            rows_per_shard: 2,
        };
        let keys: Vec<Vec<String>> = vec![(0..7).map(|i| format!("key-{i}")).collect()];
        let indices = split_indices(&keys, &config);
        let p = placements(&indices, &config);
        let mut seen = [0usize; 2];
        let totals = [0, 1].map(|s| indices[0].iter().filter(|&&i| i == s).count());
        assert!(
            totals.iter().all(|&t| t > 0),
            "both splits get rows: {totals:?}"
        );
        for (row, &split) in indices[0].iter().enumerate() {
            let place = p.get(&config, 0, row).unwrap();
            let (name, position) = (&config.splits[split].0, seen[split]);
            seen[split] += 1;
            let count = totals[split].div_ceil(2);
            assert_eq!(place.split, name);
            assert_eq!(place.shard, shard_path(name, position / 2, count));
            assert_eq!(place.row, (position % 2) as u64);
        }
    }
}
