//! Where each kept row lands: split, shard file and row within the shard.
//!
//! The training writer and the per-record lineage table both use this, so the lineage can never
//! disagree with the files that were written.

use crate::config::OutputConfig;
use crate::split::assign_split;
use crate::training::shard_path;
use rayon::prelude::*;

/// The place of one kept row in the training set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// Split name.
    pub split: String,
    /// Shard path relative to the output directory.
    pub shard: String,
    /// 0-based row within the shard.
    pub row: u64,
}

/// The index (into `config.splits`) of the split every row goes to, same shape as `split_keys`.
/// The one place split choice happens: the writer and [`placements`] both use it.
pub fn split_indices(split_keys: &[Vec<String>], config: &OutputConfig) -> Vec<Vec<usize>> {
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
        .map(|keys| keys.iter().map(|k| split_of(k)).collect())
        .collect()
}

/// The placement of every row, same shape as `split_keys` (`[batch][row]`). Rows fill each split
/// in input order and shards of `rows_per_shard` rows in turn, exactly as the writer does.
pub fn placements(split_keys: &[Vec<String>], config: &OutputConfig) -> Vec<Vec<Placement>> {
    let indices = split_indices(split_keys, config);
    let mut totals = vec![0usize; config.splits.len()];
    for i in indices.iter().flatten() {
        totals[*i] += 1;
    }
    let per_shard = config.rows_per_shard.max(1);
    let shard_counts: Vec<usize> = totals
        .iter()
        .map(|t| t.div_ceil(per_shard).max(1))
        .collect();
    let mut seen = vec![0usize; config.splits.len()];
    indices
        .iter()
        .map(|batch| {
            batch
                .iter()
                .map(|&split| {
                    let position = seen[split];
                    seen[split] += 1;
                    let name = &config.splits[split].0;
                    Placement {
                        split: name.clone(),
                        shard: shard_path(name, position / per_shard, shard_counts[split]),
                        row: (position % per_shard) as u64,
                    }
                })
                .collect()
        })
        .collect()
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
        let keys = vec![vec!["a".to_owned(), "b".to_owned()], vec!["c".to_owned()]];
        let p = placements(&keys, &config);
        assert_eq!(p[0][0].shard, "data/train-00000-of-00002.parquet");
        assert_eq!(p[0][1].row, 1);
        assert_eq!(p[1][0].shard, "data/train-00001-of-00002.parquet");
        assert_eq!(p[1][0].row, 0);
    }
}
