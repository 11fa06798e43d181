//! Peak resident memory per phase of a run, for the summary and the benchmark: the kernel's
//! high-water mark (`VmHWM`) is read after each phase and then reset, so each figure is the
//! phase's own peak. Linux only; elsewhere nothing is measured.

/// The peak resident set size since the last call (or the process start), in bytes, and resets
/// the high-water mark. `None` where `/proc` does not offer it.
pub(crate) fn take_peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    // "5" resets the peak RSS to the current RSS (Linux 4.0+); failing leaves a running maximum.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn peaks_are_measured_and_reset() {
        let first = take_peak_rss().expect("Linux has /proc/self/status");
        assert!(first > 0);
        let big = vec![1u8; 64 << 20];
        std::hint::black_box(&big);
        let with_big = take_peak_rss().unwrap();
        drop(big);
        let after = take_peak_rss().unwrap();
        assert!(with_big >= 64 << 20, "the 64 MiB buffer shows: {with_big}");
        assert!(after < with_big, "the mark was reset: {after} < {with_big}");
    }
}
