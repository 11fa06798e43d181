use super::*;
use crate::openlineage::tests::fixture;

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

#[test]
fn statement_has_every_output_as_subject_and_inputs_as_dependencies() {
    let m = fixture();
    let s = intoto_statement(&m);
    assert_eq!(s["_type"], STATEMENT_TYPE);
    assert_eq!(s["predicateType"], SLSA_PROVENANCE_V1);
    let subjects = s["subject"].as_array().unwrap();
    assert_eq!(subjects.len(), m.outputs.len());
    for (o, subj) in m.outputs.iter().zip(subjects) {
        assert_eq!(subj["name"], o.path.as_str());
        assert_eq!(subj["digest"]["sha256"], o.sha256.as_str());
    }
    let build = &s["predicate"]["buildDefinition"];
    assert_eq!(build["buildType"], BUILD_TYPE);
    assert_eq!(build["externalParameters"]["pipeline"]["name"], "tickets");
    assert_eq!(
        build["externalParameters"]["pipeline"]["sha256"],
        m.pipeline.sha256.as_str()
    );
    let deps = build["resolvedDependencies"].as_array().unwrap();
    assert_eq!(deps.len(), 2);
    assert_eq!(deps[1]["digest"]["sha256"], m.inputs[1].sha256.as_str());
    assert_eq!(
        s["predicate"]["runDetails"]["builder"]["id"],
        "https://sluice.invalid/sluice@0.1.0"
    );
    assert_eq!(
        s["predicate"]["runDetails"]["metadata"]["invocationId"],
        deterministic_run_id(&m).as_str()
    );
    assert!(statement_mismatches(&s, &m).is_empty());
}

#[test]
fn mismatching_statement_is_reported_by_path() {
    let m = fixture();
    let mut s = intoto_statement(&m);
    s["subject"][0]["digest"]["sha256"] = json!("0".repeat(64));
    let problems = statement_mismatches(&s, &m);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].starts_with("data/train-00000-of-00001.parquet:"));
    let mut fewer = intoto_statement(&m);
    fewer["subject"].as_array_mut().unwrap().pop();
    assert_eq!(statement_mismatches(&fewer, &m).len(), 1);
}

#[test]
fn pae_matches_the_dsse_spec_example() {
    // From the DSSE protocol document: PAE("http://example.com/HelloWorld", "hello world").
    assert_eq!(
        pae("http://example.com/HelloWorld", b"hello world"),
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
    );
}

#[test]
fn signed_statement_round_trips() {
    let s = intoto_statement(&fixture());
    let envelope = sign_dsse(&s, &key(7));
    assert_eq!(envelope["payloadType"], INTOTO_PAYLOAD_TYPE);
    assert_eq!(
        envelope["signatures"][0]["keyid"],
        key_id(&key(7).verifying_key()).as_str()
    );
    assert_eq!(verify_dsse(&envelope, &key(7).verifying_key()).unwrap(), s);
    // Deterministic: ed25519 signatures do not use randomness.
    assert_eq!(envelope, sign_dsse(&s, &key(7)));
}

#[test]
fn tampered_payload_fails() {
    let m = fixture();
    let envelope = sign_dsse(&intoto_statement(&m), &key(7));
    let mut forged = intoto_statement(&m);
    forged["subject"][0]["digest"]["sha256"] = json!("0".repeat(64));
    let mut tampered = envelope.clone();
    tampered["payload"] = json!(BASE64.encode(forged.to_string()));
    let err = verify_dsse(&tampered, &key(7).verifying_key()).unwrap_err();
    assert!(err.to_string().contains("no signature"), "{err}");
    // Changing the payload type also breaks it (PAE binds the type).
    let mut retyped = envelope.clone();
    retyped["payloadType"] = json!("application/json");
    assert!(verify_dsse(&retyped, &key(7).verifying_key()).is_err());
    let mut garbage = envelope;
    garbage["signatures"][0]["sig"] = json!("%%%");
    assert!(verify_dsse(&garbage, &key(7).verifying_key()).is_err());
}

#[test]
fn wrong_key_fails() {
    let envelope = sign_dsse(&intoto_statement(&fixture()), &key(7));
    assert!(verify_dsse(&envelope, &key(8).verifying_key()).is_err());
}

#[test]
fn keys_load_from_raw_or_hex_files_and_errors_carry_no_key_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw.key");
    fs_err::write(&raw, [7u8; 32]).unwrap();
    let hexed = dir.path().join("hex.key");
    fs_err::write(&hexed, format!("{}\n", hex::encode([7u8; 32]))).unwrap();
    assert_eq!(
        signing_key_from_file(&raw).unwrap().to_bytes(),
        key(7).to_bytes()
    );
    assert_eq!(
        signing_key_from_file(&hexed).unwrap().to_bytes(),
        key(7).to_bytes()
    );
    let public = dir.path().join("pub.key");
    fs_err::write(&public, hex::encode(key(7).verifying_key().to_bytes())).unwrap();
    assert_eq!(
        verifying_key_from_file(&public).unwrap(),
        key(7).verifying_key()
    );
    let short = dir.path().join("short.key");
    fs_err::write(&short, "abcdef0123").unwrap();
    let err = signing_key_from_file(&short).unwrap_err().to_string();
    assert!(
        err.contains("short.key") && !err.contains("abcdef0123"),
        "{err}"
    );
    assert!(signing_key_from_file(&dir.path().join("missing.key")).is_err());
}
