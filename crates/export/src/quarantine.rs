//! `quarantine.parquet`: every row removed for a reason other than duplication.

use crate::error::ExportError;
use crate::output::OutputFile;
use crate::parquet_writer::ParquetFileWriter;
use arrow::array::{ArrayRef, RecordBatch, StringArray, UInt64Array};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use std::path::Path;
use std::sync::Arc;

/// File name of the quarantine table, relative to the output directory.
pub const QUARANTINE_FILE: &str = "quarantine.parquet";

/// One quarantined row, borrowed from the run that removed it but for its content. `content`
/// must already be redacted: it is written as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantineRow<'a> {
    /// The row's record id.
    pub record_id: &'a str,
    /// Kind of the stage that removed it (`ingest`, `redact`, `validate`, …).
    pub stage: &'a str,
    /// Reason code, e.g. `PARSE_MALFORMED_JSON`.
    pub reason: &'a str,
    /// Explanation naming fields, rules, types and offsets, never values.
    pub detail: &'a str,
    /// Input file the row came from, as recorded in the manifest.
    pub source_file: &'a str,
    /// 0-based record index in that file.
    pub source_row: u64,
    /// 1-based line where the record starts.
    pub source_line: u64,
    /// The row as JSON (or the raw line when it did not parse), after redaction.
    pub content: Option<String>,
}

/// The quarantine table's columns.
fn schema() -> SchemaRef {
    let text = |name: &str, nullable: bool| Field::new(name, DataType::Utf8, nullable);
    Arc::new(Schema::new(vec![
        text("record_id", false),
        text("stage", false),
        text("reason", false),
        text("detail", false),
        text("source_file", false),
        Field::new("source_row", DataType::UInt64, false),
        Field::new("source_line", DataType::UInt64, false),
        text("content", true),
    ]))
}

/// `quarantine.parquet` written a slice of rows at a time (quarantined content can be most of a
/// bad input); the bytes do not depend on how the rows were sliced.
pub struct QuarantineWriter {
    schema: SchemaRef,
    file: ParquetFileWriter,
}

impl QuarantineWriter {
    /// Starts `out_dir/quarantine.parquet`.
    pub fn create(out_dir: &Path) -> Result<Self, ExportError> {
        let schema = schema();
        let file = ParquetFileWriter::create(out_dir, QUARANTINE_FILE, &schema)?;
        Ok(QuarantineWriter { schema, file })
    }

    /// Appends `rows`, in the order given.
    pub fn push<'a>(&mut self, rows: &[QuarantineRow<'a>]) -> Result<(), ExportError> {
        let strings = |get: fn(&QuarantineRow<'a>) -> &'a str| -> ArrayRef {
            Arc::new(StringArray::from_iter_values(rows.iter().map(get)))
        };
        let columns: Vec<ArrayRef> = vec![
            strings(|r| r.record_id),
            strings(|r| r.stage),
            strings(|r| r.reason),
            strings(|r| r.detail),
            strings(|r| r.source_file),
            Arc::new(UInt64Array::from_iter_values(
                rows.iter().map(|r| r.source_row),
            )),
            Arc::new(UInt64Array::from_iter_values(
                rows.iter().map(|r| r.source_line),
            )),
            Arc::new(StringArray::from_iter(
                rows.iter().map(|r| r.content.as_deref()),
            )),
        ];
        self.file
            .push(&RecordBatch::try_new(self.schema.clone(), columns)?)
    }

    /// Commits the file (an empty table when no row was pushed, so consumers can rely on the file
    /// existing) and describes it.
    pub fn finish(self) -> Result<OutputFile, ExportError> {
        Ok(self.file.finish()?.described(QUARANTINE_FILE, "quarantine"))
    }
}

/// Writes `rows`, in the order given, to `out_dir/quarantine.parquet` (an empty table when there
/// are none).
pub fn write_quarantine(
    out_dir: &Path,
    rows: &[QuarantineRow<'_>],
) -> Result<OutputFile, ExportError> {
    let mut writer = QuarantineWriter::create(out_dir)?;
    writer.push(rows)?;
    writer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::UInt64Type;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    fn row(i: u64, content: Option<&str>) -> QuarantineRow<'static> {
        QuarantineRow {
            record_id: Box::leak(format!("feed:{i}").into_boxed_str()),
            stage: "validate",
            reason: "Q_MIN_LENGTH",
            detail: "field body: 3 chars < min 20",
            source_file: "samples/tickets.jsonl",
            source_row: i,
            source_line: i + 1,
            content: content.map(str::to_owned),
        }
    }

    fn read(path: &Path) -> RecordBatch {
        let file = fs_err::File::open(path).unwrap().into_file();
        let mut reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap();
        reader.next().unwrap().unwrap()
    }

    #[test]
    fn writes_columns_in_order_with_values() {
        let dir = tempfile::tempdir().unwrap();
        let rows = [row(7, Some(r#"{"body":"hi"}"#)), row(2, None)];
        let output = write_quarantine(dir.path(), &rows).unwrap();
        assert_eq!(output.path, "quarantine.parquet");
        assert_eq!(output.role, "quarantine");
        assert_eq!(output.rows, 2);
        let table = read(&dir.path().join(QUARANTINE_FILE));
        let names: Vec<&str> = table
            .schema_ref()
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        assert_eq!(
            names,
            [
                "record_id",
                "stage",
                "reason",
                "detail",
                "source_file",
                "source_row",
                "source_line",
                "content"
            ]
        );
        let ids = table.column(0).as_string::<i32>();
        assert_eq!((ids.value(0), ids.value(1)), ("feed:7", "feed:2"));
        let lines = table.column(6).as_primitive::<UInt64Type>();
        assert_eq!((lines.value(0), lines.value(1)), (8, 3));
        let content = table.column(7).as_string::<i32>();
        assert_eq!(content.value(0), r#"{"body":"hi"}"#);
        assert!(content.is_null(1));
    }

    #[test]
    fn empty_quarantine_is_still_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let output = write_quarantine(dir.path(), &[]).unwrap();
        assert_eq!(output.rows, 0);
        let file = fs_err::File::open(dir.path().join(QUARANTINE_FILE))
            .unwrap()
            .into_file();
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
        assert_eq!(builder.metadata().file_metadata().num_rows(), 0);
        assert_eq!(builder.schema().fields().len(), 8);
    }

    #[test]
    fn slicing_the_rows_does_not_change_the_bytes() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let rows: Vec<QuarantineRow<'static>> = (0..21_000)
            .map(|i| row(i, (i % 3 == 0).then_some(r#"{"body":"<EMAIL>"}"#)))
            .collect();
        let whole = write_quarantine(a.path(), &rows).unwrap();
        let mut writer = QuarantineWriter::create(b.path()).unwrap();
        for slice in rows.chunks(4_096) {
            writer.push(slice).unwrap();
        }
        assert_eq!(writer.finish().unwrap(), whole);
    }
}
