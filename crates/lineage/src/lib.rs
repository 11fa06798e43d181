//! sluice's lineage: the [`Manifest`] a run writes as `manifest.json`, the digests it records,
//! and [`verify()`], which recomputes them from the files on disk; plus its projections onto
//! OpenLineage run events ([`openlineage_events`]), an in-toto/SLSA statement with optional DSSE
//! ed25519 signing ([`intoto_statement`], [`sign_dsse`], [`verify_dsse`]) and Croissant 1.1 + RAI
//! JSON-LD ([`croissant_jsonld`]).
//!
//! The manifest is deterministic apart from its `run` block: same pipeline, same inputs → same
//! [`Manifest::deterministic_json`] bytes and the same [`root_digest`], whatever the thread count.

pub mod clock;
pub mod croissant;
pub mod digest;
pub mod error;
pub mod intoto;
pub mod manifest;
pub mod openlineage;
pub mod verify;

pub use clock::rfc3339_utc;
pub use croissant::{DatasetCard, croissant_jsonld};
pub use digest::{FileDigest, digest_file};
pub use ed25519_dalek::{SigningKey, VerifyingKey};
pub use error::LineageError;
pub use intoto::{
    dsse_payload, intoto_statement, sign_dsse, signing_key_from_file, statement_mismatches,
    verify_dsse, verifying_key_from_file,
};
pub use manifest::{
    BUILD_COMMIT, CacheInfo, Conservation, GateResult, InputConservation, InputEntry,
    MANIFEST_VERSION, Manifest, OutputEntry, PipelineInfo, RunInfo, SIDE_TABLE_ROLES, StageEntry,
    Tool, canonical_json_sha256, root_digest,
};
pub use openlineage::{SchemaField, deterministic_run_id, openlineage_events, output_schema};
pub use verify::{
    FileKind, FileStatus, FileVerdict, JoinVerdict, SIGNATURE_FILE, SignatureVerdict,
    VerifyOptions, VerifyReport, verify, verify_with,
};
