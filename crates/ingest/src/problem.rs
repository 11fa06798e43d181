//! Why a record is quarantined at ingest: a reason code and a detail that never quotes a value.

use crate::coerce::Mismatch;
use sluice_core::{FieldSpec, ReasonCode};

/// A record-level problem. `detail` names fields, types, columns and offsets only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub reason: ReasonCode,
    pub detail: String,
}

impl Problem {
    pub(crate) fn invalid_encoding(detail: String) -> Self {
        Problem {
            reason: ReasonCode::PARSE_INVALID_ENCODING,
            detail,
        }
    }

    /// From a serde_json error: its category and column only, because its message can quote
    /// the offending text.
    pub(crate) fn malformed_json(error: &serde_json::Error) -> Self {
        let category = match error.classify() {
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Eof => "unexpected end of input",
            serde_json::error::Category::Data => "invalid data",
            serde_json::error::Category::Io => "read error",
        };
        Problem {
            reason: ReasonCode::PARSE_MALFORMED_JSON,
            detail: format!("invalid JSON ({category}) at column {}", error.column()),
        }
    }

    /// An object repeating a key; the key itself is not quoted (keys can be data, e.g. emails).
    pub(crate) fn duplicate_key(column: usize) -> Self {
        Problem {
            reason: ReasonCode::PARSE_DUPLICATE_KEY,
            detail: format!(
                "a JSON object repeats a key (found at column {column}); readers disagree on which value counts"
            ),
        }
    }

    pub(crate) fn not_an_object(found: &'static str) -> Self {
        Problem {
            reason: ReasonCode::PARSE_NOT_AN_OBJECT,
            detail: format!("top-level JSON value is of type {found}, expected an object"),
        }
    }

    pub(crate) fn malformed_csv(detail: &str) -> Self {
        Problem {
            reason: ReasonCode::PARSE_MALFORMED_CSV,
            detail: detail.to_owned(),
        }
    }

    pub(crate) fn column_count(found: usize, expected: usize) -> Self {
        Problem {
            reason: ReasonCode::PARSE_COLUMN_COUNT,
            detail: format!("record has {found} columns, header has {expected}"),
        }
    }

    pub(crate) fn missing(spec: &FieldSpec) -> Self {
        Problem {
            reason: ReasonCode::INGEST_MISSING_FIELD,
            detail: format!(
                "required field `{}` (source `{}`) is missing or null",
                spec.name, spec.source
            ),
        }
    }

    pub(crate) fn mismatch(spec: &FieldSpec, mismatch: &Mismatch) -> Self {
        let at = if mismatch.at.is_empty() {
            String::new()
        } else {
            format!(" at `{}`", mismatch.at)
        };
        Problem {
            reason: ReasonCode::INGEST_TYPE_MISMATCH,
            detail: format!(
                "field `{}` (source `{}`){at}: expected {}, found {}",
                spec.name, spec.source, mismatch.expected, mismatch.found
            ),
        }
    }
}
