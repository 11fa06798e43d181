//! `ipv4` (IP_ADDRESS): dotted-quad IPv4 addresses, validated by parsing.

use super::boundary::{Pattern, Resume, byte_before, scan_in};
use crate::detector::{Detector, DetectorInfo, Settled, TextStats};
use crate::segments::{Class, Scope, Window};
use std::net::Ipv4Addr;
use std::ops::Range;

/// Description shown by `sluice explain ipv4`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "ipv4",
    entity: "IP_ADDRESS",
    is_secret: false,
    summary: "IPv4 addresses in dotted-quad form, parsed (no 300, no leading zeros).",
    doc: "Detects IPv4 addresses: four decimal parts separated by dots that parse as \
`std::net::Ipv4Addr` (each part 0-255, no leading zeros, so `192.168.1.300` and `192.168.01.1` \
are rejected). The whole dotted run of digits is judged at once, so `31234.5.6.78` and \
`8.8.8.8000` are rejected rather than yielding a valid-looking slice, and `1.2.3.4.5` is not an \
address. A run written right after a stand-alone `v`, `V`, `version` or `版本` (optionally with a \
space or colon) is a version number and is skipped; `dev1.2.3.4` is still an address. Private, loopback and other non-public addresses are redacted \
too unless the stage sets `keep_private_ip = true`, which keeps 10/8, 172.16/12, 192.168/16, \
127/8, 169.254/16, 100.64/10, 0/8, 192.0.0/24, the documentation nets 192.0.2/24, \
198.51.100/24 and 203.0.113/24, 198.18/15, 240/4 and 255.255.255.255 (multicast is redacted).\n\
Why it matters: an IP address can identify a household or a device and is personal data under \
GDPR and PIPL; it appears in maintenance logs and support tickets.\n\
Example: `登录IP 203.0.113.7 异常` -> `登录IP <IP_ADDRESS> 异常`.",
};

/// A maximal dotted run of digit groups; the part count and values are checked in code.
pub(crate) const PATTERN: &str = r"[0-9]+(?:\.[0-9]+)+";

/// Bytes before an address searched for a version label.
const LABEL_REACH: usize = 32;

/// True when the text before `start` marks a version number (`v1.2.3.4`, `version: 1.2.3.4`).
/// The label must stand on its own: preceded by nothing, a space, Han or punctuation, but not by
/// a letter, digit or e-mail character, so `dev1.2.3.4` is an address and a label that is really
/// the end of an e-mail domain (`a@b.version 1.2.3.4`) is no label. That keeps the decision the
/// same once the e-mail has been replaced by its placeholder.
fn after_version_label(text: &str, start: usize) -> bool {
    let before = &text[..start];
    let stands_alone = |label_start: usize| {
        byte_before(text, label_start).is_none_or(|b| {
            !(b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-' | b'@'))
        })
    };
    if before.ends_with(['v', 'V']) {
        return stands_alone(start - 1);
    }
    // Only the last bytes count, so the decision stays within the scope's reach (see
    // `segments::REACH`): a label followed by dozens of spaces or colons is no label.
    let mut from = start.saturating_sub(LABEL_REACH);
    while !before.is_char_boundary(from) {
        from += 1;
    }
    let label = before[from..].trim_end_matches([' ', ':']);
    if label.ends_with("版本") {
        return true;
    }
    let word = "version".len();
    label.len() >= word
        && label.is_char_boundary(label.len() - word)
        && label[label.len() - word..].eq_ignore_ascii_case("version")
        && stands_alone(from + label.len() - word)
}

/// True for addresses that identify no one on the public internet: private, loopback,
/// link-local, shared (CGNAT), unspecified, documentation, benchmarking, reserved and broadcast.
/// `keep_private_ip` leaves these unredacted.
pub(crate) fn is_non_public(addr: Ipv4Addr) -> bool {
    let [a, b, c, _] = addr.octets();
    addr.is_private()
        || addr.is_loopback()
        || addr.is_link_local()
        || addr.is_unspecified()
        || addr.is_broadcast()
        || addr.is_documentation()
        || a == 0
        || (a == 100 && (64..=127).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (18..=19).contains(&b))
        || a >= 240
}

/// Every match lies in one numeric run (see `segments`); the condition is necessary for one.
const SCOPE: Scope = Scope {
    class: Class::Numeric,
    qualifies: |s| s.dots >= 3 && s.digits >= 4,
    overhang: 0,
};

struct Ipv4 {
    pattern: Pattern,
}

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Ok(Box::new(Ipv4 {
        pattern: Pattern::new(PATTERN)?,
    }))
}

impl Detector for Ipv4 {
    fn info(&self) -> &'static DetectorInfo {
        &INFO
    }

    fn may_match(&self, stats: &TextStats) -> bool {
        stats.has_dot && stats.digits >= 4
    }

    fn scope(&self) -> Option<Scope> {
        Some(SCOPE)
    }

    fn find_in(&self, text: &str, windows: &[Window], out: &mut Vec<Range<usize>>) -> Settled {
        scan_in(
            &self.pattern,
            text,
            windows,
            out,
            Resume::AfterEnd,
            |range| {
                let candidate = &text[range.clone()];
                let is_address = candidate.bytes().filter(|b| *b == b'.').count() == 3
                    && candidate.parse::<Ipv4Addr>().is_ok();
                (is_address && !after_version_label(text, range.start)).then_some(range)
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::CATALOGUE;
    use super::super::test_util::found;

    fn ips(text: &str) -> Vec<String> {
        let entry = CATALOGUE.iter().find(|e| e.info.code == "ipv4").unwrap();
        found(entry, text)
    }

    #[test]
    fn finds_addresses_in_mixed_text() {
        assert_eq!(ips("登录IP 203.0.113.7 异常"), vec!["203.0.113.7"]);
        assert_eq!(ips("服务器192.168.1.10。"), vec!["192.168.1.10"]);
        assert_eq!(
            ips("from 10.0.0.1, to 8.8.8.8."),
            vec!["10.0.0.1", "8.8.8.8"]
        );
        assert_eq!(ips("dev 1.2.3.4"), vec!["1.2.3.4"]);
        assert_eq!(ips("dev1.2.3.4"), vec!["1.2.3.4"]);
        assert_eq!(ips("a@b.version 1.2.3.4"), vec!["1.2.3.4"]);
        assert_eq!(ips("subversion 1.2.3.4"), vec!["1.2.3.4"]);
    }

    #[test]
    fn rejects_invalid_parts_and_glued_runs() {
        for text in [
            "192.168.1.300",
            "192.168.01.1",
            "31234.5.6.78",
            "8.8.8.8000",
            "1.2.3.4.5",
            "1.2.3",
            "3.14",
        ] {
            assert!(ips(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn non_public_ranges() {
        use super::is_non_public;
        for kept in [
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.10",
            "127.0.0.1",
            "169.254.10.20",
            "100.64.0.1",
            "0.0.0.0",
            "192.0.2.1",
            "203.0.113.7",
            "198.18.0.1",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            assert!(is_non_public(kept.parse().unwrap()), "{kept}");
        }
        for public in [
            "8.8.8.8",
            "172.32.0.1",
            "172.15.255.255",
            "100.128.0.1",
            "1.1.1.1",
            "224.0.0.1",
            "11.0.0.1",
        ] {
            assert!(!is_non_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn skips_version_numbers() {
        for text in [
            "v1.2.3.4",
            "升级到v1.2.3.4",
            "(V10.0.0.1)",
            "version 1.2.3.4",
            "Version: 2.0.0.1",
            "版本 1.0.0.2",
        ] {
            assert!(ips(text).is_empty(), "{text}");
        }
    }
}
