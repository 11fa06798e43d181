//! Stable record identity and source references.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How many hex characters of the input file's sha256 a record id carries. 16 hex chars (64 bits)
/// keep ids short while making a collision between two inputs of one run vanishingly unlikely.
pub const DIGEST_PREFIX_LEN: usize = 16;

/// A record's identity: the input file's content digest (prefix) and the 0-based row index in that
/// file. It depends only on the file's bytes and the row's position, never on thread count,
/// batch size or file order, so reruns and reshuffled inputs give the same ids.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RecordId(String);

impl RecordId {
    /// Builds the id of row `row` of the input whose full sha256 hex is `file_sha256`.
    pub fn new(file_sha256: &str, row: u64) -> Self {
        let prefix = file_sha256.get(..DIGEST_PREFIX_LEN).unwrap_or(file_sha256);
        RecordId(format!("{prefix}:{row}"))
    }
    /// Wraps an id string read back from an output file.
    pub fn from_string(id: String) -> Self {
        RecordId(id)
    }
    /// The id as text, e.g. `3fa9c2e1b7d0a1f2:42`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a record came from: which input of the run, which row and which physical line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SourceRef {
    /// Index of the input file in the run's resolved, sorted input list.
    pub input: u32,
    /// 0-based record index within that file (every record counts, also malformed ones).
    pub row: u64,
    /// 1-based line where the record starts (for Parquet: `row + 1`).
    pub line: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_is_digest_prefix_and_row() {
        let digest = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(RecordId::new(digest, 42).as_str(), "ba7816bf8f01cfea:42");
        assert_eq!(RecordId::new("abc", 0).as_str(), "abc:0");
    }
}
