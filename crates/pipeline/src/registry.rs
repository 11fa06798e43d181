//! The one list of stage kinds: how a `[[stages]]` entry becomes a runnable stage.
//!
//! Adding a stage kind means: a variant in [`crate::spec::StageSpec`], a variant here, and an arm
//! in [`build_stage`]. Nothing else in the pipeline matches on stage kinds, except the runner's
//! dispatch between row-local and global execution.

use crate::spec::StageSpec;
use sluice_core::TargetSchema;
use sluice_dedup::{Decontaminator, ExactDedup};
use sluice_finetune::FormatStage;
use sluice_redact::RedactStage;
use sluice_validate::ValidateStage;
use std::path::Path;

/// A stage ready to run.
pub enum BuiltStage {
    /// Global: tag → decide → apply.
    Dedup(Box<ExactDedup>),
    /// Row-local decontamination against reference sets.
    Decontaminate(Box<Decontaminator>),
    /// Row-local redaction.
    Redact(Box<RedactStage>),
    /// Global validation (tag → decide → apply): `unique` rules span all batches.
    Validate(Box<ValidateStage>),
    /// Row-local shaping into a fine-tuning format, with per-target compatibility checks.
    Format(Box<FormatStage>),
}

impl BuiltStage {
    /// The stage kind as in the pipeline file.
    pub fn kind(&self) -> &'static str {
        match self {
            BuiltStage::Dedup(_) => "dedup",
            BuiltStage::Decontaminate(_) => "decontaminate",
            BuiltStage::Redact(_) => "redact",
            BuiltStage::Validate(_) => "validate",
            BuiltStage::Format(_) => "format",
        }
    }
}

/// Builds and validates one stage against the run's schema; relative paths in a stage (reference
/// sets, tokenizers) are resolved against `base_dir`; `input_names` are the inputs as the manifest
/// names them, in read order (dedup's `prefer_inputs` survivor rule matches them). The error text names keys and fields, never data.
pub fn build_stage(
    spec: &StageSpec,
    schema: &TargetSchema,
    base_dir: &Path,
    input_names: &[String],
) -> Result<BuiltStage, String> {
    match spec {
        StageSpec::Decontaminate(config) => {
            let references =
                load_references(&config.references, &config.reference_field, base_dir)?;
            Decontaminator::build(config.clone(), schema, references)
                .map(|s| BuiltStage::Decontaminate(Box::new(s)))
                .map_err(|e| e.to_string())
        }
        StageSpec::Dedup(config) => {
            sluice_dedup::ExactDedup::build_with_inputs(config.clone(), schema, input_names)
                .map(|s| BuiltStage::Dedup(Box::new(s)))
                .map_err(|e| e.to_string())
        }
        StageSpec::Redact(config) => {
            let env = |name: &str| std::env::var(name).ok();
            let context = sluice_redact::BuildContext {
                env: &env,
                base_dir: Some(base_dir),
            };
            RedactStage::build_in(config, schema, &context)
                .map(|s| BuiltStage::Redact(Box::new(s)))
                .map_err(|e| e.to_string())
        }
        StageSpec::Format(config) => FormatStage::build(config.clone(), schema, base_dir)
            .map(|s| BuiltStage::Format(Box::new(s)))
            .map_err(|e| e.to_string()),
        StageSpec::Validate(config) => ValidateStage::build_in(config.clone(), schema, base_dir)
            .map(|s| BuiltStage::Validate(Box::new(s)))
            .map_err(|e| e.to_string()),
    }
}

impl BuiltStage {
    /// The record schema after this stage: a format stage reshapes records, the others keep them.
    pub fn output_schema(&self, input: &TargetSchema) -> TargetSchema {
        match self {
            BuiltStage::Format(stage) => stage.output_schema(),
            _ => input.clone(),
        }
    }
}

/// Reads the reference evaluation sets: every file matching `patterns` (relative to `base_dir`),
/// the text of `field` of every record, with ids `<file>:<row>`. Unreadable records are skipped
/// (they cannot contaminate anything); an unreadable file is an error.
fn load_references(
    patterns: &[String],
    field: &str,
    base_dir: &Path,
) -> Result<Vec<(String, String)>, String> {
    use sluice_core::strings::visit_strings;
    use sluice_core::{FieldPath, FieldType};
    let mut schema = TargetSchema::of([(field, FieldType::String)]);
    // A record without the text cannot contaminate anything: quarantined at read, skipped here.
    if let Some(spec) = schema.fields.first_mut() {
        spec.required = true;
    }
    let mut references = Vec::new();
    for pattern in patterns {
        let paths = sluice_ingest::expand_glob(&base_dir.join(pattern))
            .map_err(|e| format!("references `{pattern}`: {e}"))?;
        for (index, path) in paths.iter().enumerate() {
            let display = path
                .strip_prefix(base_dir)
                .unwrap_or(path)
                .to_string_lossy()
                .replace('\\', "/");
            let options = sluice_ingest::InputOptions::default();
            let read = sluice_ingest::read_input(path, index as u32, &options, &schema, 8192)
                .map_err(|e| format!("references `{pattern}`: {e}"))?;
            for batch in &read.batches {
                if let Some(column) = batch.data.columns().first() {
                    visit_strings(
                        column.as_ref(),
                        &FieldPath::root(field),
                        &mut |site, text| {
                            let row = batch.rows[site.row].source.row;
                            references.push((format!("{display}:{row}"), text.to_owned()));
                        },
                    );
                }
            }
        }
    }
    Ok(references)
}
