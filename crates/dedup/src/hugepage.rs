//! Asking the kernel to back a large, randomly read array with 2 MiB pages.
//!
//! Candidate verification reads two rows of a gigabyte-sized array at random per pair (16M bench
//! rows); with 4 KiB pages nearly every read also misses the TLB and walks the page tables.

use std::mem::MaybeUninit;

/// Advises the kernel to back the whole 4 KiB pages of `spare` (memory not yet written, so not
/// yet faulted in) with transparent huge pages. A hint: it changes no value and never fails the
/// run; outside Linux it does nothing.
pub fn advise_huge_pages<T>(spare: &mut [MaybeUninit<T>]) {
    #[cfg(target_os = "linux")]
    linux::advise(spare.as_mut_ptr().cast(), std::mem::size_of_val(spare));
    #[cfg(not(target_os = "linux"))]
    let _ = spare;
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
mod linux {
    const PAGE: usize = 4096;

    pub(super) fn advise(start: *mut u8, len: usize) {
        let first = (start as usize).next_multiple_of(PAGE);
        let end = (start as usize + len) / PAGE * PAGE;
        if end <= first {
            return;
        }
        // SAFETY: [first, end) lies inside one live allocation the caller holds exclusively;
        // MADV_HUGEPAGE only changes how the kernel backs those pages, never their contents or
        // mapping, and an error (no THP support) leaves them as they were.
        let _ =
            unsafe { libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advised_memory_holds_what_is_written_after() {
        // Large enough to span whole 2 MiB regions, and small cases that cover no whole page.
        for len in [0usize, 1, 1000, 3 << 20] {
            let mut values: Vec<u64> = Vec::with_capacity(len);
            advise_huge_pages(values.spare_capacity_mut());
            values.extend((0..len as u64).map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
            assert_eq!(values.len(), len);
            assert!(
                values
                    .iter()
                    .enumerate()
                    .all(|(i, &v)| v == (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
            );
        }
    }

    #[test]
    fn an_unaligned_slice_inside_one_page_is_left_alone() {
        let mut buffer: Vec<u8> = Vec::with_capacity(64);
        let spare = buffer.spare_capacity_mut();
        advise_huge_pages(&mut spare[3..40]);
        buffer.extend_from_slice(&[7; 64]);
        assert_eq!(buffer, vec![7; 64]);
    }
}
