//! What a run knows between stages: the rows still moving, every row removed so far and why, the
//! marks stages left on rows, and what ingest read. A checkpoint of this state after a stage is
//! what the stage cache stores.

use crate::clusters::ClusterMap;
use crate::store::BatchStore;
use sluice_core::{Batch, RecordId, Removal, SourceRef, StageReport};
use sluice_export::LineageSpan;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// One input as ingest read it, without its rows (those move on as batches).
#[derive(Debug, Clone)]
pub(crate) struct IngestedInput {
    /// sha256 of the file as stored.
    pub sha256: String,
    /// File size in bytes.
    pub bytes: u64,
    /// Format read (`jsonl`, `csv`, …).
    pub format: String,
    /// Outer compression undone (`none`, `gzip`, `zstd`).
    pub compression: String,
    /// Encoding read.
    pub encoding: String,
    /// Records seen, kept and rejected.
    pub records: u64,
    /// Blank lines skipped.
    pub blank_lines: u64,
    /// Records quarantined at read.
    pub rejects: u64,
}

impl IngestedInput {
    /// Splits an ingest result into its description, its kept rows and its rejects.
    pub(crate) fn from_result(
        result: sluice_ingest::IngestResult,
    ) -> (IngestedInput, Vec<Batch>, Vec<Removal>) {
        let input = IngestedInput {
            sha256: result.sha256,
            bytes: result.bytes,
            format: result.format.to_string(),
            compression: result.compression.to_string(),
            encoding: result.encoding,
            records: result.records,
            blank_lines: result.blank_lines,
            rejects: result.rejects.len() as u64,
        };
        (input, result.batches, result.rejects)
    }
}

/// A removed row and the stage that removed it.
#[derive(Debug, Clone)]
pub(crate) struct Removed {
    /// Stage kind (`ingest` for rows that could not be read); owned only when read back from
    /// the stage cache.
    pub stage: Cow<'static, str>,
    /// The row, why, and its content for quarantine.
    pub removal: Removal,
    /// True once a redact stage has processed the row's content.
    pub redacted: bool,
}

/// What stages noted about records they did not remove: redaction spans and warn flags.
///
/// Marks and clusters are keyed by where a record was read, not by its id string: that orders
/// them like the rows, so export and lineage walk them beside the rows instead of looking each
/// row up (hash lookups on id strings were ≈ 0.9 s of the lineage phase's 3 s at 1M rows).
#[derive(Debug, Clone, Default)]
pub(crate) struct RecordMarks {
    /// Redaction spans by record.
    pub spans: BTreeMap<SourceRef, Vec<LineageSpan>>,
    /// Warn-rule codes by record.
    pub flags: BTreeMap<SourceRef, FlaggedRecord>,
}

/// A record kept with warn-rule flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FlaggedRecord {
    /// Its id (rule results list sample ids).
    pub id: RecordId,
    /// The codes, in the order stages raised them.
    pub codes: Vec<String>,
}

/// One stage's entry for the manifest.
#[derive(Debug, Clone)]
pub(crate) struct StageResult {
    /// 0-based position.
    pub index: usize,
    /// Stage kind.
    pub kind: String,
    /// Digest of the stage's configuration.
    pub config_sha256: String,
    /// The stage's merged counters.
    pub report: StageReport,
    /// Fingerprint of the pseudonym key (redact only).
    pub key_fingerprint: Option<String>,
}

/// Everything a run has after ingest and after each stage.
#[derive(Debug, Default)]
pub(crate) struct RunState {
    /// What each input was, in read order.
    pub inputs: Vec<IngestedInput>,
    /// Rows still in the run, in input order.
    pub batches: BatchStore,
    /// Rows removed so far, in the order they were removed.
    pub removed: Vec<Removed>,
    /// Spans and flags on rows.
    pub marks: RecordMarks,
    /// Dedup clusters (from the first dedup stage) by where the record was read.
    pub clusters: ClusterMap,
    /// Results of the stages run so far.
    pub stages: Vec<StageResult>,
    /// True once a redact stage ran.
    pub redacted: bool,
}
