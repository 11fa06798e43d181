//! Reading generated sample files back: decompression, decoding, record splitting and field
//! lookup, independent of the generator's own writers.

#![allow(dead_code)]

use serde_json::Value;
use sluice_samplegen::{Config, Summary};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// One record as found in a file.
pub struct RawRecord {
    /// 0-based record index.
    pub row: u64,
    /// 1-based line where it starts.
    pub line: u64,
    /// The record's text (lossy for invalid UTF-8).
    pub raw: String,
    /// What it parsed to.
    pub parsed: Parsed,
}

/// A parsed record.
pub enum Parsed {
    /// A JSON value (object or not).
    Json(Value),
    /// CSV fields.
    Csv(Vec<String>),
    /// Not parseable.
    Broken,
}

/// The samples generated once per test binary (default seed, scale 1) and their summary. They
/// live in Cargo's per-target temp dir, replaced on every run, so nothing leaks into `/tmp`.
pub fn generated() -> (&'static Path, &'static Summary) {
    static GENERATED: OnceLock<(PathBuf, Summary)> = OnceLock::new();
    let (path, summary) = GENERATED.get_or_init(|| {
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("samplegen-ground-truth");
        if path.exists() {
            fs_err::remove_dir_all(&path).unwrap();
        }
        let config = Config {
            out: path.clone(),
            seed: sluice_samplegen::DEFAULT_SEED,
            scale: 1,
            only: Vec::new(),
        };
        let summary = sluice_samplegen::generate(&config).unwrap();
        (path, summary)
    });
    (path, summary)
}

/// Decompressed bytes of a sample file.
pub fn bytes(path: &Path) -> Vec<u8> {
    let file = fs_err::File::open(path).unwrap();
    let mut out = Vec::new();
    let name = path.to_string_lossy();
    if name.ends_with(".gz") {
        flate2::read::GzDecoder::new(file)
            .read_to_end(&mut out)
            .unwrap();
    } else if name.ends_with(".zst") {
        zstd::Decoder::new(file)
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
    } else {
        out = fs_err::read(path).unwrap();
    }
    out
}

/// Records of a JSONL file (blank lines skipped) and the line numbers of the blank lines.
pub fn jsonl_records(path: &Path) -> (Vec<RawRecord>, Vec<u64>) {
    let data = bytes(path);
    assert_eq!(data.last(), Some(&b'\n'), "file ends with a newline");
    let mut records = Vec::new();
    let mut blanks = Vec::new();
    for (i, line) in data[..data.len() - 1].split(|b| *b == b'\n').enumerate() {
        let line_no = i as u64 + 1;
        if line.is_empty() {
            blanks.push(line_no);
            continue;
        }
        let parsed = std::str::from_utf8(line)
            .ok()
            .and_then(|s| serde_json::from_str::<Value>(s).ok())
            .map_or(Parsed::Broken, Parsed::Json);
        records.push(RawRecord {
            row: records.len() as u64,
            line: line_no,
            raw: String::from_utf8_lossy(line).into_owned(),
            parsed,
        });
    }
    (records, blanks)
}

/// Decoded text of a CSV file: GBK when the name says so, otherwise UTF-8 without its BOM.
pub fn csv_text(path: &Path) -> String {
    let data = bytes(path);
    if path.to_string_lossy().contains("gbk") {
        let (text, had_errors) = encoding_rs::GBK.decode_without_bom_handling(&data);
        assert!(!had_errors);
        text.into_owned()
    } else {
        let text = String::from_utf8(data).unwrap();
        text.strip_prefix('\u{FEFF}')
            .map(str::to_string)
            .unwrap_or(text)
    }
}

/// Records of a CSV file after its header, with their raw text.
pub fn csv_records(path: &Path) -> Vec<RawRecord> {
    let text = csv_text(path);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut found: Vec<(u64, usize, Parsed)> = Vec::new();
    for result in reader.records() {
        match result {
            Ok(record) => {
                let pos = record.position().unwrap();
                found.push((
                    pos.line(),
                    pos.byte() as usize,
                    Parsed::Csv(record.iter().map(str::to_string).collect()),
                ));
            }
            Err(err) => {
                let pos = err.position().unwrap();
                found.push((pos.line(), pos.byte() as usize, Parsed::Broken));
            }
        }
    }
    let starts: Vec<usize> = found.iter().map(|(_, start, _)| *start).collect();
    found
        .into_iter()
        .enumerate()
        .map(|(i, (line, start, parsed))| {
            let end = starts.get(i + 1).copied().unwrap_or(text.len());
            // With CRLF the csv crate ends a record at `\r` and starts the next one at the `\n`.
            let (line, start) = if text[start..].starts_with('\n') {
                (line + 1, start + 1)
            } else {
                (line, start)
            };
            RawRecord {
                row: i as u64,
                line,
                raw: text[start..end].to_string(),
                parsed,
            }
        })
        .collect()
}

/// Records of any sample file.
pub fn records(path: &Path) -> Vec<RawRecord> {
    if path.to_string_lossy().contains(".csv") {
        csv_records(path)
    } else {
        jsonl_records(path).0
    }
}

/// Lines of a ground-truth JSONL file.
pub fn truth(path: &Path) -> Vec<Value> {
    fs_err::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The value at a raw-record path like `customer.email`, `messages[2].content` or `text`.
pub fn json_field<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    let mut current = value;
    for segment in path.split('.') {
        let (name, index) = match segment.split_once('[') {
            Some((name, rest)) => (
                name,
                Some(rest.trim_end_matches(']').parse::<usize>().ok()?),
            ),
            None => (segment, None),
        };
        current = current.as_object()?.get(name)?;
        if let Some(i) = index {
            current = current.as_array()?.get(i)?;
        }
    }
    Some(current)
}

/// The data files of a dataset, in generation order.
pub fn data_files(summary: &Summary, dataset: &str) -> Vec<String> {
    summary
        .datasets
        .iter()
        .find(|d| d.name == dataset)
        .unwrap()
        .files
        .iter()
        .map(|f| f.file.clone())
        .collect()
}
