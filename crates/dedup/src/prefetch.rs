//! Asking the CPU to start loading memory that is about to be read.
//!
//! Near-dup verification reads two small shingle sets at random rows for every candidate pair;
//! with tens of millions of pairs the loop waits on memory, not on arithmetic. Prefetching the
//! sets of a pair a few pairs ahead overlaps those waits.

/// Starts loading the cache line holding `at` into every cache level; never faults, whatever
/// the address, and changes no result.
#[inline(always)]
pub fn prefetch<T>(at: *const T) {
    #[cfg(target_arch = "x86_64")]
    x86::prefetch(at.cast());
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod x86 {
    use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};

    #[inline(always)]
    pub(super) fn prefetch(at: *const i8) {
        // SAFETY: `_mm_prefetch` needs SSE, which every x86-64 CPU has (it is in the target's
        // baseline), and a prefetch is a hint that neither dereferences nor faults on any address.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(at) }
    }
}

#[cfg(test)]
mod tests {
    use super::prefetch;

    #[test]
    fn prefetching_any_address_is_harmless() {
        let data = [1u32, 2, 3];
        prefetch(data.as_ptr());
        prefetch(data.as_ptr().wrapping_add(1 << 40));
        prefetch(std::ptr::null::<u8>());
        prefetch(usize::MAX as *const u64);
        assert_eq!(data, [1, 2, 3]);
    }
}
