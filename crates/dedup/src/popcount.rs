//! Scans that count bits, compiled with the CPU's `POPCNT` instruction when it has one.
//!
//! The rule split of a large component compares its centre with every remaining row by four
//! AND + popcount of 64-bit masks ([`crate::masked`]). The x86-64 baseline the binary is built
//! for predates `POPCNT`, so without this `u64::count_ones` compiles to a dozen shifts, masks
//! and adds per word, and the comparison was compute-bound at about 9 ns. A scan here runs its
//! [`Keep`] inside a function compiled with `POPCNT` enabled, chosen once per run by run-time
//! detection, as [`crate::minhash`] chooses its vector kernel. Both paths compute the same
//! integers, so the outputs do not depend on the CPU.

/// What a scan keeps of each item. Implementations mark `keep` `#[inline(always)]`: only code
/// inlined into the scan is compiled with `POPCNT` (a closure is not enough: the compiler left the
/// star scan's out of line, and its `count_ones` with it).
pub trait Keep<T> {
    /// What is kept of an item.
    type Kept;
    /// What to keep of `item`, if anything.
    fn keep(&mut self, item: &T) -> Option<Self::Kept>;
}

/// How a scan counts bits: with the `POPCNT` instruction, or portably.
#[derive(Debug, Clone, Copy)]
pub struct BitCounter {
    #[cfg(target_arch = "x86_64")]
    popcnt: Option<x86::Popcnt>,
}

impl BitCounter {
    /// The fastest way this CPU has.
    pub fn detect() -> Self {
        BitCounter {
            #[cfg(target_arch = "x86_64")]
            popcnt: x86::Popcnt::detect(),
        }
    }

    /// The portable way, whatever the CPU (for tests comparing the two).
    pub fn portable() -> Self {
        BitCounter {
            #[cfg(target_arch = "x86_64")]
            popcnt: None,
        }
    }

    /// `keep` applied to every item of `items` in order, collecting what it returns; `keep` is
    /// compiled into the scan's loop, with `POPCNT` when the CPU has it.
    #[inline]
    pub fn filter_map<T, K: Keep<T>>(&self, items: &[T], keep: K) -> Vec<K::Kept> {
        #[cfg(target_arch = "x86_64")]
        if let Some(proof) = self.popcnt {
            return x86::filter_map_popcnt(proof, items, keep);
        }
        filter_map_portable(items, keep)
    }
}

// A plain loop rather than `filter_map(..).collect()`: the collect is a call of its own, which
// the compiler does not inline, so the loop would run outside the function compiled with
// `POPCNT`.
#[inline(always)]
fn filter_map_portable<T, K: Keep<T>>(items: &[T], mut keep: K) -> Vec<K::Kept> {
    let mut kept = Vec::new();
    for item in items {
        if let Some(r) = keep.keep(item) {
            kept.push(r);
        }
    }
    kept
}

/// The x86-64 scan: the same loop compiled with `POPCNT` enabled.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod x86 {
    /// Evidence that this CPU runs `POPCNT`; only [`Popcnt::detect`] makes one.
    #[derive(Debug, Clone, Copy)]
    pub(super) struct Popcnt(());

    impl Popcnt {
        pub(super) fn detect() -> Option<Self> {
            std::arch::is_x86_feature_detected!("popcnt").then_some(Popcnt(()))
        }
    }

    #[inline]
    pub(super) fn filter_map_popcnt<T, K: super::Keep<T>>(
        _: Popcnt,
        items: &[T],
        keep: K,
    ) -> Vec<K::Kept> {
        // SAFETY: a `Popcnt` exists only when the CPU reported POPCNT, the one requirement of a
        // function whose only unsafety is its target feature.
        unsafe { popcnt(items, keep) }
    }

    #[target_feature(enable = "popcnt")]
    fn popcnt<T, K: super::Keep<T>>(items: &[T], keep: K) -> Vec<K::Kept> {
        super::filter_map_portable(items, keep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Words with at least so many bits set, and how many.
    #[derive(Clone, Copy)]
    struct AtLeast(u32);

    impl Keep<[u64; 4]> for AtLeast {
        type Kept = u32;
        #[inline(always)]
        fn keep(&mut self, words: &[u64; 4]) -> Option<u32> {
            let bits: u32 = words.iter().map(|x| x.count_ones()).sum();
            (bits >= self.0).then_some(bits)
        }
    }

    proptest! {
        /// Every way to count gives the same bits and keeps the same items in order.
        #[test]
        fn every_counter_keeps_the_same_items(words in proptest::collection::vec(any::<[u64; 4]>(), 0..200), at_least in 0u32..256) {
            let keep = AtLeast(at_least);
            let expected: Vec<u32> = words.iter().filter_map(|w| keep.clone().keep(w)).collect();
            prop_assert_eq!(&BitCounter::portable().filter_map(&words, keep), &expected);
            prop_assert_eq!(&BitCounter::detect().filter_map(&words, keep), &expected);
        }
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn an_x86_64_cpu_of_this_century_has_popcnt() {
        // Every x86-64 CPU since 2008 has POPCNT; the CI machines certainly do, so the fast path
        // is the one the other tests exercise.
        assert!(BitCounter::detect().popcnt.is_some());
        assert!(BitCounter::portable().popcnt.is_none());
    }
}
