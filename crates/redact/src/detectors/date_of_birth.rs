//! `date_of_birth` (DATE_OF_BIRTH): calendar dates next to a birth-date word.

use super::boundary::{Glue, Resume, glued_to_digit};
use super::cn_resident_id::{number, real_birth_date};
use super::context::near;
use super::simple::Simple;
use crate::detector::{Detector, DetectorInfo, TextStats};
use std::ops::Range;

/// Description shown by `sluice explain date_of_birth`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "date_of_birth",
    entity: "DATE_OF_BIRTH",
    is_secret: false,
    summary: "Dates (YYYY-MM-DD, YYYY年M月D日, YYYYMMDD, MM/DD/YYYY, DD.MM.YYYY) only near 出生/生日/DOB/born.",
    doc: "Detects dates of birth: `YYYY-MM-DD` (also `/`, `.`), `YYYY年M月D日`, compact `YYYYMMDD`, \
US `MM/DD/YYYY` and European `DD.MM.YYYY`, each a real calendar date from 1900 to 2026 and not \
glued to more digits. Dates are everywhere (orders, logs), so a context word (出生, 生日, 出生日期, \
DOB, date of birth, birthday, born) must stand within 20 chars.\n\
Why it matters: a birth date narrows a person down and, with a name or postcode, identifies them.\n\
Example: `出生日期：1990-03-07` -> `出生日期：<DATE_OF_BIRTH>`.",
};

const PATTERN: &str = "[0-9]{4}(?:[-/.][0-9]{1,2}[-/.][0-9]{1,2}|年[0-9]{1,2}月[0-9]{1,2}日?|[0-9]{4})|[0-9]{1,2}[/.][0-9]{1,2}[/.][0-9]{4}";
const CONTEXT: &[&str] = &[
    "出生",
    "生日",
    "dob",
    "date of birth",
    "birthday",
    "born",
    "birth date",
];

/// The date's (year, month, day), whatever the written order.
fn ymd(candidate: &str) -> Option<(u32, u32, u32)> {
    let parts: Vec<&str> = candidate
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .collect();
    let n = |p: &str| number(p.as_bytes());
    match parts.as_slice() {
        [compact] if compact.len() == 8 => {
            Some((n(&compact[..4]), n(&compact[4..6]), n(&compact[6..])))
        }
        [y, m, d] if y.len() == 4 => Some((n(y), n(m), n(d))),
        [a, b, y] if y.len() == 4 => {
            // `/` is US month-first; `.` is European day-first.
            if candidate.contains('/') {
                Some((n(y), n(a), n(b)))
            } else {
                Some((n(y), n(b), n(a)))
            }
        }
        _ => None,
    }
}

fn accept(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    let (y, m, d) = ymd(&text[range.clone()])?;
    (!glued_to_digit(text, &range) && real_birth_date(y, m, d) && near(text, &range, CONTEXT))
        .then_some(range)
}

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Simple::anchored(
        &INFO,
        PATTERN,
        Resume::UngluedAfterStart(Glue::DigitUnlessPlus),
        |s: &TextStats| s.digits >= 6,
        accept,
        CONTEXT,
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_util::found_code;

    fn dates(text: &str) -> Vec<String> {
        found_code("date_of_birth", text)
    }

    #[test]
    fn finds_each_form_near_context() {
        assert_eq!(dates("出生日期：1990-03-07，"), vec!["1990-03-07"]);
        assert_eq!(dates("生日1990年3月7日"), vec!["1990年3月7日"]);
        assert_eq!(dates("DOB 19900307"), vec!["19900307"]);
        assert_eq!(dates("born 03/27/1990"), vec!["03/27/1990"]);
        assert_eq!(dates("date of birth 27.03.1990"), vec!["27.03.1990"]);
    }

    #[test]
    fn rejects_without_context_invalid_dates_and_glued_digits() {
        for text in [
            "订单日期1990-03-07",
            "出生1990-02-30",
            "生日 27/03/1990",
            "DOB 199003071",
            "生日2030-01-01",
        ] {
            assert!(dates(text).is_empty(), "{text}");
        }
    }
}
