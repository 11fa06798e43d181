//! `language`: the text's detected language must be one of `allowed`.
//!
//! A support-ticket corpus meant for an English and Chinese assistant picks up French auto-replies,
//! Russian spam and Portuguese forwards; training on them dilutes the target languages. Detection
//! uses [whatlang](https://docs.rs/whatlang) (trigram models for 69 languages, pure Rust, no model
//! files), run over all the languages it knows, so "detected Spanish" is reported as Spanish
//! rather than forced into the nearest allowed language.
//!
//! Codes in `allowed` are ISO 639-1 (`en`, `zh`, `ja`) or ISO 639-3 as whatlang names them
//! (`eng`, `cmn`); `zh` means Mandarin (`cmn`), the Chinese whatlang detects.
//!
//! Outcomes:
//! - `other` (fails): a reliable detection of a language not in `allowed`.
//! - `unreliable`: the text is shorter than `min_chars` chars (letters and digits only are
//!   counted), whatlang gives no answer, or its confidence is below `min_confidence`. Short text
//!   carries too few trigrams for any detector, so its label is noise — it is counted apart,
//!   never passed silently, and fails by default; `on_unreliable = "pass"` keeps such rows (still
//!   counted as `<id>.unreliable`), which suits chats with short turns.
//!
//! Defaults: `min_confidence = 0.5`, `min_chars = 10`. Peers use fastText-style probabilities —
//! datatrove's `LanguageFilter` 0.65, Data-Juicer's `language_id_score_filter` 0.8 — which are not
//! on whatlang's scale: whatlang's confidence measures the margin between the two best languages
//! (1.0 when clearly ahead; whatlang itself calls > 0.9 "reliable"). 0.5 keeps clear-cut prose and
//! rejects coin flips between close languages (Danish/Norwegian, Spanish/Portuguese on one
//! sentence); raise it towards 0.9 for stricter filtering. `min_chars = 10` is sluice's choice:
//! below ~2 words whatlang's trigram scores are dominated by chance.
//!
//! ```toml
//! [[stages.rules]]
//! kind = "language"
//! field = "messages"
//! allowed = ["en", "zh"]
//! # min_confidence = 0.5
//! # min_chars = 10
//! # on_unreliable = "fail"      # or "pass" (still counted)
//! ```

use super::text::{Judgement, TextCheck, TextJudge, text_rule_config};
use super::{NullPolicy, Rule, check_ratio, invalid};
use crate::config::ValidateError;
use sluice_core::TargetSchema;
use whatlang::Lang;

/// Default minimum whatlang confidence for a detection to count.
pub const DEFAULT_MIN_CONFIDENCE: f64 = 0.5;
/// Default minimum number of letters and digits for a detection to be attempted.
pub const DEFAULT_MIN_CHARS: usize = 10;

text_rule_config! {
    /// Settings of a `language` rule.
    pub struct LanguageConfig {
        /// Allowed languages, ISO 639-1 (`en`) or 639-3 (`eng`) codes.
        pub allowed: Vec<String>,
        /// Lowest whatlang confidence accepted as a detection (default 0.5).
        #[serde(default = "default_min_confidence")]
        pub min_confidence: f64,
        /// Fewest letters/digits for a detection to be attempted (default 10).
        #[serde(default = "default_min_chars")]
        pub min_chars: usize,
        /// What an unreliable detection does (counted as `<id>.unreliable` either way).
        #[serde(default)]
        pub on_unreliable: NullPolicy,
    }
}

fn default_min_confidence() -> f64 {
    DEFAULT_MIN_CONFIDENCE
}
fn default_min_chars() -> usize {
    DEFAULT_MIN_CHARS
}

/// ISO 639-1 codes of the languages whatlang detects, with whatlang's 639-3 codes.
#[rustfmt::skip]
const ISO_639_1: &[(&str, &str)] = &[
    ("af", "afr"), ("ak", "aka"), ("am", "amh"), ("ar", "ara"), ("az", "aze"), ("be", "bel"),
    ("bg", "bul"), ("bn", "ben"), ("ca", "cat"), ("cs", "ces"), ("cy", "cym"), ("da", "dan"),
    ("de", "deu"), ("el", "ell"), ("en", "eng"), ("eo", "epo"), ("es", "spa"), ("et", "est"),
    ("fa", "pes"), ("fi", "fin"), ("fr", "fra"), ("gu", "guj"), ("he", "heb"), ("hi", "hin"),
    ("hr", "hrv"), ("hu", "hun"), ("hy", "hye"), ("id", "ind"), ("it", "ita"), ("ja", "jpn"),
    ("jv", "jav"), ("ka", "kat"), ("km", "khm"), ("kn", "kan"), ("ko", "kor"), ("la", "lat"),
    ("lt", "lit"), ("lv", "lav"), ("mk", "mkd"), ("ml", "mal"), ("mr", "mar"), ("my", "mya"),
    ("nb", "nob"), ("ne", "nep"), ("nl", "nld"), ("no", "nob"), ("or", "ori"), ("pa", "pan"),
    ("pl", "pol"), ("pt", "por"), ("ro", "ron"), ("ru", "rus"), ("si", "sin"), ("sk", "slk"),
    ("sl", "slv"), ("sn", "sna"), ("sr", "srp"), ("sv", "swe"), ("ta", "tam"), ("te", "tel"),
    ("th", "tha"), ("tk", "tuk"), ("tl", "tgl"), ("tr", "tur"), ("uk", "ukr"), ("ur", "urd"),
    ("uz", "uzb"), ("vi", "vie"), ("yi", "yid"), ("zh", "cmn"), ("zu", "zul"),
];

/// The whatlang language for an ISO 639-1 or 639-3 code.
pub fn parse_lang(code: &str) -> Option<Lang> {
    let code = code.trim().to_ascii_lowercase();
    let three = ISO_639_1
        .iter()
        .find(|(two, _)| *two == code)
        .map_or(code.as_str(), |(_, three)| three);
    Lang::from_code(three)
}

impl LanguageConfig {
    /// Checks the codes and thresholds and builds the rule.
    pub fn build(self, schema: &TargetSchema) -> Result<Rule, ValidateError> {
        let scope = self.scope("language", schema)?;
        if self.allowed.is_empty() {
            return Err(invalid(
                &scope.id,
                "`allowed` must name at least one language",
            ));
        }
        let mut allowed = Vec::with_capacity(self.allowed.len());
        for code in &self.allowed {
            let lang = parse_lang(code).ok_or_else(|| {
                invalid(
                    &scope.id,
                    format!("unknown language code `{code}` in `allowed`"),
                )
            })?;
            allowed.push(lang);
        }
        check_ratio(&scope.id, "min_confidence", self.min_confidence)?;
        let description = format!(
            "language in [{}] (whatlang confidence >= {}, >= {} letters/digits)",
            self.allowed.join(", "),
            self.min_confidence,
            self.min_chars
        );
        let judge = Language {
            allowed,
            allowed_text: self.allowed.join(", "),
            min_confidence: self.min_confidence,
            min_chars: self.min_chars,
            on_unreliable: self.on_unreliable,
        };
        Rule::row(
            scope.id.clone(),
            self.severity,
            "language",
            vec![self.field.clone()],
            description,
            TextCheck::new(scope, judge, &["null", "empty", "other", "unreliable"]),
        )
    }
}

/// The measurement of a `language` rule.
#[derive(Debug)]
pub struct Language {
    allowed: Vec<Lang>,
    allowed_text: String,
    min_confidence: f64,
    min_chars: usize,
    on_unreliable: NullPolicy,
}

impl Language {
    fn unreliable(&self, detail: String) -> Judgement {
        match self.on_unreliable {
            NullPolicy::Fail => Judgement::Fail("unreliable", detail),
            NullPolicy::Pass => Judgement::Noted("unreliable"),
        }
    }
}

impl TextJudge for Language {
    fn judge(&self, text: &str) -> Judgement {
        let letters = text.chars().filter(|c| c.is_alphanumeric()).count();
        if letters < self.min_chars {
            return self.unreliable(format!(
                "{letters} letters/digits < min_chars {}, language not detectable",
                self.min_chars
            ));
        }
        let Some(info) = whatlang::detect(text) else {
            return self.unreliable("no language detected".to_owned());
        };
        let confidence = info.confidence();
        if confidence < self.min_confidence {
            return self.unreliable(format!(
                "language {} detected with confidence {confidence:.2} < min {}",
                info.lang().code(),
                self.min_confidence
            ));
        }
        if self.allowed.contains(&info.lang()) {
            Judgement::Pass
        } else {
            Judgement::Fail(
                "other",
                format!(
                    "detected language {} (confidence {confidence:.2}) not in [{}]",
                    info.lang().code(),
                    self.allowed_text
                ),
            )
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
        toml::from_str::<LanguageConfig>(text)
            .unwrap()
            .build(&schema())
    }

    fn verdicts(r: &Rule, texts: &[&str]) -> Vec<Verdict> {
        let rows: Vec<_> = texts.iter().map(|t| json!({ "subject": t })).collect();
        r.check.check(&batch(&rows)).unwrap()
    }

    #[test]
    fn allowed_languages_pass_others_fail() {
        let r = rule("field = \"subject\"\nallowed = [\"en\", \"zh\"]").unwrap();
        let out = verdicts(
            &r,
            &[
                "The printer on the third floor keeps jamming every morning.",
                "三楼的打印机每天早上都会卡纸，请尽快派人维修。",
                "L'imprimante du troisième étage se bloque tous les matins.",
                "Der Drucker im dritten Stock hat jeden Morgen einen Papierstau.",
            ],
        );
        assert_eq!(out[0], Verdict::Pass);
        assert_eq!(out[1], Verdict::Pass);
        let fr = out[2].failure().unwrap();
        assert_eq!(fr.outcome, Some("other"));
        assert!(fr.detail.contains("detected language fra"), "{}", fr.detail);
        assert!(fr.detail.contains("not in [en, zh]"));
        assert!(!fr.detail.contains("imprimante"));
        assert_eq!(out[3].failure().unwrap().outcome, Some("other"));
    }

    #[test]
    fn short_text_is_unreliable_not_passed() {
        let r = rule("field = \"subject\"\nallowed = [\"en\"]").unwrap();
        let out = verdicts(&r, &["ok", "谢谢"]);
        for v in &out {
            assert_eq!(v.failure().unwrap().outcome, Some("unreliable"));
        }
        let lenient =
            rule("field = \"subject\"\nallowed = [\"en\"]\non_unreliable = \"pass\"").unwrap();
        assert_eq!(
            verdicts(&lenient, &["ok"]),
            vec![Verdict::Noted("unreliable")]
        );
    }

    #[test]
    fn codes_and_build_errors() {
        assert_eq!(parse_lang("zh"), Some(Lang::Cmn));
        assert_eq!(parse_lang("EN"), Some(Lang::Eng));
        assert_eq!(parse_lang("fra"), Some(Lang::Fra));
        assert_eq!(parse_lang("xx"), None);
        // Every 639-1 entry names a language whatlang knows.
        for (_, three) in ISO_639_1 {
            assert!(Lang::from_code(*three).is_some(), "{three}");
        }
        assert!(rule("field = \"subject\"\nallowed = []").is_err());
        let err = rule("field = \"subject\"\nallowed = [\"klingon\"]").unwrap_err();
        assert!(err.to_string().contains("`klingon`"));
        assert!(rule("field = \"subject\"\nallowed = [\"en\"]\nmin_confidence = 2.0").is_err());
    }
}
