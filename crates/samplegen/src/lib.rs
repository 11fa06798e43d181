//! Deterministic generator of sluice's synthetic sample datasets (support tickets, insurance
//! claims, maintenance logs) with planted PII, hard negatives, duplicates and defects, plus the
//! ground truth that tests check pipeline outputs against. Nothing here is real personal data.

pub mod args;
pub mod audit;
pub mod calendar;
pub mod checksum;
pub mod csv_text;
pub mod datasets;
pub mod error;
pub mod names;
pub mod negatives;
pub mod pii;
pub mod readme;
pub mod rng;
pub mod schedule;
pub mod sink;
pub mod slots;
pub mod summary;
pub mod text;
pub mod truth;

pub use args::{Config, DATASETS, DEFAULT_SEED};
pub use error::GenError;
pub use summary::{DatasetSummary, FileSummary, Summary};

use datasets::{claims, logs, tickets};

/// Generates the datasets `config.only` names (all when empty) and the README into `config.out`;
/// files are streamed, so memory does not grow with `config.scale`.
pub fn generate(config: &Config) -> Result<Summary, GenError> {
    if config.scale == 0 {
        return Err(GenError::Usage("--scale must be at least 1".into()));
    }
    if let Some(unknown) = config.only.iter().find(|n| !DATASETS.contains(&n.as_str())) {
        return Err(GenError::Usage(format!("unknown dataset {unknown:?}")));
    }
    fs_err::create_dir_all(&config.out)?;
    let root = rng::Rng::new(config.seed);
    let wanted = |name: &str| config.only.is_empty() || config.only.iter().any(|n| n == name);
    type Generator = fn(&std::path::Path, &rng::Rng, u32) -> Result<DatasetSummary, GenError>;
    let generators: [(&str, Generator); 3] = [
        (tickets::NAME, tickets::generate),
        (claims::NAME, claims::generate),
        (logs::NAME, logs::generate),
    ];
    let mut datasets = Vec::new();
    for (name, generate) in generators {
        if wanted(name) {
            datasets.push(generate(&config.out.join(name), &root, config.scale)?);
        }
    }
    let summary = Summary {
        seed: config.seed,
        scale: config.scale,
        datasets,
    };
    fs_err::write(config.out.join("README.md"), readme::render(&summary))?;
    Ok(summary)
}
