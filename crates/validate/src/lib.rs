//! sluice's validate stage: row rules with stable reason codes.
//!
//! Each rule ([`rules`]) checks every row of a batch and says, without quoting values, why a row
//! fails. The stage ([`stage`]) removes a row on its first failing `error` rule (code `Q_<ID>`,
//! content kept for quarantine) and only counts rows failing `warn` rules. SQL expression rules
//! are evaluated with polars, which this crate alone depends on.

pub mod config;
pub mod rules;
pub mod stage;

#[cfg(test)]
mod test_support;

pub use config::{Severity, ValidateConfig, ValidateError};
pub use rules::{Failure, RowCheck, Rule, RuleConfig, reason_code};
pub use stage::ValidateStage;
