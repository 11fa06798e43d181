//! The DSSE-signed in-toto statement of a run, checked against the manifest: the signature must
//! verify with the reviewer's public key, and the statement's subjects must be exactly the
//! manifest's outputs (by path and sha256). Together with the per-file digests this ties the
//! files on disk to the key holder's approval.

use super::{FileStatus, SignatureVerdict};
use crate::intoto::{dsse_payload, statement_mismatches, verify_dsse, verifying_key_from_file};
use crate::manifest::Manifest;
use std::path::Path;

/// Checks the envelope at `envelope_path` (and, with `pubkey`, its signature).
pub(super) fn check(
    manifest: &Manifest,
    envelope_path: &Path,
    pubkey: Option<&Path>,
) -> SignatureVerdict {
    let verdict = |status| SignatureVerdict {
        path: envelope_path.display().to_string(),
        key_checked: pubkey.is_some(),
        status,
    };
    let mismatch = |what: String| verdict(FileStatus::Mismatch { what });
    if !envelope_path.is_file() {
        return verdict(FileStatus::Missing);
    }
    let envelope: serde_json::Value = match fs_err::read(envelope_path)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
    {
        Ok(v) => v,
        Err(e) => return mismatch(format!("not a JSON DSSE envelope ({e})")),
    };
    let statement = match pubkey {
        Some(key_path) => match verifying_key_from_file(key_path) {
            Ok(key) => verify_dsse(&envelope, &key),
            Err(e) => return mismatch(e.to_string()),
        },
        None => dsse_payload(&envelope),
    };
    let statement = match statement {
        Ok(s) => s,
        Err(e) => return mismatch(e.to_string()),
    };
    let problems = statement_mismatches(&statement, manifest);
    if problems.is_empty() {
        verdict(FileStatus::Ok)
    } else {
        mismatch(problems.join("; "))
    }
}
