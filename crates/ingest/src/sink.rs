//! Collecting a text input's records: kept rows into Arrow batches, bad ones into removals.

use crate::cell::Cell;
use crate::error::IngestError;
use crate::identity::RowIdentity;
use crate::problem::Problem;
use arrow::datatypes::SchemaRef;
use sluice_core::{Batch, FieldSpec, Removal, RowMeta, TargetSchema};
use std::path::Path;

/// Takes each batch of kept rows as soon as it is assembled, in file order, instead of
/// collecting them (so a caller can spill them and hold a whole input in bounded memory).
pub type BatchHandler = Box<dyn FnMut(Batch) -> Result<(), String> + Send>;

/// What reading one input produced, in file order.
#[derive(Default)]
pub(crate) struct Collected {
    pub batches: Vec<Batch>,
    pub rejects: Vec<Removal>,
    pub records: u64,
    pub blank_lines: u64,
    /// Where batches go instead of `batches`, when set.
    pub emit: Option<BatchHandler>,
}

impl Collected {
    /// Collected rows handed to `emit` when given.
    pub(crate) fn with_emit(emit: Option<BatchHandler>) -> Self {
        Collected {
            emit,
            ..Collected::default()
        }
    }

    /// Hands `batch` to the handler, or keeps it.
    pub(crate) fn push_batch(&mut self, batch: Batch, path: &Path) -> Result<(), IngestError> {
        match self.emit.as_mut() {
            Some(emit) => emit(batch).map_err(|message| IngestError::BatchSink {
                path: path.to_path_buf(),
                message,
            }),
            None => {
                self.batches.push(batch);
                Ok(())
            }
        }
    }
}

/// Accepts records in file order, numbering them; kept rows are buffered as coerced cells and
/// turned into a batch every `batch_rows` rows.
pub(crate) struct RecordSink<'a> {
    ids: &'a RowIdentity,
    path: &'a Path,
    batch_rows: usize,
    schema: SchemaRef,
    fields: Vec<FieldSpec>,
    pending: Vec<Vec<Cell>>,
    pending_rows: Vec<RowMeta>,
    out: Collected,
}

impl<'a> RecordSink<'a> {
    pub(crate) fn new(
        ids: &'a RowIdentity,
        path: &'a Path,
        schema: &TargetSchema,
        batch_rows: usize,
        emit: Option<BatchHandler>,
    ) -> Self {
        let batch_rows = batch_rows.max(1);
        RecordSink {
            ids,
            path,
            batch_rows,
            schema: schema.arrow_schema(),
            fields: schema.fields.clone(),
            pending: Vec::with_capacity(batch_rows),
            pending_rows: Vec::with_capacity(batch_rows),
            out: Collected::with_emit(emit),
        }
    }

    fn next_row(&mut self) -> u64 {
        let row = self.out.records;
        self.out.records += 1;
        row
    }

    /// Keeps the next record, already mapped to the schema (one cell per field, in order).
    pub(crate) fn keep(&mut self, line: u64, row: Vec<Cell>) -> Result<(), IngestError> {
        let index = self.next_row();
        self.pending.push(row);
        self.pending_rows.push(self.ids.meta(index, line));
        if self.pending.len() >= self.batch_rows {
            self.flush()?;
        }
        Ok(())
    }

    /// Quarantines the next record, with its raw text as content.
    pub(crate) fn reject(&mut self, line: u64, problem: Problem, raw: &str) {
        let index = self.next_row();
        self.out
            .rejects
            .push(self.ids.removal(index, line, problem, Some(raw)));
    }

    /// Counts a blank line (not a record).
    pub(crate) fn blank_lines(&mut self, count: u64) {
        self.out.blank_lines += count;
    }

    fn flush(&mut self) -> Result<(), IngestError> {
        let (Some(first), Some(last)) = (self.pending_rows.first(), self.pending_rows.last())
        else {
            return Ok(());
        };
        let failed = IngestError::BatchAssembly {
            path: self.path.to_path_buf(),
            first_row: first.source.row,
            last_row: last.source.row,
        };
        let Ok(data) = crate::columns::rows_to_batch(&self.schema, &self.fields, &self.pending)
        else {
            return Err(failed);
        };
        self.pending.clear();
        let rows = std::mem::take(&mut self.pending_rows);
        let batch = Batch::new(data, rows).map_err(|_| failed)?;
        self.out.push_batch(batch, self.path)
    }

    /// Flushes the last partial batch and hands over everything collected.
    pub(crate) fn finish(mut self) -> Result<Collected, IngestError> {
        self.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::AsArray;
    use arrow::datatypes::Int64Type;
    use sluice_core::{FieldSpec, FieldType, ReasonCode};

    fn schema() -> TargetSchema {
        TargetSchema {
            fields: vec![
                FieldSpec {
                    name: "n".into(),
                    source: "n".into(),
                    ty: FieldType::Int64,
                    required: true,
                },
                FieldSpec {
                    name: "messages".into(),
                    source: "messages".into(),
                    ty: FieldType::messages(),
                    required: false,
                },
            ],
        }
    }

    fn row(n: i64) -> Vec<Cell> {
        let turn = Cell::Struct(vec![Cell::Str("user".into()), Cell::Str("hi".into())]);
        vec![Cell::Int(n), Cell::List(vec![turn])]
    }

    #[test]
    fn numbers_rows_across_kept_and_rejected_and_splits_batches() {
        let ids = RowIdentity::new("f".repeat(64), 0);
        let schema = schema();
        let mut sink = RecordSink::new(&ids, Path::new("x.jsonl"), &schema, 2, None);
        sink.keep(1, row(10)).unwrap();
        sink.reject(2, Problem::not_an_object("array"), "[1]");
        sink.keep(3, row(30)).unwrap();
        sink.blank_lines(1);
        sink.keep(5, row(50)).unwrap();
        let out = sink.finish().unwrap();
        assert_eq!(out.records, 4);
        assert_eq!(out.blank_lines, 1);
        assert_eq!(
            out.batches.iter().map(Batch::len).collect::<Vec<_>>(),
            vec![2, 1]
        );
        let rows: Vec<u64> = out
            .batches
            .iter()
            .flat_map(|b| b.rows.iter().map(|r| r.source.row))
            .collect();
        assert_eq!(rows, vec![0, 2, 3]);
        assert_eq!(out.batches[1].rows[0].source.line, 5);
        let ns = out.batches[0].data.column(0).as_primitive::<Int64Type>();
        assert_eq!(ns.values().to_vec(), vec![10, 30]);
        assert_eq!(out.rejects[0].row.source.row, 1);
        assert_eq!(out.rejects[0].reason, ReasonCode::PARSE_NOT_AN_OBJECT);
        assert_eq!(out.batches[0].data.schema(), schema.arrow_schema());
    }

    #[test]
    fn no_rows_means_no_batches() {
        let ids = RowIdentity::new("f".repeat(64), 0);
        let sink = RecordSink::new(&ids, Path::new("x.jsonl"), &schema(), 0, None);
        let out = sink.finish().unwrap();
        assert!(out.batches.is_empty());
        assert_eq!(out.records, 0);
    }
}
