//! Collecting a text input's records: kept rows into Arrow batches, bad ones into removals.

use crate::cell::Cell;
use crate::error::IngestError;
use crate::identity::{RowIdentity, quarantine_content};
use crate::problem::Problem;
use arrow::datatypes::SchemaRef;
use rayon::prelude::*;
use sluice_core::{Batch, FieldSpec, Removal, TargetSchema};
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

/// Where a reader puts each record of a text input, in file order.
pub(crate) trait RecordOut {
    /// Keeps the next record, already mapped to the schema (one cell per field, in order).
    fn keep(&mut self, line: u64, row: Vec<Cell>) -> Result<(), IngestError>;
    /// Quarantines the next record, with its raw text as content.
    fn reject(&mut self, line: u64, problem: Problem, raw: &str);
    /// Counts blank lines (not records).
    fn blank_lines(&mut self, count: u64);
}

/// Kept rows of one batch, not yet assembled: their cells and `(record index, line)` each.
type PendingBatch = (Vec<Vec<Cell>>, Vec<(u64, u64)>);

/// Accepts records in file order, numbering them; kept rows are buffered as coerced cells and
/// turned into a batch every `batch_rows` rows, at once or (when deferred) by
/// [`RecordSink::assemble_full`] on every thread.
pub(crate) struct RecordSink<'a> {
    ids: &'a RowIdentity,
    path: &'a Path,
    batch_rows: usize,
    schema: SchemaRef,
    fields: Vec<FieldSpec>,
    pending: PendingBatch,
    /// Full batches waiting for [`RecordSink::assemble_full`] (deferred assembly only).
    full: Vec<PendingBatch>,
    /// Rejected records met before the file's digest was known: `(record index, line, problem,
    /// raw text)`, named in order once it is.
    unnamed_rejects: Vec<(u64, u64, Problem, String)>,
    deferred: bool,
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
            pending: (
                Vec::with_capacity(batch_rows),
                Vec::with_capacity(batch_rows),
            ),
            full: Vec::new(),
            unnamed_rejects: Vec::new(),
            deferred: false,
            out: Collected::with_emit(emit),
        }
    }

    /// Full batches wait for [`RecordSink::assemble_full`] instead of being assembled as they
    /// fill, so a reader can assemble several at a time in parallel.
    pub(crate) fn defer_assembly(&mut self) {
        self.deferred = true;
    }

    fn next_row(&mut self) -> u64 {
        let row = self.out.records;
        self.out.records += 1;
        row
    }

    /// Takes in a piece's records (parsed apart, lines counted from the piece's start), the
    /// piece starting after line `lines_before`.
    pub(crate) fn absorb(
        &mut self,
        piece: PieceRecords,
        lines_before: u64,
    ) -> Result<(), IngestError> {
        for record in piece.records {
            match record {
                PieceRecord::Kept(line, row) => self.keep(lines_before + line, row)?,
                PieceRecord::Rejected(line, problem, raw) => {
                    self.reject(lines_before + line, problem, &raw);
                }
            }
        }
        self.blank_lines(piece.blank_lines);
        Ok(())
    }

    /// Assembles the full batches waiting (on every thread) and hands them over in order, once
    /// the file's digest that names their rows is known; until then they keep waiting.
    pub(crate) fn assemble_full(&mut self) -> Result<(), IngestError> {
        if !self.ids.is_settled() {
            return Ok(());
        }
        for (index, line, problem, raw) in std::mem::take(&mut self.unnamed_rejects) {
            self.out
                .rejects
                .push(self.ids.removal(index, line, problem, Some(&raw)));
        }
        let full = std::mem::take(&mut self.full);
        let layout = self.layout();
        let assembled: Vec<Result<Batch, IngestError>> = full
            .into_par_iter()
            .map(|pending| layout.assemble(pending))
            .collect();
        for batch in assembled {
            self.out.push_batch(batch?, self.path)?;
        }
        Ok(())
    }

    /// What assembling a batch needs (the sink itself holds the batch handler, which is not
    /// shared between threads).
    fn layout(&self) -> BatchLayout<'_> {
        BatchLayout {
            ids: self.ids,
            path: self.path,
            schema: &self.schema,
            fields: &self.fields,
        }
    }

    /// The rows kept so far and not yet in a batch, leaving an empty buffer.
    fn take_pending(&mut self) -> PendingBatch {
        let capacity = self.batch_rows;
        std::mem::replace(
            &mut self.pending,
            (Vec::with_capacity(capacity), Vec::with_capacity(capacity)),
        )
    }

    fn flush(&mut self) -> Result<(), IngestError> {
        if self.pending.0.is_empty() {
            return Ok(());
        }
        let pending = self.take_pending();
        if self.deferred {
            self.full.push(pending);
            return Ok(());
        }
        let batch = self.layout().assemble(pending)?;
        self.out.push_batch(batch, self.path)
    }

    /// Flushes the last partial batch and hands over everything collected.
    pub(crate) fn finish(mut self) -> Result<Collected, IngestError> {
        self.flush()?;
        self.ids.wait();
        self.assemble_full()?;
        Ok(self.out)
    }
}

impl RecordOut for RecordSink<'_> {
    fn keep(&mut self, line: u64, row: Vec<Cell>) -> Result<(), IngestError> {
        let index = self.next_row();
        self.pending.0.push(row);
        self.pending.1.push((index, line));
        if self.pending.0.len() >= self.batch_rows {
            self.flush()?;
        }
        Ok(())
    }

    fn reject(&mut self, line: u64, problem: Problem, raw: &str) {
        let index = self.next_row();
        if self.ids.is_settled() && self.unnamed_rejects.is_empty() {
            self.out
                .rejects
                .push(self.ids.removal(index, line, problem, Some(raw)));
        } else {
            // Named with the batches once the digest is known, rather than waiting for it here.
            self.unnamed_rejects
                .push((index, line, problem, quarantine_content(raw)));
        }
    }

    fn blank_lines(&mut self, count: u64) {
        self.out.blank_lines += count;
    }
}

/// The parts of a [`RecordSink`] that turn pending rows into a batch.
struct BatchLayout<'s> {
    ids: &'s RowIdentity,
    path: &'s Path,
    schema: &'s SchemaRef,
    fields: &'s [FieldSpec],
}

impl BatchLayout<'_> {
    /// One batch from its rows' cells and numbers.
    fn assemble(&self, (cells, numbers): PendingBatch) -> Result<Batch, IngestError> {
        let (first_row, last_row) = (
            numbers.first().map_or(0, |&(row, _)| row),
            numbers.last().map_or(0, |&(row, _)| row),
        );
        let failed = || IngestError::BatchAssembly {
            path: self.path.to_path_buf(),
            first_row,
            last_row,
        };
        let data = crate::columns::rows_to_batch(self.schema, self.fields, &cells)
            .map_err(|_| failed())?;
        drop(cells);
        let rows = numbers
            .into_iter()
            .map(|(row, line)| self.ids.meta(row, line))
            .collect();
        Batch::new(data, rows).map_err(|_| failed())
    }
}

/// One record of a piece parsed on its own, its line counted from the piece's start.
enum PieceRecord {
    /// A kept row's cells.
    Kept(u64, Vec<Cell>),
    /// A bad record: why, and its raw text (for quarantine, which redacts it).
    Rejected(u64, Problem, String),
}

/// The records of one piece of an input, parsed apart from the rest so pieces can be parsed in
/// parallel; [`RecordSink::absorb`] numbers them in file order.
#[derive(Default)]
pub(crate) struct PieceRecords {
    records: Vec<PieceRecord>,
    blank_lines: u64,
}

impl RecordOut for PieceRecords {
    fn keep(&mut self, line: u64, row: Vec<Cell>) -> Result<(), IngestError> {
        self.records.push(PieceRecord::Kept(line, row));
        Ok(())
    }

    fn reject(&mut self, line: u64, problem: Problem, raw: &str) {
        self.records
            .push(PieceRecord::Rejected(line, problem, raw.to_owned()));
    }

    fn blank_lines(&mut self, count: u64) {
        self.blank_lines += count;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::AsArray;
    use arrow::datatypes::Int64Type;
    use sluice_core::{FieldSpec, FieldType, ReasonCode, RowMeta};

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

    /// A streamed read learns its digest beside the parse: full batches and rejects wait,
    /// unnamed, until it is known, and finishing waits for it.
    #[test]
    fn deferred_batches_wait_for_the_digest_that_names_their_rows() {
        let ids = RowIdentity::pending(2);
        let schema = schema();
        let mut sink = RecordSink::new(&ids, Path::new("x.jsonl"), &schema, 2, None);
        sink.defer_assembly();
        for n in 0..5 {
            sink.keep(n as u64 + 1, row(n)).unwrap();
        }
        sink.reject(6, Problem::not_an_object("array"), "[1]");
        sink.assemble_full().unwrap();
        assert_eq!((sink.full.len(), sink.out.batches.len()), (2, 0));
        assert!(sink.out.rejects.is_empty());
        let out = std::thread::scope(|scope| {
            let finished = scope.spawn(move || sink.finish().unwrap());
            std::thread::sleep(std::time::Duration::from_millis(20));
            ids.settle(Some("a".repeat(64)));
            finished.join().unwrap()
        });
        let named = RowIdentity::new("a".repeat(64), 2);
        let rows: Vec<RowMeta> = out.batches.iter().flat_map(|b| b.rows.clone()).collect();
        let expected: Vec<RowMeta> = (0..5).map(|n| named.meta(n, n + 1)).collect();
        assert_eq!(rows, expected);
        assert_eq!(
            out.batches.iter().map(Batch::len).collect::<Vec<_>>(),
            vec![2, 2, 1]
        );
        let reject = &out.rejects[0];
        assert_eq!((out.rejects.len(), &reject.row), (1, &named.meta(5, 6)));
        assert_eq!(reject.content.as_deref(), Some("[1]"));
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
