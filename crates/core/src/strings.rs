//! Visiting and rewriting the text values inside a column, nested lists and structs included.
//!
//! Redaction, dedup keys and length rules all need "every string in this field, and which row it
//! belongs to". These helpers walk `Utf8`, `List` and `Struct` arrays, track the top-level row of
//! every nested value, skip values under null parents, and rebuild only what changed.

use crate::error::CoreError;
use crate::field::FieldPath;
use arrow::array::{Array, ArrayRef, AsArray, ListArray, StringArray, StructArray};
use arrow::datatypes::DataType;
use std::sync::Arc;

/// Where a visited string sits: the top-level row, the element index inside that row's list (0
/// outside lists) and the path of the value.
#[derive(Debug, Clone, Copy)]
pub struct StringSite<'a> {
    /// Row of the batch the value belongs to.
    pub row: usize,
    /// Position among the row's list elements (innermost list), 0 for scalars.
    pub element: u32,
    /// Path of the value, e.g. `messages[].content`.
    pub path: &'a FieldPath,
}

/// For each slot of an array: its (row, element), or `None` when a parent is null.
type SlotMap = Vec<Option<(usize, u32)>>;

fn identity(len: usize) -> SlotMap {
    (0..len).map(|i| Some((i, 0))).collect()
}

fn list_slots(list: &ListArray, parent: &SlotMap) -> SlotMap {
    let offsets = list.value_offsets();
    let child_len = list.values().len();
    let mut slots: SlotMap = vec![None; child_len];
    for (i, site) in parent.iter().enumerate() {
        let Some((row, _)) = site else { continue };
        if list.is_null(i) {
            continue;
        }
        let (start, end) = (offsets[i] as usize, offsets[i + 1] as usize);
        for (element, j) in (start..end.min(child_len)).enumerate() {
            slots[j] = Some((*row, element as u32));
        }
    }
    slots
}

fn struct_slots(array: &StructArray, parent: &SlotMap) -> SlotMap {
    parent
        .iter()
        .enumerate()
        .map(|(i, s)| if array.is_null(i) { None } else { *s })
        .collect()
}

/// Calls `f` for every non-null string inside `array` (a top-level column of a batch).
pub fn visit_strings(array: &dyn Array, path: &FieldPath, f: &mut dyn FnMut(StringSite<'_>, &str)) {
    visit_inner(array, path, &identity(array.len()), f);
}

fn visit_inner(
    array: &dyn Array,
    path: &FieldPath,
    slots: &SlotMap,
    f: &mut dyn FnMut(StringSite<'_>, &str),
) {
    match array.data_type() {
        DataType::Utf8 => {
            let strings = array.as_string::<i32>();
            for (i, site) in slots.iter().enumerate() {
                if let Some((row, element)) = site
                    && strings.is_valid(i)
                {
                    f(
                        StringSite {
                            row: *row,
                            element: *element,
                            path,
                        },
                        strings.value(i),
                    );
                }
            }
        }
        DataType::List(_) => {
            let list = array.as_list::<i32>();
            let child_slots = list_slots(list, slots);
            visit_inner(list.values().as_ref(), &path.elements(), &child_slots, f);
        }
        DataType::Struct(fields) => {
            let st = array.as_struct();
            let child_slots = struct_slots(st, slots);
            for (field, column) in fields.iter().zip(st.columns()) {
                visit_inner(column.as_ref(), &path.child(field.name()), &child_slots, f);
            }
        }
        _ => {}
    }
}

/// Rewrites strings inside `array`: `f` returns `Some(new)` to replace a value, `None` to keep it.
/// Arrays in which nothing changed are returned as they were (no copy).
pub fn map_strings(
    array: &ArrayRef,
    path: &FieldPath,
    f: &mut dyn FnMut(StringSite<'_>, &str) -> Option<String>,
) -> Result<ArrayRef, CoreError> {
    map_inner(array, path, &identity(array.len()), f)
}

fn map_inner(
    array: &ArrayRef,
    path: &FieldPath,
    slots: &SlotMap,
    f: &mut dyn FnMut(StringSite<'_>, &str) -> Option<String>,
) -> Result<ArrayRef, CoreError> {
    match array.data_type() {
        DataType::Utf8 => {
            let strings = array.as_string::<i32>();
            let mut replaced: Vec<(usize, String)> = Vec::new();
            for (i, site) in slots.iter().enumerate() {
                if let Some((row, element)) = site
                    && strings.is_valid(i)
                    && let Some(new) = f(
                        StringSite {
                            row: *row,
                            element: *element,
                            path,
                        },
                        strings.value(i),
                    )
                {
                    replaced.push((i, new));
                }
            }
            if replaced.is_empty() {
                return Ok(Arc::clone(array));
            }
            let mut next = replaced.into_iter().peekable();
            let rebuilt: StringArray = (0..strings.len())
                .map(|i| {
                    if next.peek().is_some_and(|(j, _)| *j == i) {
                        next.next().map(|(_, s)| s)
                    } else if strings.is_valid(i) {
                        Some(strings.value(i).to_owned())
                    } else {
                        None
                    }
                })
                .collect();
            Ok(Arc::new(rebuilt))
        }
        DataType::List(field) => {
            let list = array.as_list::<i32>();
            let child_slots = list_slots(list, slots);
            let values = map_inner(list.values(), &path.elements(), &child_slots, f)?;
            if Arc::ptr_eq(&values, list.values()) {
                return Ok(Arc::clone(array));
            }
            Ok(Arc::new(ListArray::try_new(
                Arc::clone(field),
                list.offsets().clone(),
                values,
                list.nulls().cloned(),
            )?))
        }
        DataType::Struct(fields) => {
            let st = array.as_struct();
            let child_slots = struct_slots(st, slots);
            let mut changed = false;
            let mut columns = Vec::with_capacity(fields.len());
            for (field, column) in fields.iter().zip(st.columns()) {
                let mapped = map_inner(column, &path.child(field.name()), &child_slots, f)?;
                changed |= !Arc::ptr_eq(&mapped, column);
                columns.push(mapped);
            }
            if !changed {
                return Ok(Arc::clone(array));
            }
            Ok(Arc::new(StructArray::try_new(
                fields.clone(),
                columns,
                st.nulls().cloned(),
            )?))
        }
        _ => Ok(Arc::clone(array)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::FieldType;
    use arrow::datatypes::{Field, Schema};
    use arrow::json::ReaderBuilder;

    fn messages_column() -> ArrayRef {
        let schema = Arc::new(Schema::new(vec![Field::new(
            "messages",
            FieldType::messages().to_arrow(),
            true,
        )]));
        let rows = [
            serde_json::json!({"messages": [{"role": "user", "content": "hi a@b.co"}, {"role": "assistant", "content": "ok"}]}),
            serde_json::json!({"messages": null}),
            serde_json::json!({"messages": [{"role": "user", "content": null}]}),
        ];
        let mut decoder = ReaderBuilder::new(schema).build_decoder().unwrap();
        decoder.serialize(&rows).unwrap();
        Arc::clone(decoder.flush().unwrap().unwrap().column(0))
    }

    #[test]
    fn visits_nested_strings_with_rows() {
        let col = messages_column();
        let mut seen = Vec::new();
        visit_strings(
            col.as_ref(),
            &FieldPath::root("messages"),
            &mut |site, s| {
                seen.push((site.row, site.element, site.path.to_string(), s.to_owned()));
            },
        );
        assert_eq!(seen.len(), 5);
        assert!(seen.contains(&(0, 0, "messages[].content".into(), "hi a@b.co".into())));
        assert!(seen.contains(&(0, 1, "messages[].role".into(), "assistant".into())));
        assert!(seen.contains(&(2, 0, "messages[].role".into(), "user".into())));
    }

    #[test]
    fn maps_only_what_changes() {
        let col = messages_column();
        let same = map_strings(&col, &FieldPath::root("messages"), &mut |_, _| None).unwrap();
        assert!(Arc::ptr_eq(&same, &col));
        let mapped = map_strings(&col, &FieldPath::root("messages"), &mut |site, s| {
            (site.path.as_str() == "messages[].content" && s.contains('@'))
                .then(|| s.replace("a@b.co", "<EMAIL>"))
        })
        .unwrap();
        let mut contents = Vec::new();
        visit_strings(
            mapped.as_ref(),
            &FieldPath::root("messages"),
            &mut |site, s| {
                if site.path.as_str().ends_with("content") {
                    contents.push(s.to_owned());
                }
            },
        );
        assert_eq!(contents, vec!["hi <EMAIL>", "ok"]);
        assert_eq!(mapped.null_count(), 1);
    }
}
