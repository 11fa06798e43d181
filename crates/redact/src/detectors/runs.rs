//! Hand-written matchers for the candidate patterns of the numeric and ID detectors, each equal
//! to the detector's own regex (a test below compares them from every start offset).
//!
//! These patterns match runs of one char class or fixed digit shapes: the regex search over a
//! short window was most of those detectors' time, while the runs themselves are found by a walk
//! over a few bytes. [`Pattern::new`](super::boundary::Pattern::new) picks the matcher of a
//! pattern listed in [`MATCHERS`] and then does not compile the regex; the pattern text stays
//! for what it proves ([blind to blanks](super::boundary::blind_to_blanks)) and as the
//! reference here.

use std::ops::Range;

/// A matcher: the leftmost-first match in `hay` starting at or after `at`, like
/// `regex::Regex::find_at` with its pattern.
pub(crate) type Matcher = fn(hay: &[u8], at: usize) -> Option<Range<usize>>;

/// The detectors' patterns that have a hand-written matcher, with it.
const MATCHERS: &[(&str, Matcher)] = &[
    (super::phone_national::PATTERN, grouped_digits),
    (super::payment_card::PATTERN, spaced_digits),
    (super::ipv4::PATTERN, dotted_digits),
    (super::us_ssn::PATTERN, ssn_shaped),
    (super::cn_resident_id_15::PATTERN, digits_15),
    (super::cn_resident_id::PATTERN, digits_17_check),
    (super::cn_uscc::PATTERN, upper_digits_18),
    (super::iban::PATTERN, iban_shaped),
    (super::aws_secret_key::PATTERN, base64ish_40),
];

/// The hand-written matcher equal to `pattern`, if there is one.
pub(crate) fn matcher_for(pattern: &str) -> Option<Matcher> {
    MATCHERS
        .iter()
        .find(|(listed, _)| *listed == pattern)
        .map(|&(_, matcher)| matcher)
}

fn digit(hay: &[u8], i: usize) -> bool {
    hay.get(i).is_some_and(u8::is_ascii_digit)
}

fn is(hay: &[u8], i: usize, b: u8) -> bool {
    hay.get(i) == Some(&b)
}

/// The end of the run of `class` bytes from `i`.
fn run_end(hay: &[u8], mut i: usize, class: fn(&u8) -> bool) -> usize {
    while hay.get(i).is_some_and(class) {
        i += 1;
    }
    i
}

/// The end of the digits from `i`.
fn digits_end(hay: &[u8], i: usize) -> usize {
    run_end(hay, i, u8::is_ascii_digit)
}

/// The first run of `class` bytes from `at` on holding at least `min` of them from its start
/// (or from `at`), as `[class]{min,}` finds it: a start inside a shorter run has even fewer.
fn long_run(hay: &[u8], at: usize, class: fn(&u8) -> bool, min: usize) -> Option<Range<usize>> {
    let mut from = at;
    loop {
        let start = (from..hay.len()).find(|&i| class(&hay[i]))?;
        let end = run_end(hay, start, class);
        if end - start >= min {
            return Some(start..end);
        }
        from = end;
    }
}

/// `\(?[0-9]+\)?(?:[ .-]?\(?[0-9]+\)?)*`: digit groups joined by one space, `.` or `-`, each
/// optionally in parentheses (`phone_national`).
fn grouped_digits(hay: &[u8], at: usize) -> Option<Range<usize>> {
    // The leftmost start: a digit, or `(` before one.
    let start =
        (at..hay.len()).find(|&i| digit(hay, i) || (is(hay, i, b'(') && digit(hay, i + 1)))?;
    let mut end = start + usize::from(is(hay, start, b'('));
    end = digits_end(hay, end);
    end += usize::from(is(hay, end, b')'));
    // Each further group is taken greedily; a group needs a digit after its optional separator
    // and `(`, and backing off either cannot put a digit there (neither is one).
    loop {
        let mut next = end;
        next += usize::from(
            hay.get(next)
                .is_some_and(|b| matches!(b, b' ' | b'.' | b'-')),
        );
        next += usize::from(is(hay, next, b'('));
        if !digit(hay, next) {
            return Some(start..end);
        }
        end = digits_end(hay, next);
        end += usize::from(is(hay, end, b')'));
    }
}

/// `[0-9]+(?:[ -][0-9]+)*`: digit groups joined by one space or `-` (`payment_card`).
fn spaced_digits(hay: &[u8], at: usize) -> Option<Range<usize>> {
    let start = (at..hay.len()).find(|&i| digit(hay, i))?;
    let mut end = digits_end(hay, start);
    while hay.get(end).is_some_and(|b| matches!(b, b' ' | b'-')) && digit(hay, end + 1) {
        end = digits_end(hay, end + 1);
    }
    Some(start..end)
}

/// `[0-9]+(?:\.[0-9]+)+`: dotted numbers of two parts or more (`ipv4`).
fn dotted_digits(hay: &[u8], at: usize) -> Option<Range<usize>> {
    let mut from = at;
    loop {
        let start = (from..hay.len()).find(|&i| digit(hay, i))?;
        // Fewer digits than the run holds leave a digit, not a dot, after them: a match from
        // `start` needs the whole run followed by `.` and a digit.
        let mut end = digits_end(hay, start);
        if !(is(hay, end, b'.') && digit(hay, end + 1)) {
            from = end;
            continue;
        }
        while is(hay, end, b'.') && digit(hay, end + 1) {
            end = digits_end(hay, end + 1);
        }
        return Some(start..end);
    }
}

/// `[0-9]{3}[- ]?[0-9]{2}[- ]?[0-9]{4}` (`us_ssn`). A separator present must be taken: leaving
/// it out needs a digit where it stands.
fn ssn_shaped(hay: &[u8], at: usize) -> Option<Range<usize>> {
    let separator = |i: usize| hay.get(i).is_some_and(|b| matches!(b, b'-' | b' '));
    let digits = |i: usize, n: usize| (i..i + n).all(|j| digit(hay, j));
    (at..hay.len()).find_map(|start| {
        if !digits(start, 3) {
            return None;
        }
        let mut i = start + 3;
        i += usize::from(separator(i));
        if !digits(i, 2) {
            return None;
        }
        i += 2;
        i += usize::from(separator(i));
        digits(i, 4).then_some(start..i + 4)
    })
}

/// `[0-9]{15,}` (`cn_resident_id_15`).
fn digits_15(hay: &[u8], at: usize) -> Option<Range<usize>> {
    long_run(hay, at, u8::is_ascii_digit, 15)
}

/// `[0-9]{17,}[Xx]?` (`cn_resident_id`).
fn digits_17_check(hay: &[u8], at: usize) -> Option<Range<usize>> {
    let run = long_run(hay, at, u8::is_ascii_digit, 17)?;
    let check = hay.get(run.end).is_some_and(|b| matches!(b, b'X' | b'x'));
    Some(run.start..run.end + usize::from(check))
}

/// `[0-9A-Z]{18,}` (`cn_uscc`).
fn upper_digits_18(hay: &[u8], at: usize) -> Option<Range<usize>> {
    long_run(
        hay,
        at,
        |b| b.is_ascii_digit() || b.is_ascii_uppercase(),
        18,
    )
}

/// `[A-Za-z0-9/+]{40,}` (`aws_secret_key`).
fn base64ish_40(hay: &[u8], at: usize) -> Option<Range<usize>> {
    long_run(
        hay,
        at,
        |b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'+'),
        40,
    )
}

/// `[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){10,30}` (`iban`): a country code, check digits, then 10 to
/// 30 chars, each after at most one space, taken greedily (a space not followed by one ends it).
fn iban_shaped(hay: &[u8], at: usize) -> Option<Range<usize>> {
    let upper = |i: usize| hay.get(i).is_some_and(u8::is_ascii_uppercase);
    let alnum = |i: usize| upper(i) || digit(hay, i);
    (at..hay.len()).find_map(|start| {
        if !(upper(start) && upper(start + 1) && digit(hay, start + 2) && digit(hay, start + 3)) {
            return None;
        }
        let mut end = start + 4;
        let mut chars = 0;
        while chars < 30 {
            if is(hay, end, b' ') && alnum(end + 1) {
                end += 2;
            } else if alnum(end) {
                end += 1;
            } else {
                break;
            }
            chars += 1;
        }
        (chars >= 10).then_some(start..end)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fragments the test strings of a listed pattern are made of: its chars in runs of many
    /// lengths, and the chars next to them, so long and near-miss matches are common.
    fn fragments(pattern: &str) -> &'static [&'static str] {
        use crate::detectors::*;
        match pattern {
            p if p == phone_national::PATTERN => {
                &["1", "23", "4567", "(", ")", " ", ".", "-", "+", "a", "--"]
            }
            p if p == payment_card::PATTERN => &["1", "23", "4567", " ", "-", ".", "+", "a", "  "],
            p if p == ipv4::PATTERN => &["1", "23", "456", ".", "..", " ", "-", "a"],
            p if p == us_ssn::PATTERN => &["1", "23", "456", "7890", " ", "-", "a", "--"],
            p if p == cn_resident_id_15::PATTERN => &["1", "2345", "6789012", " ", "a"],
            p if p == cn_resident_id::PATTERN => &["1", "2345", "6789012", "X", "x", " ", "a"],
            p if p == cn_uscc::PATTERN => &["1", "2345", "ABCD", "91350100M0", " ", "a", "-"],
            p if p == iban::PATTERN => &["DE89", "DE", "89", "3704", " ", "A", "0", "  ", "a"],
            _ => &[
                "wJalrXUtnFEMI/K7MDENG",
                "bPxRfiCY+EXAMPLEKEY",
                "a",
                "/",
                "+",
                " ",
                ".",
                "-",
            ],
        }
    }

    /// Every listed matcher finds what its regex finds, from every start offset of 20,000
    /// generated strings each, and the strings hold matches often enough to show it.
    #[test]
    fn every_matcher_is_its_regex() {
        let mut next = crate::detectors::test_util::indexes(0x5eed);
        for &(pattern, matcher) in MATCHERS {
            let regex = regex::Regex::new(pattern).unwrap();
            let parts = fragments(pattern);
            let mut matched = 0;
            for _ in 0..20_000 {
                let len = next(24);
                let hay: String = (0..len).map(|_| parts[next(parts.len())]).collect();
                for at in 0..=hay.len() {
                    let expected = regex.find_at(&hay, at).map(|m| m.range());
                    assert_eq!(
                        matcher(hay.as_bytes(), at),
                        expected,
                        "{pattern}: {hay:?} from {at}"
                    );
                }
                matched += usize::from(regex.is_match(&hay));
            }
            assert!(matched > 2_000, "{pattern}: {matched}");
        }
    }

    #[test]
    fn examples() {
        assert_eq!(grouped_digits(b"tel (415) 555-0123.", 0), Some(4..18));
        assert_eq!(grouped_digits(b"a(b 12)(3", 0), Some(4..9));
        assert_eq!(spaced_digits(b"4111 1111-1111  1111", 0), Some(0..14));
        assert_eq!(dotted_digits(b"v1 10.0.0.1.", 0), Some(3..11));
        assert_eq!(dotted_digits(b"12. 3", 0), None);
        assert_eq!(ssn_shaped(b"1234-56 7890", 0), Some(1..12));
        assert_eq!(digits_17_check(b"11010519491231002Xx", 0), Some(0..18));
        assert_eq!(iban_shaped(b"DE89 3704 0044 0532 0130 00.", 0), Some(0..27));
    }

    #[test]
    fn every_listed_pattern_is_a_catalogue_pattern_and_gets_its_matcher() {
        for (pattern, _) in MATCHERS {
            assert!(matcher_for(pattern).is_some());
            assert!(regex::Regex::new(pattern).is_ok());
        }
        assert!(matcher_for("[0-9]+").is_none());
    }
}
