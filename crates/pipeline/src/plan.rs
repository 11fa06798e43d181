//! From a pipeline file to a validated plan: every key checked, every stage built, every input
//! found, before a single data row is read. `sluice check` stops here.

use crate::diagnostics::ConfigError;
use crate::registry::{BuiltStage, build_stage};
use crate::spec::{GatesSpec, InputSpec, PipelineSpec};
use sluice_core::{FieldSpec, FieldType, TargetSchema};
use sluice_export::OutputConfig;
use sluice_ingest::InputOptions;
use std::path::{Path, PathBuf};

/// Options that change how a pipeline file is resolved.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// Replace the pipeline's inputs with these paths (relative to the current directory), so one
    /// pipeline file serves other data of the same shape. They inherit the format, encoding and
    /// delimiter of the pipeline's first `[[inputs]]` entry when it sets them.
    pub inputs_override: Vec<PathBuf>,
}

/// One input file to read.
#[derive(Debug, Clone)]
pub struct ResolvedInput {
    /// Path to open.
    pub path: PathBuf,
    /// Path as reported in the manifest: relative to the pipeline file's directory for inputs the
    /// pipeline names, as given for `--input` overrides. Never absolutised, so manifests do not
    /// depend on where the checkout lives.
    pub display: String,
    /// Reader options.
    pub options: InputOptions,
}

/// A stage with its identity in the run.
pub struct PlannedStage {
    /// Position in the pipeline (0-based).
    pub index: usize,
    /// The built stage.
    pub stage: BuiltStage,
    /// sha256 of the stage's canonical configuration.
    pub config_sha256: String,
    /// The stage's configuration as written (JSON), for the files it names (see
    /// [`referenced_files_sha256`]).
    pub config: serde_json::Value,
    /// The record schema as the stage leaves it.
    pub output_schema: TargetSchema,
}

/// A fully validated pipeline.
pub struct Plan {
    /// `[pipeline] name`.
    pub name: String,
    /// `[pipeline] description`.
    pub description: Option<String>,
    /// The record schema as ingested.
    pub schema: TargetSchema,
    /// The record schema of the training set (after any format stage).
    pub output_schema: TargetSchema,
    /// Input files in read order.
    pub inputs: Vec<ResolvedInput>,
    /// Stages in run order.
    pub stages: Vec<PlannedStage>,
    /// Output settings.
    pub output: OutputConfig,
    /// Data gates.
    pub gates: GatesSpec,
    /// The resolved pipeline as canonical JSON (what the manifest records).
    pub resolved: serde_json::Value,
    /// sha256 of `resolved`.
    pub sha256: String,
    /// The directory relative paths in the pipeline file are resolved against.
    pub base_dir: PathBuf,
}

fn toml_span<T>(s: &toml::Spanned<T>) -> Option<std::ops::Range<usize>> {
    Some(s.span())
}

impl Plan {
    /// Reads, parses and validates the pipeline file at `path`.
    pub fn load(path: &Path, options: &PlanOptions) -> Result<Plan, Box<ConfigError>> {
        let name = path.display().to_string();
        let text = fs_err::read_to_string(path).map_err(|e| {
            Box::new(ConfigError::new(
                &name,
                "",
                None,
                format!("cannot read pipeline file: {e}"),
            ))
        })?;
        let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Plan::from_text(&name, &text, &base_dir, options)
    }

    /// Parses and validates pipeline `text` named `name`, resolving relative paths against
    /// `base_dir`.
    pub fn from_text(
        name: &str,
        text: &str,
        base_dir: &Path,
        options: &PlanOptions,
    ) -> Result<Plan, Box<ConfigError>> {
        let err = |span: Option<std::ops::Range<usize>>, msg: String| {
            Box::new(ConfigError::new(name, text, span, msg))
        };
        let spec: PipelineSpec =
            toml::from_str(text).map_err(|e| err(e.span(), e.message().to_owned()))?;
        // The raw tables, for the canonical resolved form and per-stage digests.
        let raw: toml::Table =
            toml::from_str(text).map_err(|e| err(e.span(), e.message().to_owned()))?;

        let pipeline_name = spec.pipeline.name.get_ref().clone();
        if pipeline_name.is_empty()
            || !pipeline_name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(err(
                toml_span(&spec.pipeline.name),
                "pipeline name must be non-empty and use only a-z, 0-9 and '-'".to_owned(),
            ));
        }

        let schema = build_schema(&spec, &err)?;
        let inputs = resolve_inputs(&spec, base_dir, options, &err)?;

        // Each stage is checked against the records as the previous stage leaves them.
        let mut stage_schema = schema.clone();
        let input_names: Vec<String> = inputs.iter().map(|i| i.display.clone()).collect();
        let mut stages = Vec::with_capacity(spec.stages.len());
        let raw_stages = raw
            .get("stages")
            .and_then(|v| v.as_array())
            .cloned()
            .unwrap_or_default();
        for (index, stage) in spec.stages.iter().enumerate() {
            let built = build_stage(stage.get_ref(), &stage_schema, base_dir, &input_names)
                .map_err(|message| {
                    err(
                        toml_span(stage),
                        format!(
                            "stage {} ({}): {message}",
                            index + 1,
                            stage.get_ref().kind()
                        ),
                    )
                })?;
            stage_schema = built.output_schema(&stage_schema);
            let raw_json = raw_stages.get(index).map(toml_to_json).unwrap_or_default();
            stages.push(PlannedStage {
                index,
                stage: built,
                config_sha256: sluice_lineage::canonical_json_sha256(&raw_json),
                config: raw_json,
                output_schema: stage_schema.clone(),
            });
        }

        let output = match &spec.output {
            Some(o) => {
                o.get_ref()
                    .validate()
                    .map_err(|e| err(toml_span(o), format!("[output]: {e}")))?;
                o.get_ref().clone()
            }
            None => OutputConfig::default(),
        };
        let gates = match &spec.gates {
            Some(g) => {
                let gates = g.get_ref();
                for (key, rate) in [
                    ("max_quarantine_rate", gates.max_quarantine_rate),
                    ("max_duplicate_rate", gates.max_duplicate_rate),
                ] {
                    if let Some(rate) = rate
                        && !(0.0..=1.0).contains(&rate)
                    {
                        return Err(err(
                            toml_span(g),
                            format!("[gates] {key} must be within 0..=1"),
                        ));
                    }
                }
                for (rule, rate) in &gates.rules {
                    if !(0.0..=1.0).contains(rate) {
                        return Err(err(
                            toml_span(g),
                            format!("[gates.rules] {rule} must be within 0..=1"),
                        ));
                    }
                    let declared = stages.iter().any(|s| match &s.stage {
                        BuiltStage::Validate(v) => v.rules().iter().any(|r| &r.id == rule),
                        _ => false,
                    });
                    if !declared {
                        return Err(err(
                            toml_span(g),
                            format!(
                                "[gates.rules] names rule `{rule}`, which no validate stage declares"
                            ),
                        ));
                    }
                }
                gates.clone()
            }
            None => GatesSpec::default(),
        };

        let resolved = resolved_json(&raw, &schema, &stage_schema, &inputs);
        let sha256 = sluice_lineage::canonical_json_sha256(&resolved);
        Ok(Plan {
            name: pipeline_name,
            description: spec.pipeline.description.clone(),
            schema,
            output_schema: stage_schema,
            inputs,
            stages,
            output,
            gates,
            resolved,
            sha256,
            base_dir: base_dir.to_path_buf(),
        })
    }
}

fn build_schema(
    spec: &PipelineSpec,
    err: &dyn Fn(Option<std::ops::Range<usize>>, String) -> Box<ConfigError>,
) -> Result<TargetSchema, Box<ConfigError>> {
    if spec.fields.get_ref().is_empty() {
        return Err(err(
            toml_span(&spec.fields),
            "[fields] declares no field".to_owned(),
        ));
    }
    let mut fields = Vec::new();
    for (field_name, decl) in spec.fields.get_ref() {
        if field_name == "record_id" {
            return Err(err(
                toml_span(decl),
                "`record_id` is reserved: sluice adds it to every output row".to_owned(),
            ));
        }
        let ty = FieldType::parse(&decl.get_ref().ty)
            .map_err(|e| err(toml_span(decl), format!("field `{field_name}`: {e}")))?;
        fields.push(FieldSpec {
            name: field_name.clone(),
            source: decl
                .get_ref()
                .from
                .clone()
                .unwrap_or_else(|| field_name.clone()),
            ty,
            required: decl.get_ref().required,
        });
    }
    Ok(TargetSchema { fields })
}

fn input_options(spec: &InputSpec) -> InputOptions {
    InputOptions {
        format: spec.format,
        encoding: spec.encoding.clone(),
        delimiter: spec.delimiter,
    }
}

fn resolve_inputs(
    spec: &PipelineSpec,
    base_dir: &Path,
    options: &PlanOptions,
    err: &dyn Fn(Option<std::ops::Range<usize>>, String) -> Box<ConfigError>,
) -> Result<Vec<ResolvedInput>, Box<ConfigError>> {
    if spec.inputs.is_empty() && options.inputs_override.is_empty() {
        return Err(err(None, "the pipeline has no [[inputs]]".to_owned()));
    }
    let mut resolved = Vec::new();
    if !options.inputs_override.is_empty() {
        let inherited = spec
            .inputs
            .first()
            .map(|i| input_options(i.get_ref()))
            .unwrap_or(InputOptions {
                format: None,
                encoding: None,
                delimiter: None,
            });
        for given in &options.inputs_override {
            let paths = sluice_ingest::expand_glob(given)
                .map_err(|e| err(None, format!("--input {}: {e}", given.display())))?;
            for path in paths {
                resolved.push(ResolvedInput {
                    display: path.display().to_string(),
                    path,
                    options: inherited.clone(),
                });
            }
        }
    } else {
        for input in &spec.inputs {
            let pattern = base_dir.join(&input.get_ref().path);
            let paths = sluice_ingest::expand_glob(&pattern).map_err(|e| {
                err(
                    toml_span(input),
                    format!("input `{}`: {e}", input.get_ref().path),
                )
            })?;
            for path in paths {
                let display = path
                    .strip_prefix(base_dir)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                resolved.push(ResolvedInput {
                    display,
                    path,
                    options: input_options(input.get_ref()),
                });
            }
        }
    }
    // The same file listed twice would be read twice and every row would look duplicated.
    let mut seen = std::collections::BTreeSet::new();
    for input in &resolved {
        let key = fs_err::canonicalize(&input.path).unwrap_or_else(|_| input.path.clone());
        if !seen.insert(key) {
            return Err(err(
                None,
                format!("input `{}` is listed more than once", input.display),
            ));
        }
    }
    Ok(resolved)
}

/// One digest over every existing file that a string in `config` names (relative to `base_dir`),
/// in the order they appear (globs expanded). Any string is considered, so a new stage option naming a file is
/// covered without a list to keep up to date; strings that are not files cost one `stat`. Only
/// the stage cache needs it, so it is computed when a run uses the cache, not at plan time.
pub(crate) fn referenced_files_sha256(config: &serde_json::Value, base_dir: &Path) -> String {
    fn collect<'a>(value: &'a serde_json::Value, out: &mut Vec<&'a str>) {
        match value {
            serde_json::Value::String(s) => out.push(s),
            serde_json::Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
            serde_json::Value::Object(map) => map.values().for_each(|v| collect(v, out)),
            _ => {}
        }
    }
    let mut strings = Vec::new();
    collect(config, &mut strings);
    let mut hasher = sluice_core::digest::Sha256Hasher::new();
    for s in strings {
        if s.is_empty() || s.len() > 4096 {
            continue;
        }
        let path = base_dir.join(s);
        let files = if path.is_file() {
            vec![path]
        } else if s.contains(['*', '?', '[']) {
            sluice_ingest::expand_glob(&path).unwrap_or_default()
        } else {
            continue;
        };
        for file in files {
            // An unreadable file hashes as its path only; building the stage already read it.
            let content = fs_err::read(&file)
                .map(|bytes| sluice_core::digest::sha256_hex(&bytes))
                .unwrap_or_default();
            let name = file.strip_prefix(base_dir).unwrap_or(&file);
            hasher.update(name.to_string_lossy().as_bytes());
            hasher.update(&[0]);
            hasher.update(content.as_bytes());
            hasher.update(&[0]);
        }
    }
    hasher.finish_hex()
}

/// Converts a TOML value to JSON (datetimes become their RFC 3339 text).
pub fn toml_to_json(value: &toml::Value) -> serde_json::Value {
    match value {
        toml::Value::String(s) => serde_json::Value::String(s.clone()),
        toml::Value::Integer(i) => serde_json::Value::from(*i),
        toml::Value::Float(f) => serde_json::Value::from(*f),
        toml::Value::Boolean(b) => serde_json::Value::Bool(*b),
        toml::Value::Datetime(d) => serde_json::Value::String(d.to_string()),
        toml::Value::Array(a) => serde_json::Value::Array(a.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => serde_json::Value::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}

fn resolved_json(
    raw: &toml::Table,
    schema: &TargetSchema,
    output_schema: &TargetSchema,
    inputs: &[ResolvedInput],
) -> serde_json::Value {
    let section = |key: &str| {
        raw.get(key)
            .map(toml_to_json)
            .unwrap_or(serde_json::Value::Null)
    };
    serde_json::json!({
        "pipeline": section("pipeline"),
        "inputs": inputs.iter().map(|i| serde_json::json!({
            "path": i.display,
            "format": i.options.format.map(|f| f.to_string()),
            "encoding": i.options.encoding,
            "delimiter": i.options.delimiter.map(String::from),
        })).collect::<Vec<_>>(),
        "fields": schema.fields.iter().map(|f| serde_json::json!({
            "name": f.name, "from": f.source, "type": f.ty.to_string(), "required": f.required,
        })).collect::<Vec<_>>(),
        // The training set's columns after any format stage (what the shards hold, after
        // `record_id`); projections of the manifest describe the data from this list.
        "output_fields": output_schema.fields.iter().map(|f| serde_json::json!({
            "name": f.name, "from": f.source, "type": f.ty.to_string(),
        })).collect::<Vec<_>>(),
        "stages": section("stages"),
        "output": section("output"),
        "gates": section("gates"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(text: &str) -> Result<Plan, Box<ConfigError>> {
        let dir = tempfile::tempdir().unwrap();
        fs_err::write(dir.path().join("a.jsonl"), "{}\n").unwrap();
        Plan::from_text("p.toml", text, dir.path(), &PlanOptions::default())
    }

    const GOOD: &str = r#"
[pipeline]
name = "ok"
[[inputs]]
path = "*.jsonl"
[fields]
text = { type = "string", required = true }
[[stages]]
kind = "dedup"
key = ["text"]
"#;

    #[test]
    fn a_good_pipeline_resolves_with_a_stable_digest() {
        let a = plan(GOOD).unwrap();
        let b = plan(GOOD).unwrap();
        assert_eq!(a.name, "ok");
        assert_eq!(a.inputs.len(), 1);
        assert_eq!(a.inputs[0].display, "a.jsonl");
        assert_eq!(a.stages.len(), 1);
        assert_eq!(a.sha256, b.sha256);
        let changed = plan(&GOOD.replace("required = true", "required = false")).unwrap();
        assert_ne!(a.sha256, changed.sha256);
    }

    #[test]
    fn errors_point_at_the_offending_line() {
        let cases = [
            (
                GOOD.replace("type = \"string\"", "type = \"strin\""),
                7,
                "strin",
            ),
            (
                GOOD.replace("key = [\"text\"]", "key = [\"body\"]"),
                8,
                "body",
            ),
            (
                GOOD.replace("kind = \"dedup\"", "kind = \"dedupe\""),
                9,
                "dedupe",
            ),
            (
                GOOD.replace("path = \"*.jsonl\"", "path = \"*.csv\""),
                4,
                "*.csv",
            ),
            (
                GOOD.replace("name = \"ok\"", "name = \"Not OK\""),
                3,
                "pipeline name",
            ),
            (
                GOOD.replace("[fields]", "[fields]\nrecord_id = { type = \"string\" }"),
                7,
                "reserved",
            ),
            (
                format!("{GOOD}\n[output]\nsplits = {{ train = 0.5 }}\n"),
                12,
                "output",
            ),
            (
                format!("{GOOD}\n[gates]\nmax_quarantine_rate = 2.0\n"),
                12,
                "max_quarantine_rate",
            ),
            (
                GOOD.replace("[pipeline]", "[pipeline]\ncolour = 1"),
                3,
                "colour",
            ),
        ];
        for (text, line, needle) in cases {
            let error = match plan(&text) {
                Ok(_) => panic!("expected an error mentioning {needle}"),
                Err(e) => e,
            };
            assert!(
                error.message.contains(needle),
                "{needle}: {}",
                error.message
            );
            assert_eq!(error.line(), Some(line), "{needle}: {}", error.message);
        }
    }

    #[test]
    fn input_override_replaces_the_pipeline_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let other = dir.path().join("other.jsonl");
        fs_err::write(&other, "{}\n").unwrap();
        let options = PlanOptions {
            inputs_override: vec![other.clone()],
        };
        let base = tempfile::tempdir().unwrap();
        fs_err::write(base.path().join("a.jsonl"), "{}\n").unwrap();
        let p = Plan::from_text("p.toml", GOOD, base.path(), &options).unwrap();
        assert_eq!(p.inputs.len(), 1);
        assert_eq!(p.inputs[0].path, other);
    }
}
