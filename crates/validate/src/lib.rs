//! sluice's validate stage: row rules and dataset-wide rules with stable reason codes.
//!
//! Each rule ([`rules`], one file per kind) judges rows without quoting values: schema rules
//! (`required`, `length`, `type`, `enum`, `regex`, `range`, `expr` in SQL via polars, which this
//! crate alone depends on), text-quality heuristics (`text_length` in chars or tokens,
//! `alnum_ratio`, `special_char_ratio`, `symbol_ratio`, `repetition`, `mojibake`, `language`,
//! `script_mix`) and `unique`, which needs the whole dataset. The stage ([`stage`]) is therefore a
//! [`sluice_core::GlobalStage`]: it removes a row on its first failing `error` rule (code
//! `Q_<ID>`, content kept for quarantine) and flags rows failing only `warn` rules. Nulls and
//! unreliable measurements are counted outcomes, never silent passes.

pub mod config;
pub mod rules;
pub mod stage;

#[cfg(test)]
mod test_support;

pub use config::{Severity, ValidateConfig, ValidateError};
pub use rules::{
    Check, Failure, NullPolicy, RowCheck, Rule, RuleConfig, RuleInfo, Verdict, reason_code,
};
pub use stage::{RowAttr, ValidateStage};
