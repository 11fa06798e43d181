//! Streaming file digests: size and sha256 without loading the file into memory.

use crate::error::LineageError;
use sluice_core::digest::Sha256Hasher;
use std::io::Read;
use std::path::Path;

/// Read size: large enough that syscalls are not the bottleneck on multi-GB inputs.
const BUFFER_BYTES: usize = 1024 * 1024;

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
    let mut file = fs_err::File::open(path)?;
    let mut hasher = Sha256Hasher::new();
    let mut buffer = vec![0u8; BUFFER_BYTES];
    let mut bytes = 0u64;
    loop {
        let read = match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        hasher.update(&buffer[..read]);
        bytes += read as u64;
    }
    Ok(FileDigest {
        bytes,
        sha256: hasher.finish_hex(),
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
        let content: Vec<u8> = (0..BUFFER_BYTES * 2 + 17)
            .map(|i| (i % 251) as u8)
            .collect();
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
