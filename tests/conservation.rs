//! Conservation under hostile input: every record of deliberately broken files ends up in exactly
//! one place (training set, duplicates or quarantine with a reason), and a broken file never
//! takes its neighbours down with it.

// Test helpers outside #[test] fns: a panic is the failure report here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sluice_test_support::parquet_rows;
use std::path::Path;
use std::process::{Command, Output};

fn sluice(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the sluice binary runs")
}

const PIPELINE: &str = r#"
[pipeline]
name = "broken"

[[inputs]]
path = "in/*.jsonl"

[[inputs]]
path = "in/*.csv"

[fields]
id = { type = "string", required = true }
body = { type = "string", required = true }
score = { type = "int64" }

[[stages]]
kind = "dedup"
key = ["body"]

[[stages]]
kind = "redact"

[[stages]]
kind = "validate"
[[stages.rules]]
kind = "length"
field = "body"
min = 5

[output]
splits = { train = 0.5, validation = 0.5 }
"#;

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn manifest(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap()
}

#[test]
fn broken_records_are_quarantined_and_accounted_for() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "pipeline.toml", PIPELINE.as_bytes());
    let mut jsonl = Vec::new();
    jsonl.extend_from_slice(
        b"{\"id\": \"a1\", \"body\": \"first good row, mail ops@example.com\", \"score\": 3}\n",
    );
    jsonl.extend_from_slice(b"{\"id\": \"a2\", \"body\": \"unterminated\n");
    jsonl.extend_from_slice(b"[1, 2, 3]\n");
    jsonl.extend_from_slice(b"{\"id\": \"a4\", \"body\": \"bad \xff\xfe bytes\"}\n");
    jsonl.extend_from_slice(b"\n   \n");
    jsonl.extend_from_slice(b"{\"body\": \"no id here at all\"}\n");
    jsonl
        .extend_from_slice(b"{\"id\": \"a6\", \"body\": \"score is text\", \"score\": \"many\"}\n");
    jsonl.extend_from_slice(
        b"{\"id\": \"a7\", \"body\": \"First good row, mail ops@example.com\"}\n",
    );
    jsonl.extend_from_slice(b"{\"id\": \"a8\", \"body\": \"tiny\"}\n");
    jsonl.extend_from_slice(b"{\"id\": \"a9\", \"body\": \"last good row\"}\n");
    write(d, "in/a.jsonl", &jsonl);
    write(
        d,
        "in/b.csv",
        b"id,body,score\nb1,\"a quoted\nmulti-line body\",1\nb2,too,many,columns\nb3,fine body text,2\n",
    );

    let out = d.join("out");
    let r = sluice(d, &["run", "pipeline.toml", "--out", out.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{stderr}\n{}",
        String::from_utf8_lossy(&r.stdout)
    );

    let m = manifest(&out);
    let c = &m["conservation"];
    assert_eq!(c["holds"], true);
    assert_eq!(
        c["input_records"], 12,
        "9 JSONL records (blank lines are not records) + 3 CSV records"
    );
    assert_eq!(c["duplicates"], 1, "a7 duplicates a1 after case folding");
    assert_eq!(c["kept"], 4, "a1, a9, b1, b3");
    assert_eq!(c["quarantined"], 7);
    assert_eq!(m["inputs"][0]["blank_lines"], 2);

    let quarantine = parquet_rows(&out.join("quarantine.parquet")).unwrap();
    let reasons: Vec<String> = quarantine
        .iter()
        .map(|row| {
            let v: serde_json::Value = serde_json::from_str(row).unwrap();
            format!(
                "{}@{}:{}",
                v["reason"].as_str().unwrap(),
                v["source_file"].as_str().unwrap(),
                v["source_line"]
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            "PARSE_MALFORMED_JSON@in/a.jsonl:2",
            "PARSE_NOT_AN_OBJECT@in/a.jsonl:3",
            "PARSE_INVALID_ENCODING@in/a.jsonl:4",
            "INGEST_MISSING_FIELD@in/a.jsonl:7",
            "INGEST_TYPE_MISMATCH@in/a.jsonl:8",
            "Q_LENGTH_BODY@in/a.jsonl:10",
            "PARSE_COLUMN_COUNT@in/b.csv:4",
        ],
        "quarantine reasons in source order"
    );
    // The sensitive value in the broken rows never reaches stdout, stderr or the quarantine.
    for text in [
        String::from_utf8_lossy(&r.stdout).into_owned(),
        stderr.into_owned(),
        quarantine.join("\n"),
    ] {
        assert!(!text.contains("ops@example.com"));
    }
}

#[test]
fn an_unreadable_input_is_a_clear_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "pipeline.toml",
        PIPELINE.replace("in/*.csv", "in/*.jsonl.gz").as_bytes(),
    );
    write(
        d,
        "in/a.jsonl",
        b"{\"id\": \"a1\", \"body\": \"good row\"}\n",
    );
    // A gzip header followed by garbage: the stream is truncated.
    write(
        d,
        "in/c.jsonl.gz",
        &[
            0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x4b, 0x4c,
        ],
    );
    let out = d.join("out");
    let r = sluice(d, &["run", "pipeline.toml", "--out", out.to_str().unwrap()]);
    assert_eq!(r.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(stderr.contains("c.jsonl.gz"), "{stderr}");
    assert!(
        !out.join("manifest.json").exists(),
        "no manifest for a failed run"
    );
}

#[test]
fn a_failed_gate_exits_1_and_still_writes_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let only_jsonl = PIPELINE.replace("[[inputs]]\npath = \"in/*.csv\"\n", "");
    write(
        d,
        "pipeline.toml",
        format!("{only_jsonl}\n[gates]\nmax_quarantine_rate = 0.01\n").as_bytes(),
    );
    write(
        d,
        "in/a.jsonl",
        b"{\"id\": \"a1\", \"body\": \"good row\"}\nnot json\n",
    );
    let out = d.join("out");
    let r = sluice(d, &["run", "pipeline.toml", "--out", out.to_str().unwrap()]);
    assert_eq!(
        r.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let m = manifest(&out);
    assert_eq!(m["gates"][0]["passed"], false);
    assert_eq!(m["conservation"]["holds"], true);
}

#[test]
fn pseudonym_keys_are_fingerprinted_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pipeline = PIPELINE
        .replace("[[inputs]]\npath = \"in/*.csv\"\n", "")
        .replace(
            "[[stages]]\nkind = \"redact\"\n",
            "[[stages]]\nkind = \"redact\"\n[stages.policy]\nEMAIL = \"pseudonym\"\n",
        );
    write(d, "pipeline.toml", pipeline.as_bytes());
    write(d, "in/a.jsonl", b"{\"id\": \"a1\", \"body\": \"mail ops@example.com today\"}\n{\"id\": \"a2\", \"body\": \"again OPS@example.com please\"}\n");
    let key = "k3y-material-that-must-never-leak-0123456789";
    let run = |out: &Path| {
        Command::new(env!("CARGO_BIN_EXE_sluice"))
            .args([
                "run",
                "pipeline.toml",
                "--out",
                out.to_str().unwrap(),
                "-vv",
            ])
            .current_dir(d)
            .env("SLUICE_PSEUDONYM_KEY", key)
            .output()
            .unwrap()
    };
    let out = d.join("out");
    let r = run(&out);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let m = manifest(&out);
    let fingerprint = m["stages"][1]["key_fingerprint"].as_str().unwrap();
    assert_eq!(fingerprint.len(), 16);
    let train = parquet_rows(&out.join("data/train-00000-of-00001.parquet"))
        .unwrap()
        .join("\n")
        + &parquet_rows(&out.join("data/validation-00000-of-00001.parquet"))
            .unwrap()
            .join("\n");
    assert!(
        !train.contains("ops@example.com") && !train.to_lowercase().contains("ops@example.com")
    );
    // Same value (modulo case) → same token, across records.
    let token = train
        .split("<EMAIL_")
        .nth(1)
        .unwrap()
        .split('>')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(
        train.matches(&format!("<EMAIL_{token}>")).count(),
        2,
        "{train}"
    );
    let mut everything =
        String::from_utf8_lossy(&r.stdout).into_owned() + &String::from_utf8_lossy(&r.stderr);
    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            everything.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
        }
    }
    assert!(!everything.contains(key), "the pseudonym key leaked");
    // Without the key the run refuses to start, naming the variable.
    let r = Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args([
            "run",
            "pipeline.toml",
            "--out",
            d.join("out2").to_str().unwrap(),
        ])
        .current_dir(d)
        .env_remove("SLUICE_PSEUDONYM_KEY")
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("SLUICE_PSEUDONYM_KEY"));
}
