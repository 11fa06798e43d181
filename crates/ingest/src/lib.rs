//! sluice's ingest stage: reads CSV, TSV, JSONL (plain, gzip or zstd) and Parquet inputs into
//! [`sluice_core::Batch`]es of the run's [`sluice_core::TargetSchema`].
//!
//! Every record gets a stable id from the file digest and its row index. A record that cannot
//! be decoded, parsed or mapped becomes a [`sluice_core::Removal`] with a reason code, a detail
//! that names fields, types and offsets but never values, and its raw text as content; its
//! neighbours are unaffected. Only whole-file problems are [`IngestError`]s.

mod cell;
mod coerce;
mod columns;
mod conform;
mod decompress;
mod delimited;
mod error;
mod format;
mod identity;
mod infer;
mod jsonl;
mod lines;
mod mapping;
mod options;
mod parquet_reader;
mod paths;
mod problem;
mod read;
mod sink;
mod strict_json;
#[cfg(test)]
mod testutil;
mod text;

pub use error::IngestError;
pub use format::{Compression, InputFormat, UnknownFormatName};
pub use identity::MAX_CONTENT_BYTES;
pub use infer::infer_schema;
pub use options::{InputOptions, InputSpec};
pub use paths::expand_glob;
pub use read::{IngestResult, read_bytes, read_input, read_input_streaming};
pub use sink::BatchHandler;
