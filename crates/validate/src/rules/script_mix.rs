//! `script_mix`: at most `max_other` of the text's letters may be written in scripts outside
//! `expected`.
//!
//! A Chinese/English support corpus should be written in Han and Latin letters (plus whatever
//! else the owner expects). Cyrillic or Arabic spam, text in the wrong locale, and homoglyph
//! tricks (Cyrillic `а` inside Latin words) show up as letters from other scripts. Unlike
//! `language`, this rule works on a handful of chars and on code-switched text ("请重置我的
//! VPN password"), which language identification gets wrong.
//!
//! A letter is a char Unicode calls alphabetic; its scripts are its Unicode Script_Extensions
//! (so a char shared by Han and Hiragana counts as both). Chars of the Common and Inherited
//! scripts (digits, punctuation, combining marks) are not letters of any script and are ignored.
//! Script names are Unicode full names (`Latin`, `Han`, `Cyrillic`, `Hiragana`) or ISO 15924
//! codes (`Latn`, `Hani`). Text with no letters at all has nothing to judge: it passes, counted as
//! `<id>.no_letters`.
//!
//! Default `max_other = 0.1`: sluice's choice, no peer ships this rule; it tolerates a foreign
//! name or symbol in a sentence while catching text mostly in another script.
//!
//! ```toml
//! [[stages.rules]]
//! kind = "script_mix"
//! field = "body"
//! expected = ["Latin", "Han"]
//! # max_other = 0.1
//! ```

use super::text::{Judgement, TextCheck, TextJudge, ratio, text_rule_config};
use super::{Rule, check_ratio, invalid};
use crate::config::ValidateError;
use sluice_core::TargetSchema;
use unicode_script::{Script, UnicodeScript};

/// Default maximum share of letters outside the expected scripts.
pub const DEFAULT_MAX_OTHER: f64 = 0.1;

text_rule_config! {
    /// Settings of a `script_mix` rule.
    pub struct ScriptMixConfig {
        /// Expected scripts, Unicode full names (`Latin`) or ISO 15924 codes (`Latn`).
        pub expected: Vec<String>,
        /// Largest allowed share of letters outside `expected` (default 0.1).
        #[serde(default = "default_max_other")]
        pub max_other: f64,
    }
}

fn default_max_other() -> f64 {
    DEFAULT_MAX_OTHER
}

impl ScriptMixConfig {
    /// Checks the script names and threshold and builds the rule.
    pub fn build(self, schema: &TargetSchema) -> Result<Rule, ValidateError> {
        let scope = self.scope("script_mix", schema)?;
        if self.expected.is_empty() {
            return Err(invalid(
                &scope.id,
                "`expected` must name at least one script",
            ));
        }
        let mut expected = Vec::with_capacity(self.expected.len());
        for name in &self.expected {
            let script = Script::from_full_name(name)
                .or_else(|| Script::from_short_name(name))
                .filter(|s| !matches!(s, Script::Common | Script::Inherited | Script::Unknown))
                .ok_or_else(|| {
                    invalid(&scope.id, format!("unknown script `{name}` in `expected`"))
                })?;
            expected.push(script);
        }
        check_ratio(&scope.id, "max_other", self.max_other)?;
        let description = format!(
            "share of letters outside [{}] <= {}",
            self.expected.join(", "),
            self.max_other
        );
        Rule::row(
            scope.id.clone(),
            self.severity,
            "script_mix",
            vec![self.field.clone()],
            description,
            TextCheck::new(
                scope,
                ScriptMix {
                    expected,
                    max_other: self.max_other,
                },
                &["null", "empty", "other_script", "no_letters"],
            ),
        )
    }
}

/// The measurement of a `script_mix` rule.
#[derive(Debug)]
pub struct ScriptMix {
    expected: Vec<Script>,
    max_other: f64,
}

impl ScriptMix {
    /// Letters belonging to some script, and those among them outside the expected scripts.
    fn count(&self, text: &str) -> (usize, usize) {
        let (mut letters, mut other) = (0, 0);
        for c in text.chars().filter(|c| c.is_alphabetic()) {
            if matches!(
                c.script(),
                Script::Common | Script::Inherited | Script::Unknown
            ) {
                continue;
            }
            letters += 1;
            let scripts = c.script_extension();
            if !self.expected.iter().any(|s| scripts.contains_script(*s)) {
                other += 1;
            }
        }
        (letters, other)
    }
}

impl TextJudge for ScriptMix {
    fn judge(&self, text: &str) -> Judgement {
        let (letters, other) = self.count(text);
        if letters == 0 {
            return Judgement::Noted("no_letters");
        }
        let observed = ratio(other, letters);
        if observed > self.max_other {
            Judgement::Fail(
                "other_script",
                format!(
                    "{other} of {letters} letters outside the expected scripts, ratio {observed:.3} > max {}",
                    self.max_other
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

    fn rule(text: &str) -> Result<Rule, ValidateError> {
        toml::from_str::<ScriptMixConfig>(text)
            .unwrap()
            .build(&schema())
    }

    #[test]
    fn expected_scripts_pass_others_fail() {
        let r = rule("field = \"subject\"\nexpected = [\"Latin\", \"Hani\"]").unwrap();
        let rows: Vec<_> = [
            "请重置我的 VPN password，谢谢",
            "Café crème, naïve façade",
            "Привет, как дела? Нужна помощь",
            "Pаypаl account locked", // two Cyrillic `а`: 2 of 19 letters
            "12345 !!!",
        ]
        .iter()
        .map(|t| json!({ "subject": t }))
        .collect();
        let out = r.check.check(&batch(&rows)).unwrap();
        assert_eq!(out[0], Verdict::Pass);
        assert_eq!(out[1], Verdict::Pass);
        assert_eq!(out[2].failure().unwrap().outcome, Some("other_script"));
        let homoglyph = out[3].failure().unwrap();
        assert!(
            homoglyph.detail.contains("2 of 19 letters"),
            "{}",
            homoglyph.detail
        );
        assert_eq!(out[4], Verdict::Noted("no_letters"));
    }

    #[test]
    fn build_errors() {
        assert!(rule("field = \"subject\"\nexpected = []").is_err());
        let err = rule("field = \"subject\"\nexpected = [\"Elvish\"]").unwrap_err();
        assert!(err.to_string().contains("`Elvish`"));
        assert!(rule("field = \"subject\"\nexpected = [\"Common\"]").is_err());
        assert!(rule("field = \"subject\"\nexpected = [\"Latin\"]\nmax_other = 1.5").is_err());
    }
}
