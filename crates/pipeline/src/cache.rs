//! Incremental reruns: what ingest read from each input, and the run's state after each stage,
//! stored content-addressed so a rerun reuses whatever its inputs and configuration did not change.
//!
//! Keys chain like a build system's: an input's ingest key covers the tool build, the file's
//! digest, its reader options, its position and the schema; stage `k`'s key covers every ingest
//! key, the keys of the stages before it, its configuration digest, the digest of the files its
//! configuration names (dictionaries, reference sets, tokenizers) and the pseudonym key's
//! fingerprint. A changed input therefore re-ingests only that input, and every stage after it
//! reruns (each stage sees the whole dataset: dedup, `unique` and dataset-wide propagation are
//! global). A changed stage configuration reuses the checkpoint of the stage before it.
//!
//! Entries hold row data, some of it before redaction, so the cache lives outside the output
//! directory (never shipped with a dataset), in a directory only the user can read. Writes are
//! atomic (a temporary directory renamed into place); an entry that cannot be read is a miss.
//! After a run, the entries of its output directory's namespace that the run did not use are
//! removed, and namespaces untouched for [`STALE_NAMESPACE_DAYS`] days go too.

use crate::plan::Plan;
use crate::state::{FlaggedRecord, IngestedInput, RecordMarks, Removed, RunState, StageResult};
use crate::store::{BatchStore, Spill};
use arrow::datatypes::SchemaRef;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sluice_core::digest::Sha256Hasher;
use sluice_core::{ReasonCode, RecordId, Removal, RowMeta, SourceRef, StageReport};
use sluice_dedup::ClusterInfo;
use sluice_export::{LineageSpan, SpanNames};
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// On-disk format of an entry; bump it when [`StoredState`] changes shape.
const FORMAT: u32 = 3;
/// Namespaces (one per output directory) not used for this long are removed.
pub const STALE_NAMESPACE_DAYS: u64 = 14;
/// Name of an entry's description file.
const STATE_FILE: &str = "state.json";
/// File whose modification time says when a namespace was last used.
const USED_MARKER: &str = ".used";
/// File naming the output directory a namespace belongs to.
const OUT_DIR_FILE: &str = ".out_dir";

/// The cache keys of one run: one per input, one per stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CacheKeys {
    /// Ingest key of each input, in read order.
    pub ingest: Vec<String>,
    /// The input digests the keys were made from (ingest must read the same bytes).
    pub input_sha256: Vec<String>,
    /// Checkpoint key after each stage, in run order.
    pub stages: Vec<String>,
}

/// Computes the keys of `plan` over inputs whose file digests are `input_sha256`. `build` names
/// the sluice build (see [`build_identity`]).
pub(crate) fn cache_keys(
    plan: &Plan,
    input_sha256: &[String],
    batch_rows: usize,
    build: &str,
) -> CacheKeys {
    let schema = format!("{:?}", plan.schema);
    let ingest: Vec<String> = plan
        .inputs
        .iter()
        .zip(input_sha256)
        .enumerate()
        .map(|(index, (input, sha256))| {
            digest(&[
                "ingest",
                build,
                &index.to_string(),
                &input.display,
                sha256,
                &format!("{:?}", input.options),
                &schema,
                &batch_rows.to_string(),
            ])
        })
        .collect();
    let mut previous = digest(&ingest.iter().map(String::as_str).collect::<Vec<_>>());
    let mut stages = Vec::with_capacity(plan.stages.len());
    for planned in &plan.stages {
        let key_fingerprint = match &planned.stage {
            crate::registry::BuiltStage::Redact(r) => r.key_fingerprint(),
            _ => None,
        };
        let key = digest(&[
            "stage",
            build,
            &previous,
            &planned.index.to_string(),
            planned.stage.kind(),
            &planned.config_sha256,
            &crate::plan::referenced_files_sha256(&planned.config, &plan.base_dir),
            key_fingerprint.as_deref().unwrap_or(""),
        ]);
        stages.push(key.clone());
        previous = key;
    }
    CacheKeys {
        ingest,
        input_sha256: input_sha256.to_vec(),
        stages,
    }
}

fn digest(parts: &[&str]) -> String {
    let mut hasher = Sha256Hasher::new();
    hasher.update(format!("sluice-cache-v{FORMAT}").as_bytes());
    for part in parts {
        hasher.update(&(part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hasher.finish_hex()
}

/// Identifies the running sluice build: version, source commit, and the executable's size and
/// modification time (so a rebuilt binary with uncommitted changes never reuses stale entries).
pub(crate) fn build_identity() -> String {
    let tool = sluice_lineage::Tool::current();
    let exe = std::env::current_exe()
        .ok()
        .and_then(|path| fs_err::metadata(path).ok())
        .map(|meta| {
            let modified = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{}:{modified}", meta.len())
        })
        .unwrap_or_default();
    format!("{} {} {exe}", tool.version, tool.commit.unwrap_or_default())
}

/// The default cache root: `$SLUICE_CACHE_DIR`, else `$XDG_CACHE_HOME/sluice`, else
/// `$HOME/.cache/sluice`; `None` when none is set.
pub fn default_cache_root() -> Option<PathBuf> {
    let from_env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    from_env("SLUICE_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| from_env("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("sluice")))
        .or_else(|| from_env("HOME").map(|d| PathBuf::from(d).join(".cache").join("sluice")))
}

/// What a run reused, for the summary and the manifest's run block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheUse {
    /// The namespace directory used, when the cache was on.
    pub dir: Option<PathBuf>,
    /// Inputs whose ingest was reused.
    pub inputs_reused: usize,
    /// Stages whose output was reused (a prefix of the pipeline).
    pub stages_reused: usize,
}

/// The stage cache of one output directory.
pub(crate) struct StageCache {
    namespace: PathBuf,
    used: BTreeSet<String>,
}

impl StageCache {
    /// Opens (creating it, private to the user) the namespace of `out_dir` under `root`.
    pub(crate) fn open(root: &Path, out_dir: &Path) -> std::io::Result<StageCache> {
        // The output directory exists from here on, so another run's prune keeps this namespace.
        fs_err::create_dir_all(out_dir)?;
        let out = std::path::absolute(out_dir)?;
        let name = sluice_core::digest::sha256_hex(out.to_string_lossy().as_bytes());
        let namespace = root.join(name.get(..16).unwrap_or(&name));
        create_private_dir(root)?;
        create_private_dir(&namespace)?;
        fs_err::write(
            namespace.join(OUT_DIR_FILE),
            out.to_string_lossy().as_bytes(),
        )?;
        Ok(StageCache {
            namespace,
            used: BTreeSet::new(),
        })
    }

    /// The namespace directory.
    pub(crate) fn dir(&self) -> &Path {
        &self.namespace
    }

    /// True when an entry for `key` exists (without reading it).
    pub(crate) fn contains(&self, key: &str) -> bool {
        self.namespace.join(key).join(STATE_FILE).is_file()
    }

    /// Keeps entry `key` (if present) through [`StageCache::prune`] without reading it.
    pub(crate) fn retain(&mut self, key: &str) {
        if self.contains(key) {
            self.used.insert(key.to_owned());
        }
    }

    /// Reads the entry `key`, whose batches have `schema`. A missing or unreadable entry is a
    /// miss; an unreadable one is removed.
    pub(crate) fn get(
        &mut self,
        key: &str,
        schema: &SchemaRef,
        spill: &Arc<Spill>,
    ) -> Option<RunState> {
        let dir = self.namespace.join(key);
        if !dir.join(STATE_FILE).is_file() {
            return None;
        }
        match read_entry(&dir, schema, spill) {
            Ok(state) => {
                self.used.insert(key.to_owned());
                touch(&self.namespace);
                Some(state)
            }
            Err(message) => {
                tracing::warn!(entry = %dir.display(), %message, "ignoring unreadable cache entry");
                let _ = fs_err::remove_dir_all(&dir);
                None
            }
        }
    }

    /// Stores `state` as entry `key`. Failing to store is not an error of the run: it is logged
    /// and the next run recomputes.
    pub(crate) fn put(&mut self, key: &str, state: &RunState) {
        self.used.insert(key.to_owned());
        let target = self.namespace.join(key);
        if target.join(STATE_FILE).is_file() {
            return;
        }
        let temp = self
            .namespace
            .join(format!(".tmp-{key}-{}", std::process::id()));
        let written = write_entry(&temp, state)
            .and_then(|()| fs_err::rename(&temp, &target).map_err(|e| e.to_string()));
        if let Err(message) = written {
            tracing::warn!(entry = %target.display(), %message, "could not store cache entry");
            let _ = fs_err::remove_dir_all(&temp);
        }
    }

    /// Removes this namespace's entries the run did not use (leftover temporaries included), and
    /// other namespaces whose output directory no longer exists or that were untouched for
    /// [`STALE_NAMESPACE_DAYS`] days.
    pub(crate) fn prune(&self) {
        if let Ok(entries) = fs_err::read_dir(&self.namespace) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name != USED_MARKER && name != OUT_DIR_FILE && !self.used.contains(&name) {
                    let _ = fs_err::remove_dir_all(entry.path());
                }
            }
        }
        let Some(root) = self.namespace.parent() else {
            return;
        };
        let stale = Duration::from_secs(STALE_NAMESPACE_DAYS * 24 * 3600);
        if let Ok(namespaces) = fs_err::read_dir(root) {
            for entry in namespaces.flatten() {
                let age = entry
                    .metadata()
                    .ok()
                    .and_then(|m| m.modified().ok())
                    .and_then(|t| t.elapsed().ok());
                // A namespace whose output directory is gone (a deleted run, a test's temporary
                // directory) can never be reused.
                let orphaned = fs_err::read_to_string(entry.path().join(OUT_DIR_FILE))
                    .map_or(true, |out| !Path::new(&out).is_dir());
                if entry.path() != self.namespace && (orphaned || age.is_some_and(|a| a > stale)) {
                    let _ = fs_err::remove_dir_all(entry.path());
                }
            }
        }
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    fs_err::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs_err::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Marks a namespace as used now (its mtime drives stale-namespace removal).
fn touch(dir: &Path) {
    let marker = dir.join(USED_MARKER);
    let _ = fs_err::write(marker, b"");
}

/// The JSON half of an entry: everything but the batches' columns.
#[derive(Serialize, Deserialize)]
struct StoredState {
    format: u32,
    inputs: Vec<StoredInput>,
    batch_rows: Vec<usize>,
    removed: Vec<StoredRemoved>,
    spans: Vec<(SourceRef, Vec<StoredSpan>)>,
    flags: Vec<(SourceRef, String, Vec<String>)>,
    clusters: Vec<(SourceRef, StoredCluster)>,
    stages: Vec<StoredStage>,
    redacted: bool,
}

#[derive(Serialize, Deserialize)]
struct StoredInput {
    sha256: String,
    bytes: u64,
    format: String,
    compression: String,
    encoding: String,
    records: u64,
    blank_lines: u64,
    rejects: u64,
}

#[derive(Serialize, Deserialize)]
struct StoredRemoved {
    stage: String,
    redacted: bool,
    id: String,
    input: u32,
    row: u64,
    line: u64,
    reason: String,
    detail: String,
    survivor: Option<String>,
    content: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct StoredSpan {
    field: String,
    element: u32,
    entity: String,
    detector: String,
    start: u32,
    end: u32,
    action: String,
}

#[derive(Serialize, Deserialize)]
struct StoredCluster {
    survivor: Option<String>,
    size: u32,
    similarity: Option<f32>,
}

#[derive(Serialize, Deserialize)]
struct StoredStage {
    index: usize,
    kind: String,
    config_sha256: String,
    report: StageReport,
    key_fingerprint: Option<String>,
}

fn batch_file(dir: &Path, index: usize) -> PathBuf {
    dir.join(format!("batch-{index:06}.parquet"))
}

fn write_entry(dir: &Path, state: &RunState) -> Result<(), String> {
    let _ = fs_err::remove_dir_all(dir);
    fs_err::create_dir_all(dir).map_err(|e| e.to_string())?;
    (0..state.batches.batch_count())
        .into_par_iter()
        .try_for_each(|index| {
            let batch = state.batches.get(index)?;
            crate::batch_file::write_batch(&batch_file(dir, index), &batch)
        })?;
    let stored = StoredState {
        format: FORMAT,
        inputs: state
            .inputs
            .iter()
            .map(|i| StoredInput {
                sha256: i.sha256.clone(),
                bytes: i.bytes,
                format: i.format.clone(),
                compression: i.compression.clone(),
                encoding: i.encoding.clone(),
                records: i.records,
                blank_lines: i.blank_lines,
                rejects: i.rejects,
            })
            .collect(),
        batch_rows: state.batches.metas().map(<[_]>::len).collect(),
        removed: state
            .removed
            .iter()
            .map(|r| StoredRemoved {
                stage: r.stage.to_string(),
                redacted: r.redacted,
                id: r.removal.row.id.to_string(),
                input: r.removal.row.source.input,
                row: r.removal.row.source.row,
                line: r.removal.row.source.line,
                reason: r.removal.reason.to_string(),
                detail: r.removal.detail.clone(),
                survivor: r.removal.survivor.as_ref().map(RecordId::to_string),
                content: r.removal.content.clone(),
            })
            .collect(),
        spans: state
            .marks
            .spans
            .iter()
            .map(|(source, spans)| {
                let spans = spans
                    .iter()
                    .map(|s| StoredSpan {
                        field: s.field().to_owned(),
                        element: s.element,
                        entity: s.entity().to_owned(),
                        detector: s.detector().to_owned(),
                        start: s.start,
                        end: s.end,
                        action: s.action().to_owned(),
                    })
                    .collect();
                (*source, spans)
            })
            .collect(),
        flags: state
            .marks
            .flags
            .iter()
            .map(|(source, f)| (*source, f.id.to_string(), f.codes.clone()))
            .collect(),
        clusters: state
            .clusters
            .iter()
            .map(|(source, c)| {
                let cluster = StoredCluster {
                    survivor: c.survivor.clone(),
                    size: c.size,
                    similarity: c.similarity,
                };
                (*source, cluster)
            })
            .collect(),
        stages: state
            .stages
            .iter()
            .map(|s| StoredStage {
                index: s.index,
                kind: s.kind.clone(),
                config_sha256: s.config_sha256.clone(),
                report: s.report.clone(),
                key_fingerprint: s.key_fingerprint.clone(),
            })
            .collect(),
        redacted: state.redacted,
    };
    let json = serde_json::to_vec(&stored).map_err(|e| e.to_string())?;
    // The description goes last: an entry is complete exactly when it has one.
    fs_err::write(dir.join(STATE_FILE), json).map_err(|e| e.to_string())
}

fn read_entry(dir: &Path, schema: &SchemaRef, spill: &Arc<Spill>) -> Result<RunState, String> {
    let json = fs_err::read(dir.join(STATE_FILE)).map_err(|e| e.to_string())?;
    // serde_json's messages can quote the text they stumbled on, and entries hold row content:
    // only the error's category and position may reach the log.
    let stored: StoredState = serde_json::from_slice(&json).map_err(|e| {
        format!(
            "{STATE_FILE} is not a valid entry ({:?} error at line {}, column {})",
            e.classify(),
            e.line(),
            e.column()
        )
    })?;
    if stored.format != FORMAT {
        return Err(format!(
            "entry format {} (expected {FORMAT})",
            stored.format
        ));
    }
    // Read a chunk at a time into a store, so a large entry respects the memory budget.
    let mut batches = BatchStore::new(spill.clone());
    let chunk = rayon::current_num_threads().max(1);
    for start in (0..stored.batch_rows.len()).step_by(chunk) {
        let end = (start + chunk).min(stored.batch_rows.len());
        let loaded = (start..end)
            .into_par_iter()
            .map(|index| {
                crate::batch_file::read_batch(
                    &batch_file(dir, index),
                    schema,
                    stored.batch_rows[index],
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        for batch in loaded {
            batches.push(batch)?;
        }
    }
    let inputs = stored
        .inputs
        .into_iter()
        .map(|i| IngestedInput {
            sha256: i.sha256,
            bytes: i.bytes,
            format: i.format,
            compression: i.compression,
            encoding: i.encoding,
            records: i.records,
            blank_lines: i.blank_lines,
            rejects: i.rejects,
        })
        .collect();
    let removed = stored
        .removed
        .into_iter()
        .map(|r| Removed {
            stage: Cow::Owned(r.stage),
            redacted: r.redacted,
            removal: Removal {
                row: RowMeta {
                    id: RecordId::from_string(r.id),
                    source: SourceRef {
                        input: r.input,
                        row: r.row,
                        line: r.line,
                    },
                },
                reason: ReasonCode::owned(r.reason),
                detail: r.detail,
                survivor: r.survivor.map(RecordId::from_string),
                content: r.content,
            },
        })
        .collect();
    let mut names = SpanNames::default();
    let marks = RecordMarks {
        spans: stored
            .spans
            .into_iter()
            .map(|(source, spans)| {
                let spans = spans
                    .into_iter()
                    .map(|s| LineageSpan {
                        kind: names.kind(&s.field, &s.entity, &s.detector, &s.action),
                        element: s.element,
                        start: s.start,
                        end: s.end,
                    })
                    .collect();
                (source, spans)
            })
            .collect(),
        flags: stored
            .flags
            .into_iter()
            .map(|(source, id, codes)| {
                let id = RecordId::from_string(id);
                (source, FlaggedRecord { id, codes })
            })
            .collect(),
    };
    let clusters = stored
        .clusters
        .into_iter()
        .map(|(source, c)| {
            let info = ClusterInfo {
                survivor: c.survivor,
                size: c.size,
                similarity: c.similarity,
            };
            (source, info)
        })
        .collect();
    let stages = stored
        .stages
        .into_iter()
        .map(|s| StageResult {
            index: s.index,
            kind: s.kind,
            config_sha256: s.config_sha256,
            report: s.report,
            key_fingerprint: s.key_fingerprint,
        })
        .collect();
    Ok(RunState {
        inputs,
        batches,
        removed,
        marks,
        clusters,
        stages,
        redacted: stored.redacted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::PlanOptions;
    use arrow::array::{ArrayRef, RecordBatch, StringArray};
    use arrow::array::{ListArray, StructArray};
    use arrow::datatypes::Fields;
    use arrow::datatypes::{DataType, Field, Schema};
    use sluice_core::Batch;
    use std::sync::Arc;

    const PIPELINE: &str = r#"
[pipeline]
name = "keys"
[[inputs]]
path = "*.jsonl"
[fields]
text = { type = "string", required = true }
[[stages]]
kind = "dedup"
key = ["text"]
[[stages]]
kind = "redact"
fields = ["text"]
[[stages.dictionaries]]
code = "names"
entity = "PERSON"
terms_file = "names.txt"
[[stages]]
kind = "validate"
[[stages.rules]]
kind = "length"
field = "text"
min = 3
"#;

    fn plan_in(dir: &Path, text: &str) -> Plan {
        Plan::from_text("p.toml", text, dir, &PlanOptions::default()).unwrap()
    }

    fn project() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        fs_err::write(dir.path().join("a.jsonl"), "{}\n").unwrap();
        fs_err::write(dir.path().join("b.jsonl"), "{}\n").unwrap();
        fs_err::write(dir.path().join("names.txt"), "Ada\n").unwrap();
        dir
    }

    #[test]
    fn keys_change_exactly_where_their_inputs_change() {
        let dir = project();
        let plan = plan_in(dir.path(), PIPELINE);
        let digests = vec!["a".repeat(64), "b".repeat(64)];
        let base = cache_keys(&plan, &digests, 100, "build");
        assert_eq!(base, cache_keys(&plan, &digests, 100, "build"));
        assert_eq!((base.ingest.len(), base.stages.len()), (2, 3));

        // A changed input: its ingest key and every stage key change, the other input's not.
        let changed = cache_keys(&plan, &["a".repeat(64), "c".repeat(64)], 100, "build");
        assert_eq!(changed.ingest[0], base.ingest[0]);
        assert_ne!(changed.ingest[1], base.ingest[1]);
        assert!(changed.stages.iter().zip(&base.stages).all(|(a, b)| a != b));

        // The last stage's configuration: only its key changes.
        let plan_min4 = plan_in(dir.path(), &PIPELINE.replace("min = 3", "min = 4"));
        let config = cache_keys(&plan_min4, &digests, 100, "build");
        assert_eq!(config.ingest, base.ingest);
        assert_eq!(config.stages[..2], base.stages[..2]);
        assert_ne!(config.stages[2], base.stages[2]);

        // A file the redact stage names: redact and everything after it.
        fs_err::write(dir.path().join("names.txt"), "Ada\nGrace\n").unwrap();
        let replanned = plan_in(dir.path(), PIPELINE);
        let file = cache_keys(&replanned, &digests, 100, "build");
        assert_eq!(file.stages[0], base.stages[0]);
        assert_ne!(file.stages[1], base.stages[1]);
        assert_ne!(file.stages[2], base.stages[2]);

        // Another build or batch size shares nothing.
        for other in [
            cache_keys(&plan, &digests, 100, "other build"),
            cache_keys(&plan, &digests, 50, "build"),
        ] {
            assert!(other.ingest.iter().zip(&base.ingest).all(|(a, b)| a != b));
            assert!(other.stages.iter().zip(&base.stages).all(|(a, b)| a != b));
        }
    }

    /// A batch with a nested `messages` column (list of role/content structs) and nulls.
    fn nested_batch() -> Batch {
        let fields = Fields::from(vec![
            Field::new("role", DataType::Utf8, true),
            Field::new("content", DataType::Utf8, true),
        ]);
        let structs = StructArray::new(
            fields.clone(),
            vec![
                Arc::new(StringArray::from(vec![
                    Some("user"),
                    Some("assistant"),
                    None,
                ])),
                Arc::new(StringArray::from(vec![Some("hi 你好"), None, Some("x")])),
            ],
            None,
        );
        let item = Arc::new(Field::new("item", DataType::Struct(fields), true));
        let messages = ListArray::new(
            item,
            arrow::buffer::OffsetBuffer::from_lengths([2, 0, 1]),
            Arc::new(structs),
            Some(arrow::buffer::NullBuffer::from(vec![true, false, true])),
        );
        let text = StringArray::from(vec![Some("a"), None, Some("c")]);
        let data = RecordBatch::try_from_iter([
            ("text", Arc::new(text) as ArrayRef),
            ("messages", Arc::new(messages) as ArrayRef),
        ])
        .unwrap();
        let rows = (0..3)
            .map(|i| RowMeta {
                id: RecordId::new(&"f".repeat(64), i),
                source: SourceRef {
                    input: 1,
                    row: i,
                    line: i + 2,
                },
            })
            .collect();
        Batch::new(data, rows).unwrap()
    }

    fn store_of(batches: Vec<Batch>) -> BatchStore {
        let mut store = BatchStore::default();
        for b in batches {
            store.push(b).unwrap();
        }
        store
    }

    #[test]
    fn entries_round_trip_every_part_of_the_state() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        let mut cache = StageCache::open(&root.path().join("cache"), &out).unwrap();
        let batch = nested_batch();
        let schema = batch.data.schema();
        let removal = Removal {
            row: batch.rows[0].clone(),
            reason: ReasonCode::owned("Q_SHORT".to_owned()),
            detail: "field text: 1 chars < min 3".to_owned(),
            survivor: None,
            content: Some("{\"text\":\"<PERSON>\"}".to_owned()),
        };
        let mut state = RunState {
            inputs: vec![IngestedInput {
                sha256: "f".repeat(64),
                bytes: 10,
                format: "jsonl".to_owned(),
                compression: "none".to_owned(),
                encoding: "utf-8".to_owned(),
                records: 4,
                blank_lines: 1,
                rejects: 1,
            }],
            batches: store_of(vec![
                batch.clone(),
                Batch::empty(schema.clone()),
                batch.clone(),
            ]),
            removed: vec![Removed {
                stage: "validate".into(),
                removal,
                redacted: true,
            }],
            redacted: true,
            ..RunState::default()
        };
        let at = |row: u64| SourceRef {
            input: 0,
            row,
            line: row + 1,
        };
        state.marks.flags.insert(
            at(1),
            FlaggedRecord {
                id: RecordId::from_string("f:1".to_owned()),
                codes: vec!["Q_WARN".to_owned()],
            },
        );
        state.clusters = [(
            at(2),
            ClusterInfo {
                survivor: Some("f:0".to_owned()),
                size: 2,
                similarity: Some(0.875),
            },
        )]
        .into_iter()
        .collect();
        cache.put("k", &state);
        assert!(cache.contains("k"));
        let spill = Arc::new(Spill::default());
        let back = cache.get("k", &schema, &spill).unwrap();
        assert_eq!(back.batches.batch_count(), 2, "empty batches are not kept");
        for i in 0..2 {
            let (a, b) = (back.batches.get(i).unwrap(), state.batches.get(i).unwrap());
            assert_eq!(a.data, b.data);
            assert_eq!(a.rows, b.rows);
        }
        assert_eq!(back.removed.len(), 1);
        assert_eq!(back.removed[0].removal.row, state.removed[0].removal.row);
        assert_eq!(
            back.removed[0].removal.content,
            state.removed[0].removal.content
        );
        assert_eq!(back.marks.flags, state.marks.flags);
        assert_eq!(back.clusters, state.clusters);
        assert_eq!(back.inputs[0].records, 4);
        assert!(back.redacted);

        // A schema that does not match is a miss, and the entry is dropped.
        let other = Arc::new(Schema::new(vec![Field::new("text", DataType::Utf8, true)]));
        assert!(cache.get("k", &other, &spill).is_none());
        assert!(!cache.contains("k"));
    }

    #[test]
    fn prune_drops_namespaces_of_deleted_output_directories() {
        let root = tempfile::tempdir().unwrap();
        let cache_root = root.path().join("cache");
        let gone = root.path().join("gone");
        let kept = root.path().join("kept");
        let mut old = StageCache::open(&cache_root, &gone).unwrap();
        old.put("entry", &RunState::default());
        let old_dir = old.dir().to_path_buf();
        let mut other = StageCache::open(&cache_root, &kept).unwrap();
        other.put("entry", &RunState::default());
        let other_dir = other.dir().to_path_buf();
        fs_err::remove_dir_all(&gone).unwrap();
        let current = StageCache::open(&cache_root, &root.path().join("now")).unwrap();
        current.prune();
        assert!(!old_dir.exists(), "the deleted output's namespace went");
        assert!(
            other_dir.join("entry").is_dir(),
            "a live output's namespace stays"
        );
    }

    #[test]
    fn a_damaged_description_is_a_miss_whose_error_quotes_nothing() {
        let root = tempfile::tempdir().unwrap();
        let mut cache = StageCache::open(&root.path().join("cache"), root.path()).unwrap();
        cache.put("k", &RunState::default());
        // A string where a number belongs: serde_json's own message would quote it.
        let state = cache.dir().join("k").join(STATE_FILE);
        let json = fs_err::read_to_string(&state).unwrap();
        fs_err::write(
            &state,
            json.replace(
                &format!("\"format\":{FORMAT}"),
                "\"format\":\"secret 13800001111\"",
            ),
        )
        .unwrap();
        let err = read_entry(
            &cache.dir().join("k"),
            &Arc::new(Schema::empty()),
            &Arc::default(),
        )
        .err()
        .unwrap();
        assert!(!err.contains("13800001111"), "{err}");
        assert!(
            cache
                .get("k", &Arc::new(Schema::empty()), &Arc::default())
                .is_none()
        );
    }

    #[test]
    fn prune_keeps_only_what_the_run_used() {
        let root = tempfile::tempdir().unwrap();
        let mut cache = StageCache::open(&root.path().join("cache"), root.path()).unwrap();
        let state = RunState::default();
        cache.put("used", &state);
        cache.put("unused", &state);
        let mut next = StageCache::open(&root.path().join("cache"), root.path()).unwrap();
        next.retain("used");
        next.prune();
        assert!(next.contains("used"));
        assert!(!next.contains("unused"));
    }
}
