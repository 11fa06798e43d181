//! Text normalisation applied to key values before hashing, so that copies differing only in
//! width, case or spacing still collide.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// One normalisation step, as written in the pipeline file's `normalize` list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Normalization {
    /// Compare the text exactly as it is; must be the only entry.
    None,
    /// Unicode NFKC: folds full-width forms (`ＡＢＣ１２３`), ligatures and compatibility characters.
    Nfkc,
    /// Lower-cases every character (per char, with final sigma folded to `σ` as Unicode case
    /// folding does, so the result does not depend on a character's position in a word).
    Casefold,
    /// Turns every run of Unicode whitespace into one space and trims both ends.
    CollapseWhitespace,
    /// Drops ASCII punctuation/symbols and the characters of the Unicode punctuation blocks
    /// (general, CJK, full-width, small and vertical forms).
    StripPunctuation,
}

impl Normalization {
    /// The default list: `["nfkc", "casefold", "collapse_whitespace"]`.
    pub fn defaults() -> Vec<Normalization> {
        vec![
            Normalization::Nfkc,
            Normalization::Casefold,
            Normalization::CollapseWhitespace,
        ]
    }

    /// Writes `input` with this step applied into `out` (cleared first).
    fn apply(self, input: &str, out: &mut String) {
        out.clear();
        match self {
            Normalization::None => out.push_str(input),
            Normalization::Nfkc => nfkc_into(input, out),
            Normalization::Casefold => {
                for c in input.chars() {
                    fold_case_into(c, out);
                }
            }
            Normalization::CollapseWhitespace => {
                for (i, word) in input.split_whitespace().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push_str(word);
                }
            }
            Normalization::StripPunctuation => {
                out.extend(input.chars().filter(|c| !is_punctuation(*c)));
            }
        }
    }
}

/// The CJK Unified Ideographs block: every char in it is its own NFKC form, combines with
/// nothing, has no case and is alphabetic (a test checks each against the tables).
pub(crate) const UNIFIED_HAN: std::ops::RangeInclusive<char> = '\u{4E00}'..='\u{9FFF}';

/// NFKC of `input` into `out`. Most text needs no composition work: ASCII, Han and other
/// characters that are NFKC on their own, plus full-width forms (U+FF01–U+FF5E, which NFKC maps
/// to single ASCII starters) and the ideographic space, as long as nothing in the text can combine
/// with its neighbour. Such text is folded char by char; anything else takes the full algorithm.
fn nfkc_into(input: &str, out: &mut String) {
    let start = out.len();
    for c in input.chars() {
        match nfkc_alone(c) {
            Some(folded) => out.push(folded),
            None => {
                out.truncate(start);
                out.extend(input.nfkc());
                return;
            }
        }
    }
}

/// The NFKC form of `c` when it is one char that nothing can combine with (see [`nfkc_into`]);
/// `None` when the full algorithm is needed.
#[inline]
fn nfkc_alone(c: char) -> Option<char> {
    use unicode_normalization::{IsNormalized, is_nfkc_quick};
    match c {
        _ if c.is_ascii() => Some(c),
        // Most Chinese text: the table lookups below say the same for every one of these.
        _ if UNIFIED_HAN.contains(&c) => Some(c),
        '\u{FF01}'..='\u{FF5E}' => Some(char::from(((c as u32) - 0xFEE0) as u8)),
        '\u{3000}' => Some(' '),
        _ if is_nfkc_quick(std::iter::once(c)) == IsNormalized::Yes
            && unicode_normalization::char::canonical_combining_class(c) == 0 =>
        {
            Some(c)
        }
        _ => None,
    }
}

/// The default steps (NFKC, case folding, whitespace collapsing) fused into one pass over the
/// chars of `input`, for text whose NFKC needs no composition (see [`nfkc_into`]); returns false,
/// with `out` unspecified, for any other text. Each char is folded exactly as the three steps
/// would fold it one after another: NFKC maps it to one char, case folding never makes or
/// unmakes whitespace, and collapsing only looks at whitespace.
fn defaults_in_one_pass(input: &str, out: &mut String) -> bool {
    out.clear();
    out.reserve(input.len());
    let mut space_pending = false;
    let mut rest = input;
    while let Some(&first) = rest.as_bytes().first() {
        // ASCII bytes, most of any text, skip char decoding and the NFKC and case tables; the
        // whitespace set is `char::is_whitespace`'s within ASCII.
        if first.is_ascii() {
            rest = &rest[1..];
            if matches!(first, b'\t'..=b'\r' | b' ') {
                space_pending = !out.is_empty();
                continue;
            }
            if space_pending {
                out.push(' ');
                space_pending = false;
            }
            out.push(char::from(first.to_ascii_lowercase()));
            continue;
        }
        let Some(c) = rest.chars().next() else {
            break;
        };
        rest = &rest[c.len_utf8()..];
        let Some(c) = nfkc_alone(c) else {
            return false;
        };
        if c.is_whitespace() {
            space_pending = !out.is_empty();
            continue;
        }
        if space_pending {
            out.push(' ');
            space_pending = false;
        }
        fold_case_into(c, out);
    }
    true
}

/// Appends `c` case-folded: lower case, final sigma as `σ` (see [`Normalization::Casefold`]).
fn fold_case_into(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
    } else if UNIFIED_HAN.contains(&c) {
        // No case: skips the lower-case table search for most Chinese text.
        out.push(c);
    } else if c == 'ς' {
        out.push('σ');
    } else {
        out.extend(c.to_lowercase());
    }
}

/// Punctuation without a Unicode-tables dependency: the ASCII set plus the blocks where
/// punctuation lives in English and Chinese text. Whitespace inside those blocks (U+2000–U+200A,
/// U+3000) is left for `collapse_whitespace`.
fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(c,
            '\u{00A1}' | '\u{00A7}' | '\u{00AB}' | '\u{00B6}' | '\u{00B7}' | '\u{00BB}' | '\u{00BF}'
            | '\u{2010}'..='\u{2027}'
            | '\u{2030}'..='\u{205E}'
            | '\u{3001}'..='\u{3003}'
            | '\u{3008}'..='\u{3011}'
            | '\u{3014}'..='\u{301F}'
            | '\u{30FB}'
            | '\u{FE10}'..='\u{FE19}'
            | '\u{FE30}'..='\u{FE4F}'
            | '\u{FE50}'..='\u{FE6B}'
            | '\u{FF01}'..='\u{FF0F}'
            | '\u{FF1A}'..='\u{FF20}'
            | '\u{FF3B}'..='\u{FF40}'
            | '\u{FF5B}'..='\u{FF65}')
}

/// An ordered list of normalisation steps, applied left to right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalizer {
    steps: Vec<Normalization>,
    /// The steps are exactly the defaults, which have a fused one-pass form.
    defaults: bool,
}

impl Normalizer {
    /// A normaliser running `steps` in the order given (`none` entries are no-ops).
    pub fn new(steps: &[Normalization]) -> Self {
        let steps: Vec<Normalization> = steps
            .iter()
            .copied()
            .filter(|s| *s != Normalization::None)
            .collect();
        Normalizer {
            defaults: steps == Normalization::defaults(),
            steps,
        }
    }

    /// Normalises `text` into `out`, using `scratch` as the second buffer so that hashing many
    /// values reuses two allocations instead of making one per step and value.
    pub fn apply_into(&self, text: &str, out: &mut String, scratch: &mut String) {
        if self.defaults && defaults_in_one_pass(text, out) {
            return;
        }
        out.clear();
        out.push_str(text);
        for step in &self.steps {
            step.apply(out, scratch);
            std::mem::swap(out, scratch);
        }
    }

    /// Normalises `text` into a new string.
    pub fn apply(&self, text: &str) -> String {
        let (mut out, mut scratch) = (String::new(), String::new());
        self.apply_into(text, &mut out, &mut scratch);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unified_han_shortcuts_agree_with_the_unicode_tables() {
        use unicode_normalization::{IsNormalized, char::canonical_combining_class, is_nfkc_quick};
        for c in UNIFIED_HAN {
            assert_eq!(
                is_nfkc_quick(std::iter::once(c)),
                IsNormalized::Yes,
                "{c:?}"
            );
            assert_eq!(canonical_combining_class(c), 0, "{c:?}");
            assert!(c.to_lowercase().eq(std::iter::once(c)), "{c:?}");
            assert!(c.is_alphanumeric() && !c.is_whitespace(), "{c:?}");
            assert!(crate::shingle::is_cjk(c), "{c:?}");
        }
        // Just outside: compatibility ideographs decompose, so they must not take the shortcut.
        assert_eq!(nfkc_alone('\u{F900}'), None);
        assert_eq!(
            Normalizer::new(&Normalization::defaults()).apply("中文ＡＢＣ Ω"),
            "中文abc ω"
        );
    }

    fn default_normalizer() -> Normalizer {
        Normalizer::new(&Normalization::defaults())
    }

    #[test]
    fn full_width_and_half_width_fold_together() {
        let n = default_normalizer();
        assert_eq!(n.apply("ＡＢＣ１２３　ｔｅｓｔ"), n.apply("abc123 test"));
        assert_eq!(n.apply("订单号：１２３"), "订单号:123");
    }

    #[test]
    fn case_and_whitespace_fold() {
        let n = default_normalizer();
        assert_eq!(n.apply("  Hello\t\n  WORLD  "), "hello world");
        assert_eq!(n.apply("ΟΔΟΣ"), n.apply("οδοσ"));
        assert_eq!(n.apply("a\u{3000}b"), "a b");
    }

    #[test]
    fn different_text_stays_different() {
        let n = default_normalizer();
        assert_ne!(n.apply("hello world"), n.apply("helloworld"));
        assert_ne!(n.apply("abc"), n.apply("abd"));
    }

    #[test]
    fn none_keeps_text_as_is() {
        let n = Normalizer::new(&[Normalization::None]);
        assert_eq!(n.apply("  ＡB  "), "  ＡB  ");
        assert_ne!(n.apply("A"), n.apply("a"));
    }

    #[test]
    fn steps_run_only_when_listed() {
        let case_only = Normalizer::new(&[Normalization::Casefold]);
        assert_eq!(case_only.apply(" A  B "), " a  b ");
        let ws_only = Normalizer::new(&[Normalization::CollapseWhitespace]);
        assert_eq!(ws_only.apply(" A  B "), "A B");
    }

    #[test]
    fn strip_punctuation_covers_ascii_and_cjk() {
        let n = Normalizer::new(&[
            Normalization::StripPunctuation,
            Normalization::CollapseWhitespace,
        ]);
        assert_eq!(n.apply("Hello, world!"), "Hello world");
        assert_eq!(n.apply("你好，世界。「测试」"), "你好世界测试");
        assert_eq!(n.apply("café 123"), "café 123");
    }

    proptest::proptest! {
        /// The fast paths (ASCII, already-NFKC) give exactly what the plain definitions give.
        #[test]
        fn fast_paths_match_the_definitions(text in "[a-zA-Z0-9 ，。ﬁ①ΣςÉé\\u{0301}\\u{0308}\\u{3000}\\u{FF01}-\\u{FF5E}\\u{FF61}-\\u{FF9F}가中文\\t\\n\\r\\x0B\\x0C\\x1C\\x1F\\u{0085}\\u{00A0}\\u{2003}İ]{0,40}") {
            let mut out = String::new();
            Normalization::Nfkc.apply(&text, &mut out);
            proptest::prop_assert_eq!(&out, &text.nfkc().collect::<String>());
            Normalization::Casefold.apply(&text, &mut out);
            let folded: String = text
                .chars()
                .flat_map(|c| if c == 'ς' { 'σ'.to_lowercase() } else { c.to_lowercase() })
                .collect();
            proptest::prop_assert_eq!(&out, &folded);
            // The fused default pass equals the three steps run one after another.
            let (mut fused, mut scratch) = (String::new(), String::new());
            default_normalizer().apply_into(&text, &mut fused, &mut scratch);
            let mut stepwise = text.clone();
            for step in Normalization::defaults() {
                step.apply(&stepwise, &mut scratch);
                std::mem::swap(&mut stepwise, &mut scratch);
            }
            proptest::prop_assert_eq!(fused, stepwise);
        }
    }
}
