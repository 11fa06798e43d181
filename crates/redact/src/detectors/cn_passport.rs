//! `cn_passport` (CN_PASSPORT): PRC, Hong Kong and Macao passport numbers, context-gated.

use super::boundary::{Glue, Resume, glued_to_word};
use super::context::near;
use super::simple::Simple;
use crate::detector::{Detector, DetectorInfo, TextStats};
use std::ops::Range;

/// Description shown by `sluice explain cn_passport`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "cn_passport",
    entity: "CN_PASSPORT",
    is_secret: false,
    summary: "PRC/HKSAR/MSAR passport numbers (E/G/14/15/PE/SE/DE/K/MA forms), only near a passport word.",
    doc: "Detects passport numbers in the formats the PRC and the Hong Kong and Macao SARs issue: \
ordinary e-passport `E` + 8 digits or `E` + letter + 7 digits, older `G` + 8 digits and `14`/`15` \
+ 7 digits, official/service/diplomatic `PE`/`SE`/`DE` + 7 digits, HKSAR `K` + 8 digits, MSAR \
`MA` + 7 digits. The shapes are short and common, so a context word (护照, passport) must stand \
within 20 chars, and the number must not touch other ASCII letters or digits.\n\
Why it matters: a passport number identifies a person internationally and is used for travel \
fraud.\n\
Example: `护照号E12345678` -> `护照号<CN_PASSPORT>`.",
};

const PATTERN: &str =
    "E[A-HJ-NP-Z0-9][0-9]{7}|G[0-9]{8}|1[45][0-9]{7}|(?:PE|SE|DE)[0-9]{7}|K[0-9]{8}|MA[0-9]{7}";
const CONTEXT: &[&str] = &["护照", "passport"];

fn accept(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    (!glued_to_word(text, &range) && near(text, &range, CONTEXT)).then_some(range)
}

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Simple::anchored(
        &INFO,
        PATTERN,
        Resume::UngluedAfterStart(Glue::Word),
        |s: &TextStats| s.digits >= 7,
        accept,
        CONTEXT,
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_util::found_code;

    fn passports(text: &str) -> Vec<String> {
        found_code("cn_passport", text)
    }

    #[test]
    fn finds_each_form_near_context() {
        for number in [
            "E12345678",
            "EA1234567",
            "G12345678",
            "141234567",
            "PE1234567",
            "K12345678",
            "MA1234567",
        ] {
            assert_eq!(
                passports(&format!("护照号{number}，")),
                vec![number.to_owned()],
                "{number}"
            );
        }
        assert_eq!(passports("Passport No. E12345678"), vec!["E12345678"]);
    }

    #[test]
    fn rejects_without_context_or_glued() {
        for text in [
            "订单E12345678",
            "护照E123456789",
            "护照XE12345678",
            "护照EI1234567",
        ] {
            assert!(passports(text).is_empty(), "{text}");
        }
    }
}
