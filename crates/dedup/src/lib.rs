//! sluice's dedup stage: exact and near-duplicate deduplication on normalised key fields, plus
//! n-gram decontamination against reference evaluation sets.
//!
//! Dedup runs as tag → decide → apply ([`sluice_core::GlobalStage`]): [`key`] turns each row into a
//! sha256 of its normalised key, [`rank`] reads its survivor rank, [`minhash`] computes its
//! MinHash signature over [`shingle`]s (kept only as LSH band keys) and [`sketch`] keeps its
//! shingle set; [`survivor`] picks one survivor per group of equal digests under a total order,
//! [`near`] clusters the exact survivors by LSH with edges verified on exact shingle-set Jaccard,
//! then splits each component into stars around the rows that cover the most (every removed row
//! is similar to its survivor, so clusters never chain); [`exact`] removes the other rows as `DUP_EXACT` / `DUP_NEAR` with the survivor's
//! record id and exposes every row's cluster. [`decontam`] is a separate row stage.

pub mod config;
pub mod decontam;
pub mod eval;
pub mod exact;
pub mod hugepage;
pub mod key;
pub mod masked;
pub mod minhash;
pub mod near;
pub mod normalize;
pub mod par;
pub mod popcount;
pub mod prefetch;
pub mod rank;
pub mod shingle;
pub mod sketch;
pub mod survivor;

pub use config::{DedupConfig, DedupError};
pub use decontam::{DecontamAction, DecontamConfig, DecontamError, Decontaminator};
pub use exact::{ClusterInfo, ExactDedup, RowAttr};
pub use key::KeyDigest;
pub use near::{Centre, NearConfig, NearSketch};
pub use normalize::{Normalization, Normalizer};
pub use shingle::Shingle;
pub use survivor::{Rank, SurvivorRule};

/// The dedup stage as the pipeline registers it (exact, plus near duplicates when configured).
pub type DedupStage = ExactDedup;
