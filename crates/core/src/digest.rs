//! sha256 helpers shared by every crate that fingerprints something.

use sha2::{Digest, Sha256};

/// Lower-case hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A streaming sha256 that yields lower-case hex.
#[derive(Default, Clone)]
pub struct Sha256Hasher(Sha256);

impl Sha256Hasher {
    /// A fresh hasher.
    pub fn new() -> Self {
        Self::default()
    }
    /// Feeds more bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
    /// The lower-case hex digest of everything fed so far.
    pub fn finish_hex(self) -> String {
        hex::encode(self.0.finalize())
    }
}

/// What [`digest_stream`] read: the sha256, the byte count and the first bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamDigest {
    /// Lower-case hex sha256 of everything read.
    pub sha256: String,
    /// Bytes read.
    pub bytes: u64,
    /// The first bytes, up to the `head` asked for.
    pub head: Vec<u8>,
}

/// Read size: large enough that syscalls are not the bottleneck on multi-GB inputs.
const STREAM_BUFFER_BYTES: usize = 1 << 20;

/// Reads `reader` to its end in 1 MiB pieces, never holding more: its sha256, its size and its
/// first `head` bytes. A read interrupted by a signal is retried.
pub fn digest_stream(mut reader: impl std::io::Read, head: usize) -> std::io::Result<StreamDigest> {
    let mut hasher = Sha256Hasher::new();
    let mut buffer = vec![0u8; STREAM_BUFFER_BYTES];
    let mut out = StreamDigest {
        sha256: String::new(),
        bytes: 0,
        head: Vec::new(),
    };
    loop {
        let read = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let wanted = head.saturating_sub(out.head.len()).min(read);
        out.head.extend_from_slice(&buffer[..wanted]);
        hasher.update(&buffer[..read]);
        out.bytes += read as u64;
    }
    out.sha256 = hasher.finish_hex();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out its bytes three at a time, failing with `Interrupted` before every piece.
    struct Flaky<'a> {
        bytes: &'a [u8],
        interrupt: bool,
    }

    impl std::io::Read for Flaky<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.interrupt = !self.interrupt;
            if self.interrupt {
                return Err(std::io::ErrorKind::Interrupted.into());
            }
            let n = buf.len().min(3).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    #[test]
    fn streams_retry_interrupted_reads_and_keep_the_head() {
        let text = b"the quick brown fox";
        let got = digest_stream(
            Flaky {
                bytes: text,
                interrupt: false,
            },
            5,
        )
        .unwrap();
        assert_eq!(got.sha256, sha256_hex(text));
        assert_eq!(got.bytes, text.len() as u64);
        assert_eq!(got.head, b"the q");
        // A head longer than the stream is the whole stream; an empty stream digests as empty.
        assert_eq!(digest_stream(&text[..], 64).unwrap().head, text);
        assert_eq!(digest_stream(&b""[..], 8).unwrap().sha256, sha256_hex(b""));
        // Other errors are returned.
        let error = digest_stream(FailAlways, 0).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::PermissionDenied);
    }

    struct FailAlways;

    impl std::io::Read for FailAlways {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::PermissionDenied.into())
        }
    }

    #[test]
    fn known_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let mut h = Sha256Hasher::new();
        h.update(b"a");
        h.update(b"bc");
        assert_eq!(h.finish_hex(), sha256_hex(b"abc"));
    }
}
