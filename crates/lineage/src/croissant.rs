//! The manifest projected onto Croissant 1.1 + RAI 1.0 JSON-LD (`croissant.json`), so dataset
//! catalogues and `mlcroissant` can describe and load the training set.
//!
//! What comes from the manifest: one `cr:FileObject` per output with its sha256 and size, one
//! `cr:RecordSet` per training split whose fields follow the pipeline's schema (a `messages`
//! column becomes an array field with `role`/`content` sub-fields), `rai:personalSensitiveInformation`
//! from the redaction counts by type, and `rai:dataPreprocessingProtocol` from the stages.
//! What the manifest cannot know (licence, public URL, creator) comes from [`DatasetCard`].

use crate::manifest::{Manifest, OutputEntry};
use crate::openlineage::{SchemaField, output_schema, redacted_columns};
use serde_json::{Map, Value, json};
use sluice_core::FieldType;
use std::collections::BTreeMap;

/// Facts about the dataset that the run does not know; the caller (pipeline file, CLI flags)
/// supplies them. Empty fields are left out of the document (`mlcroissant` only warns).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DatasetCard {
    /// SPDX licence URL, e.g. `https://spdx.org/licenses/CC-BY-4.0.html`.
    pub license: Option<String>,
    /// Where the dataset is published.
    pub url: Option<String>,
    /// Who made it (organisation or person name).
    pub creator: Option<String>,
    /// Semantic version of this release.
    pub version: Option<String>,
}

/// The canonical Croissant 1.1 `@context` (copied verbatim so validators do not warn), plus the
/// `rai` and `prov` prefixes.
const CONTEXT_TERMS: &[(&str, &str)] = &[
    ("@language", "en"),
    ("@vocab", "https://schema.org/"),
    ("sc", "https://schema.org/"),
    ("cr", "http://mlcommons.org/croissant/"),
    ("rai", "http://mlcommons.org/croissant/RAI/"),
    ("dct", "http://purl.org/dc/terms/"),
    ("duo", "https://purl.obolibrary.org/obo/DUO_"),
    ("prov", "http://www.w3.org/ns/prov#"),
    ("annotation", "cr:annotation"),
    ("arrayShape", "cr:arrayShape"),
    ("citeAs", "cr:citeAs"),
    ("column", "cr:column"),
    ("conformsTo", "dct:conformsTo"),
    ("containedIn", "cr:containedIn"),
    ("equivalentProperty", "cr:equivalentProperty"),
    ("excludes", "cr:excludes"),
    ("extract", "cr:extract"),
    ("field", "cr:field"),
    ("fileProperty", "cr:fileProperty"),
    ("fileObject", "cr:fileObject"),
    ("fileSet", "cr:fileSet"),
    ("format", "cr:format"),
    ("includes", "cr:includes"),
    ("isArray", "cr:isArray"),
    ("isLiveDataset", "cr:isLiveDataset"),
    ("jsonPath", "cr:jsonPath"),
    ("key", "cr:key"),
    ("md5", "cr:md5"),
    ("parentField", "cr:parentField"),
    ("path", "cr:path"),
    ("recordSet", "cr:recordSet"),
    ("references", "cr:references"),
    ("regex", "cr:regex"),
    ("readLines", "cr:readLines"),
    ("repeated", "cr:repeated"),
    ("replace", "cr:replace"),
    ("samplingRate", "cr:samplingRate"),
    ("sdVersion", "cr:sdVersion"),
    ("separator", "cr:separator"),
    ("source", "cr:source"),
    ("subField", "cr:subField"),
    ("transform", "cr:transform"),
    ("unArchive", "cr:unArchive"),
    ("value", "cr:value"),
];

fn context() -> Value {
    let mut map: Map<String, Value> = CONTEXT_TERMS
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned())))
        .collect();
    // The three typed terms, in the places the canonical context has them.
    map.insert("data".into(), json!({"@id": "cr:data", "@type": "@json"}));
    map.insert(
        "dataType".into(),
        json!({"@id": "cr:dataType", "@type": "@vocab"}),
    );
    map.insert(
        "examples".into(),
        json!({"@id": "cr:examples", "@type": "@json"}),
    );
    Value::Object(map)
}

/// The Croissant 1.1 + RAI 1.0 JSON-LD document for `manifest`'s outputs.
///
/// `datePublished` is the date of the manifest's `run.finished_at`; everything else is
/// deterministic.
pub fn croissant_jsonld(manifest: &Manifest, card: &DatasetCard) -> Value {
    let m = manifest;
    let description = m
        .pipeline
        .resolved
        .pointer("/pipeline/description")
        .and_then(Value::as_str)
        .map_or_else(
            || {
                format!(
                    "Training set produced by the sluice pipeline `{}`.",
                    m.pipeline.name
                )
            },
            str::to_owned,
        );
    let distribution: Vec<Value> = m.outputs.iter().map(file_object).collect();
    let schema = output_schema(m);
    let mut record_sets = Vec::new();
    if let Some(fields) = &schema {
        let mut splits: BTreeMap<&str, Vec<&OutputEntry>> = BTreeMap::new();
        for o in m.outputs.iter().filter(|o| is_split(o)) {
            splits.entry(o.role.as_str()).or_default().push(o);
        }
        for (split, files) in splits {
            // A record set reads one file object; multi-shard splits get one set per shard.
            for (shard, file) in files.iter().enumerate() {
                let id = if files.len() == 1 {
                    split.to_owned()
                } else {
                    format!("{split}-{shard:05}")
                };
                record_sets.push(record_set(&id, &file.path, fields));
            }
        }
    }

    let mut doc = Map::new();
    doc.insert("@context".into(), context());
    doc.insert("@type".into(), json!("sc:Dataset"));
    doc.insert(
        "conformsTo".into(),
        json!([
            "http://mlcommons.org/croissant/1.1",
            "http://mlcommons.org/croissant/RAI/1.0"
        ]),
    );
    doc.insert("name".into(), json!(m.pipeline.name));
    doc.insert("description".into(), json!(description));
    if let Some(license) = &card.license {
        doc.insert("license".into(), json!(license));
    }
    if let Some(url) = &card.url {
        doc.insert("url".into(), json!(url));
    }
    if let Some(creator) = &card.creator {
        doc.insert(
            "creator".into(),
            json!({"@type": "sc:Organization", "name": creator}),
        );
    }
    if let Some(version) = &card.version {
        doc.insert("version".into(), json!(version));
    }
    if let Some(date) = m.run.finished_at.get(..10) {
        doc.insert("datePublished".into(), json!(date));
    }
    doc.insert("citeAs".into(), json!(citation(m)));
    doc.insert(
        "keywords".into(),
        json!(["fine-tuning", "sluice", m.pipeline.name]),
    );
    doc.insert("rai:dataUseCases".into(), json!("Fine Tuning"));
    doc.insert(
        "rai:dataPreprocessingProtocol".into(),
        json!(preprocessing(m)),
    );
    doc.insert(
        "rai:personalSensitiveInformation".into(),
        json!(sensitive_information(m)),
    );
    doc.insert(
        "prov:wasGeneratedBy".into(),
        json!({
            "@type": "prov:Activity",
            "prov:label": format!("sluice run of pipeline {} (pipeline sha256 {}, root sha256 {})",
                m.pipeline.name, m.pipeline.sha256, m.root_sha256),
        }),
    );
    doc.insert("distribution".into(), Value::Array(distribution));
    doc.insert("recordSet".into(), Value::Array(record_sets));
    Value::Object(doc)
}

fn is_split(o: &OutputEntry) -> bool {
    o.is_training_split()
}

fn file_object(o: &OutputEntry) -> Value {
    json!({
        "@type": "cr:FileObject",
        "@id": o.path,
        "name": o.path,
        "description": format!("{} file, {} rows", o.role, o.rows),
        "contentUrl": o.path,
        "contentSize": format!("{} B", o.bytes),
        "encodingFormat": encoding_format(&o.path),
        "sha256": o.sha256,
    })
}

/// MIME type of an output by extension (Parquet tables, and the JSON/XML/Markdown reports some
/// stages write beside them).
fn encoding_format(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("parquet") => "application/x-parquet",
        Some("json") => "application/json",
        Some("jsonl") => "application/jsonlines",
        Some("xml") => "application/xml",
        Some("md") => "text/markdown",
        Some("csv") => "text/csv",
        _ => "application/octet-stream",
    }
}

/// `citeAs`: a BibTeX entry naming the release by its root digest, so a citation pins the exact
/// files (Croissant recommends the property; `mlcroissant` warns without it).
fn citation(m: &Manifest) -> String {
    let short = m.root_sha256.get(..12).unwrap_or(&m.root_sha256);
    let key: String = m
        .pipeline
        .name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let year = m.run.finished_at.get(..4).unwrap_or("");
    format!(
        "@misc{{{key}_{short}, title = {{{}}}, note = {{Produced by {} {} with the sluice pipeline `{}`; root sha256 {}}}, year = {{{year}}}}}",
        m.pipeline.name, m.tool.name, m.tool.version, m.pipeline.name, m.root_sha256
    )
}

/// A record set over one Parquet file: `record_id` and every pipeline field, typed.
fn record_set(id: &str, file: &str, fields: &[SchemaField]) -> Value {
    let fields: Vec<Value> = fields
        .iter()
        .map(|f| {
            let ty = FieldType::parse(&f.r#type).unwrap_or(FieldType::String);
            field(&format!("{id}/{}", f.name), &f.name, &ty, file, None)
        })
        .collect();
    json!({
        "@type": "cr:RecordSet",
        "@id": id,
        "name": id,
        "field": fields,
    })
}

/// One field; lists become `isArray`, structs get `subField`s read with a JSON path from the
/// parent column (the pattern Hugging Face's generated Croissant uses for chat columns).
fn field(id: &str, column: &str, ty: &FieldType, file: &str, json_path: Option<&str>) -> Value {
    let mut source = json!({"fileObject": {"@id": file}, "extract": {"column": column}});
    if let Some(path) = json_path {
        source["transform"] = json!({"jsonPath": path});
    }
    let mut out =
        json!({"@type": "cr:Field", "@id": id, "name": id.rsplit('/').next().unwrap_or(id)});
    let (inner, is_array) = match ty {
        FieldType::List(inner) => (inner.as_ref(), true),
        other => (other, false),
    };
    if is_array {
        out["isArray"] = json!(true);
    }
    match inner {
        FieldType::Struct(children) => {
            out["dataType"] = json!("sc:StructuredValue");
            let subs: Vec<Value> = children
                .iter()
                .map(|(name, t)| field(&format!("{id}/{name}"), column, t, file, Some(name)))
                .collect();
            out["subField"] = Value::Array(subs);
        }
        scalar => {
            out["dataType"] = json!(data_type(scalar));
            out["source"] = source;
        }
    }
    out
}

fn data_type(ty: &FieldType) -> &'static str {
    match ty {
        FieldType::Int64 => "sc:Integer",
        FieldType::Float64 => "sc:Float",
        FieldType::Bool => "sc:Boolean",
        _ => "sc:Text",
    }
}

/// `rai:dataPreprocessingProtocol`: one sentence per stage, with its counts.
fn preprocessing(m: &Manifest) -> Vec<String> {
    let ingest_q: u64 = m.inputs.iter().map(|i| i.quarantined).sum();
    let mut out = vec![format!(
        "ingest: {} records read from {} input files (sha256 recorded in the manifest); {} quarantined as unparseable",
        m.conservation.input_records,
        m.inputs.len(),
        ingest_q
    )];
    for s in &m.stages {
        let r = &s.report;
        let removed: Vec<String> = r.removed.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        let mut line = format!(
            "stage {} {}: {} rows in, {} rows out",
            s.index, s.kind, r.rows_in, r.rows_out
        );
        if !removed.is_empty() {
            line.push_str(&format!("; removed {}", removed.join(", ")));
        }
        let redactions: u64 = r.redactions_by_type.values().sum();
        if redactions > 0 {
            line.push_str(&format!("; {redactions} values redacted"));
        }
        out.push(line);
    }
    out.push(format!(
        "conservation: {} input records = {} kept + {} duplicates + {} quarantined ({})",
        m.conservation.input_records,
        m.conservation.kept,
        m.conservation.duplicates,
        m.conservation.quarantined,
        if m.conservation.holds {
            "holds"
        } else {
            "VIOLATED"
        }
    ));
    out
}

/// `rai:personalSensitiveInformation`: the entity types found and redacted, with counts and the
/// columns they were redacted in — types and counts only, never values.
fn sensitive_information(m: &Manifest) -> Vec<String> {
    let mut by_type: BTreeMap<&str, u64> = BTreeMap::new();
    for s in &m.stages {
        for (t, n) in &s.report.redactions_by_type {
            *by_type.entry(t.as_str()).or_insert(0) += n;
        }
    }
    if by_type.is_empty() {
        return vec![
            "No personal or sensitive information was detected or redacted by this pipeline."
                .to_owned(),
        ];
    }
    let mut out: Vec<String> = by_type
        .iter()
        .map(|(t, n)| format!("{t}: {n} values detected and redacted"))
        .collect();
    let columns: Vec<String> = redacted_columns(m).into_keys().collect();
    out.push(format!("redacted columns: {}", columns.join(", ")));
    out
}

#[cfg(test)]
mod tests;
