//! `special_char_ratio`: the share of special chars in the text must be at most `max`.
//!
//! A special char is anything that is not a letter: whitespace, digits, punctuation, symbols,
//! emoji, control chars. Heavy use marks tables, code dumps, ASCII art and spam. Letters are
//! Unicode letters (`char::is_alphabetic`), so Han text — which has no spaces between words —
//! scores low, like prose. The set follows Data-Juicer's `special_characters_filter`
//! (punctuation, digits and whitespace plus a few symbol ranges), widened to all of Unicode.
//!
//! Default `max = 0.25`: Data-Juicer's `special_characters_filter` default
//! (`configs/config_all.yaml`). English prose sits near 0.2 (a space every five or six chars),
//! so do not lower it much for space-separated languages. Whitespace-only text: outcome `empty`.
//!
//! ```toml
//! [[stages.rules]]
//! kind = "special_char_ratio"
//! field = "messages"
//! # max = 0.25                        # default
//! # per_turn = true                   # check each turn instead of the joined conversation
//! ```

use super::text::{Judgement, TextCheck, TextJudge, ratio, text_rule_config};
use super::{Rule, check_ratio};
use crate::config::ValidateError;
use sluice_core::TargetSchema;

/// Default maximum share of special chars (Data-Juicer `special_characters_filter`).
pub const DEFAULT_MAX: f64 = 0.25;

text_rule_config! {
    /// Settings of a `special_char_ratio` rule.
    pub struct SpecialCharRatioConfig {
        /// Largest allowed share of special (non-letter) chars (default 0.25).
        #[serde(default = "default_max")]
        pub max: f64,
    }
}

fn default_max() -> f64 {
    DEFAULT_MAX
}

impl SpecialCharRatioConfig {
    /// Checks the threshold and the field and builds the rule.
    pub fn build(self, schema: &TargetSchema) -> Result<Rule, ValidateError> {
        let scope = self.scope("special_char_ratio", schema)?;
        check_ratio(&scope.id, "max", self.max)?;
        let judge = SpecialCharRatio { max: self.max };
        Rule::row(
            scope.id.clone(),
            self.severity,
            "special_char_ratio",
            vec![self.field.clone()],
            format!("special (non-letter) share of chars <= {}", self.max),
            TextCheck::new(scope, judge, &["null", "empty", "high"]),
        )
    }
}

/// The share of chars in `text` that are not letters.
pub fn special_char_ratio(text: &str) -> f64 {
    let (mut special, mut all) = (0, 0);
    for c in text.chars() {
        all += 1;
        if !c.is_alphabetic() {
            special += 1;
        }
    }
    ratio(special, all)
}

/// The measurement of a `special_char_ratio` rule.
#[derive(Debug)]
pub struct SpecialCharRatio {
    max: f64,
}

impl TextJudge for SpecialCharRatio {
    fn judge(&self, text: &str) -> Judgement {
        let observed = special_char_ratio(text);
        if observed > self.max {
            Judgement::Fail(
                "high",
                format!("special char ratio {observed:.3} > max {}", self.max),
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
        let config: SpecialCharRatioConfig = toml::from_str(text).unwrap();
        config.build(&schema()).unwrap()
    }

    #[test]
    fn prose_passes_tables_and_codes_fail() {
        let r = rule("field = \"subject\"");
        let out = r
            .check
            .check(&batch(&[
                json!({"subject": "Please reset the password for the shared mailbox"}),
                json!({"subject": "请帮忙重置共享邮箱的密码，谢谢"}),
                json!({"subject": "| 12 | 34 | 56 | 78 |"}),
                json!({"subject": "2024-01-01 12:00:00 #4411 $$"}),
            ]))
            .unwrap();
        assert_eq!(out[0], Verdict::Pass);
        assert_eq!(out[1], Verdict::Pass);
        assert_eq!(out[2].failure().unwrap().outcome, Some("high"));
        assert!(out[3].failure().unwrap().detail.contains("> max 0.25"));
    }

    #[test]
    fn ratio_and_threshold_checks() {
        assert_eq!(special_char_ratio("ab 1"), 0.5);
        assert_eq!(special_char_ratio("卡纸"), 0.0);
        let config: SpecialCharRatioConfig =
            toml::from_str("field = \"subject\"\nmax = -0.1").unwrap();
        assert!(config.build(&schema()).is_err());
    }
}
