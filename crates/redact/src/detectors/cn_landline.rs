//! `cn_landline` (PHONE): mainland China landline numbers with area code.

use super::boundary::{Glue, Resume, glued_to_digit_unless_plus};
use super::simple::Simple;
use crate::detector::{Detector, DetectorInfo, TextStats};
use crate::segments::{Class, Scope};
use std::ops::Range;

/// Description shown by `sluice explain cn_landline`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "cn_landline",
    entity: "PHONE",
    is_secret: false,
    summary: "Mainland China landline numbers: area code (010, 02x, 0xxx) + 7-8 digits, extensions.",
    doc: "Detects mainland China fixed-line numbers: an area code (`010`, `02x`, or `0` + 3 digits \
such as `0755`), optionally in parentheses or written `+86`/`0086` without the trunk 0, then a \
7-8 digit subscriber number starting 2-9, with optional space/hyphen grouping and an extension \
(`转123`, `-123`, `ext 123`). The number must not continue into more digits. Company hotlines \
`400-`/`800-` and `95xxx` short numbers have no area code and are not matched.\n\
Why it matters: a home or office number links a record to a person or household.\n\
Example: `电话(0755)88886666转123` -> `电话<PHONE>`; `+86 10 6552 9988` -> `<PHONE>`.",
};

const PATTERN: &str = r"(?:\(0(?:10|2[0-9]|[3-9][0-9]{2})\)|0(?:10|2[0-9]|[3-9][0-9]{2})|(?:\+|00)86[- ]?(?:10|2[0-9]|[3-9][0-9]{2}))[- ]?[2-9][0-9]{2,3}[- ]?[0-9]{4}(?:(?:转|-|ext\.? ?|x)[0-9]{1,5})?";

/// Phone labels that may touch the number (`Tel010-65529988`).
const LABELS: &[&str] = &["tel", "phone", "fax", "mobile"];

fn accept(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    // Letters glued before the number mark an id (`SF0691…` tracking numbers), unless they are
    // a phone label.
    let before = &text[..range.start];
    let glued_letters = before
        .as_bytes()
        .last()
        .is_some_and(u8::is_ascii_alphabetic)
        && !LABELS.iter().any(|l| {
            before.len() >= l.len()
                && before.as_bytes()[before.len() - l.len()..].eq_ignore_ascii_case(l.as_bytes())
        });
    let glued_after = text
        .as_bytes()
        .get(range.end)
        .is_some_and(u8::is_ascii_alphabetic);
    (!glued_to_digit_unless_plus(text, &range) && !glued_letters && !glued_after).then_some(range)
}

/// Every match lies in one numeric run (see `segments`); the condition is necessary for one.
/// A `转`/`ext. `/`x` extension of up to 5 digits may run 10 bytes past the run.
const SCOPE: Scope = Scope {
    class: Class::Numeric,
    qualifies: |s| s.digits >= 10,
    overhang: 10,
};

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Simple::scoped(
        &INFO,
        PATTERN,
        Resume::UngluedAfterStart(Glue::DigitUnlessPlus),
        |s: &TextStats| s.digits >= 10,
        accept,
        SCOPE,
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_util::found_code;

    fn lines(text: &str) -> Vec<String> {
        found_code("cn_landline", text)
    }

    #[test]
    fn finds_area_code_forms_and_extensions() {
        assert_eq!(lines("座机010-65529988。"), vec!["010-65529988"]);
        assert_eq!(
            lines("电话(0755)88886666转123"),
            vec!["(0755)88886666转123"]
        );
        assert_eq!(lines("tel 0571 8888666"), vec!["0571 8888666"]);
        assert_eq!(lines("+86 10 6552 9988"), vec!["+86 10 6552 9988"]);
        assert_eq!(lines("021-5888-1234-88"), vec!["021-5888-1234-88"]);
        assert_eq!(lines("Tel010-65529988"), vec!["010-65529988"]);
    }

    #[test]
    fn rejects_hotlines_glued_digits_and_short_numbers() {
        for text in [
            "400-123-4567",
            "95588",
            "1010-65529988",
            "010-65529988123456",
            "010-1234567",
            "0755-123",
        ] {
            assert!(lines(text).is_empty(), "{text}");
        }
    }
}
