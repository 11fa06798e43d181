//! MinHash signatures computed streaming: each shingle hash updates `k` running minima, so memory
//! is `k` slots per text, never a shingles × permutations matrix.
//!
//! Permutation `i` is the multiply-shift hash `(a_i · h + b_i) >> 32` over the 64-bit shingle hash
//! `h`, with `a_i` (odd) and `b_i` drawn from a fixed-seed splitmix64 stream, so signatures are
//! identical on every machine and run. Slots are 32-bit: a spurious slot collision has
//! probability 2⁻³², far below the estimator's own error.

use crate::shingle::mix64;

/// A text's MinHash signature: one minimum per permutation.
pub type Signature = Box<[u32]>;

const SEED: u64 = 0x0005_11CE_DED0_0001;

/// The `k` seeded hash functions.
#[derive(Debug, Clone)]
pub struct MinHasher {
    a: Vec<u64>,
    b: Vec<u64>,
}

impl MinHasher {
    /// `permutations` seeded hash functions.
    pub fn new(permutations: usize) -> Self {
        let mut state = SEED;
        let mut next = || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            mix64(state)
        };
        let mut a = Vec::with_capacity(permutations);
        let mut b = Vec::with_capacity(permutations);
        for _ in 0..permutations {
            a.push(next() | 1);
            b.push(next());
        }
        MinHasher { a, b }
    }

    /// Number of permutations.
    pub fn len(&self) -> usize {
        self.a.len()
    }

    /// True when there are no permutations.
    pub fn is_empty(&self) -> bool {
        self.a.is_empty()
    }

    /// A fresh accumulator (all slots at the maximum).
    pub fn start(&self) -> Vec<u32> {
        vec![u32::MAX; self.a.len()]
    }

    /// Folds one shingle hash into `slots`.
    pub fn update(&self, slots: &mut [u32], shingle: u64) {
        for ((slot, a), b) in slots.iter_mut().zip(&self.a).zip(&self.b) {
            let v = (a.wrapping_mul(shingle).wrapping_add(*b) >> 32) as u32;
            if v < *slot {
                *slot = v;
            }
        }
    }
}

/// Estimated Jaccard similarity: the fraction of equal slots.
pub fn similarity(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() || a.len() != b.len() {
        return 0.0;
    }
    let equal = a.iter().zip(b).filter(|(x, y)| x == y).count();
    equal as f64 / a.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(h: &MinHasher, items: impl IntoIterator<Item = u64>) -> Vec<u32> {
        let mut s = h.start();
        for i in items {
            h.update(&mut s, mix64(i));
        }
        s
    }

    #[test]
    fn estimate_tracks_true_jaccard() {
        let h = MinHasher::new(256);
        // |A ∩ B| = 80, |A ∪ B| = 120 → J = 0.667.
        let a = sig(&h, 0..100);
        let b = sig(&h, 20..120);
        let s = similarity(&a, &b);
        assert!((s - 2.0 / 3.0).abs() < 0.1, "{s}");
        assert_eq!(similarity(&a, &sig(&h, (0..100).rev())), 1.0);
        assert!(similarity(&a, &sig(&h, 1000..1100)) < 0.05);
    }

    #[test]
    fn seeded_and_reproducible() {
        let a = MinHasher::new(16);
        let b = MinHasher::new(16);
        assert_eq!(sig(&a, 0..10), sig(&b, 0..10));
        assert_eq!(a.len(), 16);
        assert_eq!(similarity(&[], &[]), 0.0);
    }
}
