//! Streaming record output: optional gzip/zstd compression, optional GBK encoding, and the
//! record/line bookkeeping the ground truth needs. Records are written as they are generated,
//! so memory stays flat at any `--scale`.

use crate::error::GenError;
use crate::truth::RowRef;
use flate2::Compression as GzLevel;
use flate2::write::GzEncoder;
use fs_err::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// How a file is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain bytes.
    None,
    /// gzip (mtime 0, no file name, so output is reproducible).
    Gzip,
    /// zstd level 3, single-threaded (reproducible for a given zstd version).
    Zstd,
}

/// How text is turned into bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8, optionally preceded by a byte-order mark.
    Utf8 {
        /// Write `EF BB BF` first, as spreadsheet exports do.
        bom: bool,
    },
    /// GBK (via encoding_rs); a character without a GBK code is an error.
    Gbk,
}

enum Inner {
    Plain(BufWriter<File>),
    Gzip(GzEncoder<BufWriter<File>>),
    Zstd(zstd::Encoder<'static, BufWriter<File>>),
}

impl Inner {
    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Inner::Plain(w) => w.write_all(bytes),
            Inner::Gzip(w) => w.write_all(bytes),
            Inner::Zstd(w) => w.write_all(bytes),
        }
    }

    fn finish(self) -> std::io::Result<()> {
        let mut file = match self {
            Inner::Plain(w) => w,
            Inner::Gzip(w) => w.finish()?,
            Inner::Zstd(w) => w.finish()?,
        };
        file.flush()
    }
}

/// Writes the records of one sample file and tells where each one landed.
pub struct RecordWriter {
    inner: Inner,
    encoding: TextEncoding,
    file: String,
    path: std::path::PathBuf,
    rows: u64,
    next_line: u64,
}

impl RecordWriter {
    /// Creates `dir/file`.
    pub fn create(
        dir: &Path,
        file: &str,
        compression: Compression,
        encoding: TextEncoding,
    ) -> Result<Self, GenError> {
        let path = dir.join(file);
        let out = BufWriter::with_capacity(1 << 16, File::create(&path)?);
        let mut inner = match compression {
            Compression::None => Inner::Plain(out),
            Compression::Gzip => Inner::Gzip(GzEncoder::new(out, GzLevel::default())),
            Compression::Zstd => Inner::Zstd(zstd::Encoder::new(out, 3)?),
        };
        if encoding == (TextEncoding::Utf8 { bom: true }) {
            inner.write_all(b"\xEF\xBB\xBF")?;
        }
        Ok(RecordWriter {
            inner,
            encoding,
            file: file.to_string(),
            path,
            rows: 0,
            next_line: 1,
        })
    }

    /// Writes a header (lines that are not records), e.g. a CSV header row with its newline.
    pub fn header(&mut self, text: &str) -> Result<(), GenError> {
        let bytes = self.encode(text)?;
        self.inner.write_all(&bytes)?;
        self.next_line += count_newlines(text.as_bytes());
        Ok(())
    }

    /// Writes one record (its terminator included) and returns its position.
    pub fn record(&mut self, text: &str) -> Result<RowRef, GenError> {
        let bytes = self.encode(text)?;
        self.raw_record(&bytes)
    }

    /// Writes one record given as raw bytes (possibly not valid text in the file's encoding),
    /// terminator included, and returns its position.
    pub fn raw_record(&mut self, bytes: &[u8]) -> Result<RowRef, GenError> {
        self.inner.write_all(bytes)?;
        let at = RowRef {
            file: self.file.clone(),
            row: self.rows,
            line: self.next_line,
        };
        self.rows += 1;
        self.next_line += count_newlines(bytes);
        Ok(at)
    }

    /// Writes an empty line and returns its 1-based line number.
    pub fn blank_line(&mut self) -> Result<u64, GenError> {
        self.inner.write_all(b"\n")?;
        self.next_line += 1;
        Ok(self.next_line - 1)
    }

    /// File name inside the dataset directory.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Records written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Flushes and closes the file; returns its size in bytes on disk.
    pub fn finish(self) -> Result<u64, GenError> {
        self.inner.finish()?;
        Ok(fs_err::metadata(&self.path)?.len())
    }

    fn encode<'t>(&self, text: &'t str) -> Result<std::borrow::Cow<'t, [u8]>, GenError> {
        match self.encoding {
            TextEncoding::Utf8 { .. } => Ok(std::borrow::Cow::Borrowed(text.as_bytes())),
            TextEncoding::Gbk => {
                let (bytes, _, had_unmappable) = encoding_rs::GBK.encode(text);
                if had_unmappable {
                    return Err(GenError::Unencodable {
                        file: self.file.clone(),
                        row: self.rows,
                        encoding: "GBK",
                    });
                }
                Ok(bytes)
            }
        }
    }
}

fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|b| **b == b'\n').count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn tracks_rows_and_lines_across_multi_line_records_and_blanks() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = RecordWriter::create(
            dir.path(),
            "a.csv",
            Compression::None,
            TextEncoding::Utf8 { bom: true },
        )
        .unwrap();
        w.header("h1,h2\n").unwrap();
        let first = w.record("1,\"two\nlines\"\n").unwrap();
        assert_eq!(w.blank_line().unwrap(), 4);
        let second = w.record("2,x\n").unwrap();
        assert_eq!((first.row, first.line), (0, 2));
        assert_eq!((second.row, second.line), (1, 5));
        assert_eq!(w.rows(), 2);
        let size = w.finish().unwrap();
        let bytes = fs_err::read(dir.path().join("a.csv")).unwrap();
        assert_eq!(size, bytes.len() as u64);
        assert!(bytes.starts_with(b"\xEF\xBB\xBFh1,h2\n"));
    }

    #[test]
    fn compressed_outputs_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        for (name, compression) in [
            ("a.jsonl.gz", Compression::Gzip),
            ("a.jsonl.zst", Compression::Zstd),
        ] {
            let mut w = RecordWriter::create(
                dir.path(),
                name,
                compression,
                TextEncoding::Utf8 { bom: false },
            )
            .unwrap();
            w.record("{\"a\":1}\n").unwrap();
            w.raw_record(b"{\"b\":\"\xFF\"}\n").unwrap();
            w.finish().unwrap();
            let file = fs_err::File::open(dir.path().join(name)).unwrap();
            let mut text = Vec::new();
            match compression {
                Compression::Gzip => flate2::read::GzDecoder::new(file).read_to_end(&mut text),
                _ => zstd::Decoder::new(file).unwrap().read_to_end(&mut text),
            }
            .unwrap();
            assert_eq!(text, b"{\"a\":1}\n{\"b\":\"\xFF\"}\n");
        }
    }

    #[test]
    fn gbk_encodes_chinese_and_rejects_unmappable() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = RecordWriter::create(dir.path(), "g.csv", Compression::None, TextEncoding::Gbk)
            .unwrap();
        w.record("张伟杰,１３８\r\n").unwrap();
        let err = w.record("emoji \u{1F600}\r\n").unwrap_err();
        assert!(matches!(err, GenError::Unencodable { row: 1, .. }), "{err}");
        w.finish().unwrap();
        let bytes = fs_err::read(dir.path().join("g.csv")).unwrap();
        let (text, _, errors) = encoding_rs::GBK.decode(&bytes);
        assert!(!errors);
        assert_eq!(text, "张伟杰,１３８\r\n");
        assert_ne!(bytes, "张伟杰,１３８\r\n".as_bytes());
    }
}
