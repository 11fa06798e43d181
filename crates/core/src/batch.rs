//! A batch of records: Arrow columns of the user's fields plus per-row identity.

use crate::error::CoreError;
use crate::record::{RecordId, SourceRef};
use arrow::array::{BooleanArray, RecordBatch};
use arrow::compute::filter_record_batch;
use arrow::datatypes::SchemaRef;

/// Identity and origin of one row of a [`Batch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowMeta {
    /// Stable id, from the input file digest and row index.
    pub id: RecordId,
    /// Where the row was read.
    pub source: SourceRef,
}

/// Rows moving through the pipeline: `data` holds the mapped fields in schema order, `rows[i]`
/// identifies row `i` of `data`. Both always have the same length.
#[derive(Debug, Clone)]
pub struct Batch {
    /// The mapped fields.
    pub data: RecordBatch,
    /// One entry per row of `data`.
    pub rows: Vec<RowMeta>,
}

impl Batch {
    /// Pairs columns with row identities; fails if their lengths differ.
    pub fn new(data: RecordBatch, rows: Vec<RowMeta>) -> Result<Self, CoreError> {
        if data.num_rows() != rows.len() {
            return Err(CoreError::Arrow(
                arrow::error::ArrowError::InvalidArgumentError(format!(
                    "batch has {} rows of data but {} row identities",
                    data.num_rows(),
                    rows.len()
                )),
            ));
        }
        Ok(Batch { data, rows })
    }

    /// An empty batch of `schema`.
    pub fn empty(schema: SchemaRef) -> Self {
        Batch {
            data: RecordBatch::new_empty(schema),
            rows: Vec::new(),
        }
    }

    /// The row identities of each of `batches`, as a global stage's decision takes them.
    pub fn identities(batches: &[Batch]) -> Vec<&[RowMeta]> {
        batches.iter().map(|b| b.rows.as_slice()).collect()
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when the batch has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Splits the batch by `keep`: rows where `keep[i]` is true go to the first batch, the rest to
    /// the second, both in their original order.
    pub fn partition(self, keep: &[bool]) -> Result<(Batch, Batch), CoreError> {
        if keep.len() != self.len() {
            return Err(CoreError::Arrow(
                arrow::error::ArrowError::InvalidArgumentError(format!(
                    "mask of {} for a batch of {}",
                    keep.len(),
                    self.len()
                )),
            ));
        }
        if keep.iter().all(|k| *k) {
            let schema = self.data.schema();
            return Ok((self, Batch::empty(schema)));
        }
        let keep_mask = BooleanArray::from(keep.to_vec());
        let drop_mask = BooleanArray::from(keep.iter().map(|k| !k).collect::<Vec<_>>());
        let kept_data = filter_record_batch(&self.data, &keep_mask)?;
        let dropped_data = filter_record_batch(&self.data, &drop_mask)?;
        let (mut kept_rows, mut dropped_rows) = (Vec::new(), Vec::new());
        for (meta, k) in self.rows.into_iter().zip(keep) {
            if *k {
                kept_rows.push(meta);
            } else {
                dropped_rows.push(meta);
            }
        }
        Ok((
            Batch::new(kept_data, kept_rows)?,
            Batch::new(dropped_data, dropped_rows)?,
        ))
    }

    /// Each row rendered as one compact JSON object (null fields omitted), in row order. Used for
    /// quarantine content, which is always produced after redaction has run over it.
    pub fn rows_as_json(&self) -> Result<Vec<String>, CoreError> {
        rows_as_json(&self.data)
    }
}

/// Each row of `data` as one compact JSON object (null fields omitted), in row order.
pub fn rows_as_json(data: &RecordBatch) -> Result<Vec<String>, CoreError> {
    let mut buf = Vec::new();
    {
        let mut writer = arrow::json::LineDelimitedWriter::new(&mut buf);
        writer.write(data)?;
        writer.finish()?;
    }
    let text = String::from_utf8(buf)
        .map_err(|e| CoreError::Arrow(arrow::error::ArrowError::ExternalError(Box::new(e))))?;
    let mut out: Vec<String> = text.lines().map(str::to_owned).collect();
    // The writer emits `{}` for an all-null row, so the count always matches; guard anyway.
    out.resize(data.num_rows(), "{}".to_owned());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{ArrayRef, StringArray};
    use std::sync::Arc;

    fn sample() -> Batch {
        let col: ArrayRef = Arc::new(StringArray::from(vec![Some("a"), None, Some("c")]));
        let data = RecordBatch::try_from_iter([("text", col)]).unwrap();
        let rows = (0..3)
            .map(|i| RowMeta {
                id: RecordId::new("feed", i),
                source: SourceRef {
                    input: 0,
                    row: i,
                    line: i + 1,
                },
            })
            .collect();
        Batch::new(data, rows).unwrap()
    }

    #[test]
    fn partition_keeps_order_and_identity() {
        let (kept, dropped) = sample().partition(&[true, false, true]).unwrap();
        assert_eq!(kept.len(), 2);
        assert_eq!(kept.rows[1].id.as_str(), "feed:2");
        assert_eq!(dropped.rows[0].id.as_str(), "feed:1");
        assert_eq!(kept.data.num_rows(), 2);
    }

    #[test]
    fn json_rows_skip_nulls() {
        let rows = sample().rows_as_json().unwrap();
        assert_eq!(rows, vec![r#"{"text":"a"}"#, "{}", r#"{"text":"c"}"#]);
    }

    #[test]
    fn mismatched_lengths_are_rejected() {
        let b = sample();
        assert!(Batch::new(b.data, vec![]).is_err());
    }
}
