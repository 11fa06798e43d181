//! The one list of validation rule kinds.
//!
//! A rule kind is one file holding its config struct (with `build`) and its [`RowCheck`]; adding
//! one means a new file here plus one variant in [`RuleConfig`] and one arm in
//! [`RuleConfig::build`].

pub mod alnum_ratio;
pub mod enum_values;
pub mod expr;
pub mod language;
pub mod length;
pub mod mojibake;
pub mod pattern;
pub mod range;
pub mod repetition;
pub mod required;
pub mod script_mix;
pub mod special_char_ratio;
pub mod symbol_ratio;
pub mod text;
pub mod text_length;
pub mod unique;
pub mod value_type;

use crate::config::{Severity, ValidateError};
use arrow::array::RecordBatch;
use serde::{Deserialize, Serialize};
use sluice_core::{CoreError, ReasonCode, TargetSchema};
use std::fmt;
use std::path::Path;

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
    /// A string field must parse as a type (int, float, date, datetime, json, bool).
    Type(value_type::TypeConfig),
    /// A value must be one of an allowed list.
    Enum(enum_values::EnumConfig),
    /// A string must (or must not) match a regular expression.
    Regex(pattern::RegexConfig),
    /// A number must lie within bounds.
    Range(range::RangeConfig),
    /// Values of one or more fields must be unique over the whole dataset.
    Unique(unique::UniqueConfig),
    /// Text length in chars (and optionally tokens) within bounds.
    TextLength(text_length::TextLengthConfig),
    /// Share of alphanumeric chars at least a minimum.
    AlnumRatio(alnum_ratio::AlnumRatioConfig),
    /// Share of special chars (not letters) at most a maximum.
    SpecialCharRatio(special_char_ratio::SpecialCharRatioConfig),
    /// Char n-gram, word n-gram and duplicate-line repetition at most their maxima.
    Repetition(repetition::RepetitionConfig),
    /// Share of punctuation and symbols among visible chars at most a maximum.
    SymbolRatio(symbol_ratio::SymbolRatioConfig),
    /// Share of text in classic mojibake patterns at most a maximum.
    Mojibake(mojibake::MojibakeConfig),
    /// Detected language among the allowed ones.
    Language(language::LanguageConfig),
    /// Share of letters outside the expected scripts at most a maximum.
    ScriptMix(script_mix::ScriptMixConfig),
}

impl RuleConfig {
    /// Validates the rule against `schema` and builds its runtime form; relative paths
    /// (tokenizer files) are resolved against the current directory.
    pub fn build(self, schema: &TargetSchema) -> Result<Rule, ValidateError> {
        self.build_in(schema, Path::new("."))
    }

    /// Like [`RuleConfig::build`], resolving relative paths against `base_dir` (the directory of
    /// the pipeline file).
    pub fn build_in(self, schema: &TargetSchema, base_dir: &Path) -> Result<Rule, ValidateError> {
        match self {
            RuleConfig::Required(config) => config.build(schema),
            RuleConfig::Length(config) => config.build(schema),
            RuleConfig::Expr(config) => config.build(schema),
            RuleConfig::Type(config) => config.build(schema),
            RuleConfig::Enum(config) => config.build(schema),
            RuleConfig::Regex(config) => config.build(schema),
            RuleConfig::Range(config) => config.build(schema),
            RuleConfig::Unique(config) => config.build(schema),
            RuleConfig::TextLength(config) => config.build_in(schema, base_dir),
            RuleConfig::AlnumRatio(config) => config.build(schema),
            RuleConfig::SpecialCharRatio(config) => config.build(schema),
            RuleConfig::Repetition(config) => config.build(schema),
            RuleConfig::SymbolRatio(config) => config.build(schema),
            RuleConfig::Mojibake(config) => config.build(schema),
            RuleConfig::Language(config) => config.build(schema),
            RuleConfig::ScriptMix(config) => config.build(schema),
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

    /// A failure counted under `outcome` as well.
    pub fn with(outcome: &'static str, detail: String) -> Self {
        Failure {
            detail,
            outcome: Some(outcome),
        }
    }
}

/// How one row fared against one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The row passes.
    Pass,
    /// The row passes but is counted as `<rule_id>.<outcome>`, e.g. a null let through by
    /// `on_null = "pass"`: a pass that is visible in the report, never a silent one.
    Noted(&'static str),
    /// The row fails.
    Fail(Failure),
}

impl Verdict {
    /// The failure, if the row failed.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            Verdict::Fail(failure) => Some(failure),
            _ => None,
        }
    }

    /// `Fail` when `failure` is set, else `Pass`.
    pub fn from_failure(failure: Option<Failure>) -> Self {
        failure.map_or(Verdict::Pass, Verdict::Fail)
    }
}

/// What a rule does with a null (or, for text rules, an empty) value. The outcome is counted
/// either way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NullPolicy {
    /// The row fails the rule (counted as `<id>.null` / `<id>.empty`).
    #[default]
    Fail,
    /// The row passes the rule but is still counted as `<id>.null` / `<id>.empty`.
    Pass,
}

impl NullPolicy {
    /// The verdict for a missing value: counted under `outcome`, failing or passing by policy.
    pub fn verdict(self, outcome: &'static str, detail: impl FnOnce() -> String) -> Verdict {
        match self {
            NullPolicy::Fail => Verdict::Fail(Failure::with(outcome, detail())),
            NullPolicy::Pass => Verdict::Noted(outcome),
        }
    }
}

/// The row-wise check behind a row-local rule.
pub trait RowCheck: Send + Sync + fmt::Debug {
    /// One verdict per row of `data`.
    fn check(&self, data: &RecordBatch) -> Result<Vec<Verdict>, CoreError>;
    /// The finer outcomes this check reports, so their counters appear even when zero.
    fn outcomes(&self) -> &'static [&'static str] {
        &[]
    }
}

/// How a rule is evaluated: on each row alone, or over the whole dataset.
#[derive(Debug)]
pub enum Check {
    /// Decided row by row, batch by batch.
    Row(Box<dyn RowCheck>),
    /// Decided over all batches in input order (`unique`).
    Unique(unique::UniqueCheck),
}

impl Check {
    /// The finer outcomes of the check, so their counters appear even when zero.
    pub fn outcomes(&self) -> &'static [&'static str] {
        match self {
            Check::Row(check) => check.outcomes(),
            Check::Unique(check) => check.outcomes(),
        }
    }

    /// Runs a row-local check (tests only; the stage drives both kinds).
    #[cfg(test)]
    pub(crate) fn check(&self, data: &RecordBatch) -> Result<Vec<Verdict>, CoreError> {
        match self {
            Check::Row(check) => check.check(data),
            Check::Unique(_) => panic!("unique rules are decided over the whole dataset"),
        }
    }
}

/// What a report needs to know about a rule, without any data: identity, kind, severity,
/// fields and a one-line description of its threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleInfo {
    /// Rule id as declared (or defaulted).
    pub id: String,
    /// `Q_<ID>`.
    pub code: ReasonCode,
    /// The rule kind as in the pipeline file (`regex`, `unique`, …).
    pub kind: String,
    /// Remove or flag on failure.
    pub severity: Severity,
    /// The fields the rule reads.
    pub fields: Vec<String>,
    /// One line describing what passes, e.g. `alnum ratio >= 0.25`; never a data value.
    pub description: String,
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
    /// The rule kind as in the pipeline file.
    pub kind: &'static str,
    /// The fields the rule reads.
    pub fields: Vec<String>,
    /// One line describing what passes (thresholds only, never values).
    pub description: String,
    /// The check.
    pub check: Check,
}

impl Rule {
    /// A rule called `id`; rejects a blank id.
    pub fn new(
        id: String,
        severity: Severity,
        kind: &'static str,
        fields: Vec<String>,
        description: String,
        check: Check,
    ) -> Result<Rule, ValidateError> {
        if id.trim().is_empty() {
            return Err(ValidateError::EmptyId);
        }
        Ok(Rule {
            code: reason_code(&id),
            id,
            severity,
            kind,
            fields,
            description,
            check,
        })
    }

    /// A row-local rule.
    pub fn row(
        id: String,
        severity: Severity,
        kind: &'static str,
        fields: Vec<String>,
        description: String,
        check: impl RowCheck + 'static,
    ) -> Result<Rule, ValidateError> {
        Rule::new(
            id,
            severity,
            kind,
            fields,
            description,
            Check::Row(Box::new(check)),
        )
    }

    /// The report's view of the rule.
    pub fn info(&self) -> RuleInfo {
        RuleInfo {
            id: self.id.clone(),
            code: self.code.clone(),
            kind: self.kind.to_owned(),
            severity: self.severity,
            fields: self.fields.clone(),
            description: self.description.clone(),
        }
    }
}

/// An invalid-rule error for rule `rule`.
pub(crate) fn invalid(rule: &str, reason: impl Into<String>) -> ValidateError {
    ValidateError::InvalidRule {
        rule: rule.to_owned(),
        reason: reason.into(),
    }
}

/// Checks a ratio threshold lies in `[0, 1]`.
pub(crate) fn check_ratio(rule: &str, key: &str, value: f64) -> Result<(), ValidateError> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(invalid(rule, format!("`{key}` must be between 0 and 1")))
    }
}

/// `what in [min, max]`, `what >= min` or `what <= max`.
pub(crate) fn describe_bounds<T: fmt::Display>(
    what: &str,
    min: Option<T>,
    max: Option<T>,
) -> String {
    match (min, max) {
        (Some(min), Some(max)) => format!("{what} in [{min}, {max}]"),
        (Some(min), None) => format!("{what} >= {min}"),
        (None, Some(max)) => format!("{what} <= {max}"),
        (None, None) => format!("{what} unbounded"),
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

/// The declared field `name` if its type passes `accepts`; else an unknown-field error, or a
/// wrong-type error ending with `reason` (e.g. "but `regex` checks string fields").
pub(crate) fn declared_field_of<'a>(
    schema: &'a TargetSchema,
    rule: &str,
    name: &str,
    accepts: impl Fn(&sluice_core::FieldType) -> bool,
    reason: &str,
) -> Result<&'a sluice_core::FieldSpec, ValidateError> {
    let spec = declared_field(schema, rule, name)?;
    if accepts(&spec.ty) {
        Ok(spec)
    } else {
        Err(ValidateError::WrongFieldType {
            rule: rule.to_owned(),
            field: name.to_owned(),
            ty: spec.ty.to_string(),
            reason: reason.to_owned(),
        })
    }
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
            "[[rules]]\nkind = \"regexp\"\nfield = \"a\"",
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
