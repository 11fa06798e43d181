//! Mapping one parsed record onto the target schema: find each field's source value, coerce it,
//! enforce `required`.

use crate::cell::Cell;
use crate::coerce::{Mismatch, coerce, json_type};
use crate::problem::Problem;
use crate::strict_json::{Json, Object};
use sluice_core::FieldSpec;

/// The record's cells in schema order, or its first problem (in field order). `lookup` finds
/// field `i`'s source value (`None` when absent).
pub(crate) fn map_fields<'v, 'a: 'v>(
    fields: &[FieldSpec],
    mut lookup: impl FnMut(usize, &FieldSpec) -> Result<Option<&'v Json<'a>>, Problem>,
) -> Result<Vec<Cell>, Problem> {
    let mut row = Vec::with_capacity(fields.len());
    for (i, spec) in fields.iter().enumerate() {
        let value = match lookup(i, spec)? {
            Some(found) => coerce(found, &spec.ty).map_err(|m| Problem::mismatch(spec, &m))?,
            None => Cell::Null,
        };
        if spec.required && value.is_null() {
            return Err(Problem::missing(spec));
        }
        row.push(value);
    }
    Ok(row)
}

/// The value at `spec.source` in a JSON object: a key spelled exactly like the source wins,
/// else the source is a dotted path (`customer.email`). A missing or null step means absent; a
/// step through a non-object is a type mismatch.
pub(crate) fn lookup_path<'v, 'a>(
    object: &'v Object<'a>,
    spec: &FieldSpec,
) -> Result<Option<&'v Json<'a>>, Problem> {
    if let Some(value) = object.get(&spec.source) {
        return Ok(Some(value));
    }
    let mut current = object;
    let mut steps = spec.source.split('.').peekable();
    let mut walked = String::new();
    while let Some(step) = steps.next() {
        if !walked.is_empty() {
            walked.push('.');
        }
        walked.push_str(step);
        let value = match current.get(step) {
            None | Some(Json::Null) => return Ok(None),
            Some(value) => value,
        };
        if steps.peek().is_none() {
            return Ok(Some(value));
        }
        match value {
            Json::Object(next) => current = next,
            other => {
                let mismatch = Mismatch {
                    at: String::new(),
                    expected: format!("an object at `{walked}`"),
                    found: json_type(other).to_owned(),
                };
                return Err(Problem::mismatch(spec, &mismatch));
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strict_json::parse_strict;
    use serde_json::{Value, json};
    use sluice_core::{FieldType, ReasonCode};

    fn spec(name: &str, source: &str, ty: &str, required: bool) -> FieldSpec {
        FieldSpec {
            name: name.into(),
            source: source.into(),
            ty: FieldType::parse(ty).unwrap(),
            required,
        }
    }

    fn map(object: Value, fields: &[FieldSpec]) -> Result<Value, Problem> {
        let text = object.to_string();
        let Ok(Json::Object(object)) = parse_strict(&text) else {
            panic!("fixture must be an object")
        };
        let row = map_fields(fields, |_, spec| lookup_path(&object, spec))?;
        Ok(Value::Object(
            fields
                .iter()
                .zip(&row)
                .map(|(spec, cell)| (spec.name.clone(), cell.to_value(&spec.ty)))
                .collect(),
        ))
    }

    #[test]
    fn maps_dotted_paths_in_schema_order() {
        let fields = [
            spec("email", "customer.email", "string", true),
            spec("id", "id", "int64", true),
            spec("note", "note", "string", false),
        ];
        let row = map(
            json!({"id": "7", "customer": {"email": "a.fake@example.invalid"}}),
            &fields,
        )
        .unwrap();
        assert_eq!(
            serde_json::to_string(&row).unwrap(),
            r#"{"email":"a.fake@example.invalid","id":7,"note":null}"#
        );
    }

    #[test]
    fn a_literal_dotted_key_wins() {
        let fields = [spec("v", "a.b", "string", true)];
        let row = map(json!({"a.b": "literal", "a": {"b": "nested"}}), &fields).unwrap();
        assert_eq!(row["v"], "literal");
    }

    #[test]
    fn missing_required_fields_are_reported_without_values() {
        let fields = [spec("email", "customer.email", "string", true)];
        for object in [
            json!({}),
            json!({"customer": null}),
            json!({"customer": {"email": null}}),
            json!({"customer": {}}),
        ] {
            let problem = map(object, &fields).unwrap_err();
            assert_eq!(problem.reason, ReasonCode::INGEST_MISSING_FIELD);
            assert!(problem.detail.contains("`email`"));
        }
    }

    #[test]
    fn stepping_through_a_scalar_is_a_mismatch() {
        let fields = [spec("email", "customer.email", "string", false)];
        let problem = map(json!({"customer": "jane.roe@example.invalid"}), &fields).unwrap_err();
        assert_eq!(problem.reason, ReasonCode::INGEST_TYPE_MISMATCH);
        assert_eq!(
            problem.detail,
            "field `email` (source `customer.email`): expected an object at `customer`, found string"
        );
        assert!(!problem.detail.contains("jane.roe"));
    }

    #[test]
    fn first_problem_in_field_order_wins() {
        let fields = [
            spec("a", "a", "int64", false),
            spec("b", "b", "string", true),
        ];
        let problem = map(json!({"a": "x"}), &fields).unwrap_err();
        assert_eq!(problem.reason, ReasonCode::INGEST_TYPE_MISMATCH);
        assert!(
            problem
                .detail
                .starts_with("field `a` (source `a`): expected int64")
        );
    }
}
