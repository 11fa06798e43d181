//! `cn_mobile` (PHONE): mainland China mobile numbers.

use super::boundary::{Glue, Pattern, Resume, glued_to_digit_unless_plus, scan_in};
use crate::detector::{Detector, DetectorInfo, Settled, TextStats};
use crate::segments::{Class, Scope, Window};
use std::ops::Range;

/// Description shown by `sluice explain cn_mobile`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "cn_mobile",
    entity: "PHONE",
    is_secret: false,
    summary: "Mainland China mobile numbers (11 digits, allocated 1xx prefixes, optional +86).",
    doc: "Detects mainland China mobile numbers: 11 digits `1[3-9]x xxxx xxxx` with an optional \
`+86`, `0086` or `86` prefix and optional space/hyphen grouping 3-4-4. Only allocated number \
blocks are accepted (130-139, 145, 147, 149, 150-153, 155-159, 162, 165-167, 170-173, 175-178, \
180-193, 195-199), and the number must not continue into more digits on either side. Full-width \
digits are folded before matching.\n\
Why it matters: the mobile number is the primary personal identifier in Chinese customer records \
(it doubles as the WeChat and app login).\n\
There is no `\\b` check, so numbers glued to Chinese or ASCII labels are found: `手机13812345678`, \
`Tel13812345678`.\n\
Example: `手机13812345678` -> `手机<PHONE>`; `+86 138-1234-5678` -> `<PHONE>`.",
};

const PATTERN: &str = r"(?:(?:\+|00)?86[- ]?)?1[3-9][0-9](?:[- ]?[0-9]{4}){2}";

/// True for the allocated three-digit mobile prefixes (MIIT allocations as listed in the research
/// notes); 140–144, 146, 148, 154, 160–161, 163–164, 168–169, 174, 179 and 194 are not.
fn allocated(prefix: u16) -> bool {
    matches!(
        prefix,
        130..=139
            | 145
            | 147
            | 149
            | 150..=153
            | 155..=159
            | 162
            | 165..=167
            | 170..=173
            | 175..=178
            | 180..=193
            | 195..=199
    )
}

/// Every match lies in one numeric run (see `segments`); the condition is necessary for one.
const SCOPE: Scope = Scope {
    class: Class::Numeric,
    qualifies: |s| s.digits >= 11,
    overhang: 0,
};

struct CnMobile {
    pattern: Pattern,
}

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Ok(Box::new(CnMobile {
        pattern: Pattern::new(PATTERN)?,
    }))
}

impl Detector for CnMobile {
    fn info(&self) -> &'static DetectorInfo {
        &INFO
    }

    fn may_match(&self, stats: &TextStats) -> bool {
        stats.digits >= 11
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
            Resume::UngluedAfterStart(Glue::DigitUnlessPlus),
            |range| {
                if glued_to_digit_unless_plus(text, &range) {
                    return None;
                }
                let digits: Vec<u8> = text[range.clone()]
                    .bytes()
                    .filter(u8::is_ascii_digit)
                    .collect();
                // The subscriber number is always the last 11 digits, whatever the prefix.
                let number = digits.get(digits.len().checked_sub(11)?..)?;
                let prefix = number
                    .iter()
                    .take(3)
                    .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
                allocated(prefix).then_some(range)
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::CATALOGUE;
    use super::super::test_util::found;

    fn mobiles(text: &str) -> Vec<String> {
        let entry = CATALOGUE
            .iter()
            .find(|e| e.info.code == "cn_mobile")
            .unwrap();
        found(entry, text)
    }

    #[test]
    fn finds_number_glued_to_han_and_ascii_labels() {
        assert_eq!(mobiles("手机13812345678"), vec!["13812345678"]);
        assert_eq!(mobiles("Tel13812345678。"), vec!["13812345678"]);
    }

    #[test]
    fn finds_prefixed_and_grouped_forms() {
        assert_eq!(mobiles("+86 138 1234 5678"), vec!["+86 138 1234 5678"]);
        assert_eq!(mobiles("008613912345678"), vec!["008613912345678"]);
        assert_eq!(mobiles("86-199-1234-5678"), vec!["86-199-1234-5678"]);
        assert_eq!(mobiles("电话：150-1234-5678，"), vec!["150-1234-5678"]);
    }

    #[test]
    fn a_rejected_prefix_does_not_hide_the_number() {
        assert_eq!(mobiles("1086 13812345678"), vec!["13812345678"]);
    }

    #[test]
    fn rejects_numbers_glued_to_more_digits() {
        for text in [
            "138123456789",
            "913812345678",
            "订单号2013812345678",
            "138-1234-56789",
        ] {
            assert!(mobiles(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn rejects_unallocated_prefixes_and_bad_shapes() {
        for text in [
            "14012345678",
            "17412345678",
            "19412345678",
            "12012345678",
            "1381234567",
            "138 12 345678",
        ] {
            assert!(mobiles(text).is_empty(), "{text}");
        }
    }
}
