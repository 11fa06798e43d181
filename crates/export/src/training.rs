//! The training set: rows split by key hash, written as Hugging Face style Parquet shards.

use crate::config::{OutputConfig, is_split_name};
use crate::error::ExportError;
use crate::output::OutputFile;
use crate::parquet_writer::ParquetFileWriter;
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
    let indices = split_indices(split_keys, config);
    let mut totals = vec![0u64; config.splits.len()];
    for split in indices.iter().flatten() {
        totals[*split] += 1;
    }
    let mut writer = TrainingSetWriter::new(out_dir, data_schema, &totals, config)?;
    for (batch, splits) in batches.iter().zip(&indices) {
        writer.push(batch, splits)?;
    }
    writer.finish()
}

/// Writes the training set batch by batch, streaming each split's current shard into its file
/// (one row group of rows per split in memory at most): the shard layout (`-of-{k}`) needs each split's row count up front, which the caller knows
/// from the row identities alone. Given the same rows in the same order it writes the same bytes
/// as [`write_training_set_with_schema`].
pub struct TrainingSetWriter {
    out_dir: std::path::PathBuf,
    /// The data and shard schemas, and how batches are cut by split.
    cutter: SplitRows,
    rows_per_shard: usize,
    splits: Vec<SplitShards>,
}

/// One split's progress: the shard being written and the shards finished.
struct SplitShards {
    name: String,
    total: u64,
    received: u64,
    shard_count: usize,
    next_shard: usize,
    open: Option<ParquetFileWriter>,
    outputs: Vec<OutputFile>,
}

/// Cuts a batch into the rows of each split, with their record ids: the copying half of
/// [`TrainingSetWriter::push`], which needs no file and so runs on many batches at once.
#[derive(Debug, Clone)]
pub struct SplitRows {
    data_schema: SchemaRef,
    schema: SchemaRef,
    splits: usize,
}

/// A batch's rows by split (split index, rows with record ids), made by [`SplitRows::cut`].
#[derive(Debug)]
pub struct SplitParts(Vec<(usize, RecordBatch)>);

impl SplitRows {
    /// The rows of `batch` by split, row `i` going to split `splits[i]`, in batch order.
    pub fn cut(&self, batch: &Batch, splits: &[usize]) -> Result<SplitParts, ExportError> {
        if batch.data.schema().fields() != self.data_schema.fields() {
            return Err(ExportError::Input(
                "a batch has a different schema from the data schema".to_owned(),
            ));
        }
        if splits.len() != batch.len() {
            return Err(ExportError::Input(format!(
                "a batch has {} rows but {} split assignments",
                batch.len(),
                splits.len()
            )));
        }
        let with_id = with_record_ids(&self.schema, batch)?;
        let mut parts = Vec::new();
        for index in 0..self.splits {
            let rows: Vec<u64> = (0..splits.len() as u64)
                .filter(|&i| splits[i as usize] == index)
                .collect();
            if rows.is_empty() {
                continue;
            }
            let part = if rows.len() == batch.len() {
                with_id.clone()
            } else {
                take_record_batch(&with_id, &UInt64Array::from(rows))?
            };
            parts.push((index, part));
        }
        Ok(SplitParts(parts))
    }
}

impl TrainingSetWriter {
    /// Starts a training set in `out_dir` whose split `i` (in `config.splits` order) will receive
    /// exactly `split_totals[i]` rows of `data_schema`.
    pub fn new(
        out_dir: &Path,
        data_schema: &SchemaRef,
        split_totals: &[u64],
        config: &OutputConfig,
    ) -> Result<Self, ExportError> {
        config.validate()?;
        if data_schema.field_with_name(RECORD_ID_COLUMN).is_ok() {
            return Err(ExportError::Input(format!(
                "the data already has a `{RECORD_ID_COLUMN}` column, which sluice reserves"
            )));
        }
        if split_totals.len() != config.splits.len() {
            return Err(ExportError::Input(format!(
                "{} split totals for {} splits",
                split_totals.len(),
                config.splits.len()
            )));
        }
        let rows_per_shard = config.rows_per_shard.max(1);
        let splits: Vec<SplitShards> = config
            .splits
            .iter()
            .zip(split_totals)
            .map(|((name, _), &total)| SplitShards {
                name: name.clone(),
                total,
                received: 0,
                shard_count: (total as usize).div_ceil(rows_per_shard).max(1),
                next_shard: 0,
                open: None,
                outputs: Vec::new(),
            })
            .collect();
        Ok(TrainingSetWriter {
            out_dir: out_dir.to_path_buf(),
            cutter: SplitRows {
                data_schema: data_schema.clone(),
                schema: shard_schema(data_schema),
                splits: splits.len(),
            },
            rows_per_shard,
            splits,
        })
    }

    /// Adds `batch`, whose row `i` goes to split `splits[i]` (an index into `config.splits`).
    /// Shards are written as soon as they are full.
    pub fn push(&mut self, batch: &Batch, splits: &[usize]) -> Result<(), ExportError> {
        let parts = self.cutter.cut(batch, splits)?;
        self.push_parts(parts)
    }

    /// What cuts batches into split parts for [`push_parts`](Self::push_parts), apart from the
    /// open files, so several batches can be cut at once.
    pub fn split_rows(&self) -> SplitRows {
        self.cutter.clone()
    }

    /// Adds a batch cut by [`SplitRows::cut`]; batches must come in the order [`push`](Self::push)
    /// would take them.
    pub fn push_parts(&mut self, parts: SplitParts) -> Result<(), ExportError> {
        for (index, part) in parts.0 {
            let split = self.splits.get_mut(index).ok_or_else(|| {
                ExportError::Input(format!(
                    "a batch part names split {index}, which is not declared"
                ))
            })?;
            split.received += part.num_rows() as u64;
            if split.received > split.total {
                return Err(ExportError::Input(format!(
                    "split {} received more rows than the {} announced",
                    split.name, split.total
                )));
            }
            let mut offset = 0;
            while offset < part.num_rows() {
                let shard = split.open_shard(&self.out_dir, &self.cutter.schema)?;
                let room = self.rows_per_shard - shard.rows() as usize;
                let take = room.min(part.num_rows() - offset);
                shard.push(&part.slice(offset, take))?;
                offset += take;
                if take == room {
                    split.close_shard()?;
                }
            }
        }
        Ok(())
    }

    /// Writes what is left (an empty shard for a split that received nothing), removes shards
    /// of earlier runs that this one did not write, and returns every shard, splits in declared
    /// order.
    pub fn finish(mut self) -> Result<Vec<OutputFile>, ExportError> {
        let mut outputs = Vec::new();
        for split in &mut self.splits {
            if split.received != split.total {
                return Err(ExportError::Input(format!(
                    "split {} received {} rows, {} announced",
                    split.name, split.received, split.total
                )));
            }
            if split.open.is_some() {
                split.close_shard()?;
            }
            while split.next_shard < split.shard_count {
                split.open_shard(&self.out_dir, &self.cutter.schema)?;
                split.close_shard()?;
            }
            outputs.append(&mut split.outputs);
        }
        let written: BTreeSet<&str> = outputs.iter().map(|o| o.path.as_str()).collect();
        remove_stale_shards(&self.out_dir, &written)?;
        Ok(outputs)
    }
}

impl SplitShards {
    /// The shard being written, started when there is none.
    fn open_shard(
        &mut self,
        out_dir: &Path,
        schema: &SchemaRef,
    ) -> Result<&mut ParquetFileWriter, ExportError> {
        let shard = match self.open.take() {
            Some(shard) => shard,
            None => {
                let relative = shard_path(&self.name, self.next_shard, self.shard_count);
                ParquetFileWriter::create(out_dir, &relative, schema)?
            }
        };
        Ok(self.open.insert(shard))
    }

    /// Commits the shard being written.
    fn close_shard(&mut self) -> Result<(), ExportError> {
        let Some(shard) = self.open.take() else {
            return Ok(());
        };
        let relative = shard.relative().to_owned();
        self.next_shard += 1;
        self.outputs
            .push(shard.finish()?.described(&relative, &self.name));
        Ok(())
    }
}

fn check_inputs<K>(
    data_schema: &SchemaRef,
    batches: &[Batch],
    split_keys: &[Vec<K>],
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
