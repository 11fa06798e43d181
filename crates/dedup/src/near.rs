//! Near-duplicate clustering: LSH over MinHash signatures proposes candidates, exact shingle-set
//! Jaccard decides, and clusters never chain.
//!
//! The tag pass turns each row's MinHash signature into one bucket key per band (the band's slots
//! hashed together with the band index, so equal slices in different bands never collide) and
//! keeps its shingle set sketch ([`crate::sketch`]); the signature itself is dropped. Every
//! candidate pair is verified by the Jaccard similarity of the two shingle sets (exact up to
//! `max_shingles` distinct shingles) before it is joined in the union-find; most dissimilar pairs
//! are ruled out by the sets' profiles ([`crate::sketch::Profiled`]) without reading the sets,
//! which is what makes tens of millions of candidates affordable. Each connected
//! component is then split into stars: a centre, and only members whose own similarity to it
//! reaches the threshold; the rest form further stars. So A~B, B~C never puts A with C unless
//! some kept row is similar to both, and every removed row is similar to its survivor.
//!
//! Which row is a star's centre ([`Centre`]): by default the one similar to the most remaining
//! rows (star clustering, highest degree first), because a centre chosen by the survivor rule
//! alone often covers only part of a group — the rule's best row B of {A, B, C} with A~B, A~C and
//! B≁C takes A and leaves C alone, although A would have held all three. The centre is the
//! survivor; ties in coverage go to the survivor rule, and any row similar to every member of a
//! star ties with its centre, so the rule decides whenever that costs no duplicate. Input
//! preference (`prefer_inputs`) ranks before coverage. `centre = "survivor"` always centres on the
//! rule's best row. Everything runs in input order with sorted buckets, so the result is
//! deterministic.

use crate::hugepage::advise_huge_pages;
use crate::masked::{COMMON_BITS, MaskedSet, MaskedSets};
use crate::popcount::{BitCounter, Keep};
use crate::prefetch::prefetch;
use crate::shingle::{Shingle, mix64};
pub use crate::sketch::DEFAULT_MAX_SHINGLES;
use crate::sketch::{Counts, Profiled, Verifier};
use crate::survivor::{Rank, RowPos};
use rayon::prelude::*;
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

/// Bucket runs one parallel task lists and verifies the candidates of.
const RUNS_PER_TASK: usize = 64;
/// How many pairs ahead verification prefetches a pair's shingle sets (and twice as far ahead,
/// the slices that point at them).
const PREFETCH_AHEAD: usize = 8;

/// Rows one parallel task of a star split compares with the centre (most comparisons are a
/// few AND + POPCNT: a task needs thousands to outweigh its scheduling).
const SIMS_PER_TASK: usize = 2048;
/// Components up to this many rows get coverage-first centres from their full similarity matrix
/// (at most 32,640 comparisons); larger ones, which are in practice mass-copied templates whose
/// rows are all alike, centre on the survivor rule's best row, which costs one comparison per
/// member.
pub const COVERAGE_MAX_COMPONENT: usize = 256;

/// How the centre of each near-duplicate star is chosen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Centre {
    /// The row similar to the most remaining rows of its component (input preference first,
    /// ties by the survivor rule), which is also the survivor.
    #[default]
    Coverage,
    /// Always the survivor rule's best remaining row (fewer duplicates found when that row is
    /// similar to only part of its group).
    Survivor,
}

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
    /// Largest cluster; further similar rows start a new cluster (counted as oversize).
    #[serde(default = "default_max_cluster_size")]
    pub max_cluster_size: usize,
    /// Distinct shingles kept per row for verification; longer texts keep a bottom-k sketch.
    #[serde(default = "default_max_shingles")]
    pub max_shingles: usize,
    /// How each cluster's centre is chosen: `coverage` (default) or `survivor`.
    #[serde(default)]
    pub centre: Centre,
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
fn default_max_shingles() -> usize {
    DEFAULT_MAX_SHINGLES
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
            max_shingles: DEFAULT_MAX_SHINGLES,
            centre: Centre::Coverage,
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
        if !(16..=crate::sketch::MAX_MAX_SHINGLES).contains(&self.max_shingles) {
            return Err(format!(
                "near `max_shingles` must be in 16..={}",
                crate::sketch::MAX_MAX_SHINGLES
            ));
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
pub const MIN_RECALL_AT_THRESHOLD: f64 = 0.99;

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

/// The near-dedup attributes of one row, computed in the tag pass.
///
/// Bytes per row: 24 inline plus one allocation of 4 × bands for the LSH keys (64 at the default
/// 16 bands) and 4 × distinct shingles, at most 4 × `max_shingles` (2 KiB at the default 512).
/// One allocation rather than two: at 16M rows the second cost almost a gigabyte of resident
/// memory (its own 64-byte allocation, and a second pointer and length inline).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NearSketch {
    /// The LSH bucket keys, one per band, followed by the shingle set.
    keys_and_set: Box<[u32]>,
    /// How many of `keys_and_set` are bucket keys.
    bands: u32,
}

impl NearSketch {
    /// A sketch of one LSH bucket key per band (32-bit; a spurious collision only costs one
    /// verification) and the row's shingle set sketch (see [`crate::sketch`]).
    pub fn new(bands: Box<[u32]>, shingles: &[u32]) -> Self {
        let count = u32::try_from(bands.len()).unwrap_or(u32::MAX);
        let mut keys_and_set = bands.into_vec();
        keys_and_set.reserve_exact(shingles.len());
        keys_and_set.extend_from_slice(shingles);
        NearSketch {
            keys_and_set: keys_and_set.into_boxed_slice(),
            bands: count,
        }
    }

    /// The LSH bucket keys, one per band.
    pub fn bands(&self) -> &[u32] {
        &self.keys_and_set[..self.bands as usize]
    }

    /// The shingle set sketch.
    pub fn shingles(&self) -> &[u32] {
        &self.keys_and_set[self.bands as usize..]
    }

    /// Heap bytes it holds (keys and set).
    pub fn heap_bytes(&self) -> usize {
        std::mem::size_of_val(&*self.keys_and_set)
    }
}

/// One row taking part in near-duplicate clustering.
#[derive(Debug, Clone, Copy)]
pub struct NearItem<'a> {
    /// Its LSH keys and shingle set.
    pub sketch: &'a NearSketch,
    /// Its survivor rank.
    pub rank: &'a Rank,
    /// Its position in input order.
    pub pos: RowPos,
    /// Its input's preference tier (lower wins before coverage counts; 0 without
    /// `prefer_inputs`).
    pub tier: u32,
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
    /// Clusters that reached `max_cluster_size` while further rows qualified for them.
    pub oversize_clusters: u64,
    /// Rows similar enough to join a full cluster, left to form clusters of their own.
    pub oversize_members: u64,
}

#[derive(Clone)]
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
    /// Points every element straight at its root and returns the roots by element. Every
    /// parent has a smaller index than its child (roots are their set's smallest index), so
    /// one pass in index order finds each parent already flattened.
    fn roots(&mut self) -> &[u32] {
        for i in 0..self.parent.len() {
            let parent = self.parent[i] as usize;
            self.parent[i] = self.parent[parent];
        }
        &self.parent
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

/// The LSH key of each of `bands` bands of `rows` slots of `signature` (bands past the end of a
/// short signature are left out). Each band's slots are hashed together with the band index, so
/// equal slices in different bands never collide.
pub fn band_keys(signature: &[u32], bands: usize, rows: usize) -> Box<[u32]> {
    (0..bands)
        .filter_map(|band| {
            let slots = signature.get(band * rows..(band + 1) * rows)?;
            let mut h = mix64(0xBA4D_0000_0000_0000 ^ band as u64);
            for s in slots {
                h = mix64(h ^ u64::from(*s));
            }
            Some((h >> 32) as u32)
        })
        .collect()
}

/// What splitting one component into stars decided, merged into the [`NearOutcome`] in
/// component order (components are split in parallel).
#[derive(Debug, Default, PartialEq)]
struct StarOutcome {
    /// `(member, survivor, similarity)` for each row removed.
    assigned: Vec<(usize, usize, f32)>,
    clusters: u64,
    largest_cluster: u64,
    oversize_clusters: u64,
    oversize_members: u64,
}

impl StarOutcome {
    /// Adds this component's decisions to `out`.
    fn merge_into(self, out: &mut NearOutcome) {
        for (member, survivor, similarity) in self.assigned {
            out.assigned[member] = Some((survivor, similarity));
        }
        out.clusters += self.clusters;
        out.largest_cluster = out.largest_cluster.max(self.largest_cluster);
        out.oversize_clusters += self.oversize_clusters;
        out.oversize_members += self.oversize_members;
    }
}

/// The similarity of two rows when it reaches `threshold`, 0 otherwise (only similarities at or
/// above it matter to a star split: links, and a removed row's similarity to its survivor).
fn similarity(verifier: &Verifier, a: &Profiled<'_>, b: &Profiled<'_>) -> f64 {
    verifier.similarity(a, b).unwrap_or(0.0)
}

/// [`similarity`] of two rows of a component being split, ruled out by their [`Counts`] first.
fn counted_similarity(
    verifier: &Verifier,
    (a, a_counts): (&Profiled<'_>, &Counts),
    (b, b_counts): (&Profiled<'_>, &Counts),
) -> f64 {
    if verifier.counts_may_reach((a.set().len(), a_counts), (b.set().len(), b_counts)) {
        similarity(verifier, a, b)
    } else {
        0.0
    }
}

/// A star's test of each remaining row: its similarity to the centre, kept when it reaches the
/// threshold. Masked rows are compared by their bits, the rest (truncated sets) whole.
#[derive(Clone, Copy)]
struct CloseToCentre<'s, 'a> {
    masked: &'s MaskedSets,
    /// The component's sets and profiles by slot.
    local: &'s [Profiled<'a>],
    verifier: &'s Verifier,
    threshold: f64,
    centre: &'s MaskedSet,
}

impl Keep<MaskedSet> for CloseToCentre<'_, '_> {
    type Kept = (u32, f64);

    // Always inlined: only then is the masks' popcount compiled with `POPCNT` in the scan.
    #[inline(always)]
    fn keep(&mut self, set: &MaskedSet) -> Option<(u32, f64)> {
        let centre = self.centre;
        if set.slot() == centre.slot() {
            return None;
        }
        let s = if self.masked.is_masked(centre) && self.masked.is_masked(set) {
            self.masked
                .similarity(self.verifier, set, centre)
                .unwrap_or(0.0)
        } else {
            similarity(
                self.verifier,
                &self.local[set.slot()],
                &self.local[centre.slot()],
            )
        };
        (s >= self.threshold).then_some((set.slot() as u32, s))
    }
}

/// Splits one connected component into stars and records the outcome.
struct Star<'s, 'a, B> {
    items: &'s [NearItem<'a>],
    /// Every item's set and profile, by item index.
    rows: &'s [Profiled<'a>],
    config: &'s NearConfig,
    verifier: &'s Verifier,
    /// How a star's scan counts the masks' shared bits.
    bits: BitCounter,
    better: &'s B,
    out: StarOutcome,
}

impl<B> Star<'_, '_, B>
where
    B: Fn(&NearItem<'_>, &NearItem<'_>) -> bool,
{
    /// Records one star: each `(member, similarity)` is removed for `survivor`.
    fn record(&mut self, survivor: usize, removed: &[(usize, f64)]) {
        for &(m, s) in removed {
            self.out.assigned.push((m, survivor, s as f32));
        }
        if !removed.is_empty() {
            self.out.clusters += 1;
            let size = removed.len() as u64 + 1;
            self.out.largest_cluster = self.out.largest_cluster.max(size);
        }
    }

    /// True when item `a` should survive over item `b`: input tier, then the rule.
    fn prefers(&self, a: usize, b: usize) -> bool {
        let (a, b) = (&self.items[a], &self.items[b]);
        a.tier < b.tier || (a.tier == b.tier && (self.better)(a, b))
    }

    fn count_overflow(&mut self, overflow: u64) {
        if overflow > 0 {
            self.out.oversize_clusters += 1;
            self.out.oversize_members += overflow;
        }
    }

    /// Centres on the survivor rule's best remaining row, one star after another. `component`
    /// is in input order.
    fn by_rule(&mut self, component: &[usize]) {
        debug_assert!(component.is_sorted());
        // A star compares its centre with every remaining row, thousands of rows spread over
        // the whole input: their sets, masked by the component's common elements, sit next to
        // each other in input order, read in address order (the hardware prefetcher follows)
        // instead of a few cache misses each, and most of each comparison is a few AND + POPCNT.
        let sets: Vec<&[u32]> = component.iter().map(|&m| self.rows[m].set()).collect();
        let masked = MaskedSets::new(&sets, self.config.max_shingles, COMMON_BITS);
        drop(sets);
        // Truncated sets (no mask) are compared whole.
        let local: Vec<Profiled<'_>> = component.iter().map(|&m| self.rows[m]).collect();
        // `better` is a strict total order, so the best remaining row is the first row of the
        // component ranked best first that is still remaining: one sort, instead of a scan of
        // the rule over every remaining row per star (an oversize component of 244k rows at 16M
        // bench rows made those scans quadratic). Rows are named by their slot in `component`.
        let mut ranked: Vec<u32> = (0..component.len() as u32).collect();
        ranked.sort_by(|&a, &b| {
            let a = &self.items[component[a as usize]];
            let b = &self.items[component[b as usize]];
            if (self.better)(a, b) {
                std::cmp::Ordering::Less
            } else if (self.better)(b, a) {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        });
        let mut alive = vec![true; component.len()];
        // The remaining rows' masked sets, in input order, each naming its slot: a star's scan
        // reads one contiguous array.
        let mut remaining: Vec<MaskedSet> = masked.sets().to_vec();
        for &centre in &ranked {
            if remaining.len() < 2 {
                break;
            }
            if !alive[centre as usize] {
                continue;
            }
            let removed = self.star_around(centre, &remaining, (&masked, &local), component);
            alive[centre as usize] = false;
            for &slot in &removed {
                alive[slot as usize] = false;
            }
            remaining.retain(|set| alive[set.slot()]);
        }
    }

    /// Records the star of `centre`: the other rows of `remaining` (the component's masked sets,
    /// in input order) similar to it, up to `max_cluster_size`; returns the slots it removed.
    /// `masked` and `local` hold the component's sets by slot.
    fn star_around(
        &mut self,
        centre: u32,
        remaining: &[MaskedSet],
        (masked, local): (&MaskedSets, &[Profiled<'_>]),
        component: &[usize],
    ) -> Vec<u32> {
        let close = CloseToCentre {
            masked,
            local,
            verifier: self.verifier,
            threshold: self.config.threshold,
            centre: &masked.sets()[centre as usize],
        };
        // Components past the coverage limit run to thousands of rows (a few of them were the
        // whole star phase on the bench), so their similarities to the centre are computed in
        // parallel, a chunk of rows per task; only the similar rows (few) come back, in order.
        let similar: Vec<(u32, f64)> = remaining
            .par_chunks(SIMS_PER_TASK)
            .flat_map_iter(|chunk| self.bits.filter_map(chunk, close))
            .collect();
        let mut removed = Vec::new();
        let mut members = Vec::new();
        let mut overflow = 0u64;
        for (slot, s) in similar {
            if members.len() + 1 < self.config.max_cluster_size {
                members.push((component[slot as usize], s));
                removed.push(slot);
            } else {
                overflow += 1;
            }
        }
        self.record(component[centre as usize], &members);
        self.count_overflow(overflow);
        removed
    }

    /// Star clustering over the component's full similarity matrix: the remaining row similar
    /// to the most remaining rows becomes the centre and survivor (input tier first, ties by the
    /// rule) and takes its similar rows in input order up to `max_cluster_size`. Any other row
    /// similar to every member would have the same coverage, so the rule already chose among
    /// them: the rule decides whenever it costs no duplicate.
    fn by_coverage(&mut self, rows: &[usize]) {
        let k = rows.len();
        let threshold = self.config.threshold;
        // Each row is read k times: next to each other rather than spread over the input.
        let local: Vec<Profiled<'_>> = rows.iter().map(|&m| self.rows[m]).collect();
        // Most pairs of a small component sit just under the threshold, where the profiles let
        // them through to a full merge; the finer counts rule most of them out (their cost,
        // one pass over each set, is repaid by the k − 1 comparisons of each row).
        let counts: Vec<Counts> = local.iter().map(|row| Counts::of(row.set())).collect();
        let mut sim = vec![1.0f64; k * k];
        for x in 0..k {
            for y in x + 1..k {
                let s = counted_similarity(
                    self.verifier,
                    (&local[x], &counts[x]),
                    (&local[y], &counts[y]),
                );
                sim[x * k + y] = s;
                sim[y * k + x] = s;
            }
        }
        let linked = |x: usize, y: usize| x != y && sim[x * k + y] >= threshold;
        let mut alive = vec![true; k];
        let mut degree: Vec<usize> = (0..k)
            .map(|x| (0..k).filter(|&y| linked(x, y)).count())
            .collect();
        loop {
            let mut centre: Option<usize> = None;
            for x in (0..k).filter(|&x| alive[x] && degree[x] > 0) {
                let wins = centre.is_none_or(|c| {
                    let (tx, tc) = (self.items[rows[x]].tier, self.items[rows[c]].tier);
                    tx < tc
                        || (tx == tc
                            && (degree[x] > degree[c]
                                || (degree[x] == degree[c] && self.prefers(rows[x], rows[c]))))
                });
                if wins {
                    centre = Some(x);
                }
            }
            // No remaining row is similar to another: the rest are alone.
            let Some(centre) = centre else { break };
            let mut star = vec![centre];
            let mut overflow = 0u64;
            for y in (0..k).filter(|&y| alive[y] && linked(centre, y)) {
                if star.len() < self.config.max_cluster_size {
                    star.push(y);
                } else {
                    overflow += 1;
                }
            }
            for &x in &star {
                alive[x] = false;
            }
            for &x in &star {
                for y in (0..k).filter(|&y| alive[y] && linked(x, y)) {
                    degree[y] -= 1;
                }
            }
            let removed: Vec<(usize, f64)> = star
                .iter()
                .filter(|&&x| x != centre)
                .map(|&x| (rows[x], sim[x * k + centre]))
                .collect();
            self.record(rows[centre], &removed);
            self.count_overflow(overflow);
        }
    }
}

/// Appends the candidate pairs of one bucket run (item indexes, in bucket order); the last
/// argument is scratch space the lister may use.
type ListCandidates<'a> = dyn Fn(&[(u32, u32)], &mut Vec<(u32, u32)>, &mut Vec<u32>) + Sync + 'a;

/// The pairs of `pairs` whose rows' similarity reaches `threshold`, in order. Each pair reads two
/// rows at random, so rows are prefetched two stages ahead: first their lines, then, for pairs
/// their profiles do not rule out, the sets they point at.
fn keep_similar(
    pairs: &[(u32, u32)],
    rows: &[Profiled<'_>],
    verifier: &Verifier,
) -> Vec<(u32, u32)> {
    let mut similar = Vec::new();
    for (i, &(a, b)) in pairs.iter().enumerate() {
        if let Some(&(x, y)) = pairs.get(i + 2 * PREFETCH_AHEAD) {
            prefetch(rows.as_ptr().wrapping_add(x as usize));
            prefetch(rows.as_ptr().wrapping_add(y as usize));
        }
        if let Some(&(x, y)) = pairs.get(i + PREFETCH_AHEAD) {
            let (x, y) = (&rows[x as usize], &rows[y as usize]);
            if verifier.may_reach(x, y) {
                for set in [x.set(), y.set()] {
                    prefetch(set.as_ptr());
                    prefetch(set.as_ptr().wrapping_add(16));
                }
            }
        }
        if verifier
            .similarity(&rows[a as usize], &rows[b as usize])
            .is_some()
        {
            similar.push((a, b));
        }
    }
    similar
}

/// Clusters `items` (in input order) by `config`; `better(a, b)` says whether item `a` should
/// survive over item `b` and must be a strict total order.
pub fn cluster(
    items: &[NearItem<'_>],
    config: &NearConfig,
    better: impl Fn(&NearItem<'_>, &NearItem<'_>) -> bool + Sync,
) -> NearOutcome {
    let n = items.len();
    let mut out = NearOutcome {
        assigned: vec![None; n],
        largest_cluster: u64::from(n > 0),
        ..NearOutcome::default()
    };
    let verifier = Verifier::new(config.max_shingles, config.threshold);
    let bits = BitCounter::detect();
    let verifier = &verifier;
    // Verification reads two rows at random per candidate pair, tens of millions of times: one
    // cache line per row (set and profile) instead of items → attributes → set, and most
    // dissimilar pairs are ruled out by their profiles without reading the sets. Advised before
    // it is filled, so its pages come as 2 MiB ones: at 16M bench rows (1 GB) the page walks of
    // those random reads were a quarter of verification's time.
    let mut rows: Vec<Profiled<'_>> = Vec::with_capacity(n);
    advise_huge_pages(rows.spare_capacity_mut());
    rows.par_extend(items.par_iter().map(|i| Profiled::new(i.sketch.shingles())));
    let rows = rows.as_slice();
    let bands = items
        .iter()
        .map(|i| i.sketch.bands().len())
        .max()
        .unwrap_or(0);
    let mut uf = UnionFind::new(n);
    let mut bucket: Vec<(u32, u32)> = Vec::with_capacity(n);
    // Lists and verifies the candidates of a slice of bucket runs per task (the pair list stays
    // in cache instead of going through memory) and hands back the similar pairs in run order,
    // to be joined in that order: the components are the same whatever the thread count (and the
    // same as verifying one pair at a time, since a pair only ever joins rows already similar
    // through a chain). `list` appends a run's candidates against the components as they stand
    // (nothing joins while listing).
    let verify = |runs: &[&[(u32, u32)]], list: &ListCandidates<'_>, out: &mut NearOutcome| {
        let per_task: Vec<(Vec<(u32, u32)>, usize)> = runs
            .par_chunks(RUNS_PER_TASK)
            .map_init(
                || (Vec::new(), Vec::new()),
                |(pairs, scratch), chunk| {
                    pairs.clear();
                    for run in chunk {
                        list(run, pairs, scratch);
                    }
                    (keep_similar(pairs, rows, verifier), pairs.len())
                },
            )
            .collect();
        let mut similar = Vec::with_capacity(per_task.len());
        for (task_similar, listed) in per_task {
            out.pairs_verified += listed as u64;
            out.pairs_rejected += (listed - task_similar.len()) as u64;
            similar.push(task_similar);
        }
        similar
    };
    let join = |similar: Vec<Vec<(u32, u32)>>, uf: &mut UnionFind| {
        for (a, b) in similar.into_iter().flatten() {
            uf.union(a, b);
        }
    };
    // One band's bucket: (key, row) by key, rows of a key in index order. Rows are pushed in
    // index order and a radix sort is stable, so sorting by key alone gives (key, index) order:
    // 1M pairs sorted in 8 ms on one thread, against 19 ms for a comparison sort on two.
    let fill = |band: usize, bucket: &mut Vec<(u32, u32)>| {
        bucket.clear();
        for (i, item) in items.iter().enumerate() {
            if let Some(key) = item.sketch.bands().get(band) {
                bucket.push((*key, i as u32));
            }
        }
        radsort::sort_by_key(bucket, |&(key, _)| key);
    };
    let mut next_bucket: Vec<(u32, u32)> = Vec::with_capacity(if bands > 1 { n } else { 0 });
    fill(0, &mut bucket);
    for band in 0..bands {
        // The next band's bucket is filled and sorted on one thread while this band's pairs are
        // verified on the others (it joins them when done), instead of every thread waiting for
        // it at each band.
        let (current, next, uf, out) = (&bucket, &mut next_bucket, &mut uf, &mut out);
        rayon::join(
            || {
                if band + 1 < bands {
                    fill(band + 1, next);
                }
            },
            || {
                // Neighbours in a bucket first: copies of one text sit next to each other, so this
                // joins most clusters with one verification per row, and the wider window below
                // then skips pairs already joined.
                let runs: Vec<&[(u32, u32)]> = current
                    .chunk_by(|a, b| a.0 == b.0)
                    .filter(|run| run.len() >= 2)
                    .collect();
                let roots = uf.roots();
                let apart = |a: u32, b: u32| roots[a as usize] != roots[b as usize];
                let neighbours =
                    |run: &[(u32, u32)], pairs: &mut Vec<(u32, u32)>, _: &mut Vec<u32>| {
                        for j in 1..run.len() {
                            let (a, b) = (run[j - 1].1, run[j].1);
                            if apart(a, b) {
                                pairs.push((a, b));
                            }
                        }
                    };
                let similar = verify(&runs, &neighbours, out);
                join(similar, uf);
                let roots = uf.roots();
                // Each member's component is read once into `run_roots`, beside the run, instead of
                // twice per pair at random in the whole input's roots (a cache miss each time, most
                // of the listing's time).
                let window =
                    |run: &[(u32, u32)], pairs: &mut Vec<(u32, u32)>, run_roots: &mut Vec<u32>| {
                        run_roots.clear();
                        run_roots.extend(run.iter().map(|&(_, i)| roots[i as usize]));
                        for j in 2..run.len() {
                            let (b, root_b) = (run[j].1, run_roots[j]);
                            let from = j.saturating_sub(BUCKET_WINDOW);
                            for (&(_, a), &root_a) in
                                run[from..j - 1].iter().zip(&run_roots[from..j - 1])
                            {
                                if root_a != root_b {
                                    pairs.push((a, b));
                                }
                            }
                        }
                    };
                let similar = verify(&runs, &window, out);
                join(similar, uf);
            },
        );
        std::mem::swap(&mut bucket, &mut next_bucket);
    }

    // Components of two or more rows, in input order of their first member (each root is its
    // component's smallest index), members in input order. Grouped by a stable sort of the rows
    // in such components rather than a vector per row: most rows are alone, and a million
    // one-row vectors were most of this step's time.
    let roots = uf.roots();
    let mut sizes = vec![0u32; n];
    for &root in roots {
        sizes[root as usize] += 1;
    }
    let mut clustered: Vec<(u32, u32)> = roots
        .iter()
        .enumerate()
        .filter(|&(_, &root)| sizes[root as usize] >= 2)
        .map(|(i, &root)| (root, i as u32))
        .collect();
    drop(sizes);
    radsort::sort_by_key(&mut clustered, |&(root, _)| root);
    // Components are independent: each is split on its own thread and the outcomes are merged
    // in component order, so the result does not depend on the thread count.
    // Largest first: a few components of thousands of rows would otherwise be left to the end
    // of one thread's share while the other threads idle.
    let mut components: Vec<(usize, Vec<usize>)> = clustered
        .chunk_by(|a, b| a.0 == b.0)
        .map(|run| run.iter().map(|&(_, i)| i as usize).collect())
        .enumerate()
        .collect();
    drop(clustered);
    components.sort_by_key(|(index, rows)| (std::cmp::Reverse(rows.len()), *index));
    let mut split: Vec<(usize, StarOutcome)> = components
        .into_par_iter()
        .with_max_len(1)
        .map(|(index, component)| {
            let mut star = Star {
                items,
                rows,
                config,
                verifier,
                bits,
                better: &better,
                out: StarOutcome::default(),
            };
            if config.centre == Centre::Coverage && component.len() <= COVERAGE_MAX_COMPONENT {
                star.by_coverage(&component);
            } else {
                star.by_rule(&component);
            }
            (index, star.out)
        })
        .collect();
    split.sort_unstable_by_key(|(index, _)| *index);
    for (_, outcome) in split {
        outcome.merge_into(&mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survivor::SurvivorRule;
    use proptest::prelude::*;

    impl<B> Star<'_, '_, B>
    where
        B: Fn(&NearItem<'_>, &NearItem<'_>) -> bool,
    {
        /// [`Star::by_rule`] as first written, the reference: each star's centre found by
        /// scanning the rule over every remaining row, and compared with every remaining row.
        fn by_rule_naive(&mut self, mut remaining: Vec<usize>) {
            while remaining.len() >= 2 {
                let mut centre = remaining[0];
                for &m in &remaining[1..] {
                    if (self.better)(&self.items[m], &self.items[centre]) {
                        centre = m;
                    }
                }
                let (mut members, mut rest, mut overflow) = (Vec::new(), Vec::new(), 0u64);
                for &m in &remaining {
                    if m == centre {
                        continue;
                    }
                    let s = similarity(self.verifier, &self.rows[m], &self.rows[centre]);
                    if s >= self.config.threshold
                        && members.len() + 1 < self.config.max_cluster_size
                    {
                        members.push((m, s));
                    } else {
                        overflow += u64::from(s >= self.config.threshold);
                        rest.push(m);
                    }
                }
                self.record(centre, &members);
                self.count_overflow(overflow);
                remaining = rest;
            }
        }
    }

    proptest! {
        /// The split as it runs (centres from the component ranked once, rows copied next to
        /// each other and named by slot) gives the stars of the naive split, for any total order,
        /// overlap pattern, threshold, cluster cap, truncated sets and any subset of the items
        /// as the component.
        #[test]
        fn stars_equal_the_naive_split(
            sets in proptest::collection::vec(
                (0u32..30, 4u32..40, proptest::collection::vec(0u32..400, 0..24), any::<bool>()),
                2..90,
            ),
            salt in any::<u64>(),
            max_cluster_size in 2usize..12,
            threshold in 0.5f64..0.95,
            max_shingles in 16usize..48,
        ) {
            let sketches: Vec<NearSketch> = sets
                .iter()
                .map(|(start, len, extra, _)| {
                    let mut elements: Vec<u32> = (*start..start + len).collect();
                    elements.extend(extra.iter().map(|e| 1000 + e));
                    NearSketch::new(
                        vec![7].into_boxed_slice(),
                        &crate::sketch::finish(elements, max_shingles),
                    )
                })
                .collect();
            let ranks = vec![Rank::Null; sketches.len()];
            let items: Vec<NearItem<'_>> = sketches
                .iter()
                .zip(&ranks)
                .enumerate()
                .map(|(i, (s, r))| NearItem { sketch: s, rank: r, pos: (0, i as u32), tier: 0 })
                .collect();
            // A total order unrelated to input order.
            let key = |item: &NearItem<'_>| (mix64(item.pos.1 as u64 ^ salt), item.pos.1);
            let better = |a: &NearItem<'_>, b: &NearItem<'_>| key(a) < key(b);
            let config = NearConfig { max_cluster_size, threshold, max_shingles, ..by_rule() };
            let rows: Vec<Profiled<'_>> =
                sketches.iter().map(|s| Profiled::new(s.shingles())).collect();
            let verifier = Verifier::new(config.max_shingles, config.threshold);
            let star = || Star {
                items: &items,
                rows: &rows,
                config: &config,
                verifier: &verifier,
                bits: BitCounter::detect(),
                better: &better,
                out: StarOutcome::default(),
            };
            let component: Vec<usize> =
                (0..items.len()).filter(|&i| sets[i].3 || i % 3 == 0).collect();
            let (mut split, mut naive) = (star(), star());
            split.by_rule(&component);
            // The portable bit count too, whatever this CPU has.
            let mut portable = Star { bits: BitCounter::portable(), ..star() };
            portable.by_rule(&component);
            naive.by_rule_naive(component);
            prop_assert_eq!(&split.out, &naive.out);
            prop_assert_eq!(portable.out, naive.out);
        }
    }

    #[test]
    fn roots_flatten_every_chain_to_the_smallest_index() {
        let mut uf = UnionFind::new(10);
        for (a, b) in [(9, 8), (8, 7), (7, 3), (5, 6), (6, 2), (4, 9)] {
            uf.union(a, b);
        }
        let expected: Vec<u32> = (0..10).map(|i| uf.clone().find(i)).collect();
        assert_eq!(uf.roots(), expected.as_slice());
        assert_eq!(expected, vec![0, 1, 2, 3, 3, 2, 2, 3, 3, 3]);
    }

    /// A sketch holding the elements `range` (already distinct and sorted) whose one LSH key is
    /// `bucket`: rows sharing a bucket are all candidates, so verification alone decides.
    fn sketch(range: std::ops::Range<u32>, bucket: u32) -> NearSketch {
        NearSketch::new(
            vec![bucket].into_boxed_slice(),
            &range.collect::<Vec<u32>>(),
        )
    }

    fn run(
        sketches: &[NearSketch],
        ranks: &[Rank],
        config: &NearConfig,
        rule: &SurvivorRule,
    ) -> NearOutcome {
        let items: Vec<NearItem<'_>> = sketches
            .iter()
            .zip(ranks)
            .enumerate()
            .map(|(i, (s, r))| NearItem {
                sketch: s,
                rank: r,
                pos: (0, i as u32),
                tier: 0,
            })
            .collect();
        cluster(&items, config, |a, b| {
            rule.prefers((a.rank, a.pos), (b.rank, b.pos))
        })
    }

    #[test]
    fn derived_bands_put_the_threshold_on_the_steep_part() {
        let (b, r) = derive_bands(0.8, 128);
        assert!(b * r <= 128);
        assert!(candidate_probability(0.8, b, r) >= 0.99, "{b}x{r}");
        assert_eq!((b, r), (16, 6));
        assert!(candidate_probability(0.5, b, r) < 0.25, "{b}x{r}");
        assert!(candidate_probability(0.3, b, r) < 0.02, "{b}x{r}");
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
    fn band_keys_depend_on_band_index_and_slots() {
        let sig: Vec<u32> = vec![7; 12];
        let keys = band_keys(&sig, 3, 4);
        assert_eq!(keys.len(), 3);
        // Equal slices in different bands get different keys.
        assert_ne!(keys[0], keys[1]);
        let mut other = sig.clone();
        other[5] = 8;
        let changed = band_keys(&other, 3, 4);
        assert_eq!((keys[0], keys[2]), (changed[0], changed[2]));
        assert_ne!(keys[1], changed[1]);
        // A signature too short for the last band leaves it out.
        assert_eq!(band_keys(&sig[..10], 3, 4).len(), 2);
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
            NearConfig {
                max_shingles: 8,
                ..NearConfig::default()
            },
        ];
        for config in bad {
            assert!(config.validate().is_err(), "{config:?}");
        }
    }

    fn by_rule() -> NearConfig {
        NearConfig {
            centre: Centre::Survivor,
            ..NearConfig::default()
        }
    }

    /// Every removed row is at least `threshold` similar to its survivor, and survivors are kept.
    fn assert_no_chaining(sketches: &[NearSketch], out: &NearOutcome, threshold: f64) {
        for (m, assigned) in out.assigned.iter().enumerate() {
            if let Some((s, sim)) = assigned {
                let exact =
                    crate::sketch::jaccard(sketches[m].shingles(), sketches[*s].shingles(), 512);
                assert!(exact >= threshold, "row {m} removed for {s} at {exact}");
                assert_eq!(*sim, exact as f32);
                assert_eq!(out.assigned[*s], None, "survivor {s} was removed");
            }
        }
    }

    #[test]
    fn chaining_is_broken_by_verification() {
        // A = 0..10, B = 1..11, C = 2..12: J(A,B) = J(B,C) = 9/11 ≥ 0.8, J(A,C) = 8/12 < 0.8.
        let sketches = [sketch(0..10, 1), sketch(1..11, 1), sketch(2..12, 1)];
        let ranks = vec![Rank::Null; 3];
        // Centred on the rule's best row: A survives with B; C is only similar to B (removed),
        // so it stays on its own.
        let out = run(&sketches, &ranks, &by_rule(), &SurvivorRule::First);
        assert_eq!(out.assigned[0], None);
        assert_eq!(out.assigned[1], Some((0, (9.0f64 / 11.0) as f32)));
        assert_eq!(out.assigned[2], None);
        assert_eq!(out.clusters, 1);
        assert_eq!(out.largest_cluster, 2);
        assert_no_chaining(&sketches, &out, 0.8);
        // With B as the best row, both ends join it: each is verified against B.
        let out = run(&sketches, &ranks, &by_rule(), &SurvivorRule::Last);
        assert_eq!(out.assigned[0], None);
        let out = run(
            &sketches,
            &[Rank::Int(1), Rank::Int(9), Rank::Int(1)],
            &by_rule(),
            &SurvivorRule::Highest("p".into()),
        );
        assert_eq!(out.assigned[1], None);
        assert!(out.assigned[0].is_some() && out.assigned[2].is_some());
        // Coverage centres pick B, similar to both ends, whatever the rule; A is never removed
        // for C or C for A.
        for rule in [SurvivorRule::First, SurvivorRule::Last] {
            let out = run(&sketches, &ranks, &NearConfig::default(), &rule);
            let to_b = Some((1, (9.0f64 / 11.0) as f32));
            assert_eq!(out.assigned, vec![to_b, None, to_b], "{rule}");
            assert_no_chaining(&sketches, &out, 0.8);
        }
    }

    #[test]
    fn coverage_centre_keeps_a_group_the_rule_centre_splits() {
        // An original O and two edited copies: D (a span dropped) and P (a span appended) are
        // each similar to O but not to each other. The rule's best row (D, first in input order)
        // takes only O and leaves P alone; the coverage centre O holds all three.
        // J(D,O) = 40/46, J(O,P) = 46/52, J(D,P) = 40/52 < 0.8.
        let (d, o, p) = (sketch(0..40, 7), sketch(0..46, 7), sketch(0..52, 7));
        let sketches = [d, o, p];
        let ranks = vec![Rank::Null; 3];
        let rule = run(&sketches, &ranks, &by_rule(), &SurvivorRule::First);
        assert_eq!(rule.assigned, vec![None, Some((0, 40.0 / 46.0)), None]);
        let cover = run(
            &sketches,
            &ranks,
            &NearConfig::default(),
            &SurvivorRule::First,
        );
        assert_eq!(
            cover.assigned,
            vec![Some((1, 40.0 / 46.0)), None, Some((1, 46.0 / 52.0))]
        );
        assert_eq!((cover.clusters, cover.largest_cluster), (1, 3));
        assert_no_chaining(&sketches, &cover, 0.8);
    }

    #[test]
    fn the_rule_picks_the_survivor_when_that_costs_no_duplicate() {
        // O covers everyone; D and T cover O and each other but not P: O survives whatever the
        // rule. Without P, every row is similar to every other and the rule decides.
        // J(D,O) = 42/50, J(T,O) = 42/50, J(D,T) = 41/43, J(O,P) = 50/60, J(D,P) = J(T,P) = 0.7.
        let d = sketch(0..42, 1);
        let o = sketch(0..50, 1);
        let t = sketch(1..43, 1);
        let p = sketch(0..60, 1);
        let all = [d.clone(), o.clone(), t.clone(), p];
        let out = run(
            &all,
            &vec![Rank::Null; 4],
            &NearConfig::default(),
            &SurvivorRule::Last,
        );
        assert_eq!(out.assigned[1], None);
        assert!(
            out.assigned
                .iter()
                .enumerate()
                .all(|(i, a)| i == 1 || a.is_some())
        );
        assert_no_chaining(&all, &out, 0.8);
        let three = [d, o, t];
        for (rule, survivor) in [(SurvivorRule::First, 0), (SurvivorRule::Last, 2)] {
            let out = run(&three, &vec![Rank::Null; 3], &NearConfig::default(), &rule);
            assert_eq!(out.assigned[survivor], None, "{rule}");
            assert_eq!(out.assigned.iter().filter(|a| a.is_some()).count(), 2);
            assert_no_chaining(&three, &out, 0.8);
        }
    }

    #[test]
    fn components_beyond_the_coverage_limit_centre_on_the_rule() {
        // The split group plus enough copies of O to pass the limit: the rule's best row (D)
        // is the centre, so P stays alone; below the limit O would hold everything.
        let mut sketches = vec![sketch(0..40, 7), sketch(0..46, 7), sketch(0..52, 7)];
        sketches.extend((0..COVERAGE_MAX_COMPONENT).map(|_| sketch(0..46, 7)));
        let ranks = vec![Rank::Null; sketches.len()];
        let out = run(
            &sketches,
            &ranks,
            &NearConfig::default(),
            &SurvivorRule::First,
        );
        assert_eq!(out.assigned[0], None);
        assert_eq!(out.assigned[2], None);
        assert!(
            out.assigned[3..]
                .iter()
                .all(|a| a.map(|(s, _)| s) == Some(0))
        );
        let small = &sketches[..COVERAGE_MAX_COMPONENT];
        let out = run(
            small,
            &ranks[..small.len()],
            &NearConfig::default(),
            &SurvivorRule::First,
        );
        assert_eq!(out.assigned[1], None);
        assert!(out.assigned[2].is_some());
    }

    #[test]
    fn input_tier_ranks_before_coverage() {
        // D, O, P as in the split group, but P comes from a preferred input: P is the centre
        // and survivor although O covers more; O joins it and D, unlike P, stays alone.
        let sketches = [sketch(0..40, 7), sketch(0..46, 7), sketch(0..52, 7)];
        let ranks = vec![Rank::Null; 3];
        let items: Vec<NearItem<'_>> = sketches
            .iter()
            .zip(&ranks)
            .enumerate()
            .map(|(i, (s, r))| NearItem {
                sketch: s,
                rank: r,
                pos: (0, i as u32),
                tier: if i == 2 { 0 } else { 1 },
            })
            .collect();
        let out = cluster(&items, &NearConfig::default(), |a, b| {
            (a.tier, a.pos) < (b.tier, b.pos)
        });
        assert_eq!(out.assigned, vec![None, Some((2, 46.0 / 52.0)), None]);
    }

    #[test]
    fn no_chaining_on_many_overlapping_sets() {
        // Sliding windows of one long sequence: every row overlaps its neighbours by varying
        // amounts, a worst case for chaining. Every removed row must be similar to its survivor.
        let sketches: Vec<NearSketch> = (0..120u32)
            .map(|i| {
                let start = i * 3 + (i * 7919) % 5;
                sketch(start..start + 30 + (i * 31) % 11, 1)
            })
            .collect();
        let ranks = vec![Rank::Null; sketches.len()];
        for config in [NearConfig::default(), by_rule()] {
            for threshold in [0.6, 0.8] {
                let config = NearConfig {
                    threshold,
                    ..config.clone()
                };
                let out = run(&sketches, &ranks, &config, &SurvivorRule::First);
                assert!(out.clusters > 0, "{config:?}");
                assert_no_chaining(&sketches, &out, threshold);
            }
        }
    }

    #[test]
    fn verification_is_exact_at_the_threshold() {
        // J = 8/10 exactly joins; 7 shared of 11 (0.64) does not.
        let config = NearConfig::default();
        let ranks = vec![Rank::Null; 2];
        let at = [sketch(0..9, 3), sketch(1..10, 3)];
        let out = run(&at, &ranks, &config, &SurvivorRule::First);
        assert_eq!(out.assigned[1], Some((0, 0.8)));
        let below = [sketch(0..9, 3), sketch(2..11, 3)];
        let out = run(&below, &ranks, &config, &SurvivorRule::First);
        assert_eq!(out.assigned, vec![None, None]);
        assert_eq!((out.pairs_verified, out.pairs_rejected), (1, 1));
    }

    #[test]
    fn survivor_rule_picks_the_centre() {
        let sketches = [sketch(0..20, 5), sketch(0..21, 5), sketch(0..22, 5)];
        let config = NearConfig {
            threshold: 0.7,
            ..NearConfig::default()
        };
        let ranks = vec![Rank::Int(1), Rank::Int(5), Rank::Int(3)];
        let out = run(
            &sketches,
            &ranks,
            &config,
            &SurvivorRule::Highest("p".into()),
        );
        assert_eq!(out.assigned[1], None);
        assert_eq!(out.assigned[0], Some((1, (20.0f64 / 21.0) as f32)));
        assert_eq!(out.assigned[2], Some((1, (21.0f64 / 22.0) as f32)));
    }

    #[test]
    fn dissimilar_rows_never_cluster_and_oversize_is_counted() {
        let config = NearConfig {
            max_cluster_size: 2,
            ..NearConfig::default()
        };
        let far = [sketch(0..10, 1), sketch(100..110, 2)];
        let out = run(
            &far,
            &[Rank::Null, Rank::Null],
            &config,
            &SurvivorRule::First,
        );
        assert_eq!(out.assigned, vec![None, None]);
        assert_eq!(out.pairs_verified, 0);
        // Different buckets are never compared, even for equal sets: LSH proposes, sets decide.
        let same = vec![sketch(0..10, 1); 3];
        let out = run(&same, &vec![Rank::Null; 3], &config, &SurvivorRule::First);
        assert_eq!(out.assigned, vec![None, Some((0, 1.0)), None]);
        assert_eq!((out.oversize_clusters, out.oversize_members), (1, 1));
        let four = vec![sketch(0..10, 1); 4];
        let out = run(&four, &vec![Rank::Null; 4], &config, &SurvivorRule::First);
        // Split into two clusters of 2: the first one overflowed by 2 rows, the second by none.
        assert_eq!(
            out.assigned,
            vec![None, Some((0, 1.0)), None, Some((2, 1.0))]
        );
        assert_eq!((out.oversize_clusters, out.oversize_members), (1, 2));
        assert_eq!(out.clusters, 2);
        let roomy = run(
            &four,
            &vec![Rank::Null; 4],
            &NearConfig::default(),
            &SurvivorRule::First,
        );
        assert_eq!((roomy.oversize_clusters, roomy.oversize_members), (0, 0));
        assert_eq!(roomy.largest_cluster, 4);
    }
}
