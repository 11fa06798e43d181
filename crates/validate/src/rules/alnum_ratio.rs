//! `alnum_ratio`: the share of alphanumeric chars in the text must be at least `min`.
//!
//! Text that is mostly markup, separators, numbers-with-symbols or line noise (log dumps, tables
//! of dashes, base64 fragments broken by punctuation) teaches a model nothing. A char counts as
//! alphanumeric when Unicode says it is a letter or a number (`char::is_alphanumeric`), so Han,
//! kana and Hangul count like Latin letters and Chinese text is held to the same bar. The ratio is
//! alphanumeric chars / all chars (whitespace included), as in Data-Juicer's
//! `alphanumeric_filter`.
//!
//! Default `min = 0.25`: Data-Juicer's `alphanumeric_filter` default (`configs/config_all.yaml`);
//! NeMo-Curator's English cascade uses the same bound expressed as non-alphanumeric <= 0.25 of
//! non-space chars. Whitespace-only text has no ratio: outcome `empty`.
//!
//! ```toml
//! [[stages.rules]]
//! kind = "alnum_ratio"
//! field = "body"            # a string, or a chat list of {role, content} turns
//! # min = 0.25              # default
//! # id = "alnum_ratio_body" # default; the reason code is Q_ALNUM_RATIO_BODY
//! ```

use super::text::{Judgement, TextCheck, TextJudge, ratio, text_rule_config};
use super::{Rule, check_ratio};
use crate::config::ValidateError;
use sluice_core::TargetSchema;

/// Default minimum share of alphanumeric chars (Data-Juicer `alphanumeric_filter`).
pub const DEFAULT_MIN: f64 = 0.25;

text_rule_config! {
    /// Settings of an `alnum_ratio` rule.
    pub struct AlnumRatioConfig {
        /// Smallest allowed share of alphanumeric chars (default 0.25).
        #[serde(default = "default_min")]
        pub min: f64,
    }
}

fn default_min() -> f64 {
    DEFAULT_MIN
}

impl AlnumRatioConfig {
    /// Checks the threshold and the field and builds the rule.
    pub fn build(self, schema: &TargetSchema) -> Result<Rule, ValidateError> {
        let scope = self.scope("alnum_ratio", schema)?;
        check_ratio(&scope.id, "min", self.min)?;
        let judge = AlnumRatio { min: self.min };
        Rule::row(
            scope.id.clone(),
            self.severity,
            "alnum_ratio",
            vec![self.field.clone()],
            format!("alphanumeric share of chars >= {}", self.min),
            TextCheck::new(scope, judge, &["null", "empty", "low"]),
        )
    }
}

/// The share of alphanumeric chars in `text`.
pub fn alnum_ratio(text: &str) -> f64 {
    let (mut alnum, mut all) = (0, 0);
    for c in text.chars() {
        all += 1;
        if c.is_alphanumeric() {
            alnum += 1;
        }
    }
    ratio(alnum, all)
}

/// The measurement of an `alnum_ratio` rule.
#[derive(Debug)]
pub struct AlnumRatio {
    min: f64,
}

impl TextJudge for AlnumRatio {
    fn judge(&self, text: &str) -> Judgement {
        let observed = alnum_ratio(text);
        if observed < self.min {
            Judgement::Fail(
                "low",
                format!("alphanumeric ratio {observed:.3} < min {}", self.min),
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
        let config: AlnumRatioConfig = toml::from_str(text).unwrap();
        config.build(&schema()).unwrap()
    }

    #[test]
    fn prose_passes_noise_fails_in_both_scripts() {
        let r = rule("field = \"subject\"");
        assert_eq!(r.id, "alnum_ratio_subject");
        let out = r
            .check
            .check(&batch(&[
                json!({"subject": "The printer on floor 3 jams daily"}),
                json!({"subject": "打印机每天都卡纸，请尽快处理。"}),
                json!({"subject": "--- | --- | --- | ==> ::"}),
                json!({"subject": "。。。！！！？？？……"}),
            ]))
            .unwrap();
        assert_eq!(out[0], Verdict::Pass);
        assert_eq!(out[1], Verdict::Pass);
        let fail = out[2].failure().unwrap();
        assert_eq!(fail.outcome, Some("low"));
        assert!(
            fail.detail
                .starts_with("field subject: alphanumeric ratio 0.000 < min 0.25")
        );
        assert!(out[3].failure().is_some());
    }

    #[test]
    fn ratio_counts_chars_and_bad_thresholds_are_rejected() {
        assert_eq!(alnum_ratio("ab!!"), 0.5);
        assert_eq!(alnum_ratio("卡纸!!"), 0.5);
        assert_eq!(alnum_ratio(""), 0.0);
        let config: AlnumRatioConfig = toml::from_str("field = \"subject\"\nmin = 1.5").unwrap();
        assert!(matches!(
            config.build(&schema()),
            Err(ValidateError::InvalidRule { .. })
        ));
        assert!(toml::from_str::<AlnumRatioConfig>("field = \"subject\"\nmax = 0.5").is_err());
    }
}
