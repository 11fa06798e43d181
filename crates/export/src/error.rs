//! Why an export failed. Messages name paths, keys, batch indices and counts, never row values.

use thiserror::Error;

/// An output could not be written, or the output configuration is invalid.
#[derive(Debug, Error)]
pub enum ExportError {
    /// File IO failed; the message names the path (errors come from `fs_err`).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The Parquet encoder failed for this output file.
    #[error("writing Parquet `{path}`: {source}")]
    Parquet {
        /// Output path, relative to the output directory.
        path: String,
        /// The encoder's error.
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// An Arrow kernel failed while assembling rows (shape or type mismatch).
    #[error(transparent)]
    Arrow(#[from] arrow::error::ArrowError),
    /// A key of the `[output]` table has an invalid value.
    #[error("invalid `{key}`: {reason}")]
    Config {
        /// Dotted key, e.g. `output.splits.train`.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The caller passed inputs that do not fit together (lengths, schemas, reserved names).
    #[error("invalid export input: {0}")]
    Input(String),
}
