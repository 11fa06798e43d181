//! Near-duplicate dedup, decontamination against a reference set and leakage-free splits, end to
//! end through the real binary.

// Test helpers outside #[test] fns: a panic is the failure report here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sluice_test_support::parquet_rows;
use std::path::Path;
use std::process::Command;

const PIPELINE: &str = r#"
[pipeline]
name = "near"

[[inputs]]
path = "in/*.jsonl"

[fields]
id = { type = "string", required = true }
body = { type = "string", required = true }

[[stages]]
kind = "dedup"
key = ["body"]
near = { threshold = 0.7 }

[[stages]]
kind = "decontaminate"
fields = ["body"]
ngram = 8
references = ["eval/*.jsonl"]
reference_field = "question"

[output]
splits = { train = 0.5, validation = 0.5 }
"#;

fn rows(path: &Path) -> Vec<serde_json::Value> {
    parquet_rows(path)
        .unwrap()
        .iter()
        .map(|r| serde_json::from_str(r).unwrap())
        .collect()
}

#[test]
fn near_duplicates_and_contaminated_rows_are_removed_and_traced() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("pipeline.toml"), PIPELINE).unwrap();
    std::fs::create_dir_all(d.join("in")).unwrap();
    std::fs::create_dir_all(d.join("eval")).unwrap();
    let base = "The pump on line four started leaking oil after the night shift restarted it and the pressure dropped quickly";
    let lines = [
        format!("{{\"id\": \"a\", \"body\": \"{base}\"}}"),
        format!("{{\"id\": \"b\", \"body\": \"{base} again\"}}"),
        "{\"id\": \"c\", \"body\": \"Completely different text about invoices and the monthly billing cycle for customers in the north\"}".to_owned(),
        "{\"id\": \"d\", \"body\": \"Question: what is the capital of France and which river flows through the city centre today\"}".to_owned(),
        "{\"id\": \"e\", \"body\": \"设备编号A-17的液压泵在夜班重启后开始漏油，压力迅速下降，已安排更换密封圈并复查管路\"}".to_owned(),
        "{\"id\": \"f\", \"body\": \"设备编号A-17的液压泵在夜班重启后开始漏油，压力迅速下降，已安排更换密封圈并复查管路。\"}".to_owned(),
    ];
    std::fs::write(d.join("in/a.jsonl"), lines.join("\n") + "\n").unwrap();
    std::fs::write(
        d.join("eval/ref.jsonl"),
        "{\"question\": \"what is the capital of France and which river flows through the city centre\"}\n",
    )
    .unwrap();

    let out = d.join("out");
    let r = Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(["run", "pipeline.toml", "--out", out.to_str().unwrap()])
        .current_dir(d)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));

    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["conservation"]["holds"], true);
    let lineage = rows(&out.join("lineage.parquet"));
    let by_id = |id: &str| {
        lineage
            .iter()
            .find(|r| {
                r["source_row"]
                    == ["a", "b", "c", "d", "e", "f"]
                        .iter()
                        .position(|x| *x == id)
                        .unwrap()
            })
            .unwrap()
            .clone()
    };
    assert_eq!(by_id("b")["reason"], "DUP_NEAR");
    assert_eq!(by_id("b")["survivor_id"], by_id("a")["record_id"]);
    assert_eq!(by_id("b")["cluster_id"], by_id("a")["record_id"]);
    assert!(by_id("b")["similarity"].as_f64().unwrap() >= 0.7);
    assert_eq!(
        by_id("f")["reason"],
        "DUP_NEAR",
        "Chinese near duplicate found with char shingles"
    );
    assert_eq!(by_id("d")["reason"], "DECONTAM_NGRAM");
    assert_eq!(by_id("c")["status"], "kept");
    assert_eq!(by_id("a")["cluster_size"], 2);

    let quarantine = rows(&out.join("quarantine.parquet"));
    let decontam = quarantine
        .iter()
        .find(|q| q["reason"] == "DECONTAM_NGRAM")
        .unwrap();
    assert!(
        decontam["detail"]
            .as_str()
            .unwrap()
            .contains("eval/ref.jsonl:0"),
        "{}",
        decontam["detail"]
    );
    assert!(
        !decontam["detail"].as_str().unwrap().contains("capital"),
        "no reference text in details"
    );
}
