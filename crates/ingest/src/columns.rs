//! Kept rows to Arrow columns.
//!
//! Rows arrive already coerced to their declared types (see `coerce`), so every value has
//! exactly its field's shape and the columns are built straight from the values, field by field,
//! instead of serialising the rows into a JSON tape and decoding that again. A value of any other
//! shape is an error (a bug upstream), never a silent null.

use arrow::array::{
    ArrayRef, BooleanArray, Float64Array, Int64Array, ListArray, RecordBatch, StringArray,
    StructArray,
};
use arrow::buffer::{NullBuffer, OffsetBuffer};
use arrow::datatypes::{DataType, SchemaRef};
use arrow::error::ArrowError;
use serde_json::Value;
use sluice_core::{FieldSpec, FieldType};
use std::sync::Arc;

/// `rows` (JSON objects keyed by field name, values coerced to `fields`' types) as a batch of
/// `schema`, which is the Arrow schema of `fields`.
pub(crate) fn rows_to_batch(
    schema: &SchemaRef,
    fields: &[FieldSpec],
    rows: &[Value],
) -> Result<RecordBatch, ArrowError> {
    let columns = fields
        .iter()
        .zip(schema.fields())
        .map(|(spec, field)| {
            let values: Vec<Option<&Value>> = rows
                .iter()
                .map(|row| present(row.get(spec.name.as_str())))
                .collect();
            column(&spec.ty, field.data_type(), &values)
        })
        .collect::<Result<Vec<_>, _>>()?;
    RecordBatch::try_new(schema.clone(), columns)
}

/// A value that is there and not null.
fn present(value: Option<&Value>) -> Option<&Value> {
    value.filter(|v| !v.is_null())
}

fn shape_error(expected: &FieldType, found: &Value) -> ArrowError {
    ArrowError::InvalidArgumentError(format!(
        "a coerced value of type {expected} holds a JSON {}",
        crate::coerce::json_type(found)
    ))
}

/// One column (or nested child) of type `ty` stored as `data_type`.
fn column(
    ty: &FieldType,
    data_type: &DataType,
    values: &[Option<&Value>],
) -> Result<ArrayRef, ArrowError> {
    // Each scalar: the value read as its type, or the shape error.
    fn scalars<'v, T>(
        ty: &FieldType,
        values: &[Option<&'v Value>],
        read: impl Fn(&'v Value) -> Option<T>,
    ) -> Result<Vec<Option<T>>, ArrowError> {
        values
            .iter()
            .map(|v| match v {
                None => Ok(None),
                Some(v) => read(v).map(Some).ok_or_else(|| shape_error(ty, v)),
            })
            .collect()
    }
    Ok(match (ty, data_type) {
        (FieldType::String, _) => Arc::new(StringArray::from(scalars(ty, values, Value::as_str)?)),
        (FieldType::Int64, _) => Arc::new(Int64Array::from(scalars(ty, values, Value::as_i64)?)),
        (FieldType::Float64, _) => {
            Arc::new(Float64Array::from(scalars(ty, values, Value::as_f64)?))
        }
        (FieldType::Bool, _) => Arc::new(BooleanArray::from(scalars(ty, values, Value::as_bool)?)),
        (FieldType::List(inner), DataType::List(item)) => {
            let mut lengths = Vec::with_capacity(values.len());
            let mut items: Vec<Option<&Value>> = Vec::new();
            for value in values {
                match value {
                    None => lengths.push(0),
                    Some(Value::Array(list)) => {
                        lengths.push(list.len());
                        items.extend(list.iter().map(|v| present(Some(v))));
                    }
                    Some(other) => return Err(shape_error(ty, other)),
                }
            }
            let child = column(inner, item.data_type(), &items)?;
            Arc::new(ListArray::try_new(
                item.clone(),
                OffsetBuffer::from_lengths(lengths),
                child,
                nulls(values),
            )?)
        }
        (FieldType::Struct(children), DataType::Struct(fields)) => {
            let mut columns = Vec::with_capacity(children.len());
            for ((name, child_ty), field) in children.iter().zip(fields.iter()) {
                let child_values = values
                    .iter()
                    .map(|value| match value {
                        None => Ok(None),
                        Some(Value::Object(object)) => Ok(present(object.get(name))),
                        Some(other) => Err(shape_error(ty, other)),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                columns.push(column(child_ty, field.data_type(), &child_values)?);
            }
            Arc::new(StructArray::try_new(
                fields.clone(),
                columns,
                nulls(values),
            )?)
        }
        (_, other) => {
            return Err(ArrowError::InvalidArgumentError(format!(
                "field type {ty} is stored as {other}"
            )));
        }
    })
}

/// The validity of `values`, or none when every value is there (as Arrow's own builders do).
fn nulls(values: &[Option<&Value>]) -> Option<NullBuffer> {
    let buffer = NullBuffer::from_iter(values.iter().map(Option::is_some));
    (buffer.null_count() > 0).then_some(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;
    use sluice_core::TargetSchema;

    fn schema() -> TargetSchema {
        let field = |name: &str, ty: &str| FieldSpec {
            name: name.into(),
            source: name.into(),
            ty: FieldType::parse(ty).unwrap(),
            required: false,
        };
        TargetSchema {
            fields: vec![
                field("s", "string"),
                field("i", "int64"),
                field("f", "float64"),
                field("b", "bool"),
                field("messages", "list<struct<role: string, content: string>>"),
                field("tags", "list<string>"),
                field(
                    "meta",
                    "struct<n: int64, names: list<string>, inner: struct<x: bool>>",
                ),
            ],
        }
    }

    fn via_json_decoder(schema: &TargetSchema, rows: &[Value]) -> RecordBatch {
        let mut decoder = arrow::json::ReaderBuilder::new(schema.arrow_schema())
            .with_batch_size(rows.len().max(1))
            .build_decoder()
            .unwrap();
        decoder.serialize(rows).unwrap();
        decoder
            .flush()
            .unwrap()
            .unwrap_or_else(|| RecordBatch::new_empty(schema.arrow_schema()))
    }

    fn text() -> impl Strategy<Value = Option<String>> {
        proptest::option::of("[a-z中 ]{0,6}")
    }

    fn row() -> impl Strategy<Value = Value> {
        let turn =
            (text(), text()).prop_map(|(role, content)| json!({"role": role, "content": content}));
        let meta = proptest::option::of((
            proptest::option::of(any::<i64>()),
            proptest::option::of(proptest::collection::vec(text(), 0..3)),
            proptest::option::of(proptest::option::of(any::<bool>())),
        ))
        .prop_map(|meta| match meta {
            None => Value::Null,
            Some((n, names, inner)) => json!({
                "n": n,
                "names": names,
                "inner": inner.map(|x| json!({"x": x})),
            }),
        });
        (
            text(),
            proptest::option::of(any::<i64>()),
            proptest::option::of(-1e12f64..1e12),
            proptest::option::of(any::<bool>()),
            proptest::option::of(proptest::collection::vec(turn, 0..3)),
            proptest::option::of(proptest::collection::vec(text(), 0..3)),
            meta,
        )
            .prop_map(|(s, i, f, b, messages, tags, meta)| {
                json!({"s": s, "i": i, "f": f, "b": b, "messages": messages, "tags": tags, "meta": meta})
            })
    }

    proptest! {
        /// The columns equal what Arrow's JSON decoder makes of the same coerced rows.
        #[test]
        fn equals_the_json_decoder(rows in proptest::collection::vec(row(), 0..12)) {
            let schema = schema();
            let direct = rows_to_batch(&schema.arrow_schema(), &schema.fields, &rows).unwrap();
            prop_assert_eq!(direct, via_json_decoder(&schema, &rows));
        }
    }

    #[test]
    fn a_value_of_the_wrong_shape_is_an_error() {
        let schema = schema();
        let rows = vec![json!({"i": "seven"})];
        assert!(rows_to_batch(&schema.arrow_schema(), &schema.fields, &rows).is_err());
        let rows = vec![json!({"messages": {"role": "user"}})];
        assert!(rows_to_batch(&schema.arrow_schema(), &schema.fields, &rows).is_err());
    }
}
