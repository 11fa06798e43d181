//! The `[[stages]] kind = "validate"` table, rule severities and configuration errors.

use crate::rules::RuleConfig;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Settings of a validate stage (the pipeline file's stage table without `kind`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidateConfig {
    /// The rules, evaluated in this order; the first failing error rule names a removed row.
    pub rules: Vec<RuleConfig>,
}

/// What a failing rule does to the row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Quarantine the row with the rule's code.
    #[default]
    Error,
    /// Keep the row and count it in the report's `flagged` under the rule's code.
    Warn,
}

/// A validate stage configuration that cannot run. Messages name rules, fields and types only.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ValidateError {
    /// `rules` is empty.
    #[error("validate stage declares no rules")]
    NoRules,
    /// A rule id is empty or blank.
    #[error("a validate rule has an empty id")]
    EmptyId,
    /// Two rules share an id.
    #[error("validate rule id `{0}` is used twice")]
    DuplicateRuleId(String),
    /// Two different ids map to the same reason code.
    #[error("validate rule ids `{first}` and `{second}` both give reason code {code}")]
    DuplicateCode {
        /// The shared code.
        code: String,
        /// The earlier rule id.
        first: String,
        /// The later rule id.
        second: String,
    },
    /// A rule names a field the schema does not declare.
    #[error("validate rule `{rule}`: unknown field `{field}`")]
    UnknownField {
        /// Rule id.
        rule: String,
        /// The field as written.
        field: String,
    },
    /// A rule lists the same field twice.
    #[error("validate rule `{rule}`: field `{field}` is listed twice")]
    DuplicateField {
        /// Rule id.
        rule: String,
        /// The repeated field.
        field: String,
    },
    /// A rule's settings contradict each other or are incomplete.
    #[error("validate rule `{rule}`: {reason}")]
    InvalidRule {
        /// Rule id.
        rule: String,
        /// What is wrong.
        reason: String,
    },
    /// A rule applies to a field whose type it cannot check.
    #[error("validate rule `{rule}`: field `{field}` has type {ty}, {reason}")]
    WrongFieldType {
        /// Rule id.
        rule: String,
        /// The field.
        field: String,
        /// Its declared type.
        ty: String,
        /// What the rule needs instead.
        reason: String,
    },
    /// An `expr` rule's SQL did not parse or cannot be evaluated over the declared fields.
    #[error("validate rule `{rule}`: invalid SQL expression: {message}")]
    InvalidExpr {
        /// Rule id.
        rule: String,
        /// polars' message (the expression is configuration, never data).
        message: String,
    },
}
