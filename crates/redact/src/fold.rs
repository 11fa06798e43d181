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
    /// For each byte of `text`: the byte range of the original char it came from. `None` when
    /// folding changed nothing and offsets are the same.
    origin: Option<Vec<(usize, usize)>>,
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
        if text.is_ascii() || !text.chars().any(|c| !matches!(fold_char(c), Fold::Keep)) {
            return Folded {
                text: Cow::Borrowed(text),
                origin: None,
            };
        }
        let mut folded = String::with_capacity(text.len());
        let mut origin = Vec::with_capacity(text.len());
        for (start, c) in text.char_indices() {
            let span = (start, start + c.len_utf8());
            let out = match fold_char(c) {
                Fold::Keep => c,
                Fold::Into(ascii) => ascii,
                Fold::Drop => continue,
            };
            folded.push(out);
            origin.extend(std::iter::repeat_n(span, out.len_utf8()));
        }
        Folded {
            text: Cow::Owned(folded),
            origin: Some(origin),
        }
    }

    /// The original byte range of the folded byte range `range` (a non-empty range on char
    /// boundaries of the folded text).
    pub fn to_original(&self, range: Range<usize>) -> Range<usize> {
        let Some(origin) = &self.origin else {
            return range;
        };
        let start = origin.get(range.start).map_or(range.start, |o| o.0);
        let end = range
            .end
            .checked_sub(1)
            .and_then(|last| origin.get(last))
            .map_or(start, |o| o.1);
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
    fn ideographic_space_becomes_space() {
        assert_eq!(Folded::new("a\u{3000}b").text, "a b");
    }
}
