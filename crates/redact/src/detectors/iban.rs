//! `iban` (IBAN): International Bank Account Numbers, mod-97 and per-country length.

use super::boundary::Resume;
use super::simple::Simple;
use crate::detector::{Detector, DetectorInfo, TextStats};
use crate::segments::{Class, Scope};
use std::ops::Range;

/// Description shown by `sluice explain iban`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "iban",
    entity: "IBAN",
    is_secret: false,
    summary: "IBANs (ISO 13616): country length table and mod-97 check, compact or grouped by 4.",
    doc: "Detects International Bank Account Numbers: 2-letter country code, 2 check digits and \
the national BBAN, written compact or in groups separated by single spaces. The candidate is cut \
at the length the registry fixes for its country (NO 15 … LC 32) and must pass the ISO 7064 \
mod-97 check; it must not touch other ASCII letters or digits. China and the US do not use IBANs.\n\
Why it matters: an IBAN identifies a bank account and its holder.\n\
Example: `IBAN GB82 WEST 1234 5698 7654 32` -> `IBAN <IBAN>`.",
};

/// A country code, check digits, then up to 30 BBAN chars (bounded, so rescans stay linear).
pub(crate) const PATTERN: &str = "[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){10,30}";

/// IBAN length by country (SWIFT IBAN registry).
const LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AE", 23),
    ("AL", 28),
    ("AT", 20),
    ("AZ", 28),
    ("BA", 20),
    ("BE", 16),
    ("BG", 22),
    ("BH", 22),
    ("BI", 27),
    ("BR", 29),
    ("BY", 28),
    ("CH", 21),
    ("CR", 22),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DJ", 27),
    ("DK", 18),
    ("DO", 28),
    ("EE", 20),
    ("EG", 29),
    ("ES", 24),
    ("FI", 18),
    ("FK", 18),
    ("FO", 18),
    ("FR", 27),
    ("GB", 22),
    ("GE", 22),
    ("GI", 23),
    ("GL", 18),
    ("GR", 27),
    ("GT", 28),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IL", 23),
    ("IQ", 23),
    ("IS", 26),
    ("IT", 27),
    ("JO", 30),
    ("KW", 30),
    ("KZ", 20),
    ("LB", 28),
    ("LC", 32),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("LY", 25),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MK", 19),
    ("MN", 20),
    ("MR", 27),
    ("MT", 31),
    ("MU", 30),
    ("NI", 28),
    ("NL", 18),
    ("NO", 15),
    ("OM", 23),
    ("PK", 24),
    ("PL", 28),
    ("PS", 29),
    ("PT", 25),
    ("QA", 29),
    ("RO", 24),
    ("RS", 22),
    ("RU", 33),
    ("SA", 24),
    ("SC", 31),
    ("SD", 18),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("SO", 23),
    ("ST", 25),
    ("SV", 28),
    ("TL", 23),
    ("TN", 24),
    ("TR", 26),
    ("UA", 29),
    ("VA", 22),
    ("VG", 24),
    ("XK", 20),
    ("YE", 30),
];

/// True when `compact` (no spaces) passes the ISO 7064 mod-97 check, computed digit by digit.
pub(crate) fn mod97_ok(compact: &[u8]) -> bool {
    if compact.len() < 5 {
        return false;
    }
    let rotated = compact[4..].iter().chain(&compact[..4]);
    let mut rest: u32 = 0;
    for &c in rotated {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return false,
        };
        rest = if v >= 10 {
            (rest * 100 + v) % 97
        } else {
            (rest * 10 + v) % 97
        };
    }
    rest == 1
}

fn accept(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    let bytes = text.as_bytes();
    if range.start > 0 && bytes[range.start - 1].is_ascii_alphanumeric() {
        return None;
    }
    let country = text.get(range.start..range.start + 2)?;
    let length = LENGTHS.iter().find(|(c, _)| *c == country)?.1;
    // Cut the candidate after `length` alphanumeric chars.
    let mut compact = Vec::with_capacity(length);
    let mut end = range.start;
    for (i, &b) in bytes[range.clone()].iter().enumerate() {
        if compact.len() == length {
            break;
        }
        if b != b' ' {
            compact.push(b);
            end = range.start + i + 1;
        }
    }
    let glued = bytes.get(end).is_some_and(u8::is_ascii_alphanumeric);
    (compact.len() == length && !glued && mod97_ok(&compact)).then_some(range.start..end)
}

/// Every match lies in one upper-case/digit/space run (see `segments`); the condition is necessary for one.
const SCOPE: Scope = Scope {
    class: Class::UpperNum,
    qualifies: |s| s.len() >= 14 && s.digits >= 2,
    overhang: 0,
};

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Simple::scoped(
        &INFO,
        PATTERN,
        Resume::AfterStart,
        |s: &TextStats| s.digits >= 4 && s.letters >= 2,
        accept,
        SCOPE,
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_util::found_code;

    fn ibans(text: &str) -> Vec<String> {
        found_code("iban", text)
    }

    #[test]
    fn finds_compact_and_grouped_ibans() {
        assert_eq!(
            ibans("账号GB82WEST12345698765432。"),
            vec!["GB82WEST12345698765432"]
        );
        assert_eq!(
            ibans("IBAN DE89 3704 0044 0532 0130 00 bitte"),
            vec!["DE89 3704 0044 0532 0130 00"]
        );
        assert_eq!(ibans("NO9386011117947"), vec!["NO9386011117947"]);
    }

    #[test]
    fn rejects_bad_checks_lengths_and_glued_runs() {
        for text in [
            "GB82WEST12345698765433",
            "DE89370400440532013001",
            "GB82WEST1234569876543",
            "GB82WEST123456987654321",
            "XGB82WEST12345698765432",
            "US12345678901234567890",
        ] {
            assert!(ibans(text).is_empty(), "{text}");
        }
    }
}
