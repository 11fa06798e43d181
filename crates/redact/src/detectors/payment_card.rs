//! `payment_card` (PAYMENT_CARD): payment card numbers (PAN), Luhn-checked, known brands.

use super::boundary::{Pattern, scan_runs};
use super::context::near;
use crate::detector::{Detector, DetectorInfo, Settled, TextStats};
use crate::segments::{Class, Scope, Window};
use crate::validators::luhn;
use std::ops::Range;

/// Description shown by `sluice explain payment_card`.
pub static INFO: DetectorInfo = DetectorInfo {
    code: "payment_card",
    entity: "PAYMENT_CARD",
    is_secret: false,
    summary: "Payment card numbers, 13-19 digits, Luhn-valid, known brand prefixes incl. UnionPay.",
    doc: "Detects payment card numbers: 13 to 19 digits, optionally grouped by single spaces or \
hyphens, that pass the Luhn check and start with a known issuer prefix at a length that brand \
issues: Visa 4 (16, 19; 13 only next to a card word such as `card`, `visa`, `卡号` or `信用卡`, \
since bare 13-digit order numbers starting with 4 pass Luhn one time in ten), Mastercard 51-55 \
and 2221-2720 (16), American Express 34/37 (15), UnionPay 62 (16-19), JCB 3528-3589 (16-19), \
Discover 6011/644-649/65 (16-19), Diners Club 36/38/300-305 (14-19), Mir 2200-2204 (16-19), \
Maestro 5018/5020/5038/5893/6304/6759/6761-6763 (13-19), RuPay 508/6069/607/608/81/82 (16) and \
Troy 9792 (16).\n\
The detector takes each maximal run of digit groups and tries every run of consecutive groups \
inside it (longest first, left to right), so a card next to an order number on the same line is \
still found while digits glued to a card always reject it.\n\
Why it matters: a card number is a payment credential (PCI DSS) and must never reach a \
training set. 19-digit UnionPay debit cards are the ones most peers miss.\n\
Example: `卡号6222021234567890128` -> `卡号<PAYMENT_CARD>`; `6222021234567890127` (Luhn fails) is kept; \
`Visa 4222222222222` is a card, `order 4222222222222` is not.",
};

/// A maximal run of digit groups joined by single spaces or hyphens.
pub(crate) const PATTERN: &str = "[0-9]+(?:[ -][0-9]+)*";
const MIN_DIGITS: usize = 13;
const MAX_DIGITS: usize = 19;

fn prefix(digits: &[u8], len: usize) -> u32 {
    digits
        .iter()
        .take(len)
        .fold(0, |acc, d| acc * 10 + u32::from(d.wrapping_sub(b'0')))
}

/// True when `digits` start with a known issuer prefix and have a length that issuer uses.
fn known_brand(digits: &[u8]) -> bool {
    let len = digits.len();
    let (p1, p2, p3, p4) = (
        prefix(digits, 1),
        prefix(digits, 2),
        prefix(digits, 3),
        prefix(digits, 4),
    );
    let visa = p1 == 4 && matches!(len, 16 | 19);
    let mastercard = ((51..=55).contains(&p2) || (2221..=2720).contains(&p4)) && len == 16;
    let amex = matches!(p2, 34 | 37) && len == 15;
    let unionpay = p2 == 62 && (16..=19).contains(&len);
    let jcb = (3528..=3589).contains(&p4) && (16..=19).contains(&len);
    let discover =
        (p4 == 6011 || (644..=649).contains(&p3) || p2 == 65) && (16..=19).contains(&len);
    let diners = (matches!(p2, 36 | 38) || (300..=305).contains(&p3)) && (14..=19).contains(&len);
    let mir = (2200..=2204).contains(&p4) && (16..=19).contains(&len);
    let maestro = matches!(p4, 5018 | 5020 | 5038 | 5893 | 6304 | 6759 | 6761..=6763)
        && (13..=19).contains(&len);
    let rupay =
        (p3 == 508 || p4 == 6069 || matches!(p3, 607 | 608) || matches!(p2, 81 | 82)) && len == 16;
    let troy = p4 == 9792 && len == 16;
    visa || mastercard
        || amex
        || unionpay
        || jcb
        || discover
        || diners
        || mir
        || maestro
        || rupay
        || troy
}

/// True for a Luhn-valid 13-digit Visa number, a card only with a card word nearby.
fn is_visa_13(digits: &[u8]) -> bool {
    digits.len() == 13 && digits.first() == Some(&b'4') && luhn::is_valid(digits)
}

/// Words that make a 13-digit Visa number a card (ASCII case-insensitive, edges checked).
const CARD_CONTEXT: &[&str] = &[
    "card",
    "visa",
    "credit",
    "debit",
    "卡号",
    "信用卡",
    "银行卡",
    "借记卡",
    "储蓄卡",
    "刷卡",
];

/// True when `digits` form a plausible card number.
pub(crate) fn is_card_number(digits: &[u8]) -> bool {
    (MIN_DIGITS..=MAX_DIGITS).contains(&digits.len())
        && known_brand(digits)
        && luhn::is_valid(digits)
}

/// Byte ranges (relative to `run`) of the digit groups of a run.
fn groups(run: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, b) in run.bytes().enumerate() {
        match (b.is_ascii_digit(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(s..run.len());
    }
    out
}

/// Card numbers inside one maximal run, as byte ranges relative to `run`: from each group, the
/// longest valid run of consecutive groups wins; the search goes on after it. `in_context` says
/// whether a card word stands near a range (for 13-digit Visa numbers).
fn cards_in_run(run: &str, in_context: &dyn Fn(Range<usize>) -> bool) -> Vec<Range<usize>> {
    let groups = groups(run);
    let bytes = run.as_bytes();
    let mut found = Vec::new();
    let mut first = 0;
    let mut digits = Vec::with_capacity(MAX_DIGITS);
    while first < groups.len() {
        digits.clear();
        let mut best = None;
        for (last, group) in groups.iter().enumerate().skip(first) {
            digits.extend_from_slice(&bytes[group.clone()]);
            if digits.len() > MAX_DIGITS {
                break;
            }
            if is_card_number(&digits)
                || (is_visa_13(&digits) && in_context(groups[first].start..group.end))
            {
                best = Some(last);
            }
        }
        match best {
            Some(last) => {
                found.push(groups[first].start..groups[last].end);
                first = last + 1;
            }
            None => first += 1,
        }
    }
    found
}

/// Every card lies in one numeric run (see `segments`) holding at least 13 digits.
const SCOPE: Scope = Scope {
    class: Class::Numeric,
    qualifies: |s| s.digits as usize >= MIN_DIGITS,
    overhang: 0,
};

struct PaymentCard {
    pattern: Pattern,
}

/// Compiles the detector.
pub(crate) fn build() -> Result<Box<dyn Detector>, regex::Error> {
    Ok(Box::new(PaymentCard {
        pattern: Pattern::new(PATTERN)?,
    }))
}

impl Detector for PaymentCard {
    fn info(&self) -> &'static DetectorInfo {
        &INFO
    }

    fn may_match(&self, stats: &TextStats) -> bool {
        stats.digits >= MIN_DIGITS
    }

    fn scope(&self) -> Option<Scope> {
        Some(SCOPE)
    }

    fn find_in(&self, text: &str, windows: &[Window], out: &mut Vec<Range<usize>>) -> Settled {
        scan_runs(&self.pattern, text, windows, out, |base, run, out| {
            if run.len() < MIN_DIGITS {
                return;
            }
            let in_context =
                |r: Range<usize>| near(text, &(base + r.start..base + r.end), CARD_CONTEXT);
            out.extend(
                cards_in_run(run, &in_context)
                    .into_iter()
                    .map(|r| base + r.start..base + r.end),
            );
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::CATALOGUE;
    use super::super::test_util::found;
    use super::*;

    fn cards(text: &str) -> Vec<String> {
        let entry = CATALOGUE
            .iter()
            .find(|e| e.info.code == "payment_card")
            .unwrap();
        found(entry, text)
    }

    #[test]
    fn finds_19_digit_unionpay_glued_to_han() {
        assert_eq!(
            cards("卡号6222021234567890128。"),
            vec!["6222021234567890128"]
        );
    }

    #[test]
    fn finds_grouped_cards_of_each_brand() {
        for card in [
            "4111 1111 1111 1111",
            "4111-1111-1111-1111",
            "5555 5555 5555 4444",
            "2223 0031 2200 3222",
            "3782 822463 10005",
            "6228481234567894",
            "3530111333300000",
            "6011111111111117",
            "30569309025904",
        ] {
            assert_eq!(
                cards(&format!("card {card}.")),
                vec![card.to_owned()],
                "{card}"
            );
        }
    }

    #[test]
    fn finds_a_card_next_to_another_number_in_the_same_run() {
        assert_eq!(
            cards("order 12 4111 1111 1111 1111"),
            vec!["4111 1111 1111 1111"]
        );
        assert_eq!(
            cards("4111111111111111 6222021234567890128"),
            vec!["4111111111111111", "6222021234567890128"]
        );
    }

    #[test]
    fn rejects_luhn_failures_unknown_brands_wrong_lengths_and_glued_digits() {
        for text in [
            "6222021234567890127",
            "1234567812345670",
            "411111111111111",
            "41111111111111111",
            "94111111111111111",
            "4111  1111 1111 1111",
        ] {
            assert!(cards(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn brand_rules() {
        assert!(is_card_number(b"4111111111111111"));
        assert!(!is_card_number(b"4111111111111112"));
        assert!(known_brand(b"378282246310005"));
        assert!(!known_brand(b"3782822463100050"));
    }

    /// `body` plus the digit that makes it Luhn-valid.
    fn complete(body: &str) -> String {
        (b'0'..=b'9')
            .map(|d| format!("{body}{}", char::from(d)))
            .find(|c| crate::validators::luhn::is_valid(c.as_bytes()))
            .unwrap()
    }

    #[test]
    fn bare_13_digit_numbers_are_not_cards() {
        // Luhn-valid, 13 digits, prefix 4, but no card word: an order number as far as we can tell.
        assert!(crate::validators::luhn::is_valid(b"4222222222222"));
        assert!(!is_card_number(b"4222222222222"));
        let texts = [
            "4222222222222".to_owned(),
            "order 4222222222222".to_owned(),
            "订单号4222222222222已发货".to_owned(),
            "tracking 4 222 222 222 222".to_owned(),
            // A card word glued into another word is no context.
            "scorecard4222222222222".to_owned(),
            // Luhn-valid 13 digits with non-card prefixes, even next to a card word.
            format!("card {}", complete("100000000000")),
            format!("卡号{}", complete("900000000000")),
            format!("visa {}", complete("700000000000")),
            format!("card {}", complete("620000000000")),
        ];
        for text in &texts {
            assert!(cards(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn thirteen_digit_visa_with_a_card_word_is_a_card() {
        assert_eq!(cards("Visa 4222222222222 exp 12/29"), vec!["4222222222222"]);
        assert_eq!(cards("信用卡号4222222222222。"), vec!["4222222222222"]);
        assert_eq!(cards("card no. 4222 222 222 222"), vec!["4222 222 222 222"]);
        // Luhn fails: still no card.
        assert!(cards("Visa 4222222222223").is_empty());
    }

    #[test]
    fn other_13_to_19_digit_brands() {
        for card in [
            "2200000000000004",    // Mir, 16
            "6759000000000000005", // Maestro UK, 19
            "5018000000009",       // Maestro, 13
            "5081000000000004",    // RuPay, 16
            "9792000000000001",    // Troy, 16
        ] {
            let valid = complete(&card[..card.len() - 1]);
            assert_eq!(
                cards(&format!("pay {valid} now")),
                vec![valid.clone()],
                "{valid}"
            );
        }
        // Unknown prefixes of the same lengths are no cards.
        assert!(!known_brand(b"2205000000000000"));
        assert!(!known_brand(b"9793000000000000"));
        assert!(!known_brand(b"5019000000000"));
    }
}
