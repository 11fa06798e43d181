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
use sluice_export::{ExportError, OutputFile};
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

/// Row indices per split, per batch: `split → [(batch, rows)]`, splits in name order.
type SplitRows = BTreeMap<String, Vec<(usize, Vec<u32>)>>;

fn rows_by_split(plan: &Plan, batches: &[Batch], split_keys: &[Vec<String>]) -> SplitRows {
    let mut by_split = SplitRows::new();
    for (b, places) in sluice_export::placements(split_keys, &plan.output)
        .iter()
        .enumerate()
        .take(batches.len())
    {
        let mut per_split: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
        for (row, place) in places.iter().enumerate() {
            per_split
                .entry(place.split.as_str())
                .or_default()
                .push(row as u32);
        }
        for (split, rows) in per_split {
            by_split
                .entry(split.to_owned())
                .or_default()
                .push((b, rows));
        }
    }
    by_split
}

/// Writes the JSONL exports and `dataset_info.json` for the last format stage's targets (none
/// when the pipeline has no format stage).
pub fn write_target_exports(
    out_dir: &Path,
    plan: &Plan,
    batches: &[Batch],
    split_keys: &[Vec<String>],
) -> Result<Vec<OutputFile>, TargetExportError> {
    let Some(format) = plan.stages.iter().rev().find_map(|s| match &s.stage {
        BuiltStage::Format(f) => Some(f.as_ref()),
        _ => None,
    }) else {
        return Ok(Vec::new());
    };
    let by_split = rows_by_split(plan, batches, split_keys);
    let mut outputs = Vec::new();
    for target in format.targets() {
        if !target.wants_jsonl() {
            continue;
        }
        let name = target.as_str();
        let mut files = Vec::new();
        for (split, parts) in &by_split {
            let mut bytes = Vec::new();
            let mut rows = 0u64;
            for (b, indices) in parts {
                let Some(batch) = batches.get(*b) else {
                    continue;
                };
                let selected = take_record_batch(&batch.data, &UInt32Array::from(indices.clone()))
                    .map_err(|source| TargetExportError::Arrow {
                        target: name,
                        source,
                    })?;
                rows += sluice_finetune::render_jsonl(target, &selected, &mut bytes).map_err(
                    |source| TargetExportError::Render {
                        target: name,
                        source,
                    },
                )?;
            }
            let file = format!("{split}.jsonl");
            outputs.push(sluice_export::write_side_file(
                out_dir,
                &format!("targets/{name}/{file}"),
                &format!("export.{name}"),
                rows,
                &bytes,
            )?);
            files.push(file);
        }
        if target == Target::LlamaFactory {
            let info =
                sluice_finetune::llamafactory_dataset_info(&plan.name, format.shape(), &files);
            let mut bytes = serde_json::to_vec_pretty(&info).unwrap_or_default();
            bytes.push(b'\n');
            outputs.push(sluice_export::write_side_file(
                out_dir,
                &format!("targets/{name}/dataset_info.json"),
                "export.llamafactory.dataset_info",
                files.len() as u64,
                &bytes,
            )?);
        }
    }
    Ok(outputs)
}

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
