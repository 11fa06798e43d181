//! Errors raised by the data model itself.

use thiserror::Error;

/// Something in the shared data model could not be built or interpreted.
#[derive(Debug, Error)]
pub enum CoreError {
    /// A field type string in a pipeline file did not parse.
    #[error("invalid field type `{ty}`: {reason}")]
    InvalidType {
        /// The type text as written.
        ty: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A stage referred to a field the schema does not declare.
    #[error("unknown field `{0}`")]
    UnknownField(String),
    /// An Arrow kernel failed (shape mismatch, bad cast).
    #[error(transparent)]
    Arrow(#[from] arrow::error::ArrowError),
}
