//! One component's shingle sets with its most common elements as bits.
//!
//! A component too large for the coverage split is split star by star, each centre compared
//! with every remaining row, so its cost grows with the square of its rows. At 16M bench rows
//! those components are thousands of variants of one ticket template: every pair shares the
//! template's elements and most sit just under the threshold, where no bound rules them out and
//! each comparison is a full merge of two sets. Here the component's most common elements
//! (the template's, mostly) become one bit each, so a pair's shared common elements are four
//! AND + POPCNT, and only the rest is merged. Elements held by a single row of the component
//! cannot be shared by two of its rows and are left out of the rest (a row's length still
//! counts them). The result is exact: the same integers, so the same similarity, as merging the
//! whole sets.

use crate::sketch::Verifier;

/// Most common elements a row keeps as bits: four 64-bit words.
pub const COMMON_BITS: usize = 256;

const WORDS: usize = COMMON_BITS / 64;

/// One set of a component: its common elements as bits, its length and where its rest is
/// (48 bytes, so a star's scan over the remaining rows reads one contiguous array).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MaskedSet {
    /// Which of the component's common elements the set holds.
    mask: [u64; WORDS],
    /// Its slot in the component.
    slot: u32,
    /// The whole set's length (common, rest and single-row elements).
    len: u32,
    /// Where its rest starts in [`MaskedSets::rest`].
    rest_start: u32,
    /// How many elements its rest holds.
    rest_len: u32,
}

/// The untruncated sets of one component as common-element bits plus the rest, by slot.
#[derive(Debug, Clone, Default)]
pub struct MaskedSets {
    /// Per slot, next to each other: a star reads them in slot order.
    sets: Vec<MaskedSet>,
    /// Every slot's elements that are neither common nor held by one row only, each slot's
    /// sorted.
    rest: Vec<u32>,
    /// Sets of at least this many elements may have been truncated and are not masked.
    cap: usize,
}

const _: () = assert!(size_of::<MaskedSet>() == 48);

impl MaskedSet {
    /// Its slot in the component.
    #[inline]
    pub fn slot(&self) -> usize {
        self.slot as usize
    }
}

impl MaskedSets {
    /// Masks `sets` (the component's sets by slot, each sorted) with up to `common` (at most
    /// [`COMMON_BITS`]) of their most common elements, ties by the smaller element; sets of
    /// `cap` or more elements are left to the whole-set comparison.
    pub fn new(sets: &[&[u32]], cap: usize, common: usize) -> Self {
        assert!(
            common <= COMMON_BITS,
            "at most {COMMON_BITS} common elements"
        );
        let whole = |set: &[u32]| set.len() < cap;
        // (element, slot) for every element of an untruncated set; a stable radix sort keeps
        // slots in order within an element, so it is deterministic and linear.
        let mut held: Vec<(u32, u32)> =
            Vec::with_capacity(sets.iter().filter(|s| whole(s)).map(|s| s.len()).sum());
        for (slot, set) in sets.iter().enumerate() {
            if whole(set) {
                held.extend(set.iter().map(|&e| (e, slot as u32)));
            }
        }
        radsort::sort_by_key(&mut held, |&(element, _)| element);
        let runs: Vec<&[(u32, u32)]> = held.chunk_by(|a, b| a.0 == b.0).collect();
        // The most common elements held by two rows or more, in element order.
        let mut by_count: Vec<(u32, u32)> = runs
            .iter()
            .filter(|run| run.len() >= 2)
            .map(|run| (run.len() as u32, run[0].0))
            .collect();
        if by_count.len() > common {
            by_count.select_nth_unstable_by(common, |a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            by_count.truncate(common);
        }
        let mut chosen: Vec<u32> = by_count.into_iter().map(|(_, element)| element).collect();
        chosen.sort_unstable();

        let mut masked: Vec<MaskedSet> = sets
            .iter()
            .enumerate()
            .map(|(slot, set)| MaskedSet {
                slot: slot as u32,
                len: set.len() as u32,
                ..MaskedSet::default()
            })
            .collect();
        let mut rest_held: Vec<(u32, u32)> = Vec::new();
        let mut next_common = chosen.iter().enumerate().peekable();
        for run in runs {
            let element = run[0].0;
            match next_common.peek() {
                Some(&(bit, &c)) if c == element => {
                    for &(_, slot) in run {
                        masked[slot as usize].mask[bit / 64] |= 1 << (bit % 64);
                    }
                    next_common.next();
                }
                _ if run.len() >= 2 => rest_held.extend(run.iter().map(|&(e, slot)| (slot, e))),
                _ => {}
            }
        }
        // By slot; elements stay ascending within a slot (stable sort of an element-ordered list).
        radsort::sort_by_key(&mut rest_held, |&(slot, _)| slot);
        let rest: Vec<u32> = rest_held.iter().map(|&(_, element)| element).collect();
        let mut start = 0;
        for run in rest_held.chunk_by(|a, b| a.0 == b.0) {
            let set = &mut masked[run[0].0 as usize];
            set.rest_start = start as u32;
            set.rest_len = run.len() as u32;
            start += run.len();
        }
        MaskedSets {
            sets: masked,
            rest,
            cap,
        }
    }

    /// Every slot's set, by slot.
    pub fn sets(&self) -> &[MaskedSet] {
        &self.sets
    }

    /// True when `set` is masked (it was not truncated); a truncated set is compared whole.
    #[inline]
    pub fn is_masked(&self, set: &MaskedSet) -> bool {
        (set.len as usize) < self.cap
    }

    fn rest_of(&self, set: &MaskedSet) -> &[u32] {
        let start = set.rest_start as usize;
        &self.rest[start..start + set.rest_len as usize]
    }

    /// [`Verifier::similarity`] of the sets of two different slots, both masked: the same value
    /// and decision. Always inlined: its popcounts become `POPCNT` instructions only inside the
    /// scan [`crate::popcount`] compiles for them.
    #[inline(always)]
    pub fn similarity(&self, verifier: &Verifier, a: &MaskedSet, b: &MaskedSet) -> Option<f64> {
        debug_assert!(a.slot != b.slot && self.is_masked(a) && self.is_masked(b));
        let common: usize = (0..WORDS)
            .map(|w| (a.mask[w] & b.mask[w]).count_ones() as usize)
            .sum();
        // The bits hold almost all the elements two rows can share, so the rests are short or
        // empty and the verifier decides most pairs without merging them.
        verifier.similarity_with_common(
            (a.len as usize, self.rest_of(a)),
            (b.len as usize, self.rest_of(b)),
            common,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sketch::{Profiled, finish};
    use proptest::prelude::*;

    proptest! {
        /// Masked comparisons give the whole-set comparison's value and decision for every
        /// pair of different rows, whatever the number of common bits (none, some, more than the elements), with
        /// elements of one row, of several and of all, and truncated sets left out.
        #[test]
        fn masked_similarity_equals_the_whole_sets(
            core in proptest::collection::vec(0u32..300, 0..80),
            rows in proptest::collection::vec(
                (proptest::collection::vec(0usize..80, 0..12),
                 proptest::collection::vec(300u32..900, 0..40)),
                2..24,
            ),
            common in 0usize..=COMMON_BITS,
            cap in prop_oneof![Just(512usize), 24usize..96],
            threshold in 0.3f64..1.0,
        ) {
            let sets: Vec<Box<[u32]>> = rows
                .iter()
                .map(|(dropped, extra)| {
                    let elements = core
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| !dropped.contains(i))
                        .map(|(_, e)| *e)
                        .chain(extra.iter().copied())
                        .collect();
                    finish(elements, cap)
                })
                .collect();
            let slices: Vec<&[u32]> = sets.iter().map(|s| &s[..]).collect();
            let masked = MaskedSets::new(&slices, cap, common);
            let profiled: Vec<Profiled<'_>> = slices.iter().map(|s| Profiled::new(s)).collect();
            for t in [threshold, 0.8] {
                let verifier = Verifier::new(cap, t);
                for (x, a) in masked.sets().iter().enumerate() {
                    prop_assert_eq!(masked.is_masked(a), sets[x].len() < cap);
                    for (y, b) in masked.sets().iter().enumerate() {
                        if x != y && masked.is_masked(a) && masked.is_masked(b) {
                            prop_assert_eq!(
                                masked.similarity(&verifier, a, b),
                                verifier.similarity(&profiled[x], &profiled[y]),
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn common_elements_become_bits_and_single_row_elements_drop() {
        // 1 and 2 are in every set, 3 in two, 9 in one.
        let sets: [&[u32]; 3] = [&[1, 2, 3], &[1, 2, 3, 9], &[1, 2]];
        let masked = MaskedSets::new(&sets, 512, 2);
        let [a, b, c] = [0, 1, 2].map(|x| masked.sets[x]);
        assert_eq!(
            (a.mask, b.mask, c.mask),
            ([0b11, 0, 0, 0], [0b11, 0, 0, 0], [0b11, 0, 0, 0])
        );
        assert_eq!(
            (masked.rest_of(&a), masked.rest_of(&b)),
            (&[3][..], &[3][..])
        );
        assert!(masked.rest_of(&c).is_empty());
        assert_eq!((a.len, b.len, c.len), (3, 4, 2));
        // |{1,2,3} ∩ {1,2,3,9}| = 3 of 4.
        let verifier = Verifier::new(512, 0.7);
        assert_eq!(masked.similarity(&verifier, &a, &b), Some(0.75));
        assert_eq!(masked.similarity(&verifier, &b, &c), None);
    }

    #[test]
    fn truncated_sets_are_not_masked() {
        let sets: [&[u32]; 2] = [&[1, 2, 3, 4], &[1, 2]];
        let masked = MaskedSets::new(&sets, 4, COMMON_BITS);
        assert!(!masked.is_masked(&masked.sets()[0]));
        assert!(masked.is_masked(&masked.sets()[1]));
        assert_eq!(masked.sets[0].mask, [0; WORDS]);
    }
}
