//! What happened to a row: removals with reason codes and redaction spans.

use crate::batch::RowMeta;
use crate::record::{RecordId, SourceRef};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// A stable, machine-readable reason a row left the training set, e.g. `DUP_EXACT`.
///
/// Built-in codes are the constants below; rules declared in a pipeline file bring their own
/// (`Q_<RULE_ID>`). Codes are part of the public contract: reports and dashboards key on them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReasonCode(Cow<'static, str>);

impl ReasonCode {
    /// A line or record that is not valid JSON.
    pub const PARSE_MALFORMED_JSON: ReasonCode = ReasonCode::of("PARSE_MALFORMED_JSON");
    /// A JSON object that repeats a key (readers disagree on which value counts).
    pub const PARSE_DUPLICATE_KEY: ReasonCode = ReasonCode::of("PARSE_DUPLICATE_KEY");
    /// A JSON line whose top level is not an object.
    pub const PARSE_NOT_AN_OBJECT: ReasonCode = ReasonCode::of("PARSE_NOT_AN_OBJECT");
    /// A CSV record that the CSV grammar rejects (e.g. an unterminated quote).
    pub const PARSE_MALFORMED_CSV: ReasonCode = ReasonCode::of("PARSE_MALFORMED_CSV");
    /// A CSV record with a different number of columns than the header.
    pub const PARSE_COLUMN_COUNT: ReasonCode = ReasonCode::of("PARSE_COLUMN_COUNT");
    /// Bytes that are not valid in the declared encoding.
    pub const PARSE_INVALID_ENCODING: ReasonCode = ReasonCode::of("PARSE_INVALID_ENCODING");
    /// A mapped field marked `required` is absent or null.
    pub const INGEST_MISSING_FIELD: ReasonCode = ReasonCode::of("INGEST_MISSING_FIELD");
    /// A mapped field's value cannot be coerced to the declared type.
    pub const INGEST_TYPE_MISMATCH: ReasonCode = ReasonCode::of("INGEST_TYPE_MISMATCH");
    /// An exact duplicate of an earlier survivor.
    pub const DUP_EXACT: ReasonCode = ReasonCode::of("DUP_EXACT");
    /// A near duplicate of a survivor.
    pub const DUP_NEAR: ReasonCode = ReasonCode::of("DUP_NEAR");
    /// The record carried a secret whose policy is to quarantine the record.
    pub const PII_BLOCKING_SECRET: ReasonCode = ReasonCode::of("PII_BLOCKING_SECRET");
    /// A detection whose policy is to quarantine the record.
    pub const PII_QUARANTINE: ReasonCode = ReasonCode::of("PII_QUARANTINE");

    /// A code from a static string.
    pub const fn of(code: &'static str) -> Self {
        ReasonCode(Cow::Borrowed(code))
    }
    /// A code built at run time (user-declared rule ids).
    pub fn owned(code: String) -> Self {
        ReasonCode(Cow::Owned(code))
    }
    /// The code text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// True for codes that mark duplicates rather than quarantined rows.
    pub fn is_duplicate(&self) -> bool {
        self.0.starts_with("DUP_")
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A row that a stage removed, with why. `detail` names fields, rules, types and offsets only;
/// it never contains a field's value.
#[derive(Debug, Clone)]
pub struct Removal {
    /// The removed row.
    pub row: RowMeta,
    /// Why.
    pub reason: ReasonCode,
    /// Human-readable explanation without values, e.g. `field body: 3 chars < min 20`.
    pub detail: String,
    /// For duplicates: the row that was kept instead.
    pub survivor: Option<RecordId>,
    /// For quarantined rows: the row's content as JSON text (or the raw line when it could not be
    /// parsed). The pipeline redacts it before it is written anywhere.
    pub content: Option<String>,
}

/// A row a stage kept but marked, e.g. a failed `warn` rule. Recorded in the lineage table and
/// counted in the stage report; never carries a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flag {
    /// The flagged record.
    pub record: RecordId,
    /// Where it was read: what the run keys its marks by, so lookups compare integers.
    pub source: SourceRef,
    /// Why, e.g. `Q_SHORT_BODY`.
    pub code: ReasonCode,
}

/// Where a row ended up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Disposition {
    /// Written to the training set, in this split.
    Kept {
        /// Split name (`train`, `validation`, …).
        split: String,
    },
    /// Removed as a duplicate of `survivor`.
    Duplicate {
        /// Reason code (`DUP_EXACT`, `DUP_NEAR`).
        reason: ReasonCode,
        /// The row kept in its place.
        survivor: RecordId,
    },
    /// Written to quarantine.
    Quarantined {
        /// Reason code.
        reason: ReasonCode,
    },
}

/// The names of a redaction: where it was, what, which detector found it and what was done.
/// A run draws its spans from a few dozen of these, so spans share them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SpanKind {
    /// Field path, e.g. `messages[].content`.
    pub field: String,
    /// Entity type, e.g. `EMAIL`, `CN_RESIDENT_ID`.
    pub entity: String,
    /// Detector code that found it.
    pub detector: String,
    /// What was done (`placeholder`, `mask`, `pseudonym`, `drop_field`, `quarantine`).
    pub action: String,
}

/// One edit of a value by redaction: where, what kind, and what was done. Never the value.
///
/// A redaction run makes millions of these; the names are one shared [`SpanKind`] per batch
/// and kind, so a span costs no allocation of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// Where the edited record was read: what the run keys its marks by.
    pub source: SourceRef,
    /// Its names.
    #[serde(flatten)]
    pub kind: Arc<SpanKind>,
    /// For values inside lists: the element index within the record (0-based), else 0.
    pub element: u32,
    /// Start offset in chars in the original value.
    pub start: u32,
    /// End offset (exclusive) in chars in the original value.
    pub end: u32,
}
