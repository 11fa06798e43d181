//! `duplicates.parquet`: every row removed as a duplicate, with the row kept in its place.

use crate::error::ExportError;
use crate::output::OutputFile;
use crate::parquet_writer::ParquetFileWriter;
use arrow::array::{ArrayRef, RecordBatch, StringArray, UInt64Array};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use std::path::Path;
use std::sync::Arc;

/// File name of the duplicates table, relative to the output directory.
pub const DUPLICATES_FILE: &str = "duplicates.parquet";

/// One row removed as a duplicate, borrowed from the run that removed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DuplicateRow<'a> {
    /// The removed row's record id.
    pub record_id: &'a str,
    /// Record id of the row kept instead.
    pub survivor_id: &'a str,
    /// Reason code (`DUP_EXACT`, `DUP_NEAR`).
    pub reason: &'a str,
    /// Kind of the stage that removed it (`dedup`).
    pub stage: &'a str,
    /// Input file the row came from, as recorded in the manifest.
    pub source_file: &'a str,
    /// 0-based record index in that file.
    pub source_row: u64,
}

/// The duplicates table's columns.
fn schema() -> SchemaRef {
    let text = |name: &str| Field::new(name, DataType::Utf8, false);
    Arc::new(Schema::new(vec![
        text("record_id"),
        text("survivor_id"),
        text("reason"),
        text("stage"),
        text("source_file"),
        Field::new("source_row", DataType::UInt64, false),
    ]))
}

/// `duplicates.parquet` written a slice of rows at a time, so half of a corpus removed as
/// duplicates is never in memory as rows (only a row group per thread is, while encoding). The
/// bytes do not depend on how the rows were sliced.
pub struct DuplicatesWriter {
    schema: SchemaRef,
    file: ParquetFileWriter,
}

impl DuplicatesWriter {
    /// Starts `out_dir/duplicates.parquet`.
    pub fn create(out_dir: &Path) -> Result<Self, ExportError> {
        let schema = schema();
        let file = ParquetFileWriter::create(out_dir, DUPLICATES_FILE, &schema)?;
        Ok(DuplicatesWriter { schema, file })
    }

    /// Appends `rows`, in the order given.
    pub fn push<'a>(&mut self, rows: &[DuplicateRow<'a>]) -> Result<(), ExportError> {
        let strings = |get: fn(&DuplicateRow<'a>) -> &'a str| -> ArrayRef {
            Arc::new(StringArray::from_iter_values(rows.iter().map(get)))
        };
        let columns: Vec<ArrayRef> = vec![
            strings(|r| r.record_id),
            strings(|r| r.survivor_id),
            strings(|r| r.reason),
            strings(|r| r.stage),
            strings(|r| r.source_file),
            Arc::new(UInt64Array::from_iter_values(
                rows.iter().map(|r| r.source_row),
            )),
        ];
        self.file
            .push(&RecordBatch::try_new(self.schema.clone(), columns)?)
    }

    /// Commits the file (an empty table when no row was pushed) and describes it.
    pub fn finish(self) -> Result<OutputFile, ExportError> {
        Ok(self.file.finish()?.described(DUPLICATES_FILE, "duplicates"))
    }
}

/// Writes `rows`, in the order given, to `out_dir/duplicates.parquet` (an empty table when there
/// are none).
pub fn write_duplicates(
    out_dir: &Path,
    rows: &[DuplicateRow<'_>],
) -> Result<OutputFile, ExportError> {
    let mut writer = DuplicatesWriter::create(out_dir)?;
    writer.push(rows)?;
    writer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::AsArray;
    use arrow::datatypes::UInt64Type;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    /// Ids live for the whole test: rows borrow them.
    fn id(i: u64) -> &'static str {
        Box::leak(format!("feed:{i}").into_boxed_str())
    }

    fn row(i: u64, survivor: u64) -> DuplicateRow<'static> {
        DuplicateRow {
            record_id: id(i),
            survivor_id: id(survivor),
            reason: "DUP_EXACT",
            stage: "dedup",
            source_file: "samples/claims.csv",
            source_row: i,
        }
    }

    #[test]
    fn writes_rows_in_order_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let output = write_duplicates(dir.path(), &[row(5, 1), row(3, 1)]).unwrap();
        assert_eq!(
            (output.path.as_str(), output.role.as_str(), output.rows),
            ("duplicates.parquet", "duplicates", 2)
        );
        let file = fs_err::File::open(dir.path().join(DUPLICATES_FILE))
            .unwrap()
            .into_file();
        let table = ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap()
            .next()
            .unwrap()
            .unwrap();
        assert_eq!(table.num_columns(), 6);
        let ids = table.column(0).as_string::<i32>();
        let survivors = table.column(1).as_string::<i32>();
        assert_eq!((ids.value(0), ids.value(1)), ("feed:5", "feed:3"));
        assert_eq!(survivors.value(1), "feed:1");
        let source_rows = table.column(5).as_primitive::<UInt64Type>();
        assert_eq!(source_rows.value(0), 5);
    }

    #[test]
    fn rewriting_is_byte_identical() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let rows = [row(2, 0), row(9, 4)];
        let first = write_duplicates(a.path(), &rows).unwrap();
        let second = write_duplicates(b.path(), &rows).unwrap();
        assert_eq!(first, second);
        let other = write_duplicates(b.path(), &[row(2, 0)]).unwrap();
        assert_ne!(first.sha256, other.sha256);
    }

    #[test]
    fn slicing_the_rows_does_not_change_the_bytes() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let rows: Vec<DuplicateRow<'static>> = (0..25_001).map(|i| row(i, i / 7)).collect();
        let whole = write_duplicates(a.path(), &rows).unwrap();
        let mut writer = DuplicatesWriter::create(b.path()).unwrap();
        for slice in rows.chunks(3_333) {
            writer.push(slice).unwrap();
        }
        writer.push(&[]).unwrap();
        assert_eq!(writer.finish().unwrap(), whole);
        assert_eq!(whole.rows, 25_001);
    }

    #[test]
    fn no_rows_give_an_empty_table() {
        let dir = tempfile::tempdir().unwrap();
        let output = DuplicatesWriter::create(dir.path())
            .unwrap()
            .finish()
            .unwrap();
        assert_eq!(output.rows, 0);
        let file = fs_err::File::open(dir.path().join(DUPLICATES_FILE))
            .unwrap()
            .into_file();
        let reader = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
        assert_eq!(reader.schema().fields().len(), 6);
    }
}
