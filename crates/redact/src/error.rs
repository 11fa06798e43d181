//! Errors of building the redaction stage. Messages name keys, fields and codes, never values.

use thiserror::Error;

/// A redaction config that cannot be turned into a stage.
#[derive(Debug, Error)]
pub enum RedactError {
    /// `detectors` names a code the catalogue does not have.
    #[error("redact: unknown detector `{code}` (known: default, {known})")]
    UnknownDetector {
        /// The code as written.
        code: String,
        /// Every known code, comma-separated.
        known: String,
    },
    /// `fields` or `columns` names a field the schema does not declare.
    #[error("redact: unknown field `{0}` (not declared in [fields])")]
    UnknownField(String),
    /// A scanned field holds no text.
    #[error("redact: field `{field}` has type {ty}, which holds no text to scan")]
    NotText {
        /// The field name.
        field: String,
        /// Its declared type.
        ty: String,
    },
    /// A field is listed twice in `fields`.
    #[error("redact: field `{0}` is listed twice in `fields`")]
    DuplicateField(String),
    /// A field is both scanned (`fields`) and handled as a whole column (`columns`).
    #[error(
        "redact: field `{0}` is in both `fields` and `columns`; a column is handled whole, without scanning"
    )]
    ColumnAlsoScanned(String),
    /// A whole-value action that writes text is configured for a column that is not a string.
    #[error(
        "redact: column `{field}` has type {ty}; `{action}` needs a string column (use drop_field or quarantine)"
    )]
    ColumnNeedsString {
        /// The field name.
        field: String,
        /// Its declared type.
        ty: String,
        /// The configured action.
        action: &'static str,
    },
    /// `policy` names an entity type that no detector reports.
    #[error("redact: unknown entity type `{key}` in policy (known: {known})")]
    UnknownEntity {
        /// The key as written.
        key: String,
        /// Every known entity type, comma-separated.
        known: String,
    },
    /// A detector's built-in pattern failed to compile (a bug in sluice, not in the config).
    #[error("redact: detector `{code}` pattern does not compile: {source}")]
    Pattern {
        /// The detector code.
        code: &'static str,
        /// The regex error.
        source: regex::Error,
    },
    /// A pseudonym action is configured but the key is missing or unusable. Names the variable or
    /// file, never the key.
    #[error("redact: pseudonym key unavailable: {0}")]
    PseudonymKey(String),
    /// A `[[custom]]` or `[[dictionaries]]` entry is invalid. Never quotes terms.
    #[error("redact: declared detector `{code}`: {reason}")]
    Declared {
        /// The declared code.
        code: String,
        /// What is wrong.
        reason: String,
    },
}
