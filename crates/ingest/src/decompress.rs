//! Undoing the gzip/zstd layer around a text input.

use crate::error::IngestError;
use crate::format::Compression;
use std::io::Read;
use std::path::Path;

/// The decompressed bytes of `raw`. A truncated or corrupt stream fails the whole input: what
/// was decoded before the damage cannot be trusted to end on a record boundary.
pub(crate) fn decompress(
    raw: Vec<u8>,
    compression: Compression,
    path: &Path,
) -> Result<Vec<u8>, IngestError> {
    let fail = |source| IngestError::Decompress {
        path: path.to_path_buf(),
        compression,
        source,
    };
    match compression {
        Compression::None => Ok(raw),
        Compression::Gzip => {
            let mut out = Vec::with_capacity(raw.len().saturating_mul(4));
            flate2::read::MultiGzDecoder::new(raw.as_slice())
                .read_to_end(&mut out)
                .map_err(fail)?;
            Ok(out)
        }
        Compression::Zstd => {
            let mut out = Vec::with_capacity(raw.len().saturating_mul(4));
            zstd::stream::read::Decoder::new(raw.as_slice())
                .and_then(|mut decoder| decoder.read_to_end(&mut out))
                .map_err(fail)?;
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const TEXT: &[u8] = b"{\"a\":1}\n{\"a\":2}\n";

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn plain_bytes_pass_through() {
        let out = decompress(TEXT.to_vec(), Compression::None, Path::new("x")).unwrap();
        assert_eq!(out, TEXT);
    }

    #[test]
    fn gzip_with_several_members_decodes_fully() {
        let mut raw = gzip(&TEXT[..8]);
        raw.extend(gzip(&TEXT[8..]));
        let out = decompress(raw, Compression::Gzip, Path::new("x.jsonl.gz")).unwrap();
        assert_eq!(out, TEXT);
    }

    #[test]
    fn zstd_decodes() {
        let raw = zstd::encode_all(TEXT, 3).unwrap();
        let out = decompress(raw, Compression::Zstd, Path::new("x.jsonl.zst")).unwrap();
        assert_eq!(out, TEXT);
    }

    #[test]
    fn truncated_streams_fail_naming_the_file() {
        let gz = gzip(TEXT);
        let err = decompress(
            gz[..gz.len() - 6].to_vec(),
            Compression::Gzip,
            Path::new("d/cut.jsonl.gz"),
        )
        .unwrap_err();
        assert!(matches!(err, IngestError::Decompress { .. }));
        assert!(err.to_string().contains("d/cut.jsonl.gz"), "{err}");

        let zst = zstd::encode_all(TEXT, 3).unwrap();
        let err = decompress(
            zst[..zst.len() - 3].to_vec(),
            Compression::Zstd,
            Path::new("d/cut.jsonl.zst"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("d/cut.jsonl.zst"), "{err}");
    }

    #[test]
    fn garbage_is_not_a_stream() {
        for compression in [Compression::Gzip, Compression::Zstd] {
            assert!(decompress(TEXT.to_vec(), compression, Path::new("x")).is_err());
        }
    }
}
