//! Byte-deterministic Parquet encoding with pinned writer properties.
//!
//! The same rows always give the same bytes: every property that shapes the file is set here
//! explicitly (not left to library defaults that may change between parquet releases), the
//! writer is named `sluice <version>` instead of the parquet-rs version, and rows are handed to
//! the encoder in whole row groups so page boundaries do not depend on how the caller chunked
//! them. [`ParquetFileWriter`] streams a file row group by row group into its atomic temp file
//! and writes the same bytes as [`write_parquet`] over the same rows; it encodes several row
//! groups at once on the thread pool and appends them in order, so the bytes never depend on the
//! thread count.

use crate::atomic::AtomicFile;
use crate::error::ExportError;
use arrow::array::RecordBatch;
use arrow::compute::concat_batches;
use arrow::datatypes::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{ArrowColumnChunk, ArrowRowGroupWriterFactory, compute_leaves};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
use parquet::file::writer::SerializedFileWriter;
use rayon::prelude::*;
use sluice_core::digest::Sha256Hasher;
use std::io::Write;
use std::path::Path;

/// Rows per row group. Small enough that one text-heavy row group stays in the tens of MB (what
/// the Hugging Face viewer and DuckDB scan comfortably), large enough that footers stay small.
pub const MAX_ROW_GROUP_ROWS: usize = 10_000;

/// Pending rows past this many bytes are encoded without waiting for a row group per thread, so
/// text-heavy rows on a many-core machine do not hold a whole wave in memory.
const MAX_PENDING_BYTES: usize = 256 << 20;

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

impl WrittenParquet {
    /// The manifest's description of this file, at `path` (relative to the output directory)
    /// holding `role`.
    pub fn described(self, path: &str, role: &str) -> crate::output::OutputFile {
        crate::output::OutputFile {
            path: path.to_owned(),
            role: role.to_owned(),
            rows: self.rows,
            bytes: self.bytes,
            sha256: self.sha256,
        }
    }
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
    let parquet_error = |source| ExportError::Parquet {
        path: String::new(),
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

/// Encodes `batches` and writes them atomically to `out_dir/relative`, streaming through a
/// [`ParquetFileWriter`]; the digest is of exactly the bytes written.
pub fn write_parquet(
    out_dir: &Path,
    relative: &str,
    schema: &SchemaRef,
    batches: &[RecordBatch],
) -> Result<WrittenParquet, ExportError> {
    let mut writer = ParquetFileWriter::create(out_dir, relative, schema)?;
    for batch in batches {
        writer.push(batch)?;
    }
    writer.finish()
}

/// A Parquet file encoded row group by row group straight into its atomic temp file, so a large
/// table is never in memory whole: at most one wave of pending rows (a row group per thread,
/// fewer when they pass 256 MiB) plus the encoder's buffers. Rows reach the encoder in the same
/// row-group-sized slices [`write_parquet`] cuts, so the file has the same bytes whatever the
/// batches pushed.
///
/// Encoding (dictionaries, statistics, zstd) is most of the cost of writing, and every row group
/// is encoded on its own, so a wave of row groups is encoded in parallel into column chunks that
/// are then appended in row-group order — the steps `ArrowWriter` takes one group at a time.
pub struct ParquetFileWriter {
    relative: String,
    schema: SchemaRef,
    writer: SerializedFileWriter<HashingWrite<std::io::BufWriter<AtomicFile>>>,
    row_group_writers: ArrowRowGroupWriterFactory,
    pending: Vec<RecordBatch>,
    pending_rows: usize,
    pending_bytes: usize,
    rows: u64,
}

impl ParquetFileWriter {
    /// Starts `out_dir/relative` (parent directories are created) for rows of `schema`.
    pub fn create(out_dir: &Path, relative: &str, schema: &SchemaRef) -> Result<Self, ExportError> {
        let parquet_error = |source| ExportError::Parquet {
            path: relative.to_owned(),
            source,
        };
        let file = AtomicFile::create(&out_dir.join(relative))?;
        let sink = HashingWrite {
            inner: std::io::BufWriter::with_capacity(1 << 20, file),
            hasher: Sha256Hasher::new(),
            bytes: 0,
        };
        // Built through `ArrowWriter` so the file starts, and its footer carries the Arrow schema,
        // exactly as that writer's would.
        let (writer, row_group_writers) =
            ArrowWriter::try_new(sink, schema.clone(), Some(writer_properties()?))
                .and_then(ArrowWriter::into_serialized_writer)
                .map_err(parquet_error)?;
        Ok(ParquetFileWriter {
            relative: relative.to_owned(),
            schema: schema.clone(),
            writer,
            row_group_writers,
            pending: Vec::new(),
            pending_rows: 0,
            pending_bytes: 0,
            rows: 0,
        })
    }

    /// Appends the rows of `batch` (of the writer's schema).
    pub fn push(&mut self, batch: &RecordBatch) -> Result<(), ExportError> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        self.pending.push(batch.clone());
        self.pending_rows += batch.num_rows();
        self.pending_bytes += batch.get_array_memory_size();
        if wave_ready(
            self.pending_rows,
            self.pending_bytes,
            rayon::current_num_threads(),
        ) {
            let groups = self.take_groups(false)?;
            self.encode(&groups)?;
        }
        Ok(())
    }

    /// The file's path relative to the output directory.
    pub fn relative(&self) -> &str {
        &self.relative
    }

    /// Rows pushed so far.
    pub fn rows(&self) -> u64 {
        self.rows + self.pending_rows as u64
    }

    /// Encodes what is pending, writes the footer, commits the file and describes it.
    pub fn finish(mut self) -> Result<WrittenParquet, ExportError> {
        if self.pending_rows > 0 {
            let groups = self.take_groups(true)?;
            self.encode(&groups)?;
        }
        let relative = self.relative.clone();
        let parquet_error = |source| ExportError::Parquet {
            path: relative.clone(),
            source,
        };
        let sink = self.writer.into_inner().map_err(parquet_error)?;
        let HashingWrite {
            inner,
            hasher,
            bytes,
        } = sink;
        let file = inner
            .into_inner()
            .map_err(|e| ExportError::Io(e.into_error()))?;
        file.commit()?;
        Ok(WrittenParquet {
            rows: self.rows,
            bytes,
            sha256: hasher.finish_hex(),
        })
    }

    /// The pending rows cut into row groups of [`MAX_ROW_GROUP_ROWS`] (with `all`, the last one
    /// shorter; without, what does not fill a group stays pending). A group within one pushed
    /// batch is a slice of it; only a group spanning batches is copied. (Concatenating every
    /// wave first was 0.4 s of memory copies in the lineage phase at 1M rows, whose batches are
    /// whole row groups already.)
    fn take_groups(&mut self, all: bool) -> Result<Vec<RecordBatch>, ExportError> {
        let pending = std::mem::take(&mut self.pending);
        let mut groups = Vec::new();
        let mut parts: Vec<RecordBatch> = Vec::new();
        let mut part_rows = 0;
        for batch in pending {
            let mut offset = 0;
            while offset < batch.num_rows() {
                let take = (MAX_ROW_GROUP_ROWS - part_rows).min(batch.num_rows() - offset);
                parts.push(batch.slice(offset, take));
                part_rows += take;
                offset += take;
                if part_rows == MAX_ROW_GROUP_ROWS {
                    groups.push(self.join(std::mem::take(&mut parts))?);
                    part_rows = 0;
                }
            }
        }
        if all && part_rows > 0 {
            groups.push(self.join(std::mem::take(&mut parts))?);
            part_rows = 0;
        }
        self.pending_bytes = parts.iter().map(RecordBatch::get_array_memory_size).sum();
        self.pending_rows = part_rows;
        self.pending = parts;
        Ok(groups)
    }

    /// `parts` as one batch (no copy when there is one part).
    fn join(&self, parts: Vec<RecordBatch>) -> Result<RecordBatch, ExportError> {
        Ok(match <[RecordBatch; 1]>::try_from(parts) {
            Ok([one]) => one,
            Err(many) => concat_batches(&self.schema, &many)?,
        })
    }

    /// Encodes each of `groups` as one row group, in parallel, and appends them in order.
    fn encode(&mut self, groups: &[RecordBatch]) -> Result<(), ExportError> {
        let parquet_error = |source| ExportError::Parquet {
            path: self.relative.clone(),
            source,
        };
        let first = self.writer.flushed_row_groups().len();
        let factory = &self.row_group_writers;
        let schema = &self.schema;
        let encoded: Vec<Vec<ArrowColumnChunk>> = groups
            .par_iter()
            .enumerate()
            .map(|(k, rows)| encode_row_group(factory, schema, first + k, rows))
            .collect::<Result<_, _>>()
            .map_err(parquet_error)?;
        for (chunks, rows) in encoded.into_iter().zip(groups) {
            let mut row_group = self.writer.next_row_group().map_err(parquet_error)?;
            for chunk in chunks {
                chunk
                    .append_to_row_group(&mut row_group)
                    .map_err(parquet_error)?;
            }
            row_group.close().map_err(parquet_error)?;
            self.rows += rows.num_rows() as u64;
        }
        Ok(())
    }
}

/// True when `rows` pending rows holding `bytes` should be encoded now: a whole row group is there,
/// and either one for each of `threads` threads or more than [`MAX_PENDING_BYTES`].
fn wave_ready(rows: usize, bytes: usize, threads: usize) -> bool {
    rows >= MAX_ROW_GROUP_ROWS
        && (rows >= MAX_ROW_GROUP_ROWS * threads || bytes >= MAX_PENDING_BYTES)
}

/// The column chunks of row group `index` holding `rows`: each leaf column of each field written
/// to its column writer, as `ArrowWriter` does for one buffered row group.
fn encode_row_group(
    factory: &ArrowRowGroupWriterFactory,
    schema: &SchemaRef,
    index: usize,
    rows: &RecordBatch,
) -> Result<Vec<ArrowColumnChunk>, parquet::errors::ParquetError> {
    let mut writers = factory.create_column_writers(index)?.into_iter();
    let mut chunks = Vec::with_capacity(writers.len());
    for (field, column) in schema.fields().iter().zip(rows.columns()) {
        for leaf in compute_leaves(field.as_ref(), column)? {
            let Some(mut writer) = writers.next() else {
                return Err(parquet::errors::ParquetError::General(
                    "more leaf columns than column writers".to_owned(),
                ));
            };
            writer.write(&leaf)?;
            chunks.push(writer.close()?);
        }
    }
    Ok(chunks)
}

/// Passes writes through, hashing and counting exactly the bytes that reach the file.
struct HashingWrite<W> {
    inner: W,
    hasher: Sha256Hasher,
    bytes: u64,
}

impl<W: Write> Write for HashingWrite<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.hasher.update(&buf[..written]);
        self.bytes += written as u64;
        Ok(written)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{ArrayRef, Int64Array, StringArray};
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use sluice_core::digest::sha256_hex;
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
    fn streaming_writes_the_same_bytes_as_encoding_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let total = 5 * MAX_ROW_GROUP_ROWS as i64 + 1_234;
        let ids: Vec<i64> = (0..total).collect();
        let whole = batch(&ids);
        let schema = whole.schema();
        let bytes = encode_parquet(&schema, std::slice::from_ref(&whole)).unwrap();
        let once = WrittenParquet {
            rows: total as u64,
            bytes: bytes.len() as u64,
            sha256: sha256_hex(&bytes),
        };
        // Waves of one to four row groups encoded at once, cut from pieces of every size.
        for threads in [1, 2, 4] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            for chunk in [7usize, 3_333, MAX_ROW_GROUP_ROWS, 25_000] {
                let name = format!("streamed-{threads}-{chunk}.parquet");
                let streamed = pool.install(|| {
                    let mut writer = ParquetFileWriter::create(dir.path(), &name, &schema).unwrap();
                    for piece in ids.chunks(chunk) {
                        writer.push(&batch(piece)).unwrap();
                    }
                    writer.push(&batch(&[])).unwrap();
                    writer.finish().unwrap()
                });
                assert_eq!(
                    streamed, once,
                    "{threads} threads, pushed in chunks of {chunk}"
                );
                let on_disk = fs_err::read(dir.path().join(&name)).unwrap();
                assert_eq!(sha256_hex(&on_disk), once.sha256);
            }
        }
    }

    #[test]
    fn a_wave_waits_for_a_group_per_thread_unless_it_is_heavy() {
        let group = MAX_ROW_GROUP_ROWS;
        assert!(!wave_ready(group - 1, MAX_PENDING_BYTES, 1));
        assert!(wave_ready(group, 0, 1));
        assert!(!wave_ready(group, 0, 4));
        assert!(!wave_ready(4 * group - 1, MAX_PENDING_BYTES - 1, 4));
        assert!(wave_ready(4 * group, 0, 4));
        assert!(wave_ready(group, MAX_PENDING_BYTES, 4));
    }

    #[test]
    fn streaming_an_empty_table_matches_and_dropping_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let schema = batch(&[]).schema();
        let bytes = encode_parquet(&schema, &[]).unwrap();
        let streamed = ParquetFileWriter::create(dir.path(), "s.parquet", &schema)
            .unwrap()
            .finish()
            .unwrap();
        assert_eq!(streamed.sha256, sha256_hex(&bytes));
        let mut abandoned = ParquetFileWriter::create(dir.path(), "gone.parquet", &schema).unwrap();
        abandoned.push(&batch(&[1, 2])).unwrap();
        drop(abandoned);
        let mut names: Vec<String> = fs_err::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, vec!["s.parquet"]);
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
