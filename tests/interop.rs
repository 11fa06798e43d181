//! Interop of a real run's outputs with verifiers: `sluice verify` catches tampering that keeps
//! the manifest's digests consistent (the lineage joins and the signed statement are what catch
//! it), and the external validators (`make interop`'s venv: mlcroissant, the OpenLineage schemas,
//! securesystemslib, in-toto-attestation) accept the projections when that venv exists.
// Test helpers outside #[test] fns: a panic is the failure report here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sluice_test_support::repo_root;
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

/// Runs the support-tickets sample into a temp dir; returns it and the manifest path.
fn sample_run() -> (tempfile::TempDir, PathBuf) {
    let out = tempfile::tempdir().unwrap();
    let run = sluice(&[
        "run",
        "pipelines/support-tickets.toml",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert!(
        run.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let manifest = out.path().join("manifest.json");
    (out, manifest)
}

fn sha256_hex(bytes: &[u8]) -> String {
    // The root test crate has no hashing dependency; coreutils' sha256sum is on every machine
    // CI runs on.
    let mut child = Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("sha256sum runs");
    use std::io::Write as _;
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_owned()
}

/// Re-records sizes and digests of every output, and the root, as someone covering their
/// tracks would.
fn rerecord(manifest: &Path) {
    let dir = manifest.parent().unwrap();
    let mut m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(manifest).unwrap()).unwrap();
    let mut lines = Vec::new();
    for o in m["outputs"].as_array_mut().unwrap() {
        let bytes = std::fs::read(dir.join(o["path"].as_str().unwrap())).unwrap();
        o["bytes"] = bytes.len().into();
        o["sha256"] = sha256_hex(&bytes).into();
        lines.push(format!(
            "{}\t{}\t{}\n",
            o["path"].as_str().unwrap(),
            o["rows"],
            o["sha256"].as_str().unwrap()
        ));
    }
    lines.sort();
    m["root_sha256"] = sha256_hex(lines.concat().as_bytes()).into();
    std::fs::write(manifest, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
}

#[test]
fn verify_passes_and_joins_a_real_run() {
    let (_out, manifest) = sample_run();
    let verify = sluice(&["verify", manifest.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&verify.stdout);
    assert!(verify.status.success(), "{text}");
    for line in [
        "ok       join      lineage.parquet",
        "ok       join      data/train-00000-of-00001.parquet",
        "ok       join      duplicates.parquet",
        "ok       join      quarantine.parquet",
    ] {
        assert!(text.contains(line), "{line} in\n{text}");
    }
}

#[test]
fn verify_names_swapped_shards_even_with_rerecorded_digests() {
    let (out, manifest) = sample_run();
    // Swap the two splits' shard files and "fix" the manifest's digests and root: every digest
    // agrees again, but lineage places other records in those rows.
    let train = out.path().join("data/train-00000-of-00001.parquet");
    let validation = out.path().join("data/validation-00000-of-00001.parquet");
    let (a, b) = (
        std::fs::read(&train).unwrap(),
        std::fs::read(&validation).unwrap(),
    );
    std::fs::write(&train, b).unwrap();
    std::fs::write(&validation, a).unwrap();
    let mut m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    let outputs = m["outputs"].as_array_mut().unwrap();
    let rows = |o: &serde_json::Value| o["rows"].clone();
    let (train_rows, validation_rows) = (rows(&outputs[0]), rows(&outputs[1]));
    outputs[0]["rows"] = validation_rows;
    outputs[1]["rows"] = train_rows;
    std::fs::write(&manifest, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    rerecord(&manifest);

    let verify = sluice(&["verify", manifest.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&verify.stdout);
    assert_eq!(verify.status.code(), Some(1), "{text}");
    assert!(
        text.contains("ok       root      root_sha256"),
        "digests were re-recorded:\n{text}"
    );
    assert!(
        text.contains("MISMATCH join      data/train-00000-of-00001.parquet: row 0 holds record "),
        "{text}"
    );
    assert!(text.contains("but lineage places record "), "{text}");
    assert!(text.ends_with("verification FAILED\n"));
}

#[test]
fn verify_checks_a_statement_saved_beside_the_manifest() {
    let (out, manifest) = sample_run();
    let m = manifest.to_str().unwrap();
    let key = out.path().join("signing.key");
    std::fs::write(&key, "07".repeat(32)).unwrap();
    let emit = sluice(&[
        "emit",
        m,
        "--as",
        "intoto",
        "--sign-key",
        key.to_str().unwrap(),
    ]);
    assert!(emit.status.success());
    assert!(String::from_utf8_lossy(&emit.stderr).contains("public key"));
    let envelope_path = out.path().join("manifest.dsse.json");
    std::fs::write(&envelope_path, &emit.stdout).unwrap();
    let verify = sluice(&["verify", m]);
    let text = String::from_utf8_lossy(&verify.stdout);
    assert!(verify.status.success(), "{text}");
    assert!(text.contains("ok       statement "), "{text}");
    assert!(text.contains("not authenticated: pass --pubkey"), "{text}");

    // A statement about other files (here: one subject digest changed) fails, naming the file.
    let mut envelope: serde_json::Value = serde_json::from_slice(&emit.stdout).unwrap();
    let payload = envelope["payload"].as_str().unwrap();
    let statement = decode_base64(payload);
    let mut statement: serde_json::Value = serde_json::from_slice(&statement).unwrap();
    statement["subject"][0]["digest"]["sha256"] = "0".repeat(64).into();
    envelope["payload"] = encode_base64(statement.to_string().as_bytes()).into();
    std::fs::write(&envelope_path, envelope.to_string()).unwrap();
    let verify = sluice(&["verify", m]);
    let text = String::from_utf8_lossy(&verify.stdout);
    assert_eq!(verify.status.code(), Some(1), "{text}");
    assert!(
        text.contains("data/train-00000-of-00001.parquet: not attested with the manifest's sha256"),
        "{text}"
    );
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn encode_base64(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn decode_base64(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let digits: Vec<u32> = text
        .bytes()
        .filter(|b| *b != b'=')
        .map(|b| B64.iter().position(|c| *c == b).unwrap() as u32)
        .collect();
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0, |n, (i, d)| n | d << (18 - 6 * i));
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i) & 0xff) as u8);
        }
    }
    out
}

#[test]
fn base64_round_trips() {
    for text in ["", "a", "ab", "abc", "abcd", "{\"_type\":\"x\"}"] {
        assert_eq!(
            decode_base64(&encode_base64(text.as_bytes())),
            text.as_bytes()
        );
    }
    assert_eq!(encode_base64(b"ab"), "YWI=");
}

/// The venv `make interop` builds, when present.
fn interop_python() -> Option<PathBuf> {
    let venv = std::env::var_os("INTEROP_VENV")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/sluice-venv"))
        })?;
    let python = venv.join("bin/python");
    let ready = Command::new(&python)
        .args([
            "-c",
            "import mlcroissant, securesystemslib, in_toto_attestation, jsonschema",
        ])
        .output()
        .is_ok_and(|o| o.status.success());
    ready.then_some(python)
}

#[test]
fn real_validators_accept_the_projections() {
    let Some(python) = interop_python() else {
        eprintln!("SKIPPED: no interop venv with the validators (run `make interop` to build it)");
        return;
    };
    let (out, _manifest) = sample_run();
    let result = Command::new(python)
        .arg(repo_root().join("scripts/interop/validate.py"))
        .arg(out.path())
        .args([
            "--sluice",
            env!("CARGO_BIN_EXE_sluice"),
            "--openlineage-spec",
        ])
        .arg(repo_root().join("../shared/openlineage-spec"))
        .current_dir(repo_root())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&result.stdout);
    assert!(
        result.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&result.stderr)
    );
    assert!(text.contains("0 failed"), "{text}");
}
