use super::*;
use crate::manifest::Manifest;
use std::path::PathBuf;

/// The synthetic manifest in `testdata/` (shape of a real support-tickets run, made-up digests).
pub(crate) fn fixture() -> Manifest {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/manifest.json");
    Manifest::from_path(&path).unwrap()
}

/// `<repo>/../shared/openlineage-spec`, where CI and the dev machines keep the pinned schemas.
fn spec_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/openlineage-spec");
    if dir.join("OpenLineage.json").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: OpenLineage schemas not found at {} (they live beside the checkout)",
            dir.display()
        );
        None
    }
}

fn load(path: &std::path::Path) -> Value {
    serde_json::from_slice(&fs_err::read(path).unwrap()).unwrap()
}

/// Validates `instance` against `schema` with every pinned schema registered by `$id`, offline,
/// with format checks on (uuid, date-time, uri). Returns the error messages.
fn errors(spec: &std::path::Path, schema: &Value, instance: &Value) -> Vec<String> {
    let mut resources = vec![load(&spec.join("OpenLineage.json"))];
    for entry in fs_err::read_dir(spec.join("facets")).unwrap() {
        resources.push(load(&entry.unwrap().path()));
    }
    let pairs: Vec<(String, Value)> = resources
        .into_iter()
        .map(|r| (r["$id"].as_str().unwrap().to_owned(), r))
        .collect();
    let registry = jsonschema::Registry::new()
        .extend(pairs)
        .unwrap()
        .prepare()
        .unwrap();
    let validator = jsonschema::options()
        .with_registry(&registry)
        .offline()
        .should_validate_formats(true)
        .build(schema)
        .unwrap();
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Which pinned facet file defines facet key `key`.
fn facet_schema(spec: &std::path::Path, key: &str) -> Option<Value> {
    for entry in fs_err::read_dir(spec.join("facets")).unwrap() {
        let schema = load(&entry.unwrap().path());
        if schema["properties"].get(key).is_some() {
            return Some(schema);
        }
    }
    None
}

/// Every facet object in an event, as (facet key, facet), wherever it sits.
fn facets_of(event: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut push = |facets: &Value| {
        if let Some(map) = facets.as_object() {
            for (k, v) in map {
                out.push((k.clone(), v.clone()));
            }
        }
    };
    push(&event["run"]["facets"]);
    push(&event["job"]["facets"]);
    for list in ["inputs", "outputs"] {
        for dataset in event[list].as_array().unwrap() {
            push(&dataset["facets"]);
            push(&dataset["inputFacets"]);
            push(&dataset["outputFacets"]);
        }
    }
    out
}

fn events() -> (Value, Value) {
    let m = fixture();
    openlineage_events(&m, &deterministic_run_id(&m), "sluice")
}

#[test]
fn both_events_are_valid_against_the_pinned_core_and_facet_schemas() {
    let Some(spec) = spec_dir() else { return };
    let core =
        json!({"$ref": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"});
    let (start, complete) = events();
    for event in [&start, &complete] {
        let errs = errors(&spec, &core, event);
        assert!(errs.is_empty(), "{}: {errs:#?}", event["eventType"]);
        let mut custom = 0;
        for (key, facet) in facets_of(event) {
            if key.starts_with("sluice_") {
                custom += 1;
                continue;
            }
            let schema = facet_schema(&spec, &key)
                .unwrap_or_else(|| panic!("no pinned schema defines facet `{key}`"));
            // The facet's declared schema URL must be the file that validates it.
            let id = schema["$id"].as_str().unwrap();
            assert!(
                facet["_schemaURL"].as_str().unwrap().starts_with(id),
                "{key}"
            );
            let errs = errors(&spec, &schema, &json!({ key.clone(): facet }));
            assert!(errs.is_empty(), "facet {key}: {errs:#?}");
        }
        assert_eq!(custom, usize::from(event["eventType"] == "COMPLETE"));
    }
    // COMPLETE carries every facet kind the projection promises.
    let keys: Vec<String> = facets_of(&complete).into_iter().map(|(k, _)| k).collect();
    for k in [
        "schema",
        "columnLineage",
        "outputStatistics",
        "inputStatistics",
        "version",
        "jobType",
        "processing_engine",
        "test",
    ] {
        assert!(keys.iter().any(|x| x == k), "missing facet {k}");
    }
}

#[test]
fn a_broken_event_is_rejected_by_the_validator() {
    // Guards the validation test itself: if the registry silently resolved nothing, this fails.
    let Some(spec) = spec_dir() else { return };
    let core =
        json!({"$ref": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"});
    let (_, mut complete) = events();
    complete["run"]["runId"] = json!("not-a-uuid");
    assert!(!errors(&spec, &core, &complete).is_empty());
    let (_, mut complete) = events();
    complete["outputs"][0]["outputFacets"]["outputStatistics"]
        .as_object_mut()
        .unwrap()
        .remove("_producer");
    assert!(!errors(&spec, &core, &complete).is_empty());
    let stats = &complete["outputs"][0]["outputFacets"]["outputStatistics"];
    let schema = facet_schema(&spec, "outputStatistics").unwrap();
    let mut bad = stats.clone();
    bad["_producer"] = json!("https://x.invalid/");
    bad["rowCount"] = json!("many");
    assert!(!errors(&spec, &schema, &json!({ "outputStatistics": bad })).is_empty());
}

#[test]
fn run_id_is_a_stable_v8_uuid_from_root_and_pipeline_digests() {
    let m = fixture();
    let id = deterministic_run_id(&m);
    assert_eq!(id.len(), 36);
    assert_eq!(id.as_bytes()[14], b'8', "version nibble: {id}");
    assert!(
        matches!(id.as_bytes()[19], b'8' | b'9' | b'a' | b'b'),
        "variant: {id}"
    );
    assert_eq!(id, deterministic_run_id(&fixture()));
    let mut other = fixture();
    other.root_sha256 = "0".repeat(64);
    assert_ne!(id, deterministic_run_id(&other));
    let mut other = fixture();
    other.pipeline.sha256 = "0".repeat(64);
    assert_ne!(id, deterministic_run_id(&other));
    // The run block does not enter the id: reruns with the same outputs share it.
    let mut rerun = fixture();
    rerun.run.host = "elsewhere".into();
    assert_eq!(id, deterministic_run_id(&rerun));
}

#[test]
fn events_carry_the_manifest_counts_digests_and_times() {
    let (start, complete) = events();
    let m = fixture();
    assert_eq!(start["eventType"], "START");
    assert_eq!(complete["eventType"], "COMPLETE");
    assert_eq!(start["run"]["runId"], complete["run"]["runId"]);
    assert_eq!(start["eventTime"], m.run.started_at.as_str());
    assert_eq!(complete["eventTime"], m.run.finished_at.as_str());
    assert_eq!(complete["job"]["name"], "tickets");
    assert_eq!(
        complete["job"]["facets"]["jobType"]["processingType"],
        "BATCH"
    );
    assert_eq!(
        complete["run"]["facets"]["processing_engine"]["version"],
        m.tool.version.as_str()
    );
    assert_eq!(
        complete["run"]["facets"]["sluice_manifest"]["rootSha256"],
        m.root_sha256.as_str()
    );
    for (o, ds) in m
        .outputs
        .iter()
        .zip(complete["outputs"].as_array().unwrap())
    {
        assert_eq!(ds["name"], o.path.as_str());
        assert_eq!(ds["outputFacets"]["outputStatistics"]["rowCount"], o.rows);
        assert_eq!(ds["outputFacets"]["outputStatistics"]["size"], o.bytes);
        assert_eq!(ds["facets"]["version"]["datasetVersion"], o.sha256.as_str());
    }
    for (i, ds) in m.inputs.iter().zip(complete["inputs"].as_array().unwrap()) {
        assert_eq!(ds["inputFacets"]["inputStatistics"]["rowCount"], i.records);
        assert_eq!(ds["facets"]["version"]["datasetVersion"], i.sha256.as_str());
    }
    // START names the datasets but claims no statistics yet.
    assert!(start["outputs"][0].get("outputFacets").is_none());
    assert!(start["inputs"][0].get("inputFacets").is_none());
    // Gates and conservation become test results.
    let tests = complete["run"]["facets"]["test"]["tests"]
        .as_array()
        .unwrap();
    assert_eq!(tests.len(), m.gates.len() + 1);
    assert!(tests.iter().all(|t| t["status"] == "pass"));
}

#[test]
fn failed_gate_becomes_a_failed_test() {
    let mut m = fixture();
    m.gates[0].passed = false;
    let (_, complete) = openlineage_events(&m, &deterministic_run_id(&m), "ns");
    let tests = complete["run"]["facets"]["test"]["tests"]
        .as_array()
        .unwrap();
    assert_eq!(tests[0]["status"], "fail");
    assert_eq!(tests[1]["status"], "pass");
}

#[test]
fn redacted_columns_are_masked_and_others_identity() {
    let (_, complete) = events();
    let train = &complete["outputs"][0];
    let fields = &train["facets"]["columnLineage"]["fields"];
    let email = &fields["customer_email"]["inputFields"];
    assert_eq!(email.as_array().unwrap().len(), 2, "one entry per input");
    assert_eq!(
        email[0]["field"], "customer.email",
        "source path from the mapping"
    );
    assert_eq!(email[0]["transformations"][0]["masking"], true);
    assert_eq!(email[0]["transformations"][0]["subtype"], "TRANSFORMATION");
    // messages[].content was redacted → the messages column is masked.
    assert_eq!(
        fields["messages"]["inputFields"][0]["transformations"][0]["masking"],
        true
    );
    let ticket = &fields["ticket_id"]["inputFields"][0]["transformations"][0];
    assert_eq!(ticket["masking"], false);
    assert_eq!(ticket["subtype"], "IDENTITY");
    assert!(
        fields.get("record_id").is_none(),
        "record_id is made by sluice"
    );
    // Dedup keys filter rows: dataset-wide INDIRECT lineage.
    let dataset = train["facets"]["columnLineage"]["dataset"]
        .as_array()
        .unwrap();
    assert!(dataset.iter().any(|f| f["field"] == "subject"
        && f["transformations"][0]["type"] == "INDIRECT"
        && f["transformations"][0]["subtype"] == "FILTER"));
    // Schema facet lists record_id first, then the pipeline's fields in order.
    let schema = train["facets"]["schema"]["fields"].as_array().unwrap();
    assert_eq!(schema[0]["name"], "record_id");
    assert_eq!(schema[1]["name"], "ticket_id");
    // Quarantine and duplicates files have no training schema or column lineage.
    let quarantine = complete["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "quarantine.parquet")
        .unwrap();
    assert!(quarantine["facets"].get("columnLineage").is_none());
}

#[test]
fn without_a_field_list_only_redacted_columns_are_declared() {
    let mut m = fixture();
    m.pipeline.resolved = json!({});
    let (_, complete) = openlineage_events(&m, &deterministic_run_id(&m), "ns");
    let train = &complete["outputs"][0]["facets"];
    assert!(train.get("schema").is_none());
    let fields = train["columnLineage"]["fields"].as_object().unwrap();
    let names: Vec<&String> = fields.keys().collect();
    assert_eq!(
        names,
        [
            "customer_email",
            "customer_name",
            "customer_phone",
            "messages"
        ]
    );
}

#[test]
fn projection_is_deterministic_and_value_free() {
    let (a_start, a_complete) = events();
    let (b_start, b_complete) = events();
    assert_eq!(a_start.to_string(), b_start.to_string());
    assert_eq!(a_complete.to_string(), b_complete.to_string());
    // Nothing but ids, names, counts and digests: the host of the run block is not in there.
    assert!(!a_complete.to_string().contains("fixture-host"));
}
