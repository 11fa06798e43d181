//! Peak resident memory as a run goes, for the summary and the benchmark: the kernel's
//! high-water mark (`VmHWM`) after each phase. It is never reset (resetting it would also reset
//! what `getrusage` and `/usr/bin/time` report), so each figure is the peak so far; the phase
//! where it rises is the one that needed the memory. Linux only; elsewhere nothing is measured.

/// The process's peak resident set size so far, in bytes; `None` where `/proc` does not offer
/// it.
pub(crate) fn peak_rss_so_far() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn the_peak_includes_what_was_allocated() {
        let big = vec![1u8; 64 << 20];
        std::hint::black_box(&big);
        let with_big = peak_rss_so_far().expect("Linux has /proc/self/status");
        drop(big);
        // The kernel's RSS counters are per-thread caches synced lazily and other tests share the
        // process, so only a lower bound is certain.
        assert!(with_big >= 60 << 20, "the 64 MiB buffer shows: {with_big}");
    }
}
