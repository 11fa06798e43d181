//! Streaming file digests: size and sha256 without loading the file into memory.

use crate::error::LineageError;
use std::path::Path;

/// Size and content digest of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDigest {
    /// File size in bytes.
    pub bytes: u64,
    /// Lower-case hex sha256 of the content.
    pub sha256: String,
}

/// Reads `path` once and returns its size and sha256.
pub fn digest_file(path: &Path) -> Result<FileDigest, LineageError> {
    let digest = sluice_core::digest::digest_stream(fs_err::File::open(path)?, 0)?;
    Ok(FileDigest {
        bytes: digest.bytes,
        sha256: digest.sha256,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_small_and_multi_buffer_files() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("abc.txt");
        fs_err::write(&small, b"abc").unwrap();
        assert_eq!(
            digest_file(&small).unwrap(),
            FileDigest {
                bytes: 3,
                sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".into()
            }
        );
        let big = dir.path().join("big.bin");
        // More than two 1 MiB read buffers.
        let content: Vec<u8> = (0..(2 << 20) + 17).map(|i| (i % 251) as u8).collect();
        fs_err::write(&big, &content).unwrap();
        let digest = digest_file(&big).unwrap();
        assert_eq!(digest.bytes, content.len() as u64);
        assert_eq!(digest.sha256, sluice_core::digest::sha256_hex(&content));
    }

    #[test]
    fn missing_file_error_names_the_path() {
        let err = digest_file(Path::new("/nonexistent/sluice-input.csv")).unwrap_err();
        assert!(err.to_string().contains("sluice-input.csv"));
    }
}
