//! The manifest projected onto an in-toto Statement v1 with a SLSA Provenance v1 predicate, and
//! optional ed25519 signing of it in a DSSE envelope.
//!
//! The statement's subjects are the run's output files (matched by sha256, as in-toto matches
//! subjects by digest only); its predicate says which pipeline (by digest) built them from which
//! inputs (by digest). Signing lets a reviewer check that the files in front of them are the ones
//! a key holder approved. Keys are 32-byte ed25519 seeds / public keys, stored raw or as hex.

use crate::error::LineageError;
use crate::manifest::Manifest;
use crate::openlineage::{deterministic_run_id, producer_uri};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde_json::{Value, json};
use sluice_core::digest::sha256_hex;
use std::path::Path;

/// `_type` of an in-toto Statement v1.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// The predicate type used: SLSA Provenance v1.
pub const SLSA_PROVENANCE_V1: &str = "https://slsa.dev/provenance/v1";
/// `buildType` naming what a sluice pipeline run is (a URI sluice owns; the `.invalid` host is
/// a placeholder until the project has a public home).
pub const BUILD_TYPE: &str = "https://sluice.invalid/pipeline-run/v1";
/// DSSE `payloadType` of an in-toto statement.
pub const INTOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// The in-toto Statement v1 over `manifest`'s outputs, with a SLSA Provenance v1 predicate.
///
/// `runDetails.metadata` carries the run's invocation id ([`deterministic_run_id`], equal to the
/// OpenLineage `runId`) and its start/finish times from the manifest's `run` block — the only
/// parts that differ between reruns.
pub fn intoto_statement(manifest: &Manifest) -> Value {
    let subject: Vec<Value> = manifest
        .outputs
        .iter()
        .map(|o| {
            json!({
                "name": o.path,
                "digest": {"sha256": o.sha256},
                "annotations": {"role": o.role, "rows": o.rows, "bytes": o.bytes},
            })
        })
        .collect();
    let dependencies: Vec<Value> = manifest
        .inputs
        .iter()
        .map(|i| {
            json!({
                "name": i.path,
                "digest": {"sha256": i.sha256},
                "annotations": {"records": i.records, "bytes": i.bytes, "format": i.format},
            })
        })
        .collect();
    let stages: Vec<Value> = manifest
        .stages
        .iter()
        .map(|s| json!({"index": s.index, "kind": s.kind, "config_sha256": s.config_sha256}))
        .collect();
    json!({
        "_type": STATEMENT_TYPE,
        "subject": subject,
        "predicateType": SLSA_PROVENANCE_V1,
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": {
                    "pipeline": {
                        "name": manifest.pipeline.name,
                        "sha256": manifest.pipeline.sha256,
                    },
                },
                "internalParameters": {
                    "manifest_version": manifest.manifest_version,
                    "stages": stages,
                },
                "resolvedDependencies": dependencies,
            },
            "runDetails": {
                "builder": {
                    "id": producer_uri(manifest),
                    "version": {manifest.tool.name.clone(): manifest.tool.version},
                },
                "metadata": {
                    "invocationId": deterministic_run_id(manifest),
                    "startedOn": manifest.run.started_at,
                    "finishedOn": manifest.run.finished_at,
                },
            },
        },
    })
}

/// Subjects of `statement` that do not match `manifest`'s outputs, and outputs it does not
/// cover, as human-readable lines naming paths only (empty = they agree). Matching is by
/// digest, as in-toto specifies; the name must agree too so a report can point at the file.
pub fn statement_mismatches(statement: &Value, manifest: &Manifest) -> Vec<String> {
    let mut problems = Vec::new();
    if statement.get("_type").and_then(Value::as_str) != Some(STATEMENT_TYPE) {
        problems.push("statement: _type is not in-toto Statement v1".to_owned());
    }
    let subjects: Vec<(&str, &str)> = statement
        .get("subject")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|s| {
            (
                s.get("name").and_then(Value::as_str).unwrap_or(""),
                s.pointer("/digest/sha256")
                    .and_then(Value::as_str)
                    .unwrap_or(""),
            )
        })
        .collect();
    for o in &manifest.outputs {
        if !subjects.contains(&(o.path.as_str(), o.sha256.as_str())) {
            problems.push(format!(
                "{}: not attested with the manifest's sha256",
                o.path
            ));
        }
    }
    for (name, digest) in &subjects {
        if !manifest
            .outputs
            .iter()
            .any(|o| o.path == *name && o.sha256 == *digest)
        {
            problems.push(format!(
                "{name}: attested but not an output of this manifest"
            ));
        }
    }
    problems
}

/// DSSE pre-authentication encoding: `DSSEv1 SP LEN(type) SP type SP LEN(body) SP body`, with
/// lengths as ASCII decimal byte counts. Signing PAE rather than the raw payload binds the type.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// The DSSE `keyid` of a public key: lower-case hex sha256 of its 32 bytes.
pub fn key_id(key: &VerifyingKey) -> String {
    sha256_hex(&key.to_bytes())
}

/// `statement` (compact JSON) signed with `key` in a DSSE envelope.
pub fn sign_dsse(statement: &Value, key: &SigningKey) -> Value {
    let payload = statement.to_string().into_bytes();
    let signature = key.sign(&pae(INTOTO_PAYLOAD_TYPE, &payload));
    json!({
        "payloadType": INTOTO_PAYLOAD_TYPE,
        "payload": BASE64.encode(&payload),
        "signatures": [{
            "keyid": key_id(&key.verifying_key()),
            "sig": BASE64.encode(signature.to_bytes()),
        }],
    })
}

/// Checks that one of `envelope`'s signatures is `key`'s over its payload and returns the
/// payload (the statement). Fails on a wrong payload type, malformed base64 or JSON, or when no
/// signature verifies (tampered payload, other key).
pub fn verify_dsse(envelope: &Value, key: &VerifyingKey) -> Result<Value, LineageError> {
    let bad = |why: &str| LineageError::Signature(why.to_owned());
    let payload_type = envelope
        .get("payloadType")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("envelope has no payloadType"))?;
    if payload_type != INTOTO_PAYLOAD_TYPE {
        return Err(bad("payloadType is not an in-toto statement"));
    }
    let payload = envelope
        .get("payload")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("envelope has no payload"))?;
    let payload = BASE64
        .decode(payload)
        .map_err(|_| bad("payload is not base64"))?;
    let signed = pae(payload_type, &payload);
    let signatures = envelope
        .get("signatures")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("envelope has no signatures"))?;
    let verified = signatures.iter().any(|s| {
        s.get("sig")
            .and_then(Value::as_str)
            .and_then(|sig| BASE64.decode(sig).ok())
            .and_then(|bytes| Signature::from_slice(&bytes).ok())
            .is_some_and(|sig| key.verify_strict(&signed, &sig).is_ok())
    });
    if !verified {
        return Err(bad(
            "no signature in the envelope verifies with the given key",
        ));
    }
    serde_json::from_slice(&payload).map_err(|_| bad("signed payload is not JSON"))
}

/// The statement inside a DSSE envelope, decoded *without* checking any signature (to compare
/// it with a manifest when no public key is at hand). Fails on a wrong payload type or a
/// payload that is not base64 JSON.
pub fn dsse_payload(envelope: &Value) -> Result<Value, LineageError> {
    let bad = |why: &str| LineageError::Signature(why.to_owned());
    if envelope.get("payloadType").and_then(Value::as_str) != Some(INTOTO_PAYLOAD_TYPE) {
        return Err(bad("payloadType is not an in-toto statement"));
    }
    let payload = envelope
        .get("payload")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("envelope has no payload"))?;
    let payload = BASE64
        .decode(payload)
        .map_err(|_| bad("payload is not base64"))?;
    serde_json::from_slice(&payload).map_err(|_| bad("payload is not JSON"))
}

/// Reads an ed25519 signing key (its 32-byte seed) from a file holding the raw 32 bytes or 64
/// hex digits (surrounding whitespace ignored).
pub fn signing_key_from_file(path: &Path) -> Result<SigningKey, LineageError> {
    Ok(SigningKey::from_bytes(&key_bytes(path)?))
}

/// Reads an ed25519 public key from a file holding the raw 32 bytes or 64 hex digits.
pub fn verifying_key_from_file(path: &Path) -> Result<VerifyingKey, LineageError> {
    VerifyingKey::from_bytes(&key_bytes(path)?).map_err(|_| LineageError::Key {
        path: path.display().to_string(),
        reason: "not a valid ed25519 public key".to_owned(),
    })
}

fn key_bytes(path: &Path) -> Result<[u8; 32], LineageError> {
    let raw = fs_err::read(path)?;
    let key_error = |reason: &str| LineageError::Key {
        path: path.display().to_string(),
        reason: reason.to_owned(),
    };
    if let Ok(bytes) = <[u8; 32]>::try_from(raw.as_slice()) {
        return Ok(bytes);
    }
    let text = std::str::from_utf8(&raw)
        .map_err(|_| key_error("expected 32 raw bytes or 64 hex digits"))?
        .trim();
    let decoded =
        hex::decode(text).map_err(|_| key_error("expected 32 raw bytes or 64 hex digits"))?;
    <[u8; 32]>::try_from(decoded.as_slice())
        .map_err(|_| key_error("hex key is not 32 bytes (64 hex digits)"))
}

#[cfg(test)]
mod tests;
