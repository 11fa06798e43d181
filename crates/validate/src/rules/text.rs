//! What every text-quality rule shares (not a rule itself): which text a rule reads, and how null
//! and empty text are counted.
//!
//! A text rule reads either a `string` field or a chat field shaped like `messages`
//! (`list<struct<role: string, content: string>>`; any list of structs with a string `content`
//! child qualifies). For chat fields the rule sees, by default, the `content` of every turn joined
//! by `\n` — one verdict for the conversation, which is what the trainer consumes — and never the
//! `role` labels. `per_turn = true` checks each turn on its own instead: the row fails when any
//! turn fails, and the detail names the first failing turn (0-based index). `roles = ["assistant"]`
//! restricts either mode to turns with those roles (turns with a null role are then skipped).
//! A turn whose `content` is null contributes no text.
//!
//! Missing text is never a silent pass. A null field (or null list) is the outcome `null`; text
//! with nothing but whitespace (including a chat with no selected turns) is the outcome `empty`
//! for ratio rules, where no ratio can be computed. Both are counted as `<id>.null` /
//! `<id>.empty` and fail by default; `on_null = "pass"` / `on_empty = "pass"` let them through,
//! still counted.

use super::{Failure, NullPolicy, RowCheck, Verdict, column, declared_field};
use crate::config::ValidateError;
use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::DataType;
use sluice_core::{CoreError, FieldType, TargetSchema};
use std::fmt;

/// Declares a text rule's config struct: the shared keys (`field`, `id`, `severity`, `on_null`,
/// `on_empty`, `per_turn`, `roles`) followed by the rule's own keys. serde cannot combine
/// `flatten` with `deny_unknown_fields`, hence a macro rather than a shared embedded struct.
macro_rules! text_rule_config {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$field_meta:meta])*
                pub $field:ident : $ty:ty,
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            /// The text field: a string, or a chat list of `{role, content}` turns.
            pub field: String,
            /// Rule id (default `<kind>_<field>`); the reason code is `Q_<ID>`.
            #[serde(default)]
            pub id: Option<String>,
            /// What failing does.
            #[serde(default)]
            pub severity: $crate::config::Severity,
            /// What a null value does (counted as `<id>.null` either way).
            #[serde(default)]
            pub on_null: $crate::rules::NullPolicy,
            /// What whitespace-only text does (counted as `<id>.empty` either way).
            #[serde(default)]
            pub on_empty: $crate::rules::NullPolicy,
            /// Chat fields: check each turn on its own instead of all contents joined.
            #[serde(default)]
            pub per_turn: bool,
            /// Chat fields: only turns with one of these roles.
            #[serde(default)]
            pub roles: Option<Vec<String>>,
            $(
                $(#[$field_meta])*
                pub $field: $ty,
            )*
        }

        impl $name {
            /// The shared text keys, checked against `schema`.
            fn scope(
                &self,
                kind: &str,
                schema: &sluice_core::TargetSchema,
            ) -> Result<$crate::rules::text::TextScope, $crate::config::ValidateError> {
                let id = self.id.clone().unwrap_or_else(|| format!("{kind}_{}", self.field));
                $crate::rules::text::TextScope::build(
                    id,
                    &self.field,
                    self.per_turn,
                    self.roles.clone(),
                    self.on_null,
                    self.on_empty,
                    schema,
                )
            }
        }
    };
}
pub(crate) use text_rule_config;

/// How the text of a field is laid out.
#[derive(Debug, Clone)]
enum Layout {
    /// A `string` field.
    Plain,
    /// A list of structs: the `content` child index and, if any, the `role` child index.
    Turns { content: usize, role: Option<usize> },
}

/// Which text a rule reads and what it does with missing text.
#[derive(Debug, Clone)]
pub struct TextScope {
    /// Rule id (for errors).
    pub id: String,
    /// The field read.
    pub field: String,
    layout: Layout,
    per_turn: bool,
    roles: Option<Vec<String>>,
    on_null: NullPolicy,
    on_empty: NullPolicy,
}

/// The text segments of one row: `None` when the field is null, else `(turn, text)` pairs (turn
/// is `None` for a plain string field).
type RowSegments<'a> = Option<Vec<(Option<usize>, &'a str)>>;

impl TextScope {
    /// Checks `field` holds text a rule can read and the chat options fit its layout.
    pub fn build(
        id: String,
        field: &str,
        per_turn: bool,
        roles: Option<Vec<String>>,
        on_null: NullPolicy,
        on_empty: NullPolicy,
        schema: &TargetSchema,
    ) -> Result<TextScope, ValidateError> {
        let spec = declared_field(schema, &id, field)?;
        let wrong = |reason: &str| ValidateError::WrongFieldType {
            rule: id.clone(),
            field: field.to_owned(),
            ty: spec.ty.to_string(),
            reason: reason.to_owned(),
        };
        let layout = match &spec.ty {
            FieldType::String => Layout::Plain,
            FieldType::List(inner) => match inner.as_ref() {
                FieldType::Struct(children) => {
                    let position = |name: &str| {
                        children
                            .iter()
                            .position(|(child, ty)| child == name && *ty == FieldType::String)
                    };
                    let content = position("content").ok_or_else(|| {
                        wrong("but text rules need a string `content` in each turn")
                    })?;
                    Layout::Turns {
                        content,
                        role: position("role"),
                    }
                }
                _ => return Err(wrong("but text rules need a string or a list of turns")),
            },
            _ => return Err(wrong("but text rules need a string or a list of turns")),
        };
        match (&layout, per_turn, &roles) {
            (Layout::Plain, true, _) => {
                return Err(super::invalid(
                    &id,
                    "`per_turn` needs a chat (list of turns) field",
                ));
            }
            (Layout::Plain, _, Some(_)) => {
                return Err(super::invalid(
                    &id,
                    "`roles` needs a chat (list of turns) field",
                ));
            }
            (Layout::Turns { role: None, .. }, _, Some(_)) => {
                return Err(wrong("but `roles` needs a string `role` in each turn"));
            }
            (_, _, Some(list)) if list.is_empty() => {
                return Err(super::invalid(&id, "`roles` must name at least one role"));
            }
            _ => {}
        }
        Ok(TextScope {
            id,
            field: field.to_owned(),
            layout,
            per_turn,
            roles,
            on_null,
            on_empty,
        })
    }

    /// The text segments of every row of `data`.
    fn segments<'a>(&self, data: &'a RecordBatch) -> Result<Vec<RowSegments<'a>>, CoreError> {
        let array = column(data, &self.field)?;
        let rows = data.num_rows();
        match (&self.layout, array.data_type()) {
            (Layout::Plain, DataType::Utf8) => Ok(array
                .as_string::<i32>()
                .iter()
                .map(|value| value.map(|text| vec![(None, text)]))
                .collect()),
            (Layout::Turns { content, role }, DataType::List(_)) => {
                let list = array.as_list::<i32>();
                let turns = list.values().as_struct();
                let contents = turns.column(*content).as_string::<i32>();
                let role_values = role.map(|r| turns.column(r).as_string::<i32>());
                let offsets = list.value_offsets();
                let mut out = Vec::with_capacity(rows);
                for row in 0..rows {
                    if list.is_null(row) {
                        out.push(None);
                        continue;
                    }
                    let (start, end) = (offsets[row] as usize, offsets[row + 1] as usize);
                    let mut segments = Vec::new();
                    for (turn, slot) in (start..end).enumerate() {
                        if turns.is_null(slot) || contents.is_null(slot) {
                            continue;
                        }
                        if let (Some(allowed), Some(roles)) = (&self.roles, role_values)
                            && (roles.is_null(slot)
                                || !allowed.iter().any(|r| r == roles.value(slot)))
                        {
                            continue;
                        }
                        segments.push((Some(turn), contents.value(slot)));
                    }
                    out.push(Some(segments));
                }
                Ok(out)
            }
            (_, other) => Err(CoreError::Arrow(
                arrow::error::ArrowError::InvalidArgumentError(format!(
                    "column {} has type {other}, which the rule cannot read",
                    self.field
                )),
            )),
        }
    }

    /// Runs `judge` over the text of every row under this scope's null, empty and turn rules.
    pub fn check(
        &self,
        data: &RecordBatch,
        judge: &dyn TextJudge,
    ) -> Result<Vec<Verdict>, CoreError> {
        let field = &self.field;
        let mut verdicts = Vec::with_capacity(data.num_rows());
        for segments in self.segments(data)? {
            let Some(segments) = segments else {
                verdicts.push(
                    self.on_null
                        .verdict("null", || format!("field {field} is null")),
                );
                continue;
            };
            let verdict = if self.per_turn {
                let mut verdict = Verdict::Pass;
                if segments.is_empty() {
                    verdict = self.judge_one(None, "", judge);
                }
                for (turn, text) in &segments {
                    let one = self.judge_one(*turn, text, judge);
                    match (&verdict, &one) {
                        (_, Verdict::Fail(_)) => {
                            verdict = one;
                            break;
                        }
                        (Verdict::Pass, Verdict::Noted(_)) => verdict = one,
                        _ => {}
                    }
                }
                verdict
            } else if let [(_, text)] = segments.as_slice() {
                self.judge_one(None, text, judge)
            } else {
                let joined: Vec<&str> = segments.iter().map(|(_, text)| *text).collect();
                self.judge_one(None, &joined.join("\n"), judge)
            };
            verdicts.push(verdict);
        }
        Ok(verdicts)
    }

    fn judge_one(&self, turn: Option<usize>, text: &str, judge: &dyn TextJudge) -> Verdict {
        let place = match turn {
            Some(turn) => format!("field {} turn {turn}", self.field),
            None => format!("field {}", self.field),
        };
        if !judge.measures_empty() && text.trim().is_empty() {
            return self
                .on_empty
                .verdict("empty", || format!("{place}: no text to measure"));
        }
        match judge.judge(text) {
            Judgement::Pass => Verdict::Pass,
            Judgement::Noted(outcome) => Verdict::Noted(outcome),
            Judgement::Fail(outcome, detail) => {
                Verdict::Fail(Failure::with(outcome, format!("{place}: {detail}")))
            }
        }
    }

    /// The outcomes every text rule can report, followed by `own`.
    pub fn outcomes(own: &'static [&'static str]) -> Vec<&'static str> {
        let mut all = vec!["null", "empty"];
        all.extend_from_slice(own);
        all
    }
}

/// The result of measuring one text.
#[derive(Debug, Clone, PartialEq)]
pub enum Judgement {
    /// Within the thresholds.
    Pass,
    /// Passes, counted under this outcome.
    Noted(&'static str),
    /// Fails with this outcome and a detail holding measurements only (never the text).
    Fail(&'static str, String),
}

/// The measurement behind one text rule.
pub trait TextJudge: Send + Sync + fmt::Debug {
    /// Judges one text (a field value, the joined turns, or one turn).
    fn judge(&self, text: &str) -> Judgement;
    /// True when whitespace-only text is measured like any other (lengths) rather than counted
    /// as `empty` (ratios, which have nothing to divide by).
    fn measures_empty(&self) -> bool {
        false
    }
}

/// A text rule at run time: a scope plus a judge.
#[derive(Debug)]
pub struct TextCheck<J> {
    scope: TextScope,
    judge: J,
    outcomes: &'static [&'static str],
}

impl<J: TextJudge> TextCheck<J> {
    /// A check reading `scope` with `judge`; `outcomes` lists every outcome it can count
    /// (`null` and `empty` included).
    pub fn new(scope: TextScope, judge: J, outcomes: &'static [&'static str]) -> Self {
        TextCheck {
            scope,
            judge,
            outcomes,
        }
    }
}

impl<J: TextJudge> RowCheck for TextCheck<J> {
    fn check(&self, data: &RecordBatch) -> Result<Vec<Verdict>, CoreError> {
        self.scope.check(data, &self.judge)
    }

    fn outcomes(&self) -> &'static [&'static str] {
        self.outcomes
    }
}

/// `part / whole` as a ratio, 0 for an empty whole.
pub fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{batch, schema};
    use serde_json::json;

    /// Fails texts containing `x`, counts texts containing `n`.
    #[derive(Debug)]
    struct HasX;
    impl TextJudge for HasX {
        fn judge(&self, text: &str) -> Judgement {
            if text.contains('x') {
                Judgement::Fail("x", format!("{} chars with an x", text.chars().count()))
            } else if text.contains('n') {
                Judgement::Noted("n")
            } else {
                Judgement::Pass
            }
        }
    }

    fn scope(
        field: &str,
        per_turn: bool,
        roles: Option<&[&str]>,
    ) -> Result<TextScope, ValidateError> {
        TextScope::build(
            "t".into(),
            field,
            per_turn,
            roles.map(|r| r.iter().map(|s| (*s).to_owned()).collect()),
            NullPolicy::Fail,
            NullPolicy::Pass,
            &schema(),
        )
    }

    fn details(scope: &TextScope, rows: &[serde_json::Value]) -> Vec<String> {
        scope
            .check(&batch(rows), &HasX)
            .unwrap()
            .into_iter()
            .map(|v| match v {
                Verdict::Pass => "pass".to_owned(),
                Verdict::Noted(o) => format!("noted {o}"),
                Verdict::Fail(f) => format!("{}: {}", f.outcome.unwrap_or("?"), f.detail),
            })
            .collect()
    }

    fn chat(turns: &[(&str, Option<&str>)]) -> serde_json::Value {
        let turns: Vec<_> = turns
            .iter()
            .map(|(role, content)| json!({"role": role, "content": content}))
            .collect();
        json!({ "messages": turns })
    }

    #[test]
    fn plain_strings_null_and_empty() {
        let s = scope("subject", false, None).unwrap();
        let out = details(
            &s,
            &[
                json!({"subject": "abc"}),
                json!({"subject": "box"}),
                json!({"subject": null}),
                json!({"subject": "  "}),
                json!({"subject": "nap"}),
            ],
        );
        assert_eq!(
            out,
            vec![
                "pass",
                "x: field subject: 3 chars with an x",
                "null: field subject is null",
                "noted empty",
                "noted n",
            ]
        );
    }

    #[test]
    fn chat_joined_per_turn_and_roles() {
        let rows = [
            chat(&[("user", Some("ab")), ("assistant", Some("cx"))]),
            chat(&[("user", Some("xy")), ("assistant", Some("ok"))]),
            chat(&[("user", None), ("assistant", Some("ok"))]),
            json!({"messages": null}),
            json!({"messages": []}),
        ];
        let joined = scope("messages", false, None).unwrap();
        assert_eq!(
            details(&joined, &rows),
            vec![
                // "ab\ncx" is 5 chars.
                "x: field messages: 5 chars with an x",
                "x: field messages: 5 chars with an x",
                "pass",
                "null: field messages is null",
                "noted empty",
            ]
        );
        let turns = scope("messages", true, None).unwrap();
        assert_eq!(
            details(&turns, &rows)[..2],
            [
                "x: field messages turn 1: 2 chars with an x",
                "x: field messages turn 0: 2 chars with an x",
            ]
        );
        let assistant = scope("messages", true, Some(&["assistant"])).unwrap();
        assert_eq!(
            details(&assistant, &rows)[..3],
            [
                "x: field messages turn 1: 2 chars with an x",
                "pass",
                "pass"
            ]
        );
    }

    #[test]
    fn build_errors() {
        assert!(matches!(
            scope("amount", false, None),
            Err(ValidateError::WrongFieldType { .. })
        ));
        assert!(matches!(
            scope("subject", true, None),
            Err(ValidateError::InvalidRule { .. })
        ));
        assert!(matches!(
            scope("subject", false, Some(&["user"])),
            Err(ValidateError::InvalidRule { .. })
        ));
        assert!(matches!(
            scope("messages", false, Some(&[])),
            Err(ValidateError::InvalidRule { .. })
        ));
        assert!(matches!(
            scope("nope", false, None),
            Err(ValidateError::UnknownField { .. })
        ));
    }

    #[test]
    fn ratios() {
        assert_eq!(ratio(1, 4), 0.25);
        assert_eq!(ratio(3, 0), 0.0);
    }
}
