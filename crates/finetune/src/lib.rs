//! The `format` stage: turns mapped records into a fine-tuning shape and checks every row against
//! the rules of the training platforms it is meant for.
//!
//! Shapes ([`Shape`]): `chat` (a `messages` list of role/content turns, built from templates or
//! passed through), `instruction` (Alpaca), `prompt_completion` and `text`. Targets
//! ([`Target`]): OpenAI, Alibaba Bailian, ModelScope ms-swift, LLaMA-Factory, TRL and Hugging
//! Face datasets. Each target's documented rules (roles, ordering, last turn, length limit) are
//! checked per row; a row that breaks one is quarantined with an `FT_*` reason code, or kept and
//! flagged, as configured. The writers in [`render`] produce each target's JSONL lines and the
//! `dataset_info.json` / dataset card that go with them.

pub mod checks;
pub mod config;
pub mod render;
pub mod stage;
pub mod target;
pub mod template;

pub use config::{FormatConfig, FormatError, OnIncompatible, Shape};
pub use render::{
    hf_dataset_card, hf_dataset_card_for_schema, llamafactory_dataset_info, render_jsonl,
};
pub use stage::FormatStage;
pub use target::{OverLength, Target, TargetRules};
