//! `text_length`: the text's length in chars must lie within `[min_chars, max_chars]`.
//!
//! Too-short records (a lone "ok", "thanks") carry no training signal; too-long ones get cut by
//! the trainer's context window. Lengths are Unicode chars, not bytes, so Chinese and English
//! records are held to the same numbers. Unlike `length`, which sums every text leaf of a field
//! (roles included), `text_length` reads the text the way every text rule does: a string field,
//! or the `content` of chat turns, joined or `per_turn`, optionally only some `roles`.
//! Whitespace-only text is measured (0 chars after nothing is stripped): it fails a `min_chars`,
//! it is not an `empty` outcome. A null is the `null` outcome.
//!
//! Token bounds `tokens_min` / `tokens_max` count tokens with `tokenizer`: a bundled OpenAI
//! encoding (`cl100k`, `o200k`) or a path to a Hugging Face `tokenizer.json` (Qwen, Llama…),
//! relative to the pipeline file. Tokens are counted over the same text as chars — contents only,
//! turns joined by `\n`: a chat template adds a few tokens per turn on top, so leave headroom
//! below the trainer's context length. Char bounds are checked first; a row fails on the first
//! bound it crosses (outcomes `short`, `long`, `few_tokens`, `many_tokens`).
//!
//! Defaults: none — set at least one bound. Data-Juicer's `text_length_filter` and
//! `token_num_filter` use min 10.
//!
//! ```toml
//! [[stages.rules]]
//! kind = "text_length"
//! field = "messages"
//! roles = ["assistant"]
//! min_chars = 10
//! tokens_max = 4096
//! tokenizer = "cl100k"          # or "o200k", or "tokenizers/qwen2.5.json"
//! ```

use super::text::{Judgement, TextCheck, TextJudge, text_rule_config};
use super::{Rule, describe_bounds, invalid};
use crate::config::ValidateError;
use sluice_core::TargetSchema;
use sluice_tokenize::Tokenizer;
use std::path::Path;

text_rule_config! {
    /// Settings of a `text_length` rule.
    pub struct TextLengthConfig {
        /// Fewest chars allowed.
        #[serde(default)]
        pub min_chars: Option<u64>,
        /// Most chars allowed.
        #[serde(default)]
        pub max_chars: Option<u64>,
        /// Fewest tokens allowed (needs `tokenizer`).
        #[serde(default)]
        pub tokens_min: Option<u64>,
        /// Most tokens allowed (needs `tokenizer`).
        #[serde(default)]
        pub tokens_max: Option<u64>,
        /// `cl100k`, `o200k`, or a path to a Hugging Face `tokenizer.json`.
        #[serde(default)]
        pub tokenizer: Option<String>,
    }
}

impl TextLengthConfig {
    /// Checks the bounds and the field and builds the rule; a tokenizer path is taken relative to
    /// the current directory.
    pub fn build(self, schema: &TargetSchema) -> Result<Rule, ValidateError> {
        self.build_in(schema, Path::new("."))
    }

    /// Like [`TextLengthConfig::build`], resolving a tokenizer path against `base_dir`.
    pub fn build_in(self, schema: &TargetSchema, base_dir: &Path) -> Result<Rule, ValidateError> {
        let scope = self.scope("text_length", schema)?;
        let id = scope.id.clone();
        if self.min_chars.is_none()
            && self.max_chars.is_none()
            && self.tokens_min.is_none()
            && self.tokens_max.is_none()
        {
            return Err(invalid(
                &id,
                "set at least one of `min_chars`, `max_chars`, `tokens_min` and `tokens_max`",
            ));
        }
        for (what, min, max) in [
            ("chars", self.min_chars, self.max_chars),
            ("tokens", self.tokens_min, self.tokens_max),
        ] {
            if let (Some(min), Some(max)) = (min, max)
                && min > max
            {
                let (low, high) = if what == "chars" {
                    ("min_chars", "max_chars")
                } else {
                    ("tokens_min", "tokens_max")
                };
                return Err(invalid(
                    &id,
                    format!("`{low}` {min} is greater than `{high}` {max}"),
                ));
            }
        }
        let wants_tokens = self.tokens_min.is_some() || self.tokens_max.is_some();
        let tokens = match (&self.tokenizer, wants_tokens) {
            (Some(spec), true) => Some(
                Tokenizer::resolve(spec, base_dir)
                    .map_err(|e| invalid(&id, format!("`tokenizer`: {e}")))?,
            ),
            (None, true) => {
                return Err(invalid(&id, "`tokens_min`/`tokens_max` need a `tokenizer`"));
            }
            (Some(_), false) => {
                return Err(invalid(&id, "`tokenizer` is set but no token bound is"));
            }
            (None, false) => None,
        };
        let mut description = Vec::new();
        if self.min_chars.is_some() || self.max_chars.is_some() {
            description.push(describe_bounds("chars", self.min_chars, self.max_chars));
        }
        if let Some(tokenizer) = &tokens {
            description.push(describe_bounds(
                &format!("{} tokens", tokenizer.name()),
                self.tokens_min,
                self.tokens_max,
            ));
        }
        let judge = TextLength {
            min_chars: self.min_chars,
            max_chars: self.max_chars,
            tokens: tokens.map(|tokenizer| TokenBounds {
                tokenizer,
                min: self.tokens_min,
                max: self.tokens_max,
            }),
        };
        Rule::row(
            id,
            self.severity,
            "text_length",
            vec![self.field.clone()],
            description.join("; "),
            TextCheck::new(
                scope,
                judge,
                &[
                    "null",
                    "empty",
                    "short",
                    "long",
                    "few_tokens",
                    "many_tokens",
                ],
            ),
        )
    }
}

/// Token bounds and the tokenizer that counts.
#[derive(Debug)]
struct TokenBounds {
    tokenizer: Tokenizer,
    min: Option<u64>,
    max: Option<u64>,
}

/// The measurement of a `text_length` rule.
#[derive(Debug)]
pub struct TextLength {
    min_chars: Option<u64>,
    max_chars: Option<u64>,
    tokens: Option<TokenBounds>,
}

impl TextJudge for TextLength {
    fn judge(&self, text: &str) -> Judgement {
        let chars = text.chars().count() as u64;
        if let Some(min) = self.min_chars
            && chars < min
        {
            return Judgement::Fail("short", format!("{chars} chars < min {min}"));
        }
        if let Some(max) = self.max_chars
            && chars > max
        {
            return Judgement::Fail("long", format!("{chars} chars > max {max}"));
        }
        if let Some(bounds) = &self.tokens {
            let name = bounds.tokenizer.name();
            let count = bounds.tokenizer.count(text) as u64;
            if let Some(min) = bounds.min
                && count < min
            {
                return Judgement::Fail("few_tokens", format!("{count} {name} tokens < min {min}"));
            }
            if let Some(max) = bounds.max
                && count > max
            {
                return Judgement::Fail(
                    "many_tokens",
                    format!("{count} {name} tokens > max {max}"),
                );
            }
        }
        Judgement::Pass
    }

    fn measures_empty(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Verdict;
    use crate::test_support::{batch, schema};
    use serde_json::json;

    fn rule(text: &str) -> Result<Rule, ValidateError> {
        toml::from_str::<TextLengthConfig>(text)
            .unwrap()
            .build(&schema())
    }

    #[test]
    fn chars_not_bytes_and_roles() {
        let r = rule("field = \"subject\"\nmin_chars = 3\nmax_chars = 5").unwrap();
        assert_eq!(r.description, "chars in [3, 5]");
        let out = r
            .check
            .check(&batch(&[
                json!({"subject": "打印机"}),
                json!({"subject": "ab"}),
                json!({"subject": "abcdef"}),
                json!({"subject": ""}),
                json!({"subject": null}),
            ]))
            .unwrap();
        assert_eq!(out[0], Verdict::Pass);
        assert_eq!(
            out[1].failure().unwrap().detail,
            "field subject: 2 chars < min 3"
        );
        assert_eq!(out[2].failure().unwrap().outcome, Some("long"));
        assert_eq!(out[3].failure().unwrap().outcome, Some("short"));
        assert_eq!(out[4].failure().unwrap().outcome, Some("null"));

        let r = rule("field = \"messages\"\nroles = [\"assistant\"]\nmin_chars = 4").unwrap();
        let out = r
            .check
            .check(&batch(&[
                json!({"messages": [{"role": "user", "content": "a long question here"}, {"role": "assistant", "content": "ok"}]}),
                json!({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "好的，马上处理"}]}),
            ]))
            .unwrap();
        assert_eq!(
            out[0].failure().unwrap().detail,
            "field messages: 2 chars < min 4"
        );
        assert_eq!(out[1], Verdict::Pass);
    }

    #[test]
    fn token_bounds_with_a_builtin_tokenizer() {
        let r =
            rule("field = \"subject\"\ntokens_min = 2\ntokens_max = 10\ntokenizer = \"cl100k\"")
                .unwrap();
        assert_eq!(r.description, "cl100k tokens in [2, 10]");
        let out = r
            .check
            .check(&batch(&[
                json!({"subject": "printer jammed"}),
                json!({"subject": "ok"}),
                json!({"subject": "The printer on the third floor jams every single morning and every evening too"}),
                json!({"subject": "打印机卡纸"}),
            ]))
            .unwrap();
        assert_eq!(out[0], Verdict::Pass);
        let few = out[1].failure().unwrap();
        assert_eq!(few.outcome, Some("few_tokens"));
        assert_eq!(few.detail, "field subject: 1 cl100k tokens < min 2");
        let many = out[2].failure().unwrap();
        assert_eq!(many.outcome, Some("many_tokens"));
        assert!(
            many.detail.contains("cl100k tokens > max 10"),
            "{}",
            many.detail
        );
        assert!(!many.detail.contains("printer"));
        // Five Han chars are 8 cl100k tokens.
        assert_eq!(out[3], Verdict::Pass);
        // Chars are checked first.
        let both =
            rule("field = \"subject\"\nmin_chars = 5\ntokens_max = 100\ntokenizer = \"o200k\"")
                .unwrap();
        assert_eq!(both.description, "chars >= 5; o200k tokens <= 100");
        let out = both
            .check
            .check(&batch(&[json!({"subject": "ok"})]))
            .unwrap();
        assert_eq!(out[0].failure().unwrap().outcome, Some("short"));
    }

    #[test]
    fn token_config_errors() {
        let err = rule("field = \"subject\"\ntokens_max = 5").unwrap_err();
        assert!(err.to_string().contains("need a `tokenizer`"), "{err}");
        let err = rule("field = \"subject\"\nmin_chars = 5\ntokenizer = \"cl100k\"").unwrap_err();
        assert!(err.to_string().contains("no token bound"), "{err}");
        let err = rule("field = \"subject\"\ntokens_max = 5\ntokenizer = \"gpt2\"").unwrap_err();
        assert!(err.to_string().contains("`tokenizer`"), "{err}");
        let err =
            rule("field = \"subject\"\ntokens_min = 9\ntokens_max = 5\ntokenizer = \"cl100k\"")
                .unwrap_err();
        assert!(err.to_string().contains("`tokens_min` 9"), "{err}");
    }

    #[test]
    fn bound_errors() {
        assert!(rule("field = \"subject\"").is_err());
        let err = rule("field = \"subject\"\nmin_chars = 9\nmax_chars = 2").unwrap_err();
        assert!(err.to_string().contains("greater than"), "{err}");
        assert!(rule("field = \"amount\"\nmin_chars = 1").is_err());
    }
}
