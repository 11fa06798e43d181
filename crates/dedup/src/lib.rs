//! sluice's dedup stage: exact deduplication on normalised key fields.
//!
//! It runs as tag → decide → apply ([`sluice_core::GlobalStage`]): [`key`] turns each row into a
//! sha256 of its normalised key, [`survivor`] picks one survivor per group of equal digests over
//! all batches in input order, and [`exact`] removes the others as `DUP_EXACT` with the survivor's
//! record id. Near-duplicate detection plugs into the same three steps with its own attributes.

pub mod config;
pub mod exact;
pub mod key;
pub mod normalize;
pub mod survivor;

pub use config::{DedupConfig, DedupError};
pub use exact::ExactDedup;
pub use key::KeyDigest;
pub use normalize::{Normalization, Normalizer};
pub use survivor::SurvivorRule;

/// The dedup stage as the pipeline registers it; today it performs exact deduplication only.
pub type DedupStage = ExactDedup;
