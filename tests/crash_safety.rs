//! Crash and interrupt safety of `sluice run`, on the real binary.
//!
//! - SIGKILL at seeded random points: the output directory never shows a truncated output, temp
//!   files never look like outputs, and a manifest that is present always verifies (an older
//!   run's manifest disappears before the first output changes). A rerun into the same directory
//!   cleans up the leftovers and produces files byte-identical to an uninterrupted run (the
//!   manifest compared without its `run` block).
//! - SIGINT (Ctrl-C): exit code 130 with a truthful message; "no outputs were changed" is checked
//!   byte for byte, and a rerun again gives the uninterrupted outputs.

// Test helpers outside #[test] fns: a panic is the failure report here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sluice_test_support::{manifest_without_run, parquet_rows};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Rows of the generated input: enough for a run of about a second in a debug build.
const ROWS: usize = 30_000;

const PIPELINE: &str = r#"
[pipeline]
name = "crash"

[[inputs]]
path = "INPUTS/*.jsonl"

[fields]
id = { type = "string", required = true }
body = { type = "string", required = true }

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
min = 12

[output]
splits = { train = 0.8, validation = 0.2 }
rows_per_shard = 4000
"#;

/// A small deterministic generator (splitmix64): kill delays and row contents from one seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn corpus(rows: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed);
    let words = [
        "printer", "jammed", "invoice", "refund", "账户", "登录", "失败", "network", "slow",
        "please", "help", "订单", "delayed", "password", "reset",
    ];
    let mut out = String::new();
    for i in 0..rows {
        let n = 2 + rng.below(12) as usize;
        let mut body: Vec<&str> = (0..n)
            .map(|_| words[rng.below(words.len() as u64) as usize])
            .collect();
        // Some rows carry a (synthetic) email to redact, some repeat an earlier body.
        let mail = if rng.below(5) == 0 {
            format!(" contact user{}@example.invalid", rng.below(1000))
        } else {
            String::new()
        };
        if rng.below(10) == 0 {
            body.truncate(2);
        }
        out.push_str(&format!(
            "{{\"id\": \"r{i}\", \"body\": \"{}{mail}\"}}\n",
            body.join(" ")
        ));
    }
    out.into_bytes()
}

fn setup(dir: &Path) {
    std::fs::create_dir_all(dir.join("in")).unwrap();
    std::fs::create_dir_all(dir.join("old")).unwrap();
    std::fs::write(dir.join("in/rows.jsonl"), corpus(ROWS, 7)).unwrap();
    std::fs::write(dir.join("old/rows.jsonl"), corpus(ROWS / 10, 99)).unwrap();
    std::fs::write(dir.join("pipeline.toml"), PIPELINE.replace("INPUTS", "in")).unwrap();
    std::fs::write(dir.join("old.toml"), PIPELINE.replace("INPUTS", "old")).unwrap();
}

fn command(dir: &Path, pipeline: &str, out: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sluice"));
    cmd.args(["run", pipeline, "--out", out])
        .current_dir(dir)
        .env("NO_COLOR", "1");
    cmd
}

fn run(dir: &Path, pipeline: &str, out: &str) -> Output {
    let r = command(dir, pipeline, out).output().unwrap();
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    r
}

fn spawn(dir: &Path, out: &str) -> Child {
    command(dir, "pipeline.toml", out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Every file under `dir` (relative path → bytes), hidden ones included.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn is_hidden(rel: &str) -> bool {
    Path::new(rel)
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
}

/// What must hold in `out` at any instant, however the writer died.
fn assert_consistent(dir: &Path, out: &Path, context: &str) {
    for (rel, bytes) in files(out) {
        if is_hidden(&rel) {
            // A leftover temp: hidden, and never named like an output.
            assert!(
                rel.contains(".tmp-") && !rel.ends_with(".parquet") && !rel.ends_with(".json"),
                "{context}: a temp file looks like an output: {rel}"
            );
            continue;
        }
        if rel.ends_with(".parquet") {
            // Complete: the footer is there and every row decodes.
            assert!(
                bytes.len() >= 12 && bytes.ends_with(b"PAR1"),
                "{context}: truncated output {rel}"
            );
            parquet_rows(&out.join(&rel))
                .unwrap_or_else(|e| panic!("{context}: unreadable output {rel}: {e}"));
        }
        if rel.ends_with(".json") {
            serde_json::from_slice::<serde_json::Value>(&bytes)
                .unwrap_or_else(|e| panic!("{context}: truncated {rel}: {e}"));
        }
    }
    let manifest = out.join("manifest.json");
    if manifest.exists() {
        let r = Command::new(env!("CARGO_BIN_EXE_sluice"))
            .args(["verify", manifest.to_str().unwrap()])
            .current_dir(dir)
            .output()
            .unwrap();
        assert_eq!(
            r.status.code(),
            Some(0),
            "{context}: a manifest is present but does not describe the files:\n{}{}",
            String::from_utf8_lossy(&r.stdout),
            String::from_utf8_lossy(&r.stderr)
        );
    }
}

/// `out` holds exactly the files of `reference` with the same bytes (manifest without `run`).
fn assert_same_outputs(reference: &Path, out: &Path, context: &str) {
    let want = files(reference);
    let got = files(out);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "{context}: different files (leftover temps must be cleaned up)"
    );
    for (rel, bytes) in &want {
        if rel == "manifest.json" {
            let mut a = manifest_without_run(bytes).unwrap();
            let mut b = manifest_without_run(&got[rel]).unwrap();
            for m in [&mut a, &mut b] {
                // The pipeline's resolved text names no output dir, but be explicit about it.
                if let Some(o) = m.as_object_mut() {
                    o.remove("out_dir");
                }
            }
            assert_eq!(a, b, "{context}: manifest differs");
        } else {
            assert!(&got[rel] == bytes, "{context}: {rel} differs");
        }
    }
}

#[test]
fn sigkill_at_random_points_never_leaves_partial_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    let started = Instant::now();
    run(dir, "pipeline.toml", "reference");
    let full = started.elapsed();
    let reference = dir.join("reference");
    assert_consistent(dir, &reference, "reference run");

    // An older, different run owns the directory first: its manifest must never end up
    // describing files the interrupted runs replaced.
    run(dir, "old.toml", "out");
    let out = dir.join("out");
    let mut rng = Rng(0x5EED);
    let kills = 8;
    for k in 0..kills {
        // Spread over the whole run, most of it in the export at the end.
        let millis = full.as_millis() as u64;
        let delay = Duration::from_millis(rng.below(millis.max(1) + millis / 4));
        let mut child = spawn(dir, "out");
        std::thread::sleep(delay);
        let _ = child.kill();
        let status = child.wait().unwrap();
        let context = format!("kill {k} after {delay:?} (exit {status:?})");
        assert_consistent(dir, &out, &context);
    }
    run(dir, "pipeline.toml", "out");
    assert_same_outputs(&reference, &out, "rerun after kills");
}

#[test]
fn ctrl_c_stops_cleanly_with_exit_130() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    let started = Instant::now();
    run(dir, "pipeline.toml", "reference");
    let full = started.elapsed();
    let reference = dir.join("reference");
    run(dir, "old.toml", "out");
    let out = dir.join("out");
    let mut rng = Rng(0xC7A1);
    let mut seen_unchanged = false;
    for k in 0..6 {
        let before = files(&out);
        let millis = full.as_millis() as u64;
        // The first tries land early (during ingest and the stages), later ones anywhere.
        let delay = if k < 2 {
            Duration::from_millis(50 + rng.below(millis / 3 + 1))
        } else {
            Duration::from_millis(rng.below(millis + 1))
        };
        let child = spawn(dir, "out");
        std::thread::sleep(delay);
        let sent = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let r = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&r.stderr);
        let context = format!("SIGINT {k} after {delay:?}");
        assert!(!stderr.contains("panicked"), "{context}: {stderr}");
        match r.status.code() {
            Some(130) => {
                if stderr.contains("interrupted; no outputs were changed") {
                    seen_unchanged = true;
                    assert!(
                        files(&out) == before,
                        "{context}: outputs changed: {stderr}"
                    );
                } else {
                    assert!(
                        stderr.contains("interrupted while writing outputs"),
                        "{context}: {stderr}"
                    );
                    assert!(
                        !out.join("manifest.json").exists(),
                        "{context}: a manifest survived a partial write"
                    );
                }
            }
            // The run finished before the signal arrived.
            Some(0) => {}
            // The signal arrived before the process had installed its handler (a loaded machine
            // can take longer than the delay to start it): it died before touching anything.
            None if std::os::unix::process::ExitStatusExt::signal(&r.status) == Some(2) => {
                assert!(
                    files(&out) == before,
                    "{context}: outputs changed before the handler was installed"
                );
            }
            other => panic!("{context}: exit {other:?}: {stderr}"),
        }
        assert_consistent(dir, &out, &context);
    }
    assert!(
        seen_unchanged,
        "no interrupt landed before the outputs; the run is too short to test Ctrl-C"
    );
    run(dir, "pipeline.toml", "out");
    assert_same_outputs(&reference, &out, "rerun after Ctrl-C");
}

#[test]
fn a_rerun_removes_leftover_temp_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    run(dir, "pipeline.toml", "out");
    let out = dir.join("out");
    // What a SIGKILL mid-write leaves: a hidden temp (of a process that no longer exists, pid 0)
    // next to every output the run writes.
    let leftovers: Vec<PathBuf> = files(&out)
        .keys()
        .map(|rel| {
            let path = out.join(rel);
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            path.with_file_name(format!(".{name}.tmp-0"))
        })
        .collect();
    assert!(leftovers.len() >= 4, "{leftovers:?}");
    for path in &leftovers {
        std::fs::write(path, b"partial").unwrap();
    }
    assert_consistent(dir, &out, "with leftovers");
    run(dir, "pipeline.toml", "out");
    for path in &leftovers {
        assert!(!path.exists(), "{} was not cleaned up", path.display());
    }
}
