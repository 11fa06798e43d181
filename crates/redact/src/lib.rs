//! sluice's redaction stage: finds personal data and secrets in free text (mixed Chinese and
//! English) and replaces, masks, drops or quarantines them.
//!
//! Layers, each replaceable on its own:
//! - [`detectors`]: the catalogue, one file per detector, each with a stable code, an entity type
//!   and a doc block; [`validators`] hold the check-digit algorithms they use.
//! - [`Engine`]: folds full-width forms, runs the enabled detectors over one value behind cheap
//!   prefilters and resolves overlaps deterministically.
//! - [`policy`]: what each [`Action`] does to a span.
//! - [`RedactStage`]: the [`sluice_core::RowStage`] that applies all of it to batches, built from a
//!   [`RedactConfig`].
//!
//! Nothing here ever puts a detected value in an error, a span, a report or a removal detail:
//! they carry field paths, entity types, detector codes and char offsets only.

mod config;
mod detector;
pub mod detectors;
mod edits;
mod engine;
mod error;
mod fold;
mod needles;
pub mod policy;
mod pseudonym;
pub mod segments;
mod stage;
pub mod validators;

pub use config::{CustomConfig, DictionaryConfig, PolicyConfig, Propagate, RedactConfig};
pub use detector::{Detector, DetectorInfo, Settled, TextStats};
pub use detectors::{catalogue, describe};
pub use engine::{DEFAULT_SELECTION, Detection, Engine};
pub use error::RedactError;
pub use policy::Action;
pub use pseudonym::{MIN_KEY_BYTES, PseudonymKey, canonical};
pub use stage::{BuildContext, COLUMN_DETECTOR, DEFAULT_KEY_ENV, PROPAGATED_DETECTOR, RedactStage};
