//! `mojibake`: the share of the text caught in classic mis-decoding patterns must be at most `max`.
//!
//! Text that went through the wrong codec on its way out of a ticketing system or an export
//! script is garbage to a model, and it is silent: the bytes are valid UTF-8, every length and
//! ratio rule passes. The rule looks for the fingerprints such accidents leave:
//!
//! - UTF-8 decoded as Latin-1 / Windows-1252: a lead char `Ã`/`Â` followed by a char from the
//!   continuation range (`Ã©` for `é`, `Â°` for `°`, `Ã¼` for `ü`), and `â€` followed by one
//!   (`â€™` `â€œ` `â€"` for curly quotes and dashes); `ï»¿` (a BOM read as text);
//! - C1 control chars (U+0080–U+009F), which only appear when bytes were decoded as Latin-1;
//! - UTF-8 replacement chars decoded as GBK, `锟斤拷`, the signature of Chinese text that was
//!   already lost once, and `烫烫烫` / `屯屯屯` (uninitialised MSVC memory read as GBK);
//! - U+FFFD REPLACEMENT CHARACTER: a decoder already gave up on some bytes.
//!
//! The ratio is chars inside matches / all chars. Default `max = 0`: any fingerprint fails,
//! because none of these sequences occurs in clean text (the Latin-1 patterns need `Ã`/`Â`/`â`
//! directly before a C1 control or a Latin-1 symbol, which no language writes). ftfy, the
//! reference mojibake fixer, likewise treats a single such sequence as a sign of mis-decoding.
//! Raise `max` (e.g. 0.01) to tolerate a stray U+FFFD in long documents.
//!
//! ```toml
//! [[stages.rules]]
//! kind = "mojibake"
//! field = "body"
//! # max = 0.0
//! ```

use super::text::{Judgement, TextCheck, TextJudge, ratio, text_rule_config};
use super::{Rule, check_ratio};
use crate::config::ValidateError;
use regex::Regex;
use sluice_core::TargetSchema;

/// Default maximum share of chars inside mojibake patterns: none tolerated.
pub const DEFAULT_MAX: f64 = 0.0;

/// Windows-1252 renderings of the bytes 0x80–0x9F (where Latin-1 has C1 controls).
const CP1252_HIGH: &str = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ";

/// The fingerprints, as one alternation (the regex crate matches in linear time).
fn patterns() -> Result<Regex, regex::Error> {
    let continuation = format!("[\u{80}-\u{BF}{CP1252_HIGH}]");
    Regex::new(&format!(
        "[ÃÂ]{continuation}|â€{continuation}|ï»¿|(?:锟斤拷)+|烫烫烫+|屯屯屯+|[\u{80}-\u{9F}]|\u{FFFD}+"
    ))
}

text_rule_config! {
    /// Settings of a `mojibake` rule.
    pub struct MojibakeConfig {
        /// Largest allowed share of chars inside mojibake patterns (default 0).
        #[serde(default)]
        pub max: f64,
    }
}

impl MojibakeConfig {
    /// Checks the threshold and the field and builds the rule.
    pub fn build(self, schema: &TargetSchema) -> Result<Rule, ValidateError> {
        let scope = self.scope("mojibake", schema)?;
        check_ratio(&scope.id, "max", self.max)?;
        let patterns = patterns().map_err(|e| super::invalid(&scope.id, e.to_string()))?;
        let judge = Mojibake {
            max: self.max,
            patterns,
        };
        Rule::row(
            scope.id.clone(),
            self.severity,
            "mojibake",
            vec![self.field.clone()],
            format!("share of chars in mojibake patterns <= {}", self.max),
            TextCheck::new(scope, judge, &["null", "empty", "mojibake"]),
        )
    }
}

/// The measurement of a `mojibake` rule.
#[derive(Debug)]
pub struct Mojibake {
    max: f64,
    patterns: Regex,
}

impl Mojibake {
    /// Chars inside matches, and the number of matches.
    fn measure(&self, text: &str) -> (usize, usize) {
        let mut chars = 0;
        let mut matches = 0;
        for found in self.patterns.find_iter(text) {
            matches += 1;
            chars += found.as_str().chars().count();
        }
        (chars, matches)
    }
}

impl TextJudge for Mojibake {
    fn judge(&self, text: &str) -> Judgement {
        let (bad, matches) = self.measure(text);
        let observed = ratio(bad, text.chars().count());
        if matches > 0 && observed > self.max {
            Judgement::Fail(
                "mojibake",
                format!(
                    "{matches} mojibake sequences, ratio {observed:.3} > max {}",
                    self.max
                ),
            )
        } else {
            Judgement::Pass
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Verdict;
    use crate::test_support::{batch, schema};
    use serde_json::json;

    fn rule(text: &str) -> Rule {
        toml::from_str::<MojibakeConfig>(text)
            .unwrap()
            .build(&schema())
            .unwrap()
    }

    fn verdicts(r: &Rule, texts: &[&str]) -> Vec<Verdict> {
        let rows: Vec<_> = texts.iter().map(|t| json!({ "subject": t })).collect();
        r.check.check(&batch(&rows)).unwrap()
    }

    #[test]
    fn fingerprints_fail() {
        let r = rule("field = \"subject\"");
        let bad = [
            "CafÃ© ouvert",
            "Itâ€™s fine",
            "Temperature 20Â°C",
            "ï»¿Header",
            "用户名锟斤拷锟斤拷",
            "内存烫烫烫烫",
            "broken \u{FFFD} byte",
            "C1 \u{85} control",
        ];
        for (text, verdict) in bad.iter().zip(verdicts(&r, &bad)) {
            let failure = verdict.failure().unwrap_or_else(|| panic!("{text} passed"));
            assert_eq!(failure.outcome, Some("mojibake"));
            assert!(!failure.detail.contains(text), "{}", failure.detail);
        }
    }

    #[test]
    fn clean_text_passes() {
        let r = rule("field = \"subject\"");
        let good = [
            "Café ouvert, crème brûlée à 20 °C",
            "It’s “fine” — really",
            "ÂGE et Ãrea are capitalised words",
            "打印机卡纸了，请尽快处理",
            "Straße, Ærø, naïve",
        ];
        assert!(verdicts(&r, &good).iter().all(|v| *v == Verdict::Pass));
    }

    #[test]
    fn max_tolerates_a_share() {
        let r = rule("field = \"subject\"\nmax = 0.05");
        let long = format!("{} \u{FFFD}", "a".repeat(100));
        let short = "ab \u{FFFD}";
        let out = verdicts(&r, &[&long, short]);
        assert_eq!(out[0], Verdict::Pass);
        assert!(
            out[1]
                .failure()
                .unwrap()
                .detail
                .contains("1 mojibake sequences")
        );
    }
}
