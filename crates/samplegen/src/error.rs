//! The generator's error type.

/// Everything that can stop a generation run. Messages name files and record positions only.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    /// Reading or writing a file failed (`fs_err` puts the path in the message).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A record holds a character the file's legacy encoding has no code for.
    #[error("{file}: record {row} has a character that {encoding} cannot encode")]
    Unencodable {
        /// File being written.
        file: String,
        /// 0-based record index.
        row: u64,
        /// Encoding name, e.g. `GBK`.
        encoding: &'static str,
    },
    /// A record could not be serialised to JSON.
    #[error("{file}: record {row} could not be serialised: {source}")]
    Json {
        /// File being written.
        file: String,
        /// 0-based record index.
        row: u64,
        /// The serialiser's error.
        source: serde_json::Error,
    },
    /// The command line was not understood.
    #[error("{0}")]
    Usage(String),
}
