//! Command-line parsing: `sluice-samplegen --out DIR [--seed N] [--scale N] [--dataset NAME]...`.

use crate::datasets::{claims, logs, tickets};
use crate::error::GenError;
use std::path::PathBuf;

/// The seed the committed samples were generated with.
pub const DEFAULT_SEED: u64 = 20_250_101;

/// What to generate and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Output directory (one subdirectory per dataset plus `README.md`).
    pub out: PathBuf,
    /// Seed of every random draw.
    pub seed: u64,
    /// Multiplier of every record count (at least 1).
    pub scale: u32,
    /// The datasets to write, by directory name; empty means all of them. A dataset's content
    /// does not depend on which others are written (each draws from its own fork of the seed).
    pub only: Vec<String>,
}

/// Every dataset the generator writes, by directory name, in generation order.
pub const DATASETS: [&str; 3] = [tickets::NAME, claims::NAME, logs::NAME];

/// Usage text.
pub const USAGE: &str =
    "usage: sluice-samplegen --out DIR [--seed N] [--scale N] [--dataset NAME]...

Writes the synthetic sample datasets, their ground truth and README.md into DIR.
  --out DIR       output directory (e.g. samples)
  --seed N        seed of every random draw (default 20250101)
  --scale N       multiply every record count by N (default 1)
  --dataset NAME  write only this dataset (repeatable): support-tickets, insurance-claims,
                  maintenance-logs; its files are the same as when all are written";

/// Parses the arguments after the program name; `Ok(None)` means help was asked for.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Option<Config>, GenError> {
    let mut out = None;
    let mut seed = DEFAULT_SEED;
    let mut scale = 1;
    let mut only: Vec<String> = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag.to_string(), Some(value.to_string())),
            None => (arg, None),
        };
        if flag == "--help" || flag == "-h" {
            return Ok(None);
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| GenError::Usage(format!("{flag} needs a value\n\n{USAGE}")))
        };
        match flag.as_str() {
            "--out" => out = Some(PathBuf::from(value()?)),
            "--seed" => seed = number(&flag, &value()?)?,
            "--scale" => {
                scale = number(&flag, &value()?)?;
                if scale == 0 {
                    return Err(GenError::Usage(format!(
                        "--scale must be at least 1\n\n{USAGE}"
                    )));
                }
            }
            "--dataset" => {
                let name = value()?;
                if !DATASETS.contains(&name.as_str()) {
                    return Err(GenError::Usage(format!(
                        "unknown dataset {name:?}; expected one of {}\n\n{USAGE}",
                        DATASETS.join(", ")
                    )));
                }
                if !only.contains(&name) {
                    only.push(name);
                }
            }
            other => {
                return Err(GenError::Usage(format!(
                    "unknown argument {other}\n\n{USAGE}"
                )));
            }
        }
    }
    let out = out.ok_or_else(|| GenError::Usage(format!("--out is required\n\n{USAGE}")))?;
    Ok(Some(Config {
        out,
        seed,
        scale,
        only,
    }))
}

fn number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, GenError> {
    value.parse().map_err(|_| {
        GenError::Usage(format!(
            "{flag} expects a non-negative integer, got {value:?}\n\n{USAGE}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_all_forms() {
        let config = parse(args(&["--out", "samples"])).unwrap().unwrap();
        assert_eq!(
            config,
            Config {
                out: "samples".into(),
                seed: DEFAULT_SEED,
                scale: 1,
                only: Vec::new(),
            }
        );
        let config = parse(args(&["--seed=7", "--scale", "3", "--out=x"]))
            .unwrap()
            .unwrap();
        assert_eq!(
            (config.seed, config.scale, config.out),
            (7, 3, PathBuf::from("x"))
        );
        assert_eq!(parse(args(&["--help"])).unwrap(), None);
        let config = parse(args(&[
            "--out=x",
            "--dataset",
            "maintenance-logs",
            "--dataset=support-tickets",
            "--dataset",
            "maintenance-logs",
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(config.only, ["maintenance-logs", "support-tickets"]);
    }

    #[test]
    fn rejects_bad_input() {
        for bad in [
            &["--seed", "1"][..],
            &["--out"],
            &["--out", "x", "--scale", "0"],
            &["--out", "x", "--scale", "-2"],
            &["--out", "x", "--seed", "abc"],
            &["--out", "x", "--verbose"],
            &["--out", "x", "--dataset", "tickets"],
            &["--out", "x", "--dataset"],
        ] {
            let err = parse(args(bad)).unwrap_err();
            assert!(matches!(err, GenError::Usage(_)), "{bad:?}");
        }
    }
}
