//! A quarantined record as the report lists it: where it came from and why it was held back,
//! never what it contained.

/// One quarantined record in the report's sample (ids, codes and positions only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantineSample {
    /// The record's stable id.
    pub record_id: String,
    /// The reason code (`Q_…`, `PARSE_…`).
    pub reason: String,
    /// The stage that quarantined it (`ingest`, `2: validate`, …).
    pub stage: String,
    /// The input file it came from, as the manifest names it.
    pub source_file: String,
    /// 1-based line in that file, when the format has lines.
    pub source_line: Option<u64>,
}

/// A dedup cluster with more than one member, named by its survivor's record id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    /// The survivor's record id (the cluster id in the lineage table).
    pub id: String,
    /// Members, survivor included.
    pub size: u64,
}
