//! Whole-input failures. Problems with single records never become errors: they are quarantined.

use crate::format::{Compression, InputFormat};
use std::path::PathBuf;
use thiserror::Error;

/// An input that cannot be read at all. Every variant names the file (or glob pattern) and none
/// carries a value read from the data.
#[derive(Debug, Error)]
pub enum IngestError {
    /// The run could not take the rows read (e.g. spilling them to disk failed).
    #[error("cannot hold the rows of input {}: {message}", .path.display())]
    BatchSink {
        /// The input file.
        path: PathBuf,
        /// What failed (no data values).
        message: String,
    },
    /// The file could not be opened or read.
    #[error("cannot read input {}", .path.display())]
    Read {
        /// The input file.
        path: PathBuf,
        /// The underlying IO error (names the path and the OS reason).
        #[source]
        source: std::io::Error,
    },
    /// No `format` was configured and the file extension does not tell.
    #[error(
        "cannot tell the format of {} from its extension (expected .csv, .tsv, .jsonl, .ndjson, .parquet, optionally .gz/.zst for text); set `format`",
        .path.display()
    )]
    UnknownFormat {
        /// The input file.
        path: PathBuf,
    },
    /// An input option that makes no sense for the file's format (e.g. `delimiter` on JSONL).
    #[error("option `{option}` does not apply to {format} input {}", .path.display())]
    OptionNotApplicable {
        /// The input file.
        path: PathBuf,
        /// The option name as written in the pipeline file.
        option: &'static str,
        /// The format the file is read as.
        format: InputFormat,
    },
    /// Parquet files are compressed internally; an outer gzip/zstd layer is not supported.
    #[error("{} is {compression}-compressed Parquet, which is not supported; decompress it first", .path.display())]
    CompressedParquet {
        /// The input file.
        path: PathBuf,
        /// The outer compression found.
        compression: Compression,
    },
    /// The delimiter is not a single ASCII character.
    #[error("delimiter {delimiter:?} for {} must be a single ASCII character", .path.display())]
    InvalidDelimiter {
        /// The input file.
        path: PathBuf,
        /// The configured delimiter.
        delimiter: char,
    },
    /// The `encoding` option is not a WHATWG encoding label.
    #[error("unknown encoding `{label}` for {} (expected a WHATWG label such as utf-8, gbk, utf-16le)", .path.display())]
    UnknownEncoding {
        /// The input file.
        path: PathBuf,
        /// The configured label.
        label: String,
    },
    /// A gzip or zstd stream is truncated or corrupt.
    #[error("{} is not a complete {compression} stream", .path.display())]
    Decompress {
        /// The input file.
        path: PathBuf,
        /// The compression it was read with.
        compression: Compression,
        /// The decoder's error.
        #[source]
        source: std::io::Error,
    },
    /// A CSV/TSV file without a header row.
    #[error("{} has no header row", .path.display())]
    MissingHeader {
        /// The input file.
        path: PathBuf,
    },
    /// A CSV/TSV header row that cannot be read.
    #[error("header row of {} is unreadable: {detail}", .path.display())]
    InvalidHeader {
        /// The input file.
        path: PathBuf,
        /// What is wrong (offsets and kinds, no values).
        detail: String,
    },
    /// A Parquet file whose footer or pages cannot be read.
    #[error("cannot read Parquet file {}", .path.display())]
    Parquet {
        /// The input file.
        path: PathBuf,
        /// The Parquet reader's error.
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// A Parquet row group that fails to decode.
    #[error("cannot decode Parquet data in {}", .path.display())]
    ParquetData {
        /// The input file.
        path: PathBuf,
        /// The Arrow reader's error.
        #[source]
        source: arrow::error::ArrowError,
    },
    /// A Parquet file without the column a field maps from.
    #[error("{} has no column `{column}` (mapped to field `{field}`)", .path.display())]
    MissingColumn {
        /// The input file.
        path: PathBuf,
        /// The target field.
        field: String,
        /// The source column looked for.
        column: String,
    },
    /// A dotted source path on a Parquet input, which maps top-level columns only.
    #[error(
        "field `{field}` maps from `{column}`, but Parquet inputs map top-level columns only ({})",
        .path.display()
    )]
    NestedSourceUnsupported {
        /// The input file.
        path: PathBuf,
        /// The target field.
        field: String,
        /// The dotted source path.
        column: String,
    },
    /// A Parquet column whose type cannot be converted to the field's declared type.
    #[error("column `{column}` of {} has type {found}, which cannot be converted to {expected} (field `{field}`)", .path.display())]
    IncompatibleColumn {
        /// The input file.
        path: PathBuf,
        /// The target field.
        field: String,
        /// The source column.
        column: String,
        /// The column's Arrow type.
        found: String,
        /// The field's declared type.
        expected: String,
    },
    /// Coerced rows failed to assemble into an Arrow batch. This is a sluice bug, not bad data;
    /// the Arrow message is withheld because it may quote values.
    #[error("internal error: rows {first_row}..={last_row} of {} did not assemble into an Arrow batch", .path.display())]
    BatchAssembly {
        /// The input file.
        path: PathBuf,
        /// First row of the failed batch.
        first_row: u64,
        /// Last row of the failed batch.
        last_row: u64,
    },
    /// An input pattern that is not a valid glob.
    #[error("invalid input pattern {}: {reason}", .pattern.display())]
    InvalidPattern {
        /// The pattern as configured.
        pattern: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A glob that matches no file.
    #[error("no input matches {}", .pattern.display())]
    NoMatch {
        /// The pattern as configured.
        pattern: PathBuf,
    },
    /// A directory given (or matched) where an input file was expected.
    #[error("{} is a directory; give a file or a glob such as dir/*.jsonl", .path.display())]
    IsDirectory {
        /// The directory.
        path: PathBuf,
    },
}
