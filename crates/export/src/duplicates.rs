//! `duplicates.parquet`: every row removed as a duplicate, with the row kept in its place.

use crate::error::ExportError;
use crate::output::{OutputFile, write_table};
use arrow::array::{ArrayRef, RecordBatch, StringArray, UInt64Array};
use arrow::datatypes::{DataType, Field, Schema};
use std::path::Path;
use std::sync::Arc;

/// File name of the duplicates table, relative to the output directory.
pub const DUPLICATES_FILE: &str = "duplicates.parquet";

/// One row removed as a duplicate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateRow {
    /// The removed row's record id.
    pub record_id: String,
    /// Record id of the row kept instead.
    pub survivor_id: String,
    /// Reason code (`DUP_EXACT`, `DUP_NEAR`).
    pub reason: String,
    /// Kind of the stage that removed it (`dedup`).
    pub stage: String,
    /// Input file the row came from, as recorded in the manifest.
    pub source_file: String,
    /// 0-based record index in that file.
    pub source_row: u64,
}

/// Writes `rows`, in the order given, to `out_dir/duplicates.parquet` (an empty table when there
/// are none).
pub fn write_duplicates(out_dir: &Path, rows: &[DuplicateRow]) -> Result<OutputFile, ExportError> {
    let text = |name: &str| Field::new(name, DataType::Utf8, false);
    let schema = Arc::new(Schema::new(vec![
        text("record_id"),
        text("survivor_id"),
        text("reason"),
        text("stage"),
        text("source_file"),
        Field::new("source_row", DataType::UInt64, false),
    ]));
    let strings = |get: fn(&DuplicateRow) -> &str| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(rows.iter().map(get)))
    };
    let columns: Vec<ArrayRef> = vec![
        strings(|r| &r.record_id),
        strings(|r| &r.survivor_id),
        strings(|r| &r.reason),
        strings(|r| &r.stage),
        strings(|r| &r.source_file),
        Arc::new(UInt64Array::from_iter_values(
            rows.iter().map(|r| r.source_row),
        )),
    ];
    let table = RecordBatch::try_new(schema, columns)?;
    write_table(out_dir, DUPLICATES_FILE, "duplicates", &table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::AsArray;
    use arrow::datatypes::UInt64Type;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    fn row(i: u64, survivor: u64) -> DuplicateRow {
        DuplicateRow {
            record_id: format!("feed:{i}"),
            survivor_id: format!("feed:{survivor}"),
            reason: "DUP_EXACT".into(),
            stage: "dedup".into(),
            source_file: "samples/claims.csv".into(),
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
}
