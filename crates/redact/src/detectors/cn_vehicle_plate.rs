//! `cn_vehicle_plate` (CN_VEHICLE_PLATE): mainland China licence plates (GA 36-2018).

use super::boundary::Resume;
use super::simple::Simple;
use crate::detector::{Detector, DetectorInfo, Settled, TextStats};
use crate::segments::Window;
use std::ops::Range;

/// Description shown by `sluice explain cn_vehicle_plate`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "cn_vehicle_plate",
    entity: "CN_VEHICLE_PLATE",
    is_secret: false,
    summary: "Mainland China licence plates: province char + authority letter + 5 (or 6 new-energy) chars.",
    doc: "Detects civilian plates (GA 36-2018): one of the 31 province chars, an authority letter \
(A-Z without I and O), an optional `·` or space, then 5 chars from `A-HJ-NP-Z0-9` (the last may be \
挂, 学, 警, 港 or 澳), or a 6-char new-energy number (`D`/`F` + 5, or 5 digits + `D`/`F`). At least \
two of the serial chars must be digits, and the plate must not continue into more ASCII letters \
or digits.\n\
Why it matters: a plate identifies a vehicle owner and, in logs, where they were.\n\
Example: `车牌粤B·D12345违章` -> `车牌<CN_VEHICLE_PLATE>违章`.",
};

const PATTERN: &str = "[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][·• ]?(?:[DF][A-HJ-NP-Z0-9][0-9]{4}|[0-9]{5}[DF]|[A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳])";

fn accept(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    let glued = text
        .as_bytes()
        .get(range.end)
        .is_some_and(u8::is_ascii_alphanumeric);
    let digits = text[range.clone()]
        .bytes()
        .filter(u8::is_ascii_digit)
        .count();
    (!glued && digits >= 2).then_some(range)
}

/// The province chars of [`PATTERN`], which open every plate.
const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";

/// True when some province char is directly followed by an authority letter, which every match
/// of [`PATTERN`] begins with. A byte walk over the rare upper-case letters: far cheaper than
/// the regex, whose 31-char class is a weak prefilter on Chinese text.
fn may_hold_plate(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().skip(3).any(|(i, &b)| {
        b.is_ascii_uppercase()
            && b != b'I'
            && b != b'O'
            && text
                .get(i - 3..i)
                .and_then(|c| c.chars().next())
                .is_some_and(|c| PROVINCES.contains(c))
    })
}

/// The plain pattern detector, run only on texts that pass [`may_hold_plate`].
struct CnVehiclePlate {
    inner: Box<dyn Detector>,
}

impl Detector for CnVehiclePlate {
    fn info(&self) -> &'static DetectorInfo {
        self.inner.info()
    }

    fn may_match(&self, stats: &TextStats) -> bool {
        self.inner.may_match(stats)
    }

    fn find_in(&self, text: &str, windows: &[Window], out: &mut Vec<Range<usize>>) -> Settled {
        if may_hold_plate(text) {
            self.inner.find_in(text, windows, out)
        } else {
            // Then the pattern has no match at all.
            Settled::Yes
        }
    }
}

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    let inner = Simple::boxed(
        &INFO,
        PATTERN,
        Resume::AfterStart,
        |s: &TextStats| s.non_ascii && s.digits >= 2,
        accept,
    )?;
    Ok(Box::new(CnVehiclePlate { inner }))
}

#[cfg(test)]
mod tests {
    use super::super::test_util::found_code;

    fn plates(text: &str) -> Vec<String> {
        found_code("cn_vehicle_plate", text)
    }

    #[test]
    fn the_quick_test_passes_every_plate_shape() {
        for text in ["京A12345", "x琼Z·D12345", "藏H 12345F"] {
            assert!(super::may_hold_plate(text), "{text}");
        }
        for text in ["京a12345", "京I12345", "A京12345", "京·A12345", ""] {
            assert!(!super::may_hold_plate(text), "{text}");
        }
    }

    #[test]
    fn finds_regular_and_new_energy_plates() {
        assert_eq!(plates("车牌京A12345。"), vec!["京A12345"]);
        assert_eq!(plates("粤B·D12345违章"), vec!["粤B·D12345"]);
        assert_eq!(plates("苏E 12345D"), vec!["苏E 12345D"]);
        assert_eq!(plates("浙A8888学"), vec!["浙A8888学"]);
    }

    #[test]
    fn rejects_bad_letters_short_and_glued_plates() {
        for text in [
            "京AI2345",
            "京A1234",
            "京A123456",
            "京O12345",
            "京ABCDEF",
            "北京ABCDE",
        ] {
            assert!(plates(text).is_empty(), "{text}");
        }
    }
}
