//! The `[[stages]] kind = "format"` table and the errors of building or rendering a format stage.

use crate::target::Target;
use serde::{Deserialize, Serialize};
use sluice_tokenize::TokenizeError;
use std::fmt;
use thiserror::Error;

/// Settings of a format stage (the pipeline file's stage table without `kind`).
///
/// ```toml
/// [[stages]]
/// kind = "format"
/// shape = "chat"
/// system = "You are a helpful support agent."
/// user = "{subject}\n\n{body}"
/// assistant = "{resolution}"
/// keep = ["ticket_id"]
/// targets = ["openai", "llamafactory"]
/// tokenizer = "cl100k"
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormatConfig {
    /// The record layout to produce.
    pub shape: Shape,
    /// Chat: template of an optional leading system turn (omitted for a row when one of its
    /// fields is null or empty).
    #[serde(default)]
    pub system: Option<String>,
    /// Chat: template of the user turn.
    #[serde(default)]
    pub user: Option<String>,
    /// Chat: template of the assistant turn.
    #[serde(default)]
    pub assistant: Option<String>,
    /// Chat: an existing `messages`-typed field passed through instead of templates.
    #[serde(default)]
    pub messages: Option<String>,
    /// Instruction: template of the instruction.
    #[serde(default)]
    pub instruction: Option<String>,
    /// Instruction: optional template of the input (empty when one of its fields is null/empty).
    #[serde(default)]
    pub input: Option<String>,
    /// Instruction: template of the expected output.
    #[serde(default)]
    pub output: Option<String>,
    /// Prompt/completion: template of the prompt.
    #[serde(default)]
    pub prompt: Option<String>,
    /// Prompt/completion: template of the completion.
    #[serde(default)]
    pub completion: Option<String>,
    /// Text: template of the text.
    #[serde(default)]
    pub text: Option<String>,
    /// Extra fields carried through unchanged after the shaped columns.
    #[serde(default)]
    pub keep: Vec<String>,
    /// Platforms whose rules every row is checked against (`openai`, `bailian`, `ms-swift`,
    /// `llamafactory`, `trl`, `hf`).
    pub targets: Vec<String>,
    /// `cl100k`, `o200k`, or a path to a Hugging Face `tokenizer.json` (relative paths are
    /// resolved against the pipeline file's directory).
    #[serde(default = "default_tokenizer")]
    pub tokenizer: String,
    /// Token limit applied to every target; without it each target's documented default.
    #[serde(default)]
    pub max_tokens: Option<u64>,
    /// What to do with a row that a target would reject, drop or truncate.
    #[serde(default)]
    pub on_incompatible: OnIncompatible,
}

fn default_tokenizer() -> String {
    "cl100k".to_owned()
}

/// A fine-tuning record layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// `messages: list<struct<role, content>>`.
    Chat,
    /// `instruction`, `input`, `output` (Alpaca).
    Instruction,
    /// `prompt`, `completion`.
    PromptCompletion,
    /// `text` (continued pre-training, plain language modelling).
    Text,
}

impl Shape {
    /// Every shape, in declaration order.
    pub const ALL: [Shape; 4] = [
        Shape::Chat,
        Shape::Instruction,
        Shape::PromptCompletion,
        Shape::Text,
    ];

    /// The name used in pipeline files.
    pub fn as_str(self) -> &'static str {
        match self {
            Shape::Chat => "chat",
            Shape::Instruction => "instruction",
            Shape::PromptCompletion => "prompt_completion",
            Shape::Text => "text",
        }
    }

    /// The string columns this shape produces, in order (chat produces `messages` instead).
    pub fn text_columns(self) -> &'static [&'static str] {
        match self {
            Shape::Chat => &[],
            Shape::Instruction => &["instruction", "input", "output"],
            Shape::PromptCompletion => &["prompt", "completion"],
            Shape::Text => &["text"],
        }
    }

    /// Names of the shaped output columns, in order.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Shape::Chat => &["messages"],
            other => other.text_columns(),
        }
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happens to a row some target would not train on as given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnIncompatible {
    /// Remove the row with its `FT_*` reason code.
    #[default]
    Quarantine,
    /// Keep the row and flag it with each `FT_*` code it earned.
    Warn,
}

/// A format stage that cannot be built, or output that cannot be rendered. Messages name keys,
/// fields, targets, types, offsets and row indices; never a value.
#[derive(Debug, Error)]
pub enum FormatError {
    /// A key the shape needs is absent.
    #[error("format stage: shape `{shape}` needs `{key}`")]
    MissingKey {
        /// The shape.
        shape: Shape,
        /// The missing key.
        key: &'static str,
    },
    /// A key that belongs to another shape is set.
    #[error("format stage: `{key}` is not used by shape `{shape}`")]
    UnexpectedKey {
        /// The shape.
        shape: Shape,
        /// The key.
        key: &'static str,
    },
    /// Two keys that exclude each other are both set.
    #[error("format stage: `{first}` and `{second}` cannot both be set")]
    ConflictingKeys {
        /// One key.
        first: &'static str,
        /// The other.
        second: &'static str,
    },
    /// A template is malformed.
    #[error("format stage: template `{key}`: {reason} at byte {offset}")]
    Template {
        /// The key holding the template.
        key: &'static str,
        /// Byte offset in the template text.
        offset: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// A template or key names a field the schema does not declare.
    #[error("format stage: `{key}` refers to unknown field `{field}`")]
    UnknownField {
        /// The key.
        key: &'static str,
        /// The field as written.
        field: String,
    },
    /// A field has a type the key cannot use.
    #[error("format stage: `{key}` uses field `{field}` of type {ty}, expected {expected}")]
    WrongFieldType {
        /// The key.
        key: &'static str,
        /// The field.
        field: String,
        /// Its declared type.
        ty: String,
        /// The type the key needs.
        expected: &'static str,
    },
    /// `targets` is empty.
    #[error("format stage: `targets` is empty")]
    NoTargets,
    /// A target name is not known.
    #[error(
        "format stage: unknown target `{0}` (known: openai, bailian, ms-swift, llamafactory, trl, hf)"
    )]
    UnknownTarget(String),
    /// A target is listed twice.
    #[error("format stage: target `{0}` is listed twice")]
    DuplicateTarget(Target),
    /// A target cannot take the shape.
    #[error(
        "format stage: target `{target}` does not accept shape `{shape}` (it accepts: {accepted})"
    )]
    ShapeNotSupported {
        /// The target.
        target: Target,
        /// The configured shape.
        shape: Shape,
        /// The shapes it accepts.
        accepted: String,
    },
    /// A `keep` field clashes with a shaped column or is listed twice.
    #[error("format stage: `keep` field `{0}` is listed twice or clashes with a shaped column")]
    KeepClash(String),
    /// `max_tokens` is zero.
    #[error("format stage: `max_tokens` must be at least 1")]
    ZeroMaxTokens,
    /// The tokenizer could not be loaded.
    #[error("format stage: `tokenizer`: {0}")]
    Tokenizer(#[from] TokenizeError),
    /// The target has no JSONL form (Hugging Face datasets are written as Parquet).
    #[error("target `{0}` is written as Parquet, not JSONL")]
    NotJsonl(Target),
    /// The data lacks a column the shape needs, or has it with another type.
    #[error("cannot render: column `{column}` is missing or not of the shaped type")]
    MissingColumn {
        /// The column.
        column: &'static str,
    },
    /// The data does not have the columns of any shape.
    #[error(
        "cannot render: the data has none of the shaped columns (messages, instruction, prompt, text)"
    )]
    UnknownShape,
    /// A required value is null at render time (the format stage never keeps such a row).
    #[error("cannot render: row {row}: `{column}` is null")]
    NullValue {
        /// Row index within the data.
        row: usize,
        /// The column or sub-field.
        column: &'static str,
    },
    /// Writing failed.
    #[error("cannot write JSONL: {0}")]
    Io(#[from] std::io::Error),
    /// JSON encoding failed.
    #[error("cannot encode JSON: {0}")]
    Json(#[from] serde_json::Error),
}
