//! The training set: rows split by key hash, written as Hugging Face style Parquet shards.

use crate::config::{OutputConfig, is_split_name};
use crate::error::ExportError;
use crate::output::OutputFile;
use crate::parquet_writer::write_parquet;
use crate::placement::split_indices;
use arrow::array::{ArrayRef, RecordBatch, StringArray, UInt64Array};
use arrow::compute::take_record_batch;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use sluice_core::Batch;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

/// Directory, relative to the output directory, holding the training shards.
pub const DATA_DIR: &str = "data";

/// Name of the first column of every training shard: the row's stable record id.
pub const RECORD_ID_COLUMN: &str = "record_id";

/// Writes the kept rows as `data/{split}-{i:05}-of-{k:05}.parquet` shards (the Hugging Face
/// layout) and returns one [`OutputFile`] per shard, splits in declared order.
///
/// `split_keys[b][i]` is the key that picks the split of row `i` of `batches[b]` (usually its
/// record id; a dedup cluster id keeps near-duplicates in one split). Columns are `record_id`
/// (non-null text) followed by the batch's data columns; rows keep input order within a split.
/// A split with `n` rows gets `max(1, ceil(n / rows_per_shard))` shards: a split that received
/// no rows still gets one empty shard with the full schema, so consumers find every declared
/// split. Shards left in `data/` by an earlier run that this run did not write are removed, so a
/// `data/train-*` glob never mixes runs.
///
/// The data columns come from the first batch; with no batches at all, shards only have
/// `record_id` (use [`write_training_set_with_schema`] to keep the columns).
pub fn write_training_set(
    out_dir: &Path,
    batches: &[Batch],
    split_keys: &[Vec<String>],
    config: &OutputConfig,
) -> Result<Vec<OutputFile>, ExportError> {
    let schema = batches
        .first()
        .map_or_else(|| Arc::new(Schema::empty()), |b| b.data.schema());
    write_training_set_with_schema(out_dir, &schema, batches, split_keys, config)
}

/// [`write_training_set`] with the data schema given, so that a run whose rows were all removed
/// still writes shards with every declared column. Every batch must have this schema.
pub fn write_training_set_with_schema(
    out_dir: &Path,
    data_schema: &SchemaRef,
    batches: &[Batch],
    split_keys: &[Vec<String>],
    config: &OutputConfig,
) -> Result<Vec<OutputFile>, ExportError> {
    config.validate()?;
    check_inputs(data_schema, batches, split_keys)?;
    let schema = shard_schema(data_schema);
    let mut per_split: Vec<Vec<RecordBatch>> = vec![Vec::new(); config.splits.len()];
    let indices = split_indices(split_keys, config);
    for (batch, targets) in batches.iter().zip(&indices) {
        let with_id = with_record_ids(&schema, batch)?;
        for (split, parts) in per_split.iter_mut().enumerate() {
            let rows: Vec<u64> = (0..targets.len() as u64)
                .filter(|&i| targets[i as usize] == split)
                .collect();
            if rows.len() == batch.len() {
                parts.push(with_id.clone());
            } else if !rows.is_empty() {
                parts.push(take_record_batch(&with_id, &UInt64Array::from(rows))?);
            }
        }
    }

    let mut outputs = Vec::new();
    for ((name, _), parts) in config.splits.iter().zip(&per_split) {
        outputs.extend(write_split(
            out_dir,
            name,
            &schema,
            parts,
            config.rows_per_shard,
        )?);
    }
    let written: BTreeSet<&str> = outputs.iter().map(|o| o.path.as_str()).collect();
    remove_stale_shards(out_dir, &written)?;
    Ok(outputs)
}

fn check_inputs(
    data_schema: &SchemaRef,
    batches: &[Batch],
    split_keys: &[Vec<String>],
) -> Result<(), ExportError> {
    if data_schema.field_with_name(RECORD_ID_COLUMN).is_ok() {
        return Err(ExportError::Input(format!(
            "the data already has a `{RECORD_ID_COLUMN}` column, which sluice reserves"
        )));
    }
    if batches.len() != split_keys.len() {
        return Err(ExportError::Input(format!(
            "{} batches but split keys for {}",
            batches.len(),
            split_keys.len()
        )));
    }
    for (index, (batch, keys)) in batches.iter().zip(split_keys).enumerate() {
        if batch.data.schema().fields() != data_schema.fields() {
            return Err(ExportError::Input(format!(
                "batch {index} has a different schema from the data schema"
            )));
        }
        if keys.len() != batch.len() {
            return Err(ExportError::Input(format!(
                "batch {index} has {} rows but {} split keys",
                batch.len(),
                keys.len()
            )));
        }
    }
    Ok(())
}

/// `record_id` then the data columns.
fn shard_schema(data_schema: &SchemaRef) -> SchemaRef {
    let mut fields = vec![Arc::new(Field::new(
        RECORD_ID_COLUMN,
        DataType::Utf8,
        false,
    ))];
    fields.extend(data_schema.fields().iter().cloned());
    Arc::new(Schema::new_with_metadata(
        fields,
        data_schema.metadata().clone(),
    ))
}

fn with_record_ids(schema: &SchemaRef, batch: &Batch) -> Result<RecordBatch, ExportError> {
    let ids: ArrayRef = Arc::new(StringArray::from_iter_values(
        batch.rows.iter().map(|r| r.id.as_str()),
    ));
    let mut columns = vec![ids];
    columns.extend(batch.data.columns().iter().cloned());
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

/// Writes one split's rows (`parts`, in order) as shards of at most `rows_per_shard` rows.
fn write_split(
    out_dir: &Path,
    split: &str,
    schema: &SchemaRef,
    parts: &[RecordBatch],
    rows_per_shard: usize,
) -> Result<Vec<OutputFile>, ExportError> {
    let total: usize = parts.iter().map(RecordBatch::num_rows).sum();
    let shard_count = total.div_ceil(rows_per_shard).max(1);
    let mut outputs = Vec::with_capacity(shard_count);
    let (mut part, mut offset) = (0, 0);
    for index in 0..shard_count {
        let mut wanted = rows_per_shard.min(total - index * rows_per_shard);
        let mut slices = Vec::new();
        while wanted > 0 {
            let Some(current) = parts.get(part) else {
                break;
            };
            let take = wanted.min(current.num_rows() - offset);
            slices.push(current.slice(offset, take));
            wanted -= take;
            offset += take;
            if offset == current.num_rows() {
                part += 1;
                offset = 0;
            }
        }
        let relative = shard_path(split, index, shard_count);
        let written = write_parquet(out_dir, &relative, schema, &slices)?;
        outputs.push(OutputFile {
            path: relative,
            role: split.to_owned(),
            rows: written.rows,
            bytes: written.bytes,
            sha256: written.sha256,
        });
    }
    Ok(outputs)
}

/// `data/{split}-{index:05}-of-{count:05}.parquet`.
pub fn shard_path(split: &str, index: usize, count: usize) -> String {
    format!("{DATA_DIR}/{split}-{index:05}-of-{count:05}.parquet")
}

/// True for file names of the shard pattern, e.g. `train-00000-of-00001.parquet`.
fn is_shard_file_name(name: &str) -> bool {
    let is_counter = |s: &str| s.len() >= 5 && s.bytes().all(|b| b.is_ascii_digit());
    let Some(stem) = name.strip_suffix(".parquet") else {
        return false;
    };
    let Some((head, count)) = stem.rsplit_once("-of-") else {
        return false;
    };
    let Some((split, index)) = head.rsplit_once('-') else {
        return false;
    };
    is_split_name(split) && is_counter(index) && is_counter(count)
}

/// Deletes shard-named files in `out_dir/data` that are not in `keep` (relative paths). Other
/// files in that directory are left alone.
fn remove_stale_shards(out_dir: &Path, keep: &BTreeSet<&str>) -> Result<(), ExportError> {
    let data_dir = out_dir.join(DATA_DIR);
    if !data_dir.is_dir() {
        return Ok(());
    }
    for entry in fs_err::read_dir(&data_dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let relative = format!("{DATA_DIR}/{name}");
        if is_shard_file_name(&name) && !keep.contains(relative.as_str()) && entry.path().is_file()
        {
            fs_err::remove_file(entry.path())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
