//! `cn_resident_id` (CN_RESIDENT_ID): 18-char PRC resident identity numbers (GB 11643-1999).

use super::boundary::{Pattern, Resume, byte_after, byte_before, scan_in};
use crate::detector::{Detector, DetectorInfo, Settled, TextStats};
use crate::segments::{Class, Scope, Window};
use crate::validators::gb11643;
use std::ops::Range;

/// Description shown by `sluice explain cn_resident_id`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "cn_resident_id",
    entity: "CN_RESIDENT_ID",
    is_secret: false,
    summary: "PRC resident identity numbers (18 chars, GB 11643 check, province and birth date).",
    doc: "Detects 18-character resident identity numbers (居民身份证号码): 6-digit address code, \
8-digit birth date, 3-digit sequence and a MOD 11-2 check character (`X` or `x` for 10). A \
candidate must pass the GB 11643-1999 check, start with a province code (11-15, 21-23, 31-37, \
41-46, 50-54, 61-65, 71, 81-83) and carry a real calendar date (leap years included) from \
1900-01-01 to 2026-12-31; a fixed upper bound keeps output independent of the day of the run. \
Residence permits of Hong Kong, Macao and Taiwan residents (81/82/83) use the same layout. The \
number must not continue into more digits or an extra `X`. The legacy 15-digit form has no check \
digit and is not detected.\n\
Why it matters: the number identifies a person uniquely for life and encodes birth date and sex.\n\
Example: `身份证号11010519491231002X` -> `身份证号<CN_RESIDENT_ID>`.",
};

/// A maximal digit run of at least 17, possibly ending in X; its exact shape is judged in code so
/// that a longer run is rejected as a whole instead of yielding an 18-digit slice.
pub(crate) const PATTERN: &str = "[0-9]{17,}[Xx]?";
/// Birth dates after this are rejected. Fixed, not today's date, so output is reproducible.
const LATEST_BIRTH_DATE: (u32, u32, u32) = (2026, 12, 31);
const EARLIEST_BIRTH_YEAR: u32 = 1900;

pub(crate) fn known_province(code: u32) -> bool {
    matches!(code, 11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81..=83)
}

pub(crate) fn number(digits: &[u8]) -> u32 {
    digits
        .iter()
        .fold(0, |acc, d| acc * 10 + u32::from(d.wrapping_sub(b'0')))
}

fn is_leap(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

pub(crate) fn real_birth_date(year: u32, month: u32, day: u32) -> bool {
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => return false,
    };
    year >= EARLIEST_BIRTH_YEAR
        && (1..=days_in_month).contains(&day)
        && (year, month, day) <= LATEST_BIRTH_DATE
}

/// True when `id` (18 bytes, 17 digits and a check char) is a plausible resident number.
pub(crate) fn is_valid_id(id: &[u8]) -> bool {
    id.len() == 18
        && known_province(number(&id[..2]))
        && real_birth_date(number(&id[6..10]), number(&id[10..12]), number(&id[12..14]))
        && gb11643::is_valid(id)
}

/// Every match lies in one token run (see `segments`); the condition is necessary for one.
const SCOPE: Scope = Scope {
    class: Class::Token,
    qualifies: |s| s.digits >= 17,
    overhang: 0,
};

struct CnResidentId {
    pattern: Pattern,
}

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Ok(Box::new(CnResidentId {
        pattern: Pattern::new(PATTERN)?,
    }))
}

impl Detector for CnResidentId {
    fn info(&self) -> &'static DetectorInfo {
        &INFO
    }

    fn may_match(&self, stats: &TextStats) -> bool {
        stats.digits >= 17
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
                let glued = byte_before(text, range.start).is_some_and(|b| b.is_ascii_digit())
                    || byte_after(text, range.end)
                        .is_some_and(|b| b.is_ascii_digit() || b.eq_ignore_ascii_case(&b'x'));
                (!glued && is_valid_id(text[range.clone()].as_bytes())).then_some(range)
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::CATALOGUE;
    use super::super::test_util::found;
    use super::*;

    fn ids(text: &str) -> Vec<String> {
        let entry = CATALOGUE
            .iter()
            .find(|e| e.info.code == "cn_resident_id")
            .unwrap();
        found(entry, text)
    }

    #[test]
    fn accepts_the_published_valid_vectors() {
        for id in [
            "11010519491231002X",
            "360426199101010071",
            "44011320141005001x",
            "110101199003074477",
        ] {
            assert_eq!(ids(&format!("身份证号{id}。")), vec![id.to_owned()], "{id}");
        }
    }

    #[test]
    fn rejects_the_published_invalid_vectors() {
        // Check digit, month 13, check digit, unknown province 99 (checksum OK).
        for id in [
            "110105194912310021",
            "11010519491331002X",
            "36042619910102009X",
            "990426199112010074",
        ] {
            assert!(ids(id).is_empty(), "{id}");
        }
    }

    #[test]
    fn rejects_birth_years_before_1900_even_with_a_valid_check() {
        // Listed as valid in the research notes (year 1880) but below this detector's floor.
        assert!(gb11643::is_valid(b"440524188001010014"));
        assert!(ids("440524188001010014").is_empty());
    }

    #[test]
    fn validates_calendar_dates_with_leap_years() {
        assert!(real_birth_date(2000, 2, 29));
        assert!(!real_birth_date(1900, 2, 29));
        assert!(!real_birth_date(1991, 4, 31));
        assert!(real_birth_date(2026, 12, 31));
        assert!(!real_birth_date(2027, 1, 1));
        assert!(!real_birth_date(1899, 12, 31));
    }

    #[test]
    fn rejects_ids_glued_to_digits_or_a_trailing_x() {
        for text in [
            "110101199003074477X",
            "1110101199003074477",
            "1101011990030744771",
            "11010519491231002XX",
        ] {
            assert!(ids(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn accepts_ids_glued_to_letters() {
        assert_eq!(ids("ID110101199003074477"), vec!["110101199003074477"]);
    }
}
