//! Reading one input file end to end: bytes, digest, format, decoding, records.

use crate::decompress::decompress;
use crate::delimited::read_delimited;
use crate::error::IngestError;
use crate::format::{Compression, InputFormat};
use crate::identity::RowIdentity;
use crate::jsonl::read_jsonl;
use crate::options::InputOptions;
use crate::parquet_reader::read_parquet;
use crate::sink::{BatchHandler, PieceRecords, RecordSink};
use crate::text::{Text, encoding_for_label};
use rayon::prelude::*;
use sluice_core::digest::sha256_hex;
use sluice_core::{Batch, Removal, TargetSchema};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

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

/// [`read_input`] handing each batch of kept rows to `emit` as soon as it is assembled, in file
/// order; the result's `batches` is then empty. The file is read twice (its digest names the
/// records: for text it is computed on one thread while the others parse, and records wait to be
/// named; Parquet is hashed first), and never whole: text in an ASCII-compatible encoding (UTF-8,
/// GBK, …; plain, gzip or zstd) is decoded in pieces of about [`STREAM_PIECE_BYTES`] cut at line
/// ends (JSONL) or record ends outside quotes (CSV/TSV), and Parquet is read row group by row
/// group from the file. UTF-16 text is still read whole (it has no byte-level line ends), and a
/// piece grows past the size when one record is longer (or a quote is never closed).
pub fn read_input_streaming(
    path: &Path,
    input_index: u32,
    opts: &InputOptions,
    schema: &TargetSchema,
    batch_rows: usize,
    emit: BatchHandler,
) -> Result<IngestResult, IngestError> {
    read_in_pieces(
        path,
        input_index,
        opts,
        schema,
        batch_rows,
        emit,
        STREAM_PIECE_BYTES,
    )
}

/// [`read_input_streaming`] with pieces of `piece_bytes` (tests use tiny ones).
fn read_in_pieces(
    path: &Path,
    input_index: u32,
    opts: &InputOptions,
    schema: &TargetSchema,
    batch_rows: usize,
    emit: BatchHandler,
    piece_bytes: usize,
) -> Result<IngestResult, IngestError> {
    let read_error = |source| IngestError::Read {
        path: path.to_path_buf(),
        source,
    };
    let (format, compression) = resolve_format(path, opts, &read_head(path).map_err(read_error)?)?;
    let facts = |(sha256, bytes): (String, u64)| FileFacts {
        sha256,
        bytes,
        format,
        compression,
    };
    match format {
        InputFormat::Parquet => {
            check_parquet_options(path, opts, compression)?;
            let (sha256, bytes) = digest_file(path).map_err(read_error)?;
            let ids = RowIdentity::new(sha256.clone(), input_index);
            let file = std::fs::File::open(path).map_err(read_error)?;
            let collected = read_parquet(file, path, schema, &ids, batch_rows, Some(emit))?;
            Ok(facts((sha256, bytes)).with("utf-8".to_owned(), collected))
        }
        InputFormat::Jsonl | InputFormat::Csv | InputFormat::Tsv => {
            // The digest names the records, but it is computed beside the parse rather than
            // before it: records wait to be named (up to a share of UNNAMED_TEXT_BYTES) instead of
            // the other threads waiting for one thread to hash the whole file.
            let ids = RowIdentity::pending(input_index);
            let pieces = TextPieces {
                path,
                compression,
                delimiter: delimiter_for(path, format, opts)?,
                opts,
                schema,
                ids: &ids,
                batch_rows,
                piece_bytes,
            };
            let (digest, read) = rayon::join(
                || {
                    // Settles the identity even if hashing panics, so no reader waits forever.
                    let _settled = SettleOnDrop(&ids);
                    let digest = digest_file(path);
                    ids.settle(digest.as_ref().ok().map(|(sha256, _)| sha256.clone()));
                    digest
                },
                || pieces.read(emit),
            );
            let facts = facts(digest.map_err(read_error)?);
            match read? {
                Pieces::Read(encoding, collected) => Ok(facts.with(encoding, collected)),
                Pieces::NotAsciiCompatible(emit) => {
                    let raw = fs_err::read(path).map_err(read_error)?;
                    read_bytes_with(raw, path, input_index, opts, schema, batch_rows, Some(emit))
                }
            }
        }
    }
}

/// Settles a pending [`RowIdentity`] as failed when dropped before its digest was recorded.
struct SettleOnDrop<'a>(&'a RowIdentity);

impl Drop for SettleOnDrop<'_> {
    fn drop(&mut self) {
        self.0.settle(None);
    }
}

/// Text the streamed reads in progress parse ahead of their files' digests, at most, shared
/// between them: past its share, a reader waits for its digest, so records waiting to be named
/// stay bounded in memory.
const UNNAMED_TEXT_BYTES: usize = 64 << 20;

/// Streamed text reads in progress in this process. Inputs read side by side share one thread
/// pool, so each reads and parses waves of its share of the threads: the text in flight then
/// grows with the thread count, not with its square (every input a wave per thread).
static ACTIVE_TEXT_READS: AtomicUsize = AtomicUsize::new(0);

/// Counts one streamed text read for as long as it lives.
struct ActiveRead;

impl ActiveRead {
    fn enter() -> Self {
        ACTIVE_TEXT_READS.fetch_add(1, Ordering::Relaxed);
        ActiveRead
    }

    /// Streamed text reads in progress now (at least the caller's own).
    fn count() -> usize {
        ACTIVE_TEXT_READS.load(Ordering::Relaxed).max(1)
    }
}

impl Drop for ActiveRead {
    fn drop(&mut self) {
        ACTIVE_TEXT_READS.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Pieces per wave for one of `active` reads sharing `threads` threads: its share, at least one.
/// A read whose neighbours finish takes the whole pool from its next wave on.
fn wave_pieces(threads: usize, active: usize) -> usize {
    (threads / active.max(1)).max(1)
}

/// Decoded text handed to the parsers at a time when an input is streamed (a longer line makes a
/// longer piece).
pub const STREAM_PIECE_BYTES: usize = 8 << 20;

/// The sha256 and size of the file at `path`, streamed.
fn digest_file(path: &Path) -> std::io::Result<(String, u64)> {
    let digest = sluice_core::digest::digest_stream(fs_err::File::open(path)?, 0)?;
    Ok((digest.sha256, digest.bytes))
}

/// The first bytes of the file at `path` (fewer when it is shorter), to sniff its compression.
fn read_head(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    fs_err::File::open(path)?
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)?;
    Ok(head)
}

/// Bytes read from a file's start to sniff its compression.
const SNIFF_BYTES: usize = 64;

enum Pieces {
    /// Read completely: the encoding's name and what was collected.
    Read(String, crate::sink::Collected),
    /// The encoding has no byte-level line ends (UTF-16): read the file whole instead.
    NotAsciiCompatible(BatchHandler),
}

/// A text input (JSONL, or CSV/TSV with `delimiter`) to read piece by piece through its
/// decompressor, each piece cut at a line end (JSONL) or record end (CSV).
struct TextPieces<'a> {
    path: &'a Path,
    compression: Compression,
    delimiter: Option<u8>,
    opts: &'a InputOptions,
    schema: &'a TargetSchema,
    ids: &'a RowIdentity,
    batch_rows: usize,
    piece_bytes: usize,
}

impl TextPieces<'_> {
    fn read(&self, emit: BatchHandler) -> Result<Pieces, IngestError> {
        let TextPieces {
            path,
            compression,
            delimiter,
            opts,
            schema,
            ids,
            batch_rows,
            piece_bytes,
        } = *self;
        use std::io::Read;
        let read_error = |source| IngestError::Read {
            path: path.to_path_buf(),
            source,
        };
        let decompress_error = |source| IngestError::Decompress {
            path: path.to_path_buf(),
            compression,
            source,
        };
        let file = std::io::BufReader::new(std::fs::File::open(path).map_err(read_error)?);
        let mut reader: Box<dyn Read + Send> = match compression {
            Compression::None => Box::new(file),
            Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(file)),
            Compression::Zstd => {
                Box::new(zstd::stream::read::Decoder::with_buffer(file).map_err(decompress_error)?)
            }
        };
        // Fill up to one piece (or one more piece when what is pending has no line end yet), then
        // cut after the last line end; the rest starts the next piece. Returns true at the end.
        // The room is reserved once and the decompressor writes straight into it: growing the
        // buffer by doubling touched about three times a piece's bytes in fresh pages (a quarter
        // of a 4M-row run's page faults were there).
        let fill = |reader: &mut Box<dyn Read + Send>, buf: &mut Vec<u8>| {
            let want = if buf.len() >= piece_bytes {
                piece_bytes
            } else {
                piece_bytes - buf.len()
            }
            .max(1);
            buf.reserve(want);
            let got = reader
                .by_ref()
                .take(want as u64)
                .read_to_end(buf)
                .map_err(|source| match compression {
                    Compression::None => read_error(source),
                    _ => decompress_error(source),
                })?;
            Ok::<bool, IngestError>(got < want)
        };
        let mut pending = Vec::new();
        // Buffers of pieces already parsed, to take the next rest: their pages stay mapped
        // instead of the allocator returning them and the kernel zeroing fresh ones for each piece.
        let mut spare: Vec<Vec<u8>> = Vec::new();
        let mut at_end = false;
        let mut first_piece = Vec::new();
        // The first piece carries the BOM, if any, which decides the encoding.
        while first_piece.is_empty() && !at_end {
            at_end = fill(&mut reader, &mut pending)?;
            first_piece = split_piece(&mut pending, at_end, delimiter, &mut spare);
        }
        let text = Text::decode(first_piece, opts.encoding.as_deref(), path)?;
        let encoding = text.encoding();
        if !encoding.is_ascii_compatible() {
            return Ok(Pieces::NotAsciiCompatible(emit));
        }
        let mut sink = RecordSink::new(ids, path, schema, batch_rows, Some(emit));
        sink.defer_assembly();
        let mut header = None;
        let (lines, first) = parse_piece(&text, delimiter, schema, path, &mut header)?;
        sink.absorb(first, 0)?;
        sink.assemble_full()?;
        let mut line = lines;
        let name = text.encoding_name();
        drop(text);
        // The next pieces go in waves of one per thread: a wave is parsed on every thread while
        // the next one is read and decompressed, then numbered in file order and its full
        // batches assembled in parallel. Numbering and batch boundaries follow the records
        // alone, so the batches are the same whatever the thread count.
        let _reading = ActiveRead::enter();
        let read_wave = |reader: &mut Box<dyn Read + Send>,
                         pending: &mut Vec<u8>,
                         at_end: &mut bool,
                         spare: &mut Vec<Vec<u8>>|
         -> Result<Vec<Vec<u8>>, IngestError> {
            let pieces = wave_pieces(rayon::current_num_threads(), ActiveRead::count());
            let mut wave = Vec::with_capacity(pieces);
            while wave.len() < pieces && !(*at_end && pending.is_empty()) {
                if !*at_end {
                    *at_end = fill(reader, pending)?;
                }
                let piece = split_piece(pending, *at_end, delimiter, spare);
                if !piece.is_empty() {
                    wave.push(piece);
                }
            }
            Ok(wave)
        };
        let mut wave = read_wave(&mut reader, &mut pending, &mut at_end, &mut spare)?;
        let mut unnamed = 0usize;
        while !wave.is_empty() {
            if !ids.is_settled() {
                unnamed += wave.iter().map(Vec::len).sum::<usize>();
                if unnamed > UNNAMED_TEXT_BYTES / ActiveRead::count() {
                    ids.wait();
                }
            }
            if ids.failed() {
                // The caller reports the digest's own error.
                return Err(read_error(std::io::Error::other(
                    "the file could not be hashed",
                )));
            }
            let (next, parsed) = rayon::join(
                || read_wave(&mut reader, &mut pending, &mut at_end, &mut spare),
                || parse_wave(wave, encoding, delimiter, schema, path, &mut header),
            );
            for (lines, piece, buffer) in parsed? {
                sink.absorb(piece, line)?;
                line += lines;
                // A piece grown around a very long line is not kept for the rest of the input.
                if buffer.capacity() <= 2 * piece_bytes {
                    spare.push(buffer);
                }
            }
            sink.assemble_full()?;
            wave = next?;
        }
        if delimiter.is_some() && header.is_none() {
            return Err(IngestError::MissingHeader {
                path: path.to_path_buf(),
            });
        }
        Ok(Pieces::Read(name, sink.finish()?))
    }
}

/// The records of one piece of a JSONL input, or of a CSV/TSV input with `delimiter` (whose
/// header the first piece that has one sets), with lines counted from the piece's start; returns
/// the number of lines in the piece too.
fn parse_piece(
    text: &Text,
    delimiter: Option<u8>,
    schema: &TargetSchema,
    path: &Path,
    header: &mut Option<crate::delimited::Header>,
) -> Result<(u64, PieceRecords), IngestError> {
    let mut records = PieceRecords::default();
    let lines = match delimiter {
        None => crate::jsonl::read_jsonl_piece(text, schema, &mut records)?,
        Some(delimiter) => crate::delimited::read_delimited_piece(
            text,
            delimiter,
            schema,
            &mut records,
            path,
            header,
        )?,
    };
    Ok((lines, records))
}

/// [`parse_piece`] over a wave of pieces in `encoding`, in parallel once a CSV/TSV header is
/// known (pieces before it go one at a time, since the first with a header sets it); each
/// piece's buffer comes back with its records, for the reader to reuse.
fn parse_wave(
    wave: Vec<Vec<u8>>,
    encoding: &'static encoding_rs::Encoding,
    delimiter: Option<u8>,
    schema: &TargetSchema,
    path: &Path,
    header: &mut Option<crate::delimited::Header>,
) -> Result<Vec<(u64, PieceRecords, Vec<u8>)>, IngestError> {
    let parse = |piece: Vec<u8>, header: &mut Option<crate::delimited::Header>| {
        let text = Text::decode_as(piece, encoding);
        let (lines, records) = parse_piece(&text, delimiter, schema, path, header)?;
        Ok((lines, records, text.into_bytes()))
    };
    let mut pieces = wave.into_iter();
    let mut parsed = Vec::new();
    while delimiter.is_some() && header.is_none() {
        let Some(piece) = pieces.next() else {
            return Ok(parsed);
        };
        parsed.push(parse(piece, header)?);
    }
    let known = header.clone();
    let rest: Vec<(u64, PieceRecords, Vec<u8>)> = pieces
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|piece| parse(piece, &mut known.clone()))
        .collect::<Result<_, _>>()?;
    parsed.extend(rest);
    Ok(parsed)
}

/// Takes the complete lines (JSONL) or records (CSV with `delimiter`) off the front of `pending`
/// (everything at the end of the input); a piece without an end waits for more bytes unless the
/// input ended. The piece keeps `pending`'s buffer; the rest moves to one from `spare`.
fn split_piece(
    pending: &mut Vec<u8>,
    at_end: bool,
    delimiter: Option<u8>,
    spare: &mut Vec<Vec<u8>>,
) -> Vec<u8> {
    if at_end {
        return std::mem::take(pending);
    }
    let end = match delimiter {
        None => memchr::memrchr(b'\n', pending).map(|last| last + 1),
        Some(delimiter) => crate::delimited::last_record_end(pending, delimiter),
    };
    match end {
        Some(end) => {
            let mut rest = spare.pop().unwrap_or_default();
            rest.clear();
            rest.extend_from_slice(&pending[end..]);
            pending.truncate(end);
            std::mem::replace(pending, rest)
        }
        None => Vec::new(),
    }
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
    read_bytes_with(raw, path, input_index, opts, schema, batch_rows, None)
}

fn read_bytes_with(
    raw: Vec<u8>,
    path: &Path,
    input_index: u32,
    opts: &InputOptions,
    schema: &TargetSchema,
    batch_rows: usize,
    emit: Option<BatchHandler>,
) -> Result<IngestResult, IngestError> {
    let sha256 = sha256_hex(&raw);
    let bytes = raw.len() as u64;
    let (format, compression) = resolve_format(path, opts, &raw)?;
    let ids = RowIdentity::new(sha256.clone(), input_index);
    let (encoding, collected) = match format {
        InputFormat::Parquet => {
            check_parquet_options(path, opts, compression)?;
            let collected = read_parquet(
                bytes::Bytes::from(raw),
                path,
                schema,
                &ids,
                batch_rows,
                emit,
            )?;
            // Parquet strings are UTF-8 by specification.
            ("utf-8".to_owned(), collected)
        }
        InputFormat::Csv | InputFormat::Tsv | InputFormat::Jsonl => {
            let delimiter = delimiter_for(path, format, opts)?;
            let data = decompress(raw, compression, path)?;
            let text = Text::decode(data, opts.encoding.as_deref(), path)?;
            let mut sink = RecordSink::new(&ids, path, schema, batch_rows, emit);
            match delimiter {
                Some(delimiter) => read_delimited(&text, delimiter, schema, &mut sink, path)?,
                None => read_jsonl(&text, schema, &mut sink)?,
            }
            (text.encoding_name(), sink.finish()?)
        }
    };
    let facts = FileFacts {
        sha256,
        bytes,
        format,
        compression,
    };
    Ok(facts.with(encoding, collected))
}

/// What is known about an input file before its records are read.
#[derive(Clone)]
struct FileFacts {
    sha256: String,
    bytes: u64,
    format: InputFormat,
    compression: Compression,
}

impl FileFacts {
    /// The ingest result of the file read in `encoding` with `collected` records.
    fn with(self, encoding: String, collected: crate::sink::Collected) -> IngestResult {
        IngestResult {
            sha256: self.sha256,
            bytes: self.bytes,
            format: self.format,
            compression: self.compression,
            encoding,
            records: collected.records,
            blank_lines: collected.blank_lines,
            batches: collected.batches,
            rejects: collected.rejects,
        }
    }
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

#[cfg(test)]
mod streaming_tests {
    use super::*;
    use crate::testutil::*;
    use std::sync::{Arc, Mutex};

    /// Reads `path` in pieces of `piece` bytes, collecting the emitted batches into the result.
    fn streamed(
        path: &Path,
        opts: &InputOptions,
        schema: &TargetSchema,
        piece: usize,
    ) -> IngestResult {
        let got: Arc<Mutex<Vec<Batch>>> = Arc::default();
        let sink = got.clone();
        let emit: BatchHandler = Box::new(move |b| {
            sink.lock().unwrap().push(b);
            Ok(())
        });
        let mut result = read_in_pieces(path, 3, opts, schema, 4, emit, piece).unwrap();
        assert!(
            result.batches.is_empty(),
            "streamed batches are emitted, not kept"
        );
        result.batches = std::mem::take(&mut *got.lock().unwrap());
        result
    }

    fn assert_same(whole: &IngestResult, streamed: &IngestResult, what: &str) {
        assert_eq!(whole.sha256, streamed.sha256, "{what}");
        assert_eq!(whole.bytes, streamed.bytes, "{what}");
        assert_eq!(whole.encoding, streamed.encoding, "{what}");
        assert_eq!(whole.records, streamed.records, "{what}");
        assert_eq!(whole.blank_lines, streamed.blank_lines, "{what}");
        let rejects = |r: &IngestResult| {
            r.rejects
                .iter()
                .map(|m| {
                    (
                        m.row.clone(),
                        m.reason.clone(),
                        m.detail.clone(),
                        m.content.clone(),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(rejects(whole), rejects(streamed), "{what}");
        assert_eq!(whole.batches.len(), streamed.batches.len(), "{what}");
        for (a, b) in whole.batches.iter().zip(&streamed.batches) {
            assert_eq!(a.rows, b.rows, "{what}");
            assert_eq!(a.data, b.data, "{what}");
        }
    }

    #[test]
    fn jsonl_read_in_pieces_equals_reading_it_whole() {
        let dir = tempfile::tempdir().unwrap();
        let schema = schema(&[
            ("id", "id", "string", true),
            ("body", "body", "string", false),
        ]);
        let long = "長".repeat(300);
        let mut text = String::from("\u{feff}");
        for i in 0..40 {
            match i % 9 {
                3 => text.push_str("\r\n"),
                5 => text.push_str("{not json\n"),
                7 => text.push_str(&format!("{{\"id\":\"{i}\",\"body\":\"{long}\"}}\r\n")),
                _ => text.push_str(&format!("{{\"id\":\"{i}\",\"body\":\"订单 {i} ok\"}}\n")),
            }
        }
        text.push_str("{\"id\":\"last\"}");
        let utf8 = text.as_bytes().to_vec();
        let mut invalid = utf8.clone();
        invalid.splice(40..40, [0xff, 0xfe, b'x']);
        let (gbk, _, _) = encoding_rs::GBK.encode(text.trim_start_matches('\u{feff}'));
        let cases: Vec<(&str, Vec<u8>, InputOptions)> = vec![
            ("plain.jsonl", utf8.clone(), InputOptions::default()),
            ("bad-utf8.jsonl", invalid, InputOptions::default()),
            ("zipped.jsonl.gz", gzip(&utf8), InputOptions::default()),
            (
                "packed.jsonl.zst",
                zstd::encode_all(utf8.as_slice(), 3).unwrap(),
                InputOptions::default(),
            ),
            (
                "gbk.jsonl",
                gbk.into_owned(),
                InputOptions {
                    encoding: Some("gbk".to_owned()),
                    ..InputOptions::default()
                },
            ),
        ];
        for (name, bytes, opts) in cases {
            let path = write(dir.path(), name, &bytes);
            let whole = read_input(&path, 3, &opts, &schema, 4).unwrap();
            assert!(whole.records > 30, "{name} has records");
            for piece in [1, 7, 100, 1 << 20] {
                assert_same(
                    &whole,
                    &streamed(&path, &opts, &schema, piece),
                    &format!("{name} / {piece}"),
                );
            }
        }
    }

    /// Pieces are parsed a wave (one per thread) at a time: the batches, rejects and counts are
    /// the same whatever the thread count, for JSONL and for CSV whose header comes late.
    #[test]
    fn streamed_reads_do_not_depend_on_the_thread_count() {
        let dir = tempfile::tempdir().unwrap();
        let schema = schema(&[
            ("id", "id", "string", true),
            ("note", "note", "string", false),
        ]);
        let mut jsonl = String::new();
        let mut csv = String::from("\n\n\nid,note\n");
        for i in 0..60 {
            match i % 7 {
                2 => jsonl.push_str("[1]\n"),
                4 => jsonl.push('\n'),
                _ => jsonl.push_str(&format!("{{\"id\":\"{i}\",\"note\":\"备注 {i}\"}}\n")),
            }
            match i % 6 {
                3 => csv.push_str(&format!("{i},too,many\n")),
                _ => csv.push_str(&format!("{i},\"note\n{i}\"\n")),
            }
        }
        for (name, text) in [("t.jsonl", jsonl), ("t.csv", csv)] {
            let path = write(dir.path(), name, text.as_bytes());
            let whole = read_input(&path, 3, &InputOptions::default(), &schema, 4).unwrap();
            assert!(
                !whole.rejects.is_empty() && whole.batches.len() > 5,
                "{name}"
            );
            for threads in [1, 3, 8] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                for piece in [1, 9, 40] {
                    let got =
                        pool.install(|| streamed(&path, &InputOptions::default(), &schema, piece));
                    assert_same(
                        &whole,
                        &got,
                        &format!("{name} / {threads} threads / {piece}"),
                    );
                }
            }
        }
    }

    #[test]
    fn reads_side_by_side_share_the_threads_in_waves() {
        assert_eq!(wave_pieces(2, 1), 2);
        assert_eq!(wave_pieces(2, 2), 1);
        assert_eq!(wave_pieces(32, 4), 8);
        assert_eq!(wave_pieces(32, 40), 1);
        assert_eq!(wave_pieces(8, 0), 8);
        assert_eq!(wave_pieces(0, 1), 1);
    }

    #[test]
    fn utf16_falls_back_to_reading_whole() {
        let dir = tempfile::tempdir().unwrap();
        let schema = schema(&[("id", "id", "string", true)]);
        let mut utf16 = vec![0xff, 0xfe];
        for unit in "{\"id\":\"a\"}\n{\"id\":\"b\"}\n".encode_utf16() {
            utf16.extend(unit.to_le_bytes());
        }
        let path = write(dir.path(), "wide.jsonl", &utf16);
        let whole = read_input(&path, 3, &InputOptions::default(), &schema, 4).unwrap();
        assert_eq!(whole.records, 2);
        assert_same(
            &whole,
            &streamed(&path, &InputOptions::default(), &schema, 3),
            "utf-16",
        );
    }

    #[test]
    fn csv_read_in_pieces_equals_reading_it_whole() {
        let dir = tempfile::tempdir().unwrap();
        let schema = schema(&[
            ("id", "id", "string", true),
            ("note", "note", "string", false),
        ]);
        let mut text = String::from("\u{feff}\n\nid,note\r\n");
        for i in 0..30 {
            match i % 8 {
                1 => text.push_str(&format!("{i},\"two\nlines, with \"\"quotes\"\"\"\r\n")),
                2 => text.push('\n'),
                3 => text.push_str(&format!("{i},ragged,extra\n")),
                4 => text.push_str(&format!("{i},\"索赔 {i}\"\n")),
                5 => text.push_str(&format!("{i},mid\"quote\n")),
                _ => text.push_str(&format!("{i},plain {i}\n")),
            }
        }
        let mut unterminated = text.clone();
        unterminated.push_str("99,\"never closed\nlast,row\n");
        text.push_str("end,no newline");
        let tsv = text.replace(',', "\t");
        let (gbk, _, _) = encoding_rs::GBK.encode(text.trim_start_matches('\u{feff}'));
        let gbk_opts = InputOptions {
            encoding: Some("gbk".to_owned()),
            ..InputOptions::default()
        };
        let cases: Vec<(&str, Vec<u8>, InputOptions)> = vec![
            (
                "plain.csv",
                text.clone().into_bytes(),
                InputOptions::default(),
            ),
            (
                "open.csv",
                unterminated.into_bytes(),
                InputOptions::default(),
            ),
            ("tabs.tsv", tsv.into_bytes(), InputOptions::default()),
            (
                "zipped.csv.gz",
                gzip(text.as_bytes()),
                InputOptions::default(),
            ),
            ("gbk.csv", gbk.into_owned(), gbk_opts),
        ];
        for (name, bytes, opts) in cases {
            let path = write(dir.path(), name, &bytes);
            let whole = read_input(&path, 3, &opts, &schema, 4).unwrap();
            assert!(whole.records > 20, "{name} has records");
            assert!(!whole.rejects.is_empty(), "{name} has rejects");
            for piece in [1, 5, 64, 1 << 20] {
                assert_same(
                    &whole,
                    &streamed(&path, &opts, &schema, piece),
                    &format!("{name} / {piece}"),
                );
            }
        }
        // Without a header, both fail the same way.
        for (name, bytes) in [("empty.csv", &b""[..]), ("blank.csv", &b"\n\n\n"[..])] {
            let path = write(dir.path(), name, bytes);
            let whole = read_input(&path, 3, &InputOptions::default(), &schema, 4).unwrap_err();
            let emit: BatchHandler = Box::new(|_| Ok(()));
            let pieces = read_in_pieces(&path, 3, &InputOptions::default(), &schema, 4, emit, 1)
                .unwrap_err();
            assert!(matches!(whole, IngestError::MissingHeader { .. }), "{name}");
            assert!(
                matches!(pieces, IngestError::MissingHeader { .. }),
                "{name}"
            );
        }
    }

    #[test]
    fn a_cut_piece_keeps_its_buffer_and_the_rest_moves_to_a_spare_one() {
        let mut pending = b"{\"a\":1}\n{\"b\":2}\n{\"c\"".to_vec();
        let filled = pending.as_ptr();
        let reused = Vec::with_capacity(64);
        let reused_at = reused.as_ptr();
        let mut spare = vec![reused];
        let piece = split_piece(&mut pending, false, None, &mut spare);
        assert_eq!(piece, b"{\"a\":1}\n{\"b\":2}\n");
        assert_eq!(pending, b"{\"c\"");
        assert_eq!((piece.as_ptr(), pending.as_ptr()), (filled, reused_at));
        assert!(spare.is_empty());
        // Without a line end nothing is cut and no spare buffer is taken; at the end everything
        // pending is the piece.
        let mut spare = vec![Vec::with_capacity(8)];
        assert!(split_piece(&mut pending, false, None, &mut spare).is_empty());
        assert_eq!((pending.as_slice(), spare.len()), (&b"{\"c\""[..], 1));
        assert_eq!(split_piece(&mut pending, true, None, &mut spare), b"{\"c\"");
        assert!(pending.is_empty());
        // With no spare buffer the rest gets a new one.
        let mut pending = b"x\ny".to_vec();
        assert_eq!(
            split_piece(&mut pending, false, None, &mut Vec::new()),
            b"x\n"
        );
        assert_eq!(pending, b"y");
    }

    #[test]
    fn record_ends_respect_quotes() {
        use crate::delimited::last_record_end;
        assert_eq!(last_record_end(b"a,b\nc,d", b','), Some(4));
        assert_eq!(last_record_end(b"a,\"x\ny\"\nc", b','), Some(8));
        assert_eq!(last_record_end(b"a,\"x\ny", b','), None);
        assert_eq!(last_record_end(b"a,\"x\"\"\n\"\nb", b','), Some(9));
        assert_eq!(
            last_record_end(b"a\"b\nc", b','),
            Some(4),
            "a quote mid-field is literal"
        );
        assert_eq!(last_record_end(b"no end", b','), None);
    }

    #[test]
    fn a_truncated_stream_fails_like_reading_it_whole() {
        let dir = tempfile::tempdir().unwrap();
        let schema = schema(&[("id", "id", "string", true)]);
        let gz = gzip(b"{\"id\":\"a\"}\n{\"id\":\"b\"}\n");
        let path = write(dir.path(), "cut.jsonl.gz", &gz[..gz.len() - 6]);
        let emit: BatchHandler = Box::new(|_| Ok(()));
        let err =
            read_in_pieces(&path, 0, &InputOptions::default(), &schema, 4, emit, 4).unwrap_err();
        assert!(matches!(err, IngestError::Decompress { .. }));
        assert!(err.to_string().contains("cut.jsonl.gz"));
    }
}
