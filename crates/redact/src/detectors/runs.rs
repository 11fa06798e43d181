//! Hand-written matchers for the run patterns of the numeric detectors, each equal to a regex
//! the detector declares (property tests below compare them on every start offset).
//!
//! These patterns match maximal runs of digit groups: the regex search over one short numeric
//! window was most of those detectors' time, while the runs themselves are found by a walk over
//! a few bytes. The regex stays with the detector for what it proves ([blind to
//! blanks](super::boundary::blind_to_blanks)) and as the reference here.

use std::ops::Range;

/// A matcher: the leftmost-first match in `hay` starting at or after `at`, like
/// `regex::Regex::find_at` with its pattern.
pub(crate) type Matcher = fn(hay: &[u8], at: usize) -> Option<Range<usize>>;

fn digit(hay: &[u8], i: usize) -> bool {
    hay.get(i).is_some_and(u8::is_ascii_digit)
}

fn is(hay: &[u8], i: usize, b: u8) -> bool {
    hay.get(i) == Some(&b)
}

/// The end of the digits from `i`.
fn digits_end(hay: &[u8], mut i: usize) -> usize {
    while digit(hay, i) {
        i += 1;
    }
    i
}

/// `\(?[0-9]+\)?(?:[ .-]?\(?[0-9]+\)?)*`: digit groups joined by one space, `.` or `-`, each
/// optionally in parentheses (`phone_national`).
pub(crate) fn grouped_digits(hay: &[u8], at: usize) -> Option<Range<usize>> {
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
pub(crate) fn spaced_digits(hay: &[u8], at: usize) -> Option<Range<usize>> {
    let start = (at..hay.len()).find(|&i| digit(hay, i))?;
    let mut end = digits_end(hay, start);
    while hay.get(end).is_some_and(|b| matches!(b, b' ' | b'-')) && digit(hay, end + 1) {
        end = digits_end(hay, end + 1);
    }
    Some(start..end)
}

/// `[0-9]+(?:\.[0-9]+)+`: dotted numbers of two parts or more (`ipv4`).
pub(crate) fn dotted_digits(hay: &[u8], at: usize) -> Option<Range<usize>> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `matcher` finds what `pattern` finds from every start offset of `hay`.
    fn agrees(matcher: Matcher, pattern: &str, hay: &str) -> Result<(), TestCaseError> {
        let regex = regex::Regex::new(pattern).unwrap();
        for at in 0..=hay.len() {
            let expected = regex.find_at(hay, at).map(|m| m.range());
            prop_assert_eq!(
                matcher(hay.as_bytes(), at),
                expected,
                "{:?} from {}",
                hay,
                at
            );
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn grouped_digits_is_its_regex(hay in "[0-9 .()+a-]{0,24}") {
            agrees(grouped_digits, r"\(?[0-9]+\)?(?:[ .-]?\(?[0-9]+\)?)*", &hay)?;
        }

        #[test]
        fn spaced_digits_is_its_regex(hay in "[0-9 .+a-]{0,24}") {
            agrees(spaced_digits, "[0-9]+(?:[ -][0-9]+)*", &hay)?;
        }

        #[test]
        fn dotted_digits_is_its_regex(hay in "[0-9 .a-]{0,24}") {
            agrees(dotted_digits, r"[0-9]+(?:\.[0-9]+)+", &hay)?;
        }
    }

    #[test]
    fn examples() {
        assert_eq!(grouped_digits(b"tel (415) 555-0123.", 0), Some(4..18));
        assert_eq!(grouped_digits(b"a(b 12)(3", 0), Some(4..9));
        assert_eq!(spaced_digits(b"4111 1111-1111  1111", 0), Some(0..14));
        assert_eq!(dotted_digits(b"v1 10.0.0.1.", 0), Some(3..11));
        assert_eq!(dotted_digits(b"12. 3", 0), None);
    }
}
