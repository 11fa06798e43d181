//! A record's values once coerced to their declared types, ready to become Arrow columns.

/// One value of exactly its field's declared type. Struct children are positional, in the
/// order the type declares them, like the Arrow struct they become: no key is stored, hashed
/// or looked up between coercion and the columns.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    /// Absent or null.
    Null,
    /// A `bool` value.
    Bool(bool),
    /// An `int64` value.
    Int(i64),
    /// A `float64` value (finite).
    Float(f64),
    /// A `string` value.
    Str(String),
    /// A `list<…>` value.
    List(Vec<Cell>),
    /// A `struct<…>` value, one cell per declared child.
    Struct(Vec<Cell>),
}

impl Cell {
    /// Whether this is null.
    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Cell::Null)
    }

    /// The cell as the JSON value it stands for under `ty` (tests compare with JSON fixtures).
    #[cfg(test)]
    pub(crate) fn to_value(&self, ty: &sluice_core::FieldType) -> serde_json::Value {
        use serde_json::{Number, Value};
        use sluice_core::FieldType;
        match (self, ty) {
            (Cell::Null, _) => Value::Null,
            (Cell::Bool(b), _) => Value::Bool(*b),
            (Cell::Int(i), _) => Value::from(*i),
            (Cell::Float(f), _) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
            (Cell::Str(s), _) => Value::String(s.clone()),
            (Cell::List(items), FieldType::List(inner)) => {
                Value::Array(items.iter().map(|c| c.to_value(inner)).collect())
            }
            (Cell::Struct(cells), FieldType::Struct(children)) => Value::Object(
                children
                    .iter()
                    .zip(cells)
                    .map(|((name, ty), c)| (name.clone(), c.to_value(ty)))
                    .collect(),
            ),
            (cell, ty) => panic!("{cell:?} is not a {ty}"),
        }
    }
}
