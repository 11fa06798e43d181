//! sluice's data model, shared by every stage crate. It does no IO.
//!
//! A run moves [`Batch`]es (an Arrow `RecordBatch` of the user's mapped fields plus one
//! [`RowMeta`] per row) through stages. A stage never deletes a row silently: everything it
//! removes comes back as a [`Removal`] with a stable [`ReasonCode`], and every edit it makes to a
//! value is described by a [`Span`] that carries offsets and types, never the value itself.

pub mod batch;
pub mod decision;
pub mod digest;
pub mod error;
pub mod field;
pub mod record;
pub mod report;
pub mod stage;
pub mod strings;

pub use batch::{Batch, RowMeta};
pub use decision::{Disposition, Flag, ReasonCode, Removal, Span, SpanKind};
pub use error::CoreError;
pub use field::{FieldPath, FieldSpec, FieldType, TargetSchema};
pub use record::{RecordId, SourceRef};
pub use report::StageReport;
pub use stage::{GlobalStage, RowStage, StageOutput};
