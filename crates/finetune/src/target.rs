//! The training platforms sluice writes for and the documented rules each one applies.
//!
//! Sources (see the design research notes, §4): OpenAI's chat fine-tuning format and the
//! cookbook's data checker; Alibaba Bailian's SFT JSONL; ms-swift's `_check_messages` (it deletes
//! over-long rows); LLaMA-Factory's ShareGPT converter (strict alternation, even turn count,
//! `cutoff_len` 2048); TRL's `SFTTrainer` (`max_length` 1024, truncating); Hugging Face `datasets`
//! Parquet, which has no rules beyond the schema.

use crate::config::{FormatError, Shape};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A platform the dataset is exported for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Target {
    /// OpenAI chat fine-tuning JSONL.
    #[serde(rename = "openai")]
    OpenAi,
    /// Alibaba Cloud Bailian / Model Studio SFT JSONL.
    #[serde(rename = "bailian")]
    Bailian,
    /// ModelScope ms-swift `messages` JSONL.
    #[serde(rename = "ms-swift")]
    MsSwift,
    /// LLaMA-Factory (Alpaca or ShareGPT JSONL + `dataset_info.json`).
    #[serde(rename = "llamafactory")]
    LlamaFactory,
    /// Hugging Face TRL `SFTTrainer` JSONL.
    #[serde(rename = "trl")]
    Trl,
    /// Hugging Face `datasets` Parquet with a dataset card.
    #[serde(rename = "hf")]
    Hf,
}

/// What a target does with a row longer than its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverLength {
    /// The row is cut to the limit (the end of the answer is lost).
    Truncate,
    /// The row is deleted.
    Drop,
}

/// The rules of one target, as documented by the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetRules {
    /// Shapes the target can train on.
    pub shapes: &'static [Shape],
    /// Chat roles it accepts; empty means any non-empty role.
    pub roles: &'static [&'static str],
    /// A system turn may only be the first turn.
    pub system_first_only: bool,
    /// After an optional system turn, user-side and assistant turns must alternate, user first.
    pub alternate: bool,
    /// The last turn must be the assistant's.
    pub last_assistant: bool,
    /// At least one assistant turn is required.
    pub needs_assistant: bool,
    /// Token limit per row when the config sets none.
    pub default_max_tokens: Option<u64>,
    /// What happens above the limit.
    pub over_length: OverLength,
}

const CHAT: &[Shape] = &[Shape::Chat];
const ALL: &[Shape] = &Shape::ALL;
const BASIC_ROLES: &[&str] = &["system", "user", "assistant"];
const TOOL_ROLES: &[&str] = &["system", "user", "assistant", "tool"];
const SWIFT_ROLES: &[&str] = &[
    "system",
    "user",
    "assistant",
    "tool",
    "tool_call",
    "tool_response",
];

impl Target {
    /// Every target, in declaration order.
    pub const ALL: [Target; 6] = [
        Target::OpenAi,
        Target::Bailian,
        Target::MsSwift,
        Target::LlamaFactory,
        Target::Trl,
        Target::Hf,
    ];

    /// Parses a target name as written in a pipeline file.
    pub fn parse(name: &str) -> Result<Target, FormatError> {
        Ok(match name {
            "openai" => Target::OpenAi,
            "bailian" | "dashscope" => Target::Bailian,
            "ms-swift" | "ms_swift" | "swift" => Target::MsSwift,
            "llamafactory" | "llama-factory" | "llama_factory" => Target::LlamaFactory,
            "trl" => Target::Trl,
            "hf" | "huggingface" => Target::Hf,
            other => return Err(FormatError::UnknownTarget(other.to_owned())),
        })
    }

    /// The canonical name, used in counters, details and file names.
    pub fn as_str(self) -> &'static str {
        match self {
            Target::OpenAi => "openai",
            Target::Bailian => "bailian",
            Target::MsSwift => "ms-swift",
            Target::LlamaFactory => "llamafactory",
            Target::Trl => "trl",
            Target::Hf => "hf",
        }
    }

    /// The output file (or, for `hf`, directory) name of this target's export.
    pub fn file_name(self) -> &'static str {
        match self {
            Target::OpenAi => "openai.jsonl",
            Target::Bailian => "bailian.jsonl",
            Target::MsSwift => "ms-swift.jsonl",
            Target::LlamaFactory => "llamafactory.jsonl",
            Target::Trl => "trl.jsonl",
            Target::Hf => "hf",
        }
    }

    /// True when the target reads JSONL; `hf` reads Parquet shards plus a README card.
    pub fn wants_jsonl(self) -> bool {
        !matches!(self, Target::Hf)
    }

    /// The target's documented rules.
    pub fn rules(self) -> TargetRules {
        match self {
            // Cookbook checker: roles, missing content, at least one assistant message. Examples
            // over the model's per-example context (65,536 tokens for gpt-4o / gpt-4o-mini) are
            // truncated.
            Target::OpenAi => TargetRules {
                shapes: CHAT,
                roles: BASIC_ROLES,
                system_first_only: false,
                alternate: false,
                last_assistant: false,
                needs_assistant: true,
                default_max_tokens: Some(65_536),
                over_length: OverLength::Truncate,
            },
            // No published per-row token limit: only an explicit `max_tokens` is checked.
            Target::Bailian => TargetRules {
                shapes: CHAT,
                roles: BASIC_ROLES,
                system_first_only: true,
                alternate: false,
                last_assistant: true,
                needs_assistant: true,
                default_max_tokens: None,
                over_length: OverLength::Drop,
            },
            // `max_length` defaults to the model's maximum, so only an explicit `max_tokens` is
            // checked; longer rows are deleted (`truncation_strategy = delete`).
            Target::MsSwift => TargetRules {
                shapes: CHAT,
                roles: SWIFT_ROLES,
                system_first_only: true,
                alternate: false,
                last_assistant: true,
                needs_assistant: true,
                default_max_tokens: None,
                over_length: OverLength::Drop,
            },
            // ShareGPT: optional leading system, then human/observation and gpt/function_call
            // strictly alternating, even count (ends with gpt); `cutoff_len` 2048 cuts.
            Target::LlamaFactory => TargetRules {
                shapes: ALL,
                roles: TOOL_ROLES,
                system_first_only: true,
                alternate: true,
                last_assistant: true,
                needs_assistant: true,
                default_max_tokens: Some(2048),
                over_length: OverLength::Truncate,
            },
            // `max_length` 1024 with `truncation_mode = keep_start`.
            Target::Trl => TargetRules {
                shapes: &[Shape::Chat, Shape::PromptCompletion, Shape::Text],
                roles: TOOL_ROLES,
                system_first_only: true,
                alternate: false,
                last_assistant: true,
                needs_assistant: true,
                default_max_tokens: Some(1024),
                over_length: OverLength::Truncate,
            },
            Target::Hf => TargetRules {
                shapes: ALL,
                roles: &[],
                system_first_only: false,
                alternate: false,
                last_assistant: false,
                needs_assistant: false,
                default_max_tokens: None,
                over_length: OverLength::Truncate,
            },
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for target in Target::ALL {
            assert_eq!(Target::parse(target.as_str()).expect("known"), target);
        }
        assert_eq!(
            Target::parse("llama-factory").expect("alias"),
            Target::LlamaFactory
        );
        assert!(matches!(
            Target::parse("axolotl"),
            Err(FormatError::UnknownTarget(_))
        ));
    }

    #[test]
    fn file_names_and_jsonl() {
        assert_eq!(Target::OpenAi.file_name(), "openai.jsonl");
        assert!(Target::Trl.wants_jsonl());
        assert!(!Target::Hf.wants_jsonl());
    }

    #[test]
    fn api_targets_need_chat() {
        for target in [Target::OpenAi, Target::Bailian, Target::MsSwift] {
            assert_eq!(target.rules().shapes, &[Shape::Chat]);
        }
        assert!(
            Target::LlamaFactory
                .rules()
                .shapes
                .contains(&Shape::Instruction)
        );
        assert!(!Target::Trl.rules().shapes.contains(&Shape::Instruction));
    }
}
