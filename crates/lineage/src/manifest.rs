//! The lineage manifest: everything needed to reproduce and verify a run, written as
//! `manifest.json`. Field order here is the order in the file; maps are ordered, so the same run
//! facts give the same bytes. Only the `run` block (times, host, threads) varies between reruns.

use crate::clock::rfc3339_utc;
use crate::error::LineageError;
use serde::{Deserialize, Serialize};
use sluice_core::StageReport;
use sluice_core::digest::sha256_hex;
use std::path::Path;
use std::time::SystemTime;

/// The manifest format version this build writes and reads.
pub const MANIFEST_VERSION: &str = "1";

/// A run's lineage manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Format version of this document (`"1"`); readers refuse versions they do not know.
    pub manifest_version: String,
    /// The program that produced the run.
    pub tool: Tool,
    /// The pipeline that was run, fully resolved.
    pub pipeline: PipelineInfo,
    /// Every input file, in the run's resolved (sorted) order.
    pub inputs: Vec<InputEntry>,
    /// Every stage, in execution order, with its counters.
    pub stages: Vec<StageEntry>,
    /// Every file written.
    pub outputs: Vec<OutputEntry>,
    /// The "nothing lost" check: every input record kept, a duplicate or quarantined.
    pub conservation: Conservation,
    /// Data gates and whether they passed.
    pub gates: Vec<GateResult>,
    /// [`root_digest`] of `outputs`: one digest naming the whole released dataset.
    pub root_sha256: String,
    /// Facts about this particular execution; the only non-deterministic part.
    pub run: RunInfo,
}

/// The program that produced the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    /// `sluice`.
    pub name: String,
    /// The crate version.
    pub version: String,
    /// The source commit of the build (`git rev-parse HEAD`, `-dirty` when the tree had
    /// uncommitted changes), when known at build time. It identifies the build, not the data:
    /// golden comparisons ignore it.
    pub commit: Option<String>,
}

/// The source commit this sluice was built from (see `build.rs`): `SLUICE_GIT_COMMIT` when set
/// at build time, else `git rev-parse HEAD` plus `-dirty` for uncommitted changes; `None` when
/// built outside a git checkout.
pub const BUILD_COMMIT: Option<&str> = option_env!("SLUICE_LINEAGE_BUILD_COMMIT");

impl Tool {
    /// This build of sluice: name, crate version and [`BUILD_COMMIT`].
    pub fn current() -> Tool {
        Tool {
            name: "sluice".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            commit: BUILD_COMMIT.map(str::to_owned),
        }
    }
}

/// The pipeline that was run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PipelineInfo {
    /// The pipeline's `[pipeline] name`.
    pub name: String,
    /// [`canonical_json_sha256`] of `resolved`.
    pub sha256: String,
    /// The resolved configuration (defaults filled in, globs expanded).
    pub resolved: serde_json::Value,
}

/// One input file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputEntry {
    /// The path as written in the pipeline or given on the command line, never absolutised (so
    /// manifests do not leak home directories and stay valid when the tree moves).
    pub path: String,
    /// `csv`, `tsv`, `jsonl` or `parquet`.
    pub format: String,
    /// `gzip` or `zstd` for compressed inputs, `None` otherwise.
    pub compression: Option<String>,
    /// The text encoding it was decoded with (WHATWG label).
    pub encoding: String,
    /// File size in bytes.
    pub bytes: u64,
    /// Lower-case hex sha256 of the file as stored (before decompression).
    pub sha256: String,
    /// Records read, malformed ones included.
    pub records: u64,
    /// Blank lines skipped (not records).
    pub blank_lines: u64,
    /// Records of this file quarantined at ingest.
    pub quarantined: u64,
}

/// One stage of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageEntry {
    /// 0-based position in the pipeline.
    pub index: usize,
    /// Stage kind (`dedup`, `redact`, `validate`, …).
    pub kind: String,
    /// [`canonical_json_sha256`] of the stage's resolved config.
    pub config_sha256: String,
    /// The stage's counters, folded over all batches.
    pub report: StageReport,
    /// For redaction with keyed pseudonyms: the first 16 hex chars of the key's sha256, so a
    /// reviewer can tell which key was used without the key ever being written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_fingerprint: Option<String>,
}

/// One output file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputEntry {
    /// Path relative to the manifest's directory, `/`-separated.
    pub path: String,
    /// A split name, or one of [`SIDE_TABLE_ROLES`].
    pub role: String,
    /// Rows in the file.
    pub rows: u64,
    /// File size in bytes.
    pub bytes: u64,
    /// Lower-case hex sha256 of the file.
    pub sha256: String,
}

/// Roles of the outputs that are not part of the training set.
pub const SIDE_TABLE_ROLES: [&str; 3] = ["quarantine", "duplicates", "lineage"];

impl OutputEntry {
    /// True for training-set shards (any split, under `data/`), false for side tables and
    /// anything else written beside them.
    pub fn is_training_split(&self) -> bool {
        self.path.starts_with("data/") && !SIDE_TABLE_ROLES.contains(&self.role.as_str())
    }
}

/// Where every input record went, in total and per input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conservation {
    /// Records read from all inputs.
    pub input_records: u64,
    /// Records written to the training set.
    pub kept: u64,
    /// Records removed as duplicates.
    pub duplicates: u64,
    /// Records quarantined.
    pub quarantined: u64,
    /// `input_records == kept + duplicates + quarantined`.
    pub holds: bool,
    /// The same counts per input file, in input order.
    pub by_input: Vec<InputConservation>,
}

/// Where one input file's records went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputConservation {
    /// The input's path, as in [`InputEntry::path`].
    pub path: String,
    /// Records read from it.
    pub records: u64,
    /// Of those, written to the training set.
    pub kept: u64,
    /// Of those, removed as duplicates.
    pub duplicates: u64,
    /// Of those, quarantined.
    pub quarantined: u64,
}

/// One data gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateResult {
    /// Gate name as in the pipeline file (`max_quarantine_rate`).
    pub name: String,
    /// The configured limit.
    pub threshold: f64,
    /// The value measured on this run.
    pub observed: f64,
    /// Whether the run met the limit.
    pub passed: bool,
}

/// Facts about one execution, excluded from [`Manifest::deterministic_json`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunInfo {
    /// Start time, RFC 3339 UTC.
    pub started_at: String,
    /// End time, RFC 3339 UTC.
    pub finished_at: String,
    /// Wall-clock duration in milliseconds.
    pub duration_ms: u64,
    /// Worker threads used.
    pub threads: usize,
    /// Host name of the machine.
    pub host: String,
    /// What this run reused from the stage cache; absent when the cache was off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheInfo>,
}

/// Stage-cache reuse of one run (incremental reruns): reused work gives the same outputs as
/// recomputing it, so this lives in the run block with the other facts about one execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheInfo {
    /// Inputs whose ingest was reused.
    pub inputs_reused: u64,
    /// Inputs in the run.
    pub inputs: u64,
    /// Stages whose output was reused (always the first ones).
    pub stages_reused: u64,
    /// Stages in the pipeline.
    pub stages: u64,
}

impl RunInfo {
    /// Builds the run block from wall-clock instants.
    pub fn from_times(
        started: SystemTime,
        finished: SystemTime,
        threads: usize,
        host: String,
    ) -> RunInfo {
        let duration_ms = finished
            .duration_since(started)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        RunInfo {
            started_at: rfc3339_utc(started),
            finished_at: rfc3339_utc(finished),
            duration_ms,
            threads,
            host,
            cache: None,
        }
    }
}

impl Conservation {
    /// Totals and `holds` computed from the per-input counts.
    pub fn from_inputs(by_input: Vec<InputConservation>) -> Conservation {
        let sum = |get: fn(&InputConservation) -> u64| by_input.iter().map(get).sum::<u64>();
        let (input_records, kept, duplicates, quarantined) = (
            sum(|c| c.records),
            sum(|c| c.kept),
            sum(|c| c.duplicates),
            sum(|c| c.quarantined),
        );
        let holds = input_records == kept + duplicates + quarantined
            && by_input.iter().all(InputConservation::holds);
        Conservation {
            input_records,
            kept,
            duplicates,
            quarantined,
            holds,
            by_input,
        }
    }
}

impl InputConservation {
    /// `records == kept + duplicates + quarantined` for this input.
    pub fn holds(&self) -> bool {
        self.records == self.kept + self.duplicates + self.quarantined
    }
}

impl Manifest {
    /// The manifest as pretty JSON (2-space indent) with a trailing newline.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        pretty(&self.to_value())
    }

    /// [`Manifest::to_json_bytes`] without the `run` block: identical for reruns of the same
    /// pipeline over the same inputs, so tests compare it and hashes are taken over it.
    pub fn deterministic_json(&self) -> Vec<u8> {
        let mut value = self.to_value();
        if let serde_json::Value::Object(map) = &mut value {
            map.shift_remove("run");
        }
        pretty(&value)
    }

    /// Reads and parses a manifest, refusing unknown format versions.
    pub fn from_path(path: &Path) -> Result<Manifest, LineageError> {
        let json_error = |source| LineageError::Json {
            path: path.display().to_string(),
            source,
        };
        let bytes = fs_err::read(path)?;
        // Check the version before the shape, so a newer manifest gets a clear message instead
        // of a complaint about some field it added or renamed.
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(json_error)?;
        let version = value
            .get("manifest_version")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("(missing)");
        if version != MANIFEST_VERSION {
            return Err(LineageError::UnsupportedVersion {
                path: path.display().to_string(),
                found: version.to_owned(),
                expected: MANIFEST_VERSION.to_owned(),
            });
        }
        serde_json::from_value(value).map_err(json_error)
    }

    #[expect(
        clippy::expect_used,
        reason = "plain structs with string-keyed maps always serialize"
    )]
    fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("manifest serializes")
    }
}

fn pretty(value: &serde_json::Value) -> Vec<u8> {
    // `{:#}` is serde_json's infallible pretty printer (2-space indent).
    let mut out = format!("{value:#}").into_bytes();
    out.push(b'\n');
    out
}

/// One digest for a set of outputs: sha256 over the lines `path\trows\tsha256\n` sorted
/// bytewise, so it does not depend on the order outputs were listed in.
pub fn root_digest(outputs: &[OutputEntry]) -> String {
    let mut lines: Vec<String> = outputs
        .iter()
        .map(|o| format!("{}\t{}\t{}\n", o.path, o.rows, o.sha256))
        .collect();
    lines.sort();
    sha256_hex(lines.concat().as_bytes())
}

/// sha256 of `value` as compact JSON with object keys sorted (bytewise, recursively), so equal
/// configurations hash equal whatever order their keys were written in.
pub fn canonical_json_sha256(value: &serde_json::Value) -> String {
    sha256_hex(sorted_keys(value).to_string().as_bytes())
}

fn sorted_keys(value: &serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<(&String, &serde_json::Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            serde_json::Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted_keys(v)))
                    .collect(),
            )
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.iter().map(sorted_keys).collect())
        }
        other => other.clone(),
    }
}

#[cfg(test)]
pub(crate) mod tests;
