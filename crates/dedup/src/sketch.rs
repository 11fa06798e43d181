//! A row's shingle set kept for verification, and the Jaccard similarity of two of them.
//!
//! LSH only proposes candidate pairs; whether a pair is a near duplicate is decided here, on the
//! shingle sets themselves rather than on the MinHash estimate (at 128 permutations the estimate
//! has a standard deviation of about 0.035 near J = 0.8, so verifying on it rejects a true-0.82
//! pair about a quarter of the time).
//!
//! A set is stored as its sorted, distinct 32-bit shingle hashes (the high half of the 64-bit
//! shingle hash), at most `cap` of them: 4 bytes per distinct shingle. A text with more distinct
//! shingles keeps only its `cap` smallest hashes — a bottom-k sketch — and pairs involving it get
//! the bottom-k estimate instead of the exact value: among the `cap` smallest hashes of the union
//! (computable from the two sketches), the fraction present in both sets. Its standard deviation is
//! about √(J(1−J)/cap), 0.018 at J = 0.8 and the default cap of 512. Two 32-bit hashes of distinct
//! shingles collide with probability 2⁻³², far below either error.

/// Default cap on the distinct shingles kept per row.
pub const DEFAULT_MAX_SHINGLES: usize = 512;
/// Largest accepted cap on the distinct shingles kept per row.
pub const MAX_MAX_SHINGLES: usize = 65_536;

/// The 32-bit set element of a 64-bit shingle hash.
pub fn element(shingle: u64) -> u32 {
    (shingle >> 32) as u32
}

/// Turns collected elements into a set sketch: sorted, distinct, at most `cap` (the smallest).
pub fn finish(mut elements: Vec<u32>, cap: usize) -> Box<[u32]> {
    elements.sort_unstable();
    elements.dedup();
    elements.truncate(cap);
    elements.into_boxed_slice()
}

/// Jaccard similarity of two sketches made by [`finish`] with the same `cap`: exact when both
/// hold fewer than `cap` elements (so neither was truncated), the bottom-`cap` estimate otherwise.
/// Two empty sets have similarity 0 (rows without shingles never take part in near dedup).
pub fn jaccard(a: &[u32], b: &[u32], cap: usize) -> f64 {
    // A sketch holding exactly `cap` elements may have been truncated: estimate over the `cap`
    // smallest elements of the union, every one of which is in a sketch if it is in its set.
    let limit = if a.len() >= cap || b.len() >= cap {
        cap
    } else {
        usize::MAX
    };
    let (mut i, mut j) = (0, 0);
    let (mut union, mut both) = (0usize, 0usize);
    while union < limit && (i < a.len() || j < b.len()) {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x == y => {
                both += 1;
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x < y => i += 1,
            (Some(_), None) => i += 1,
            _ => j += 1,
        }
        union += 1;
    }
    if union == 0 {
        0.0
    } else {
        both as f64 / union as f64
    }
}

/// [`jaccard`] when it is at least `threshold`, `None` otherwise — the same decision and value,
/// found faster: the merge stops as soon as the pair can no longer reach the threshold. Almost
/// every LSH candidate is rejected, and a rejected pair at J ≈ 0.3 is given up after a few dozen
/// steps instead of walking both sets.
pub fn jaccard_at_least(a: &[u32], b: &[u32], cap: usize, threshold: f64) -> Option<f64> {
    if a.len() < cap && b.len() < cap {
        let need = fewest_shared(a.len() + b.len(), threshold);
        return exact_at_least(a, b, need, threshold);
    }
    bottom_k_at_least(a, b, cap, threshold)
}

/// [`jaccard_at_least`] when either sketch holds `cap` elements (may have been truncated).
fn bottom_k_at_least(a: &[u32], b: &[u32], cap: usize, threshold: f64) -> Option<f64> {
    // The best final value from here: at most `steps` more union steps happen (the longer
    // remainder, up to the cap) and at most min(remainders) of them can be matches; the value
    // only falls with more non-matching steps, so (both + matches) / (union + steps) bounds it.
    // The test multiplies instead of dividing (it runs after every mismatch) against a threshold
    // lowered by far more than the rounding error, so it can only keep a pair going, never give
    // up on one that reaches the threshold; the final comparison is exact.
    let relaxed = threshold - RELAXATION;
    let reachable = |i: usize, j: usize, union: usize, both: usize| {
        let (ra, rb) = (a.len() - i, b.len() - j);
        let steps = (cap - union).min(ra.max(rb));
        let best = both + ra.min(rb).min(steps);
        best as f64 >= relaxed * (union + steps) as f64
    };
    if !reachable(0, 0, 0, 0) {
        return None;
    }
    let (mut i, mut j) = (0, 0);
    let (mut union, mut both) = (0usize, 0usize);
    while union < cap && (i < a.len() || j < b.len()) {
        union += 1;
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x == y => {
                both += 1;
                i += 1;
                j += 1;
                continue;
            }
            (Some(x), Some(y)) if x < y => i += 1,
            (Some(_), None) => i += 1,
            _ => j += 1,
        }
        if !reachable(i, j, union, both) {
            return None;
        }
    }
    let similarity = if union == 0 {
        0.0
    } else {
        both as f64 / union as f64
    };
    (similarity >= threshold).then_some(similarity)
}

/// The fewest shared elements two untruncated sets of `total` elements together (`|A| + |B|`)
/// need for [`similarity_of`] to accept them at `threshold`: exactly that, not a bound. The
/// similarity `I / (total − I)` rises with `I`, and so does its correctly rounded quotient, so
/// every count from the one found here up is accepted and every count below it rejected. An
/// early exit against it therefore never gives up on a pair that reaches the threshold, and it
/// also gives up on the pairs one element short, which the floor of `t · total / (1 + t)` (the
/// bound used before) let through to a merge: template-alike rows sit just under the threshold.
/// At 4M bench rows, 65M of a star split's 87M comparisons passed that floor, and only about 3M
/// were similar.
fn fewest_shared(total: usize, threshold: f64) -> usize {
    let accepted = |shared: usize| similarity_of(shared, total, 0, threshold).is_some();
    // The real-valued bound, less a few for rounding, then up to the first count accepted. Two
    // sets share at most half their total, so only two empty sets reach `total` (similarity 0);
    // `total + 1` means no count reaches the threshold.
    let estimate = (threshold / (1.0 + threshold) * total as f64).floor();
    let mut shared = if estimate.is_finite() && estimate > 2.0 {
        (estimate as usize - 2).min(total)
    } else {
        0
    };
    while shared <= total && !accepted(shared) {
        shared += 1;
    }
    shared
}

/// A set's elements counted per bucket of the element space. A shared element falls in the same
/// bucket in both sets, so `|A ∩ B| ≤ Σ min(countᴬ, countᴮ)`: a bound on what two sets share
/// without reading them. A set with more than 255 elements in one bucket is `crowded`: its counts
/// bound nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketCounts<const N: usize> {
    buckets: [u8; N],
    crowded: bool,
}

impl<const N: usize> BucketCounts<N> {
    /// Counts `set`'s elements in the buckets `bucket_of` puts them in.
    #[inline]
    fn count(set: &[u32], bucket_of: impl Fn(u32) -> usize) -> Self {
        let mut counts = BucketCounts {
            buckets: [0; N],
            crowded: false,
        };
        for &element in set {
            let bucket = &mut counts.buckets[bucket_of(element)];
            match bucket.checked_add(1) {
                Some(count) => *bucket = count,
                None => counts.crowded = true,
            }
        }
        counts
    }

    /// The most elements the two counted sets can share (`usize::MAX` when either is crowded).
    #[inline]
    fn shared_at_most(&self, other: &Self) -> usize {
        if self.crowded || other.crowded {
            return usize::MAX;
        }
        // In lanes of at most 64 buckets, each lane's minimums summed in 16 bits (at most
        // 64 × 255), which the compiler turns into vector minimums and sums. Whole lanes only, so
        // no bucket is left out of the bound.
        const { assert!(N <= 64 || N.is_multiple_of(64)) };
        let lane = N.min(64);
        let mut shared = 0usize;
        for (x, y) in self
            .buckets
            .chunks_exact(lane)
            .zip(other.buckets.chunks_exact(lane))
        {
            let sum: u16 = x.iter().zip(y).map(|(a, b)| u16::from(*a.min(b))).sum();
            shared += usize::from(sum);
        }
        shared
    }
}

/// Ranges of the element space a [`Profile`] counts in.
const PROFILE_RANGES: usize = 32;

/// How many elements of a set fall in each thirty-second of the element space: 33 bytes that
/// rule most dissimilar candidate pairs out before their sets are read.
pub type Profile = BucketCounts<PROFILE_RANGES>;

impl Profile {
    /// The profile of a sketch made by [`finish`].
    pub fn of(set: &[u32]) -> Profile {
        Self::count(set, |element| {
            (element >> (32 - PROFILE_RANGES.trailing_zeros())) as usize
        })
    }
}

/// A sketch as verification reads it: the set and its [`Profile`] in one cache line, so ruling a
/// candidate pair out reads one line per row and never the sets.
#[derive(Debug, Clone, Copy)]
#[repr(align(64))]
pub struct Profiled<'a> {
    set: &'a [u32],
    profile: Profile,
}

impl<'a> Profiled<'a> {
    /// Profiles a sketch made by [`finish`].
    pub fn new(set: &'a [u32]) -> Self {
        Profiled {
            set,
            profile: Profile::of(set),
        }
    }

    /// The sketch.
    pub fn set(&self) -> &'a [u32] {
        self.set
    }
}

/// Buckets of a [`Counts`] profile.
const COUNT_BUCKETS: usize = 256;

/// A sharper bound on two sets' intersection than [`Profile`], for rows compared over and over
/// (a star split compares each centre with every remaining row of its component): the set's
/// elements counted in 256 buckets by their low byte. The 32-range profile passes almost every
/// pair at Jaccard 0.7–0.8, the bulk of a template-alike component; at 256 buckets the counts of
/// the elements two such sets do not share rarely meet. The low byte, not the high bits, because
/// a truncated set keeps only the smallest hashes, which all sit low in the range but still
/// spread over every low byte. 257 bytes a row, so only a component being split carries them.
pub type Counts = BucketCounts<COUNT_BUCKETS>;

impl Counts {
    /// The counts of a sorted set.
    pub fn of(set: &[u32]) -> Counts {
        Self::count(set, |element| (element & 0xff) as usize)
    }
}

/// The near-duplicate test of one configuration: whether two profiled sketches made with `cap`
/// reach `threshold`. The fewest shared elements each total length needs is worked out once here:
/// computed per candidate pair it was a float division, tens of millions of times a run.
#[derive(Debug, Clone)]
pub struct Verifier {
    cap: usize,
    threshold: f64,
    /// [`fewest_shared`] by `|A| + |B|`, for every two lengths below the cap.
    needed: Box<[u32]>,
}

impl Verifier {
    /// The test for sketches made with `cap` against `threshold`.
    pub fn new(cap: usize, threshold: f64) -> Self {
        // Two lengths below the cap sum to at most 2 × (cap − 1); lengths fit u32 (the cap is
        // at most MAX_MAX_SHINGLES).
        let needed = (0..(2 * cap).saturating_sub(1))
            .map(|total| u32::try_from(fewest_shared(total, threshold)).unwrap_or(u32::MAX))
            .collect();
        Verifier {
            cap,
            threshold,
            needed,
        }
    }

    /// The fewest shared elements two untruncated sketches of these lengths need (both below
    /// the cap).
    #[inline]
    fn needed(&self, la: usize, lb: usize) -> usize {
        self.needed[la + lb] as usize
    }

    /// False only when the counts of two sets of `la` and `lb` elements prove their similarity
    /// below the threshold. Beyond the cap too: the bottom-k merge then walks `cap` elements of
    /// the union (the union of a truncated set and any other has at least that many), so the
    /// estimate is at most the shared elements over `cap`.
    #[inline]
    pub fn counts_may_reach(&self, (la, a): (usize, &Counts), (lb, b): (usize, &Counts)) -> bool {
        let shared = a.shared_at_most(b);
        if la >= self.cap || lb >= self.cap {
            shared == usize::MAX || shared as f64 >= (self.threshold - RELAXATION) * self.cap as f64
        } else {
            shared >= self.needed(la, lb)
        }
    }

    /// False only when `a` and `b` certainly have a similarity below the threshold: both are
    /// untruncated, so the similarity is exact, and their profiles allow fewer shared elements
    /// than it needs.
    #[inline]
    pub fn may_reach(&self, a: &Profiled<'_>, b: &Profiled<'_>) -> bool {
        let (la, lb) = (a.set.len(), b.set.len());
        la >= self.cap
            || lb >= self.cap
            || a.profile.shared_at_most(&b.profile) >= self.needed(la, lb)
    }

    /// [`jaccard_at_least`] of the two sketches, ruling the pair out by profile first.
    #[inline]
    pub fn similarity(&self, a: &Profiled<'_>, b: &Profiled<'_>) -> Option<f64> {
        let (la, lb) = (a.set.len(), b.set.len());
        if la >= self.cap || lb >= self.cap {
            return bottom_k_at_least(a.set, b.set, self.cap, self.threshold);
        }
        let need = self.needed(la, lb);
        if a.profile.shared_at_most(&b.profile) < need {
            return None;
        }
        exact_at_least(a.set, b.set, need, self.threshold)
    }

    /// [`Verifier::similarity`] of two untruncated sets of `la` and `lb` elements whose
    /// intersection is `common` elements already counted plus what `rest_a` and `rest_b` (sorted,
    /// disjoint from those) share: the same value and decision as merging the whole sets. The
    /// pair is ruled out without a merge when the rests are too short to make up the difference.
    /// Always inlined: the star scan calls it once per remaining row, and nearly every call ends
    /// at the first test.
    #[inline(always)]
    pub fn similarity_with_common(
        &self,
        (la, rest_a): (usize, &[u32]),
        (lb, rest_b): (usize, &[u32]),
        common: usize,
    ) -> Option<f64> {
        debug_assert!(la < self.cap && lb < self.cap);
        let need = self.needed(la, lb);
        // Checked here rather than only inside the merge, so the usual pair (common elements
        // alone decide it) never leaves the caller's loop.
        if common + rest_a.len().min(rest_b.len()) < need {
            return None;
        }
        let shared = common + shared_at_least(rest_a, rest_b, need.saturating_sub(common))?;
        similarity_of(shared, la, lb, self.threshold)
    }
}

/// How far early-exit tests lower the threshold: far more than the rounding error of their
/// arithmetic, so they can only keep a pair going, never give up on one that reaches it.
const RELAXATION: f64 = 1e-9;

/// Elements compared at once by [`exact_at_least`].
const BLOCK: usize = 8;

/// The [`BLOCK`] elements of `set` from `at`, if there are that many.
fn block(set: &[u32], at: usize) -> Option<&[u32; BLOCK]> {
    set.get(at..at + BLOCK)?.try_into().ok()
}

/// The elements two blocks share: every element of one against every element of the other, a
/// fixed-size count that compiles to vector compares.
#[inline(always)]
fn shared_in_blocks(x: &[u32; BLOCK], y: &[u32; BLOCK]) -> usize {
    let mut shared = 0usize;
    for u in x {
        for v in y {
            shared += usize::from(u == v);
        }
    }
    shared
}

/// [`jaccard_at_least`] for two sets that were not truncated. The pair reaches the threshold only
/// if its intersection `I` satisfies `I / (|A| + |B| − I) ≥ t`, i.e. `I ≥ t(|A| + |B|) / (1 + t)`:
/// `need`, [`fewest_shared`] for the two lengths.
fn exact_at_least(a: &[u32], b: &[u32], need: usize, threshold: f64) -> Option<f64> {
    let shared = shared_at_least(a, b, need)?;
    similarity_of(shared, a.len(), b.len(), threshold)
}

/// The similarity of two untruncated sets of `la` and `lb` elements sharing `shared`, when it
/// reaches `threshold`.
#[inline]
fn similarity_of(shared: usize, la: usize, lb: usize, threshold: f64) -> Option<f64> {
    let union = la + lb - shared;
    let similarity = if union == 0 {
        0.0
    } else {
        shared as f64 / union as f64
    };
    (similarity >= threshold).then_some(similarity)
}

/// The elements two sorted sets share, or `None` once they certainly share fewer than `need`.
/// Every element of A (or B) passed without a match lowers the largest reachable count by one,
/// so each side has a fixed budget of misses, checked with one integer comparison.
///
/// Which side moves on is a coin flip for the branch predictor, so the steps add comparison
/// results instead of branching on them (on sets of a few dozen elements, as the bench's are, a
/// fifth less time per pair in a micro-benchmark).
#[inline]
fn shared_at_least(a: &[u32], b: &[u32], need: usize) -> Option<usize> {
    let (la, lb) = (a.len(), b.len());
    if need > la.min(lb) {
        return None;
    }
    let (budget_a, budget_b) = (la - need, lb - need);
    let (mut i, mut j, mut both) = (0, 0, 0);
    // Whole blocks first: the elements the two blocks share, then the block with the smaller
    // last element moves on (both when equal). Each shared element is counted exactly
    // once: its two copies are in blocks that are current together, since a block only moves on
    // once the other side holds nothing smaller than its last element. The merge below takes the
    // rest from the same positions. `i − both` only undercounts A's misses among `a[..i]`
    // (`both` may include matches of elements at `i` or later), so the budget tests stay safe.
    while let (Some(x), Some(y)) = (block(a, i), block(b, j)) {
        both += shared_in_blocks(x, y);
        let (last_x, last_y) = (x[BLOCK - 1], y[BLOCK - 1]);
        i += BLOCK * usize::from(last_x <= last_y);
        j += BLOCK * usize::from(last_y <= last_x);
        if i.saturating_sub(both) > budget_a || j.saturating_sub(both) > budget_b {
            return None;
        }
    }
    // The rest, fewer than a block on one side, one element at a time; no early exit, the final
    // comparison decides.
    while let (Some(&x), Some(&y)) = (a.get(i), b.get(j)) {
        both += usize::from(x == y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    Some(both)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shingle::mix64;

    fn set(range: std::ops::Range<u64>, cap: usize) -> Box<[u32]> {
        finish(range.map(|i| element(mix64(i))).collect(), cap)
    }

    #[test]
    fn finish_sorts_dedups_and_caps() {
        assert_eq!(&*finish(vec![5, 1, 5, 3], 10), &[1, 3, 5]);
        assert_eq!(&*finish(vec![5, 1, 5, 3], 2), &[1, 3]);
        assert!(finish(Vec::new(), 4).is_empty());
    }

    #[test]
    fn exact_below_the_cap() {
        // |A ∩ B| = 80, |A ∪ B| = 120.
        let (a, b) = (set(0..100, 512), set(20..120, 512));
        assert_eq!(jaccard(&a, &b, 512), 80.0 / 120.0);
        assert_eq!(jaccard(&a, &a, 512), 1.0);
        assert_eq!(jaccard(&a, &set(1000..1100, 512), 512), 0.0);
        assert_eq!(jaccard(&[], &[], 512), 0.0);
        // A strict 0.8 boundary pair: 8 shared of 10.
        let (c, d) = (set(0..9, 512), set(1..10, 512));
        assert_eq!(jaccard(&c, &d, 512), 0.8);
        assert!(jaccard(&set(0..9, 512), &set(2..11, 512), 512) < 0.8);
    }

    #[test]
    fn thresholded_agrees_at_the_boundary() {
        let (c, d) = (set(0..9, 512), set(1..10, 512));
        assert_eq!(jaccard_at_least(&c, &d, 512, 0.8), Some(0.8));
        assert_eq!(jaccard_at_least(&c, &d, 512, 0.81), None);
        assert_eq!(jaccard_at_least(&[], &[], 512, 0.0), Some(0.0));
        assert_eq!(jaccard_at_least(&[], &[], 512, 0.1), None);
        // Size alone rules a pair out: 10 vs 100 elements can share at most a tenth.
        assert_eq!(
            jaccard_at_least(&set(0..10, 512), &set(0..100, 512), 512, 0.2),
            None
        );
        assert_eq!(
            jaccard_at_least(&set(0..10, 512), &set(0..100, 512), 512, 0.1),
            Some(0.1)
        );
    }

    #[test]
    fn fewest_shared_is_the_exact_boundary() {
        for threshold in [0.0, 0.1, 1.0 / 3.0, 0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0] {
            for total in 0..1100 {
                let need = fewest_shared(total, threshold);
                // Two sets share at most the smaller one: half of their total.
                for shared in 0..=total / 2 {
                    let accepted = similarity_of(shared, total, 0, threshold).is_some();
                    assert_eq!(
                        accepted,
                        shared >= need,
                        "total {total}, shared {shared}, threshold {threshold}"
                    );
                }
            }
        }
        // One element short of 0.8 at 100 elements together: 44 / 56 = 0.786. The floor of the
        // real-valued bound, 44, let such pairs through to a merge.
        assert_eq!(fewest_shared(100, 0.8), 45);
        // Both sets empty: no count reaches a threshold above 0.
        assert_eq!(fewest_shared(0, 0.8), 1);
    }

    proptest::proptest! {
        /// The early exit never changes a decision or a value, exact or beyond the cap.
        #[test]
        fn thresholded_equals_full_merge(
            a in proptest::collection::vec(0u32..400, 0..120),
            b in proptest::collection::vec(0u32..400, 0..120),
            cap in prop_oneof_caps(),
            threshold in 0.0f64..1.0,
        ) {
            let (a, b) = (finish(a, cap), finish(b, cap));
            let full = jaccard(&a, &b, cap);
            let expected = (full >= threshold).then_some(full);
            proptest::prop_assert_eq!(jaccard_at_least(&a, &b, cap, threshold), expected);
            for t in [0.5, 0.8, full] {
                proptest::prop_assert_eq!(jaccard_at_least(&a, &b, cap, t), (full >= t).then_some(full));
            }
        }
    }

    proptest::proptest! {
        /// Near-identical sets (one derived from the other by a few edits), where the threshold
        /// decision is close, still agree exactly.
        #[test]
        fn thresholded_equals_full_merge_on_near_copies(
            base in proptest::collection::vec(0u32..100_000, 1..300),
            dropped in proptest::collection::vec(0usize..300, 0..30),
            added in proptest::collection::vec(100_000u32..200_000, 0..30),
            cap in prop_oneof_caps(),
            threshold in 0.6f64..1.0,
        ) {
            let mut other: Vec<u32> = base
                .iter()
                .enumerate()
                .filter(|(i, _)| !dropped.contains(i))
                .map(|(_, v)| *v)
                .collect();
            other.extend(added);
            let (a, b) = (finish(base, cap), finish(other, cap));
            let full = jaccard(&a, &b, cap);
            for t in [threshold, 0.8, full] {
                proptest::prop_assert_eq!(jaccard_at_least(&a, &b, cap, t), (full >= t).then_some(full));
            }
        }
    }

    proptest::proptest! {
        /// A profile never bounds the intersection below its true size, so ruling a pair out by
        /// profile never changes a decision or a value (elements spread over the whole range, as
        /// shingle hashes are, with a shared core so intersections are large).
        #[test]
        fn profiles_never_rule_out_a_similar_pair(
            core in proptest::collection::vec(proptest::num::u32::ANY, 0..200),
            only_a in proptest::collection::vec(proptest::num::u32::ANY, 0..40),
            only_b in proptest::collection::vec(proptest::num::u32::ANY, 0..40),
            cap in prop_oneof_caps(),
            threshold in 0.3f64..1.0,
        ) {
            let a = finish(core.iter().chain(&only_a).copied().collect(), cap);
            let b = finish(core.iter().chain(&only_b).copied().collect(), cap);
            let shared = a.iter().filter(|x| b.binary_search(x).is_ok()).count();
            proptest::prop_assert!(Profile::of(&a).shared_at_most(&Profile::of(&b)) >= shared);
            let (counts_a, counts_b) = (Counts::of(&a), Counts::of(&b));
            proptest::prop_assert!(counts_a.shared_at_most(&counts_b) >= shared);
            let (pa, pb) = (Profiled::new(&a), Profiled::new(&b));
            let full = jaccard(&a, &b, cap);
            for t in [threshold, 0.8, full] {
                let verifier = Verifier::new(cap, t);
                proptest::prop_assert_eq!(verifier.similarity(&pa, &pb), (full >= t).then_some(full));
                if full >= t {
                    proptest::prop_assert!(verifier.may_reach(&pa, &pb));
                    // Truncated sets too (caps from 8 make most of these sets truncated).
                    proptest::prop_assert!(
                        verifier.counts_may_reach((a.len(), &counts_a), (b.len(), &counts_b))
                    );
                }
            }
        }
    }

    #[test]
    fn block_counts_agree_at_every_offset() {
        let x: [u32; BLOCK] = [2, 4, 6, 8, 10, 12, 14, 16];
        for shift in 0..=BLOCK as u32 {
            // `y` holds the elements of `x` from `shift` on, then odd numbers never in `x`.
            let y: [u32; BLOCK] = std::array::from_fn(|k| {
                if (k as u32) < 8 - shift {
                    x[k + shift as usize]
                } else {
                    101 + 2 * k as u32
                }
            });
            let expected = (BLOCK as u32 - shift) as usize;
            assert_eq!(shared_in_blocks(&x, &y), expected);
            assert_eq!(shared_in_blocks(&y, &x), expected);
            // Two one-block sets: their similarity is the block count over the union.
            let got = exact_at_least(&x, &y, 0, 0.0);
            assert_eq!(got, Some(expected as f64 / (2 * BLOCK - expected) as f64));
        }
    }

    #[test]
    fn profiles_rule_out_sets_in_different_ranges() {
        // Equal sizes, so the size alone allows anything; the profiles show they share nothing.
        let low: Box<[u32]> = (0..40u32).map(|i| i << 20).collect();
        let high: Box<[u32]> = (0..40u32).map(|i| u32::MAX - (i << 20)).rev().collect();
        let (pl, ph) = (Profiled::new(&low), Profiled::new(&high));
        assert!(!Verifier::new(512, 0.5).may_reach(&pl, &ph));
        assert!(Verifier::new(512, 1.0).may_reach(&pl, &pl));
        assert_eq!(Verifier::new(512, 1.0).similarity(&pl, &pl), Some(1.0));
        // A truncated set (as long as the cap) gets the bottom-k estimate: never ruled out here.
        assert!(Verifier::new(40, 0.5).may_reach(&pl, &ph));
        assert_eq!(Verifier::new(512, 0.5).similarity(&pl, &ph), None);
    }

    #[test]
    fn a_crowded_range_leaves_a_profile_without_counts() {
        let crowded: Box<[u32]> = (0..300u32).collect();
        assert!(Profile::of(&crowded).crowded);
        assert_eq!(
            Profile::of(&crowded).shared_at_most(&Profile::of(&[1, 2])),
            usize::MAX
        );
        let full_range: Box<[u32]> = (0..255u32).collect();
        let counted = Profile::of(&full_range);
        assert!(!counted.crowded);
        assert_eq!(counted.shared_at_most(&counted), 255);
    }

    #[test]
    fn counts_rule_out_alike_sets_the_profile_lets_through() {
        // 300 shared elements and 60 of each set's own: J = 300 / 420 ≈ 0.71, with 300 + 60
        // elements spread evenly, as hashes are. The 32-range profile allows a J of 0.8; the
        // 256 low-byte buckets, where the sets' own elements rarely meet, do not.
        let spread = |range: std::ops::Range<u64>| -> Vec<u32> {
            range.map(|i| element(mix64(i))).collect()
        };
        let core = spread(0..300);
        let a = finish([core.clone(), spread(1_000..1_060)].concat(), 512);
        let b = finish([core, spread(2_000..2_060)].concat(), 512);
        let verifier = Verifier::new(512, 0.8);
        let (pa, pb) = (Profiled::new(&a), Profiled::new(&b));
        assert!(verifier.may_reach(&pa, &pb));
        assert_eq!(verifier.similarity(&pa, &pb), None);
        let (ca, cb) = (Counts::of(&a), Counts::of(&b));
        assert!(!verifier.counts_may_reach((a.len(), &ca), (b.len(), &cb)));
        assert!(verifier.counts_may_reach((a.len(), &ca), (a.len(), &ca)));
        // Truncated sets get the bottom-k estimate over the union's smallest `cap` elements, and
        // the counts bound it by all the elements the truncated sets share, which is looser: it
        // rules out a pair of J = 150 / 450 (the sets truncated to 256 share about 128).
        let core = spread(0..150);
        let a = finish([core.clone(), spread(1_000..1_150)].concat(), 256);
        let b = finish([core, spread(2_000..2_150)].concat(), 256);
        let capped = Verifier::new(256, 0.8);
        assert_eq!(
            capped.similarity(&Profiled::new(&a), &Profiled::new(&b)),
            None
        );
        let (cta, ctb) = (Counts::of(&a), Counts::of(&b));
        assert!(!capped.counts_may_reach((a.len(), &cta), (b.len(), &ctb)));
        assert!(capped.counts_may_reach((a.len(), &cta), (a.len(), &cta)));
    }

    #[test]
    fn a_crowded_bucket_leaves_counts_without_a_bound() {
        // 300 elements with the same low byte overflow one bucket.
        let crowded: Box<[u32]> = (0..300u32).map(|i| i << 8).collect();
        let counts = Counts::of(&crowded);
        assert!(counts.crowded);
        assert_eq!(counts.shared_at_most(&Counts::of(&[1, 2])), usize::MAX);
        let verifier = Verifier::new(512, 0.9);
        assert!(verifier.counts_may_reach((300, &counts), (2, &Counts::of(&[1, 2]))));
        // 255 in one bucket still count.
        let full: Box<[u32]> = (0..255u32).map(|i| i << 8).collect();
        let counts = Counts::of(&full);
        assert!(!counts.crowded);
        assert_eq!(counts.shared_at_most(&counts), 255);
    }

    fn prop_oneof_caps() -> impl proptest::strategy::Strategy<Value = usize> {
        proptest::prop_oneof![proptest::strategy::Just(512usize), 8usize..64]
    }

    #[test]
    fn bottom_k_estimate_beyond_the_cap() {
        // True J = 8000 / 12000; the estimate over 512 elements is within a few sd (0.021).
        let cap = 512;
        let (a, b) = (set(0..10_000, cap), set(2_000..12_000, cap));
        assert_eq!(a.len(), cap);
        let s = jaccard(&a, &b, cap);
        assert!((s - 2.0 / 3.0).abs() < 0.08, "{s}");
        // A small set against a truncated one: true J = 100 / 10000.
        let small = set(0..100, cap);
        assert!(jaccard(&small, &a, cap) < 0.05);
        // Identical long texts still compare as identical.
        assert_eq!(jaccard(&a, &set(0..10_000, cap), cap), 1.0);
    }
}
