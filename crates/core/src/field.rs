//! The mapped record schema: field names, their declared types and dotted paths into them.

use crate::error::CoreError;
use arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// A declared field type, parsed from the pipeline file's type text.
///
/// Grammar: `string | int64 | float64 | bool | list<T> | struct<name: T, ...> | messages`,
/// where `messages` is shorthand for `list<struct<role: string, content: string>>`, the chat
/// layout every fine-tuning target understands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldType {
    /// UTF-8 text.
    String,
    /// 64-bit signed integer.
    Int64,
    /// 64-bit float.
    Float64,
    /// Boolean.
    Bool,
    /// A list of values of one type.
    List(Box<FieldType>),
    /// A struct with named, ordered children.
    Struct(Vec<(String, FieldType)>),
}

impl FieldType {
    /// Parses type text such as `list<struct<role: string, content: string>>`.
    pub fn parse(text: &str) -> Result<FieldType, CoreError> {
        let mut parser = TypeParser { src: text, pos: 0 };
        let ty = parser.parse_type()?;
        parser.skip_ws();
        if parser.pos != text.len() {
            return Err(parser.error("unexpected trailing text"));
        }
        Ok(ty)
    }

    /// The chat-turn layout `list<struct<role: string, content: string>>`.
    pub fn messages() -> FieldType {
        FieldType::List(Box::new(FieldType::Struct(vec![
            ("role".to_owned(), FieldType::String),
            ("content".to_owned(), FieldType::String),
        ])))
    }

    /// The Arrow type this field is stored as.
    pub fn to_arrow(&self) -> DataType {
        match self {
            FieldType::String => DataType::Utf8,
            FieldType::Int64 => DataType::Int64,
            FieldType::Float64 => DataType::Float64,
            FieldType::Bool => DataType::Boolean,
            FieldType::List(inner) => {
                DataType::List(Arc::new(Field::new("item", inner.to_arrow(), true)))
            }
            FieldType::Struct(children) => DataType::Struct(Fields::from(
                children
                    .iter()
                    .map(|(name, ty)| Field::new(name, ty.to_arrow(), true))
                    .collect::<Vec<_>>(),
            )),
        }
    }

    /// True when the type holds text somewhere (directly or nested).
    pub fn contains_text(&self) -> bool {
        match self {
            FieldType::String => true,
            FieldType::List(inner) => inner.contains_text(),
            FieldType::Struct(children) => children.iter().any(|(_, t)| t.contains_text()),
            _ => false,
        }
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldType::String => f.write_str("string"),
            FieldType::Int64 => f.write_str("int64"),
            FieldType::Float64 => f.write_str("float64"),
            FieldType::Bool => f.write_str("bool"),
            FieldType::List(inner) => write!(f, "list<{inner}>"),
            FieldType::Struct(children) => {
                f.write_str("struct<")?;
                for (i, (name, ty)) in children.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{name}: {ty}")?;
                }
                f.write_str(">")
            }
        }
    }
}

struct TypeParser<'a> {
    src: &'a str,
    pos: usize,
}

impl TypeParser<'_> {
    fn error(&self, reason: &str) -> CoreError {
        CoreError::InvalidType {
            ty: self.src.to_owned(),
            reason: format!("{reason} at offset {}", self.pos),
        }
    }
    fn skip_ws(&mut self) {
        let rest = &self.src[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }
    fn ident(&mut self) -> Result<&str, CoreError> {
        self.skip_ws();
        let rest = &self.src[self.pos..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if len == 0 {
            return Err(self.error("expected a name"));
        }
        self.pos += len;
        Ok(&rest[..len])
    }
    fn expect(&mut self, ch: char) -> Result<(), CoreError> {
        self.skip_ws();
        if self.src[self.pos..].starts_with(ch) {
            self.pos += ch.len_utf8();
            Ok(())
        } else {
            Err(self.error(&format!("expected `{ch}`")))
        }
    }
    fn peek(&mut self, ch: char) -> bool {
        self.skip_ws();
        self.src[self.pos..].starts_with(ch)
    }
    fn parse_type(&mut self) -> Result<FieldType, CoreError> {
        let name = self.ident()?.to_ascii_lowercase();
        match name.as_str() {
            "string" | "str" | "utf8" | "text" => Ok(FieldType::String),
            "int64" | "int" | "integer" | "i64" => Ok(FieldType::Int64),
            "float64" | "float" | "double" | "f64" => Ok(FieldType::Float64),
            "bool" | "boolean" => Ok(FieldType::Bool),
            "messages" => Ok(FieldType::messages()),
            "list" => {
                self.expect('<')?;
                let inner = self.parse_type()?;
                self.expect('>')?;
                Ok(FieldType::List(Box::new(inner)))
            }
            "struct" => {
                self.expect('<')?;
                let mut children = Vec::new();
                loop {
                    let child = self.ident()?.to_owned();
                    self.expect(':')?;
                    let ty = self.parse_type()?;
                    if children.iter().any(|(n, _)| *n == child) {
                        return Err(self.error(&format!("duplicate struct field `{child}`")));
                    }
                    children.push((child, ty));
                    if self.peek(',') {
                        self.expect(',')?;
                    } else {
                        break;
                    }
                }
                self.expect('>')?;
                Ok(FieldType::Struct(children))
            }
            other => Err(self.error(&format!("unknown type `{other}`"))),
        }
    }
}

/// One mapped field of the training record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldSpec {
    /// The field's name in sluice's record and in the outputs.
    pub name: String,
    /// Dotted path of the value in the source record (`customer.email`); for CSV the column header.
    pub source: String,
    /// Declared type; values are coerced to it at ingest or the row is quarantined.
    pub ty: FieldType,
    /// A missing or null value quarantines the row at ingest (`INGEST_MISSING_FIELD`).
    pub required: bool,
}

/// The ordered list of mapped fields every batch of a run conforms to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetSchema {
    /// Fields in output column order.
    pub fields: Vec<FieldSpec>,
}

impl TargetSchema {
    /// Optional fields read from the source key of the same name, in the order given.
    pub fn of<'a>(fields: impl IntoIterator<Item = (&'a str, FieldType)>) -> Self {
        TargetSchema {
            fields: fields
                .into_iter()
                .map(|(name, ty)| FieldSpec {
                    name: name.to_owned(),
                    source: name.to_owned(),
                    ty,
                    required: false,
                })
                .collect(),
        }
    }
    /// The Arrow schema of a batch's data (all columns nullable; `required` is enforced at ingest).
    pub fn arrow_schema(&self) -> SchemaRef {
        Arc::new(Schema::new(
            self.fields
                .iter()
                .map(|f| Field::new(&f.name, f.ty.to_arrow(), true))
                .collect::<Vec<_>>(),
        ))
    }
    /// The field called `name`.
    pub fn field(&self, name: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }
    /// The field called `name`, or an [`CoreError::UnknownField`].
    pub fn require(&self, name: &str) -> Result<&FieldSpec, CoreError> {
        self.field(name)
            .ok_or_else(|| CoreError::UnknownField(name.to_owned()))
    }
}

/// A path to a value inside a record, as shown in reports: `body`, `messages[].content`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FieldPath(String);

impl FieldPath {
    /// The path of a top-level field.
    pub fn root(name: &str) -> Self {
        FieldPath(name.to_owned())
    }
    /// This path with a struct child appended (`a` → `a.b`).
    pub fn child(&self, name: &str) -> Self {
        FieldPath(format!("{}.{}", self.0, name))
    }
    /// This path with list elements selected (`a` → `a[]`).
    pub fn elements(&self) -> Self {
        FieldPath(format!("{}[]", self.0))
    }
    /// The top-level field this path starts in.
    pub fn top(&self) -> &str {
        let end = self.0.find(['.', '[']).unwrap_or(self.0.len());
        &self.0[..end]
    }
    /// The path as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_types_and_round_trips() {
        let ty = FieldType::parse("list<struct<role: string, content: string>>").unwrap();
        assert_eq!(ty, FieldType::messages());
        assert_eq!(
            ty.to_string(),
            "list<struct<role: string, content: string>>"
        );
        assert_eq!(FieldType::parse(" Int64 ").unwrap(), FieldType::Int64);
        assert!(ty.contains_text());
        assert!(!FieldType::Float64.contains_text());
    }

    #[test]
    fn rejects_bad_types() {
        for bad in [
            "",
            "lst<string>",
            "list<string",
            "struct<a: string, a: int>",
            "string x",
        ] {
            assert!(FieldType::parse(bad).is_err(), "{bad:?} should fail");
        }
    }

    #[test]
    fn field_paths() {
        let p = FieldPath::root("messages").elements().child("content");
        assert_eq!(p.as_str(), "messages[].content");
        assert_eq!(p.top(), "messages");
    }
}
