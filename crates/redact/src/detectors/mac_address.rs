//! `mac_address` (MAC_ADDRESS): 48-bit hardware addresses.

use super::boundary::{Glue, Resume, byte_after, byte_before};
use super::simple::Simple;
use crate::detector::{Detector, DetectorInfo, TextStats};
use crate::segments::{Class, Scope};
use std::ops::Range;

/// Description shown by `sluice explain mac_address`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "mac_address",
    entity: "MAC_ADDRESS",
    is_secret: false,
    summary: "MAC addresses: six hex pairs with `:` or `-` (one separator), or Cisco `xxxx.xxxx.xxxx`.",
    doc: "Detects 48-bit MAC addresses written as six hex pairs separated consistently by `:` or \
`-` (`00:1A:2B:3C:4D:5E`), or in Cisco dotted form (`001a.2b3c.4d5e`). The address must not touch \
ASCII letters, digits or a further separator + hex, so longer colon runs (IPv6, EUI-64) are not \
cut into a MAC.\n\
Why it matters: a MAC identifies a device and therefore its owner, and is stable for years.\n\
Example: `设备MAC 00-1A-2B-3C-4D-5E` -> `设备MAC <MAC_ADDRESS>`.",
};

const PATTERN: &str = "[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{4}\\.[0-9A-Fa-f]{4}\\.[0-9A-Fa-f]{4}";

fn accept(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    let hexish = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let sep = |b: u8| matches!(b, b':' | b'-' | b'.');
    let bytes = text.as_bytes();
    let before = byte_before(text, range.start);
    let after = byte_after(text, range.end);
    let glued_left = before.is_some_and(hexish)
        || (before.is_some_and(sep)
            && range.start >= 2
            && bytes[range.start - 2].is_ascii_hexdigit());
    let glued_right = after.is_some_and(hexish)
        || (after.is_some_and(sep) && bytes.get(range.end + 1).is_some_and(u8::is_ascii_hexdigit));
    (!glued_left && !glued_right).then_some(range)
}

/// Every match lies in one token run (see `segments`); the condition is necessary for one.
const SCOPE: Scope = Scope {
    class: Class::Token,
    qualifies: |s| s.len() >= 14,
    overhang: 0,
};

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Simple::scoped(
        &INFO,
        PATTERN,
        Resume::UngluedAfterStart(Glue::Word),
        |s: &TextStats| s.digits + s.letters >= 12,
        accept,
        SCOPE,
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_util::found_code;

    fn macs(text: &str) -> Vec<String> {
        found_code("mac_address", text)
    }

    #[test]
    fn finds_colon_hyphen_and_cisco_forms() {
        assert_eq!(
            macs("设备MAC 00-1A-2B-3C-4D-5E。"),
            vec!["00-1A-2B-3C-4D-5E"]
        );
        assert_eq!(macs("mac=aa:bb:cc:dd:ee:ff"), vec!["aa:bb:cc:dd:ee:ff"]);
        assert_eq!(macs("网卡001a.2b3c.4d5e"), vec!["001a.2b3c.4d5e"]);
    }

    #[test]
    fn rejects_mixed_separators_longer_runs_and_glued_text() {
        for text in [
            "00:1A-2B:3C:4D:5E",
            "00:1A:2B:3C:4D:5E:6F",
            "11:00:1A:2B:3C:4D:5E",
            "x00:1A:2B:3C:4D:5E",
            "00:1A:2B:3C:4D",
            "12:30:45",
        ] {
            assert!(macs(text).is_empty(), "{text}");
        }
    }
}
