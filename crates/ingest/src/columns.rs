//! Kept rows to Arrow columns.
//!
//! Rows arrive already coerced to their declared types (see `coerce`), so every cell has
//! exactly its field's shape and the columns are built straight from the cells, field by field,
//! instead of serialising the rows into a JSON tape and decoding that again. A cell of any other
//! shape is an error (a bug upstream), never a silent null.

use crate::cell::Cell;
use arrow::array::{
    ArrayRef, BooleanArray, Float64Array, Int64Array, ListArray, RecordBatch, StringArray,
    StructArray,
};
use arrow::buffer::{NullBuffer, OffsetBuffer};
use arrow::datatypes::{DataType, SchemaRef};
use arrow::error::ArrowError;
use sluice_core::{FieldSpec, FieldType};
use std::sync::Arc;

/// `rows` (one cell per field of `fields`, in order, coerced to the fields' types) as a batch
/// of `schema`, which is the Arrow schema of `fields`.
pub(crate) fn rows_to_batch(
    schema: &SchemaRef,
    fields: &[FieldSpec],
    rows: &[Vec<Cell>],
) -> Result<RecordBatch, ArrowError> {
    let columns = fields
        .iter()
        .zip(schema.fields())
        .enumerate()
        .map(|(i, (spec, field))| {
            let values: Vec<Option<&Cell>> = rows.iter().map(|row| present(row.get(i))).collect();
            column(&spec.ty, field.data_type(), &values)
        })
        .collect::<Result<Vec<_>, _>>()?;
    RecordBatch::try_new(schema.clone(), columns)
}

/// A cell that is there and not null.
fn present(cell: Option<&Cell>) -> Option<&Cell> {
    cell.filter(|c| !c.is_null())
}

fn shape_error(expected: &FieldType, found: &Cell) -> ArrowError {
    ArrowError::InvalidArgumentError(format!(
        "a coerced value of type {expected} holds {}",
        match found {
            Cell::Null => "null",
            Cell::Bool(_) => "a bool",
            Cell::Int(_) => "an int64",
            Cell::Float(_) => "a float64",
            Cell::Str(_) => "a string",
            Cell::List(_) => "a list",
            Cell::Struct(_) => "a struct",
        }
    ))
}

/// One column (or nested child) of type `ty` stored as `data_type`.
fn column(
    ty: &FieldType,
    data_type: &DataType,
    values: &[Option<&Cell>],
) -> Result<ArrayRef, ArrowError> {
    // Each scalar: the cell read as its type, or the shape error.
    fn scalars<'v, T>(
        ty: &FieldType,
        values: &[Option<&'v Cell>],
        read: impl Fn(&'v Cell) -> Option<T>,
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
        (FieldType::String, _) => Arc::new(StringArray::from(scalars(ty, values, |c| match c {
            Cell::Str(s) => Some(s.as_str()),
            _ => None,
        })?)),
        (FieldType::Int64, _) => Arc::new(Int64Array::from(scalars(ty, values, |c| match c {
            Cell::Int(i) => Some(*i),
            _ => None,
        })?)),
        (FieldType::Float64, _) => {
            Arc::new(Float64Array::from(scalars(ty, values, |c| match c {
                Cell::Float(f) => Some(*f),
                _ => None,
            })?))
        }
        (FieldType::Bool, _) => Arc::new(BooleanArray::from(scalars(ty, values, |c| match c {
            Cell::Bool(b) => Some(*b),
            _ => None,
        })?)),
        (FieldType::List(inner), DataType::List(item)) => {
            let mut lengths = Vec::with_capacity(values.len());
            let mut items: Vec<Option<&Cell>> = Vec::new();
            for value in values {
                match value {
                    None => lengths.push(0),
                    Some(Cell::List(list)) => {
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
            for (i, ((_, child_ty), field)) in children.iter().zip(fields.iter()).enumerate() {
                let child_values = values
                    .iter()
                    .map(|value| match value {
                        None => Ok(None),
                        Some(Cell::Struct(cells)) => Ok(present(cells.get(i))),
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
fn nulls(values: &[Option<&Cell>]) -> Option<NullBuffer> {
    let buffer = NullBuffer::from_iter(values.iter().map(Option::is_some));
    (buffer.null_count() > 0).then_some(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::{lookup_path, map_fields};
    use crate::strict_json::{Json, parse_strict};
    use proptest::prelude::*;
    use serde_json::{Value, json};
    use sluice_core::TargetSchema;

    /// The JSON rows as cells, the way ingest makes them: parsed, looked up and coerced.
    fn cells(schema: &TargetSchema, rows: &[Value]) -> Vec<Vec<Cell>> {
        rows.iter()
            .map(|row| {
                let text = row.to_string();
                let Ok(Json::Object(object)) = parse_strict(&text) else {
                    panic!("rows are objects")
                };
                map_fields(&schema.fields, |_, spec| lookup_path(&object, spec)).unwrap()
            })
            .collect()
    }

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
        /// The columns equal what Arrow's JSON decoder makes of the same rows, which ingest
        /// parses, looks up and coerces first.
        #[test]
        fn equals_the_json_decoder(rows in proptest::collection::vec(row(), 0..12)) {
            let schema = schema();
            let cells = cells(&schema, &rows);
            let direct = rows_to_batch(&schema.arrow_schema(), &schema.fields, &cells).unwrap();
            // Both sides read the rows from their text (serde_json's float parsing is not
            // always the exact inverse of its printing).
            let reread: Vec<Value> = rows
                .iter()
                .map(|row| serde_json::from_str(&row.to_string()).unwrap())
                .collect();
            prop_assert_eq!(direct, via_json_decoder(&schema, &reread));
        }
    }

    #[test]
    fn a_cell_of_the_wrong_shape_is_an_error() {
        let schema = schema();
        let row = |i: usize, cell: Cell| {
            let mut row = vec![Cell::Null; schema.fields.len()];
            row[i] = cell;
            vec![row]
        };
        for rows in [
            row(1, Cell::Str("seven".into())),
            row(0, Cell::Int(7)),
            row(4, Cell::Struct(vec![Cell::Str("user".into())])),
            row(4, Cell::List(vec![Cell::Str("user".into())])),
            row(6, Cell::List(vec![])),
        ] {
            assert!(rows_to_batch(&schema.arrow_schema(), &schema.fields, &rows).is_err());
        }
        let fine = row(
            4,
            Cell::List(vec![Cell::Struct(vec![Cell::Null, Cell::Null])]),
        );
        assert!(rows_to_batch(&schema.arrow_schema(), &schema.fields, &fine).is_ok());
    }
}
