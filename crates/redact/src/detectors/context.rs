//! Context gating: weak-shaped identifiers (legacy IDs, passports, QQ numbers…) are reported only
//! when a context word stands within a few chars of them, in the same clause (a `。；;！？!?` or a
//! line break ends the window).
//!
//! Chinese has no spaces, so this is a substring test on a window of chars around the candidate,
//! never a token match: `护照号E12345678` has its context word glued to the value.

use std::ops::Range;

/// Chars looked at on each side of a candidate.
pub(crate) const WINDOW_CHARS: usize = 20;

/// Chars that end a clause for context purposes.
const CLAUSE_ENDS: [char; 8] = ['。', '；', ';', '！', '？', '!', '?', '\n'];

/// Byte offset `n` chars before `at` (or 0).
fn back(text: &str, at: usize, n: usize) -> usize {
    text[..at]
        .char_indices()
        .rev()
        .take(n)
        .last()
        .map_or(at, |(i, _)| i)
}

/// Byte offset `n` chars after `at` (or the end).
fn forward(text: &str, at: usize, n: usize) -> usize {
    text[at..]
        .char_indices()
        .nth(n)
        .map_or(text.len(), |(i, _)| at + i)
}

/// True when one of `words` (lower-case) occurs within [`WINDOW_CHARS`] chars before or after
/// `range`, ASCII case-insensitively. The candidate itself is not part of the window, so a value
/// cannot be its own context (`wx123456` does not vouch for itself).
pub(crate) fn near(text: &str, range: &Range<usize>, words: &[&str]) -> bool {
    if range.start > range.end
        || range.end > text.len()
        || !text.is_char_boundary(range.start)
        || !text.is_char_boundary(range.end)
    {
        return false;
    }
    let before = &text[back(text, range.start, WINDOW_CHARS)..range.start];
    let after = &text[range.end..forward(text, range.end, WINDOW_CHARS)];
    // A context word speaks for its own clause: `电话13812345678。发票号0755123456` vouches for
    // the phone, not for the invoice number after the full stop. `.` is no boundary (`Tel. 020…`).
    let before = before.rsplit(CLAUSE_ENDS).next().unwrap_or(before);
    let after = after.split(CLAUSE_ENDS).next().unwrap_or(after);
    // Without `<` or `>` a window holds no placeholder, whole or cut: the common case, on the
    // hot path of phone numbers, searched in place.
    let angled = |w: &str| w.bytes().any(|b| b == b'<' || b == b'>');
    if !angled(before) && !angled(after) {
        return words
            .iter()
            .any(|word| stands_alone_in(before, word) || stands_alone_in(after, word));
    }
    let (before, after) = (before.to_ascii_lowercase(), after.to_ascii_lowercase());
    let before = if angled(&before) {
        // Context does not reach across a placeholder: it stands for a value of unknown length,
        // so a second pass over redacted text would otherwise see words the first pass found too
        // far away. A placeholder the window edge cuts (`…_number>`) is no context either.
        let last_end = placeholder_spans(&before).last().map_or(0, |p| p.end);
        without_cut_head(&before[last_end..])
    } else {
        before
    };
    let after = if angled(&after) {
        let first_start = placeholder_spans(&after)
            .first()
            .map_or(after.len(), |p| p.start);
        without_cut_tail(&after[..first_start])
    } else {
        after
    };
    words
        .iter()
        .any(|word| stands_alone_in(&before, word) || stands_alone_in(&after, word))
}

/// The byte ranges of sluice's own placeholders (`<qq_number>`, `<phone_2>`, lower-cased) in
/// `window`, in order.
fn placeholder_spans(window: &str) -> Vec<Range<usize>> {
    let bytes = window.as_bytes();
    let mut spans = Vec::new();
    let mut at = 0;
    while let Some(offset) = window[at..].find('<') {
        let open = at + offset;
        let name_len = bytes[open + 1..]
            .iter()
            .take_while(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || **b == b'_')
            .count();
        if name_len > 0 && bytes.get(open + 1 + name_len) == Some(&b'>') {
            spans.push(open..open + name_len + 2);
            at = open + name_len + 2;
        } else {
            at = open + 1;
        }
    }
    spans
}

/// Blanks a placeholder's tail (`name>`) at the start of a window that cut its head.
fn without_cut_head(window: &str) -> String {
    let name = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_';
    let len = window.bytes().take_while(name).count();
    if window.as_bytes().get(len) == Some(&b'>') {
        format!("{}{}", " ".repeat(len + 1), &window[len + 1..])
    } else {
        window.to_owned()
    }
}

/// Blanks a placeholder's head (`<name`) at the end of a window that cut its tail.
fn without_cut_tail(window: &str) -> String {
    let name = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_';
    let len = window.bytes().rev().take_while(name).count();
    let open = window.len() - len;
    if open > 0 && window.as_bytes()[open - 1] == b'<' {
        format!("{}{}", &window[..open - 1], " ".repeat(len + 1))
    } else {
        window.to_owned()
    }
}

/// True when `word` (lower case) occurs in `window`, ASCII case-insensitively, and, where the
/// word begins or ends with an ASCII letter or digit, does not continue into another one there:
/// `vx` in a random key `AKIA…VX…` is no context, `QQ号` and `加qq` are. Han words have no
/// such edge. Occurrences are tried leftmost first and without overlap, as `match_indices` on
/// a lowered copy would.
fn stands_alone_in(window: &str, word: &str) -> bool {
    let alnum = |b: Option<&u8>| b.is_some_and(u8::is_ascii_alphanumeric);
    let (bytes, needle) = (window.as_bytes(), word.as_bytes());
    let (Some(first), Some(last)) = (needle.first(), needle.last()) else {
        return true;
    };
    let mut at = 0;
    while at + needle.len() <= bytes.len() {
        if bytes[at].to_ascii_lowercase() != *first
            || !bytes[at..at + needle.len()].eq_ignore_ascii_case(needle)
        {
            at += 1;
            continue;
        }
        let end = at + needle.len();
        let glued_before = alnum(Some(first)) && at > 0 && alnum(bytes.get(at - 1));
        let glued_after = alnum(Some(last)) && alnum(bytes.get(end));
        if !glued_before && !glued_after {
            return true;
        }
        at = end;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn around(text: &str, value: &str, words: &[&str]) -> bool {
        let start = text.find(value).unwrap();
        near(text, &(start..start + value.len()), words)
    }

    #[test]
    fn context_stays_within_its_clause() {
        assert!(around("电话13812345678", "13812345678", &["电话"]));
        assert!(!around(
            "电话1381234。发票号0755123456",
            "0755123456",
            &["电话"]
        ));
        assert!(!around("call me; ref 0755123456", "0755123456", &["call"]));
        assert!(!around("0755123456! Call us", "0755123456", &["call"]));
        assert!(!around("电话？\n0755123456", "0755123456", &["电话"]));
        assert!(around("Tel. 0755123456", "0755123456", &["tel"]));
        assert!(around("call, 0755123456", "0755123456", &["call"]));
    }

    #[test]
    fn placeholders_cut_by_the_window_edge_are_not_context() {
        let text = "11114111 1111 1111 <QQ_NUMBER>.168";
        assert!(!around(text, "11114111", &["qq"]));
        let text = format!("<QQ_NUMBER>{}12345", "x".repeat(WINDOW_CHARS - 5));
        assert!(!around(&text, "12345", &["qq", "number"]));
        assert_eq!(without_cut_tail("ab <qq_n"), "ab      ");
        assert_eq!(without_cut_head("_number> ab"), "         ab");
    }

    #[test]
    fn placeholders_are_not_context_and_context_does_not_reach_across_them() {
        assert!(!around("<QQ_NUMBER>.168 104111", "104111", &["qq"]));
        assert!(around("QQ 104111", "104111", &["qq"]));
        assert!(!around("qq <PHONE> 104111", "104111", &["qq"]));
        assert!(!around("104111 <PHONE> 手机", "104111", &["手机"]));
        assert!(around("104111 手机 <PHONE>", "104111", &["手机"]));
        assert_eq!(placeholder_spans("a<qq_1>b<c<phone>"), vec![1..7, 10..17]);
        assert!(placeholder_spans("a < b <> <C>").is_empty());
    }

    #[test]
    fn finds_glued_chinese_and_case_insensitive_english_words() {
        assert!(around("护照号E12345678", "E12345678", &["护照"]));
        assert!(around("E12345678 (Passport)", "E12345678", &["passport"]));
        assert!(around("QQ:12345678", "12345678", &["qq"]));
        assert!(around("加QQ号12345678", "12345678", &["qq"]));
        assert!(!around("AKIAVXQ2 SF12345678", "12345678", &["vx"]));
        assert!(!around("myqqx 12345678", "12345678", &["qq"]));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(5_000))]

        /// In-place search finds what searching a lowered copy with `match_indices` finds.
        #[test]
        fn searching_in_place_is_searching_a_lowered_copy(
            window in "[qQxX号a1 _加]{0,12}",
            word in proptest::sample::select(vec!["qq", "q号", "加qq", "x", "号", "qqq", "q_"]),
        ) {
            let lowered = window.to_ascii_lowercase();
            let alnum = |b: Option<&u8>| b.is_some_and(u8::is_ascii_alphanumeric);
            let bytes = lowered.as_bytes();
            let (first, last) = (word.as_bytes().first(), word.as_bytes().last());
            let reference = lowered.match_indices(word).any(|(at, _)| {
                let end = at + word.len();
                let glued_before = alnum(first) && at > 0 && alnum(bytes.get(at - 1));
                let glued_after = alnum(last) && alnum(bytes.get(end));
                !glued_before && !glued_after
            });
            proptest::prop_assert_eq!(stands_alone_in(&window, word), reference);
        }
    }

    #[test]
    fn words_outside_the_window_or_inside_the_value_do_not_count() {
        let far = format!("护照{}E12345678", "很".repeat(WINDOW_CHARS));
        assert!(!around(&far, "E12345678", &["护照"]));
        let edge = format!("护照{}E12345678", "很".repeat(WINDOW_CHARS - 2));
        assert!(around(&edge, "E12345678", &["护照"]));
        assert!(!around("wx123456", "wx123456", &["wx"]));
        assert!(!near("abc", &(2..9), &["a"]));
    }
}
