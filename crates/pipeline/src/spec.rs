//! The pipeline file as written: serde structs mirroring the TOML (see docs/pipeline-format.md).
//!
//! Every table denies unknown keys, so a typo is an error pointing at its line rather than a
//! silently ignored setting.

use indexmap::IndexMap;
use serde::Deserialize;
use sluice_dedup::{DecontamConfig, DedupConfig};
use sluice_export::OutputConfig;
use sluice_finetune::FormatConfig;
use sluice_ingest::InputFormat;
use sluice_redact::RedactConfig;
use sluice_validate::ValidateConfig;
use toml::Spanned;

/// A whole pipeline file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineSpec {
    /// `[pipeline]`: name and description.
    pub pipeline: PipelineMeta,
    /// `[[inputs]]`: the files to read, in order.
    pub inputs: Vec<Spanned<InputSpec>>,
    /// `[fields]`: the training record, in column order.
    pub fields: Spanned<IndexMap<String, Spanned<FieldDecl>>>,
    /// `[[stages]]`: what runs, in order.
    #[serde(default)]
    pub stages: Vec<Spanned<StageSpec>>,
    /// `[output]`: splits and sharding.
    #[serde(default)]
    pub output: Option<Spanned<OutputConfig>>,
    /// `[gates]`: dataset-level thresholds.
    #[serde(default)]
    pub gates: Option<Spanned<GatesSpec>>,
}

/// `[pipeline]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineMeta {
    /// Short name, `[a-z0-9-]+`; the default output directory is `out/<name>`.
    pub name: Spanned<String>,
    /// What the dataset is.
    #[serde(default)]
    pub description: Option<String>,
}

/// One `[[inputs]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSpec {
    /// Path or glob, relative to the pipeline file's directory.
    pub path: String,
    /// Format; default from the file extension.
    #[serde(default)]
    pub format: Option<InputFormat>,
    /// WHATWG encoding label (`utf-8`, `gbk`, …); BOMs always win.
    #[serde(default)]
    pub encoding: Option<String>,
    /// CSV delimiter (one ASCII char).
    #[serde(default)]
    pub delimiter: Option<char>,
}

/// One `[fields]` entry: `name = { from = "...", type = "...", required = true }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDecl {
    /// Source path (dotted for JSON, the header for CSV); defaults to the field name.
    #[serde(default)]
    pub from: Option<String>,
    /// Type text: `string`, `int64`, `float64`, `bool`, `list<T>`, `struct<…>`, `messages`.
    #[serde(rename = "type")]
    pub ty: String,
    /// Quarantine rows where the value is missing or null.
    #[serde(default)]
    pub required: bool,
}

/// One `[[stages]]` entry, selected by `kind`.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StageSpec {
    /// Exact and near deduplication.
    Dedup(DedupConfig),
    /// Removal (or flagging) of records that overlap reference evaluation sets.
    Decontaminate(DecontamConfig),
    /// PII and secret redaction.
    Redact(RedactConfig),
    /// Row validation rules.
    Validate(ValidateConfig),
    /// Shaping into a fine-tuning format (chat, instruction, …) and per-target checks.
    Format(FormatConfig),
}

impl StageSpec {
    /// The `kind` as written.
    pub fn kind(&self) -> &'static str {
        match self {
            StageSpec::Dedup(_) => "dedup",
            StageSpec::Decontaminate(_) => "decontaminate",
            StageSpec::Redact(_) => "redact",
            StageSpec::Validate(_) => "validate",
            StageSpec::Format(_) => "format",
        }
    }
}

/// `[gates]`: a run whose data crosses one of these thresholds exits 1 (outputs are still
/// written and the manifest marks the failed gate).
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct GatesSpec {
    /// Largest allowed share of input records that end in quarantine (0..=1).
    #[serde(default)]
    pub max_quarantine_rate: Option<f64>,
    /// Largest allowed share of input records removed as duplicates (0..=1).
    #[serde(default)]
    pub max_duplicate_rate: Option<f64>,
    /// Fewest rows the training set may have.
    #[serde(default)]
    pub min_rows: Option<u64>,
    /// `[gates.rules]`: per validate rule id, the largest allowed share (0..=1) of the rows it
    /// evaluated that fail it, whatever its severity.
    #[serde(default)]
    pub rules: std::collections::BTreeMap<String, f64>,
}
