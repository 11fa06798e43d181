//! National phone numbers without a country code: US/Canada (NANP), UK, Germany, France, Japan,
//! Hong Kong and Singapore.

use super::boundary::{Pattern, scan_runs};
use super::context::near;
use crate::detector::{Detector, DetectorInfo, Settled, TextStats};
use crate::segments::{Class, Scope, Window};
use std::ops::Range;

/// Description shown by `sluice explain phone_national`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "phone_national",
    entity: "PHONE",
    is_secret: false,
    summary: "National phone numbers without country code (US, UK, DE, FR, JP, HK, SG), context-gated.",
    doc: "Detects phone numbers written in national format, without `+` and country code, by the \
numbering plans' lengths, leading digits and usual groupings:\n\
- US/Canada (NANP): 10 digits `NXX NXX XXXX` (area and exchange start 2-9 and are not N11), \
grouped 3-3-4 or unbroken, optionally after a trunk `1`;\n\
- UK, Germany, France, Japan: a trunk `0` followed by a non-zero digit, 10 to 12 digits in all \
(UK 10-11, DE 10-12, FR 10, JP 10-11), grouped with an area/prefix group of 2-5 digits (FR \
also in pairs);\n\
- Hong Kong and Singapore: 8 digits starting 2, 3, 5, 6, 7, 8 or 9, grouped 4-4 or unbroken.\n\
Without a country code these shapes are also order, invoice and account numbers, so a number is \
reported only when a phone word stands within 20 chars in the same clause (`phone`, `tel`, `mobile`, `call`, `fax`, \
`电话`, `手机`, `電話`, `携帯`, `Telefon`, `Handy`, `téléphone`, `portable` …), except the \
unmistakable US form with the area code in parentheses, `(415) 555-0123`. Numbers glued to digits, \
letters or a `+` (E.164 numbers are `phone_e164`'s) are not reported; a run of digit groups is \
split like card numbers, so two numbers on one line are both found.\n\
Why it matters: a personal phone number identifies and reaches a person.\n\
Example: `Tel: 020 7946 0958` -> `Tel: <PHONE>`; `(415) 555-0123` -> `<PHONE>`; \
`invoice 0207946095` is kept.",
};

/// A maximal run of digit groups joined by one space, `-` or `.`, or wrapped in parentheses.
pub(crate) const PATTERN: &str = r"\(?[0-9]+\)?(?:[ .-]?\(?[0-9]+\)?)*";

/// Words that make a national-format number a phone (lower case, see `context::near`). Weak
/// words such as `contact` or `联系` also introduce order and account numbers, so they are not
/// among them.
const CONTEXT: &[&str] = &[
    "phone",
    "tel",
    "mobile",
    "cell",
    "call",
    "fax",
    "whatsapp",
    "telefon",
    "handy",
    "téléphone",
    "portable",
    "电话",
    "電話",
    "手机",
    "手機",
    "致电",
    "携帯",
    "座机",
];

/// Fewest and most digits of a national number of any covered region.
const DIGITS: std::ops::RangeInclusive<usize> = 8..=12;

/// One digit group of a run: its byte range and whether parentheses wrap it.
#[derive(Debug, Clone)]
struct Group {
    range: Range<usize>,
    parenthesised: bool,
}

/// The digit groups of `run` (byte ranges relative to it).
fn groups(run: &str) -> Vec<Group> {
    let bytes = run.as_bytes();
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        if !bytes[at].is_ascii_digit() {
            at += 1;
            continue;
        }
        let start = at;
        while at < bytes.len() && bytes[at].is_ascii_digit() {
            at += 1;
        }
        let parenthesised = start > 0 && bytes[start - 1] == b'(' && bytes.get(at) == Some(&b')');
        out.push(Group {
            range: start..at,
            parenthesised,
        });
    }
    out
}

/// True for a NANP area code or exchange: `NXX` with N 2-9, not `N11`.
fn nanp_part(d: &[u8]) -> bool {
    d.len() == 3 && (b'2'..=b'9').contains(&d[0]) && !(d[1] == b'1' && d[2] == b'1')
}

/// How a run of groups reads as a national number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Not a national number of any covered region.
    No,
    /// A phone only with a context word.
    WithContext,
    /// A phone on its own: `(415) 555-0123`.
    Alone,
}

/// Judges the digit groups `sizes` (their lengths) holding `digits`, the first parenthesised or
/// not, against the covered numbering plans.
fn judge(digits: &[u8], sizes: &[usize], first_parenthesised: bool) -> Verdict {
    if !DIGITS.contains(&digits.len()) {
        return Verdict::No;
    }
    // NANP: 3-3-4 or unbroken 10 digits, optionally after a trunk 1.
    let nanp = match (sizes, digits.first()) {
        ([10] | [3, 3, 4], _) => Some(digits),
        ([11] | [1, 3, 3, 4], Some(b'1')) => digits.get(1..),
        _ => None,
    };
    if let Some(n) = nanp
        && nanp_part(&n[..3])
        && nanp_part(&n[3..6])
    {
        return if first_parenthesised && sizes == [3, 3, 4] {
            Verdict::Alone
        } else {
            Verdict::WithContext
        };
    }
    // UK, DE, FR, JP: trunk 0, then a non-zero digit (00 dials abroad), 10-12 digits.
    let trunk = digits.first() == Some(&b'0') && digits.get(1).is_some_and(|d| *d != b'0');
    let trunk_grouping = match sizes {
        [_] => true,
        [first, rest @ ..] => {
            (2..=5).contains(first) && rest.iter().all(|size| (2..=8).contains(size))
        }
        [] => false,
    };
    if trunk && (10..=12).contains(&digits.len()) && trunk_grouping {
        return Verdict::WithContext;
    }
    // Hong Kong and Singapore: 8 digits, 4-4 or unbroken.
    let eight = digits.len() == 8
        && matches!(sizes, [8] | [4, 4])
        && matches!(digits[0], b'2' | b'3' | b'5'..=b'9')
        && !(sizes == [8] && date_like(digits));
    if eight {
        return Verdict::WithContext;
    }
    Verdict::No
}

/// National numbers inside one run starting at byte `base` of `text`: from each group, the
/// longest acceptable run of consecutive groups wins; the search goes on after it.
fn phones_in_run(text: &str, base: usize, run: &str, out: &mut Vec<Range<usize>>) {
    // A run glued to an id or behind a `+` (an international number) holds no national one.
    if glued(text, &(base..base + run.len())) {
        return;
    }
    let groups = groups(run);
    let bytes = run.as_bytes();
    let mut first = 0;
    let mut digits = Vec::with_capacity(*DIGITS.end());
    let mut sizes = Vec::new();
    while first < groups.len() {
        digits.clear();
        sizes.clear();
        let mut best = None;
        for (last, group) in groups.iter().enumerate().skip(first) {
            digits.extend_from_slice(&bytes[group.range.clone()]);
            sizes.push(group.range.len());
            if digits.len() > *DIGITS.end() {
                break;
            }
            let start = groups[first].range.start - usize::from(groups[first].parenthesised);
            let range = base + start..base + group.range.end;
            // The glue test first: it is cheap, and the context test allocates.
            let accepted = !glued(text, &range)
                && match judge(&digits, &sizes, groups[first].parenthesised) {
                    Verdict::No => false,
                    Verdict::Alone => true,
                    Verdict::WithContext => near(text, &range, CONTEXT),
                };
            if accepted {
                best = Some((last, range));
            }
        }
        match best {
            Some((last, range)) => {
                out.push(range);
                first = last + 1;
            }
            None => first += 1,
        }
    }
}

/// True when `range` touches an ASCII letter, digit, `_` or `+` before, or a letter, digit or
/// `_` after: such numbers are parts of ids, or international numbers. A joiner (`-`, `/`, `.`)
/// between the number and a letter or digit glues too: `ORD-20250617-724780` is an order code
/// and `v2.20250617` a version, whatever phone word stands nearby.
fn glued(text: &str, range: &Range<usize>) -> bool {
    let bytes = text.as_bytes();
    let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    let joiner = |b: &u8| matches!(b, b'-' | b'/' | b'.');
    let at = |i: Option<usize>| i.and_then(|i| bytes.get(i));
    let before = at(range.start.checked_sub(1));
    let before_joined =
        before.is_some_and(joiner) && at(range.start.checked_sub(2)).is_some_and(word);
    let after = bytes.get(range.end);
    let after_joined = after.is_some_and(joiner) && bytes.get(range.end + 1).is_some_and(word);
    before.is_some_and(|b| word(b) || *b == b'+')
        || before_joined
        || after.is_some_and(word)
        || after_joined
}

/// True for eight digits that read as a date `YYYYMMDD` (1900-2099): order and invoice numbers
/// start with one far more often than an 8-digit phone number is a date.
fn date_like(digits: &[u8]) -> bool {
    let number = |d: &[u8]| d.iter().fold(0u32, |n, b| n * 10 + u32::from(b - b'0'));
    digits.len() == 8
        && matches!(number(&digits[..2]), 19 | 20)
        && (1..=12).contains(&number(&digits[4..6]))
        && (1..=31).contains(&number(&digits[6..8]))
}

/// Every match lies in one numeric run (see `segments`); the condition is necessary for one.
const SCOPE: Scope = Scope {
    class: Class::Numeric,
    qualifies: |s| s.digits as usize >= *DIGITS.start(),
    overhang: 0,
};

struct PhoneNational {
    pattern: Pattern,
}

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Ok(Box::new(PhoneNational {
        pattern: Pattern::new(PATTERN)?,
    }))
}

impl Detector for PhoneNational {
    fn info(&self) -> &'static DetectorInfo {
        &INFO
    }

    fn may_match(&self, stats: &TextStats) -> bool {
        stats.digits >= *DIGITS.start()
    }

    fn scope(&self) -> Option<Scope> {
        Some(SCOPE)
    }

    fn find_in(&self, text: &str, windows: &[Window], out: &mut Vec<Range<usize>>) -> Settled {
        scan_runs(&self.pattern, text, windows, out, |base, run, out| {
            phones_in_run(text, base, run, out);
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::found_code;

    fn phones(text: &str) -> Vec<String> {
        found_code("phone_national", text)
    }

    #[test]
    fn finds_each_region_next_to_a_phone_word() {
        for (text, number) in [
            ("Tel: 020 7946 0958.", "020 7946 0958"),
            ("mobile 07700 900123", "07700 900123"),
            ("call (415) 555-0123 now", "(415) 555-0123"),
            ("phone 415-555-0123", "415-555-0123"),
            ("cell 1 415 555 0123", "1 415 555 0123"),
            ("Telefon 030 12345678", "030 12345678"),
            ("Handy 0151 23456789", "0151 23456789"),
            ("téléphone 01 23 45 67 89", "01 23 45 67 89"),
            ("電話 03-1234-5678", "03-1234-5678"),
            ("携帯090-1234-5678", "090-1234-5678"),
            ("电话2345 6789，", "2345 6789"),
            ("手机9123 4567", "9123 4567"),
            ("whatsapp 6123 4567", "6123 4567"),
        ] {
            assert_eq!(phones(text), vec![number], "{text}");
        }
    }

    #[test]
    fn the_parenthesised_us_form_needs_no_context() {
        assert_eq!(phones("(415) 555-0123"), vec!["(415) 555-0123"]);
        assert!(phones("415-555-0123").is_empty());
    }

    #[test]
    fn order_and_invoice_numbers_are_kept() {
        for text in [
            "invoice 0207946095",
            "order 2345 6789",
            "订单号02079460958",
            "tel 2024-06-18 12",
            "call at 2024-06-18",
            "phone 00441234567890",
            "phone (115) 555-0123",
            "phone 415-155-0123",
            "phone 12345678",
            "手机屏幕意外摔碎，购买凭证订单号ORD-20250617-724780",
            "phone: ticket ORD-2025-06 1234 5678",
            "手机 20250617",
            "call ref AB/61234567",
            "tel 61234567-A1",
        ] {
            assert!(phones(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn glued_numbers_and_e164_numbers_are_not_national() {
        assert!(phones("phone SF02079460958").is_empty());
        assert!(phones("phone +44 20 7946 0958").is_empty());
        assert!(phones("phone 020 7946 0958x").is_empty());
    }

    #[test]
    fn two_numbers_in_one_run_are_both_found() {
        assert_eq!(
            phones("tel 6123 4567 9123 4567"),
            vec!["6123 4567", "9123 4567"]
        );
    }
}
