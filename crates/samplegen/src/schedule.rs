//! Which records become duplicates or defects. Decisions come from their own random stream, so
//! editing a template changes record contents but not which rows are duplicates or defective.

use crate::rng::Rng;
use crate::text::Variant;
use crate::truth::RowRef;

/// Roughly 1 record in 40 is defective (2.5 %).
pub const DEFECT_ONE_IN: u64 = 40;
/// Roughly 1 record in 25 is a planted duplicate (4 %).
pub const DUPLICATE_ONE_IN: u64 = 25;

/// What the next record should be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// A fresh, valid, unique record.
    Clean,
    /// A copy of an earlier clean record.
    Duplicate(Variant),
    /// The defect with this index in the dataset's defect list.
    Defect(usize),
}

/// Draws the plan of each record; defect kinds are dealt round-robin so every kind appears as
/// soon as there are as many defects as kinds.
pub struct Schedule {
    rng: Rng,
    defect_kinds: usize,
    next_defect: usize,
    next_variant: usize,
}

impl Schedule {
    /// A schedule for a dataset with `defect_kinds` kinds of defect.
    pub fn new(rng: Rng, defect_kinds: usize) -> Self {
        Schedule {
            rng,
            defect_kinds,
            next_defect: 0,
            next_variant: 0,
        }
    }

    /// The plan for the next record; `can_duplicate` is false while there is nothing to copy.
    pub fn next(&mut self, can_duplicate: bool) -> Plan {
        if self.defect_kinds > 0 && self.rng.one_in(DEFECT_ONE_IN) {
            let kind = self.next_defect % self.defect_kinds;
            self.next_defect += 1;
            return Plan::Defect(kind);
        }
        if can_duplicate && self.rng.one_in(DUPLICATE_ONE_IN) {
            let variant = Variant::ALL[self.next_variant % Variant::ALL.len()];
            self.next_variant += 1;
            return Plan::Duplicate(variant);
        }
        Plan::Clean
    }

    /// True with probability 1 / `n`, from the schedule's stream (for blank lines and the like).
    pub fn one_in(&mut self, n: u64) -> bool {
        self.rng.one_in(n)
    }
}

/// The most recent clean records, from which duplicates are copied. Bounded so memory does not
/// grow with `--scale`.
pub struct Pool<T> {
    items: Vec<(T, RowRef)>,
    next_slot: usize,
}

/// How many recent records a duplicate may copy from.
const POOL_SIZE: usize = 64;

impl<T> Default for Pool<T> {
    fn default() -> Self {
        Pool {
            items: Vec::with_capacity(POOL_SIZE),
            next_slot: 0,
        }
    }
}

impl<T> Pool<T> {
    /// Remembers a clean record written at `at`, evicting the oldest when full.
    pub fn push(&mut self, item: T, at: RowRef) {
        if self.items.len() < POOL_SIZE {
            self.items.push((item, at));
        } else {
            self.items[self.next_slot] = (item, at);
            self.next_slot = (self.next_slot + 1) % POOL_SIZE;
        }
    }

    /// True when nothing has been remembered yet.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// A remembered record chosen by `rng`.
    pub fn pick(&self, rng: &mut Rng) -> Option<&(T, RowRef)> {
        if self.items.is_empty() {
            return None;
        }
        self.items.get(rng.below(self.items.len() as u64) as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(row: u64) -> RowRef {
        RowRef {
            file: "f".into(),
            row,
            line: row + 1,
        }
    }

    #[test]
    fn rates_are_close_to_the_targets_and_kinds_rotate() {
        let mut schedule = Schedule::new(Rng::new(1), 3);
        let (mut defects, mut dups) = (Vec::new(), 0);
        for _ in 0..20_000 {
            match schedule.next(true) {
                Plan::Defect(k) => defects.push(k),
                Plan::Duplicate(_) => dups += 1,
                Plan::Clean => {}
            }
        }
        assert!((400..600).contains(&defects.len()), "{}", defects.len());
        assert!((650..900).contains(&dups), "{dups}");
        assert_eq!(&defects[..4], &[0, 1, 2, 0]);
    }

    #[test]
    fn no_duplicates_without_a_source_and_no_defects_without_kinds() {
        let mut schedule = Schedule::new(Rng::new(2), 0);
        for _ in 0..5_000 {
            assert_eq!(schedule.next(false), Plan::Clean);
        }
    }

    #[test]
    fn pool_is_bounded_and_keeps_recent_items() {
        let mut pool = Pool::default();
        let mut rng = Rng::new(3);
        assert!(pool.pick(&mut rng).is_none());
        for i in 0..200 {
            pool.push(i, at(i));
        }
        assert_eq!(pool.items.len(), POOL_SIZE);
        for _ in 0..500 {
            let (item, at) = pool.pick(&mut rng).unwrap();
            assert!(*item >= 200 - POOL_SIZE as u64);
            assert_eq!(at.row, *item);
        }
    }
}
