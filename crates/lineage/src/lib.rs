//! sluice's lineage: the [`Manifest`] a run writes as `manifest.json`, the digests it records,
//! and [`verify`], which recomputes them from the files on disk.
//!
//! The manifest is deterministic apart from its `run` block: same pipeline, same inputs → same
//! [`Manifest::deterministic_json`] bytes and the same [`root_digest`], whatever the thread count.

pub mod clock;
pub mod digest;
pub mod error;
pub mod manifest;
pub mod verify;

pub use clock::rfc3339_utc;
pub use digest::{FileDigest, digest_file};
pub use error::LineageError;
pub use manifest::{
    Conservation, GateResult, InputConservation, InputEntry, MANIFEST_VERSION, Manifest,
    OutputEntry, PipelineInfo, RunInfo, StageEntry, Tool, canonical_json_sha256, root_digest,
};
pub use verify::{FileKind, FileStatus, FileVerdict, VerifyReport, verify};
