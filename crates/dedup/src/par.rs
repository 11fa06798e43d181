//! Joining per-batch results into one array on every thread.
//!
//! The decision step gathers per-row facts from a hundred-odd batches into flat arrays. Joined
//! with `concat` or a serial `push` loop, each array is written by one thread while the others
//! wait, and most of that time is the kernel handing out the array's fresh pages (at a million
//! rows these joins were about 0.4 s of the two-thread dedup phase, nearly all of it page faults).
//! Copying through an indexed parallel iterator writes each part of the result on the thread
//! that copies it.

use rayon::prelude::*;

/// Rows copied per parallel task: enough to amortise the task, small enough to share the work.
const ROWS_PER_TASK: usize = 1 << 14;

/// `parts` joined in order (what `parts.concat()` gives), copied in parallel.
pub fn par_concat<T: Copy + Send + Sync>(parts: &[Vec<T>]) -> Vec<T> {
    let mut starts = Vec::with_capacity(parts.len());
    let mut total = 0;
    for part in parts {
        starts.push(total);
        total += part.len();
    }
    (0..total)
        .into_par_iter()
        .with_min_len(ROWS_PER_TASK)
        .map(|j| {
            // The last part starting at or before `j`: empty parts share their start with the
            // next part, so the one found is the non-empty part that holds `j`.
            let p = starts.partition_point(|&start| start <= j) - 1;
            parts[p][j - starts[p]]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any parts, empty ones anywhere included, join to what `concat` gives.
        #[test]
        fn joins_like_concat(parts in proptest::collection::vec(
            proptest::collection::vec(any::<u16>(), 0..40), 0..12)) {
            prop_assert_eq!(par_concat(&parts), parts.concat());
        }
    }

    #[test]
    fn joins_more_rows_than_one_task_holds() {
        let parts: Vec<Vec<u32>> = (0..5u32)
            .map(|p| {
                (0..ROWS_PER_TASK as u32 / 3 + p)
                    .map(|i| p << 24 | i)
                    .collect()
            })
            .collect();
        assert_eq!(par_concat(&parts), parts.concat());
    }
}
