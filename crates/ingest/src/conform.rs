//! Converting a Parquet column to a field's declared Arrow type, noting the rows that lose a
//! value on the way (a non-null source that becomes null, a float that loses its fraction).
//!
//! Structs are matched by child name (extra children ignored, missing ones null) rather than
//! by Arrow's cast, which needs identical child counts; this mirrors how JSON objects map.

use arrow::array::{Array, ArrayRef, AsArray, ListArray, StructArray, new_null_array};
use arrow::compute::{CastOptions, can_cast_types, cast_with_options};
use arrow::datatypes::{DataType, FieldRef, Fields, Float64Type};
use arrow::error::ArrowError;
use std::sync::Arc;

/// A converted column and, per row, whether a value was lost in conversion.
#[derive(Debug)]
pub(crate) struct Conformed {
    pub array: ArrayRef,
    pub lost: Vec<bool>,
}

/// True when a column of type `from` can be conformed to `to`.
pub(crate) fn conformable(from: &DataType, to: &DataType) -> bool {
    match (from, to) {
        (DataType::Struct(sources), DataType::Struct(targets)) => targets.iter().all(|t| {
            sources
                .iter()
                .find(|s| s.name() == t.name())
                .is_none_or(|s| conformable(s.data_type(), t.data_type()))
        }),
        (
            DataType::List(item) | DataType::LargeList(item) | DataType::FixedSizeList(item, _),
            DataType::List(target),
        ) => conformable(item.data_type(), target.data_type()),
        _ => can_cast_types(from, to),
    }
}

/// `source` converted to `target`.
pub(crate) fn conform(source: &ArrayRef, target: &DataType) -> Result<Conformed, ArrowError> {
    let slots: Vec<Option<usize>> = (0..source.len()).map(Some).collect();
    let mut lost = vec![false; source.len()];
    let array = conform_slots(source, target, &slots, &mut lost)?;
    Ok(Conformed { array, lost })
}

/// `slots[i]` is the top-level row that value `i` of `source` belongs to (`None` under a null
/// parent, where a lost value cannot matter).
fn conform_slots(
    source: &ArrayRef,
    target: &DataType,
    slots: &[Option<usize>],
    lost: &mut [bool],
) -> Result<ArrayRef, ArrowError> {
    match (source.data_type(), target) {
        (DataType::Struct(_), DataType::Struct(targets)) => {
            conform_struct(source.as_struct(), targets, slots, lost)
        }
        (DataType::List(_), DataType::List(item)) => {
            conform_list(source.as_list::<i32>(), item, slots, lost)
        }
        (DataType::LargeList(item) | DataType::FixedSizeList(item, _), DataType::List(_)) => {
            let list = cast_with_options(source, &DataType::List(Arc::clone(item)), &safe())?;
            conform_slots(&list, target, slots, lost)
        }
        _ => conform_leaf(source, target, slots, lost),
    }
}

fn safe() -> CastOptions<'static> {
    CastOptions {
        safe: true,
        ..Default::default()
    }
}

fn conform_struct(
    source: &StructArray,
    targets: &Fields,
    slots: &[Option<usize>],
    lost: &mut [bool],
) -> Result<ArrayRef, ArrowError> {
    let child_slots: Vec<Option<usize>> = slots
        .iter()
        .enumerate()
        .map(|(i, slot)| if source.is_null(i) { None } else { *slot })
        .collect();
    let mut columns = Vec::with_capacity(targets.len());
    for target in targets.iter() {
        columns.push(match source.column_by_name(target.name()) {
            Some(child) => conform_slots(child, target.data_type(), &child_slots, lost)?,
            None => new_null_array(target.data_type(), source.len()),
        });
    }
    Ok(Arc::new(StructArray::try_new(
        targets.clone(),
        columns,
        source.nulls().cloned(),
    )?))
}

fn conform_list(
    source: &ListArray,
    item: &FieldRef,
    slots: &[Option<usize>],
    lost: &mut [bool],
) -> Result<ArrayRef, ArrowError> {
    let offsets = source.value_offsets();
    let mut child_slots: Vec<Option<usize>> = vec![None; source.values().len()];
    for (i, slot) in slots.iter().enumerate() {
        let Some(row) = slot else { continue };
        if source.is_null(i) {
            continue;
        }
        let (start, end) = (offsets[i] as usize, offsets[i + 1] as usize);
        for child in child_slots.get_mut(start..end).into_iter().flatten() {
            *child = Some(*row);
        }
    }
    let values = conform_slots(source.values(), item.data_type(), &child_slots, lost)?;
    if matches!(item.data_type(), DataType::Struct(_)) {
        // A null chat turn (or any null struct element) is a broken record, as in JSON input.
        for (j, slot) in child_slots.iter().enumerate() {
            if let Some(row) = slot
                && values.is_null(j)
            {
                lost[*row] = true;
            }
        }
    }
    Ok(Arc::new(ListArray::try_new(
        Arc::clone(item),
        source.offsets().clone(),
        values,
        source.nulls().cloned(),
    )?))
}

fn conform_leaf(
    source: &ArrayRef,
    target: &DataType,
    slots: &[Option<usize>],
    lost: &mut [bool],
) -> Result<ArrayRef, ArrowError> {
    let cast = cast_with_options(source, target, &safe())?;
    for (i, slot) in slots.iter().enumerate() {
        if let Some(row) = slot
            && source.is_valid(i)
            && cast.is_null(i)
        {
            lost[*row] = true;
        }
    }
    if has_fraction(source.data_type()) && target.is_integer() {
        mark_truncated(source, &cast, slots, lost)?;
    }
    Ok(cast)
}

fn has_fraction(ty: &DataType) -> bool {
    ty.is_floating()
        || matches!(
            ty,
            DataType::Decimal32(..)
                | DataType::Decimal64(..)
                | DataType::Decimal128(..)
                | DataType::Decimal256(..)
        )
}

/// Arrow's float → int cast truncates `2.5` to `2` without complaint; compare the round trip.
fn mark_truncated(
    source: &ArrayRef,
    cast: &ArrayRef,
    slots: &[Option<usize>],
    lost: &mut [bool],
) -> Result<(), ArrowError> {
    let original = cast_with_options(source, &DataType::Float64, &safe())?;
    let back = cast_with_options(cast, &DataType::Float64, &safe())?;
    let (original, back) = (
        original.as_primitive::<Float64Type>(),
        back.as_primitive::<Float64Type>(),
    );
    for (i, slot) in slots.iter().enumerate() {
        if let Some(row) = slot
            && original.is_valid(i)
            && back.is_valid(i)
            && original.value(i).to_bits() != back.value(i).to_bits()
        {
            lost[*row] = true;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Float64Array, Int64Array, StringArray};
    use arrow::datatypes::Field;
    use arrow::json::ReaderBuilder;
    use sluice_core::FieldType;
    use sluice_core::batch::rows_as_json;

    fn column(ty: DataType, rows: &[serde_json::Value]) -> ArrayRef {
        let schema = Arc::new(arrow::datatypes::Schema::new(vec![Field::new(
            "c", ty, true,
        )]));
        let mut decoder = ReaderBuilder::new(schema).build_decoder().unwrap();
        decoder.serialize(rows).unwrap();
        Arc::clone(decoder.flush().unwrap().unwrap().column(0))
    }

    #[test]
    fn failed_scalar_casts_mark_rows() {
        let source: ArrayRef = Arc::new(StringArray::from(vec![Some("12"), Some("x"), None]));
        let out = conform(&source, &DataType::Int64).unwrap();
        assert_eq!(out.lost, vec![false, true, false]);
        let ints = out.array.as_primitive::<arrow::datatypes::Int64Type>();
        assert_eq!(ints.value(0), 12);
        assert!(ints.is_null(1) && ints.is_null(2));
    }

    #[test]
    fn float_to_int_must_be_exact() {
        let source: ArrayRef = Arc::new(Float64Array::from(vec![Some(3.0), Some(2.5), None]));
        let out = conform(&source, &DataType::Int64).unwrap();
        assert_eq!(out.lost, vec![false, true, false]);
        let widened: ArrayRef = Arc::new(Int64Array::from(vec![1, 2]));
        assert_eq!(
            conform(&widened, &DataType::Float64).unwrap().lost,
            vec![false, false]
        );
    }

    #[test]
    fn structs_match_children_by_name_inside_lists() {
        use serde_json::json;
        let source_type =
            FieldType::parse("list<struct<content: string, role: string, name: string>>")
                .unwrap()
                .to_arrow();
        let source = column(
            source_type,
            &[
                json!({"c": [{"role": "user", "content": "hi", "name": "n"}]}),
                json!({"c": null}),
                json!({"c": [{"role": "user", "content": "a"}, null]}),
            ],
        );
        let target = FieldType::messages().to_arrow();
        assert!(conformable(source.data_type(), &target));
        let out = conform(&source, &target).unwrap();
        assert_eq!(out.array.data_type(), &target);
        assert_eq!(out.lost, vec![false, false, true]);
        let batch = arrow::array::RecordBatch::try_from_iter([("m", out.array)]).unwrap();
        let json = rows_as_json(&batch).unwrap();
        assert_eq!(json[0], r#"{"m":[{"role":"user","content":"hi"}]}"#);
        assert_eq!(json[1], "{}");
    }

    #[test]
    fn nested_lost_values_mark_their_row() {
        use serde_json::json;
        let source = column(
            FieldType::parse("list<string>").unwrap().to_arrow(),
            &[json!({"c": ["1", "2"]}), json!({"c": ["3", "x"]})],
        );
        let target = FieldType::parse("list<int64>").unwrap().to_arrow();
        assert_eq!(conform(&source, &target).unwrap().lost, vec![false, true]);
    }

    #[test]
    fn incompatible_types_are_refused_up_front() {
        let messages = FieldType::messages().to_arrow();
        assert!(!conformable(&DataType::Utf8, &messages));
        assert!(!conformable(
            &DataType::Int64,
            &FieldType::parse("struct<a: string>").unwrap().to_arrow()
        ));
        assert!(conformable(&DataType::Int32, &DataType::Utf8));
        assert!(conformable(&DataType::LargeUtf8, &DataType::Utf8));
    }
}
