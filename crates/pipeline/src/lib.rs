//! sluice's pipeline: a TOML pipeline file is parsed into a [`spec::PipelineSpec`], checked and
//! resolved into a [`plan::Plan`] (every stage built, every input found) before any data is read,
//! then executed by [`run::run`], which accounts for every input row and writes the outputs and
//! the manifest.

mod batch_file;
mod by_source;
pub mod cache;
mod clusters;
pub mod diagnostics;
mod memory;
pub mod plan;
pub mod quality;
pub mod registry;
pub mod run;
pub mod spec;
mod state;
mod store;
pub mod targets;

pub use cache::{CacheUse, default_cache_root};
pub use diagnostics::ConfigError;
pub use plan::{Plan, PlanOptions};
pub use run::{PhaseStats, RunError, RunOptions, RunSummary, StepStats, run};
pub use store::SpillStats;
