//! End-to-end: the real `sluice` binary over every `pipelines/*.toml` and the committed samples.
//!
//! Outputs are decoded to text (Parquet → sorted JSON lines, manifest without its run-time block)
//! and compared with golden files under `tests/golden/<pipeline>/`. `make golden` rewrites them
//! after an intended change.

// Test helpers outside #[test] fns: a panic is the failure report here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sluice_test_support::{
    assert_golden, manifest_without_run, parquet_as_sorted_text, parquet_rows, repo_root,
};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn sluice(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(args)
        .current_dir(repo_root())
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .output()
        .expect("the sluice binary runs")
}

fn pipelines() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(repo_root().join("pipelines"))
        .expect("pipelines/ exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    found.sort();
    assert!(!found.is_empty(), "no pipelines/*.toml");
    found
}

fn run_pipeline(pipeline: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "run",
        pipeline.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    sluice(&args)
}

fn stem(p: &Path) -> String {
    p.file_stem().unwrap().to_string_lossy().into_owned()
}

/// Every file an output directory holds, relative, sorted.
fn output_files(out: &Path) -> Vec<String> {
    sluice_test_support::output_tree(out)
        .unwrap()
        .into_keys()
        .collect()
}

#[test]
fn every_pipeline_matches_its_golden_outputs() {
    for pipeline in pipelines() {
        let name = stem(&pipeline);
        let out = tempfile::tempdir().unwrap();
        let result = run_pipeline(&pipeline, out.path(), &[]);
        assert!(
            result.status.success(),
            "{name}: exit {:?}\nstdout:\n{}\nstderr:\n{}",
            result.status.code(),
            String::from_utf8_lossy(&result.stdout),
            String::from_utf8_lossy(&result.stderr)
        );
        let files = output_files(out.path());
        assert_golden(
            &format!("tests/golden/{name}/files.txt"),
            &(files.join("\n") + "\n"),
        );
        for file in files.iter().filter(|f| f.ends_with(".parquet")) {
            let text = parquet_as_sorted_text(&out.path().join(file)).unwrap();
            assert_golden(
                &format!("tests/golden/{name}/{}.jsonl", file.replace('/', "__")),
                &text,
            );
        }
        // Reports, the dataset card and target JSONL are text: their golden copies are the files.
        for file in files
            .iter()
            .filter(|f| !f.ends_with(".parquet") && f.as_str() != "manifest.json")
        {
            let text = std::fs::read_to_string(out.path().join(file)).unwrap();
            assert_golden(
                &format!("tests/golden/{name}/{}", file.replace('/', "__")),
                &text,
            );
        }
        let manifest = std::fs::read(out.path().join("manifest.json")).unwrap();
        let mut value = manifest_without_run(&manifest).unwrap();
        assert_eq!(
            value["conservation"]["holds"],
            serde_json::Value::Bool(true),
            "{name}"
        );
        // The tool block changes with every release; the golden file pins the data, not the tool.
        value.as_object_mut().unwrap().remove("tool");
        let pretty = serde_json::to_string_pretty(&value).unwrap() + "\n";
        assert_golden(&format!("tests/golden/{name}/manifest.json"), &pretty);

        let verify = sluice(&["verify", out.path().join("manifest.json").to_str().unwrap()]);
        assert!(
            verify.status.success(),
            "{name}: verify failed:\n{}",
            String::from_utf8_lossy(&verify.stdout)
        );
    }
}

#[test]
fn runs_are_byte_identical_across_repeats_and_thread_counts() {
    for pipeline in pipelines() {
        let name = stem(&pipeline);
        let outs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
        for (out, threads) in outs.iter().zip(["1", "2", "2"]) {
            let r = run_pipeline(
                &pipeline,
                out.path(),
                &["--threads", threads, "--batch-rows", "97"],
            );
            assert!(
                r.status.success(),
                "{name}: {}",
                String::from_utf8_lossy(&r.stderr)
            );
        }
        let files = output_files(outs[0].path());
        for other in &outs[1..] {
            assert_eq!(
                files,
                output_files(other.path()),
                "{name}: different file sets"
            );
        }
        for file in &files {
            let bytes: Vec<Vec<u8>> = outs
                .iter()
                .map(|o| std::fs::read(o.path().join(file)).unwrap())
                .collect();
            if file == "manifest.json" {
                let a = manifest_without_run(&bytes[0]).unwrap();
                for b in &bytes[1..] {
                    assert_eq!(
                        a,
                        manifest_without_run(b).unwrap(),
                        "{name}: manifest differs"
                    );
                }
            } else {
                for b in &bytes[1..] {
                    assert!(bytes[0] == *b, "{name}: {file} differs between runs");
                }
            }
        }
        // Batch size must not change anything either.
        let default_batches = tempfile::tempdir().unwrap();
        assert!(
            run_pipeline(&pipeline, default_batches.path(), &[])
                .status
                .success()
        );
        for file in files.iter().filter(|f| f.as_str() != "manifest.json") {
            assert!(
                std::fs::read(outs[0].path().join(file)).unwrap()
                    == std::fs::read(default_batches.path().join(file)).unwrap(),
                "{name}: {file} depends on the batch size"
            );
        }
    }
}

/// Planted synthetic PII values from `samples/*/planted.jsonl`.
fn planted_values() -> Vec<(String, String)> {
    let mut values = BTreeSet::new();
    for entry in std::fs::read_dir(repo_root().join("samples")).unwrap() {
        let planted = entry.unwrap().path().join("planted.jsonl");
        let Ok(text) = std::fs::read_to_string(&planted) else {
            continue;
        };
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let value = v["value"].as_str().unwrap().to_owned();
            // Very short values (e.g. a two-char name) would match unrelated text by accident.
            if value.chars().count() >= 6 {
                values.insert((v["entity"].as_str().unwrap_or("?").to_owned(), value));
            }
        }
    }
    assert!(
        values.len() > 50,
        "expected planted values in samples/*/planted.jsonl"
    );
    values.into_iter().collect()
}

#[test]
fn no_planted_sensitive_value_leaves_through_any_door() {
    let planted = planted_values();
    for pipeline in pipelines() {
        let name = stem(&pipeline);
        let out = tempfile::tempdir().unwrap();
        let result = run_pipeline(&pipeline, out.path(), &["-vv"]);
        assert!(
            result.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&result.stderr)
        );
        let mut doors: Vec<(String, String)> = vec![
            (
                "stdout".into(),
                String::from_utf8_lossy(&result.stdout).into_owned(),
            ),
            (
                "stderr".into(),
                String::from_utf8_lossy(&result.stderr).into_owned(),
            ),
        ];
        for file in output_files(out.path()) {
            let path = out.path().join(&file);
            let text = if file.ends_with(".parquet") {
                parquet_rows(&path).unwrap().join("\n")
            } else {
                std::fs::read_to_string(&path).unwrap()
            };
            doors.push((file, text));
        }
        // One Aho-Corasick pass per door instead of values × doors substring scans.
        let finder =
            aho_corasick::AhoCorasick::new(planted.iter().map(|(_, v)| v.as_str())).unwrap();
        for (door, text) in &doors {
            if let Some(hit) = finder.find(text.as_str()) {
                let entity = &planted[hit.pattern().as_usize()].0;
                panic!(
                    "{name}: a planted {entity} value leaks into {door} (at byte {})",
                    hit.start()
                );
            }
        }
    }
}

#[test]
fn check_accepts_every_pipeline_and_points_at_bad_lines() {
    for pipeline in pipelines() {
        let r = sluice(&["check", pipeline.to_str().unwrap()]);
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    }
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[pipeline]\nname = \"bad\"\n\n[[inputs]]\npath = \"x.jsonl\"\n\n[fields]\ntext = { type = \"strng\" }\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("x.jsonl"), "{\"text\": \"hello\"}\n").unwrap();
    let r = sluice(&["check", bad.to_str().unwrap()]);
    assert_eq!(r.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(stderr.contains("strng"), "{stderr}");
    assert!(
        stderr.contains("bad.toml:8"),
        "diagnostic should point at line 8:\n{stderr}"
    );
}

#[test]
fn lineage_table_accounts_for_every_record_and_joins_the_shards() {
    for pipeline in pipelines() {
        let name = stem(&pipeline);
        let out = tempfile::tempdir().unwrap();
        assert!(run_pipeline(&pipeline, out.path(), &[]).status.success());
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.path().join("manifest.json")).unwrap())
                .unwrap();
        let lineage: Vec<serde_json::Value> = parquet_rows(&out.path().join("lineage.parquet"))
            .unwrap()
            .iter()
            .map(|r| serde_json::from_str(r).unwrap())
            .collect();
        assert_eq!(
            lineage.len() as u64,
            manifest["conservation"]["input_records"].as_u64().unwrap(),
            "{name}: one lineage row per input record"
        );
        let mut shards: std::collections::BTreeMap<String, Vec<serde_json::Value>> =
            Default::default();
        let mut statuses: std::collections::BTreeMap<String, u64> = Default::default();
        for row in &lineage {
            *statuses
                .entry(row["status"].as_str().unwrap().to_owned())
                .or_default() += 1;
            if row["status"] != "kept" {
                assert!(
                    row["reason"].is_string(),
                    "{name}: removed row without a reason"
                );
                continue;
            }
            let shard = row["shard"].as_str().unwrap().to_owned();
            let rows = shards.entry(shard.clone()).or_insert_with(|| {
                parquet_rows(&out.path().join(&shard))
                    .unwrap()
                    .iter()
                    .map(|r| serde_json::from_str(r).unwrap())
                    .collect()
            });
            let at = &rows[row["shard_row"].as_u64().unwrap() as usize];
            assert_eq!(
                at["record_id"], row["record_id"],
                "{name}: lineage points at the wrong shard row"
            );
        }
        let c = &manifest["conservation"];
        assert_eq!(
            statuses.get("kept").copied().unwrap_or(0),
            c["kept"].as_u64().unwrap()
        );
        assert_eq!(
            statuses.get("duplicate").copied().unwrap_or(0),
            c["duplicates"].as_u64().unwrap()
        );
        assert_eq!(
            statuses.get("quarantined").copied().unwrap_or(0),
            c["quarantined"].as_u64().unwrap()
        );

        // `sluice trace` follows a duplicate to its released survivor.
        let duplicate = lineage.iter().find(|r| r["status"] == "duplicate").unwrap();
        let manifest_path = out.path().join("manifest.json");
        let trace = sluice(&[
            "trace",
            duplicate["record_id"].as_str().unwrap(),
            "--manifest",
            manifest_path.to_str().unwrap(),
            "--json",
        ]);
        assert!(
            trace.status.success(),
            "{}",
            String::from_utf8_lossy(&trace.stderr)
        );
        let traced: serde_json::Value = serde_json::from_slice(&trace.stdout).unwrap();
        assert_eq!(traced["survivor"]["record_id"], duplicate["survivor_id"]);
        assert_eq!(traced["survivor"]["status"], "kept");
        let source = format!(
            "{}:{}",
            duplicate["source_file"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap(),
            duplicate["source_row"]
        );
        let by_source = sluice(&[
            "trace",
            "--source",
            &source,
            "--manifest",
            manifest_path.to_str().unwrap(),
            "--json",
        ]);
        assert!(by_source.status.success());
        let traced: serde_json::Value = serde_json::from_slice(&by_source.stdout).unwrap();
        assert_eq!(traced["record"]["record_id"], duplicate["record_id"]);
    }
}

#[test]
fn scan_finds_raw_pii_in_samples_and_none_in_released_training_sets() {
    let raw = sluice(&[
        "scan",
        "--json",
        "samples/support-tickets/tickets-000.jsonl",
    ]);
    assert_eq!(
        raw.status.code(),
        Some(1),
        "findings above the threshold exit 1"
    );
    let stdout = String::from_utf8_lossy(&raw.stdout);
    let findings: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(findings.len() > 100);
    for f in &findings {
        for key in ["row", "field", "type", "detector", "start", "end"] {
            assert!(!f[key].is_null(), "finding without {key}: {f}");
        }
    }
    let planted = planted_values();
    let finder = aho_corasick::AhoCorasick::new(planted.iter().map(|(_, v)| v.as_str())).unwrap();
    assert!(
        finder.find(stdout.as_ref()).is_none(),
        "scan output carries a value"
    );

    for pipeline in pipelines() {
        let out = tempfile::tempdir().unwrap();
        assert!(run_pipeline(&pipeline, out.path(), &[]).status.success());
        let shards: Vec<String> = output_files(out.path())
            .into_iter()
            .filter(|f| f.starts_with("data/"))
            .map(|f| out.path().join(f).to_string_lossy().into_owned())
            .collect();
        let mut args = vec!["scan"];
        args.extend(shards.iter().map(String::as_str));
        let clean = sluice(&args);
        assert!(
            clean.status.success(),
            "{}: residual findings in the released set:\n{}",
            stem(&pipeline),
            String::from_utf8_lossy(&clean.stdout)
        );
    }
}

#[test]
fn report_and_projections_come_from_the_manifest() {
    let pipeline = &pipelines()[0];
    let out = tempfile::tempdir().unwrap();
    assert!(run_pipeline(pipeline, out.path(), &[]).status.success());
    let manifest_path = out.path().join("manifest.json");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    let m = manifest_path.to_str().unwrap();

    let report = sluice(&["report", m]);
    assert!(
        report.status.success(),
        "{}",
        String::from_utf8_lossy(&report.stderr)
    );
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(html.contains(manifest["root_sha256"].as_str().unwrap()));
    assert!(
        !html.contains("<script src") && !html.contains("http://") && !html.contains("https://")
    );

    let ol = sluice(&["emit", m, "--as", "openlineage"]);
    assert!(ol.status.success());
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&ol.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["eventType"], "START");
    assert_eq!(events[1]["eventType"], "COMPLETE");
    assert_eq!(events[0]["run"]["runId"], events[1]["run"]["runId"]);

    let intoto = sluice(&["emit", m, "--as", "intoto"]);
    let statement: serde_json::Value = serde_json::from_slice(&intoto.stdout).unwrap();
    let subjects: std::collections::BTreeMap<String, String> = statement["subject"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_owned(),
                s["digest"]["sha256"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for output in manifest["outputs"].as_array().unwrap() {
        assert_eq!(
            subjects
                .get(output["path"].as_str().unwrap())
                .map(String::as_str),
            output["sha256"].as_str(),
            "in-toto subject digests match the manifest"
        );
    }
}
