//! Why reading or verifying a manifest failed. Messages name paths, never data values.

use thiserror::Error;

/// A manifest could not be read, or a file it names could not be examined.
#[derive(Debug, Error)]
pub enum LineageError {
    /// File IO failed; the message names the path (errors come from `fs_err`).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The manifest is not valid JSON of the expected shape.
    #[error("reading manifest `{path}`: {source}")]
    Json {
        /// The manifest's path.
        path: String,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// The manifest declares a format version this sluice does not understand.
    #[error("manifest `{path}` has manifest_version `{found}`, this sluice reads `{expected}`")]
    UnsupportedVersion {
        /// The manifest's path.
        path: String,
        /// The version it declares.
        found: String,
        /// The version this build reads.
        expected: String,
    },
    /// A signing or verifying key file could not be used. The message names the path and what is
    /// wrong with its shape, never key bytes.
    #[error("key file `{path}`: {reason}")]
    Key {
        /// The key file's path.
        path: String,
        /// What is wrong (length, encoding), without any key material.
        reason: String,
    },
    /// A DSSE envelope is malformed or its signature does not verify.
    #[error("signature check failed: {0}")]
    Signature(String),
}
