//! Exports for the fine-tuning targets a format stage names: one JSONL file per API target and
//! split (`targets/<target>/<split>.jsonl`), LLaMA-Factory's `dataset_info.json`, and the Hugging
//! Face dataset card (`README.md` with `configs`) that every run writes beside its Parquet shards.
//!
//! The JSONL rows are the training set's rows, in the same split and order as the shards, so the
//! lineage table's placements describe them too.

use crate::plan::Plan;
use crate::registry::BuiltStage;
use arrow::array::UInt32Array;
use arrow::compute::take_record_batch;
use sluice_core::Batch;
use sluice_export::{ExportError, OutputFile, SideFileWriter};
use sluice_finetune::{FormatError, Target};
use std::collections::BTreeMap;
use std::path::Path;
use thiserror::Error;

/// A target export that could not be written.
#[derive(Debug, Error)]
pub enum TargetExportError {
    /// Rendering rows for a target failed.
    #[error("export for target {target}: {source}")]
    Render {
        /// The target.
        target: &'static str,
        /// Cause (names columns and shapes, never values).
        source: FormatError,
    },
    /// Selecting a split's rows failed.
    #[error("export for target {target}: {source}")]
    Arrow {
        /// The target.
        target: &'static str,
        /// Cause.
        source: arrow::error::ArrowError,
    },
    /// Writing a file failed.
    #[error(transparent)]
    Export(#[from] ExportError),
}

/// The JSONL exports of the last format stage's targets, written as the training set streams
/// past: one file per API target and split (created when the split gets its first row), plus
/// LLaMA-Factory's `dataset_info.json`. Rows arrive in training-set order, so each file lists its
/// split's rows in shard order.
pub struct TargetWriters<'p> {
    out_dir: std::path::PathBuf,
    plan: &'p Plan,
    format: Option<&'p sluice_finetune::FormatStage>,
    /// Open files by (position among the targets, split name), with their line counts.
    files: BTreeMap<(usize, String), (SideFileWriter, u64)>,
}

impl<'p> TargetWriters<'p> {
    /// Exports for `plan` into `out_dir` (nothing when the pipeline has no format stage).
    pub fn new(out_dir: &Path, plan: &'p Plan) -> Self {
        let format = plan.stages.iter().rev().find_map(|s| match &s.stage {
            BuiltStage::Format(f) => Some(f.as_ref()),
            _ => None,
        });
        TargetWriters {
            out_dir: out_dir.to_path_buf(),
            plan,
            format,
            files: BTreeMap::new(),
        }
    }

    fn jsonl_targets(&self) -> Vec<Target> {
        self.format
            .map(|f| {
                f.targets()
                    .iter()
                    .copied()
                    .filter(|t| t.wants_jsonl())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Renders `batch`, whose row `i` goes to split `splits[i]` (an index into the output's
    /// splits), onto each target's file for that split.
    pub fn push(&mut self, batch: &Batch, splits: &[usize]) -> Result<(), TargetExportError> {
        let targets = self.jsonl_targets();
        if targets.is_empty() {
            return Ok(());
        }
        let mut rows_by_split: BTreeMap<usize, Vec<u32>> = BTreeMap::new();
        for (row, split) in splits.iter().enumerate() {
            rows_by_split.entry(*split).or_default().push(row as u32);
        }
        for (position, target) in targets.into_iter().enumerate() {
            let name = target.as_str();
            for (split, rows) in &rows_by_split {
                let Some((split_name, _)) = self.plan.output.splits.get(*split) else {
                    continue;
                };
                let selected = take_record_batch(&batch.data, &UInt32Array::from(rows.clone()))
                    .map_err(|source| TargetExportError::Arrow {
                        target: name,
                        source,
                    })?;
                let mut bytes = Vec::new();
                let lines = sluice_finetune::render_jsonl(target, &selected, &mut bytes).map_err(
                    |source| TargetExportError::Render {
                        target: name,
                        source,
                    },
                )?;
                let key = (position, split_name.clone());
                if !self.files.contains_key(&key) {
                    let file = SideFileWriter::create(
                        &self.out_dir,
                        &format!("targets/{name}/{split_name}.jsonl"),
                    )?;
                    self.files.insert(key.clone(), (file, 0));
                }
                if let Some((file, count)) = self.files.get_mut(&key) {
                    file.write(&bytes)?;
                    *count += lines;
                }
            }
        }
        Ok(())
    }

    /// Commits every file, writes `dataset_info.json` for LLaMA-Factory, and describes them:
    /// targets in declared order, splits by name within a target. Files an earlier run left in
    /// `targets/` that this run did not write are removed, so the directory never mixes runs.
    pub fn finish(self) -> Result<Vec<OutputFile>, TargetExportError> {
        let out_dir = self.out_dir.clone();
        let outputs = self.write_all()?;
        remove_stale_target_files(&out_dir, &outputs)?;
        Ok(outputs)
    }

    fn write_all(mut self) -> Result<Vec<OutputFile>, TargetExportError> {
        let mut outputs = Vec::new();
        let Some(format) = self.format else {
            return Ok(outputs);
        };
        for (position, target) in self.jsonl_targets().into_iter().enumerate() {
            let name = target.as_str();
            let keys: Vec<(usize, String)> = self
                .files
                .keys()
                .filter(|(p, _)| *p == position)
                .cloned()
                .collect();
            let mut files = Vec::new();
            for key in keys {
                if let Some((file, rows)) = self.files.remove(&key) {
                    outputs.push(file.finish(&format!("export.{name}"), rows)?);
                    files.push(format!("{}.jsonl", key.1));
                }
            }
            if target == Target::LlamaFactory {
                let info = sluice_finetune::llamafactory_dataset_info(
                    &self.plan.name,
                    format.shape(),
                    &files,
                );
                let mut bytes = serde_json::to_vec_pretty(&info).unwrap_or_default();
                bytes.push(b'\n');
                outputs.push(sluice_export::write_side_file(
                    &self.out_dir,
                    &format!("targets/{name}/dataset_info.json"),
                    "export.llamafactory.dataset_info",
                    files.len() as u64,
                    &bytes,
                )?);
            }
        }
        Ok(outputs)
    }
}

/// Deletes files under `out_dir/targets/` that are not among `written` (and directories left
/// empty), e.g. the JSONL of a target or split a previous run had and this one does not.
fn remove_stale_target_files(out_dir: &Path, written: &[OutputFile]) -> Result<(), ExportError> {
    let root = out_dir.join(TARGETS_DIR);
    if !root.is_dir() {
        return Ok(());
    }
    let keep: std::collections::BTreeSet<&str> = written.iter().map(|o| o.path.as_str()).collect();
    let mut dirs = vec![root.clone()];
    let mut visited = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in fs_err::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let relative = path
                .strip_prefix(out_dir)
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            // Hidden temp files belong to the atomic writer, which cleans them up itself.
            let hidden = path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
            if !hidden && !keep.contains(relative.as_str()) {
                fs_err::remove_file(&path)?;
            }
        }
        visited.push(dir);
    }
    // Deepest first; a directory that still holds files stays.
    for dir in visited.iter().rev() {
        if fs_err::read_dir(dir)?.next().is_none() {
            fs_err::remove_dir(dir)?;
        }
    }
    Ok(())
}

/// Directory, relative to the output directory, holding the target exports.
const TARGETS_DIR: &str = "targets";

/// Writes `README.md`: a Hugging Face dataset card whose `configs` list the Parquet shards of each
/// split, so `datasets.load_dataset(<out dir>)` loads the splits without inference.
pub fn write_dataset_card(
    out_dir: &Path,
    plan: &Plan,
    training: &[OutputFile],
) -> Result<OutputFile, TargetExportError> {
    let mut splits: BTreeMap<&str, (Vec<String>, u64)> = BTreeMap::new();
    for file in training.iter().filter(|f| f.path.starts_with("data/")) {
        let entry = splits.entry(file.role.as_str()).or_default();
        entry.0.push(file.path.clone());
        entry.1 += file.rows;
    }
    let splits: Vec<(String, Vec<String>, u64)> = splits
        .into_iter()
        .map(|(split, (files, rows))| (split.to_owned(), files, rows))
        .collect();
    let card = sluice_finetune::hf_dataset_card_for_schema(
        &plan.name,
        plan.description.as_deref().unwrap_or(""),
        &plan.output_schema,
        &splits,
    );
    Ok(sluice_export::write_side_file(
        out_dir,
        "README.md",
        "dataset_card",
        splits.len() as u64,
        card.as_bytes(),
    )?)
}
