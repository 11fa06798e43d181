//! Near-duplicate clustering over MinHash signatures, without chaining.
//!
//! Candidates come from LSH (each band's slots hashed together with the band index, so equal
//! slices in different bands never collide). Every candidate pair is verified by signature
//! similarity ≥ threshold before it is joined in the union-find, and each connected component is
//! then split by star verification: the best row under the survivor rule becomes the centre, only
//! members whose own similarity to that centre reaches the threshold join its cluster, and the
//! rest form further clusters around their own best row. So A~B, B~C never puts A with C unless
//! A~C. Everything runs in input order with sorted buckets, so the result is deterministic.

use crate::shingle::{Shingle, mix64};
use crate::survivor::{Rank, RowPos, SurvivorRule};
use serde::{Deserialize, Serialize};

/// Default Jaccard threshold.
pub const DEFAULT_THRESHOLD: f64 = 0.8;
/// Default number of MinHash permutations.
pub const DEFAULT_PERMUTATIONS: usize = 128;
/// Default cap on the rows of one near-duplicate cluster.
pub const DEFAULT_MAX_CLUSTER_SIZE: usize = 1000;
/// Each bucket member is verified against at most this many earlier members of the bucket, which
/// bounds work on huge buckets (near-identical rows are already joined through earlier ones).
const BUCKET_WINDOW: usize = 32;

/// The optional `near = { … }` table of a dedup stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NearConfig {
    /// Jaccard similarity at or above which two rows are near duplicates.
    #[serde(default = "default_threshold")]
    pub threshold: f64,
    /// Shingling: `auto`, `char<N>` or `word<N>`.
    #[serde(default)]
    pub shingle: Shingle,
    /// Number of MinHash permutations (signature slots).
    #[serde(default = "default_permutations")]
    pub permutations: usize,
    /// LSH bands; with `rows`, overrides the bands derived from the threshold.
    #[serde(default)]
    pub bands: Option<usize>,
    /// LSH rows per band; with `bands`.
    #[serde(default)]
    pub rows: Option<usize>,
    /// Largest cluster; further similar rows start a new cluster.
    #[serde(default = "default_max_cluster_size")]
    pub max_cluster_size: usize,
}

fn default_threshold() -> f64 {
    DEFAULT_THRESHOLD
}
fn default_permutations() -> usize {
    DEFAULT_PERMUTATIONS
}
fn default_max_cluster_size() -> usize {
    DEFAULT_MAX_CLUSTER_SIZE
}

impl Default for NearConfig {
    fn default() -> Self {
        NearConfig {
            threshold: DEFAULT_THRESHOLD,
            shingle: Shingle::Auto,
            permutations: DEFAULT_PERMUTATIONS,
            bands: None,
            rows: None,
            max_cluster_size: DEFAULT_MAX_CLUSTER_SIZE,
        }
    }
}

impl NearConfig {
    /// Checks the settings; the message names the setting, never data.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.threshold > 0.0 && self.threshold <= 1.0) {
            return Err("near `threshold` must be in (0, 1]".into());
        }
        if !(1..=1024).contains(&self.permutations) {
            return Err("near `permutations` must be in 1..=1024".into());
        }
        if self.max_cluster_size < 2 {
            return Err("near `max_cluster_size` must be at least 2".into());
        }
        match (self.bands, self.rows) {
            (None, None) => Ok(()),
            (Some(b), Some(r)) if b >= 1 && r >= 1 && b * r <= self.permutations => Ok(()),
            (Some(_), Some(_)) => {
                Err("near `bands` × `rows` must be at least 1 and at most `permutations`".into())
            }
            _ => Err("near `bands` and `rows` must be given together".into()),
        }
    }

    /// The (bands, rows) in use: the explicit pair, or the one derived from the threshold.
    pub fn lsh_params(&self) -> (usize, usize) {
        match (self.bands, self.rows) {
            (Some(b), Some(r)) => (b, r),
            _ => derive_bands(self.threshold, self.permutations),
        }
    }
}

/// P(two rows of Jaccard `s` share at least one of `b` bands of `r` rows) = 1 − (1 − sᵣ)ᵇ.
pub fn candidate_probability(s: f64, bands: usize, rows: usize) -> f64 {
    1.0 - (1.0 - s.powi(rows as i32)).powi(bands as i32)
}

/// Minimum probability that a pair exactly at the threshold becomes a candidate.
pub const MIN_RECALL_AT_THRESHOLD: f64 = 0.95;

/// Picks bands × rows ≤ `permutations`: among the pairs that make a pair at the threshold a
/// candidate with probability ≥ [`MIN_RECALL_AT_THRESHOLD`], the one with the least false-candidate
/// area below the threshold. Recall comes first because every candidate is verified anyway: a false
/// candidate costs one comparison, a miss costs a duplicate. When no pair reaches the floor (few
/// permutations), the one with the highest probability at the threshold.
pub fn derive_bands(threshold: f64, permutations: usize) -> (usize, usize) {
    const STEPS: usize = 200;
    let fp_area = |b: usize, r: usize| {
        let h = threshold / STEPS as f64;
        (0..STEPS)
            .map(|i| candidate_probability((i as f64 + 0.5) * h, b, r))
            .sum::<f64>()
            * h
    };
    let mut best: Option<((usize, usize), f64)> = None;
    let mut fallback = ((permutations.max(1), 1), f64::NEG_INFINITY);
    for b in 1..=permutations {
        for r in 1..=permutations / b {
            let p = candidate_probability(threshold, b, r);
            if p > fallback.1 {
                fallback = ((b, r), p);
            }
            if p >= MIN_RECALL_AT_THRESHOLD {
                let cost = fp_area(b, r);
                if best.is_none_or(|(_, c)| cost < c) {
                    best = Some(((b, r), cost));
                }
            }
        }
    }
    best.map_or(fallback.0, |(pair, _)| pair)
}

/// One row taking part in near-duplicate clustering.
#[derive(Debug, Clone, Copy)]
pub struct NearItem<'a> {
    /// Its MinHash signature.
    pub signature: &'a [u32],
    /// Its survivor rank.
    pub rank: &'a Rank,
    /// Its position in input order.
    pub pos: RowPos,
}

/// What clustering decided.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NearOutcome {
    /// Per item: `(index of the cluster's survivor item, similarity)` for rows removed as near
    /// duplicates; `None` for survivors and rows in no cluster.
    pub assigned: Vec<Option<(usize, f32)>>,
    /// Clusters of two or more rows.
    pub clusters: u64,
    /// Candidate pairs whose similarity was computed.
    pub pairs_verified: u64,
    /// Verified pairs below the threshold (not joined).
    pub pairs_rejected: u64,
    /// Rows in the largest cluster (1 when there is none).
    pub largest_cluster: u64,
    /// Clusters that reached `max_cluster_size`.
    pub capped_clusters: u64,
}

struct UnionFind {
    parent: Vec<u32>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n as u32).collect(),
        }
    }
    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let up = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = up;
            x = up;
        }
        x
    }
    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        // The smaller index becomes the root: deterministic whatever the edge order.
        if ra < rb {
            self.parent[rb as usize] = ra;
        } else if rb < ra {
            self.parent[ra as usize] = rb;
        }
    }
}

fn band_hash(band: usize, slots: &[u32]) -> u64 {
    let mut h = mix64(0xBA4D_0000_0000_0000 ^ band as u64);
    for s in slots {
        h = mix64(h ^ u64::from(*s));
    }
    h
}

/// Clusters `items` (in input order) by `config` and picks survivors by `rule`.
pub fn cluster(items: &[NearItem<'_>], config: &NearConfig, rule: &SurvivorRule) -> NearOutcome {
    let n = items.len();
    let mut out = NearOutcome {
        assigned: vec![None; n],
        largest_cluster: u64::from(n > 0),
        ..NearOutcome::default()
    };
    let threshold = config.threshold;
    let (bands, rows) = config.lsh_params();
    let sim =
        |a: usize, b: usize| crate::minhash::similarity(items[a].signature, items[b].signature);
    let mut uf = UnionFind::new(n);
    let mut bucket: Vec<(u64, u32)> = Vec::with_capacity(n);
    for band in 0..bands {
        bucket.clear();
        for (i, item) in items.iter().enumerate() {
            let Some(slots) = item.signature.get(band * rows..(band + 1) * rows) else {
                continue;
            };
            bucket.push((band_hash(band, slots), i as u32));
        }
        bucket.sort_unstable();
        for run in bucket.chunk_by(|a, b| a.0 == b.0) {
            for j in 1..run.len() {
                let b = run[j].1;
                for &(_, a) in &run[j.saturating_sub(BUCKET_WINDOW)..j] {
                    if uf.find(a) == uf.find(b) {
                        continue;
                    }
                    out.pairs_verified += 1;
                    if sim(a as usize, b as usize) >= threshold {
                        uf.union(a, b);
                    } else {
                        out.pairs_rejected += 1;
                    }
                }
            }
        }
    }

    // Components in input order of their first member.
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        let root = uf.find(i as u32) as usize;
        members[root].push(i);
    }
    let better = |a: usize, b: usize| {
        rule.prefers((items[a].rank, items[a].pos), (items[b].rank, items[b].pos))
    };
    for mut remaining in members.into_iter().filter(|m| m.len() >= 2) {
        // Star verification: repeatedly take the best remaining row as a centre.
        while remaining.len() >= 2 {
            let mut centre = remaining[0];
            for &m in &remaining[1..] {
                if better(m, centre) {
                    centre = m;
                }
            }
            let mut size = 1usize;
            let mut rest = Vec::new();
            for &m in &remaining {
                if m == centre {
                    continue;
                }
                let s = sim(m, centre);
                if s >= threshold && size < config.max_cluster_size {
                    out.assigned[m] = Some((centre, s as f32));
                    size += 1;
                } else {
                    rest.push(m);
                }
            }
            if size >= 2 {
                out.clusters += 1;
                out.largest_cluster = out.largest_cluster.max(size as u64);
                if size == config.max_cluster_size {
                    out.capped_clusters += 1;
                }
            }
            remaining = rest;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A signature of `k` slots: slot i is `base + i` unless it is listed in `overrides`.
    fn sig(k: usize, base: u32, overrides: &[(usize, u32)]) -> Vec<u32> {
        let mut s: Vec<u32> = (0..k as u32).map(|i| base + i).collect();
        for &(i, v) in overrides {
            s[i] = v;
        }
        s
    }

    fn run(
        sigs: &[Vec<u32>],
        ranks: &[Rank],
        config: &NearConfig,
        rule: &SurvivorRule,
    ) -> NearOutcome {
        let items: Vec<NearItem<'_>> = sigs
            .iter()
            .zip(ranks)
            .enumerate()
            .map(|(i, (s, r))| NearItem {
                signature: s,
                rank: r,
                pos: (0, i),
            })
            .collect();
        cluster(&items, config, rule)
    }

    #[test]
    fn derived_bands_put_the_threshold_on_the_steep_part() {
        let (b, r) = derive_bands(0.8, 128);
        assert!(b * r <= 128);
        assert!(candidate_probability(0.8, b, r) >= 0.95, "{b}x{r}");
        assert_eq!((b, r), (13, 7));
        assert!(candidate_probability(0.5, b, r) < 0.2, "{b}x{r}");
        let (b, r) = derive_bands(0.8, 4);
        assert!(b * r <= 4);
        let config = NearConfig {
            bands: Some(16),
            rows: Some(8),
            ..NearConfig::default()
        };
        assert_eq!(config.lsh_params(), (16, 8));
    }

    #[test]
    fn validation_catches_bad_settings() {
        assert!(NearConfig::default().validate().is_ok());
        let bad = [
            NearConfig {
                threshold: 0.0,
                ..NearConfig::default()
            },
            NearConfig {
                threshold: 1.5,
                ..NearConfig::default()
            },
            NearConfig {
                permutations: 0,
                ..NearConfig::default()
            },
            NearConfig {
                bands: Some(4),
                ..NearConfig::default()
            },
            NearConfig {
                bands: Some(20),
                rows: Some(8),
                ..NearConfig::default()
            },
            NearConfig {
                max_cluster_size: 1,
                ..NearConfig::default()
            },
        ];
        for config in bad {
            assert!(config.validate().is_err(), "{config:?}");
        }
    }

    #[test]
    fn chaining_is_broken_by_verification() {
        // k = 10 slots, 10 bands of 1 row. A and B share 8 slots, B and C share 8, A and C 6.
        let k = 10;
        let a = sig(k, 0, &[]);
        let b = sig(k, 0, &[(0, 900), (1, 901)]);
        let c = sig(k, 0, &[(0, 900), (1, 901), (2, 902), (3, 903)]);
        let config = NearConfig {
            threshold: 0.8,
            permutations: k,
            bands: Some(10),
            rows: Some(1),
            ..NearConfig::default()
        };
        let ranks = vec![Rank::Null; 3];
        let out = run(&[a, b, c], &ranks, &config, &SurvivorRule::First);
        // A survives with B; C is only similar to B (removed), so it stays on its own.
        assert_eq!(out.assigned[0], None);
        assert_eq!(out.assigned[1], Some((0, 0.8)));
        assert_eq!(out.assigned[2], None);
        assert_eq!(out.clusters, 1);
        assert_eq!(out.largest_cluster, 2);
    }

    #[test]
    fn survivor_rule_picks_the_centre() {
        let k = 8;
        let sigs = vec![sig(k, 0, &[]), sig(k, 0, &[(7, 99)]), sig(k, 0, &[(6, 98)])];
        let config = NearConfig {
            threshold: 0.7,
            permutations: k,
            bands: Some(8),
            rows: Some(1),
            ..NearConfig::default()
        };
        let ranks = vec![Rank::Int(1), Rank::Int(5), Rank::Int(3)];
        let out = run(&sigs, &ranks, &config, &SurvivorRule::Highest("p".into()));
        assert_eq!(out.assigned[1], None);
        assert_eq!(out.assigned[0], Some((1, 0.875)));
        assert_eq!(out.assigned[2], Some((1, 0.75)));
    }

    #[test]
    fn dissimilar_rows_never_cluster_and_cap_is_enforced() {
        let k = 8;
        let config = NearConfig {
            threshold: 0.8,
            permutations: k,
            bands: Some(8),
            rows: Some(1),
            max_cluster_size: 2,
            ..NearConfig::default()
        };
        let far = vec![sig(k, 0, &[]), sig(k, 1000, &[])];
        let out = run(
            &far,
            &[Rank::Null, Rank::Null],
            &config,
            &SurvivorRule::First,
        );
        assert_eq!(out.assigned, vec![None, None]);
        assert_eq!(out.pairs_verified, 0);
        let same = vec![sig(k, 0, &[]); 3];
        let out = run(&same, &vec![Rank::Null; 3], &config, &SurvivorRule::First);
        assert_eq!(out.assigned, vec![None, Some((0, 1.0)), None]);
        assert_eq!(out.capped_clusters, 1);
    }
}
