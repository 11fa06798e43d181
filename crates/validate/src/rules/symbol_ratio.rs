//! `symbol_ratio`: the share of punctuation and symbols among the visible chars must be at most
//! `max` — the rule against text that is mostly punctuation or symbols.
//!
//! Unlike `special_char_ratio`, whitespace and digits do not count either way: the ratio is
//! (punctuation + symbols) / (all chars that are not whitespace). It catches rows such as
//! `!!!!!!`, `→→→ ★★★`, emoji walls, `......` and separator lines, which survive length checks and
//! carry no language, while leaving numeric records (`2024-01-01 42`) to other rules. A char is
//! punctuation or a symbol when it is neither a letter, a number, a mark nor whitespace, so CJK
//! punctuation (`。，！`) counts like ASCII punctuation.
//!
//! Default `max = 0.5` ("mostly" = more than half). No peer defines this ratio over chars: Gopher
//! bounds symbols per *word* (`#` and `...`/`…` at most 0.1 per word), which needs spaces and so
//! does not work on Chinese; the char-level bound is sluice's own, set loose on purpose.
//!
//! ```toml
//! [[stages.rules]]
//! kind = "symbol_ratio"
//! field = "body"
//! # max = 0.5
//! ```

use super::text::{Judgement, TextCheck, TextJudge, ratio, text_rule_config};
use super::{Rule, check_ratio};
use crate::config::ValidateError;
use sluice_core::TargetSchema;

/// Default maximum share of punctuation and symbols among visible chars.
pub const DEFAULT_MAX: f64 = 0.5;

text_rule_config! {
    /// Settings of a `symbol_ratio` rule.
    pub struct SymbolRatioConfig {
        /// Largest allowed share of punctuation and symbols among visible chars (default 0.5).
        #[serde(default = "default_max")]
        pub max: f64,
    }
}

fn default_max() -> f64 {
    DEFAULT_MAX
}

impl SymbolRatioConfig {
    /// Checks the threshold and the field and builds the rule.
    pub fn build(self, schema: &TargetSchema) -> Result<Rule, ValidateError> {
        let scope = self.scope("symbol_ratio", schema)?;
        check_ratio(&scope.id, "max", self.max)?;
        let judge = SymbolRatio { max: self.max };
        Rule::row(
            scope.id.clone(),
            self.severity,
            "symbol_ratio",
            vec![self.field.clone()],
            format!("punctuation/symbol share of visible chars <= {}", self.max),
            TextCheck::new(scope, judge, &["null", "empty", "high"]),
        )
    }
}

/// True for combining marks (accents, vowel signs): part of a letter, not a symbol.
fn is_mark(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05BD | 0x0610..=0x061A | 0x064B..=0x065F
        | 0x0900..=0x0903 | 0x093A..=0x094F | 0x0E31 | 0x0E34..=0x0E3A | 0x0E47..=0x0E4E
        | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0x302A..=0x302F | 0x3099..=0x309A
        | 0xFE00..=0xFE0F | 0xFE20..=0xFE2F)
}

/// The share of punctuation and symbols among the non-whitespace chars of `text`.
pub fn symbol_ratio(text: &str) -> f64 {
    let (mut symbols, mut visible) = (0, 0);
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        visible += 1;
        if !c.is_alphanumeric() && !is_mark(c) {
            symbols += 1;
        }
    }
    ratio(symbols, visible)
}

/// The measurement of a `symbol_ratio` rule.
#[derive(Debug)]
pub struct SymbolRatio {
    max: f64,
}

impl TextJudge for SymbolRatio {
    fn judge(&self, text: &str) -> Judgement {
        let observed = symbol_ratio(text);
        if observed > self.max {
            Judgement::Fail(
                "high",
                format!("punctuation/symbol ratio {observed:.3} > max {}", self.max),
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

    #[test]
    fn symbol_walls_fail_text_and_numbers_pass() {
        let config: SymbolRatioConfig = toml::from_str("field = \"subject\"").unwrap();
        let r = config.build(&schema()).unwrap();
        let out = r
            .check
            .check(&batch(&[
                json!({"subject": "Invoice 4411 is overdue!"}),
                json!({"subject": "发票已逾期，请处理！"}),
                json!({"subject": "2024-01-01 42"}),
                json!({"subject": "!!!!!! ??? ★★★ →→"}),
                json!({"subject": "。。。。。。……"}),
            ]))
            .unwrap();
        assert_eq!(out[..3], [Verdict::Pass, Verdict::Pass, Verdict::Pass]);
        assert_eq!(out[3].failure().unwrap().outcome, Some("high"));
        assert!(out[4].failure().is_some());
    }

    #[test]
    fn marks_are_not_symbols() {
        // "é" written as e + U+0301.
        assert_eq!(symbol_ratio("e\u{301}"), 0.0);
        assert_eq!(symbol_ratio("a!"), 0.5);
        assert_eq!(symbol_ratio("   "), 0.0);
    }
}
