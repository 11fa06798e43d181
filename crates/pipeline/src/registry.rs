//! The one list of stage kinds: how a `[[stages]]` entry becomes a runnable stage.
//!
//! Adding a stage kind means: a variant in [`crate::spec::StageSpec`], a variant here, and an arm
//! in [`build_stage`]. Nothing else in the pipeline matches on stage kinds, except the runner's
//! dispatch between row-local and global execution.

use crate::spec::StageSpec;
use sluice_core::TargetSchema;
use sluice_dedup::ExactDedup;
use sluice_redact::RedactStage;
use sluice_validate::ValidateStage;

/// A stage ready to run.
pub enum BuiltStage {
    /// Global: tag → decide → apply.
    Dedup(Box<ExactDedup>),
    /// Row-local redaction.
    Redact(Box<RedactStage>),
    /// Row-local validation.
    Validate(Box<ValidateStage>),
}

impl BuiltStage {
    /// The stage kind as in the pipeline file.
    pub fn kind(&self) -> &'static str {
        match self {
            BuiltStage::Dedup(_) => "dedup",
            BuiltStage::Redact(_) => "redact",
            BuiltStage::Validate(_) => "validate",
        }
    }
}

/// Builds and validates one stage against the run's schema. The error text names keys and
/// fields, never data.
pub fn build_stage(spec: &StageSpec, schema: &TargetSchema) -> Result<BuiltStage, String> {
    match spec {
        StageSpec::Dedup(config) => sluice_dedup::ExactDedup::build(config.clone(), schema)
            .map(|s| BuiltStage::Dedup(Box::new(s)))
            .map_err(|e| e.to_string()),
        StageSpec::Redact(config) => RedactStage::build(config, schema)
            .map(|s| BuiltStage::Redact(Box::new(s)))
            .map_err(|e| e.to_string()),
        StageSpec::Validate(config) => ValidateStage::build(config.clone(), schema)
            .map(|s| BuiltStage::Validate(Box::new(s)))
            .map_err(|e| e.to_string()),
    }
}
