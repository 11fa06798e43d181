//! The malformed-input corpus: every case runs the real binary on a pipeline that reads one good
//! file next to one broken one, and checks that sluice neither panics nor loses a row.
//!
//! The corpus is generated here, deterministically, into a temp dir (nothing large is committed;
//! the 100 MB single-line file exists only while its test runs). Small hand-made inputs that are
//! easier to read as files live in `tests/malformed/` and are run by the same harness.
//!
//! # Policy: which failures stop the run (exit 2) and which quarantine a record
//!
//! A problem confined to one record costs only that record: it is quarantined with a reason code
//! (`PARSE_*` / `INGEST_*`), its file and line, and the run goes on (exit 0, or 1 if a gate fails).
//! A problem that makes the *file* untrustworthy as a whole stops the run with exit 2 and a message
//! naming the file, before any output is written:
//!
//! - the file cannot be opened or read (missing, unreadable, a directory, a dangling symlink, a
//!   glob matching nothing) — there is nothing to account for, and silently skipping an input
//!   would lose all of its rows;
//! - a truncated or corrupt gzip/zstd stream — what was decoded before the damage cannot be
//!   trusted to end on a record boundary, and the records after it are unknowable;
//! - Parquet whose footer or pages cannot be read (truncated, not Parquet at all), or whose schema
//!   lacks a mapped column or has a column of an unconvertible type — a schema problem affects
//!   every row identically, so quarantining each one would only hide a configuration error;
//! - a CSV/TSV file with no header row at all (empty file) or an unreadable header.
//!
//! Files with zero records (empty JSONL, whitespace only, header-only CSV) are not errors: they
//! contribute zero records to the conservation count and the run completes.
//!
//! Every case asserts: exit code 0, 1 or 2 only and never "panicked" on stderr; on exit 2 the
//! message names the bad file and no manifest exists; otherwise the manifest's conservation holds
//! (overall and per input), every row of the good file is in the training set, and every
//! quarantined row has a reason code and names its source file (and line for text formats).

// Test helpers outside #[test] fns: a panic is the failure report here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sluice_test_support::{parquet_rows, repo_root};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Rows of the good file; each case's bad input runs next to it.
const GOOD_IDS: [&str; 4] = ["g1", "g2", "g3", "g4"];

fn good_jsonl() -> Vec<u8> {
    GOOD_IDS
        .iter()
        .map(|id| format!("{{\"id\": \"{id}\", \"body\": \"good body of {id}\"}}\n"))
        .collect::<String>()
        .into_bytes()
}

/// What a case must do.
#[derive(Debug, Clone)]
enum Expect {
    /// The run stops with exit 2 and stderr naming `needle` (the bad file or pattern).
    FileError { needle: String },
    /// The run completes; the bad input has exactly `records` records of which `kept` are kept
    /// and the rest quarantined with exactly `reasons` (in source order).
    Completes {
        records: u64,
        kept: u64,
        reasons: Vec<&'static str>,
    },
    /// The run completes; conservation must hold, the exact split is not prescribed.
    CompletesAnyhow,
}

fn completes(records: u64, kept: u64, reasons: &[&'static str]) -> Expect {
    Expect::Completes {
        records,
        kept,
        reasons: reasons.to_vec(),
    }
}

fn file_error(needle: &str) -> Expect {
    Expect::FileError {
        needle: needle.to_owned(),
    }
}

/// One corpus case: the bad input (written under `in/`), how the pipeline names it, options.
struct Case {
    name: &'static str,
    /// File name under `in/`; `None` when the case sets up the path itself.
    file: Option<&'static str>,
    bytes: Vec<u8>,
    /// The `path` in the pipeline (defaults to `in/<file>`).
    pattern: Option<String>,
    /// Extra keys for the bad input's `[[inputs]]` table (e.g. `format = "csv"`).
    options: &'static str,
    expect: Expect,
}

impl Case {
    fn new(
        name: &'static str,
        file: &'static str,
        bytes: impl Into<Vec<u8>>,
        expect: Expect,
    ) -> Self {
        Case {
            name,
            file: Some(file),
            bytes: bytes.into(),
            pattern: None,
            options: "",
            expect,
        }
    }

    fn options(mut self, options: &'static str) -> Self {
        self.options = options;
        self
    }
}

fn pipeline(bad_pattern: &str, bad_options: &str) -> String {
    format!(
        r#"
[pipeline]
name = "malformed"

[[inputs]]
path = "good.jsonl"

[[inputs]]
path = "{bad_pattern}"
{bad_options}

[fields]
id = {{ type = "string", required = true }}
body = {{ type = "string", required = true }}

[[stages]]
kind = "redact"

[output]
splits = {{ train = 1.0 }}
"#
    )
}

fn sluice(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the sluice binary runs")
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Every row of every Parquet shard under `out/data`, in path order.
fn training_rows(out: &Path) -> Vec<serde_json::Value> {
    let mut shards: Vec<PathBuf> = std::fs::read_dir(out.join("data"))
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    shards.sort();
    shards
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .flat_map(|p| parquet_rows(p).unwrap())
        .map(|row| serde_json::from_str(&row).unwrap())
        .collect()
}

/// Runs one case in its own temp dir and checks everything the policy promises.
fn check(case: &Case, dir: &Path) {
    write(dir, "good.jsonl", &good_jsonl());
    if let Some(file) = case.file {
        write(dir, &format!("in/{file}"), &case.bytes);
    }
    let pattern = case
        .pattern
        .clone()
        .unwrap_or_else(|| format!("in/{}", case.file.unwrap_or("")));
    write(
        dir,
        "pipeline.toml",
        pipeline(&pattern, case.options).as_bytes(),
    );
    let out = dir.join("out");
    let r = sluice(
        dir,
        &["run", "pipeline.toml", "--out", out.to_str().unwrap()],
    );
    let stderr = String::from_utf8_lossy(&r.stderr);
    let name = case.name;
    let code = r.status.code();
    assert!(
        matches!(code, Some(0..=2)),
        "[{name}] exit {code:?} (signal or unexpected code)\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "[{name}] panicked:\n{stderr}");
    match &case.expect {
        Expect::FileError { needle } => {
            assert_eq!(code, Some(2), "[{name}] expected exit 2\n{stderr}");
            assert!(
                stderr.contains(needle.as_str()),
                "[{name}] the error must name `{needle}`:\n{stderr}"
            );
            assert!(
                !out.join("manifest.json").exists(),
                "[{name}] no manifest for a failed run"
            );
        }
        Expect::Completes { .. } | Expect::CompletesAnyhow => {
            assert_eq!(
                code,
                Some(0),
                "[{name}] expected a completed run\n{stderr}\n{}",
                String::from_utf8_lossy(&r.stdout)
            );
            check_outputs(case, &out, &pattern);
        }
    }
}

fn check_outputs(case: &Case, out: &Path, pattern: &str) {
    let name = case.name;
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let c = &m["conservation"];
    assert_eq!(c["holds"], true, "[{name}] {c}");
    let n = |v: &serde_json::Value| v.as_u64().unwrap();
    assert_eq!(
        n(&c["input_records"]),
        n(&c["kept"]) + n(&c["duplicates"]) + n(&c["quarantined"]),
        "[{name}] {c}"
    );
    let by_input = c["by_input"].as_array().unwrap();
    for input in by_input {
        assert_eq!(
            n(&input["records"]),
            n(&input["kept"]) + n(&input["duplicates"]) + n(&input["quarantined"]),
            "[{name}] {input}"
        );
    }
    assert_eq!(by_input[0]["path"], "good.jsonl", "[{name}]");
    assert_eq!(
        (n(&by_input[0]["records"]), n(&by_input[0]["kept"])),
        (GOOD_IDS.len() as u64, GOOD_IDS.len() as u64),
        "[{name}] the good file must be untouched"
    );
    let kept_ids: BTreeSet<String> = training_rows(out)
        .iter()
        .map(|row| row["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    for id in GOOD_IDS {
        assert!(kept_ids.contains(id), "[{name}] good row {id} is missing");
    }
    assert_eq!(
        kept_ids.len() as u64,
        n(&c["kept"]),
        "[{name}] training set rows vs manifest"
    );

    let quarantine: Vec<serde_json::Value> = parquet_rows(&out.join("quarantine.parquet"))
        .unwrap()
        .iter()
        .map(|row| serde_json::from_str(row).unwrap())
        .collect();
    assert_eq!(quarantine.len() as u64, n(&c["quarantined"]), "[{name}]");
    let is_text = !pattern.ends_with(".parquet");
    for q in &quarantine {
        let reason = q["reason"].as_str().unwrap_or_default();
        assert!(
            !reason.is_empty() && reason.chars().all(|c| c.is_ascii_uppercase() || c == '_'),
            "[{name}] quarantined row without a reason code: {q}"
        );
        assert!(
            !q["detail"].as_str().unwrap_or_default().is_empty(),
            "[{name}] quarantined row without a detail: {q}"
        );
        let file = q["source_file"].as_str().unwrap_or_default();
        assert!(
            file.starts_with("in/"),
            "[{name}] quarantined row must name the bad file: {q}"
        );
        if is_text {
            assert!(
                q["source_line"].as_u64().unwrap_or(0) >= 1,
                "[{name}] quarantined text row must name its line: {q}"
            );
        }
    }
    if let Expect::Completes {
        records,
        kept,
        reasons,
    } = &case.expect
    {
        let bad = &by_input[1];
        assert_eq!(
            (n(&bad["records"]), n(&bad["kept"])),
            (*records, *kept),
            "[{name}] bad input's records/kept: {bad}"
        );
        let got: Vec<&str> = quarantine
            .iter()
            .map(|q| q["reason"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(&got, reasons, "[{name}] quarantine reasons");
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    // A stored (uncompressed) deflate stream written by hand keeps the test free of a gzip
    // dependency; sluice's reader does not care how the deflate stream was produced.
    let mut out = vec![0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff];
    let chunks: Vec<&[u8]> = if data.is_empty() {
        vec![&[][..]]
    } else {
        data.chunks(65_535).collect()
    };
    for (i, chunk) in chunks.iter().enumerate() {
        out.push(u8::from(i + 1 == chunks.len()));
        let len = chunk.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A zstd frame holding `data` in raw (uncompressed) blocks, written by hand for the same reason.
fn zstd_raw(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x28, 0xb5, 0x2f, 0xfd];
    // Frame header descriptor: single segment, 4-byte content size.
    out.push(0b1010_0000);
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    let chunks: Vec<&[u8]> = if data.is_empty() {
        vec![&[][..]]
    } else {
        data.chunks(100_000).collect()
    };
    for (i, chunk) in chunks.iter().enumerate() {
        let last = u32::from(i + 1 == chunks.len());
        // Block header: last flag, type 0 (raw), 21-bit size.
        let header = last | ((chunk.len() as u32) << 3);
        out.extend_from_slice(&header.to_le_bytes()[..3]);
        out.extend_from_slice(chunk);
    }
    out
}

fn lines(rows: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for row in rows {
        out.extend_from_slice(row);
        out.push(b'\n');
    }
    out
}

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut out = if big_endian {
        vec![0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE]
    };
    for unit in text.encode_utf16() {
        out.extend_from_slice(&if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    out
}

const ROW_A: &[u8] = b"{\"id\": \"b1\", \"body\": \"first bad-file body\"}";
const ROW_B: &[u8] = b"{\"id\": \"b2\", \"body\": \"second bad-file body\"}";
const CSV_OK: &str = "id,body\nc1,first csv body\nc2,second csv body\n";

/// The generated corpus: small cases only (the big ones have their own tests).
fn corpus() -> Vec<Case> {
    let two_rows = lines(&[ROW_A, ROW_B]);
    vec![
        // --- compression -------------------------------------------------------------------
        Case::new(
            "truncated gzip",
            "cut.jsonl.gz",
            {
                let gz = gzip(&two_rows);
                gz[..gz.len() - 20].to_vec()
            },
            file_error("cut.jsonl.gz"),
        ),
        Case::new(
            "gzip with a bad checksum",
            "crc.jsonl.gz",
            {
                let mut gz = gzip(&two_rows);
                let at = gz.len() - 6;
                gz[at] ^= 0xff;
                gz
            },
            file_error("crc.jsonl.gz"),
        ),
        Case::new(
            "gzip magic then garbage",
            "garbage.jsonl.gz",
            b"\x1f\x8b\x08\x00garbage that is not deflate".to_vec(),
            file_error("garbage.jsonl.gz"),
        ),
        Case::new(
            "two gzip members",
            "members.jsonl.gz",
            [gzip(&lines(&[ROW_A])), gzip(&lines(&[ROW_B]))].concat(),
            completes(2, 2, &[]),
        ),
        Case::new(
            "gzip of nothing",
            "empty.jsonl.gz",
            gzip(b""),
            completes(0, 0, &[]),
        ),
        Case::new(
            "truncated zstd",
            "cut.jsonl.zst",
            {
                let z = zstd_raw(&two_rows);
                z[..z.len() - 10].to_vec()
            },
            file_error("cut.jsonl.zst"),
        ),
        Case::new(
            "zstd magic then garbage",
            "garbage.jsonl.zst",
            b"\x28\xb5\x2f\xfdnot a frame at all".to_vec(),
            file_error("garbage.jsonl.zst"),
        ),
        Case::new(
            "zstd with trailing garbage",
            "trailing.jsonl.zst",
            [zstd_raw(&two_rows), b"trailing junk".to_vec()].concat(),
            file_error("trailing.jsonl.zst"),
        ),
        Case::new(
            "valid zstd",
            "ok.jsonl.zst",
            zstd_raw(&two_rows),
            completes(2, 2, &[]),
        ),
        // --- encodings ---------------------------------------------------------------------
        Case::new(
            "UTF-8 BOM in JSONL",
            "bom.jsonl",
            [b"\xEF\xBB\xBF".to_vec(), two_rows.clone()].concat(),
            completes(2, 2, &[]),
        ),
        Case::new(
            "UTF-8 BOM in CSV header",
            "bom.csv",
            [b"\xEF\xBB\xBF".to_vec(), CSV_OK.as_bytes().to_vec()].concat(),
            completes(2, 2, &[]),
        ),
        Case::new(
            "UTF-16 LE BOM CSV",
            "le.csv",
            utf16("id,body\r\nc1,正文一\r\nc2,正文二\r\n", false),
            completes(2, 2, &[]),
        ),
        Case::new(
            "UTF-16 BE BOM JSONL",
            "be.jsonl",
            utf16(
                "{\"id\": \"b1\", \"body\": \"工单一\"}\n{\"id\": \"b2\", \"body\": \"工单二\"}\n",
                true,
            ),
            completes(2, 2, &[]),
        ),
        Case::new(
            "UTF-16 LE with an odd trailing byte",
            "odd.jsonl",
            [
                utf16(
                    "{\"id\": \"b1\", \"body\": \"fine\"}\n{\"id\": \"b2\"",
                    false,
                ),
                vec![0x41],
            ]
            .concat(),
            completes(2, 1, &["PARSE_INVALID_ENCODING"]),
        ),
        Case::new(
            "mixed UTF-8 and GBK lines",
            "mixed.jsonl",
            lines(&[
                ROW_A,
                // "工单" in GBK: not UTF-8.
                b"{\"id\": \"b2\", \"body\": \"\xB9\xA4\xB5\xA5\"}",
                ROW_B,
            ]),
            completes(3, 2, &["PARSE_INVALID_ENCODING"]),
        ),
        Case::new(
            "invalid UTF-8 mid-CSV",
            "bad-utf8.csv",
            b"id,body\nc1,fine\nc2,bro\xC3\x28ken\nc3,fine too\n".to_vec(),
            completes(3, 2, &["PARSE_INVALID_ENCODING"]),
        ),
        Case::new(
            "a BOM declared file read with a legacy label",
            "bom-gbk.jsonl",
            utf16("{\"id\": \"b1\", \"body\": \"工单\"}\n", false),
            completes(1, 1, &[]),
        )
        .options("encoding = \"gbk\""),
        // --- NUL bytes ---------------------------------------------------------------------
        Case::new(
            "NUL byte inside a JSON string",
            "nul.jsonl",
            lines(&[ROW_A, b"{\"id\": \"b2\", \"body\": \"a\x00b\"}", ROW_B]),
            completes(3, 2, &["PARSE_MALFORMED_JSON"]),
        ),
        Case::new(
            "a line of NUL bytes in JSONL",
            "nul-line.jsonl",
            lines(&[ROW_A, b"\x00\x00\x00\x00", ROW_B]),
            completes(3, 2, &["PARSE_MALFORMED_JSON"]),
        ),
        Case::new(
            "NUL byte inside a CSV field",
            "nul.csv",
            b"id,body\nc1,before\x00after\nc2,fine\n".to_vec(),
            completes(2, 2, &[]),
        ),
        // --- CSV structure -----------------------------------------------------------------
        Case::new(
            "ragged CSV rows",
            "ragged.csv",
            b"id,body\nc1,fine\nc2\nc3,too,many\nc4,fine\n".to_vec(),
            completes(4, 2, &["PARSE_COLUMN_COUNT", "PARSE_COLUMN_COUNT"]),
        ),
        Case::new(
            "unbalanced quote swallows the rest",
            "quote.csv",
            b"id,body\nc1,fine\nc2,\"never closed\nc3,fine\n".to_vec(),
            Expect::CompletesAnyhow,
        ),
        Case::new(
            "quote in the middle of a field",
            "midquote.csv",
            b"id,body\nc1,say \"hi\" now\nc2,fine\n".to_vec(),
            Expect::CompletesAnyhow,
        ),
        Case::new(
            "CRLF and LF mixed in CSV",
            "crlf.csv",
            b"id,body\r\nc1,first\nc2,second\r\nc3,\"multi\r\nline\"\n".to_vec(),
            completes(3, 3, &[]),
        ),
        Case::new(
            "header only CSV",
            "header.csv",
            b"id,body\n".to_vec(),
            completes(0, 0, &[]),
        ),
        Case::new(
            "CSV missing a required column",
            "nobody.csv",
            b"id,text\nc1,fine\n".to_vec(),
            completes(1, 0, &["INGEST_MISSING_FIELD"]),
        ),
        Case::new(
            "empty CSV",
            "empty.csv",
            Vec::new(),
            file_error("empty.csv"),
        ),
        Case::new(
            "old Mac CR-only CSV",
            "cr.csv",
            b"id,body\rc1,first\rc2,second\r".to_vec(),
            completes(2, 2, &[]),
        ),
        // --- JSON structure ----------------------------------------------------------------
        Case::new(
            "CRLF and LF mixed in JSONL",
            "crlf.jsonl",
            [ROW_A, b"\r\n", ROW_B, b"\n"].concat(),
            completes(2, 2, &[]),
        ),
        Case::new(
            "duplicate JSON keys (readers disagree on which value counts: quarantined)",
            "dupkeys.jsonl",
            lines(&[
                b"{\"id\": \"b1\", \"body\": \"one\", \"body\": \"two\"}",
                b"{\"id\": \"b2\", \"body\": \"x\", \"meta\": {\"k\": 1, \"k\": 2}}",
                ROW_A,
            ]),
            completes(3, 1, &["PARSE_DUPLICATE_KEY", "PARSE_DUPLICATE_KEY"]),
        ),
        Case::new(
            "100k nested arrays",
            "deep.jsonl",
            [b"[".repeat(100_000), b"\n".to_vec(), lines(&[ROW_A])].concat(),
            completes(2, 1, &["PARSE_MALFORMED_JSON"]),
        ),
        Case::new(
            "100k nested objects inside a record",
            "deep-object.jsonl",
            [
                b"{\"id\": \"b0\", \"body\": \"x\", \"extra\": ".to_vec(),
                b"{\"a\": ".repeat(100_000),
                b"1".to_vec(),
                b"}".repeat(100_001),
                b"\n".to_vec(),
                lines(&[ROW_A]),
            ]
            .concat(),
            completes(2, 1, &["PARSE_MALFORMED_JSON"]),
        ),
        Case::new(
            "top-level array and scalars",
            "scalars.jsonl",
            lines(&[b"[1, 2]", b"42", b"\"text\"", b"null", b"true", ROW_A]),
            completes(
                6,
                1,
                &[
                    "PARSE_NOT_AN_OBJECT",
                    "PARSE_NOT_AN_OBJECT",
                    "PARSE_NOT_AN_OBJECT",
                    "PARSE_NOT_AN_OBJECT",
                    "PARSE_NOT_AN_OBJECT",
                ],
            ),
        ),
        Case::new(
            "a whole file that is one JSON array (its one complete object line is kept)",
            "array.jsonl",
            b"[\n{\"id\": \"b1\", \"body\": \"x\"},\n{\"id\": \"b2\", \"body\": \"y\"}\n]\n"
                .to_vec(),
            completes(
                4,
                1,
                &[
                    "PARSE_MALFORMED_JSON",
                    "PARSE_MALFORMED_JSON",
                    "PARSE_MALFORMED_JSON",
                ],
            ),
        ),
        Case::new(
            "lone surrogate escape and huge number",
            "numbers.jsonl",
            lines(&[
                b"{\"id\": \"b1\", \"body\": \"\\ud800\"}",
                b"{\"id\": \"b2\", \"body\": \"x\", \"n\": 1e999}",
                ROW_A,
            ]),
            completes(3, 1, &["PARSE_MALFORMED_JSON", "PARSE_MALFORMED_JSON"]),
        ),
        Case::new(
            "empty object and wrong types",
            "types.jsonl",
            lines(&[b"{}", b"{\"id\": 7, \"body\": [\"x\"]}", ROW_A]),
            completes(3, 1, &["INGEST_MISSING_FIELD", "INGEST_TYPE_MISMATCH"]),
        ),
        Case::new(
            "empty JSONL",
            "empty.jsonl",
            Vec::new(),
            completes(0, 0, &[]),
        ),
        Case::new(
            "whitespace only JSONL",
            "blank.jsonl",
            b"\n  \n\t\r\n\n".to_vec(),
            completes(0, 0, &[]),
        ),
        // --- Parquet that is not Parquet ----------------------------------------------------
        Case::new(
            "JSON text named .parquet",
            "text.parquet",
            two_rows.clone(),
            file_error("text.parquet"),
        ),
        Case::new(
            "just the Parquet magic",
            "magic.parquet",
            b"PAR1".to_vec(),
            file_error("magic.parquet"),
        ),
        Case::new(
            "empty Parquet file",
            "empty.parquet",
            Vec::new(),
            file_error("empty.parquet"),
        ),
        // --- paths -------------------------------------------------------------------------
        Case {
            name: "glob matching nothing",
            file: None,
            bytes: Vec::new(),
            pattern: Some("in/none-*.jsonl".to_owned()),
            options: "",
            expect: file_error("in/none-*.jsonl"),
        },
        Case {
            name: "a missing file",
            file: None,
            bytes: Vec::new(),
            pattern: Some("in/absent.jsonl".to_owned()),
            options: "",
            expect: file_error("in/absent.jsonl"),
        },
        Case::new(
            "unknown extension",
            "data.bin",
            two_rows.clone(),
            file_error("data.bin"),
        ),
    ]
}

#[test]
fn generated_corpus() {
    let cases = corpus();
    assert!(cases.len() >= 30, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let dir = tempfile::tempdir().unwrap();
        if let Err(panic) = std::panic::catch_unwind(|| check(case, dir.path())) {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            failures.push(message);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// The committed files in `tests/malformed/`: `<name>.<ext>` with the expected outcome in
/// `<name>.<ext>.expect` (`error` or `records kept reason,reason,...`).
#[test]
fn committed_corpus() {
    let root = repo_root().join("tests/malformed");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e != "expect" && e != "md"))
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no committed corpus in {}",
        root.display()
    );
    let mut failures = Vec::new();
    for path in &files {
        let file_name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let expect_text =
            std::fs::read_to_string(root.join(format!("{file_name}.expect"))).unwrap();
        let expect = parse_expect(expect_text.trim(), &file_name);
        let leaked: &'static str = Box::leak(file_name.clone().into_boxed_str());
        let case = Case::new(leaked, leaked, std::fs::read(path).unwrap(), expect);
        let dir = tempfile::tempdir().unwrap();
        if let Err(panic) = std::panic::catch_unwind(|| check(&case, dir.path())) {
            failures.push(
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .unwrap_or_else(|| file_name.clone()),
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn parse_expect(text: &str, file_name: &str) -> Expect {
    if text == "error" {
        return file_error(file_name);
    }
    let mut parts = text.split_whitespace();
    let records = parts.next().and_then(|s| s.parse().ok()).unwrap();
    let kept = parts.next().and_then(|s| s.parse().ok()).unwrap();
    let reasons = parts
        .next()
        .map(|s| {
            s.split(',')
                .map(|r| &*Box::leak(r.to_owned().into_boxed_str()))
                .collect()
        })
        .unwrap_or_default();
    Expect::Completes {
        records,
        kept,
        reasons,
    }
}

/// Produces a real Parquet file by running sluice on `rows` (the training shard it writes).
fn parquet_from(dir: &Path, rows: &[u8]) -> Vec<u8> {
    let src = dir.join("make-parquet");
    write(&src, "rows.jsonl", rows);
    write(
        &src,
        "pipeline.toml",
        br#"
[pipeline]
name = "make-parquet"
[[inputs]]
path = "rows.jsonl"
[fields]
id = { type = "string", required = true }
body = { type = "string", required = true }
[output]
splits = { train = 1.0 }
"#,
    );
    let r = sluice(&src, &["run", "pipeline.toml", "--out", "out"]);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let shard = std::fs::read_dir(src.join("out/data"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "parquet"))
        .unwrap();
    std::fs::read(shard).unwrap()
}

#[test]
fn parquet_cases() {
    let dir = tempfile::tempdir().unwrap();
    let parquet = parquet_from(dir.path(), &lines(&[ROW_A, ROW_B]));
    let cases = [
        Case::new(
            "valid Parquet",
            "ok.parquet",
            parquet.clone(),
            completes(2, 2, &[]),
        ),
        Case::new(
            "truncated Parquet (half)",
            "half.parquet",
            parquet[..parquet.len() / 2].to_vec(),
            file_error("half.parquet"),
        ),
        Case::new(
            "Parquet without its last 8 bytes",
            "nofooter.parquet",
            parquet[..parquet.len() - 8].to_vec(),
            file_error("nofooter.parquet"),
        ),
        Case::new(
            "Parquet with a corrupted middle",
            "corrupt.parquet",
            {
                let mut p = parquet.clone();
                let mid = p.len() / 3;
                for b in &mut p[mid..mid + 16] {
                    *b ^= 0x5a;
                }
                p
            },
            Expect::CompletesAnyhow,
        ),
    ];
    let mut failures = Vec::new();
    for case in &cases {
        let case_dir = tempfile::tempdir().unwrap();
        if let Err(panic) = std::panic::catch_unwind(|| check(case, case_dir.path())) {
            failures.push(panic.downcast_ref::<String>().cloned().unwrap_or_default());
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));

    // Wrong schema: the same file under a pipeline whose field maps from a missing column.
    let case_dir = tempfile::tempdir().unwrap();
    let d = case_dir.path();
    write(d, "good.jsonl", &good_jsonl());
    write(d, "in/schema.parquet", &parquet);
    let toml = pipeline("in/schema.parquet", "")
        .replace(
            "body = { type = \"string\", required = true }",
            "body = { type = \"string\", required = true }\nscore = { type = \"int64\", from = \"score\" }",
        );
    write(d, "pipeline.toml", toml.as_bytes());
    let r = sluice(d, &["run", "pipeline.toml", "--out", "out"]);
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("schema.parquet") && stderr.contains("score"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Whole-file failures of the filesystem kind that need setup beyond writing bytes.
#[test]
fn filesystem_cases() {
    // A directory where a file is expected.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("in/adir.jsonl")).unwrap();
    let case = Case {
        name: "a directory as input",
        file: None,
        bytes: Vec::new(),
        pattern: Some("in/adir.jsonl".to_owned()),
        options: "",
        expect: file_error("adir.jsonl"),
    };
    check(&case, dir.path());

    // A dangling symlink.
    #[cfg(unix)]
    {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("in")).unwrap();
        std::os::unix::fs::symlink("nowhere.jsonl", dir.path().join("in/link.jsonl")).unwrap();
        let case = Case {
            name: "a dangling symlink",
            file: None,
            bytes: Vec::new(),
            pattern: Some("in/link.jsonl".to_owned()),
            options: "",
            expect: file_error("link.jsonl"),
        };
        check(&case, dir.path());
    }

    // An unreadable file (skipped when running as root, who can read it anyway).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "in/locked.jsonl", &lines(&[ROW_A]));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
        if std::fs::read(&path).is_err() {
            let case = Case {
                name: "an unreadable file",
                file: None,
                bytes: Vec::new(),
                pattern: Some("in/locked.jsonl".to_owned()),
                options: "",
                expect: file_error("locked.jsonl"),
            };
            check(&case, dir.path());
        } else {
            eprintln!("skipping the unreadable-file case: this user can read a mode-000 file");
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// A 100 MB single JSON line (generated, never committed): read whole, kept, no blow-up.
#[test]
fn a_100_mb_single_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let path = d.join("in/huge.jsonl");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        f.write_all(b"{\"id\": \"huge\", \"body\": \"").unwrap();
        let chunk = "lorem ipsum dolor sit amet 12345 ".repeat(1024);
        let mut written = 0usize;
        while written < 100 * 1024 * 1024 {
            f.write_all(chunk.as_bytes()).unwrap();
            written += chunk.len();
        }
        // The same size again as an unterminated line: a malformed record of 100 MB.
        f.write_all(b"\"}\n{\"id\": \"cut\", \"body\": \"").unwrap();
        f.write_all(chunk.as_bytes()).unwrap();
        f.write_all(b"\n").unwrap();
        f.write_all(ROW_A).unwrap();
        f.write_all(b"\n").unwrap();
    }
    let case = Case {
        name: "100 MB single line",
        file: None,
        bytes: Vec::new(),
        pattern: Some("in/huge.jsonl".to_owned()),
        options: "",
        expect: completes(3, 2, &["PARSE_MALFORMED_JSON"]),
    };
    check(&case, d);
}
