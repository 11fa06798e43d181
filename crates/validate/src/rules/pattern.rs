//! `regex`: a string field must match `pattern` — or, with `negate = true`, must not.
//!
//! Identifier formats (`^TCK-[0-9]{6}$`), ISO country codes, "no URLs in answers", "no internal
//! hostnames": shape constraints that are too specific for a detector and too fiddly for SQL.
//! Patterns use the Rust [`regex`](https://docs.rs/regex) syntax, which guarantees matching in
//! time linear in the text (no backtracking blow-ups on hostile input). The pattern is searched
//! anywhere in the value: anchor it with `^…$` to match the whole value. `(?i)` makes it
//! case-insensitive. The pattern is configuration and appears in reports; matched text never
//! does.
//!
//! Nulls: outcome `null`, failing unless `on_null = "pass"` (counted either way). Outcomes
//! `no_match` (pattern required but absent) and `match` (negated pattern found).
//!
//! ```toml
//! [[stages.rules]]
//! kind = "regex"
//! field = "ticket_id"
//! pattern = "^TCK-[0-9]{6}$"
//!
//! [[stages.rules]]
//! kind = "regex"
//! id = "no_internal_hosts"
//! field = "answer"
//! pattern = '(?i)\b[a-z0-9-]+\.corp\.example\b'
//! negate = true
//! ```

use super::{Failure, NullPolicy, RowCheck, Rule, Verdict, column, declared_field_of, invalid};
use crate::config::{Severity, ValidateError};
use arrow::array::{AsArray, RecordBatch};
use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};
use sluice_core::{CoreError, FieldType, TargetSchema};

/// Compiled-program size limit: generous for real patterns, bounded for accidents.
const SIZE_LIMIT: usize = 10 * (1 << 20);

/// Settings of a `regex` rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegexConfig {
    /// The string field checked.
    pub field: String,
    /// The regular expression (Rust `regex` syntax).
    pub pattern: String,
    /// Fail when the pattern *does* match.
    #[serde(default)]
    pub negate: bool,
    /// Rule id (default `regex_<field>`).
    #[serde(default)]
    pub id: Option<String>,
    /// What failing does.
    #[serde(default)]
    pub severity: Severity,
    /// What a null does (counted as `<id>.null` either way).
    #[serde(default)]
    pub on_null: NullPolicy,
}

impl RegexConfig {
    /// Compiles the pattern, checks the field is a string and builds the rule.
    pub fn build(self, schema: &TargetSchema) -> Result<Rule, ValidateError> {
        let id = self.id.unwrap_or_else(|| format!("regex_{}", self.field));
        declared_field_of(
            schema,
            &id,
            &self.field,
            |ty| *ty == FieldType::String,
            "but `regex` checks string fields",
        )?;
        let regex = RegexBuilder::new(&self.pattern)
            .size_limit(SIZE_LIMIT)
            .build()
            .map_err(|e| invalid(&id, format!("invalid `pattern`: {e}")))?;
        let description = if self.negate {
            format!("does not match /{}/", self.pattern)
        } else {
            format!("matches /{}/", self.pattern)
        };
        Rule::row(
            id,
            self.severity,
            "regex",
            vec![self.field.clone()],
            description,
            RegexCheck {
                field: self.field,
                regex,
                negate: self.negate,
                on_null: self.on_null,
            },
        )
    }
}

/// The runtime check of a `regex` rule.
#[derive(Debug)]
pub struct RegexCheck {
    field: String,
    regex: Regex,
    negate: bool,
    on_null: NullPolicy,
}

impl RowCheck for RegexCheck {
    fn check(&self, data: &RecordBatch) -> Result<Vec<Verdict>, CoreError> {
        let values = column(data, &self.field)?.as_string::<i32>();
        let field = &self.field;
        Ok(values
            .iter()
            .map(|value| {
                let Some(text) = value else {
                    return self
                        .on_null
                        .verdict("null", || format!("field {field} is null"));
                };
                match (self.regex.find(text), self.negate) {
                    (None, false) => Verdict::Fail(Failure::with(
                        "no_match",
                        format!("field {field}: does not match the pattern"),
                    )),
                    (Some(found), true) => {
                        // Char offsets locate the match without quoting it.
                        let start = text[..found.start()].chars().count();
                        let end = start + found.as_str().chars().count();
                        Verdict::Fail(Failure::with(
                            "match",
                            format!("field {field}: forbidden pattern at chars {start}..{end}"),
                        ))
                    }
                    _ => Verdict::Pass,
                }
            })
            .collect())
    }

    fn outcomes(&self) -> &'static [&'static str] {
        if self.negate {
            &["null", "match"]
        } else {
            &["null", "no_match"]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{batch, schema};
    use serde_json::json;

    fn rule(text: &str) -> Result<Rule, ValidateError> {
        toml::from_str::<RegexConfig>(text)
            .unwrap()
            .build(&schema())
    }

    fn run(r: &Rule, texts: &[Option<&str>]) -> Vec<Verdict> {
        let rows: Vec<_> = texts.iter().map(|t| json!({ "subject": t })).collect();
        r.check.check(&batch(&rows)).unwrap()
    }

    #[test]
    fn must_match() {
        let r = rule("field = \"subject\"\npattern = '^TCK-[0-9]{6}$'").unwrap();
        let out = run(
            &r,
            &[
                Some("TCK-004211"),
                Some("TCK-42"),
                Some("x TCK-004211"),
                None,
            ],
        );
        assert_eq!(out[0], Verdict::Pass);
        assert_eq!(out[1].failure().unwrap().outcome, Some("no_match"));
        assert!(out[2].failure().is_some());
        assert_eq!(out[3].failure().unwrap().outcome, Some("null"));
    }

    #[test]
    fn must_not_match_reports_offsets_not_text() {
        let r = rule(
            "field = \"subject\"\npattern = '(?i)\\b[a-z0-9-]+\\.corp\\.example\\b'\nnegate = true\non_null = \"pass\"",
        )
        .unwrap();
        let out = run(
            &r,
            &[
                Some("连接 build-01.CORP.example 失败"),
                Some("all good"),
                None,
            ],
        );
        let f = out[0].failure().unwrap();
        assert_eq!(f.outcome, Some("match"));
        assert_eq!(f.detail, "field subject: forbidden pattern at chars 3..24");
        assert_eq!(out[1], Verdict::Pass);
        assert_eq!(out[2], Verdict::Noted("null"));
    }

    #[test]
    fn build_errors() {
        let err = rule("field = \"subject\"\npattern = '(unclosed'").unwrap_err();
        assert!(err.to_string().contains("invalid `pattern`"), "{err}");
        assert!(matches!(
            rule("field = \"amount\"\npattern = 'x'"),
            Err(ValidateError::WrongFieldType { .. })
        ));
        // Backreferences are not linear-time and the regex crate refuses them.
        assert!(rule("field = \"subject\"\npattern = '(a)\\1'").is_err());
    }
}
