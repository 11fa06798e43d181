//! `sluice verify`: recompute every digest, size and row count a manifest records, join the
//! lineage table with the outputs it describes, and check a DSSE-signed in-toto statement.

use crate::digest::digest_file;
use crate::error::LineageError;
use crate::manifest::{InputEntry, Manifest, OutputEntry, root_digest};
use parquet::file::reader::{FileReader, SerializedFileReader};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// File name, beside the manifest, where `sluice verify` looks for the DSSE envelope when
/// `--signature` is not given (`sluice emit M --as intoto --sign-key K > DIR/manifest.dsse.json`).
pub const SIGNATURE_FILE: &str = "manifest.dsse.json";

/// What to check besides the manifest's own records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyOptions {
    /// The DSSE envelope to check; default [`SIGNATURE_FILE`] beside the manifest, when present
    /// (or required, when `pubkey` is given).
    pub signature: Option<PathBuf>,
    /// The ed25519 public key (32 raw bytes or 64 hex digits) the envelope must be signed with.
    /// Without it an envelope is only compared with the manifest, not authenticated.
    pub pubkey: Option<PathBuf>,
}

/// The outcome of verifying one manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// One verdict per output, then one per input, in manifest order.
    pub files: Vec<FileVerdict>,
    /// The root digest recomputed from the files on disk equals the recorded one.
    pub root_ok: bool,
    /// The conservation and funnel arithmetic adds up.
    pub conservation_ok: bool,
    /// The lineage table joined with each table it describes (empty when the manifest lists
    /// no lineage table).
    pub joins: Vec<JoinVerdict>,
    /// The signed statement, when one was given or found beside the manifest.
    pub signature: Option<SignatureVerdict>,
    /// Human-readable explanations of root and conservation failures (counts only).
    pub problems: Vec<String>,
}

impl VerifyReport {
    /// True when every output is present and matches, root and conservation check out, every
    /// join holds and a signature, if any, verifies. Inputs that moved or changed since the run
    /// are reported but do not fail verification: the outputs are still exactly what the
    /// recorded inputs produced.
    pub fn ok(&self) -> bool {
        self.root_ok
            && self.conservation_ok
            && self
                .files
                .iter()
                .filter(|f| f.kind == FileKind::Output)
                .all(|f| f.status == FileStatus::Ok)
            && self.joins.iter().all(|j| j.status == FileStatus::Ok)
            && self
                .signature
                .as_ref()
                .is_none_or(|s| s.status == FileStatus::Ok)
    }
}

/// The lineage join verdict for one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JoinVerdict {
    /// The table's path as recorded in the manifest.
    pub path: String,
    /// Its role (`lineage`, a split, `duplicates`, `quarantine`).
    pub role: String,
    /// Rows read from it.
    pub rows_checked: u64,
    /// `ok`, `missing`, or `mismatch` with the first problems (record ids and row numbers).
    #[serde(flatten)]
    pub status: FileStatus,
}

/// The verdict on a DSSE-signed in-toto statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignatureVerdict {
    /// The envelope's path.
    pub path: String,
    /// Whether the signature was checked with a public key (otherwise only the statement's
    /// subjects were compared with the manifest).
    pub key_checked: bool,
    /// `ok`, `missing`, or `mismatch` saying what failed.
    #[serde(flatten)]
    pub status: FileStatus,
}

/// The verdict on one file the manifest lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileVerdict {
    /// The path as recorded in the manifest.
    pub path: String,
    /// Whether it is an output or an input.
    pub kind: FileKind,
    /// What was found (flattened: `"status": "ok" | "mismatch" | "missing"`, plus `what`).
    #[serde(flatten)]
    pub status: FileStatus,
}

/// Which list of the manifest a file comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    /// A file the run wrote.
    Output,
    /// A file the run read.
    Input,
}

/// What verification found for one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum FileStatus {
    /// Size, digest (and for Parquet, row count) match.
    Ok,
    /// The file exists but differs.
    Mismatch {
        /// What differs, e.g. `sha256 (recorded …, found …); rows (recorded 3, found 2)`.
        what: String,
    },
    /// The file could not be found.
    Missing,
}

/// Verifies the manifest at `manifest_path` with default [`VerifyOptions`].
pub fn verify(manifest_path: &Path) -> Result<VerifyReport, LineageError> {
    verify_with(manifest_path, &VerifyOptions::default())
}

/// Verifies the manifest at `manifest_path`. Outputs are resolved against the manifest's
/// directory; inputs against the current directory, then the manifest's directory.
pub fn verify_with(
    manifest_path: &Path,
    options: &VerifyOptions,
) -> Result<VerifyReport, LineageError> {
    let manifest = Manifest::from_path(manifest_path)?;
    let base = match manifest_path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut files = Vec::new();
    let mut problems = Vec::new();

    let mut observed = Vec::with_capacity(manifest.outputs.len());
    for entry in &manifest.outputs {
        let (status, found) = check_output(&base.join(&entry.path), entry)?;
        files.push(FileVerdict {
            path: entry.path.clone(),
            kind: FileKind::Output,
            status,
        });
        observed.extend(found);
    }
    let root_ok =
        observed.len() == manifest.outputs.len() && root_digest(&observed) == manifest.root_sha256;
    if !root_ok {
        problems.push("root_sha256 does not match the outputs on disk".to_owned());
    }

    for entry in &manifest.inputs {
        files.push(FileVerdict {
            path: entry.path.clone(),
            kind: FileKind::Input,
            status: check_input(&base, entry)?,
        });
    }

    let conservation_problems = conservation_problems(&manifest);
    let conservation_ok = conservation_problems.is_empty();
    problems.extend(conservation_problems);

    let joins = joins::check(&manifest, &base);
    let default_envelope = base.join(SIGNATURE_FILE);
    let envelope = match &options.signature {
        Some(path) => Some(path.clone()),
        None if options.pubkey.is_some() || default_envelope.is_file() => Some(default_envelope),
        None => None,
    };
    let signature =
        envelope.map(|path| signature::check(&manifest, &path, options.pubkey.as_deref()));
    Ok(VerifyReport {
        files,
        root_ok,
        conservation_ok,
        joins,
        signature,
        problems,
    })
}

/// Checks one output; returns its verdict and, when present, the entry as found on disk.
fn check_output(
    path: &Path,
    entry: &OutputEntry,
) -> Result<(FileStatus, Option<OutputEntry>), LineageError> {
    if !path.is_file() {
        return Ok((FileStatus::Missing, None));
    }
    let digest = digest_file(path)?;
    let mut differences = Vec::new();
    if digest.bytes != entry.bytes {
        differences.push(format!(
            "bytes (recorded {}, found {})",
            entry.bytes, digest.bytes
        ));
    }
    if digest.sha256 != entry.sha256 {
        differences.push(format!(
            "sha256 (recorded {}, found {})",
            entry.sha256, digest.sha256
        ));
    }
    let mut rows = entry.rows;
    if entry.path.ends_with(".parquet") {
        match parquet_row_count(path) {
            Some(found) => {
                if found != entry.rows {
                    differences.push(format!("rows (recorded {}, found {found})", entry.rows));
                }
                rows = found;
            }
            None => differences.push("rows (not a readable Parquet file)".to_owned()),
        }
    }
    let found = OutputEntry {
        rows,
        bytes: digest.bytes,
        sha256: digest.sha256,
        ..entry.clone()
    };
    let status = if differences.is_empty() {
        FileStatus::Ok
    } else {
        FileStatus::Mismatch {
            what: differences.join("; "),
        }
    };
    Ok((status, Some(found)))
}

/// Row count from the Parquet footer, or `None` when the footer cannot be read.
fn parquet_row_count(path: &Path) -> Option<u64> {
    let file = fs_err::File::open(path).ok()?.into_file();
    let reader = SerializedFileReader::new(file).ok()?;
    u64::try_from(reader.metadata().file_metadata().num_rows()).ok()
}

fn check_input(base: &Path, entry: &InputEntry) -> Result<FileStatus, LineageError> {
    let recorded = Path::new(&entry.path);
    let Some(path) = [recorded.to_path_buf(), base.join(recorded)]
        .into_iter()
        .find(|p| p.is_file())
    else {
        return Ok(FileStatus::Missing);
    };
    let digest = digest_file(&path)?;
    Ok(
        if digest.bytes == entry.bytes && digest.sha256 == entry.sha256 {
            FileStatus::Ok
        } else {
            FileStatus::Mismatch {
                what: format!(
                    "content changed since the run (recorded {} bytes, sha256 {}; found {} bytes, sha256 {})",
                    entry.bytes, entry.sha256, digest.bytes, digest.sha256
                ),
            }
        },
    )
}

/// Every way the recorded counts fail to add up; empty when they do.
fn conservation_problems(manifest: &Manifest) -> Vec<String> {
    let c = &manifest.conservation;
    let mut problems = Vec::new();
    let accounted = c.kept + c.duplicates + c.quarantined;
    if c.input_records != accounted {
        problems.push(format!(
            "conservation: {} input records but {} kept + {} duplicates + {} quarantined = {accounted}",
            c.input_records, c.kept, c.duplicates, c.quarantined
        ));
    }
    if !c.holds {
        problems.push("conservation: the run recorded that conservation does not hold".to_owned());
    }
    if !c.by_input.is_empty() {
        for input in c.by_input.iter().filter(|i| !i.holds()) {
            problems.push(format!(
                "conservation of input `{}`: {} records but {} kept + {} duplicates + {} quarantined",
                input.path, input.records, input.kept, input.duplicates, input.quarantined
            ));
        }
        let sums = [
            (
                "input_records",
                c.input_records,
                c.by_input.iter().map(|i| i.records).sum::<u64>(),
            ),
            ("kept", c.kept, c.by_input.iter().map(|i| i.kept).sum()),
            (
                "duplicates",
                c.duplicates,
                c.by_input.iter().map(|i| i.duplicates).sum(),
            ),
            (
                "quarantined",
                c.quarantined,
                c.by_input.iter().map(|i| i.quarantined).sum(),
            ),
        ];
        for (name, total, per_input) in sums {
            if total != per_input {
                problems.push(format!(
                    "conservation: {name} is {total} but the inputs add up to {per_input}"
                ));
            }
        }
    }
    if !manifest.inputs.is_empty() {
        let read: u64 = manifest.inputs.iter().map(|i| i.records).sum();
        if read != c.input_records {
            problems.push(format!(
                "conservation: inputs list {read} records but input_records is {}",
                c.input_records
            ));
        }
    }
    let training: u64 = manifest
        .outputs
        .iter()
        .filter(|o| o.is_training_split())
        .map(|o| o.rows)
        .sum();
    if training != c.kept {
        problems.push(format!(
            "conservation: training shards hold {training} rows but {} were kept",
            c.kept
        ));
    }
    // The per-record lineage table has exactly one row per input record.
    for (role, counted) in [
        ("quarantine", c.quarantined),
        ("duplicates", c.duplicates),
        ("lineage", c.input_records),
    ] {
        let files: Vec<&OutputEntry> = manifest.outputs.iter().filter(|o| o.role == role).collect();
        let rows: u64 = files.iter().map(|o| o.rows).sum();
        if !files.is_empty() && rows != counted {
            problems.push(format!(
                "conservation: {role} outputs hold {rows} rows but {counted} were counted"
            ));
        }
    }
    for stage in manifest.stages.iter().filter(|s| !s.report.conserves()) {
        problems.push(format!(
            "stage {} ({}): {} rows in but {} out + {} removed",
            stage.index,
            stage.kind,
            stage.report.rows_in,
            stage.report.rows_out,
            stage.report.removed_total()
        ));
    }
    problems
}

mod joins;
mod signature;

#[cfg(test)]
mod join_tests;
#[cfg(test)]
mod tests;
