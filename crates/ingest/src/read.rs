//! Reading one input file end to end: bytes, digest, format, decoding, records.

use crate::decompress::decompress;
use crate::delimited::read_delimited;
use crate::error::IngestError;
use crate::format::{Compression, InputFormat};
use crate::identity::RowIdentity;
use crate::jsonl::read_jsonl;
use crate::options::InputOptions;
use crate::parquet_reader::read_parquet;
use crate::sink::RecordSink;
use crate::text::{Text, encoding_for_label};
use sluice_core::digest::Sha256Hasher;
use sluice_core::{Batch, Removal, TargetSchema};
use std::path::Path;

/// Everything read from one input: its fingerprint, how it was read, and its records.
/// `records == kept rows + rejects.len()` always holds.
#[derive(Debug)]
pub struct IngestResult {
    /// sha256 (lower-case hex) of the file bytes as stored (compressed bytes for .gz/.zst).
    pub sha256: String,
    /// File size in bytes, as stored.
    pub bytes: u64,
    /// The format the file was read as.
    pub format: InputFormat,
    /// The outer compression undone before reading.
    pub compression: Compression,
    /// The encoding actually used (`utf-8`, `utf-16le` from a BOM, `gbk`, …).
    pub encoding: String,
    /// Every record seen: kept rows plus rejects.
    pub records: u64,
    /// Blank or whitespace-only lines of text inputs (not records; reported, not quarantined).
    pub blank_lines: u64,
    /// Kept rows in file order, at most `batch_rows` rows per batch.
    pub batches: Vec<Batch>,
    /// Bad records in file order.
    pub rejects: Vec<Removal>,
}

/// Reads the file at `path` (input number `input_index` of the run) into batches conforming to
/// `schema`. Bad records come back as rejects; only whole-file failures are errors. The whole
/// file is held in memory while it is read.
pub fn read_input(
    path: &Path,
    input_index: u32,
    opts: &InputOptions,
    schema: &TargetSchema,
    batch_rows: usize,
) -> Result<IngestResult, IngestError> {
    let raw = fs_err::read(path).map_err(|source| IngestError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    read_bytes(raw, path, input_index, opts, schema, batch_rows)
}

/// [`read_input`] on bytes already in memory: `path` only names the input (format detection by
/// extension, messages) and is never opened. This is the entry point for fuzzing and for
/// callers that obtain the bytes themselves.
pub fn read_bytes(
    raw: Vec<u8>,
    path: &Path,
    input_index: u32,
    opts: &InputOptions,
    schema: &TargetSchema,
    batch_rows: usize,
) -> Result<IngestResult, IngestError> {
    let mut hasher = Sha256Hasher::new();
    hasher.update(&raw);
    let sha256 = hasher.finish_hex();
    let bytes = raw.len() as u64;
    let (format, compression) = resolve_format(path, opts, &raw)?;
    let ids = RowIdentity::new(sha256.clone(), input_index);
    let (encoding, collected) = match format {
        InputFormat::Parquet => {
            check_parquet_options(path, opts, compression)?;
            let collected = read_parquet(raw, path, schema, &ids, batch_rows)?;
            // Parquet strings are UTF-8 by specification.
            ("utf-8".to_owned(), collected)
        }
        InputFormat::Csv | InputFormat::Tsv | InputFormat::Jsonl => {
            let delimiter = delimiter_for(path, format, opts)?;
            let data = decompress(raw, compression, path)?;
            let text = Text::decode(data, opts.encoding.as_deref(), path)?;
            let mut sink = RecordSink::new(&ids, path, schema, batch_rows)?;
            match delimiter {
                Some(delimiter) => read_delimited(&text, delimiter, schema, &mut sink, path)?,
                None => read_jsonl(&text, schema, &mut sink)?,
            }
            (text.encoding_name(), sink.finish()?)
        }
    };
    Ok(IngestResult {
        sha256,
        bytes,
        format,
        compression,
        encoding,
        records: collected.records,
        blank_lines: collected.blank_lines,
        batches: collected.batches,
        rejects: collected.rejects,
    })
}

/// The configured format (compression still from the extension) or the detected one. A text
/// input without a compression extension is sniffed for gzip/zstd magic bytes.
pub(crate) fn resolve_format(
    path: &Path,
    opts: &InputOptions,
    raw: &[u8],
) -> Result<(InputFormat, Compression), IngestError> {
    let (format, compression) = match (opts.format, InputFormat::detect(path)) {
        (Some(format), _) => (format, Compression::from_extension(path)),
        (None, Some(detected)) => detected,
        (None, None) => {
            return Err(IngestError::UnknownFormat {
                path: path.to_path_buf(),
            });
        }
    };
    if compression == Compression::None && format != InputFormat::Parquet {
        return Ok((format, Compression::sniff(raw)));
    }
    Ok((format, compression))
}

fn check_parquet_options(
    path: &Path,
    opts: &InputOptions,
    compression: Compression,
) -> Result<(), IngestError> {
    if compression != Compression::None {
        return Err(IngestError::CompressedParquet {
            path: path.to_path_buf(),
            compression,
        });
    }
    let not_applicable = |option| IngestError::OptionNotApplicable {
        path: path.to_path_buf(),
        option,
        format: InputFormat::Parquet,
    };
    if opts.delimiter.is_some() {
        return Err(not_applicable("delimiter"));
    }
    if let Some(label) = &opts.encoding
        && encoding_for_label(label, path)? != encoding_rs::UTF_8
    {
        return Err(not_applicable("encoding"));
    }
    Ok(())
}

/// The delimiter byte for CSV/TSV, `None` for JSONL.
pub(crate) fn delimiter_for(
    path: &Path,
    format: InputFormat,
    opts: &InputOptions,
) -> Result<Option<u8>, IngestError> {
    let delimiter = match (format, opts.delimiter) {
        (InputFormat::Jsonl, None) => return Ok(None),
        (InputFormat::Jsonl | InputFormat::Parquet, Some(_)) => {
            return Err(IngestError::OptionNotApplicable {
                path: path.to_path_buf(),
                option: "delimiter",
                format,
            });
        }
        (_, Some(delimiter)) => delimiter,
        (InputFormat::Tsv, None) => '\t',
        (_, None) => ',',
    };
    match u8::try_from(delimiter) {
        Ok(byte) if byte.is_ascii() && !matches!(byte, b'"' | b'\n' | b'\r') => Ok(Some(byte)),
        _ => Err(IngestError::InvalidDelimiter {
            path: path.to_path_buf(),
            delimiter,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;

    fn ids_only() -> TargetSchema {
        schema(&[("id", "id", "string", true)])
    }

    #[test]
    fn missing_file_is_a_read_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("absent.jsonl");
        let err = read_input(&path, 0, &InputOptions::default(), &ids_only(), 10).unwrap_err();
        assert!(matches!(err, IngestError::Read { .. }));
        assert!(err.to_string().contains("absent.jsonl"));
    }

    #[test]
    fn truncated_gzip_fails_the_file_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let gz = gzip(b"{\"id\": \"a\"}\n{\"id\": \"b\"}\n");
        let path = write(dir.path(), "cut.jsonl.gz", &gz[..gz.len() - 5]);
        let err = read_input(&path, 0, &InputOptions::default(), &ids_only(), 10).unwrap_err();
        assert!(matches!(err, IngestError::Decompress { .. }), "{err}");
        assert!(err.to_string().contains("cut.jsonl.gz"), "{err}");
    }

    #[test]
    fn format_comes_from_options_or_extension() {
        let dir = tempfile::tempdir().unwrap();
        let unknown = write(dir.path(), "data.txt", b"id\nA\n");
        let err = read_input(&unknown, 0, &InputOptions::default(), &ids_only(), 10).unwrap_err();
        assert!(matches!(err, IngestError::UnknownFormat { .. }));
        let opts = InputOptions {
            format: Some(InputFormat::Csv),
            ..Default::default()
        };
        let result = read_with(&unknown, &opts, &ids_only());
        assert_eq!(
            (result.format, result.compression),
            (InputFormat::Csv, Compression::None)
        );
        assert_eq!(strings(&result, "id"), vec![Some("A".into())]);
    }

    #[test]
    fn inapplicable_or_invalid_options_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let jsonl = write(dir.path(), "a.jsonl", b"{\"id\": \"a\"}\n");
        let csv = write(dir.path(), "a.csv", b"id\na\n");
        let with = |delimiter: Option<char>, encoding: Option<&str>| InputOptions {
            format: None,
            encoding: encoding.map(str::to_owned),
            delimiter,
        };
        let err = read_input(&jsonl, 0, &with(Some(','), None), &ids_only(), 10).unwrap_err();
        assert!(matches!(err, IngestError::OptionNotApplicable { .. }));
        for bad in ['é', '"', '\n'] {
            let err = read_input(&csv, 0, &with(Some(bad), None), &ids_only(), 10).unwrap_err();
            assert!(
                matches!(err, IngestError::InvalidDelimiter { .. }),
                "{bad:?}"
            );
        }
        let err = read_input(&csv, 0, &with(None, Some("nope")), &ids_only(), 10).unwrap_err();
        assert!(matches!(err, IngestError::UnknownEncoding { .. }));
    }

    #[test]
    fn sha_and_size_describe_the_stored_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let body = b"{\"id\": \"a\"}\n";
        let result = read(&write(dir.path(), "a.jsonl", body), &ids_only());
        assert_eq!(result.bytes, body.len() as u64);
        assert_eq!(result.sha256, sluice_core::digest::sha256_hex(body));
        assert_eq!(
            result.batches[0].rows[0].id.as_str(),
            format!("{}:0", &result.sha256[..16])
        );
    }
}
