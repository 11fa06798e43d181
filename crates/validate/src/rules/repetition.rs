//! `repetition`: repeated content — char n-grams, word n-grams and duplicate lines — must stay
//! below separate maxima.
//!
//! Boilerplate, copy-paste loops and degenerate generations ("sorry sorry sorry …", a signature
//! block pasted five times, a log line repeated) are the commonest junk in enterprise text, and a
//! model trained on them learns to loop. Three measures, each with its own threshold and outcome:
//!
//! - `char_rep` (outcome `char_rep`): over the char `char_ngram`-grams of the text, the counts of
//!   the ⌊√distinct⌋ most frequent n-grams that occur more than once, divided by all n-grams —
//!   Data-Juicer's `character_repetition_filter` (from BigScience ROOTS). Char n-grams need no
//!   spaces, so this measure is the one that works on Chinese. Defaults `char_ngram = 10`,
//!   `max_char_rep = 0.5` (Data-Juicer `rep_len` 10, max 0.5).
//! - `word_rep` (outcome `word_rep`): over word `word_ngram`-grams, the occurrences of n-grams
//!   that occur more than once, divided by all n-grams — Data-Juicer's `word_repetition_filter`.
//!   Words are lower-cased runs of letters/digits; each Han, kana or Hangul char is a word of its
//!   own, so Chinese is not one giant "word". Defaults `word_ngram = 10`, `max_word_rep = 0.5`
//!   (Data-Juicer `rep_len` 10, max 0.5).
//! - `dup_lines` (outcome `dup_lines`): among non-blank lines (trimmed), the fraction that repeat
//!   an earlier line — Gopher's duplicate-line fraction (`GopherRepetitionFilter`), default
//!   `max_dup_lines = 0.3`.
//!
//! A text shorter than n has no n-grams and scores 0. Set a maximum to 1 to switch a measure off
//! (no ratio exceeds 1). The first measure over its maximum, in the order above, names the failure.
//!
//! ```toml
//! [[stages.rules]]
//! kind = "repetition"
//! field = "messages"
//! roles = ["assistant"]
//! # char_ngram = 10
//! # max_char_rep = 0.5
//! # word_ngram = 10
//! # max_word_rep = 0.5
//! # max_dup_lines = 0.3
//! ```

use super::text::{Judgement, TextCheck, TextJudge, ratio, text_rule_config};
use super::{Rule, check_ratio, invalid};
use crate::config::ValidateError;
use sluice_core::TargetSchema;
use std::collections::{HashMap, HashSet};

/// Default char n-gram size (Data-Juicer `character_repetition_filter` `rep_len`).
pub const DEFAULT_CHAR_NGRAM: usize = 10;
/// Default maximum char n-gram repetition ratio (Data-Juicer).
pub const DEFAULT_MAX_CHAR_REP: f64 = 0.5;
/// Default word n-gram size (Data-Juicer `word_repetition_filter` `rep_len`).
pub const DEFAULT_WORD_NGRAM: usize = 10;
/// Default maximum word n-gram repetition ratio (Data-Juicer).
pub const DEFAULT_MAX_WORD_REP: f64 = 0.5;
/// Default maximum duplicate-line fraction (Gopher).
pub const DEFAULT_MAX_DUP_LINES: f64 = 0.3;

text_rule_config! {
    /// Settings of a `repetition` rule.
    pub struct RepetitionConfig {
        /// Char n-gram size (default 10).
        #[serde(default = "default_char_ngram")]
        pub char_ngram: usize,
        /// Largest allowed char n-gram repetition ratio (default 0.5).
        #[serde(default = "default_max_char_rep")]
        pub max_char_rep: f64,
        /// Word n-gram size (default 10).
        #[serde(default = "default_word_ngram")]
        pub word_ngram: usize,
        /// Largest allowed word n-gram repetition ratio (default 0.5).
        #[serde(default = "default_max_word_rep")]
        pub max_word_rep: f64,
        /// Largest allowed fraction of duplicate lines (default 0.3).
        #[serde(default = "default_max_dup_lines")]
        pub max_dup_lines: f64,
    }
}

fn default_char_ngram() -> usize {
    DEFAULT_CHAR_NGRAM
}
fn default_max_char_rep() -> f64 {
    DEFAULT_MAX_CHAR_REP
}
fn default_word_ngram() -> usize {
    DEFAULT_WORD_NGRAM
}
fn default_max_word_rep() -> f64 {
    DEFAULT_MAX_WORD_REP
}
fn default_max_dup_lines() -> f64 {
    DEFAULT_MAX_DUP_LINES
}

impl RepetitionConfig {
    /// Checks the n-gram sizes and thresholds and builds the rule.
    pub fn build(self, schema: &TargetSchema) -> Result<Rule, ValidateError> {
        let scope = self.scope("repetition", schema)?;
        for (key, n) in [
            ("char_ngram", self.char_ngram),
            ("word_ngram", self.word_ngram),
        ] {
            if n == 0 {
                return Err(invalid(&scope.id, format!("`{key}` must be at least 1")));
            }
        }
        check_ratio(&scope.id, "max_char_rep", self.max_char_rep)?;
        check_ratio(&scope.id, "max_word_rep", self.max_word_rep)?;
        check_ratio(&scope.id, "max_dup_lines", self.max_dup_lines)?;
        let description = format!(
            "char {}-gram repetition <= {}, word {}-gram repetition <= {}, duplicate lines <= {}",
            self.char_ngram,
            self.max_char_rep,
            self.word_ngram,
            self.max_word_rep,
            self.max_dup_lines
        );
        let judge = Repetition {
            char_ngram: self.char_ngram,
            max_char_rep: self.max_char_rep,
            word_ngram: self.word_ngram,
            max_word_rep: self.max_word_rep,
            max_dup_lines: self.max_dup_lines,
        };
        Rule::row(
            scope.id.clone(),
            self.severity,
            "repetition",
            vec![self.field.clone()],
            description,
            TextCheck::new(
                scope,
                judge,
                &["null", "empty", "char_rep", "word_rep", "dup_lines"],
            ),
        )
    }
}

/// Data-Juicer's char repetition ratio of `text` for n-grams of `n` chars.
pub fn char_repetition(text: &str, n: usize) -> f64 {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() < n {
        return 0.0;
    }
    let mut counts: HashMap<&[char], usize> = HashMap::new();
    for gram in chars.windows(n) {
        *counts.entry(gram).or_default() += 1;
    }
    let mut freqs: Vec<usize> = counts.into_values().collect();
    freqs.sort_unstable_by(|a, b| b.cmp(a));
    let total: usize = freqs.iter().sum();
    let repeated = freqs.iter().filter(|f| **f > 1).count();
    let top = (freqs.len() as f64).sqrt() as usize;
    let rep: usize = freqs.iter().take(top.min(repeated)).sum();
    ratio(rep, total)
}

/// True for chars written without spaces between words (Han, kana, Hangul syllables).
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF
        | 0x20000..=0x2FA1F)
}

/// Lower-cased words of `text`: runs of letters/digits, each CJK char a word of its own.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        if is_cjk(c) {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            out.push(c.to_string());
        } else if c.is_alphanumeric() {
            current.extend(c.to_lowercase());
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Data-Juicer's word repetition ratio of `text` for n-grams of `n` words.
pub fn word_repetition(text: &str, n: usize) -> f64 {
    let words = words(text);
    if words.len() < n {
        return 0.0;
    }
    let mut counts: HashMap<&[String], usize> = HashMap::new();
    for gram in words.windows(n) {
        *counts.entry(gram).or_default() += 1;
    }
    let total: usize = counts.values().sum();
    let repeated: usize = counts.values().filter(|f| **f > 1).sum();
    ratio(repeated, total)
}

/// Gopher's duplicate-line fraction: non-blank lines that repeat an earlier line / all of them.
pub fn duplicate_line_fraction(text: &str) -> f64 {
    let mut seen = HashSet::new();
    let (mut lines, mut duplicates) = (0, 0);
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        lines += 1;
        if !seen.insert(line) {
            duplicates += 1;
        }
    }
    ratio(duplicates, lines)
}

/// The measurements of a `repetition` rule.
#[derive(Debug)]
pub struct Repetition {
    char_ngram: usize,
    max_char_rep: f64,
    word_ngram: usize,
    max_word_rep: f64,
    max_dup_lines: f64,
}

impl TextJudge for Repetition {
    fn judge(&self, text: &str) -> Judgement {
        let chars = char_repetition(text, self.char_ngram);
        if chars > self.max_char_rep {
            return Judgement::Fail(
                "char_rep",
                format!(
                    "char {}-gram repetition {chars:.3} > max {}",
                    self.char_ngram, self.max_char_rep
                ),
            );
        }
        let words = word_repetition(text, self.word_ngram);
        if words > self.max_word_rep {
            return Judgement::Fail(
                "word_rep",
                format!(
                    "word {}-gram repetition {words:.3} > max {}",
                    self.word_ngram, self.max_word_rep
                ),
            );
        }
        let lines = duplicate_line_fraction(text);
        if lines > self.max_dup_lines {
            return Judgement::Fail(
                "dup_lines",
                format!(
                    "duplicate line fraction {lines:.3} > max {}",
                    self.max_dup_lines
                ),
            );
        }
        Judgement::Pass
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{batch, schema};
    use serde_json::json;

    fn rule(text: &str) -> Rule {
        toml::from_str::<RepetitionConfig>(text)
            .unwrap()
            .build(&schema())
            .unwrap()
    }

    fn outcome(r: &Rule, subject: &str) -> Option<&'static str> {
        let out = r
            .check
            .check(&batch(&[json!({ "subject": subject })]))
            .unwrap();
        out[0].failure().map(|f| f.outcome.unwrap_or("?"))
    }

    #[test]
    fn natural_text_passes() {
        let r = rule("field = \"subject\"");
        assert_eq!(
            outcome(
                &r,
                "The VPN client drops the connection every few minutes after the last update. \
                 I reinstalled it and restarted the laptop, but nothing changed."
            ),
            None
        );
        assert_eq!(
            outcome(
                &r,
                "升级之后VPN客户端每隔几分钟就断开连接，我重装并重启了电脑，但问题依旧。"
            ),
            None
        );
        assert_eq!(outcome(&r, "short"), None);
    }

    #[test]
    fn loops_fail_in_english_and_chinese() {
        let r = rule("field = \"subject\"");
        // A sentence loop has many distinct char 10-grams (the √-top of Data-Juicer's measure
        // stays low) but every word 10-gram repeats.
        assert_eq!(
            outcome(&r, &"sorry I cannot help with that. ".repeat(8)),
            Some("word_rep")
        );
        assert_eq!(
            outcome(&r, &"请稍等，正在为您查询。".repeat(6)),
            Some("word_rep")
        );
        // A degenerate run is one char 10-gram over and over.
        assert_eq!(outcome(&r, &"哈".repeat(40)), Some("char_rep"));
        // Word repetition alone: char repetition switched off.
        let words_only =
            rule("field = \"subject\"\nmax_char_rep = 1.0\nword_ngram = 2\nmax_word_rep = 0.3");
        assert_eq!(
            outcome(&words_only, "ok ok ok ok ok ok fine"),
            Some("word_rep")
        );
        let lines_only = rule("field = \"subject\"\nmax_char_rep = 1.0\nmax_word_rep = 1.0");
        assert_eq!(
            outcome(&lines_only, "Regards\nAlex\nRegards\nAlex\nThanks"),
            Some("dup_lines")
        );
        assert_eq!(outcome(&lines_only, "a\nb\nc\na"), None);
    }

    #[test]
    fn measures() {
        // abc ×2, bca, cab: the top ⌊√3⌋ = 1 repeated gram covers 2 of 4.
        assert_eq!(char_repetition("abcabc", 3), 0.5);
        assert_eq!(char_repetition("ab", 3), 0.0);
        assert_eq!(
            words("Hello, 世界 again2"),
            vec!["hello", "世", "界", "again2"]
        );
        assert_eq!(word_repetition("a b a b", 2), 2.0 / 3.0);
        assert_eq!(duplicate_line_fraction("x\n\nx\ny\n x "), 0.5);
        let r = rule("field = \"subject\"");
        assert_eq!(
            r.check.check(&batch(&[json!({"subject": " "})])).unwrap()[0]
                .failure()
                .unwrap()
                .outcome,
            Some("empty")
        );
        assert!(matches!(
            toml::from_str::<RepetitionConfig>("field = \"subject\"\nchar_ngram = 0")
                .unwrap()
                .build(&schema()),
            Err(ValidateError::InvalidRule { .. })
        ));
    }
}
