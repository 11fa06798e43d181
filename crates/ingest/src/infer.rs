//! Schema inference for reading files no pipeline describes (`sluice scan`).
//!
//! CSV/TSV: every header column as text. Parquet: the file's own columns, mapped to sluice's type
//! grammar (columns of other types are left out). JSONL: the union of the top-level keys of every
//! record, each typed from the values seen; scalars become text (numbers by their text), arrays
//! become lists and objects structs, recursively. Keys are ordered by first appearance, so the
//! result is deterministic.

use crate::decompress::decompress;
use crate::delimited::header_names;
use crate::error::IngestError;
use crate::format::InputFormat;
use crate::options::InputOptions;
use crate::read::{delimiter_for, resolve_format};
use crate::text::Text;
use arrow::datatypes::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;
use sluice_core::{FieldSpec, FieldType, TargetSchema};
use std::path::Path;

/// Infers a schema under which every field of the file at `path` can be read.
pub fn infer_schema(path: &Path, opts: &InputOptions) -> Result<TargetSchema, IngestError> {
    let raw = fs_err::read(path).map_err(|source| IngestError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let (format, compression) = resolve_format(path, opts, &raw)?;
    let fields: Vec<(String, FieldType)> = match format {
        InputFormat::Parquet => {
            let builder = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(raw))
                .map_err(|source| IngestError::Parquet {
                    path: path.to_path_buf(),
                    source,
                })?;
            builder
                .schema()
                .fields()
                .iter()
                .filter_map(|f| from_arrow(f.data_type()).map(|t| (f.name().clone(), t)))
                .collect()
        }
        InputFormat::Csv | InputFormat::Tsv | InputFormat::Jsonl => {
            let delimiter = delimiter_for(path, format, opts)?;
            let data = decompress(raw, compression, path)?;
            let text = Text::decode(data, opts.encoding.as_deref(), path)?;
            match delimiter {
                Some(d) => header_names(&text, d, path)?
                    .into_iter()
                    .map(|name| (name, FieldType::String))
                    .collect(),
                None => infer_jsonl(&String::from_utf8_lossy(text.bytes())),
            }
        }
    };
    let mut seen = std::collections::BTreeSet::new();
    Ok(TargetSchema {
        fields: fields
            .into_iter()
            .filter(|(name, _)| !name.is_empty() && seen.insert(name.clone()))
            .map(|(name, ty)| FieldSpec {
                source: name.clone(),
                name,
                ty,
                required: false,
            })
            .collect(),
    })
}

fn from_arrow(ty: &DataType) -> Option<FieldType> {
    match ty {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Some(FieldType::String),
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => {
            Some(FieldType::Int64)
        }
        DataType::UInt8 | DataType::UInt16 | DataType::UInt32 => Some(FieldType::Int64),
        DataType::Float16 | DataType::Float32 | DataType::Float64 => Some(FieldType::Float64),
        DataType::Boolean => Some(FieldType::Bool),
        DataType::List(f) | DataType::LargeList(f) => {
            from_arrow(f.data_type()).map(|t| FieldType::List(Box::new(t)))
        }
        DataType::Struct(children) => {
            let typed: Vec<(String, FieldType)> = children
                .iter()
                .filter_map(|c| from_arrow(c.data_type()).map(|t| (c.name().clone(), t)))
                .collect();
            (!typed.is_empty()).then_some(FieldType::Struct(typed))
        }
        _ => None,
    }
}

/// What the values of one key looked like so far.
#[derive(Debug, Clone, PartialEq)]
enum Shape {
    Scalar,
    List(Box<Option<Shape>>),
    Object(Vec<(String, Shape)>),
}

fn shape_of(value: &Value) -> Option<Shape> {
    match value {
        Value::Null => None,
        Value::Array(items) => {
            let mut inner: Option<Shape> = None;
            for item in items {
                inner = merge(inner, shape_of(item));
            }
            Some(Shape::List(Box::new(inner)))
        }
        Value::Object(map) => {
            let mut children: Vec<(String, Shape)> = Vec::new();
            for (k, v) in map {
                if let Some(s) = shape_of(v) {
                    children.push((k.clone(), s));
                }
            }
            Some(Shape::Object(children))
        }
        _ => Some(Shape::Scalar),
    }
}

/// Combines two observations. A structured shape wins over a scalar one (a stray string where
/// other rows have a list is the odd row out, reported as a type mismatch when read); a list
/// against an object falls back to text.
fn merge(a: Option<Shape>, b: Option<Shape>) -> Option<Shape> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(Shape::List(x)), Some(Shape::List(y))) => Some(Shape::List(Box::new(merge(*x, *y)))),
        (Some(Shape::Object(mut x)), Some(Shape::Object(y))) => {
            for (k, v) in y {
                match x.iter_mut().find(|(n, _)| *n == k) {
                    Some(slot) => {
                        slot.1 = merge(Some(slot.1.clone()), Some(v)).unwrap_or(Shape::Scalar)
                    }
                    None => x.push((k, v)),
                }
            }
            Some(Shape::Object(x))
        }
        (Some(Shape::Scalar), Some(y)) => Some(y),
        (Some(x), Some(Shape::Scalar)) => Some(x),
        _ => Some(Shape::Scalar),
    }
}

fn to_type(shape: Option<Shape>) -> FieldType {
    match shape {
        None | Some(Shape::Scalar) => FieldType::String,
        Some(Shape::List(inner)) => FieldType::List(Box::new(to_type(*inner))),
        Some(Shape::Object(children)) if children.is_empty() => FieldType::String,
        Some(Shape::Object(children)) => FieldType::Struct(
            children
                .into_iter()
                .map(|(k, s)| (k, to_type(Some(s))))
                .collect(),
        ),
    }
}

fn infer_jsonl(text: &str) -> Vec<(String, FieldType)> {
    let mut keys: Vec<(String, Option<Shape>)> = Vec::new();
    for line in text.lines() {
        let Ok(Value::Object(map)) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        for (k, v) in &map {
            let shape = shape_of(v);
            match keys.iter_mut().find(|(n, _)| n == k) {
                Some(slot) => slot.1 = merge(slot.1.take(), shape),
                None => keys.push((k.clone(), shape)),
            }
        }
    }
    keys.into_iter().map(|(k, s)| (k, to_type(s))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonl_keys_are_unioned_and_typed() {
        let text = "{\"id\": 1, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n\
                    not json\n{\"id\": \"x\", \"extra\": {\"a\": 2}, \"tags\": [\"a\"]}\n";
        let fields = infer_jsonl(text);
        let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["id", "messages", "extra", "tags"]);
        assert_eq!(fields[0].1, FieldType::String);
        assert_eq!(fields[1].1, FieldType::messages());
        assert_eq!(fields[2].1.to_string(), "struct<a: string>");
        assert_eq!(fields[3].1.to_string(), "list<string>");
    }

    #[test]
    fn conflicting_shapes_fall_back_to_text_and_structure_beats_scalars() {
        let fields = infer_jsonl("{\"a\": [1]}\n{\"a\": {\"b\": 1}}\n");
        assert_eq!(fields[0].1, FieldType::String);
        let fields = infer_jsonl("{\"a\": \"x\"}\n{\"a\": [\"y\"]}\n");
        assert_eq!(fields[0].1.to_string(), "list<string>");
    }

    #[test]
    fn csv_headers_become_text_fields() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        fs_err::write(&path, "name,phone\nx,1\n").unwrap();
        let schema = infer_schema(&path, &InputOptions::default()).unwrap();
        assert_eq!(schema.fields.len(), 2);
        assert_eq!(schema.fields[1].source, "phone");
    }
}
