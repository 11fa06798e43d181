//! Templates that build a shaped value from a row's string fields: `{field}` inserts a field,
//! `{{` and `}}` stand for literal braces.

use crate::config::FormatError;
use arrow::array::{Array, AsArray, RecordBatch, StringArray};
use sluice_core::{FieldType, TargetSchema};

/// A parsed template, bound to the fields of a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    key: &'static str,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Field(String),
}

/// Why a template could not be filled for one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gap {
    /// The named field is null.
    Null(String),
    /// The named field is empty or only whitespace.
    Empty(String),
}

impl Template {
    /// Parses `text` (the value of config key `key`) and checks that every placeholder names a
    /// string field of `schema`.
    pub fn parse(
        key: &'static str,
        text: &str,
        schema: &TargetSchema,
    ) -> Result<Template, FormatError> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let bytes = text.as_bytes();
        let mut pos = 0;
        let error = |offset: usize, reason: &'static str| FormatError::Template {
            key,
            offset,
            reason,
        };
        while pos < text.len() {
            let rest = &text[pos..];
            if rest.starts_with("{{") {
                literal.push('{');
                pos += 2;
            } else if rest.starts_with("}}") {
                literal.push('}');
                pos += 2;
            } else if bytes[pos] == b'{' {
                let close = rest
                    .find('}')
                    .ok_or_else(|| error(pos, "unclosed `{` (write `{{` for a literal brace)"))?;
                let name = rest[1..close].trim();
                if name.is_empty() {
                    return Err(error(pos, "empty placeholder `{}`"));
                }
                if !name
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.')
                {
                    return Err(error(
                        pos,
                        "placeholder is not a field name (write `{{` for a literal brace)",
                    ));
                }
                let field = schema
                    .field(name)
                    .ok_or_else(|| FormatError::UnknownField {
                        key,
                        field: name.to_owned(),
                    })?;
                if field.ty != FieldType::String {
                    return Err(FormatError::WrongFieldType {
                        key,
                        field: name.to_owned(),
                        ty: field.ty.to_string(),
                        expected: "string",
                    });
                }
                if !literal.is_empty() {
                    parts.push(Part::Literal(std::mem::take(&mut literal)));
                }
                parts.push(Part::Field(name.to_owned()));
                pos += close + 1;
            } else if bytes[pos] == b'}' {
                return Err(error(pos, "unmatched `}` (write `}}` for a literal brace)"));
            } else {
                let next = rest.find(['{', '}']).unwrap_or(rest.len());
                literal.push_str(&rest[..next]);
                pos += next;
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        Ok(Template { key, parts })
    }

    /// The config key this template came from.
    pub fn key(&self) -> &'static str {
        self.key
    }

    /// The fields the template reads, in order of first use.
    pub fn fields(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for part in &self.parts {
            if let Part::Field(name) = part
                && !out.contains(&name.as_str())
            {
                out.push(name);
            }
        }
        out
    }

    /// Binds the template to a batch's columns for fast per-row rendering.
    pub fn bind<'a>(&'a self, data: &'a RecordBatch) -> Result<Bound<'a>, FormatError> {
        let mut columns = Vec::with_capacity(self.parts.len());
        for part in &self.parts {
            columns.push(match part {
                Part::Literal(_) => None,
                Part::Field(name) => {
                    let column = data
                        .column_by_name(name)
                        .and_then(|c| c.as_string_opt::<i32>())
                        .ok_or(FormatError::MissingColumn { column: self.key })?;
                    Some(column)
                }
            });
        }
        Ok(Bound {
            template: self,
            columns,
        })
    }
}

/// A template bound to the columns of one batch.
pub struct Bound<'a> {
    template: &'a Template,
    columns: Vec<Option<&'a StringArray>>,
}

impl Bound<'_> {
    /// The config key of the template.
    pub fn key(&self) -> &'static str {
        self.template.key
    }

    /// Fills the template for `row`. A null field makes the row unshapeable (`Err`); empty
    /// fields are rendered and reported in the returned gaps.
    pub fn render(&self, row: usize) -> Result<(String, Vec<Gap>), Gap> {
        let mut out = String::new();
        let mut gaps = Vec::new();
        for (part, column) in self.template.parts.iter().zip(&self.columns) {
            match (part, column) {
                (Part::Literal(text), _) => out.push_str(text),
                (Part::Field(name), Some(column)) => {
                    if column.is_null(row) {
                        return Err(Gap::Null(name.clone()));
                    }
                    let value = column.value(row);
                    if value.trim().is_empty() {
                        let gap = Gap::Empty(name.clone());
                        if !gaps.contains(&gap) {
                            gaps.push(gap);
                        }
                    }
                    out.push_str(value);
                }
                (Part::Field(name), None) => return Err(Gap::Null(name.clone())),
            }
        }
        Ok((out, gaps))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::ArrayRef;
    use std::sync::Arc;

    fn schema() -> TargetSchema {
        TargetSchema::of([
            ("subject", FieldType::String),
            ("body", FieldType::String),
            ("count", FieldType::Int64),
        ])
    }

    fn data() -> RecordBatch {
        let subject: ArrayRef = Arc::new(StringArray::from(vec![Some("S1"), None, Some("S3")]));
        let body: ArrayRef = Arc::new(StringArray::from(vec![Some("B1"), Some("B2"), Some("  ")]));
        RecordBatch::try_from_iter([("subject", subject), ("body", body)]).expect("batch")
    }

    #[test]
    fn renders_fields_and_escapes() {
        let t = Template::parse("user", "{{{subject}}}: {body}\n", &schema()).expect("parses");
        assert_eq!(t.fields(), vec!["subject", "body"]);
        let data = data();
        let bound = t.bind(&data).expect("binds");
        assert_eq!(bound.render(0), Ok(("{S1}: B1\n".to_owned(), vec![])));
    }

    #[test]
    fn literal_only_template_is_allowed() {
        let t = Template::parse(
            "instruction",
            "Summarise the ticket {{briefly}}.",
            &schema(),
        )
        .expect("parses");
        assert!(t.fields().is_empty());
        let data = data();
        let bound = t.bind(&data).expect("binds");
        assert_eq!(
            bound.render(1),
            Ok(("Summarise the ticket {briefly}.".to_owned(), vec![]))
        );
    }

    #[test]
    fn null_and_empty_fields_are_reported_by_name() {
        let t = Template::parse("user", "{subject} / {body}", &schema()).expect("parses");
        let data = data();
        let bound = t.bind(&data).expect("binds");
        assert_eq!(bound.render(1), Err(Gap::Null("subject".to_owned())));
        let (text, gaps) = bound.render(2).expect("renders");
        assert_eq!(text, "S3 /   ");
        assert_eq!(gaps, vec![Gap::Empty("body".to_owned())]);
    }

    #[test]
    fn malformed_templates_are_config_errors() {
        for (text, offset) in [("{subject", 0), ("a }", 2), ("x {}", 2), ("{a b}", 0)] {
            match Template::parse("user", text, &schema()) {
                Err(FormatError::Template {
                    key, offset: at, ..
                }) => {
                    assert_eq!(key, "user");
                    assert_eq!(at, offset, "{text:?}");
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn unknown_and_non_string_fields_are_rejected() {
        let err = Template::parse("assistant", "{nope}", &schema()).expect_err("unknown");
        assert!(matches!(
            err,
            FormatError::UnknownField {
                key: "assistant",
                ..
            }
        ));
        let err = Template::parse("assistant", "{count}", &schema()).expect_err("int");
        assert!(err.to_string().contains("int64"), "{err}");
    }
}
