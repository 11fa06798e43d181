//! Byte-deterministic Parquet encoding with pinned writer properties.
//!
//! The same rows always give the same bytes: every property that shapes the file is set here
//! explicitly (not left to library defaults that may change between parquet releases), the
//! writer is named `sluice <version>` instead of the parquet-rs version, and rows are handed to
//! the encoder as one batch so page boundaries do not depend on how the caller chunked them.

use crate::atomic::write_atomic;
use crate::error::ExportError;
use arrow::array::RecordBatch;
use arrow::compute::concat_batches;
use arrow::datatypes::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
use sluice_core::digest::sha256_hex;
use std::path::Path;

/// Rows per row group. Small enough that one text-heavy row group stays in the tens of MB (what
/// the Hugging Face viewer and DuckDB scan comfortably), large enough that footers stay small.
pub const MAX_ROW_GROUP_ROWS: usize = 10_000;

/// zstd level: 3 is zstd's own default, a good ratio at several hundred MB/s.
const ZSTD_LEVEL: i32 = 3;

/// Key-value metadata key holding the sluice version that wrote the file.
pub const VERSION_KEY: &str = "sluice.version";

/// A Parquet file on disk: its size and content digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenParquet {
    /// Rows in the file.
    pub rows: u64,
    /// File size in bytes.
    pub bytes: u64,
    /// Lower-case hex sha256 of the file.
    pub sha256: String,
}

/// The pinned writer properties every sluice Parquet file is written with.
pub fn writer_properties() -> Result<WriterProperties, ExportError> {
    let level = ZstdLevel::try_new(ZSTD_LEVEL).map_err(|source| ExportError::Parquet {
        path: String::new(),
        source,
    })?;
    Ok(WriterProperties::builder()
        // Format v1 data pages with PLAIN/RLE_DICTIONARY encodings: v2 pages and the DELTA
        // encodings that parquet-rs pairs with them are still mishandled by some readers in the
        // fine-tuning toolchain (older pyarrow/Spark builds); v1 is read by everything.
        .set_writer_version(WriterVersion::PARQUET_1_0)
        .set_compression(Compression::ZSTD(level))
        .set_dictionary_enabled(true)
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_statistics_truncate_length(Some(64))
        .set_column_index_truncate_length(Some(64))
        .set_max_row_group_row_count(Some(MAX_ROW_GROUP_ROWS))
        .set_max_row_group_bytes(None)
        .set_data_page_size_limit(1024 * 1024)
        .set_data_page_row_count_limit(20_000)
        .set_dictionary_page_size_limit(1024 * 1024)
        .set_write_batch_size(1024)
        .set_bloom_filter_enabled(false)
        .set_content_defined_chunking(None)
        .set_created_by(format!("sluice {}", env!("CARGO_PKG_VERSION")))
        .set_key_value_metadata(Some(vec![KeyValue::new(
            VERSION_KEY.to_owned(),
            env!("CARGO_PKG_VERSION").to_owned(),
        )]))
        .build())
}

/// Encodes `batches` (all of `schema`) as one Parquet file in memory.
pub fn encode_parquet(schema: &SchemaRef, batches: &[RecordBatch]) -> Result<Vec<u8>, ExportError> {
    encode(schema, batches, "")
}

fn encode(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    label: &str,
) -> Result<Vec<u8>, ExportError> {
    let parquet_error = |source| ExportError::Parquet {
        path: label.to_owned(),
        source,
    };
    let rows = concat_batches(schema, batches)?;
    let mut buf = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut buf, schema.clone(), Some(writer_properties()?))
        .map_err(parquet_error)?;
    if rows.num_rows() > 0 {
        writer.write(&rows).map_err(parquet_error)?;
    }
    writer.close().map_err(parquet_error)?;
    Ok(buf)
}

/// Encodes `batches` and writes them atomically to `out_dir/relative`. The whole file is built in
/// memory first so its digest is of exactly the bytes written.
pub fn write_parquet(
    out_dir: &Path,
    relative: &str,
    schema: &SchemaRef,
    batches: &[RecordBatch],
) -> Result<WrittenParquet, ExportError> {
    let bytes = encode(schema, batches, relative)?;
    write_atomic(&out_dir.join(relative), &bytes)?;
    Ok(WrittenParquet {
        rows: batches.iter().map(|b| b.num_rows() as u64).sum(),
        bytes: bytes.len() as u64,
        sha256: sha256_hex(&bytes),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{ArrayRef, Int64Array, StringArray};
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use std::sync::Arc;

    fn batch(ids: &[i64]) -> RecordBatch {
        let text: ArrayRef = Arc::new(StringArray::from_iter_values(
            ids.iter().map(|i| format!("row {i}")),
        ));
        let n: ArrayRef = Arc::new(Int64Array::from(ids.to_vec()));
        RecordBatch::try_from_iter([("text", text), ("n", n)]).unwrap()
    }

    #[test]
    fn same_rows_same_bytes_whatever_the_chunking() {
        let whole = batch(&[1, 2, 3, 4, 5]);
        let schema = whole.schema();
        let once = encode_parquet(&schema, std::slice::from_ref(&whole)).unwrap();
        let again = encode_parquet(&schema, std::slice::from_ref(&whole)).unwrap();
        let chunked =
            encode_parquet(&schema, &[batch(&[1, 2]), batch(&[3]), batch(&[4, 5])]).unwrap();
        assert_eq!(sha256_hex(&once), sha256_hex(&again));
        assert_eq!(sha256_hex(&once), sha256_hex(&chunked));
        let different = encode_parquet(&schema, &[batch(&[1, 2, 3, 4, 6])]).unwrap();
        assert_ne!(sha256_hex(&once), sha256_hex(&different));
    }

    #[test]
    fn footer_names_sluice_and_uses_zstd() {
        let b = batch(&[7, 8]);
        let bytes = encode_parquet(&b.schema(), &[b]).unwrap();
        let reader = SerializedFileReader::new(bytes::Bytes::from(bytes)).unwrap();
        let meta = reader.metadata();
        let file = meta.file_metadata();
        assert_eq!(file.num_rows(), 2);
        assert_eq!(
            file.created_by(),
            Some(format!("sluice {}", env!("CARGO_PKG_VERSION")).as_str())
        );
        let kv = file.key_value_metadata().unwrap();
        assert!(
            kv.iter()
                .any(|e| e.key == VERSION_KEY
                    && e.value.as_deref() == Some(env!("CARGO_PKG_VERSION")))
        );
        let column = meta.row_group(0).column(0);
        assert!(matches!(column.compression(), Compression::ZSTD(_)));
    }

    #[test]
    fn row_groups_are_capped() {
        let ids: Vec<i64> = (0..(MAX_ROW_GROUP_ROWS as i64 + 1)).collect();
        let b = batch(&ids);
        let bytes = encode_parquet(&b.schema(), &[b]).unwrap();
        let reader = SerializedFileReader::new(bytes::Bytes::from(bytes)).unwrap();
        assert_eq!(reader.metadata().num_row_groups(), 2);
    }

    #[test]
    fn empty_input_still_has_the_schema() {
        let schema = batch(&[]).schema();
        let bytes = encode_parquet(&schema, &[]).unwrap();
        let reader = SerializedFileReader::new(bytes::Bytes::from(bytes)).unwrap();
        assert_eq!(reader.metadata().file_metadata().num_rows(), 0);
        assert_eq!(
            reader
                .metadata()
                .file_metadata()
                .schema_descr()
                .num_columns(),
            2
        );
    }

    #[test]
    fn write_reports_digest_of_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let b = batch(&[1]);
        let written = write_parquet(dir.path(), "x/one.parquet", &b.schema(), &[b]).unwrap();
        let on_disk = fs_err::read(dir.path().join("x/one.parquet")).unwrap();
        assert_eq!(written.bytes, on_disk.len() as u64);
        assert_eq!(written.sha256, sha256_hex(&on_disk));
        assert_eq!(written.rows, 1);
    }
}
