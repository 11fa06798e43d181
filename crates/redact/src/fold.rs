//! Folding text for detection (never for output): full-width ASCII forms and the ideographic
//! space become ASCII, zero-width characters disappear, and every folded byte remembers which
//! original character it came from so detections are reported in original offsets.

use std::borrow::Cow;
use std::ops::Range;

/// Text as the detectors see it, plus the way back to the original offsets.
#[derive(Debug)]
pub(crate) struct Folded<'a> {
    /// The folded text.
    pub text: Cow<'a, str>,
    /// One entry per folded or dropped char, in text order; unchanged text between entries keeps
    /// a constant offset. Empty when folding changed nothing and offsets are the same. Sparse,
    /// because most chars of real text are kept as they are.
    changes: Vec<Change>,
}

/// A char that folding changed: it became `folded.start..folded.end` (empty when dropped) and
/// came from `original.start..original.end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Change {
    folded: (usize, usize),
    original: (usize, usize),
}

impl Change {
    /// What to add to a folded offset after this change to get the original offset (folding
    /// never lengthens text, so it is never negative).
    fn shift(&self) -> usize {
        self.original.1 - self.folded.1
    }
}

/// Full-width forms U+FF01–U+FF5E map to U+0021–U+007E by subtracting this.
const FULL_WIDTH_OFFSET: u32 = 0xFEE0;

enum Fold {
    Keep,
    Into(char),
    Drop,
}

fn fold_char(c: char) -> Fold {
    match c {
        '\u{FF01}'..='\u{FF5E}' => {
            char::from_u32(u32::from(c) - FULL_WIDTH_OFFSET).map_or(Fold::Keep, Fold::Into)
        }
        '\u{3000}' => Fold::Into(' '),
        // Zero-width characters are invisible to a reader, so a number split by them is still
        // the same number; they are dropped everywhere, not only inside numbers.
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => Fold::Drop,
        _ => Fold::Keep,
    }
}

impl<'a> Folded<'a> {
    /// Folds `text`, borrowing it untouched when there is nothing to fold (always for ASCII).
    pub fn new(text: &'a str) -> Self {
        // Every foldable char is encoded with a lead byte E2 (zero-width), E3 (ideographic
        // space) or EF (full-width forms, BOM), which is never a continuation byte: only those
        // chars are looked at, and the text between them is copied in one piece (Chinese text
        // has a full-width comma every few chars, and was copied a char at a time).
        let mut folded: Option<String> = None;
        let mut changes = Vec::new();
        let mut copied = 0;
        for lead in memchr::memchr3_iter(0xE2, 0xE3, 0xEF, text.as_bytes()) {
            let Some(c) = text.get(lead..).and_then(|rest| rest.chars().next()) else {
                continue;
            };
            let out = match fold_char(c) {
                Fold::Keep => continue,
                Fold::Into(ascii) => Some(ascii),
                Fold::Drop => None,
            };
            let buffer = folded.get_or_insert_with(|| String::with_capacity(text.len()));
            buffer.push_str(&text[copied..lead]);
            let at = buffer.len();
            if let Some(ascii) = out {
                buffer.push(ascii);
            }
            changes.push(Change {
                folded: (at, buffer.len()),
                original: (lead, lead + c.len_utf8()),
            });
            copied = lead + c.len_utf8();
        }
        let text = match folded {
            None => Cow::Borrowed(text),
            Some(mut buffer) => {
                buffer.push_str(&text[copied..]);
                Cow::Owned(buffer)
            }
        };
        Folded { text, changes }
    }

    /// The original byte range of the char holding folded byte `at`.
    fn origin(&self, at: usize) -> (usize, usize) {
        // The last change starting at or before `at`: either `at` lies inside it (a folded char),
        // or `at` is in unchanged text after it, shifted by it.
        let after = self.changes.partition_point(|c| c.folded.0 <= at);
        let Some(change) = after.checked_sub(1).and_then(|i| self.changes.get(i)) else {
            return (at, at + 1);
        };
        if at < change.folded.1 {
            return change.original;
        }
        let shifted = at + change.shift();
        (shifted, shifted + 1)
    }

    /// The original byte range of the folded byte range `range` (a non-empty range on char
    /// boundaries of the folded text).
    pub fn to_original(&self, range: Range<usize>) -> Range<usize> {
        if self.changes.is_empty() {
            return range;
        }
        let start = self.origin(range.start).0;
        // The end of an unchanged char is its last byte's shifted offset plus one; a folded
        // char's end is its original end.
        let end = range
            .end
            .checked_sub(1)
            .map_or(start, |last| self.origin(last).1);
        start..end.max(start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_text_is_borrowed_unchanged() {
        let folded = Folded::new("call 13812345678");
        assert!(matches!(folded.text, Cow::Borrowed(_)));
        assert_eq!(folded.to_original(5..16), 5..16);
    }

    #[test]
    fn chinese_without_foldable_chars_is_borrowed() {
        assert!(matches!(Folded::new("手机号码").text, Cow::Borrowed(_)));
    }

    #[test]
    fn full_width_digits_and_at_sign_fold_with_offsets_back() {
        let original = "手机１３８１２３４５６７８，邮箱ａ＠ｂ．ｃｏ";
        let folded = Folded::new(original);
        assert_eq!(folded.text, "手机13812345678,邮箱a@b.co");
        let phone = folded.text.find("138").unwrap();
        let back = folded.to_original(phone..phone + 11);
        assert_eq!(&original[back], "１３８１２３４５６７８");
        let email = folded.text.find("a@").unwrap();
        let back = folded.to_original(email..folded.text.len());
        assert_eq!(&original[back], "ａ＠ｂ．ｃｏ");
    }

    #[test]
    fn zero_width_chars_are_dropped_but_covered_by_spans() {
        let original = "x138\u{200B}1234\u{FEFF}5678\u{200D}y";
        let folded = Folded::new(original);
        assert_eq!(folded.text, "x13812345678y");
        let back = folded.to_original(1..12);
        // The trailing zero-width char stays outside the span; inner ones are inside.
        assert_eq!(&original[back], "138\u{200B}1234\u{FEFF}5678");
    }

    #[test]
    fn offsets_map_back_through_runs_of_changes() {
        let original = "ａ\u{200B}b手１２\u{FEFF}\u{FEFF}34号";
        let folded = Folded::new(original);
        assert_eq!(folded.text, "ab手1234号");
        for (needle, expected) in [
            ("a", "ａ"),
            ("b", "b"),
            ("ab", "ａ\u{200B}b"),
            ("手", "手"),
            ("12", "１２"),
            ("1234", "１２\u{FEFF}\u{FEFF}34"),
            ("34号", "34号"),
            ("4", "4"),
        ] {
            let at = folded.text.find(needle).unwrap();
            let back = folded.to_original(at..at + needle.len());
            assert_eq!(&original[back], expected, "{needle}");
        }
    }

    /// The folding rules applied one char at a time: the reference for [`Folded::new`].
    fn fold_each_char(text: &str) -> (String, Vec<Change>) {
        let mut folded = String::new();
        let mut changes = Vec::new();
        for (start, c) in text.char_indices() {
            let out = match fold_char(c) {
                Fold::Keep => {
                    folded.push(c);
                    continue;
                }
                Fold::Into(ascii) => Some(ascii),
                Fold::Drop => None,
            };
            let at = folded.len();
            folded.extend(out);
            changes.push(Change {
                folded: (at, folded.len()),
                original: (start, start + c.len_utf8()),
            });
        }
        (folded, changes)
    }

    use proptest::strategy::Strategy;

    proptest::proptest! {
        #[test]
        fn folding_matches_the_char_by_char_rules(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::string::string_regex("[a-z0-9 ,.]{0,6}").unwrap(),
                    proptest::sample::select(vec![
                        "，", "。", "手机", "１３８", "＠", "\u{3000}", "\u{200B}", "\u{FEFF}",
                        "\u{2060}", "’", "—", "€", "｟", "ｏ", "～", "\u{E000}", "😀",
                    ]).prop_map(str::to_owned),
                ],
                0..24,
            )
        ) {
            let text: String = parts.concat();
            let folded = Folded::new(&text);
            let (expected, changes) = fold_each_char(&text);
            proptest::prop_assert_eq!(folded.text.as_ref(), expected.as_str());
            proptest::prop_assert_eq!(&folded.changes, &changes);
            proptest::prop_assert_eq!(matches!(folded.text, Cow::Borrowed(_)), changes.is_empty());
        }
    }

    #[test]
    fn ideographic_space_becomes_space() {
        assert_eq!(Folded::new("a\u{3000}b").text, "a b");
    }
}
