//! Command-line arguments (clap derive). Only this crate knows clap.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// sluice turns raw enterprise records into governed fine-tuning datasets: ingest, dedup,
/// redact, validate and export, with a manifest that accounts for every row.
#[derive(Debug, Parser)]
#[command(name = "sluice", version, about, long_about = None)]
pub struct Cli {
    /// More log output on stderr (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a pipeline: write the training set, quarantine, duplicates and manifest.
    Run(RunArgs),
    /// Check a pipeline file (config only; no data is read).
    Check(CheckArgs),
    /// Summarise a Parquet file or a manifest.
    Inspect(InspectArgs),
    /// Recompute every digest and row count a manifest records.
    Verify(VerifyArgs),
    /// Write the self-contained HTML review page for a run.
    Report(ReportArgs),
    /// Print a standard projection of a manifest (OpenLineage, Croissant, in-toto).
    Emit(EmitArgs),
    /// Audit files for sensitive values (residual-PII scan); prints locations, never values.
    Scan(ScanArgs),
    /// Where a record came from and where it went (from the lineage table).
    Trace(TraceArgs),
    /// List the redaction detectors.
    List(ListArgs),
    /// Explain one detector by code.
    Explain(ExplainArgs),
}

/// `sluice run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The pipeline file.
    pub pipeline: PathBuf,
    /// Output directory [default: out/<pipeline name>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Read these files (or globs) instead of the pipeline's inputs; repeatable.
    #[arg(long = "input", value_name = "PATH")]
    pub inputs: Vec<PathBuf>,
    /// Worker threads [default: all cores]. Outputs do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Rows per batch.
    #[arg(long, default_value_t = 8192, hide = true)]
    pub batch_rows: usize,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// Stage cache for incremental reruns [default: $SLUICE_CACHE_DIR, else
    /// $XDG_CACHE_HOME/sluice, else ~/.cache/sluice]. It holds row data (some before
    /// redaction), so it is created readable by the user only and never inside --out.
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Recompute everything: neither read nor write the stage cache.
    #[arg(long, conflicts_with = "cache_dir")]
    pub no_cache: bool,
    /// Row data (and a global stage's decision attributes while it holds them) kept in memory
    /// between passes, e.g. `512MiB`, `4G`; beyond it batches spill to disk [default: half the
    /// machine's memory]. `none` turns spilling off.
    #[arg(long, value_name = "SIZE", value_parser = parse_memory_budget)]
    pub memory_budget: Option<MemoryBudget>,
    /// Directory for spill files [default: the system temporary directory]. Spilled rows may
    /// precede redaction: the files are private to the user and removed when the run ends.
    #[arg(long, value_name = "DIR")]
    pub spill_dir: Option<PathBuf>,
}

/// A `--memory-budget` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryBudget {
    /// Never spill.
    Unlimited,
    /// At most this many bytes of row data in memory.
    Bytes(u64),
}

/// Parses `512MiB`, `4G`, `1.5GB`, `65536` (bytes) or `none`. Units are binary (K = 1024).
pub fn parse_memory_budget(text: &str) -> Result<MemoryBudget, String> {
    let trimmed = text.trim();
    if trimmed.eq_ignore_ascii_case("none") || trimmed.eq_ignore_ascii_case("unlimited") {
        return Ok(MemoryBudget::Unlimited);
    }
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size like 512MiB, 4G or none"))?;
    let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        other => return Err(format!("unknown size unit `{other}` (use K, M, G or T)")),
    };
    let bytes = value * scale as f64;
    if !bytes.is_finite() || bytes < 1.0 {
        return Err(format!("`{text}` is not a positive size"));
    }
    Ok(MemoryBudget::Bytes(bytes as u64))
}

/// `sluice check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The pipeline file.
    pub pipeline: PathBuf,
}

/// `sluice inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// A Parquet file or a manifest.json.
    pub file: PathBuf,
    /// Also print the first N rows of a Parquet file as JSON lines.
    #[arg(long, default_value_t = 0)]
    pub rows: usize,
}

/// `sluice verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The manifest.json to verify.
    pub manifest: PathBuf,
    /// Print the verdicts as JSON.
    #[arg(long)]
    pub json: bool,
    /// The DSSE envelope to check [default: manifest.dsse.json beside the manifest, when present].
    #[arg(long, value_name = "FILE")]
    pub signature: Option<PathBuf>,
    /// The ed25519 public key (32 raw bytes or 64 hex digits) the envelope must be signed with.
    #[arg(long, value_name = "FILE")]
    pub pubkey: Option<PathBuf>,
}

/// `sluice list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `sluice explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Detector code, e.g. `cn_resident_id`.
    pub code: String,
}

/// `sluice trace`.
#[derive(Debug, Args)]
pub struct TraceArgs {
    /// Record id, e.g. `3fa9c2e1b7d0a1f2:42`.
    pub record_id: Option<String>,
    /// Start from a source row instead: `FILE:ROW` (0-based row within the file).
    #[arg(long, conflicts_with = "record_id")]
    pub source: Option<String>,
    /// The run's manifest.json (the lineage table sits beside it).
    #[arg(long)]
    pub manifest: PathBuf,
    /// One JSON object per matching record.
    #[arg(long)]
    pub json: bool,
}

/// `sluice scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// JSONL (plain, .gz, .zst), CSV/TSV or Parquet files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// One JSON object per finding: file, row, field, type, detector, start, end (char offsets).
    #[arg(long)]
    pub json: bool,
    /// Exit 1 when there are more findings than this.
    #[arg(long, default_value_t = 0)]
    pub max_findings: u64,
    /// Detector codes to run (repeatable) [default: the whole catalogue].
    #[arg(long = "detector", value_name = "CODE")]
    pub detectors: Vec<String>,
    /// Text encoding (WHATWG label) for CSV/JSONL without a BOM.
    #[arg(long)]
    pub encoding: Option<String>,
}

/// `sluice report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The run's manifest.json.
    pub manifest: PathBuf,
    /// Where to write the page [default: report.html beside the manifest].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Projections `sluice emit` can print.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum EmitFormat {
    /// OpenLineage 2-0-2 START and COMPLETE run events (JSON lines).
    Openlineage,
    /// Croissant 1.1 + RAI JSON-LD.
    Croissant,
    /// in-toto Statement v1 (SLSA provenance predicate) over the outputs.
    Intoto,
}

/// `sluice emit`.
#[derive(Debug, Args)]
pub struct EmitArgs {
    /// The run's manifest.json.
    pub manifest: PathBuf,
    /// Which projection.
    #[arg(long = "as", value_enum)]
    pub format: EmitFormat,
    /// in-toto only: sign with this ed25519 key (32 raw bytes or 64 hex digits) into a DSSE envelope.
    #[arg(long)]
    pub sign_key: Option<PathBuf>,
    /// Croissant only: SPDX licence URL.
    #[arg(long)]
    pub license: Option<String>,
    /// Croissant only: dataset URL.
    #[arg(long)]
    pub url: Option<String>,
    /// Croissant only: creator.
    #[arg(long)]
    pub creator: Option<String>,
    /// Croissant only: dataset version (semver).
    #[arg(long)]
    pub version: Option<String>,
}

#[cfg(test)]
mod memory_budget_tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_memory_budget("65536"), Ok(MemoryBudget::Bytes(65536)));
        assert_eq!(
            parse_memory_budget("512MiB"),
            Ok(MemoryBudget::Bytes(512 << 20))
        );
        assert_eq!(parse_memory_budget("4G"), Ok(MemoryBudget::Bytes(4 << 30)));
        assert_eq!(
            parse_memory_budget("1.5 gb"),
            Ok(MemoryBudget::Bytes(3 << 29))
        );
        assert_eq!(parse_memory_budget("none"), Ok(MemoryBudget::Unlimited));
        for bad in ["", "lots", "12 parsecs", "0", "-5M"] {
            assert!(parse_memory_budget(bad).is_err(), "{bad}");
        }
    }
}
