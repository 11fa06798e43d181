//! Script-aware shingling for near-duplicate detection: which overlapping n-grams of a text go
//! into its MinHash signature.
//!
//! Word shingles degenerate on Chinese (no spaces: a sentence becomes one "word"), and short char
//! n-grams on Latin text make unrelated documents look alike, so `auto` uses char n-grams over runs
//! of Han/kana/hangul characters and word n-grams over runs of other words. Punctuation and
//! whitespace only separate tokens; they never form part of a shingle. A run shorter than `n`
//! tokens becomes one shingle of the whole run, so short texts still get a signature.

use crate::normalize::UNIFIED_HAN;
use serde::{Deserialize, Serialize};
use std::fmt;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Default n-gram size for `auto`.
pub const DEFAULT_N: usize = 5;

/// How a text is cut into shingles. Written as `auto`, `char<N>` or `word<N>` (e.g. `char5`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Shingle {
    /// Char 5-grams over CJK runs, word 5-grams over other runs.
    #[default]
    Auto,
    /// Char n-grams over all letters and digits (whitespace and punctuation dropped).
    Char(usize),
    /// Word n-grams, a word being a run of letters and digits (CJK included).
    Word(usize),
}

impl fmt::Display for Shingle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shingle::Auto => f.write_str("auto"),
            Shingle::Char(n) => write!(f, "char{n}"),
            Shingle::Word(n) => write!(f, "word{n}"),
        }
    }
}

impl From<Shingle> for String {
    fn from(s: Shingle) -> String {
        s.to_string()
    }
}

impl TryFrom<String> for Shingle {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        let bad =
            || format!("shingle `{text}` is not `auto`, `char<N>` or `word<N>` with N in 1..=64");
        if text == "auto" {
            return Ok(Shingle::Auto);
        }
        let (make, digits): (fn(usize) -> Shingle, &str) =
            if let Some(d) = text.strip_prefix("char") {
                (Shingle::Char, d)
            } else if let Some(d) = text.strip_prefix("word") {
                (Shingle::Word, d)
            } else {
                return Err(bad());
            };
        match digits.parse::<usize>() {
            Ok(n) if (1..=64).contains(&n) => Ok(make(n)),
            _ => Err(bad()),
        }
    }
}

/// True for characters written without spaces between words (Han, kana, hangul).
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30FF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{AC00}'..='\u{D7AF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2FA1F}')
}

const CHAR_SEED: u64 = 0x5EED_C4A2;
const WORD_SEED: u64 = 0x5EED_3012;

/// Reusable buffers for shingling many texts without allocating per text.
#[derive(Debug, Default)]
pub struct Shingler {
    cjk: Vec<u64>,
    words: Vec<u64>,
}

impl Shingler {
    /// Calls `emit` with the 64-bit hash of every shingle of `text` (duplicates included; MinHash
    /// ignores them). Emits nothing when the text has no letter or digit.
    pub fn shingles(&mut self, text: &str, mode: Shingle, emit: &mut impl FnMut(u64)) {
        let (scripts, n) = match mode {
            Shingle::Auto => (Scripts::Split, DEFAULT_N),
            Shingle::Char(n) => (Scripts::AllChars, n),
            Shingle::Word(n) => (Scripts::AllWords, n),
        };
        self.scan(text, scripts, n, n, true, emit);
    }

    /// Script-aware n-grams for overlap checks: word `word_n`-grams over non-CJK runs and char
    /// `char_n`-grams over CJK runs. Runs shorter than their n produce nothing, so short common
    /// phrases never count as overlap.
    pub fn long_ngrams(
        &mut self,
        text: &str,
        word_n: usize,
        char_n: usize,
        emit: &mut impl FnMut(u64),
    ) {
        self.scan(text, Scripts::Split, word_n, char_n, false, emit);
    }

    fn scan(
        &mut self,
        text: &str,
        scripts: Scripts,
        word_n: usize,
        char_n: usize,
        short_runs_whole: bool,
        emit: &mut impl FnMut(u64),
    ) {
        self.cjk.clear();
        self.words.clear();
        let split = scripts == Scripts::Split;
        let mut word_start: Option<usize> = None;
        for (at, c) in text.char_indices() {
            // Han needs no alphabetic-table search (see `UNIFIED_HAN`).
            let han = UNIFIED_HAN.contains(&c);
            let word_char = han || c.is_alphanumeric();
            let token_char = match scripts {
                Scripts::Split => is_cjk(c),
                Scripts::AllChars => word_char,
                Scripts::AllWords => false,
            };
            if (token_char || !word_char)
                && let Some(start) = word_start.take()
            {
                self.words
                    .push(xxh3_64_with_seed(&text.as_bytes()[start..at], WORD_SEED));
            }
            if token_char {
                if split && !self.words.is_empty() {
                    // A CJK char ends the current Latin run.
                    flush(&mut self.words, word_n, short_runs_whole, emit);
                }
                self.cjk
                    .push(xxh3_64_with_seed(&u32::from(c).to_le_bytes(), CHAR_SEED));
            } else if word_char {
                if split && !self.cjk.is_empty() {
                    flush(&mut self.cjk, char_n, short_runs_whole, emit);
                }
                word_start.get_or_insert(at);
            }
        }
        if let Some(start) = word_start {
            self.words
                .push(xxh3_64_with_seed(&text.as_bytes()[start..], WORD_SEED));
        }
        flush(&mut self.cjk, char_n, short_runs_whole, emit);
        flush(&mut self.words, word_n, short_runs_whole, emit);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scripts {
    /// CJK chars are tokens, other letters form words.
    Split,
    /// Every letter or digit is a token.
    AllChars,
    /// Words are runs of letters and digits, CJK included.
    AllWords,
}

/// Emits the n-grams of one run of token hashes (or the whole run when shorter and
/// `short_run_whole`) and clears it.
fn flush(tokens: &mut Vec<u64>, n: usize, short_run_whole: bool, emit: &mut impl FnMut(u64)) {
    if tokens.is_empty() || (tokens.len() < n && !short_run_whole) {
        tokens.clear();
        return;
    }
    let window = n.min(tokens.len());
    for gram in tokens.windows(window) {
        // Order-sensitive combination, finished with a strong mix.
        let mut acc = window as u64;
        for t in gram {
            acc = (acc.rotate_left(23) ^ t).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
        emit(mix64(acc));
    }
    tokens.clear();
}

/// splitmix64's finaliser: a bijective 64-bit mix.
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn set(text: &str, mode: Shingle) -> BTreeSet<u64> {
        let mut out = BTreeSet::new();
        Shingler::default().shingles(text, mode, &mut |h| {
            out.insert(h);
        });
        out
    }

    #[test]
    fn parses_modes() {
        assert_eq!(Shingle::try_from("auto".to_owned()), Ok(Shingle::Auto));
        assert_eq!(Shingle::try_from("char3".to_owned()), Ok(Shingle::Char(3)));
        assert_eq!(Shingle::try_from("word7".to_owned()), Ok(Shingle::Word(7)));
        for bad in ["char", "word0", "char65", "words5", "Auto"] {
            assert!(Shingle::try_from(bad.to_owned()).is_err(), "{bad}");
        }
    }

    #[test]
    fn word_grams_ignore_punctuation_and_spacing() {
        let a = set("the quick brown fox jumps over the lazy dog", Shingle::Auto);
        let b = set(
            "the quick, brown fox -- jumps over   the lazy dog!",
            Shingle::Auto,
        );
        assert_eq!(a, b);
        assert_eq!(a.len(), 5);
        assert_ne!(
            a,
            set("the quick brown fox jumps over the lazy cat", Shingle::Auto)
        );
    }

    #[test]
    fn chinese_uses_char_grams_in_auto() {
        let a = set("我的订单还没有发货，请帮我查一下", Shingle::Auto);
        // 15 Han chars (punctuation dropped) give 11 char 5-grams.
        assert_eq!(a.len(), 11);
        assert_eq!(a, set("我的订单还没有发货 请帮我查一下。", Shingle::Auto));
        // Word mode sees the unspaced clause as very few tokens.
        assert!(set("我的订单还没有发货，请帮我查一下", Shingle::Word(5)).len() <= 2);
    }

    #[test]
    fn mixed_text_splits_runs() {
        let a = set(
            "请重置我的密码 reset my password please now 谢谢",
            Shingle::Auto,
        );
        // Han run of 7 → 3 grams, Latin run of 5 words → 1 gram, Han run of 2 → 1 whole-run gram.
        assert_eq!(a.len(), 5);
    }

    #[test]
    fn short_and_empty_texts() {
        assert_eq!(set("hi there", Shingle::Auto).len(), 1);
        assert_ne!(
            set("hi there", Shingle::Auto),
            set("hi where", Shingle::Auto)
        );
        assert!(set("", Shingle::Auto).is_empty());
        assert!(set(" ,.!? ", Shingle::Char(5)).is_empty());
        assert_eq!(set("abc", Shingle::Char(5)).len(), 1);
        assert_eq!(set("abcdef", Shingle::Char(5)).len(), 2);
    }

    #[test]
    fn long_ngrams_skip_short_runs() {
        let count = |text: &str| {
            let mut n = 0;
            Shingler::default().long_ngrams(text, 3, 4, &mut |_| n += 1);
            n
        };
        assert_eq!(count("one two"), 0);
        assert_eq!(count("one two three four"), 2);
        assert_eq!(count("你好吗"), 0);
        assert_eq!(count("你好吗朋友 one two"), 2);
    }
}
