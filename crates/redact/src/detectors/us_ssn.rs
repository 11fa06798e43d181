//! `us_ssn` (US_SSN): US Social Security numbers, with the SSA's never-issued ranges rejected.

use super::boundary::{Glue, Resume, glued_to_digit};
use super::context::near;
use super::simple::Simple;
use crate::detector::{Detector, DetectorInfo, TextStats};
use crate::segments::{Class, Scope};
use std::ops::Range;

/// Description shown by `sluice explain us_ssn`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "us_ssn",
    entity: "US_SSN",
    is_secret: false,
    summary: "US Social Security numbers AAA-GG-SSSS (invalid ranges rejected; bare 9 digits need context).",
    doc: "Detects US Social Security numbers written `AAA-GG-SSSS` or `AAA GG SSSS` (one delimiter \
used consistently). Numbers the SSA never issues are rejected: area 000, 666 or 900-999, group 00, \
serial 0000, and all-same digits. Nine bare digits are accepted only near `ssn`, `social \
security` or `社会安全号`. The number must not continue into more digits.\n\
Why it matters: the SSN is the key to US identity theft.\n\
Example: `SSN 536-22-1234` -> `SSN <US_SSN>`.",
};

pub(crate) const PATTERN: &str = "[0-9]{3}[- ]?[0-9]{2}[- ]?[0-9]{4}";
const CONTEXT: &[&str] = &["ssn", "social security", "社会安全号", "社会保障号"];

fn accept(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    if glued_to_digit(text, &range) {
        return None;
    }
    let candidate = &text.as_bytes()[range.clone()];
    let delimiters: Vec<u8> = candidate
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_digit())
        .collect();
    let digits: Vec<u32> = candidate
        .iter()
        .filter(|b| b.is_ascii_digit())
        .map(|b| u32::from(b - b'0'))
        .collect();
    let consistent = match delimiters.as_slice() {
        [] => near(text, &range, CONTEXT),
        [a, b] => a == b,
        _ => false,
    };
    let num = |s: &[u32]| s.iter().fold(0, |acc, d| acc * 10 + d);
    let (area, group, serial) = (num(&digits[..3]), num(&digits[3..5]), num(&digits[5..]));
    let issued = area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
    let all_same = digits.iter().all(|d| *d == digits[0]);
    (consistent && issued && !all_same).then_some(range)
}

/// Every match lies in one numeric run (see `segments`); the condition is necessary for one.
const SCOPE: Scope = Scope {
    class: Class::Numeric,
    qualifies: |s| s.digits >= 9,
    overhang: 0,
};

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Simple::scoped(
        &INFO,
        PATTERN,
        Resume::UngluedAfterStart(Glue::DigitUnlessPlus),
        |s: &TextStats| s.digits >= 9,
        accept,
        SCOPE,
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_util::found_code;

    fn ssns(text: &str) -> Vec<String> {
        found_code("us_ssn", text)
    }

    #[test]
    fn finds_delimited_and_context_backed_bare_numbers() {
        assert_eq!(ssns("SSN 536-22-1234."), vec!["536-22-1234"]);
        assert_eq!(ssns("社保号536 22 1234"), vec!["536 22 1234"]);
        assert_eq!(ssns("ssn:536221234"), vec!["536221234"]);
    }

    #[test]
    fn rejects_invalid_ranges_mixed_delimiters_and_bare_digits() {
        for text in [
            "000-12-3456",
            "666-12-3456",
            "912-12-3456",
            "536-00-1234",
            "536-22-0000",
            "111-11-1111",
            "536-22 1234",
            "order 536221234",
            "1536-22-1234",
        ] {
            assert!(ssns(text).is_empty(), "{text}");
        }
    }
}
