//! Executes a [`Plan`]: ingest → stages → export → manifest, accounting for every input record.
//!
//! Batches are processed in parallel with rayon and always reassembled in input order, so the
//! outputs are byte-identical whatever the thread count. The manifest is written last: it is the
//! commit point of a run.

use crate::by_source::SourceCursor;
use crate::cache::{CacheKeys, CacheUse, StageCache};
use crate::clusters::{ClusterCursor, ClusterMap};
use crate::plan::{Plan, PlannedStage};
use crate::quality;
use crate::registry::BuiltStage;
use crate::state::{FlaggedRecord, IngestedInput, RecordMarks, Removed, RunState, StageResult};
use crate::store::{BatchStore, Spill, SpillStats};
use crate::targets;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use sluice_core::{
    CoreError, GlobalStage, RecordId, RowStage, SourceRef, StageOutput, StageReport,
};
use sluice_dedup::ClusterInfo;
use sluice_export::{DuplicateRow, LineageSpan, OutputFile, QuarantineRow};
use sluice_lineage::{
    CacheInfo, Conservation, GateResult, InputConservation, InputEntry, Manifest, OutputEntry,
    PipelineInfo, RunInfo, StageEntry, Tool,
};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};
use thiserror::Error;

/// Removed rows made into quarantine and duplicates table rows per parallel step.
const REMOVED_ROWS_PER_SLICE: usize = 1 << 16;

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Where outputs and the manifest go.
    pub out_dir: PathBuf,
    /// Worker threads (default: all cores). Results do not depend on it.
    pub threads: Option<usize>,
    /// Draw progress bars on stderr (only when it is a terminal).
    pub progress: bool,
    /// Rows per batch.
    pub batch_rows: usize,
    /// Root of the stage cache (incremental reruns); `None` turns reuse off.
    pub cache_root: Option<PathBuf>,
    /// Bytes of row data kept in memory between passes; beyond it batches spill to disk.
    /// `None` is unlimited.
    pub memory_budget: Option<u64>,
    /// Where spill files go (default: the system temporary directory).
    pub spill_dir: Option<PathBuf>,
}

/// What a run produced, for the closing summary.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// Output directory.
    pub out_dir: PathBuf,
    /// Path of manifest.json.
    pub manifest_path: PathBuf,
    /// Records read from all inputs.
    pub input_records: u64,
    /// Rows in the training set.
    pub kept: u64,
    /// Rows removed as duplicates.
    pub duplicates: u64,
    /// Rows quarantined.
    pub quarantined: u64,
    /// Rows kept per split.
    pub kept_by_split: BTreeMap<String, u64>,
    /// Quarantined rows by reason code.
    pub quarantined_by_reason: BTreeMap<String, u64>,
    /// Redactions by entity type over all redact stages.
    pub redactions_by_type: BTreeMap<String, u64>,
    /// Every file written.
    pub outputs: Vec<OutputFile>,
    /// Gates that failed (empty when all passed).
    pub failed_gates: Vec<GateResult>,
    /// Wall time.
    pub duration_ms: u64,
    /// What the run reused from the stage cache.
    pub cache: CacheUse,
    /// What the memory budget made the run spill.
    pub spill: SpillStats,
    /// Each phase (ingest, each stage, export, lineage) in order, with its wall time and the
    /// process's peak resident memory after it.
    pub phases: Vec<PhaseStats>,
    /// Inputs in the run.
    pub inputs: usize,
    /// Stages in the pipeline.
    pub stages: usize,
}

/// Where one phase of a run spent its time and memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhaseStats {
    /// `ingest` (or `cache` when resumed), `<n> <kind>` per stage, `export`, `lineage`.
    pub name: String,
    /// Wall time of the phase in milliseconds.
    pub wall_ms: u64,
    /// Peak resident memory of the process so far, where the OS reports it: the phase where it
    /// rises needed the memory.
    pub peak_rss_bytes: Option<u64>,
    /// A global stage's steps in order (`tag`, `decide`, `apply`, and `clusters` for the dedup
    /// stage that names them); empty for other phases.
    pub steps: Vec<StepStats>,
}

/// One step of a global stage's phase: its wall time and the peak resident memory after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepStats {
    /// `tag`, `decide`, `apply` or `clusters`.
    pub name: &'static str,
    /// Wall time of the step in milliseconds.
    pub wall_ms: u64,
    /// Peak resident memory of the process so far (see [`PhaseStats::peak_rss_bytes`]).
    pub peak_rss_bytes: Option<u64>,
}

/// Times the steps of one phase.
struct StepClock {
    started: Instant,
    steps: Vec<StepStats>,
}

impl StepClock {
    fn start() -> StepClock {
        StepClock {
            started: Instant::now(),
            steps: Vec::new(),
        }
    }

    /// Ends step `name` now and starts the next.
    fn end(&mut self, name: &'static str) {
        self.steps.push(StepStats {
            name,
            wall_ms: millis(self.started.elapsed()),
            peak_rss_bytes: crate::memory::peak_rss_so_far(),
        });
        self.started = Instant::now();
    }
}

fn millis(elapsed: std::time::Duration) -> u64 {
    u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
}

/// A run that could not complete. Messages name files, stages and counts, never data values.
#[derive(Debug, Error)]
pub enum RunError {
    /// An input file could not be read at all.
    #[error(transparent)]
    Ingest(#[from] sluice_ingest::IngestError),
    /// A stage failed.
    #[error("stage {index} ({kind}) failed: {source}")]
    Stage {
        /// 1-based stage position.
        index: usize,
        /// Stage kind.
        kind: &'static str,
        /// Cause.
        source: CoreError,
    },
    /// A stage returned counts that do not add up (a bug: rows would be lost).
    #[error("stage {index} ({kind}) lost rows: {rows_in} in, {rows_out} out, {removed} removed")]
    StageConservation {
        /// 1-based stage position.
        index: usize,
        /// Stage kind.
        kind: &'static str,
        /// Rows in.
        rows_in: u64,
        /// Rows out.
        rows_out: u64,
        /// Rows removed.
        removed: u64,
    },
    /// The run-level check in = kept + duplicates + quarantined failed.
    #[error(
        "conservation check failed: {input} records in, {kept} kept + {duplicates} duplicates + {quarantined} quarantined"
    )]
    Conservation {
        /// Records in.
        input: u64,
        /// Kept.
        kept: u64,
        /// Duplicates.
        duplicates: u64,
        /// Quarantined.
        quarantined: u64,
    },
    /// Writing an output failed.
    #[error(transparent)]
    Export(#[from] sluice_export::ExportError),
    /// Writing a fine-tuning target's export failed.
    #[error(transparent)]
    Targets(#[from] targets::TargetExportError),
    /// Building or writing the manifest failed.
    #[error(transparent)]
    Lineage(#[from] sluice_lineage::LineageError),
    /// Rows could not be spilled to disk or read back.
    #[error("cannot spill rows to disk: {message}")]
    Spill {
        /// What failed (paths and OS reasons, no data).
        message: String,
    },
    /// The thread pool could not be built.
    #[error("cannot start {threads} worker threads: {message}")]
    Threads {
        /// Requested threads.
        threads: usize,
        /// Cause.
        message: String,
    },
}

/// Runs `plan`, writes outputs and manifest into `options.out_dir`.
pub fn run(plan: Plan, options: &RunOptions) -> Result<RunSummary, RunError> {
    let threads = options.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| RunError::Threads {
            threads,
            message: e.to_string(),
        })?;
    pool.install(|| execute(plan, options, threads))
}

fn progress_bar(enabled: bool, len: u64, what: &str) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template("{prefix:>10} [{bar:30}] {pos}/{len} {msg}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(what.to_owned());
    bar
}

fn execute(mut plan: Plan, options: &RunOptions, threads: usize) -> Result<RunSummary, RunError> {
    let started_at = SystemTime::now();
    let clock = Instant::now();
    let batch_rows = options.batch_rows.max(1);

    let spill = Arc::new(Spill::new(options.memory_budget, options.spill_dir.clone()));
    // With the cache on, every input is hashed first: the keys say what can be reused.
    let mut cache = open_cache(options);
    let mut keys = cache.as_ref().and_then(|_| {
        let digests = plan
            .inputs
            .par_iter()
            .map(|input| file_sha256(&input.path))
            .collect::<Option<Vec<_>>>()?;
        Some(crate::cache::cache_keys(
            &plan,
            &digests,
            batch_rows,
            &crate::cache::build_identity(),
        ))
    });
    let mut cache_use = CacheUse {
        dir: cache.as_ref().map(|c| c.dir().to_path_buf()),
        ..CacheUse::default()
    };

    // Resume after the last stage whose checkpoint exists, else ingest (reusing inputs).
    let mut resumed = None;
    if let (Some(cache), Some(keys)) = (cache.as_mut(), keys.as_ref()) {
        for (position, planned) in plan.stages.iter().enumerate().rev() {
            let schema = planned.output_schema.arrow_schema();
            if let Some(state) = keys
                .stages
                .get(position)
                .and_then(|key| cache.get(key, &schema, &spill))
            {
                resumed = Some((position + 1, state));
                break;
            }
        }
        // Entries this configuration could resume from stay; anything else is pruned.
        for key in keys.ingest.iter().chain(&keys.stages) {
            cache.retain(key);
        }
    }
    let mut phases: Vec<PhaseStats> = Vec::new();
    let mut phase_clock = Instant::now();
    let mut measure = |phase: &str, steps: Vec<StepStats>| {
        phases.push(PhaseStats {
            name: phase.to_owned(),
            wall_ms: millis(phase_clock.elapsed()),
            peak_rss_bytes: crate::memory::peak_rss_so_far(),
            steps,
        });
        phase_clock = Instant::now();
    };
    let (first_stage, mut state) = match resumed {
        Some((next, state)) => {
            cache_use.inputs_reused = plan.inputs.len();
            (next, state)
        }
        None => {
            let (state, reused) = ingest_all(
                &plan,
                options,
                batch_rows,
                &spill,
                cache.as_mut(),
                keys.as_ref(),
            )?;
            cache_use.inputs_reused = reused;
            // An input that changed between hashing and reading would store its new rows under
            // its old key: this run then stores nothing more.
            if let Some(k) = &keys
                && state
                    .inputs
                    .iter()
                    .zip(&k.input_sha256)
                    .any(|(read, hashed)| &read.sha256 != hashed)
            {
                tracing::warn!(
                    "an input changed while the run read it; stage results are not cached"
                );
                keys = None;
            }
            (0, state)
        }
    };
    cache_use.stages_reused = first_stage;
    measure(
        if first_stage == 0 { "ingest" } else { "cache" },
        Vec::new(),
    );

    for planned in plan.stages.iter_mut().skip(first_stage) {
        let steps = run_planned_stage(planned, &mut state, options)?;
        measure(
            &format!("{} {}", planned.index + 1, planned.stage.kind()),
            steps,
        );
        if let (Some(cache), Some(keys)) = (cache.as_mut(), keys.as_ref())
            && let Some(key) = keys.stages.get(planned.index)
        {
            cache.put(key, &state);
        }
    }
    if let Some(cache) = &cache {
        cache.prune();
    }
    let RunState {
        inputs: ingested,
        batches,
        mut removed,
        marks,
        clusters,
        stages: stage_reports,
        redacted: _,
    } = state;
    tracing::debug!(records = marks.spans.len(), "records with redaction spans");

    // Export the training set: split by hash of the dedup cluster id (a kept row's cluster is
    // named after it, so without near-dup flagging this equals its record id), so members of one
    // cluster can never straddle splits. Shards and target files stream, a chunk of batches at
    // a time.
    // Clusters are keyed by source, like the rows are ordered: each batch walks them beside its
    // rows. Keys borrow the cluster or record id: one string per kept row would be hundreds of
    // MB at tens of millions of rows.
    let metas: Vec<&[sluice_core::RowMeta]> = batches.metas().collect();
    let split_keys: Vec<Vec<&str>> = metas
        .par_iter()
        .map(|rows| {
            let Some(first) = rows.first() else {
                return Vec::new();
            };
            let mut cluster_of = clusters.cursor(first.source);
            rows.iter()
                .map(|r| {
                    cluster_of
                        .get(r.source)
                        .map_or(r.id.as_str(), |c| c.cluster_id(r.id.as_str()))
                })
                .collect()
        })
        .collect();
    let split_indices = sluice_export::split_indices(&split_keys, &plan.output);
    drop(split_keys);
    let mut split_totals = vec![0u64; plan.output.splits.len()];
    for split in split_indices.iter().flatten() {
        if let Some(total) = split_totals.get_mut(*split) {
            *total += 1;
        }
    }
    let mut training = sluice_export::TrainingSetWriter::new(
        &options.out_dir,
        &plan.output_schema.arrow_schema(),
        &split_totals,
        &plan.output,
    )?;
    let mut target_writers = targets::TargetWriters::new(&options.out_dir, &plan);
    let chunk = rayon::current_num_threads().max(1) * 2;
    // Cutting batches by split copies every kept row once: done for a chunk of batches in
    // parallel, then written in batch order, so the shards are the same whatever the threads.
    let split_rows = training.split_rows();
    for start in (0..batches.batch_count()).step_by(chunk) {
        let end = (start + chunk).min(batches.batch_count());
        let loaded = batches
            .load_range(start..end)
            .map_err(|message| RunError::Spill { message })?;
        let parts = loaded
            .par_iter()
            .zip(&split_indices[start..end])
            .map(|(batch, splits)| split_rows.cut(batch, splits))
            .collect::<Result<Vec<_>, _>>()?;
        for ((batch, splits), parts) in loaded.iter().zip(&split_indices[start..end]).zip(parts) {
            training.push_parts(parts)?;
            target_writers.push(batch, splits)?;
        }
    }
    let mut outputs = training.finish()?;
    measure("export", Vec::new());
    let card = targets::write_dataset_card(&options.out_dir, &plan, &outputs)?;
    let target_exports = target_writers.finish()?;
    outputs.push(card);
    outputs.extend(target_exports);
    let batch_metas = metas;

    // Quarantine and duplicates, in source order. Half the rows of a template-heavy corpus can
    // be removed (strings to copy, quarantine content to scan once more): built in parallel a
    // slice at a time and streamed into their files, so they are never all in memory as rows.
    // Sources are unique (every record of an input counts, malformed ones too), so an unstable
    // sort gives the stable order, in place: the stable parallel sort's buffer was a second copy
    // of every removal (≈ 1.5 GB at 16M bench rows, the lineage phase's peak).
    removed.par_sort_unstable_by_key(|r| r.removal.row.source);
    debug_assert!(
        removed
            .windows(2)
            .all(|w| w[0].removal.row.source < w[1].removal.row.source),
        "every removed row has its own source"
    );
    let scrubber = plan.stages.iter().find_map(|s| match &s.stage {
        BuiltStage::Redact(r) => Some(r.as_ref()),
        _ => None,
    });
    let display = |input: u32| {
        plan.inputs
            .get(input as usize)
            .map_or("", |i| i.display.as_str())
    };
    let mut quarantine = sluice_export::QuarantineWriter::create(&options.out_dir)?;
    let mut duplicates = sluice_export::DuplicatesWriter::create(&options.out_dir)?;
    for slice in removed.chunks(REMOVED_ROWS_PER_SLICE) {
        let (duplicate_rows, quarantine_rows): (Vec<DuplicateRow<'_>>, Vec<QuarantineRow<'_>>) =
            slice.par_iter().partition_map(|r| {
                let m = &r.removal;
                if m.reason.is_duplicate() {
                    rayon::iter::Either::Left(DuplicateRow {
                        record_id: m.row.id.as_str(),
                        survivor_id: m.survivor.as_ref().map_or("", RecordId::as_str),
                        reason: m.reason.as_str(),
                        stage: &r.stage,
                        source_file: display(m.row.source.input),
                        source_row: m.row.source.row,
                    })
                } else {
                    // Only content that went through redaction is kept; the redactor scans it
                    // once more as a last line of defence. Everything else is identified by file
                    // and line only.
                    let content = match (r.redacted, scrubber, &m.content) {
                        (true, Some(s), Some(c)) => Some(s.redact_text(c)),
                        _ => None,
                    };
                    rayon::iter::Either::Right(QuarantineRow {
                        record_id: m.row.id.as_str(),
                        stage: &r.stage,
                        reason: m.reason.as_str(),
                        detail: m.detail.as_str(),
                        source_file: display(m.row.source.input),
                        source_row: m.row.source.row,
                        source_line: m.row.source.line,
                        content,
                    })
                }
            });
        quarantine.push(&quarantine_rows)?;
        duplicates.push(&duplicate_rows)?;
    }
    outputs.push(quarantine.finish()?);
    outputs.push(duplicates.finish()?);
    // Per-rule results need the reason codes and flags before lineage consumes the marks: the
    // first sample ids of each code, without a string made per row.
    let mut removed_by_code: BTreeMap<String, Vec<RecordId>> = BTreeMap::new();
    for r in &removed {
        add_sample(
            &mut removed_by_code,
            r.removal.reason.as_str(),
            &r.removal.row.id,
        );
    }
    let mut flagged_by_code: BTreeMap<String, Vec<RecordId>> = BTreeMap::new();
    for flagged in marks.flags.values() {
        for code in &flagged.codes {
            add_sample(&mut flagged_by_code, code, &flagged.id);
        }
    }
    let merged_reports: Vec<(usize, StageReport)> = stage_reports
        .iter()
        .map(|s| (s.index, s.report.clone()))
        .collect();
    let (rule_results, rule_gates) =
        quality::rule_results(&plan, &merged_reports, &removed_by_code, &flagged_by_code);
    let (lineage_file, split_leakage) = write_lineage(
        &options.out_dir,
        &plan,
        &ingested,
        &batch_metas,
        &split_indices,
        &removed,
        &marks,
        &clusters,
    )?;
    outputs.push(lineage_file);

    // Conservation, per input and overall.
    let input_count = plan.inputs.len();
    let mut kept_by_input = vec![0u64; input_count];
    for rows in &batch_metas {
        for r in rows.iter() {
            if let Some(k) = kept_by_input.get_mut(r.source.input as usize) {
                *k += 1;
            }
        }
    }
    let mut dup_by_input = vec![0u64; input_count];
    let mut quar_by_input = vec![0u64; input_count];
    let mut quarantined_by_reason: BTreeMap<String, u64> = BTreeMap::new();
    for r in &removed {
        let i = r.removal.row.source.input as usize;
        if r.removal.reason.is_duplicate() {
            if let Some(d) = dup_by_input.get_mut(i) {
                *d += 1;
            }
        } else {
            if let Some(q) = quar_by_input.get_mut(i) {
                *q += 1;
            }
            *quarantined_by_reason
                .entry(r.removal.reason.to_string())
                .or_default() += 1;
        }
    }
    let by_input: Vec<InputConservation> = ingested
        .iter()
        .enumerate()
        .map(|(i, result)| InputConservation {
            path: plan.inputs[i].display.clone(),
            records: result.records,
            kept: kept_by_input[i],
            duplicates: dup_by_input[i],
            quarantined: quar_by_input[i],
        })
        .collect();
    let input_records: u64 = ingested.iter().map(|r| r.records).sum();
    let kept: u64 = kept_by_input.iter().sum();
    let duplicates: u64 = dup_by_input.iter().sum();
    let quarantined: u64 = quar_by_input.iter().sum();
    let holds = input_records == kept + duplicates + quarantined
        && by_input
            .iter()
            .all(|c| c.records == c.kept + c.duplicates + c.quarantined);

    let mut gates = evaluate_gates(&plan, input_records, kept, duplicates, quarantined);
    gates.push(split_leakage);
    gates.extend(rule_gates);
    let validation = quality::ValidationReport::new(
        &plan.name,
        rule_results,
        quality::target_results(&plan, &merged_reports),
        gates.clone(),
    );
    outputs.push(sluice_export::write_side_file(
        &options.out_dir,
        quality::VALIDATION_JSON,
        "validation_report",
        validation.rules.len() as u64,
        &validation.to_json_bytes(),
    )?);
    outputs.push(sluice_export::write_side_file(
        &options.out_dir,
        quality::VALIDATION_JUNIT,
        "validation_junit",
        (validation.rules.len() + validation.targets.len() + validation.gates.len()) as u64,
        validation.to_junit_xml().as_bytes(),
    )?);

    let mut kept_by_split = BTreeMap::new();
    for o in &outputs {
        if o.path.starts_with("data/")
            && !sluice_lineage::SIDE_TABLE_ROLES.contains(&o.role.as_str())
        {
            *kept_by_split.entry(o.role.clone()).or_default() += o.rows;
        }
    }
    let mut redactions_by_type = BTreeMap::new();
    for stage in &stage_reports {
        for (k, v) in &stage.report.redactions_by_type {
            *redactions_by_type.entry(k.clone()).or_default() += v;
        }
    }

    let output_entries: Vec<OutputEntry> = outputs
        .iter()
        .map(|o| OutputEntry {
            path: o.path.clone(),
            role: o.role.clone(),
            rows: o.rows,
            bytes: o.bytes,
            sha256: o.sha256.clone(),
        })
        .collect();
    let duration_ms = clock.elapsed().as_millis() as u64;
    let manifest = Manifest {
        manifest_version: sluice_lineage::MANIFEST_VERSION.to_owned(),
        tool: Tool::current(),
        pipeline: PipelineInfo {
            name: plan.name.clone(),
            sha256: plan.sha256.clone(),
            resolved: plan.resolved.clone(),
        },
        inputs: ingested
            .iter()
            .enumerate()
            .map(|(i, r)| InputEntry {
                path: plan.inputs[i].display.clone(),
                format: r.format.clone(),
                compression: Some(r.compression.clone()),
                encoding: r.encoding.clone(),
                bytes: r.bytes,
                sha256: r.sha256.clone(),
                records: r.records,
                blank_lines: r.blank_lines,
                quarantined: r.rejects,
            })
            .collect(),
        stages: stage_reports
            .into_iter()
            .map(|s| StageEntry {
                index: s.index,
                kind: s.kind,
                config_sha256: s.config_sha256,
                report: s.report,
                key_fingerprint: s.key_fingerprint,
            })
            .collect(),
        root_sha256: sluice_lineage::root_digest(&output_entries),
        outputs: output_entries,
        conservation: Conservation {
            input_records,
            kept,
            duplicates,
            quarantined,
            holds,
            by_input,
        },
        gates: gates.clone(),
        run: RunInfo {
            started_at: sluice_lineage::rfc3339_utc(started_at),
            finished_at: sluice_lineage::rfc3339_utc(SystemTime::now()),
            duration_ms,
            threads,
            host: host_name(),
            cache: cache_use.dir.as_ref().map(|_| CacheInfo {
                inputs_reused: cache_use.inputs_reused as u64,
                inputs: plan.inputs.len() as u64,
                stages_reused: cache_use.stages_reused as u64,
                stages: plan.stages.len() as u64,
            }),
        },
    };
    measure("lineage", Vec::new());
    let manifest_path = options.out_dir.join("manifest.json");
    sluice_export::write_atomic(&manifest_path, &manifest.to_json_bytes())?;

    if !holds {
        return Err(RunError::Conservation {
            input: input_records,
            kept,
            duplicates,
            quarantined,
        });
    }
    Ok(RunSummary {
        out_dir: options.out_dir.clone(),
        manifest_path,
        input_records,
        kept,
        duplicates,
        quarantined,
        kept_by_split,
        quarantined_by_reason,
        redactions_by_type,
        outputs,
        failed_gates: gates.into_iter().filter(|g| !g.passed).collect(),
        duration_ms,
        cache: cache_use,
        spill: spill.stats(),
        phases,
        inputs: plan.inputs.len(),
        stages: plan.stages.len(),
    })
}

/// Where a lineage row comes from: a kept row (batch, row) or a removal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Kept(usize, usize),
    Removed(usize),
}

/// Every row's fate in source order: the kept rows of `batches` merged with the `removed`
/// removals, whose sources `removed_source` gives by index, in source order.
///
/// Kept rows are in source order already (stages filter, never reorder), and so are the
/// removals (sorted for the quarantine and duplicates tables), so this is a merge. The kept
/// rows' order is checked rather than trusted: out of order, their positions are sorted first
/// (a copy of every kept row's source, 450 MB with the sort's buffer at 16M bench rows, which
/// the merge in place does without).
fn fates_in_source_order(
    batches: &[&[sluice_core::RowMeta]],
    removed: usize,
    removed_source: impl Fn(usize) -> SourceRef,
) -> Vec<Fate> {
    let kept_positions = || {
        batches
            .iter()
            .enumerate()
            .flat_map(|(b, rows)| rows.iter().enumerate().map(move |(r, m)| (m.source, b, r)))
    };
    let kept_in_order = kept_positions().map(|(source, _, _)| source).is_sorted();
    let mut kept: Box<dyn Iterator<Item = (SourceRef, usize, usize)> + '_> = if kept_in_order {
        Box::new(kept_positions())
    } else {
        let mut sorted: Vec<(SourceRef, usize, usize)> = kept_positions().collect();
        sorted.sort_unstable_by_key(|(source, _, _)| *source);
        Box::new(sorted.into_iter())
    };
    let kept_rows: usize = batches.iter().map(|rows| rows.len()).sum();
    let mut order: Vec<Fate> = Vec::with_capacity(kept_rows + removed);
    let mut next_kept = kept.next();
    let mut r = 0;
    loop {
        let removal = (r < removed).then(|| removed_source(r));
        match next_kept {
            Some((source, b, i)) if removal.is_none_or(|gone| source < gone) => {
                order.push(Fate::Kept(b, i));
                next_kept = kept.next();
            }
            _ if removal.is_some() => {
                order.push(Fate::Removed(r));
                r += 1;
            }
            _ => break,
        }
    }
    order
}

/// Writes `lineage.parquet`, one row per input record in source order, and returns it with the
/// split-leakage gate. Rows borrow from the run's state (no string is copied); row groups are
/// made into columns in parallel and encoded in order, so the file is the same whatever the
/// thread count.
#[allow(clippy::too_many_arguments)]
fn write_lineage(
    out_dir: &std::path::Path,
    plan: &Plan,
    ingested: &[IngestedInput],
    batches: &[&[sluice_core::RowMeta]],
    split_indices: &[Vec<usize>],
    removed: &[Removed],
    marks: &RecordMarks,
    clusters: &ClusterMap,
) -> Result<(sluice_export::OutputFile, GateResult), RunError> {
    use sluice_export::LineageRowRef;
    let placements = sluice_export::placements(split_indices, &plan.output);
    let order = fates_in_source_order(batches, removed.len(), |r| removed[r].removal.row.source);

    // Fates are in source order, and so are the maps of clusters, spans and flags: each chunk of
    // fates walks them beside its rows from the chunk's first source.
    let meta_of = |fate: Fate| match fate {
        Fate::Kept(b, i) => &batches[b][i],
        Fate::Removed(i) => &removed[i].removal.row,
    };
    /// The per-record maps, walked in source order by one chunk of fates.
    struct Cursors<'m> {
        clusters: ClusterCursor<'m>,
        spans: SourceCursor<'m, Vec<LineageSpan>>,
        flags: SourceCursor<'m, FlaggedRecord>,
    }
    let cursors = |fates: &[Fate]| {
        let first = fates.first().map_or(
            SourceRef {
                input: 0,
                row: 0,
                line: 0,
            },
            |&f| meta_of(f).source,
        );
        Cursors {
            clusters: clusters.cursor(first),
            spans: SourceCursor::starting_at(&marks.spans, first),
            flags: SourceCursor::starting_at(&marks.flags, first),
        }
    };
    /// Ties a row builder's rows to the borrows its cursors hand out (a closure's own signature
    /// cannot name that lifetime).
    fn row_builder<'m, F>(build: F) -> F
    where
        F: Fn(Fate, &mut Cursors<'m>) -> LineageRowRef<'m>,
    {
        build
    }
    let row = row_builder(|fate, cursors| {
        let meta = meta_of(fate);
        let status = match fate {
            Fate::Kept(..) => "kept",
            Fate::Removed(i) if removed[i].removal.reason.is_duplicate() => "duplicate",
            Fate::Removed(_) => "quarantined",
        };
        let input = meta.source.input as usize;
        let cluster = cursors.clusters.get(meta.source);
        let mut row = LineageRowRef {
            record_id: meta.id.as_str(),
            source_file: plan.inputs.get(input).map_or("", |i| i.display.as_str()),
            source_sha256: ingested.get(input).map_or("", |r| r.sha256.as_str()),
            source_row: meta.source.row,
            source_line: meta.source.line,
            status,
            stage: None,
            reason: None,
            survivor_id: None,
            split: None,
            shard: None,
            shard_row: None,
            cluster_id: cluster.map(|c| c.cluster_id(meta.id.as_str())),
            cluster_size: cluster.map(|c| c.size),
            similarity: cluster.and_then(|c| c.similarity),
            redactions: cursors.spans.get(meta.source).map_or(&[], Vec::as_slice),
            flags: cursors
                .flags
                .get(meta.source)
                .map_or(&[], |f| f.codes.as_slice()),
        };
        match fate {
            Fate::Kept(b, i) => {
                if let Some(place) = placements.get(&plan.output, b, i) {
                    row.split = Some(place.split);
                    row.shard = Some(place.shard);
                    row.shard_row = Some(place.row);
                }
            }
            Fate::Removed(i) => {
                let gone = &removed[i];
                row.stage = Some(&gone.stage);
                row.reason = Some(gone.removal.reason.as_str());
                row.survivor_id = gone.removal.survivor.as_ref().map(RecordId::as_str);
            }
        }
        row
    });

    // A cluster straddles splits when its kept rows sit in more than one; a cluster of one row
    // cannot. Looked up in parallel, then counted over the sorted distinct (cluster, split) pairs.
    let group = sluice_export::parquet_writer::MAX_ROW_GROUP_ROWS;
    let placements = &placements;
    let mut cluster_splits: Vec<(&str, &str)> = order
        .par_chunks(group)
        .flat_map_iter(|fates| {
            let mut cluster_of = cursors(fates).clusters;
            fates.iter().filter_map(move |&fate| {
                let Fate::Kept(b, i) = fate else { return None };
                let row = &batches[b][i];
                let cluster = cluster_of.get(row.source).filter(|c| c.size > 1)?;
                let split = placements.get(&plan.output, b, i)?.split;
                Some((cluster.cluster_id(row.id.as_str()), split))
            })
        })
        .collect();
    let straddling = straddling_clusters(&mut cluster_splits);
    let gate = GateResult {
        name: "split_leakage_clusters".to_owned(),
        threshold: 0.0,
        observed: straddling as f64,
        passed: straddling == 0,
    };

    let mut writer = sluice_export::LineageTableWriter::create(out_dir)?;
    for wave in order.chunks(group * chunk_size()) {
        let tables = wave
            .par_chunks(group)
            .map(|fates| {
                let mut cursors = cursors(fates);
                let rows: Vec<LineageRowRef<'_>> =
                    fates.iter().map(|&f| row(f, &mut cursors)).collect();
                sluice_export::lineage_batch(&rows)
            })
            .collect::<Result<Vec<_>, _>>()?;
        for table in &tables {
            writer.push_batch(table)?;
        }
    }
    Ok((writer.finish()?, gate))
}

/// Adds `id` to the sample ids of `code` unless it has [`quality::SAMPLE_IDS`] already.
fn add_sample(samples: &mut BTreeMap<String, Vec<RecordId>>, code: &str, id: &RecordId) {
    match samples.get_mut(code) {
        Some(ids) if ids.len() >= quality::SAMPLE_IDS => {}
        Some(ids) => ids.push(id.clone()),
        None => {
            samples.insert(code.to_owned(), vec![id.clone()]);
        }
    }
}

/// How many clusters of `(cluster, split)` pairs (one per kept row, in any order) have rows in
/// more than one split.
fn straddling_clusters(pairs: &mut Vec<(&str, &str)>) -> usize {
    pairs.par_sort_unstable();
    pairs.dedup();
    pairs
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|splits| splits.len() > 1)
        .count()
}

/// Opens the stage cache of `options.out_dir`, or runs without one (with a warning) when its
/// directory cannot be created.
fn open_cache(options: &RunOptions) -> Option<StageCache> {
    let root = options.cache_root.as_ref()?;
    match StageCache::open(root, &options.out_dir) {
        Ok(cache) => Some(cache),
        Err(e) => {
            tracing::warn!(root = %root.display(), error = %e, "stage cache unavailable; running without it");
            None
        }
    }
}

/// sha256 of a file's bytes, streamed; `None` when it cannot be read (ingest then reports why).
fn file_sha256(path: &std::path::Path) -> Option<String> {
    sluice_lineage::digest_file(path).ok().map(|d| d.sha256)
}

/// Reads every input (in parallel, results in input order), reusing cached ingests; returns the
/// run state after ingest and how many inputs were reused. Each input's batches go into the
/// store as they are read, so ingest respects the memory budget.
fn ingest_all(
    plan: &Plan,
    options: &RunOptions,
    batch_rows: usize,
    spill: &Arc<Spill>,
    mut cache: Option<&mut StageCache>,
    keys: Option<&CacheKeys>,
) -> Result<(RunState, usize), RunError> {
    let schema = plan.schema.arrow_schema();
    let key_of = |i: usize| keys.and_then(|k| k.ingest.get(i));
    let cached: Vec<Option<RunState>> = (0..plan.inputs.len())
        .map(|i| match (cache.as_deref_mut(), key_of(i)) {
            (Some(cache), Some(key)) => cache.get(key, &schema, spill),
            _ => None,
        })
        .collect();
    let reused = cached.iter().filter(|c| c.is_some()).count();
    let bar = progress_bar(
        options.progress,
        (plan.inputs.len() - reused) as u64,
        "ingest",
    );
    let per_input = plan
        .inputs
        .par_iter()
        .zip(cached)
        .enumerate()
        .map(|(i, (input, cached))| {
            if let Some(state) = cached {
                return Ok((state, true));
            }
            let store = Arc::new(Mutex::new(BatchStore::new(spill.clone())));
            let sink = store.clone();
            let emit: sluice_ingest::BatchHandler = Box::new(move |batch| {
                sink.lock()
                    .map_err(|_| "batch store lock poisoned".to_owned())?
                    .push(batch)
            });
            let result = sluice_ingest::read_input_streaming(
                &input.path,
                i as u32,
                &input.options,
                &plan.schema,
                batch_rows,
                emit,
            )?;
            bar.inc(1);
            let (ingested, kept, rejects) = IngestedInput::from_result(result);
            let mut batches = Arc::try_unwrap(store)
                .ok()
                .and_then(|m| m.into_inner().ok())
                .ok_or_else(|| RunError::Spill {
                    message: "the batch store of an input is still shared".to_owned(),
                })?;
            // Streaming hands every batch to the store; any a reader still returned follow them.
            for batch in kept {
                batches
                    .push(batch)
                    .map_err(|message| RunError::Spill { message })?;
            }
            let state = RunState {
                inputs: vec![ingested],
                batches,
                removed: rejects
                    .into_iter()
                    .map(|removal| Removed {
                        stage: Cow::Borrowed("ingest"),
                        removal,
                        redacted: false,
                    })
                    .collect(),
                ..RunState::default()
            };
            Ok((state, false))
        })
        .collect::<Result<Vec<_>, RunError>>()?;
    bar.finish_and_clear();
    let mut all = RunState {
        batches: BatchStore::new(spill.clone()),
        ..RunState::default()
    };
    for (i, (state, was_cached)) in per_input.into_iter().enumerate() {
        let read_what_was_hashed = keys
            .and_then(|k| k.input_sha256.get(i))
            .is_some_and(|hashed| {
                state
                    .inputs
                    .first()
                    .is_some_and(|read| &read.sha256 == hashed)
            });
        if let (Some(cache), Some(key), false, true) = (
            cache.as_deref_mut(),
            key_of(i),
            was_cached,
            read_what_was_hashed,
        ) {
            cache.put(key, &state);
        }
        all.inputs.extend(state.inputs);
        all.batches.append(state.batches);
        all.removed.extend(state.removed);
    }
    Ok((all, reused))
}

/// Runs one stage over the run's rows, moving its removals, spans, flags and clusters into the
/// state and checking that it conserved rows; returns a global stage's step timings.
fn run_planned_stage(
    planned: &mut PlannedStage,
    state: &mut RunState,
    options: &RunOptions,
) -> Result<Vec<StepStats>, RunError> {
    let PlannedStage {
        index,
        stage,
        config_sha256,
        ..
    } = planned;
    let kind = stage.kind();
    let stage_error = |source| RunError::Stage {
        index: *index + 1,
        kind,
        source,
    };
    let spill = state.batches.spill().clone();
    let input = std::mem::replace(&mut state.batches, BatchStore::new(spill));
    let rows_in = input.rows();
    // A stage removes at most the rows it is given: room for them up front, so the removals
    // never grow by copying (at 16M bench rows dedup removes 8M, and the last doubling held both
    // copies at once). Room never written costs address space, not memory; without it (a
    // limited address space) the removals grow as usual.
    if let Ok(rows) = usize::try_from(rows_in) {
        let _ = state.removed.try_reserve_exact(rows);
    }
    let bar = progress_bar(options.progress, input.batch_count() as u64, kind);
    let is_redact = matches!(stage, BuiltStage::Redact(_));
    let mut report = StageReport::default();
    let mut failure: Option<RunError> = None;
    let mut absorb = |absorbable: Absorbable| {
        let Absorbable {
            output,
            spans,
            mut removed,
        } = absorbable;
        report.merge(&output.report);
        for (source, spans) in spans {
            // A record's first spans move in as they are; a later stage's are appended.
            match state.marks.spans.entry(source) {
                Entry::Vacant(slot) => {
                    slot.insert(spans);
                }
                Entry::Occupied(mut slot) => slot.get_mut().extend(spans),
            }
        }
        for flag in output.flags {
            state
                .marks
                .flags
                .entry(flag.source)
                .or_insert_with(|| FlaggedRecord {
                    id: flag.record,
                    codes: Vec::new(),
                })
                .codes
                .push(flag.code.to_string());
        }
        state.removed.append(&mut removed);
        if failure.is_none()
            && let Err(message) = state.batches.push(output.kept)
        {
            failure = Some(RunError::Spill { message });
        }
    };
    let removed_by = RemovedBy {
        stage: kind,
        // A redact stage redacts a row before deciding to quarantine it.
        redacted: state.redacted || is_redact,
    };
    let steps = run_stage(
        stage,
        input,
        &bar,
        &mut state.clusters,
        removed_by,
        &mut absorb,
    )
    .map_err(|e| match e {
        StageFailure::Core(source) => stage_error(source),
        StageFailure::Spill(message) => RunError::Spill { message },
    })?;
    if let Some(failure) = failure {
        return Err(failure);
    }
    bar.finish_and_clear();
    let rows_out = state.batches.rows();
    if !report.conserves() || report.rows_in != rows_in || report.rows_out != rows_out {
        return Err(RunError::StageConservation {
            index: *index + 1,
            kind,
            rows_in,
            rows_out,
            removed: report.removed_total(),
        });
    }
    state.redacted |= is_redact;
    let key_fingerprint = match stage {
        BuiltStage::Redact(r) => r.key_fingerprint(),
        _ => None,
    };
    state.stages.push(StageResult {
        index: *index,
        kind: kind.to_owned(),
        config_sha256: config_sha256.clone(),
        report,
        key_fingerprint,
    });
    Ok(steps)
}

/// One batch's stage output, its spans grouped by record and its removals tagged with the stage
/// on the worker thread that produced them, so the serial merge into the run's state only moves
/// them (converting spans there was 0.8 s of the redact phase's 5.7 s at 1M rows on 2 threads;
/// tagging removals there, with a stage name copied per row, 0.3 s of the dedup phase).
struct Absorbable {
    /// The output, its spans and removals taken out.
    output: StageOutput,
    /// The spans, per record (by where it was read), in output order.
    spans: Vec<(SourceRef, Vec<LineageSpan>)>,
    /// The removals, tagged with the stage that made them.
    removed: Vec<Removed>,
}

/// What every removal of one stage run is tagged with.
#[derive(Debug, Clone, Copy)]
struct RemovedBy {
    /// The stage kind.
    stage: &'static str,
    /// Whether the rows' content has been redacted by then.
    redacted: bool,
}

impl Absorbable {
    fn new(mut output: StageOutput, by: RemovedBy) -> Self {
        let removed = std::mem::take(&mut output.removed)
            .into_iter()
            .map(|removal| Removed {
                stage: Cow::Borrowed(by.stage),
                removal,
                redacted: by.redacted,
            })
            .collect();
        // Names are shared already (one kind per batch and kind), and each record's spans sit
        // in a vector of exactly their number: the run holds them all until the lineage table
        // is written.
        let taken = std::mem::take(&mut output.spans);
        let spans = taken
            .chunk_by(|a, b| a.source == b.source)
            .map(|group| {
                (
                    group[0].source,
                    group.iter().map(LineageSpan::from).collect(),
                )
            })
            .collect();
        Absorbable {
            output,
            spans,
            removed,
        }
    }
}

/// Why a stage pass stopped.
enum StageFailure {
    /// The stage failed.
    Core(CoreError),
    /// Spilled rows could not be read back.
    Spill(String),
}

impl From<CoreError> for StageFailure {
    fn from(e: CoreError) -> Self {
        StageFailure::Core(e)
    }
}

/// Batches handled per parallel step: enough to keep every thread busy, few enough that a
/// spilled store only has this many batches loaded at once.
fn chunk_size() -> usize {
    rayon::current_num_threads().max(1) * 2
}

fn run_stage(
    stage: &mut BuiltStage,
    input: BatchStore,
    bar: &ProgressBar,
    clusters: &mut ClusterMap,
    removed_by: RemovedBy,
    absorb: &mut dyn FnMut(Absorbable),
) -> Result<Vec<StepStats>, StageFailure> {
    match stage {
        BuiltStage::Dedup(global) => {
            // The first dedup stage defines the clusters that splits and lineage use.
            let defines_clusters = clusters.is_empty();
            let mut clock = run_global(global.as_mut(), input, bar, removed_by, absorb)?;
            // Each row's cluster names a record id (a copy per row): found per batch in
            // parallel, with the source each fate keeps (no copy of every row's source is held
            // through the tag pass and the decision: 24 bytes a row, 4M rows' peak about 130 MB
            // lower), then built into the map from rows already in source order.
            if defines_clusters {
                let global = &**global;
                let found: Vec<Vec<(SourceRef, ClusterInfo)>> = (0..global.decided_batches())
                    .into_par_iter()
                    .map(|b| global.batch_clusters(b))
                    .collect();
                *clusters = ClusterMap::from_runs(found);
            }
            global.release_decisions();
            if defines_clusters {
                clock.end("clusters");
            }
            Ok(clock.steps)
        }
        BuiltStage::Decontaminate(local) => {
            run_local(local.as_ref(), input, bar, removed_by, absorb).map(|()| Vec::new())
        }
        BuiltStage::Redact(global) => {
            run_global(global.as_mut(), input, bar, removed_by, absorb).map(|clock| clock.steps)
        }
        BuiltStage::Validate(global) => {
            run_global(global.as_mut(), input, bar, removed_by, absorb).map(|clock| clock.steps)
        }
        BuiltStage::Format(local) => {
            run_local(local.as_ref(), input, bar, removed_by, absorb).map(|()| Vec::new())
        }
    }
}

fn run_local(
    stage: &dyn RowStage,
    input: BatchStore,
    bar: &ProgressBar,
    removed_by: RemovedBy,
    absorb: &mut dyn FnMut(Absorbable),
) -> Result<(), StageFailure> {
    for chunk in input.into_chunks(chunk_size()) {
        let outputs = chunk
            .map_err(StageFailure::Spill)?
            .into_par_iter()
            .with_max_len(1)
            .map(|b| {
                let out = stage.process(b);
                bar.inc(1);
                out.map(|out| Absorbable::new(out, removed_by))
            })
            .collect::<Result<Vec<_>, _>>()?;
        outputs.into_iter().for_each(&mut *absorb);
    }
    Ok(())
}

/// Tag pass over the store (spilled batches read back a chunk at a time), one decision over the
/// attributes and row identities, then the apply pass consuming the store; a stage whose
/// configuration needs no decision gets the apply pass alone. Each batch is its own
/// parallel task in every pass (`with_max_len(1)`): rayon otherwise runs the last few shares of
/// a hundred batches whole on one thread, and a pass ended with one thread busy for up to
/// 0.3 s while the other waited (redact at 1M rows on two threads). Returns the clock with the
/// three passes' timings, for a caller to add its own steps.
fn run_global<G: GlobalStage>(
    stage: &mut G,
    mut input: BatchStore,
    bar: &ProgressBar,
    removed_by: RemovedBy,
    absorb: &mut dyn FnMut(Absorbable),
) -> Result<StepClock, StageFailure> {
    let mut clock = StepClock::start();
    let chunk = chunk_size();
    if stage.needs_decision() {
        tag_and_decide(stage, &mut input, chunk, &mut clock)?;
    }
    let stage = &*stage;
    let mut index = 0;
    for loaded in input.into_chunks(chunk) {
        let loaded = loaded.map_err(StageFailure::Spill)?;
        let first = index;
        index += loaded.len();
        let outputs = loaded
            .into_par_iter()
            .enumerate()
            .with_max_len(1)
            .map(|(i, b)| {
                let out = stage.apply(first + i, b);
                bar.inc(1);
                out.map(|out| Absorbable::new(out, removed_by))
            })
            .collect::<Result<Vec<_>, _>>()?;
        outputs.into_iter().for_each(&mut *absorb);
    }
    clock.end("apply");
    Ok(clock)
}

/// The tag pass over `input` and the decision, timed as the steps `tag` and `decide`.
fn tag_and_decide<G: GlobalStage>(
    stage: &mut G,
    input: &mut BatchStore,
    chunk: usize,
    clock: &mut StepClock,
) -> Result<(), StageFailure> {
    let mut attrs = Vec::with_capacity(input.batch_count());
    let mut held = 0;
    // Resident batches are tagged in one parallel pass (a barrier every 2×threads batches left
    // a thread idle for 5–10 % of dedup's tag pass); spilled ones a chunk at a time. The
    // attributes count against the memory budget as they grow, so tagged batches are spilled
    // to make room for them.
    for range in input.chunk_ranges(chunk) {
        let tagged_through = range.end;
        let batches = input.load_range(range).map_err(StageFailure::Spill)?;
        let tagged = batches
            .par_iter()
            .with_max_len(1)
            .map(|b| stage.tag(b))
            .collect::<Result<Vec<_>, _>>()?;
        drop(batches);
        let bytes: u64 = tagged.par_iter().map(|a| stage.attr_bytes(a)).sum();
        input.spill().hold_attributes(bytes);
        held += bytes;
        attrs.extend(tagged);
        input
            .make_room(tagged_through)
            .map_err(StageFailure::Spill)?;
    }
    clock.end("tag");
    // The decision sees the rows' identities only, never their columns (borrowed from the store,
    // not copied: 1.3 GB of record ids at 16M rows).
    let metas: Vec<&[sluice_core::RowMeta]> = input.metas().collect();
    let decided = stage.decide(&metas, attrs);
    drop(metas);
    if let Some(budget) = input.spill().release_attributes(held) {
        tracing::warn!(
            stage = stage.kind(),
            attributes_mb = held / 1_000_000,
            budget_mb = budget / 1_000_000,
            "the stage's per-record decision attributes exceeded the memory budget on their own; \
             they stayed in memory until it decided (its row data was spilled)"
        );
    }
    decided?;
    clock.end("decide");
    Ok(())
}

fn evaluate_gates(
    plan: &Plan,
    input: u64,
    kept: u64,
    duplicates: u64,
    quarantined: u64,
) -> Vec<GateResult> {
    let rate = |n: u64| {
        if input == 0 {
            0.0
        } else {
            n as f64 / input as f64
        }
    };
    let mut gates = Vec::new();
    if let Some(max) = plan.gates.max_quarantine_rate {
        let observed = rate(quarantined);
        gates.push(GateResult {
            name: "max_quarantine_rate".to_owned(),
            threshold: max,
            observed,
            passed: observed <= max,
        });
    }
    if let Some(max) = plan.gates.max_duplicate_rate {
        let observed = rate(duplicates);
        gates.push(GateResult {
            name: "max_duplicate_rate".to_owned(),
            threshold: max,
            observed,
            passed: observed <= max,
        });
    }
    if let Some(min) = plan.gates.min_rows {
        gates.push(GateResult {
            name: "min_rows".to_owned(),
            threshold: min as f64,
            observed: kept as f64,
            passed: kept >= min,
        });
    }
    gates
}

fn host_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| {
            fs_err::read_to_string("/etc/hostname")
                .ok()
                .map(|s| s.trim().to_owned())
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::cache_keys;
    use crate::plan::PlanOptions;

    #[test]
    fn fates_merge_kept_rows_and_removals_in_source_order_even_when_kept_rows_are_not() {
        let meta = |row: u64| sluice_core::RowMeta {
            id: RecordId::from_string(format!("f:{row}")),
            source: SourceRef {
                input: 0,
                row,
                line: row + 1,
            },
        };
        let removed: Vec<SourceRef> = [1, 4, 5].map(|row| meta(row).source).to_vec();
        let in_order = [vec![meta(0), meta(2)], vec![meta(3), meta(6)]];
        let batches: Vec<&[sluice_core::RowMeta]> = in_order.iter().map(Vec::as_slice).collect();
        let expected = vec![
            Fate::Kept(0, 0),
            Fate::Removed(0),
            Fate::Kept(0, 1),
            Fate::Kept(1, 0),
            Fate::Removed(1),
            Fate::Removed(2),
            Fate::Kept(1, 1),
        ];
        assert_eq!(
            fates_in_source_order(&batches, removed.len(), |r| removed[r]),
            expected
        );
        // Kept rows out of order are sorted by source before the merge.
        let shuffled = [vec![meta(3), meta(6)], vec![meta(0), meta(2)]];
        let batches: Vec<&[sluice_core::RowMeta]> = shuffled.iter().map(Vec::as_slice).collect();
        let fates = fates_in_source_order(&batches, removed.len(), |r| removed[r]);
        assert_eq!(fates[0], Fate::Kept(1, 0));
        assert_eq!(fates[6], Fate::Kept(0, 1));
        assert_eq!(fates.len(), 7);
        // Nothing kept, or nothing removed.
        assert_eq!(
            fates_in_source_order(&[], removed.len(), |r| removed[r]),
            vec![Fate::Removed(0), Fate::Removed(1), Fate::Removed(2)]
        );
        let batches: Vec<&[sluice_core::RowMeta]> = in_order.iter().map(Vec::as_slice).collect();
        assert_eq!(fates_in_source_order(&batches, 0, |r| removed[r]).len(), 4);
    }

    #[test]
    fn a_cluster_straddles_only_with_kept_rows_in_two_splits() {
        let mut pairs = vec![
            ("c1", "train"),
            ("c2", "train"),
            ("c1", "train"),
            ("c3", "validation"),
            ("c2", "validation"),
            ("c3", "validation"),
        ];
        assert_eq!(straddling_clusters(&mut pairs), 1);
        assert_eq!(
            straddling_clusters(&mut vec![("c1", "train"), ("c1", "train")]),
            0
        );
        assert_eq!(straddling_clusters(&mut Vec::new()), 0);
    }

    #[test]
    fn an_input_that_is_not_what_was_hashed_is_not_cached() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("a.jsonl");
        fs_err::write(&input, "{\"text\": \"one\"}\n{\"text\": \"two\"}\n").unwrap();
        let text = "[pipeline]\nname = \"p\"\n[[inputs]]\npath = \"a.jsonl\"\n[fields]\ntext = { type = \"string\" }\n";
        let plan = Plan::from_text("p.toml", text, dir.path(), &PlanOptions::default()).unwrap();
        let options = RunOptions {
            out_dir: dir.path().join("out"),
            threads: Some(1),
            progress: false,
            batch_rows: 10,
            cache_root: None,
            memory_budget: None,
            spill_dir: None,
        };
        let spill = Arc::new(Spill::default());
        let mut cache = StageCache::open(&dir.path().join("cache"), &options.out_dir).unwrap();
        let actual = file_sha256(&input).unwrap();
        for (hashed, stored) in [("0".repeat(64), false), (actual, true)] {
            let keys = cache_keys(&plan, std::slice::from_ref(&hashed), 10, "build");
            let (state, reused) =
                ingest_all(&plan, &options, 10, &spill, Some(&mut cache), Some(&keys)).unwrap();
            assert_eq!((state.batches.rows(), reused), (2, 0));
            assert_eq!(cache.contains(&keys.ingest[0]), stored, "digest {hashed}");
        }
    }
}
