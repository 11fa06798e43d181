//! sluice's outputs: the training set as deterministic zstd Parquet shards per split (Hugging Face
//! `data/{split}-{i:05}-of-{k:05}.parquet` layout), plus `quarantine.parquet` and
//! `duplicates.parquet`. Every file goes through [`write_atomic`] / [`AtomicFile`], and every
//! writer returns an [`OutputFile`] (path, rows, bytes, sha256) for the manifest.
//!
//! Determinism: split assignment is a hash of a key, writer properties are pinned, and each shard
//! is encoded from its rows in input order independent of batching, so the same kept rows give
//! byte-identical files whatever the thread count.

pub mod atomic;
pub mod config;
pub mod duplicates;
pub mod error;
pub mod lineage_table;
pub mod output;
pub mod parquet_writer;
pub mod placement;
pub mod quarantine;
pub mod split;
pub mod training;

pub use atomic::{AtomicFile, write_atomic};
pub use config::OutputConfig;
pub use duplicates::{DuplicateRow, DuplicatesWriter, write_duplicates};
pub use error::ExportError;
pub use lineage_table::{
    LineageRow, LineageRowRef, LineageSpan, LineageTableWriter, SpanKind, SpanNames, lineage_batch,
    write_lineage_table,
};
pub use output::{OutputFile, SideFileWriter, write_side_file};
pub use parquet_writer::{
    ParquetFileWriter, WrittenParquet, encode_parquet, write_parquet, writer_properties,
};
pub use placement::{Placement, Placements, placements, split_indices};
pub use quarantine::{QuarantineRow, QuarantineWriter, write_quarantine};
pub use split::assign_split;
pub use training::{
    SplitParts, SplitRows, TrainingSetWriter, write_training_set, write_training_set_with_schema,
};
