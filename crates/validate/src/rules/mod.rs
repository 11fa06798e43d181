//! The one list of validation rule kinds.
//!
//! A rule kind is one file holding its config struct (with `build`) and its [`RowCheck`]; adding
//! one means a new file here plus one variant in [`RuleConfig`] and one arm in
//! [`RuleConfig::build`].

pub mod expr;
pub mod length;
pub mod required;

use crate::config::{Severity, ValidateError};
use arrow::array::RecordBatch;
use serde::{Deserialize, Serialize};
use sluice_core::{CoreError, ReasonCode, TargetSchema};
use std::fmt;

/// One `[[stages.rules]]` entry, selected by its `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RuleConfig {
    /// Fields must be present: not null, not blank text, not an empty list.
    Required(required::RequiredConfig),
    /// A field's length in chars must lie within bounds.
    Length(length::LengthConfig),
    /// A SQL boolean expression over scalar fields must be true.
    Expr(expr::ExprConfig),
}

impl RuleConfig {
    /// Validates the rule against `schema` and builds its runtime form.
    pub fn build(self, schema: &TargetSchema) -> Result<Rule, ValidateError> {
        match self {
            RuleConfig::Required(config) => config.build(schema),
            RuleConfig::Length(config) => config.build(schema),
            RuleConfig::Expr(config) => config.build(schema),
        }
    }
}

/// Why one row failed a rule, without the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Names the field and the observed length or outcome, e.g. `field body: 3 chars < min 20`.
    pub detail: String,
    /// A finer outcome counted as `<rule_id>.<outcome>` (e.g. `null`, `false`).
    pub outcome: Option<&'static str>,
}

impl Failure {
    /// A failure with no finer outcome.
    pub fn new(detail: String) -> Self {
        Failure {
            detail,
            outcome: None,
        }
    }
}

/// The row-wise check behind a rule.
pub trait RowCheck: Send + Sync + fmt::Debug {
    /// One entry per row of `data`: `None` when the row passes.
    fn check(&self, data: &RecordBatch) -> Result<Vec<Option<Failure>>, CoreError>;
    /// The finer outcomes this check reports, so their counters appear even when zero.
    fn outcomes(&self) -> &'static [&'static str] {
        &[]
    }
}

/// A built rule: its identity, what failing it does, and its check.
#[derive(Debug)]
pub struct Rule {
    /// Rule id as declared (or defaulted).
    pub id: String,
    /// `Q_<ID>`.
    pub code: ReasonCode,
    /// Remove or flag on failure.
    pub severity: Severity,
    /// The check.
    pub check: Box<dyn RowCheck>,
}

impl Rule {
    /// A rule called `id`; rejects a blank id.
    pub fn new(
        id: String,
        severity: Severity,
        check: Box<dyn RowCheck>,
    ) -> Result<Rule, ValidateError> {
        if id.trim().is_empty() {
            return Err(ValidateError::EmptyId);
        }
        Ok(Rule {
            code: reason_code(&id),
            id,
            severity,
            check,
        })
    }
}

/// The reason code of rule `id`: `Q_` + the id upper-cased, every non-alphanumeric char as `_`.
pub fn reason_code(id: &str) -> ReasonCode {
    let body: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    ReasonCode::owned(format!("Q_{body}"))
}

/// The declared field `name`, or an unknown-field error for `rule`.
pub(crate) fn declared_field<'a>(
    schema: &'a TargetSchema,
    rule: &str,
    name: &str,
) -> Result<&'a sluice_core::FieldSpec, ValidateError> {
    schema
        .field(name)
        .ok_or_else(|| ValidateError::UnknownField {
            rule: rule.to_owned(),
            field: name.to_owned(),
        })
}

/// The column `name` of `data`; a batch missing a declared field is a pipeline bug.
pub(crate) fn column<'a>(
    data: &'a RecordBatch,
    name: &str,
) -> Result<&'a arrow::array::ArrayRef, CoreError> {
    data.column_by_name(name)
        .ok_or_else(|| CoreError::UnknownField(name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_upper_case_ascii() {
        assert_eq!(reason_code("min_len").as_str(), "Q_MIN_LEN");
        assert_eq!(reason_code("positive-amount").as_str(), "Q_POSITIVE_AMOUNT");
        assert_eq!(reason_code("length_body.x").as_str(), "Q_LENGTH_BODY_X");
    }

    #[test]
    fn parses_each_kind_and_rejects_unknown_ones() {
        let config: crate::ValidateConfig = toml::from_str(
            r#"
            [[rules]]
            kind = "required"
            fields = ["a"]
            [[rules]]
            kind = "length"
            field = "a"
            min = 1
            [[rules]]
            kind = "expr"
            id = "x"
            expr = "a > 0"
            severity = "warn"
            "#,
        )
        .unwrap();
        assert!(matches!(config.rules[0], RuleConfig::Required(_)));
        assert!(matches!(config.rules[1], RuleConfig::Length(_)));
        assert!(matches!(config.rules[2], RuleConfig::Expr(_)));
        for bad in [
            "[[rules]]\nkind = \"regex\"\nfield = \"a\"",
            "[[rules]]\nkind = \"required\"\nfields = [\"a\"]\nmin = 1",
            "[[rules]]\nkind = \"required\"\nfields = [\"a\"]\nseverity = \"fatal\"",
            "[[rules]]\nfields = [\"a\"]",
            "rules = []\nextra = 1",
        ] {
            assert!(
                toml::from_str::<crate::ValidateConfig>(bad).is_err(),
                "{bad}"
            );
        }
    }
}
