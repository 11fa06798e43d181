//! The manifest projected onto OpenLineage 2-0-2 run events (a START and a COMPLETE), so a
//! lineage server (Marquez, DataHub, …) can show what a run read, wrote and masked.
//!
//! The events are derived from the manifest alone — no clock, no host — so projecting the same
//! manifest twice gives the same JSON. Times are the manifest's `run.started_at` /
//! `run.finished_at`.
//!
//! Naming: datasets use the namespace `file` with the path *as the manifest records it* (inputs
//! relative to the pipeline file, outputs relative to the manifest's directory) rather than the
//! absolute path the OpenLineage naming spec suggests, because a manifest must not leak home
//! directories and must stay valid when the tree moves.

use crate::manifest::{Manifest, OutputEntry};
use serde_json::{Map, Value, json};
use sluice_core::digest::sha256_hex;

/// `schemaURL` of the run events (OpenLineage spec 2-0-2).
pub const OPENLINEAGE_RUN_EVENT_SCHEMA: &str =
    "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";

/// Dataset namespace of local files.
pub const FILE_NAMESPACE: &str = "file";

// Every facet names the exact, immutable schema version it conforms to.
const SCHEMA_FACET: &str =
    "https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet";
const COLUMN_LINEAGE_FACET: &str = "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet";
const VERSION_FACET: &str = "https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet";
const INPUT_STATISTICS_FACET: &str = "https://openlineage.io/spec/facets/1-0-0/InputStatisticsInputDatasetFacet.json#/$defs/InputStatisticsInputDatasetFacet";
const OUTPUT_STATISTICS_FACET: &str = "https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet";
const JOB_TYPE_FACET: &str =
    "https://openlineage.io/spec/facets/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet";
const PROCESSING_ENGINE_FACET: &str = "https://openlineage.io/spec/facets/1-1-1/ProcessingEngineRunFacet.json#/$defs/ProcessingEngineRunFacet";
const TEST_FACET: &str =
    "https://openlineage.io/spec/facets/1-0-1/TestRunFacet.json#/$defs/TestRunFacet";
/// Our own run facet (custom facets are `{prefix}_{name}` with a versioned schema URL we own).
const SLUICE_MANIFEST_FACET: &str =
    "https://sluice.invalid/spec/facets/1-0-0/SluiceManifestRunFacet.json";

/// A field of an output's schema: name and sluice type (e.g. `string`,
/// `list<struct<role: string, content: string>>`), plus the input field it was mapped from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaField {
    /// Column name in the output.
    pub name: String,
    /// The sluice type grammar string.
    pub r#type: String,
    /// The source field path in the inputs (`from` in the pipeline), when known.
    pub from: Option<String>,
}

/// URI naming the producing program and version; used as OpenLineage `producer`/`_producer` and
/// as the in-toto builder id.
pub fn producer_uri(manifest: &Manifest) -> String {
    format!(
        "https://sluice.invalid/{}@{}",
        manifest.tool.name, manifest.tool.version
    )
}

/// The run id both events share, derived from the manifest so a rerun with the same outputs
/// and pipeline gets the same id: the first 16 bytes of
/// `sha256("sluice-openlineage-run-id\n" + root_sha256 + "\n" + pipeline.sha256)`, with the
/// version nibble set to 8 (RFC 9562 custom/hash-based UUID) and the variant bits to `10`.
pub fn deterministic_run_id(manifest: &Manifest) -> String {
    let text = format!(
        "sluice-openlineage-run-id\n{}\n{}",
        manifest.root_sha256, manifest.pipeline.sha256
    );
    // sha256_hex is always 64 hex digits, so the first 32 are the first 16 bytes.
    let hex = sha256_hex(text.as_bytes());
    let mut bytes = [0u8; 16];
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let h: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The output schema recorded in the manifest's resolved pipeline (`output_fields`, the columns
/// after any format stage; older manifests only have the ingest `fields`), with the `record_id`
/// column every sluice output starts with. `None` when the resolved config has no field list
/// (e.g. a hand-written manifest).
pub fn output_schema(manifest: &Manifest) -> Option<Vec<SchemaField>> {
    let resolved = &manifest.pipeline.resolved;
    let fields = resolved
        .get("output_fields")
        .or_else(|| resolved.get("fields"))?
        .as_array()?;
    let mut out = vec![SchemaField {
        name: "record_id".to_owned(),
        r#type: "string".to_owned(),
        from: None,
    }];
    for field in fields {
        let name = field.get("name").and_then(Value::as_str)?;
        let r#type = field
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("string");
        out.push(SchemaField {
            name: name.to_owned(),
            r#type: r#type.to_owned(),
            from: field.get("from").and_then(Value::as_str).map(str::to_owned),
        });
    }
    Some(out)
}

/// Output columns that a redact stage changed, with the stage indexes that did it. Field paths
/// such as `messages[].content` count for their top-level column `messages`.
pub fn redacted_columns(manifest: &Manifest) -> std::collections::BTreeMap<String, Vec<usize>> {
    let mut out: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
    for stage in &manifest.stages {
        for path in stage.report.redactions_by_field.keys() {
            let column = path.split(['.', '[']).next().unwrap_or(path).to_owned();
            let stages = out.entry(column).or_default();
            if !stages.contains(&stage.index) {
                stages.push(stage.index);
            }
        }
    }
    out
}

/// The START and COMPLETE run events of the run `manifest` describes, in job namespace
/// `job_namespace` with job name = the pipeline name. Use [`deterministic_run_id`] for `run_id`
/// unless the caller has its own (it must be a UUID).
pub fn openlineage_events(
    manifest: &Manifest,
    run_id: &str,
    job_namespace: &str,
) -> (Value, Value) {
    let producer = producer_uri(manifest);
    let facet = |schema_url: &str, body: Value| -> Value {
        let mut map = Map::new();
        map.insert("_producer".into(), Value::String(producer.clone()));
        map.insert("_schemaURL".into(), Value::String(schema_url.to_owned()));
        if let Value::Object(fields) = body {
            map.extend(fields);
        }
        Value::Object(map)
    };

    let job = json!({
        "namespace": job_namespace,
        "name": manifest.pipeline.name,
        "facets": {
            "jobType": facet(JOB_TYPE_FACET, json!({
                "processingType": "BATCH",
                "integration": "SLUICE",
                "jobType": "PIPELINE",
            })),
        },
    });
    let engine = facet(
        PROCESSING_ENGINE_FACET,
        json!({"name": manifest.tool.name, "version": manifest.tool.version}),
    );

    // Inputs: identity and content version at START; what was read at COMPLETE.
    let input = |i: &crate::manifest::InputEntry, with_stats: bool| -> Value {
        let mut dataset = json!({
            "namespace": FILE_NAMESPACE,
            "name": i.path,
            "facets": {"version": facet(VERSION_FACET, json!({"datasetVersion": i.sha256}))},
        });
        if with_stats {
            dataset["inputFacets"] = json!({
                "inputStatistics": facet(INPUT_STATISTICS_FACET, json!({
                    "rowCount": i.records, "size": i.bytes, "fileCount": 1,
                })),
            });
        }
        dataset
    };

    let schema = output_schema(manifest);
    let redacted = redacted_columns(manifest);
    let output = |o: &OutputEntry, complete: bool| -> Value {
        let mut dataset = json!({"namespace": FILE_NAMESPACE, "name": o.path});
        if !complete {
            return dataset;
        }
        let mut facets = Map::new();
        facets.insert(
            "version".into(),
            facet(VERSION_FACET, json!({"datasetVersion": o.sha256})),
        );
        if is_training_split(o) {
            if let Some(fields) = &schema {
                let fields: Vec<Value> = fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| json!({"name": f.name, "type": f.r#type, "ordinal_position": i + 1}))
                    .collect();
                facets.insert(
                    "schema".into(),
                    facet(SCHEMA_FACET, json!({"fields": fields})),
                );
            }
            facets.insert(
                "columnLineage".into(),
                facet(
                    COLUMN_LINEAGE_FACET,
                    column_lineage(manifest, schema.as_deref(), &redacted),
                ),
            );
        }
        dataset["facets"] = Value::Object(facets);
        dataset["outputFacets"] = json!({
            "outputStatistics": facet(OUTPUT_STATISTICS_FACET, json!({
                "rowCount": o.rows, "size": o.bytes, "fileCount": 1,
            })),
        });
        dataset
    };

    let start = json!({
        "eventType": "START",
        "eventTime": manifest.run.started_at,
        "producer": producer,
        "schemaURL": OPENLINEAGE_RUN_EVENT_SCHEMA,
        "run": {"runId": run_id, "facets": {"processing_engine": engine.clone()}},
        "job": job.clone(),
        "inputs": manifest.inputs.iter().map(|i| input(i, false)).collect::<Vec<_>>(),
        "outputs": manifest.outputs.iter().map(|o| output(o, false)).collect::<Vec<_>>(),
    });

    let mut tests: Vec<Value> = manifest
        .gates
        .iter()
        .map(|g| {
            json!({
                "name": g.name,
                "status": if g.passed { "pass" } else { "fail" },
                "severity": "error",
                "type": "gate",
                "expected": g.threshold.to_string(),
                "actual": g.observed.to_string(),
            })
        })
        .collect();
    let c = &manifest.conservation;
    tests.push(json!({
        "name": "conservation",
        "status": if c.holds { "pass" } else { "fail" },
        "severity": "error",
        "type": "row_count",
        "description": "every input record is kept, a duplicate or quarantined",
        "expected": c.input_records.to_string(),
        "actual": (c.kept + c.duplicates + c.quarantined).to_string(),
    }));
    let complete = json!({
        "eventType": "COMPLETE",
        "eventTime": manifest.run.finished_at,
        "producer": producer,
        "schemaURL": OPENLINEAGE_RUN_EVENT_SCHEMA,
        "run": {
            "runId": run_id,
            "facets": {
                "processing_engine": engine,
                "test": facet(TEST_FACET, json!({"tests": tests})),
                "sluice_manifest": facet(SLUICE_MANIFEST_FACET, json!({
                    "manifestVersion": manifest.manifest_version,
                    "pipelineSha256": manifest.pipeline.sha256,
                    "rootSha256": manifest.root_sha256,
                })),
            },
        },
        "job": job,
        "inputs": manifest.inputs.iter().map(|i| input(i, true)).collect::<Vec<_>>(),
        "outputs": manifest.outputs.iter().map(|o| output(o, true)).collect::<Vec<_>>(),
    });
    (start, complete)
}

/// Training splits carry the user's schema; the side tables have their own.
fn is_training_split(o: &OutputEntry) -> bool {
    o.is_training_split()
}

/// `columnLineage` body: every output column from its input field in every input — DIRECT
/// IDENTITY, or DIRECT TRANSFORMATION with `masking: true` when a redact stage changed it — and,
/// dataset-wide, the dedup keys as INDIRECT FILTER (they decide which rows survive).
fn column_lineage(
    manifest: &Manifest,
    schema: Option<&[SchemaField]>,
    redacted: &std::collections::BTreeMap<String, Vec<usize>>,
) -> Value {
    // Without a schema, the redacted columns are still worth declaring (masking is the point).
    let columns: Vec<(String, String)> = match schema {
        Some(fields) => fields
            .iter()
            .filter(|f| f.name != "record_id")
            .map(|f| {
                (
                    f.name.clone(),
                    f.from.clone().unwrap_or_else(|| f.name.clone()),
                )
            })
            .collect(),
        None => redacted.keys().map(|k| (k.clone(), k.clone())).collect(),
    };
    let mut fields = Map::new();
    for (column, from) in columns {
        let transformation = match redacted.get(&column) {
            Some(stages) => json!({
                "type": "DIRECT",
                "subtype": "TRANSFORMATION",
                "description": format!("sensitive values redacted by stage {}", join(stages)),
                "masking": true,
            }),
            None => json!({"type": "DIRECT", "subtype": "IDENTITY", "masking": false}),
        };
        let input_fields: Vec<Value> = manifest
            .inputs
            .iter()
            .map(|i| {
                json!({
                    "namespace": FILE_NAMESPACE,
                    "name": i.path,
                    "field": from,
                    "transformations": [transformation],
                })
            })
            .collect();
        fields.insert(column, json!({"inputFields": input_fields}));
    }
    let mut dataset = Vec::new();
    let stages = manifest
        .pipeline
        .resolved
        .get("stages")
        .and_then(Value::as_array);
    for stage in &manifest.stages {
        if stage.kind != "dedup" {
            continue;
        }
        let keys = stages
            .and_then(|s| s.get(stage.index))
            .and_then(|s| s.get("key"))
            .and_then(Value::as_array);
        for key in keys.into_iter().flatten().filter_map(Value::as_str) {
            for i in &manifest.inputs {
                dataset.push(json!({
                    "namespace": FILE_NAMESPACE,
                    "name": i.path,
                    "field": source_of(schema, key),
                    "transformations": [{
                        "type": "INDIRECT",
                        "subtype": "FILTER",
                        "description": format!("exact-duplicate key of stage {}", stage.index),
                        "masking": false,
                    }],
                }));
            }
        }
    }
    let mut body = json!({"fields": fields});
    if !dataset.is_empty() {
        body["dataset"] = Value::Array(dataset);
    }
    body
}

fn source_of(schema: Option<&[SchemaField]>, column: &str) -> String {
    schema
        .and_then(|s| s.iter().find(|f| f.name == column))
        .and_then(|f| f.from.clone())
        .unwrap_or_else(|| column.to_owned())
}

fn join(stages: &[usize]) -> String {
    stages
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
pub(crate) mod tests;
