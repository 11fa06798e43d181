//! The description of one written output file, as recorded in the manifest.

use crate::error::ExportError;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One file sluice wrote, with what the manifest needs to verify it later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputFile {
    /// Path relative to the output directory, `/`-separated (`data/train-00000-of-00001.parquet`).
    pub path: String,
    /// What the file holds: a split name (`train`, `validation`, …), `quarantine` or `duplicates`.
    pub role: String,
    /// Rows in the file.
    pub rows: u64,
    /// File size in bytes.
    pub bytes: u64,
    /// Lower-case hex sha256 of the file.
    pub sha256: String,
}

/// Writes a non-Parquet side file (a report, a JSONL export) atomically at `out_dir/relative` and
/// describes it; `rows` is what the file counts (JSONL lines, report entries).
pub fn write_side_file(
    out_dir: &Path,
    relative: &str,
    role: &str,
    rows: u64,
    bytes: &[u8],
) -> Result<OutputFile, ExportError> {
    let path = out_dir.join(relative);
    if let Some(parent) = path.parent() {
        fs_err::create_dir_all(parent)?;
    }
    crate::atomic::write_atomic(&path, bytes)?;
    Ok(OutputFile {
        path: relative.to_owned(),
        role: role.to_owned(),
        rows,
        bytes: bytes.len() as u64,
        sha256: sluice_core::digest::sha256_hex(bytes),
    })
}

/// A side file written piece by piece (a JSONL export too large to build in memory): atomic like
/// [`write_side_file`], with its digest computed over exactly the bytes written.
pub struct SideFileWriter {
    relative: String,
    file: crate::atomic::AtomicFile,
    hasher: sluice_core::digest::Sha256Hasher,
    bytes: u64,
}

impl SideFileWriter {
    /// Starts `out_dir/relative` (parent directories are created).
    pub fn create(out_dir: &Path, relative: &str) -> Result<Self, ExportError> {
        Ok(SideFileWriter {
            relative: relative.to_owned(),
            file: crate::atomic::AtomicFile::create(&out_dir.join(relative))?,
            hasher: sluice_core::digest::Sha256Hasher::new(),
            bytes: 0,
        })
    }

    /// Appends `bytes`.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), ExportError> {
        use std::io::Write;
        self.file.write_all(bytes)?;
        self.hasher.update(bytes);
        self.bytes += bytes.len() as u64;
        Ok(())
    }

    /// Commits the file and describes it; `rows` is what the file counts.
    pub fn finish(self, role: &str, rows: u64) -> Result<OutputFile, ExportError> {
        self.file.commit()?;
        Ok(OutputFile {
            path: self.relative,
            role: role.to_owned(),
            rows,
            bytes: self.bytes,
            sha256: self.hasher.finish_hex(),
        })
    }
}
