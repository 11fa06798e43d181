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
    kernel: Kernel,
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
        MinHasher {
            a,
            b,
            kernel: Kernel::detect(),
        }
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

    /// Folds every hash of `shingles` into `slots` (the order never matters), computed with the
    /// widest vector instructions this CPU has.
    pub fn update_many(&self, slots: &mut [u32], shingles: &[u64]) {
        match self.kernel {
            Kernel::Portable => fold_scalar(slots, &self.a, &self.b, shingles),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2(proof) => x86::fold_avx2(proof, slots, &self.a, &self.b, shingles),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512(proof) => x86::fold_avx512(proof, slots, &self.a, &self.b, shingles),
        }
    }
}

/// How shingles are folded into slots. MinHash is a tenth of a full pipeline run, and the 64-bit
/// multiplies of 128 permutations only vectorise with AVX2 (emulated, 2.5× the scalar speed) or
/// AVX-512DQ (native, 3.5×); the baseline x86-64 target has neither, so the CPU is asked once at
/// construction. Every kernel computes the same integers, so signatures never depend on it.
#[derive(Debug, Clone, Copy)]
enum Kernel {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2(x86::Avx2),
    #[cfg(target_arch = "x86_64")]
    Avx512(x86::Avx512),
}

impl Kernel {
    fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if let Some(proof) = x86::Avx512::detect() {
                return Kernel::Avx512(proof);
            }
            if let Some(proof) = x86::Avx2::detect() {
                return Kernel::Avx2(proof);
            }
        }
        Kernel::Portable
    }
}

/// The scalar fold: the compare-and-store form is faster than `min` without vector units.
fn fold_scalar(slots: &mut [u32], a: &[u64], b: &[u64], shingles: &[u64]) {
    for &h in shingles {
        for ((slot, a), b) in slots.iter_mut().zip(a).zip(b) {
            let v = permute(*a, *b, h);
            if v < *slot {
                *slot = v;
            }
        }
    }
}

/// The vector fold: branch-free, so the compiler turns each permutation row into lanes.
#[inline(always)]
fn fold_branch_free(slots: &mut [u32], a: &[u64], b: &[u64], shingles: &[u64]) {
    for &h in shingles {
        for ((slot, a), b) in slots.iter_mut().zip(a).zip(b) {
            *slot = (*slot).min(permute(*a, *b, h));
        }
    }
}

/// Permutation `(a, b)` applied to shingle hash `h`: the high half of `a · h + b` (mod 2⁶⁴).
#[inline(always)]
fn permute(a: u64, b: u64, h: u64) -> u32 {
    (a.wrapping_mul(h).wrapping_add(b) >> 32) as u32
}

/// The x86-64 kernels: the branch-free fold compiled with AVX2 or AVX-512 enabled.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod x86 {
    /// Evidence that this CPU runs AVX2; only [`Avx2::detect`] makes one.
    #[derive(Debug, Clone, Copy)]
    pub(super) struct Avx2(());

    impl Avx2 {
        pub(super) fn detect() -> Option<Self> {
            std::arch::is_x86_feature_detected!("avx2").then_some(Avx2(()))
        }
    }

    /// Evidence that this CPU runs AVX-512F and AVX-512DQ; only [`Avx512::detect`] makes one.
    #[derive(Debug, Clone, Copy)]
    pub(super) struct Avx512(());

    impl Avx512 {
        pub(super) fn detect() -> Option<Self> {
            (std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512dq"))
            .then_some(Avx512(()))
        }
    }

    pub(super) fn fold_avx2(_: Avx2, slots: &mut [u32], a: &[u64], b: &[u64], h: &[u64]) {
        // SAFETY: an `Avx2` exists only when the CPU reported AVX2, the one requirement of a
        // function whose only unsafety is its target feature.
        unsafe { avx2(slots, a, b, h) }
    }

    pub(super) fn fold_avx512(_: Avx512, slots: &mut [u32], a: &[u64], b: &[u64], h: &[u64]) {
        // SAFETY: an `Avx512` exists only when the CPU reported AVX-512F and AVX-512DQ.
        unsafe { avx512(slots, a, b, h) }
    }

    #[target_feature(enable = "avx2")]
    fn avx2(slots: &mut [u32], a: &[u64], b: &[u64], h: &[u64]) {
        super::fold_branch_free(slots, a, b, h);
    }

    #[target_feature(enable = "avx512f,avx512dq")]
    fn avx512(slots: &mut [u32], a: &[u64], b: &[u64], h: &[u64]) {
        super::fold_branch_free(slots, a, b, h);
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
        let hashes: Vec<u64> = items.into_iter().map(mix64).collect();
        h.update_many(&mut s, &hashes);
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
    fn every_kernel_computes_the_same_slots() {
        let h = MinHasher::new(96);
        let mut state = 7u64;
        let shingles: Vec<u64> = (0..5000)
            .map(|_| {
                state = mix64(state);
                state
            })
            .collect();
        let mut expected = h.start();
        fold_scalar(&mut expected, &h.a, &h.b, &shingles);
        let mut branch_free = h.start();
        fold_branch_free(&mut branch_free, &h.a, &h.b, &shingles);
        assert_eq!(branch_free, expected);
        // The detected kernel, in several calls of uneven size.
        let mut detected = h.start();
        for part in shingles.chunks(37) {
            h.update_many(&mut detected, part);
        }
        assert_eq!(detected, expected);
        #[cfg(target_arch = "x86_64")]
        {
            if let Some(proof) = x86::Avx2::detect() {
                let mut avx2 = h.start();
                x86::fold_avx2(proof, &mut avx2, &h.a, &h.b, &shingles);
                assert_eq!(avx2, expected);
            }
            if let Some(proof) = x86::Avx512::detect() {
                let mut avx512 = h.start();
                x86::fold_avx512(proof, &mut avx512, &h.a, &h.b, &shingles);
                assert_eq!(avx512, expected);
            }
        }
        // A slot only ever falls to a permuted value: folding nothing changes nothing.
        let mut untouched = h.start();
        h.update_many(&mut untouched, &[]);
        assert_eq!(untouched, h.start());
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
