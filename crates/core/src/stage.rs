//! The stage contract every stage crate implements.
//!
//! Row-local stages (redact, validate) implement [`RowStage`]: each batch is processed
//! independently, so the pipeline runs batches in parallel and reassembles them in input order.
//! Global stages (dedup) implement [`GlobalStage`] as tag → decide → apply: a parallel pass
//! computes compact per-row attributes, one sequential decision runs over the attributes of all
//! batches in input order, then a parallel pass applies the decisions.

use crate::batch::{Batch, RowMeta};
use crate::decision::{Flag, Removal, Span};
use crate::error::CoreError;
use crate::report::StageReport;

/// What a stage returns for one batch: the rows it passes on, the rows it removed (each with a
/// reason), the edits it made, the rows it flagged, and its counters for this batch.
#[derive(Debug)]
pub struct StageOutput {
    /// Rows passed on, in input order.
    pub kept: Batch,
    /// Rows removed, in input order.
    pub removed: Vec<Removal>,
    /// Edits to values (redactions), in input order.
    pub spans: Vec<Span>,
    /// Rows kept but marked (warn-severity rules), in input order.
    pub flags: Vec<Flag>,
    /// Counters for this batch; `rows_in == rows_out + removed` must hold.
    pub report: StageReport,
}

/// A stage that decides each row on its own.
pub trait RowStage: Send + Sync {
    /// Stable stage kind, e.g. `redact`.
    fn kind(&self) -> &'static str;
    /// Processes one batch.
    fn process(&self, batch: Batch) -> Result<StageOutput, CoreError>;
}

/// A stage whose decision about a row depends on other rows (dedup).
pub trait GlobalStage: Send + Sync {
    /// Compact per-row attributes computed in the tag pass (hashes, signatures).
    type Attr: Send + Sync;
    /// Stable stage kind, e.g. `dedup`.
    fn kind(&self) -> &'static str;
    /// Tag pass: one attribute per row of `batch`, in row order. Must be a pure function of the
    /// batch so it can run on any thread.
    fn tag(&self, batch: &Batch) -> Result<Vec<Self::Attr>, CoreError>;
    /// Decide pass over all batches' attributes, in input order (`attrs[b][i]` is row `i` of
    /// batch `b`), with each batch's row identities (`rows[b][i]`), never its columns.
    fn decide(&mut self, rows: &[&[RowMeta]], attrs: Vec<Vec<Self::Attr>>)
    -> Result<(), CoreError>;
    /// Bytes one batch's attributes hold, for the run's memory report: inline only by default;
    /// a stage whose attributes own heap data counts it too.
    fn attr_bytes(&self, attrs: &[Self::Attr]) -> u64 {
        std::mem::size_of_val(attrs) as u64
    }
    /// Whether this configuration needs the tag pass and the decision. When it does not (its
    /// work is row-local, e.g. redaction without dataset propagation), the runner skips both
    /// and applies each batch as it comes: rows spilled to disk are read once, not twice.
    /// `apply` must then work without a decision.
    fn needs_decision(&self) -> bool {
        true
    }
    /// Apply pass for batch `index` (as passed to `decide`).
    fn apply(&self, index: usize, batch: Batch) -> Result<StageOutput, CoreError>;
}
