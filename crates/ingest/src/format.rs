//! Input formats and outer compression, and how they are told from a file name.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// How an input file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// Tab-separated values with a header row.
    Tsv,
    /// One JSON object per line (also known as NDJSON).
    #[serde(alias = "ndjson")]
    Jsonl,
    /// Apache Parquet.
    Parquet,
}

/// Compression wrapped around a whole text input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// Stored as is.
    None,
    /// gzip (one or more members).
    Gzip,
    /// Zstandard (one or more frames).
    Zstd,
}

impl InputFormat {
    /// Format and compression from the file name: `.csv .tsv .jsonl .ndjson` (each optionally
    /// followed by `.gz` or `.zst`) and `.parquet`. Case-insensitive; `None` when it cannot tell.
    pub fn detect(path: &Path) -> Option<(InputFormat, Compression)> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let (stem, compression) = Compression::split_suffix(&name);
        let (_, extension) = stem.rsplit_once('.')?;
        let format = match extension {
            "csv" => InputFormat::Csv,
            "tsv" => InputFormat::Tsv,
            "jsonl" | "ndjson" => InputFormat::Jsonl,
            "parquet" => InputFormat::Parquet,
            _ => return None,
        };
        if format == InputFormat::Parquet && compression != Compression::None {
            return None;
        }
        Some((format, compression))
    }

    /// The format's name as written in pipeline files.
    pub fn as_str(self) -> &'static str {
        match self {
            InputFormat::Csv => "csv",
            InputFormat::Tsv => "tsv",
            InputFormat::Jsonl => "jsonl",
            InputFormat::Parquet => "parquet",
        }
    }
}

impl fmt::Display for InputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A format name that is not one of `csv`, `tsv`, `jsonl` (`ndjson`), `parquet`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown input format `{0}` (expected csv, tsv, jsonl or parquet)")]
pub struct UnknownFormatName(pub String);

impl FromStr for InputFormat {
    type Err = UnknownFormatName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Ok(InputFormat::Csv),
            "tsv" => Ok(InputFormat::Tsv),
            "jsonl" | "ndjson" => Ok(InputFormat::Jsonl),
            "parquet" => Ok(InputFormat::Parquet),
            _ => Err(UnknownFormatName(s.to_owned())),
        }
    }
}

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];

impl Compression {
    /// Compression named by the file's last extension (`.gz`, `.zst`, `.zstd`), else `None`.
    pub fn from_extension(path: &Path) -> Compression {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        Compression::split_suffix(&name).1
    }

    /// Compression recognised by its magic bytes at the start of `bytes`, else `None`.
    pub fn sniff(bytes: &[u8]) -> Compression {
        if bytes.starts_with(GZIP_MAGIC) {
            Compression::Gzip
        } else if bytes.starts_with(ZSTD_MAGIC) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    /// The compression's name as shown in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }

    fn split_suffix(lowercase_name: &str) -> (&str, Compression) {
        for (suffix, compression) in [
            (".gz", Compression::Gzip),
            (".zst", Compression::Zstd),
            (".zstd", Compression::Zstd),
        ] {
            if let Some(stem) = lowercase_name.strip_suffix(suffix) {
                return (stem, compression);
            }
        }
        (lowercase_name, Compression::None)
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(name: &str) -> Option<(InputFormat, Compression)> {
        InputFormat::detect(Path::new(name))
    }

    #[test]
    fn detects_formats_and_compression_from_extensions() {
        use Compression as C;
        use InputFormat as F;
        assert_eq!(detect("a/b/claims-1.csv"), Some((F::Csv, C::None)));
        assert_eq!(detect("x.TSV"), Some((F::Tsv, C::None)));
        assert_eq!(detect("x.jsonl"), Some((F::Jsonl, C::None)));
        assert_eq!(detect("x.ndjson"), Some((F::Jsonl, C::None)));
        assert_eq!(detect("x.jsonl.gz"), Some((F::Jsonl, C::Gzip)));
        assert_eq!(detect("x.ndjson.zst"), Some((F::Jsonl, C::Zstd)));
        assert_eq!(detect("x.csv.GZ"), Some((F::Csv, C::Gzip)));
        assert_eq!(detect("x.csv.zstd"), Some((F::Csv, C::Zstd)));
        assert_eq!(detect("x.parquet"), Some((F::Parquet, C::None)));
    }

    #[test]
    fn unknown_or_unsupported_names_are_not_detected() {
        for name in [
            "x.txt",
            "x.json",
            "x",
            "csv",
            "x.gz",
            "x.parquet.gz",
            "x.csv.bz2",
            "",
        ] {
            assert_eq!(detect(name), None, "{name:?}");
        }
    }

    #[test]
    fn names_round_trip_through_display_from_str_and_serde() {
        for format in [
            InputFormat::Csv,
            InputFormat::Tsv,
            InputFormat::Jsonl,
            InputFormat::Parquet,
        ] {
            assert_eq!(format.to_string().parse::<InputFormat>(), Ok(format));
            let json = serde_json::to_string(&format).unwrap();
            assert_eq!(json, format!("\"{format}\""));
            assert_eq!(serde_json::from_str::<InputFormat>(&json).unwrap(), format);
        }
        assert_eq!("NDJSON".parse::<InputFormat>(), Ok(InputFormat::Jsonl));
        assert_eq!(
            serde_json::from_str::<InputFormat>("\"ndjson\"").unwrap(),
            InputFormat::Jsonl
        );
        assert!("xlsx".parse::<InputFormat>().is_err());
        assert!(serde_json::from_str::<InputFormat>("\"Csv\"").is_err());
        assert_eq!(
            serde_json::to_string(&Compression::Zstd).unwrap(),
            "\"zstd\""
        );
    }

    #[test]
    fn sniffs_magic_bytes() {
        assert_eq!(Compression::sniff(&[0x1f, 0x8b, 8, 0]), Compression::Gzip);
        assert_eq!(
            Compression::sniff(&[0x28, 0xb5, 0x2f, 0xfd, 1]),
            Compression::Zstd
        );
        assert_eq!(Compression::sniff(b"{\"a\":1}"), Compression::None);
        assert_eq!(Compression::sniff(&[0x1f]), Compression::None);
        assert_eq!(
            Compression::from_extension(Path::new("d/x.jsonl.gz")),
            Compression::Gzip
        );
        assert_eq!(
            Compression::from_extension(Path::new("d/x.jsonl")),
            Compression::None
        );
    }
}
