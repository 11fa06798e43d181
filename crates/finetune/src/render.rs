//! Writers of each target's files: JSONL lines, LLaMA-Factory's `dataset_info.json` entry and the
//! Hugging Face dataset card. Pure functions over the format stage's output; the caller writes
//! the bytes atomically.
//!
//! JSONL lines carry only the keys the target reads, in a fixed order; `keep` fields are left out
//! (OpenAI rejects unknown top-level keys) and travel in the Parquet / lineage outputs instead.

use crate::config::{FormatError, Shape};
use crate::target::Target;
use arrow::array::{Array, AsArray, RecordBatch, StringArray};
use serde::Serialize;
use serde_json::{Map, Value, json};
use sluice_core::{FieldSpec, FieldType, TargetSchema};
use std::fmt::Write as _;
use std::io::Write;

#[derive(Serialize)]
struct Message<'a> {
    role: Option<&'a str>,
    content: Option<&'a str>,
}

#[derive(Serialize)]
struct MessagesLine<'a> {
    messages: Vec<Message<'a>>,
}

#[derive(Serialize)]
struct ShareGptTurn<'a> {
    from: Option<&'a str>,
    value: Option<&'a str>,
}

#[derive(Serialize)]
struct ShareGptLine<'a> {
    conversations: Vec<ShareGptTurn<'a>>,
}

#[derive(Serialize)]
struct AlpacaLine<'a> {
    instruction: &'a str,
    input: &'a str,
    output: &'a str,
}

#[derive(Serialize)]
struct PromptCompletionLine<'a> {
    prompt: &'a str,
    completion: &'a str,
}

#[derive(Serialize)]
struct TextLine<'a> {
    text: &'a str,
}

/// The shape of a format stage's output, recognised from its columns.
pub fn shape_of(data: &RecordBatch) -> Result<Shape, FormatError> {
    let schema = data.schema();
    let has = |name: &str| schema.column_with_name(name).is_some();
    if has("messages") {
        Ok(Shape::Chat)
    } else if has("instruction") {
        Ok(Shape::Instruction)
    } else if has("prompt") {
        Ok(Shape::PromptCompletion)
    } else if has("text") {
        Ok(Shape::Text)
    } else {
        Err(FormatError::UnknownShape)
    }
}

/// LLaMA-Factory's ShareGPT speaker tags for sluice's roles; other roles pass through unchanged.
fn sharegpt_from(role: &str) -> &str {
    match role {
        "user" => "human",
        "assistant" => "gpt",
        "tool" | "tool_response" => "observation",
        "tool_call" => "function_call",
        other => other,
    }
}

fn string_column<'a>(
    data: &'a RecordBatch,
    column: &'static str,
) -> Result<&'a StringArray, FormatError> {
    data.column_by_name(column)
        .and_then(|c| c.as_string_opt::<i32>())
        .ok_or(FormatError::MissingColumn { column })
}

fn value<'a>(
    array: &'a StringArray,
    row: usize,
    column: &'static str,
) -> Result<&'a str, FormatError> {
    if array.is_null(row) {
        return Err(FormatError::NullValue { row, column });
    }
    Ok(array.value(row))
}

/// Writes `data` (a format stage's output) as the JSONL `target` expects, one line per row, and
/// returns the number of lines written.
///
/// Chat rows become `{"messages":[{"role","content"}]}` (LLaMA-Factory:
/// `{"conversations":[{"from","value"}]}`); instruction rows `{"instruction","input","output"}`;
/// prompt/completion rows `{"prompt","completion"}`; text rows `{"text"}`. A null role or content
/// (kept only under `on_incompatible = "warn"`) is written as JSON `null`.
pub fn render_jsonl(
    target: Target,
    data: &RecordBatch,
    out: &mut impl Write,
) -> Result<u64, FormatError> {
    if !target.wants_jsonl() {
        return Err(FormatError::NotJsonl(target));
    }
    let shape = shape_of(data)?;
    let accepted = target.rules().shapes;
    if !accepted.contains(&shape) {
        return Err(FormatError::ShapeNotSupported {
            target,
            shape,
            accepted: accepted
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let rows = data.num_rows();
    match shape {
        Shape::Chat => {
            let missing = FormatError::MissingColumn { column: "messages" };
            let list = data
                .column_by_name("messages")
                .and_then(|c| c.as_list_opt::<i32>())
                .ok_or(missing)?;
            let items = list
                .values()
                .as_struct_opt()
                .ok_or(FormatError::MissingColumn { column: "messages" })?;
            let child = |name: &'static str| {
                items
                    .column_by_name(name)
                    .and_then(|c| c.as_string_opt::<i32>())
                    .ok_or(FormatError::MissingColumn { column: name })
            };
            let (roles, contents) = (child("role")?, child("content")?);
            let get = |array: &'_ StringArray, i: usize| -> Option<String> {
                (items.is_valid(i) && array.is_valid(i)).then(|| array.value(i).to_owned())
            };
            let offsets = list.value_offsets();
            for row in 0..rows {
                if list.is_null(row) {
                    return Err(FormatError::NullValue {
                        row,
                        column: "messages",
                    });
                }
                let turns: Vec<(Option<String>, Option<String>)> = (offsets[row] as usize
                    ..offsets[row + 1] as usize)
                    .map(|i| (get(roles, i), get(contents, i)))
                    .collect();
                if target == Target::LlamaFactory {
                    let line = ShareGptLine {
                        conversations: turns
                            .iter()
                            .map(|(role, content)| ShareGptTurn {
                                from: role.as_deref().map(sharegpt_from),
                                value: content.as_deref(),
                            })
                            .collect(),
                    };
                    serde_json::to_writer(&mut *out, &line)?;
                } else {
                    let line = MessagesLine {
                        messages: turns
                            .iter()
                            .map(|(role, content)| Message {
                                role: role.as_deref(),
                                content: content.as_deref(),
                            })
                            .collect(),
                    };
                    serde_json::to_writer(&mut *out, &line)?;
                }
                out.write_all(b"\n")?;
            }
        }
        Shape::Instruction => {
            let (i, n, o) = (
                string_column(data, "instruction")?,
                string_column(data, "input")?,
                string_column(data, "output")?,
            );
            for row in 0..rows {
                let line = AlpacaLine {
                    instruction: value(i, row, "instruction")?,
                    input: value(n, row, "input")?,
                    output: value(o, row, "output")?,
                };
                serde_json::to_writer(&mut *out, &line)?;
                out.write_all(b"\n")?;
            }
        }
        Shape::PromptCompletion => {
            let (p, c) = (
                string_column(data, "prompt")?,
                string_column(data, "completion")?,
            );
            for row in 0..rows {
                let line = PromptCompletionLine {
                    prompt: value(p, row, "prompt")?,
                    completion: value(c, row, "completion")?,
                };
                serde_json::to_writer(&mut *out, &line)?;
                out.write_all(b"\n")?;
            }
        }
        Shape::Text => {
            let t = string_column(data, "text")?;
            for row in 0..rows {
                let line = TextLine {
                    text: value(t, row, "text")?,
                };
                serde_json::to_writer(&mut *out, &line)?;
                out.write_all(b"\n")?;
            }
        }
    }
    Ok(rows as u64)
}

/// The `dataset_info.json` content registering `files` (paths relative to LLaMA-Factory's
/// `dataset_dir`) under `name`: one entry for one file, else one per file named
/// `<name>_<file stem>` (LLaMA-Factory's `file_name` takes a single file or a directory).
pub fn llamafactory_dataset_info(name: &str, shape: Shape, files: &[String]) -> Value {
    let mut info = Map::new();
    for (index, file) in files.iter().enumerate() {
        let mut entry = Map::new();
        entry.insert("file_name".to_owned(), json!(file));
        match shape {
            Shape::Chat => {
                entry.insert("formatting".to_owned(), json!("sharegpt"));
                entry.insert("columns".to_owned(), json!({"messages": "conversations"}));
                entry.insert(
                    "tags".to_owned(),
                    json!({
                        "role_tag": "from",
                        "content_tag": "value",
                        "user_tag": "human",
                        "assistant_tag": "gpt",
                        "observation_tag": "observation",
                        "function_tag": "function_call",
                        "system_tag": "system"
                    }),
                );
            }
            Shape::Instruction => {
                entry.insert("formatting".to_owned(), json!("alpaca"));
                entry.insert(
                    "columns".to_owned(),
                    json!({"prompt": "instruction", "query": "input", "response": "output"}),
                );
            }
            Shape::PromptCompletion => {
                entry.insert("formatting".to_owned(), json!("alpaca"));
                entry.insert(
                    "columns".to_owned(),
                    json!({"prompt": "prompt", "response": "completion"}),
                );
            }
            // Pre-training data: LLaMA-Factory reads the text from the `prompt` column mapping.
            Shape::Text => {
                entry.insert("formatting".to_owned(), json!("alpaca"));
                entry.insert("columns".to_owned(), json!({"prompt": "text"}));
            }
        }
        let key = if files.len() == 1 {
            name.to_owned()
        } else {
            let base = file.rsplit('/').next().unwrap_or(file);
            let stem = base.split('.').next().unwrap_or(base);
            let mut key = format!("{name}_{stem}");
            if info.contains_key(&key) {
                key = format!("{key}_{index}");
            }
            key
        };
        info.insert(key, Value::Object(entry));
    }
    Value::Object(info)
}

/// The schema of a shape's columns alone (no `keep` fields).
fn shape_schema(shape: Shape) -> TargetSchema {
    TargetSchema {
        fields: shape_fields(shape),
    }
}

/// The fields a shape produces, in order: `messages` for chat, plain strings otherwise.
pub(crate) fn shape_fields(shape: Shape) -> Vec<FieldSpec> {
    shape
        .columns()
        .iter()
        .map(|name| FieldSpec {
            name: (*name).to_owned(),
            source: (*name).to_owned(),
            ty: if shape == Shape::Chat {
                FieldType::messages()
            } else {
                FieldType::String
            },
            required: false,
        })
        .collect()
}

/// A Hugging Face dataset card (README.md) for a dataset of `shape` with no extra columns; see
/// [`hf_dataset_card_for_schema`] when `keep` fields are exported too.
pub fn hf_dataset_card(
    name: &str,
    description: &str,
    shape: Shape,
    splits: &[(String, Vec<String>, u64)],
) -> String {
    hf_dataset_card_for_schema(name, description, &shape_schema(shape), splits)
}

/// A Hugging Face dataset card whose YAML front matter declares `configs` (the `data_files` of
/// each split: `(split, shard paths, rows)`) and `dataset_info` (features of `schema`, split
/// sizes), so `datasets.load_dataset` needs no inference.
pub fn hf_dataset_card_for_schema(
    name: &str,
    description: &str,
    schema: &TargetSchema,
    splits: &[(String, Vec<String>, u64)],
) -> String {
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned());
    let mut out = String::new();
    // Writing to a String cannot fail; `let _` keeps clippy quiet about the Result.
    let _ = writeln!(out, "---");
    let _ = writeln!(out, "pretty_name: {}", quote(name));
    let _ = writeln!(out, "configs:");
    let _ = writeln!(out, "- config_name: default");
    let _ = writeln!(out, "  data_files:");
    for (split, files, _) in splits {
        let _ = writeln!(out, "  - split: {}", quote(split));
        let _ = writeln!(out, "    path:");
        for file in files {
            let _ = writeln!(out, "    - {}", quote(file));
        }
    }
    let _ = writeln!(out, "dataset_info:");
    let _ = writeln!(out, "  config_name: default");
    let _ = writeln!(out, "  features:");
    for field in &schema.fields {
        let _ = writeln!(out, "  - name: {}", quote(&field.name));
        write_feature(&mut out, &field.ty, "    ", &quote);
    }
    let _ = writeln!(out, "  splits:");
    for (split, _, rows) in splits {
        let _ = writeln!(out, "  - name: {}", quote(split));
        let _ = writeln!(out, "    num_examples: {rows}");
    }
    let _ = writeln!(out, "---");
    let _ = writeln!(out);
    let _ = writeln!(out, "# {name}");
    let _ = writeln!(out);
    if !description.trim().is_empty() {
        let _ = writeln!(out, "{}", description.trim_end());
        let _ = writeln!(out);
    }
    let columns: Vec<String> = schema
        .fields
        .iter()
        .map(|f| format!("`{}` ({})", f.name, f.ty))
        .collect();
    let _ = writeln!(out, "Columns: {}.", columns.join(", "));
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Produced by sluice; the lineage manifest next to the data records its inputs, \
         redactions and removals."
    );
    out
}

fn dtype(ty: &FieldType) -> Option<&'static str> {
    match ty {
        FieldType::String => Some("string"),
        FieldType::Int64 => Some("int64"),
        FieldType::Float64 => Some("float64"),
        FieldType::Bool => Some("bool"),
        _ => None,
    }
}

/// The `datasets` YAML feature of `ty`, as the lines under a `- name:` entry.
fn write_feature(out: &mut String, ty: &FieldType, indent: &str, quote: &dyn Fn(&str) -> String) {
    let deeper = format!("{indent}  ");
    match ty {
        FieldType::List(inner) => match inner.as_ref() {
            FieldType::Struct(children) => {
                let _ = writeln!(out, "{indent}list:");
                write_children(out, children, indent, quote);
            }
            scalar if dtype(scalar).is_some() => {
                let _ = writeln!(
                    out,
                    "{indent}sequence: {}",
                    dtype(scalar).unwrap_or("string")
                );
            }
            nested => {
                let _ = writeln!(out, "{indent}sequence:");
                write_feature(out, nested, &deeper, quote);
            }
        },
        FieldType::Struct(children) => {
            let _ = writeln!(out, "{indent}struct:");
            write_children(out, children, indent, quote);
        }
        scalar => {
            let _ = writeln!(out, "{indent}dtype: {}", dtype(scalar).unwrap_or("string"));
        }
    }
}

fn write_children(
    out: &mut String,
    children: &[(String, FieldType)],
    indent: &str,
    quote: &dyn Fn(&str) -> String,
) {
    let deeper = format!("{indent}  ");
    for (name, ty) in children {
        let _ = writeln!(out, "{indent}- name: {}", quote(name));
        write_feature(out, ty, &deeper, quote);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{ArrayRef, ListArray, StructArray};
    use arrow::buffer::OffsetBuffer;
    use arrow::datatypes::DataType;
    use std::sync::Arc;

    fn chat_data(rows: &[&[(&str, &str)]]) -> RecordBatch {
        let DataType::List(item) = FieldType::messages().to_arrow() else {
            panic!("messages is a list");
        };
        let DataType::Struct(fields) = item.data_type().clone() else {
            panic!("of structs");
        };
        let roles: Vec<&str> = rows.iter().flat_map(|r| r.iter().map(|t| t.0)).collect();
        let contents: Vec<&str> = rows.iter().flat_map(|r| r.iter().map(|t| t.1)).collect();
        let values = StructArray::try_new(
            fields,
            vec![
                Arc::new(StringArray::from(roles)) as ArrayRef,
                Arc::new(StringArray::from(contents)) as ArrayRef,
            ],
            None,
        )
        .expect("struct");
        let list = ListArray::try_new(
            item,
            OffsetBuffer::from_lengths(rows.iter().map(|r| r.len())),
            Arc::new(values),
            None,
        )
        .expect("list");
        RecordBatch::try_from_iter([("messages", Arc::new(list) as ArrayRef)]).expect("batch")
    }

    fn strings(columns: &[(&str, &[&str])]) -> RecordBatch {
        RecordBatch::try_from_iter(columns.iter().map(|(name, values)| {
            (
                *name,
                Arc::new(StringArray::from(values.to_vec())) as ArrayRef,
            )
        }))
        .expect("batch")
    }

    fn render(target: Target, data: &RecordBatch) -> String {
        let mut out = Vec::new();
        let n = render_jsonl(target, data, &mut out).expect("renders");
        assert_eq!(n, data.num_rows() as u64);
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn chat_lines_for_api_targets_keep_utf8() {
        let data = chat_data(&[&[("system", "s"), ("user", "你好"), ("assistant", "a\"b")]]);
        let expected = "{\"messages\":[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"user\",\"content\":\"你好\"},{\"role\":\"assistant\",\"content\":\"a\\\"b\"}]}\n";
        for target in [
            Target::OpenAi,
            Target::Bailian,
            Target::MsSwift,
            Target::Trl,
        ] {
            assert_eq!(render(target, &data), expected, "{target}");
        }
    }

    #[test]
    fn llamafactory_chat_is_sharegpt() {
        let data = chat_data(&[
            &[("user", "q"), ("assistant", "a")],
            &[("system", "s"), ("user", "q2"), ("assistant", "a2")],
        ]);
        assert_eq!(
            render(Target::LlamaFactory, &data),
            "{\"conversations\":[{\"from\":\"human\",\"value\":\"q\"},{\"from\":\"gpt\",\"value\":\"a\"}]}\n\
             {\"conversations\":[{\"from\":\"system\",\"value\":\"s\"},{\"from\":\"human\",\"value\":\"q2\"},{\"from\":\"gpt\",\"value\":\"a2\"}]}\n"
        );
    }

    #[test]
    fn field_shapes() {
        let alpaca = strings(&[
            ("instruction", &["i"]),
            ("input", &[""]),
            ("output", &["o"]),
            ("ticket_id", &["T-1"]),
        ]);
        assert_eq!(
            render(Target::LlamaFactory, &alpaca),
            "{\"instruction\":\"i\",\"input\":\"\",\"output\":\"o\"}\n"
        );
        let pc = strings(&[("prompt", &["p"]), ("completion", &["c"])]);
        assert_eq!(
            render(Target::Trl, &pc),
            "{\"prompt\":\"p\",\"completion\":\"c\"}\n"
        );
        let text = strings(&[("text", &["t1", "t2"])]);
        assert_eq!(
            render(Target::Trl, &text),
            "{\"text\":\"t1\"}\n{\"text\":\"t2\"}\n"
        );
    }

    #[test]
    fn unsupported_combinations_are_errors() {
        let alpaca = strings(&[
            ("instruction", &["i"]),
            ("input", &[""]),
            ("output", &["o"]),
        ]);
        let mut out = Vec::new();
        assert!(matches!(
            render_jsonl(Target::OpenAi, &alpaca, &mut out),
            Err(FormatError::ShapeNotSupported { .. })
        ));
        assert!(matches!(
            render_jsonl(Target::Hf, &alpaca, &mut out),
            Err(FormatError::NotJsonl(Target::Hf))
        ));
        let other = strings(&[("body", &["b"])]);
        assert!(matches!(
            render_jsonl(Target::Trl, &other, &mut out),
            Err(FormatError::UnknownShape)
        ));
        assert!(out.is_empty());
    }

    #[test]
    fn null_value_error_names_row_and_column_only() {
        let data = RecordBatch::try_from_iter([(
            "text",
            Arc::new(StringArray::from(vec![Some("SECRET-1"), None])) as ArrayRef,
        )])
        .expect("batch");
        let mut out = Vec::new();
        let err = render_jsonl(Target::Trl, &data, &mut out).expect_err("null");
        assert_eq!(err.to_string(), "cannot render: row 1: `text` is null");
    }

    #[test]
    fn dataset_info_entries() {
        let one = llamafactory_dataset_info("tickets", Shape::Chat, &["llamafactory.jsonl".into()]);
        assert_eq!(one["tickets"]["formatting"], "sharegpt");
        assert_eq!(one["tickets"]["file_name"], "llamafactory.jsonl");
        assert_eq!(one["tickets"]["columns"]["messages"], "conversations");
        assert_eq!(one["tickets"]["tags"]["assistant_tag"], "gpt");
        let two = llamafactory_dataset_info(
            "tickets",
            Shape::Instruction,
            &["train/llamafactory.jsonl".into(), "validation.jsonl".into()],
        );
        assert_eq!(two["tickets_llamafactory"]["columns"]["query"], "input");
        assert_eq!(two["tickets_validation"]["formatting"], "alpaca");
        let text = llamafactory_dataset_info("corpus", Shape::Text, &["t.jsonl".into()]);
        assert_eq!(text["corpus"]["columns"]["prompt"], "text");
    }

    #[test]
    fn dataset_card_front_matter() {
        let card = hf_dataset_card(
            "support-tickets",
            "Synthetic support tickets.",
            Shape::Chat,
            &[
                (
                    "train".into(),
                    vec!["data/train-00000-of-00001.parquet".into()],
                    90,
                ),
                (
                    "validation".into(),
                    vec!["data/validation-00000-of-00001.parquet".into()],
                    10,
                ),
            ],
        );
        let expected_head = "---\npretty_name: \"support-tickets\"\nconfigs:\n- config_name: default\n  data_files:\n  - split: \"train\"\n    path:\n    - \"data/train-00000-of-00001.parquet\"\n  - split: \"validation\"\n    path:\n    - \"data/validation-00000-of-00001.parquet\"\ndataset_info:\n  config_name: default\n  features:\n  - name: \"messages\"\n    list:\n    - name: \"role\"\n      dtype: string\n    - name: \"content\"\n      dtype: string\n  splits:\n  - name: \"train\"\n    num_examples: 90\n  - name: \"validation\"\n    num_examples: 10\n---\n";
        assert!(card.starts_with(expected_head), "{card}");
        assert!(card.contains("Synthetic support tickets."));
    }

    #[test]
    fn dataset_card_with_keep_fields() {
        let schema = TargetSchema::of([
            ("text", FieldType::String),
            ("tags", FieldType::List(Box::new(FieldType::String))),
            ("score", FieldType::Float64),
        ]);
        let card = hf_dataset_card_for_schema("c", "", &schema, &[]);
        assert!(
            card.contains("  - name: \"tags\"\n    sequence: string\n"),
            "{card}"
        );
        assert!(
            card.contains("  - name: \"score\"\n    dtype: float64\n"),
            "{card}"
        );
    }
}
