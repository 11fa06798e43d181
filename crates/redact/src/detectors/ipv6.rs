//! `ipv6` (IP_ADDRESS): IPv6 addresses, validated by parsing with `std::net::Ipv6Addr`.

use super::boundary::{Resume, byte_after, byte_before};
use super::simple::Simple;
use crate::detector::{Detector, DetectorInfo, TextStats};
use crate::segments::{Class, Scope};
use std::net::Ipv6Addr;
use std::ops::Range;

/// Description shown by `sluice explain ipv6`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "ipv6",
    entity: "IP_ADDRESS",
    is_secret: false,
    summary: "IPv6 addresses (full, compressed `::`, IPv4-mapped), parsed by std.",
    doc: "Detects IPv6 addresses: a maximal run of hex digits, colons and dots with at least two \
colons and one digit that parses as `std::net::Ipv6Addr` (full form, `::` compression, \
IPv4-mapped `::ffff:192.0.2.1`). A zone id (`%eth0`) is left outside the span. The run must not \
touch ASCII letters, digits or `_`, so `std::vec` or `a::b` paths are not addresses.\n\
Loopback, unique-local, link-local, documentation and IPv4-mapped non-public addresses are \
redacted too unless the stage sets `keep_private_ip = true`.\n\
Why it matters: an IPv6 address often embeds a device's MAC and identifies a household.\n\
Example: `来源 2001:db8::8a2e:370:7334 登录` -> `来源 <IP_ADDRESS> 登录`.",
};

const PATTERN: &str = "[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*";

/// True for addresses that identify no one on the public internet: loopback, unspecified,
/// unique local (fc00::/7), link-local (fe80::/10), documentation (2001:db8::/32), discard-only
/// (100::/64), benchmarking (2001:2::/48), and IPv4-mapped or -compatible forms of non-public IPv4
/// addresses. `keep_private_ip` leaves these unredacted.
pub(crate) fn is_non_public(addr: Ipv6Addr) -> bool {
    let s = addr.segments();
    if let Some(v4) = addr.to_ipv4_mapped() {
        return super::ipv4::is_non_public(v4);
    }
    addr.is_loopback()
        || addr.is_unspecified()
        || (s[0] & 0xfe00) == 0xfc00
        || (s[0] & 0xffc0) == 0xfe80
        || (s[0] == 0x2001 && s[1] == 0x0db8)
        || (s[0] == 0x0100 && s[1] == 0 && s[2] == 0 && s[3] == 0)
        || (s[0] == 0x2001 && s[1] == 0x0002 && s[2] == 0)
}

fn accept(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    let candidate = text[range.clone()].trim_end_matches('.');
    let range = range.start..range.start + candidate.len();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let glued = byte_before(text, range.start).is_some_and(word)
        || byte_after(text, range.end).is_some_and(word);
    let ok = !glued
        && candidate.bytes().filter(|b| *b == b':').count() >= 2
        && candidate.bytes().any(|b| b.is_ascii_digit())
        && candidate.parse::<Ipv6Addr>().is_ok();
    ok.then_some(range)
}

/// Every match lies in one token run (see `segments`); the condition is necessary for one.
const SCOPE: Scope = Scope {
    class: Class::Token,
    qualifies: |s| s.colons >= 2 && s.digits >= 1,
    overhang: 0,
};

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Simple::scoped(
        &INFO,
        PATTERN,
        Resume::AfterEnd,
        |s: &TextStats| s.colons >= 2,
        accept,
        SCOPE,
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_util::found_code;

    fn ips(text: &str) -> Vec<String> {
        found_code("ipv6", text)
    }

    #[test]
    fn finds_full_compressed_and_mapped_forms() {
        assert_eq!(
            ips("来源2001:db8::8a2e:370:7334登录"),
            vec!["2001:db8::8a2e:370:7334"]
        );
        assert_eq!(
            ips("ip 2001:0db8:85a3:0000:0000:8a2e:0370:7334."),
            vec!["2001:0db8:85a3:0000:0000:8a2e:0370:7334"]
        );
        assert_eq!(ips("::ffff:192.168.1.1"), vec!["::ffff:192.168.1.1"]);
        assert_eq!(ips("fe80::1%eth0"), vec!["fe80::1"]);
        assert_eq!(ips("loopback ::1"), vec!["::1"]);
    }

    #[test]
    fn non_public_ranges() {
        use super::is_non_public;
        for kept in [
            "::1",
            "::",
            "fd12:3456:789a::1",
            "fe80::1",
            "2001:db8::8a2e:370:7334",
            "::ffff:192.168.1.1",
            "100::1",
        ] {
            assert!(is_non_public(kept.parse().unwrap()), "{kept}");
        }
        for public in [
            "2001:4860:4860::8888",
            "2400:cb00::1",
            "::ffff:8.8.8.8",
            "ff02::1",
        ] {
            assert!(!is_non_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn rejects_times_paths_and_invalid_groups() {
        for text in [
            "12:30:45",
            "std::vec::Vec",
            "a::b",
            "2001:db8::g1",
            "1:2:3:4:5:6:7:8:9",
            "::",
            "10:30",
        ] {
            assert!(ips(text).is_empty(), "{text}");
        }
    }
}
