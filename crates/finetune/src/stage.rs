//! The runtime format stage: shapes every row, checks it against every configured target and
//! keeps or removes it.
//!
//! Per batch and row: the templates are filled (a null field makes the row unshapeable:
//! `FT_MISSING_FIELD`, always removed), the shaped row's tokens are counted once, then each
//! target's rules are checked. With `on_incompatible = "quarantine"` a row with any issue is
//! removed under its first issue's code (shape issues first, then targets in config order); with
//! `"warn"` it is kept and flagged once per distinct code. Everything is per row and in row order,
//! so the result does not depend on batch size or thread count.

use crate::checks::{self, FT_EMPTY_FIELD, FT_MISSING_FIELD, Issue, Outcome, Shaped, Turn};
use crate::config::{FormatConfig, FormatError, OnIncompatible, Shape};
use crate::target::{Target, TargetRules};
use crate::template::{Bound, Gap, Template};
use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, ListArray, RecordBatch, StringArray, StructArray,
};
use arrow::buffer::OffsetBuffer;
use arrow::compute::filter;
use arrow::datatypes::{DataType, FieldRef, Fields, SchemaRef};
use sluice_core::{
    Batch, CoreError, FieldSpec, FieldType, Flag, ReasonCode, Removal, RowMeta, RowStage,
    StageOutput, StageReport, TargetSchema,
};
use sluice_tokenize::Tokenizer;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// Upper bounds of the token-count histogram buckets reported as `tokens.le_<n>`.
const TOKEN_BUCKETS: [u64; 9] = [256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536];

/// Tokens the OpenAI cookbook adds per message (role framing) and once per conversation (the
/// reply priming). Chat templates of open models add a similar few tokens per turn, so this is a
/// close, slightly low estimate for them.
const TOKENS_PER_MESSAGE: u64 = 3;
const TOKENS_PER_CONVERSATION: u64 = 3;

/// Where the shaped values come from.
#[derive(Debug)]
enum Source {
    /// Chat turns from templates.
    ChatTemplates {
        system: Option<Template>,
        user: Template,
        assistant: Template,
    },
    /// Chat turns passed through from a `messages`-typed field.
    ChatMessages { field: String },
    /// One template per column of the shape (`optional` parts may be left empty).
    Fields { parts: Vec<(Template, bool)> },
}

/// A shaped row with its shape-level issues, or the issue that made it unshapeable.
type RowShape = Result<(Shaped, Vec<Issue>), Issue>;

/// One configured target with its rules and effective token limit.
#[derive(Debug)]
struct Check {
    target: Target,
    rules: TargetRules,
    limit: Option<u64>,
}

/// The runtime format stage, built from a [`FormatConfig`].
#[derive(Debug)]
pub struct FormatStage {
    shape: Shape,
    source: Source,
    keep: Vec<String>,
    checks: Vec<Check>,
    tokenizer: Arc<Tokenizer>,
    on_incompatible: OnIncompatible,
    output: TargetSchema,
    output_arrow: SchemaRef,
}

/// The keys of each shape, for "not used by this shape" errors.
const SHAPE_KEYS: [(&str, Shape); 10] = [
    ("system", Shape::Chat),
    ("user", Shape::Chat),
    ("assistant", Shape::Chat),
    ("messages", Shape::Chat),
    ("instruction", Shape::Instruction),
    ("input", Shape::Instruction),
    ("output", Shape::Instruction),
    ("prompt", Shape::PromptCompletion),
    ("completion", Shape::PromptCompletion),
    ("text", Shape::Text),
];

fn key_value<'a>(config: &'a FormatConfig, key: &str) -> Option<&'a String> {
    match key {
        "system" => config.system.as_ref(),
        "user" => config.user.as_ref(),
        "assistant" => config.assistant.as_ref(),
        "messages" => config.messages.as_ref(),
        "instruction" => config.instruction.as_ref(),
        "input" => config.input.as_ref(),
        "output" => config.output.as_ref(),
        "prompt" => config.prompt.as_ref(),
        "completion" => config.completion.as_ref(),
        "text" => config.text.as_ref(),
        _ => None,
    }
}

fn required(
    config: &FormatConfig,
    key: &'static str,
    schema: &TargetSchema,
) -> Result<Template, FormatError> {
    let text = key_value(config, key).ok_or(FormatError::MissingKey {
        shape: config.shape,
        key,
    })?;
    Template::parse(key, text, schema)
}

fn optional(
    config: &FormatConfig,
    key: &'static str,
    schema: &TargetSchema,
) -> Result<Option<Template>, FormatError> {
    key_value(config, key)
        .map(|text| Template::parse(key, text, schema))
        .transpose()
}

/// True when `ty` is a list of structs with string `role` and `content` children.
fn is_messages_like(ty: &FieldType) -> bool {
    let FieldType::List(inner) = ty else {
        return false;
    };
    let FieldType::Struct(children) = inner.as_ref() else {
        return false;
    };
    ["role", "content"].iter().all(|name| {
        children
            .iter()
            .any(|(n, t)| n == name && *t == FieldType::String)
    })
}

/// The `item` field and struct children of the Arrow type of [`FieldType::messages`].
fn messages_layout() -> Result<(FieldRef, Fields), CoreError> {
    if let DataType::List(item) = FieldType::messages().to_arrow()
        && let DataType::Struct(fields) = item.data_type()
    {
        let fields = fields.clone();
        return Ok((item, fields));
    }
    Err(invalid(
        "the messages type is not a list of structs".to_owned(),
    ))
}

fn invalid(message: String) -> CoreError {
    CoreError::Arrow(arrow::error::ArrowError::InvalidArgumentError(message))
}

impl FormatStage {
    /// Validates the configuration against the record schema and loads the tokenizer (relative
    /// tokenizer paths are resolved against `base_dir`). Reads no data.
    pub fn build(
        config: FormatConfig,
        schema: &TargetSchema,
        base_dir: &Path,
    ) -> Result<FormatStage, FormatError> {
        let shape = config.shape;
        for (key, owner) in SHAPE_KEYS {
            if owner != shape && key_value(&config, key).is_some() {
                return Err(FormatError::UnexpectedKey { shape, key });
            }
        }

        if config.targets.is_empty() {
            return Err(FormatError::NoTargets);
        }
        if config.max_tokens == Some(0) {
            return Err(FormatError::ZeroMaxTokens);
        }
        let mut checks: Vec<Check> = Vec::with_capacity(config.targets.len());
        for name in &config.targets {
            let target = Target::parse(name)?;
            if checks.iter().any(|c| c.target == target) {
                return Err(FormatError::DuplicateTarget(target));
            }
            let rules = target.rules();
            if !rules.shapes.contains(&shape) {
                return Err(FormatError::ShapeNotSupported {
                    target,
                    shape,
                    accepted: rules
                        .shapes
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
            let limit = config.max_tokens.or(rules.default_max_tokens);
            checks.push(Check {
                target,
                rules,
                limit,
            });
        }

        let source = match shape {
            Shape::Chat => match &config.messages {
                Some(field) => {
                    for key in ["system", "user", "assistant"] {
                        if key_value(&config, key).is_some() {
                            return Err(FormatError::ConflictingKeys {
                                first: "messages",
                                second: key,
                            });
                        }
                    }
                    let spec = schema
                        .field(field)
                        .ok_or_else(|| FormatError::UnknownField {
                            key: "messages",
                            field: field.clone(),
                        })?;
                    if !is_messages_like(&spec.ty) {
                        return Err(FormatError::WrongFieldType {
                            key: "messages",
                            field: field.clone(),
                            ty: spec.ty.to_string(),
                            expected: "messages (list<struct<role: string, content: string>>)",
                        });
                    }
                    Source::ChatMessages {
                        field: field.clone(),
                    }
                }
                None => Source::ChatTemplates {
                    system: optional(&config, "system", schema)?,
                    user: required(&config, "user", schema)?,
                    assistant: required(&config, "assistant", schema)?,
                },
            },
            Shape::Instruction => Source::Fields {
                parts: vec![
                    (required(&config, "instruction", schema)?, false),
                    match optional(&config, "input", schema)? {
                        Some(t) => (t, true),
                        None => (Template::parse("input", "", schema)?, true),
                    },
                    (required(&config, "output", schema)?, false),
                ],
            },
            Shape::PromptCompletion => Source::Fields {
                parts: vec![
                    (required(&config, "prompt", schema)?, false),
                    (required(&config, "completion", schema)?, false),
                ],
            },
            Shape::Text => Source::Fields {
                parts: vec![(required(&config, "text", schema)?, false)],
            },
        };

        let mut fields: Vec<FieldSpec> = crate::render::shape_fields(shape);
        for name in &config.keep {
            let spec = schema
                .field(name)
                .ok_or_else(|| FormatError::UnknownField {
                    key: "keep",
                    field: name.clone(),
                })?;
            if fields.iter().any(|f| f.name == *name) {
                return Err(FormatError::KeepClash(name.clone()));
            }
            fields.push(spec.clone());
        }
        let output = TargetSchema { fields };
        let output_arrow = output.arrow_schema();

        let tokenizer = Arc::new(Tokenizer::resolve(&config.tokenizer, base_dir)?);
        Ok(FormatStage {
            shape,
            source,
            keep: config.keep,
            checks,
            tokenizer,
            on_incompatible: config.on_incompatible,
            output,
            output_arrow,
        })
    }

    /// The kept batches' schema: the shaped columns in order, then the `keep` fields.
    pub fn output_schema(&self) -> TargetSchema {
        self.output.clone()
    }

    /// The configured shape.
    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// The configured targets, in config order.
    pub fn targets(&self) -> Vec<Target> {
        self.checks.iter().map(|c| c.target).collect()
    }

    /// The effective token limit of each target (`None`: not checked).
    pub fn limits(&self) -> Vec<(Target, Option<u64>)> {
        self.checks.iter().map(|c| (c.target, c.limit)).collect()
    }

    /// The tokenizer's stable name, for the manifest.
    pub fn tokenizer_name(&self) -> &str {
        self.tokenizer.name()
    }

    /// Token count of a shaped row: content tokens, plus the cookbook's per-message framing for
    /// chat rows.
    fn count_tokens(&self, shaped: &Shaped) -> u64 {
        let count = |text: &str| self.tokenizer.count(text) as u64;
        match shaped {
            Shaped::Chat(turns) => {
                TOKENS_PER_CONVERSATION
                    + turns
                        .iter()
                        .map(|t| {
                            TOKENS_PER_MESSAGE
                                + t.role.as_deref().map_or(0, count)
                                + t.content.as_deref().map_or(0, count)
                        })
                        .sum::<u64>()
            }
            Shaped::Fields(values) => values.iter().map(|v| count(v)).sum(),
        }
    }

    /// Shapes every row of `data`: `Err` for an unshapeable row (its issue), else the shaped row
    /// and its shape-level issues (empty fields).
    fn shape_rows(&self, data: &RecordBatch) -> Result<Vec<RowShape>, CoreError> {
        let rows = data.num_rows();
        let to_core = |e: FormatError| invalid(e.to_string());
        match &self.source {
            Source::ChatTemplates {
                system,
                user,
                assistant,
            } => {
                let system = system
                    .as_ref()
                    .map(|t| t.bind(data))
                    .transpose()
                    .map_err(to_core)?;
                let user = user.bind(data).map_err(to_core)?;
                let assistant = assistant.bind(data).map_err(to_core)?;
                Ok((0..rows)
                    .map(|row| {
                        let mut issues = Vec::new();
                        let mut turns = Vec::with_capacity(3);
                        if let Some(system) = &system
                            && let Some(text) = optional_part(system, row)
                        {
                            turns.push(Turn::new("system", text));
                        }
                        turns.push(Turn::new("user", required_part(&user, row, &mut issues)?));
                        turns.push(Turn::new(
                            "assistant",
                            required_part(&assistant, row, &mut issues)?,
                        ));
                        Ok((Shaped::Chat(turns), issues))
                    })
                    .collect())
            }
            Source::ChatMessages { field } => {
                let missing = || {
                    invalid(format!(
                        "format stage: field `{field}` is missing or not a list of structs"
                    ))
                };
                let list = data
                    .column_by_name(field)
                    .and_then(|c| c.as_list_opt::<i32>())
                    .ok_or_else(missing)?;
                let items = list.values().as_struct_opt().ok_or_else(missing)?;
                let strings = |name: &str| {
                    items
                        .column_by_name(name)
                        .and_then(|c| c.as_string_opt::<i32>())
                        .ok_or_else(missing)
                };
                let (roles, contents) = (strings("role")?, strings("content")?);
                let text = |array: &StringArray, i: usize| {
                    (items.is_valid(i) && array.is_valid(i)).then(|| array.value(i).to_owned())
                };
                Ok((0..rows)
                    .map(|row| {
                        if list.is_null(row) {
                            return Err(Issue {
                                code: FT_MISSING_FIELD,
                                detail: format!("`messages`: field `{field}` is null"),
                            });
                        }
                        let offsets = list.value_offsets();
                        let (start, end) = (offsets[row] as usize, offsets[row + 1] as usize);
                        let turns = (start..end)
                            .map(|i| Turn {
                                role: text(roles, i),
                                content: text(contents, i),
                            })
                            .collect();
                        Ok((Shaped::Chat(turns), Vec::new()))
                    })
                    .collect())
            }
            Source::Fields { parts } => {
                let bound = parts
                    .iter()
                    .map(|(t, optional)| t.bind(data).map(|b| (b, *optional)))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(to_core)?;
                Ok((0..rows)
                    .map(|row| {
                        let mut issues = Vec::new();
                        let mut values = Vec::with_capacity(bound.len());
                        for (part, optional) in &bound {
                            values.push(if *optional {
                                optional_part(part, row).unwrap_or_default()
                            } else {
                                required_part(part, row, &mut issues)?
                            });
                        }
                        Ok((Shaped::Fields(values), issues))
                    })
                    .collect())
            }
        }
    }
}

/// An optional part is left out when any of its fields is null or empty.
fn optional_part(bound: &Bound<'_>, row: usize) -> Option<String> {
    match bound.render(row) {
        Ok((text, gaps)) if gaps.is_empty() && !text.trim().is_empty() => Some(text),
        _ => None,
    }
}

/// A required part: a null field makes the row unshapeable, an empty one is an issue.
fn required_part(bound: &Bound<'_>, row: usize, issues: &mut Vec<Issue>) -> Result<String, Issue> {
    let key = bound.key();
    match bound.render(row) {
        // `render` fails only on a null field.
        Err(Gap::Null(field) | Gap::Empty(field)) => Err(Issue {
            code: FT_MISSING_FIELD,
            detail: format!("`{key}`: field `{field}` is null"),
        }),
        Ok((text, gaps)) => {
            for gap in gaps {
                let (Gap::Empty(field) | Gap::Null(field)) = gap;
                issues.push(Issue {
                    code: FT_EMPTY_FIELD,
                    detail: format!("`{key}`: field `{field}` is empty"),
                });
            }
            Ok(text)
        }
    }
}

/// Issues of one row merged across targets: same code and detail → one entry naming every target.
#[derive(Default)]
struct RowIssues {
    entries: Vec<(&'static str, String, Vec<Target>)>,
}

impl RowIssues {
    fn push(&mut self, issue: Issue, target: Option<Target>) {
        if let Some(entry) = self
            .entries
            .iter_mut()
            .find(|(code, detail, _)| *code == issue.code && *detail == issue.detail)
        {
            entry.2.extend(target);
            return;
        }
        self.entries
            .push((issue.code, issue.detail, target.into_iter().collect()));
    }

    fn render(entry: &(&'static str, String, Vec<Target>)) -> String {
        let (code, detail, targets) = entry;
        if targets.is_empty() {
            format!("{code}: {detail}")
        } else {
            let names: Vec<&str> = targets.iter().map(|t| t.as_str()).collect();
            format!("{code} for {}: {detail}", names.join(", "))
        }
    }

    /// First issue in full, then the others.
    fn detail(&self) -> String {
        let mut parts = self.entries.iter().map(Self::render);
        let mut out = parts.next().unwrap_or_default();
        let rest: Vec<String> = parts.collect();
        if !rest.is_empty() {
            out.push_str("; also ");
            out.push_str(&rest.join("; "));
        }
        out
    }

    /// Distinct codes in first-seen order.
    fn codes(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for (code, _, _) in &self.entries {
            if !out.contains(code) {
                out.push(code);
            }
        }
        out
    }
}

/// Which kept row each shaped value belongs to, for building the output columns.
struct KeptRows {
    shaped: Vec<Shaped>,
    mask: Vec<bool>,
    metas: Vec<RowMeta>,
}

impl FormatStage {
    fn build_columns(&self, data: &RecordBatch, kept: KeptRows) -> Result<Batch, CoreError> {
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(self.output.fields.len());
        match self.shape {
            Shape::Chat => {
                let (item, fields) = messages_layout()?;
                let mut lengths = Vec::with_capacity(kept.shaped.len());
                let mut roles: Vec<Option<String>> = Vec::new();
                let mut contents: Vec<Option<String>> = Vec::new();
                for shaped in kept.shaped {
                    let Shaped::Chat(turns) = shaped else {
                        return Err(invalid(
                            "format stage: a chat row was not shaped as chat".to_owned(),
                        ));
                    };
                    lengths.push(turns.len());
                    for turn in turns {
                        roles.push(turn.role);
                        contents.push(turn.content);
                    }
                }
                let values = StructArray::try_new(
                    fields,
                    vec![
                        Arc::new(StringArray::from(roles)) as ArrayRef,
                        Arc::new(StringArray::from(contents)) as ArrayRef,
                    ],
                    None,
                )?;
                let list = ListArray::try_new(
                    item,
                    OffsetBuffer::from_lengths(lengths),
                    Arc::new(values),
                    None,
                )?;
                columns.push(Arc::new(list));
            }
            shape => {
                let width = shape.text_columns().len();
                let mut per_column: Vec<Vec<String>> =
                    vec![Vec::with_capacity(kept.shaped.len()); width];
                for shaped in kept.shaped {
                    let Shaped::Fields(values) = shaped else {
                        return Err(invalid("format stage: a row was shaped as chat".to_owned()));
                    };
                    for (column, value) in per_column.iter_mut().zip(values) {
                        column.push(value);
                    }
                }
                for column in per_column {
                    columns.push(Arc::new(StringArray::from(column)));
                }
            }
        }
        let mask = BooleanArray::from(kept.mask);
        for name in &self.keep {
            let column = data
                .column_by_name(name)
                .ok_or_else(|| invalid(format!("format stage: keep field `{name}` is missing")))?;
            columns.push(filter(column, &mask)?);
        }
        let out = RecordBatch::try_new(self.output_arrow.clone(), columns)?;
        Batch::new(out, kept.metas)
    }
}

impl RowStage for FormatStage {
    fn kind(&self) -> &'static str {
        "format"
    }

    fn process(&self, batch: Batch) -> Result<StageOutput, CoreError> {
        let rows = batch.len();
        let mut report = StageReport {
            rows_in: rows as u64,
            ..StageReport::default()
        };
        let counters = &mut report.counters;
        for check in &self.checks {
            for outcome in ["ok", "would_drop", "would_truncate"] {
                counters.insert(format!("{}.{outcome}", check.target), 0);
            }
        }
        for name in ["tokens.total", "tokens.max", "tokens.rows"] {
            counters.insert(name.to_owned(), 0);
        }
        for bound in TOKEN_BUCKETS {
            counters.insert(format!("tokens.le_{bound:05}"), 0);
        }
        counters.insert(
            format!("tokens.gt_{:05}", TOKEN_BUCKETS[TOKEN_BUCKETS.len() - 1]),
            0,
        );

        let shaped_rows = self.shape_rows(&batch.data)?;
        let mut kept = KeptRows {
            shaped: Vec::new(),
            mask: Vec::with_capacity(rows),
            metas: Vec::new(),
        };
        let mut removals: Vec<(usize, ReasonCode, String)> = Vec::new();
        let mut flags = Vec::new();
        for (row, (shaped, meta)) in shaped_rows.into_iter().zip(&batch.rows).enumerate() {
            let (shaped, shape_issues) = match shaped {
                Ok(ok) => ok,
                Err(issue) => {
                    let mut issues = RowIssues::default();
                    issues.push(issue, None);
                    removals.push((row, ReasonCode::of(FT_MISSING_FIELD), issues.detail()));
                    kept.mask.push(false);
                    continue;
                }
            };
            let tokens = self.count_tokens(&shaped);
            record_tokens(&mut report.counters, tokens);
            let mut issues = RowIssues::default();
            for issue in shape_issues {
                issues.push(issue, None);
            }
            for check in &self.checks {
                let verdict = checks::check(
                    check.target,
                    &check.rules,
                    check.limit,
                    self.shape,
                    &shaped,
                    tokens,
                );
                let outcome = match verdict.outcome {
                    Outcome::Ok => "ok",
                    Outcome::WouldDrop => "would_drop",
                    Outcome::WouldTruncate => "would_truncate",
                };
                *report
                    .counters
                    .entry(format!("{}.{outcome}", check.target))
                    .or_default() += 1;
                for issue in verdict.issues {
                    issues.push(issue, Some(check.target));
                }
            }
            let codes = issues.codes();
            if codes.is_empty() {
                kept.mask.push(true);
                kept.shaped.push(shaped);
                kept.metas.push(meta.clone());
                continue;
            }
            match self.on_incompatible {
                OnIncompatible::Quarantine => {
                    removals.push((row, ReasonCode::of(codes[0]), issues.detail()));
                    kept.mask.push(false);
                }
                OnIncompatible::Warn => {
                    for code in codes {
                        *report.flagged.entry(code.to_owned()).or_default() += 1;
                        flags.push(Flag {
                            record: meta.id.clone(),
                            source: meta.source,
                            code: ReasonCode::of(code),
                        });
                    }
                    kept.mask.push(true);
                    kept.shaped.push(shaped);
                    kept.metas.push(meta.clone());
                }
            }
        }

        let content = if removals.is_empty() {
            Vec::new()
        } else {
            batch.rows_as_json()?
        };
        let mut removed = Vec::with_capacity(removals.len());
        for (row, reason, detail) in removals {
            *report.removed.entry(reason.to_string()).or_default() += 1;
            removed.push(Removal {
                row: batch.rows[row].clone(),
                reason,
                detail,
                survivor: None,
                content: content.get(row).cloned(),
            });
        }
        let kept = self.build_columns(&batch.data, kept)?;
        report.rows_out = kept.len() as u64;
        if !report.conserves() {
            return Err(invalid(format!(
                "format stage lost rows: {} in, {} out, {} removed",
                report.rows_in,
                report.rows_out,
                report.removed_total()
            )));
        }
        Ok(StageOutput {
            kept,
            removed,
            spans: Vec::new(),
            flags,
            report,
        })
    }
}

/// Adds one row's token count to the distribution counters. `tokens.max` is a per-batch maximum:
/// merging batch reports must take the max of it, not the sum.
fn record_tokens(counters: &mut BTreeMap<String, u64>, tokens: u64) {
    *counters.entry("tokens.total".to_owned()).or_default() += tokens;
    *counters.entry("tokens.rows".to_owned()).or_default() += 1;
    let max = counters.entry("tokens.max".to_owned()).or_default();
    *max = (*max).max(tokens);
    let bucket = match TOKEN_BUCKETS.iter().find(|b| tokens <= **b) {
        Some(bound) => format!("tokens.le_{bound:05}"),
        None => format!("tokens.gt_{:05}", TOKEN_BUCKETS[TOKEN_BUCKETS.len() - 1]),
    };
    *counters.entry(bucket).or_default() += 1;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{FT_EMPTY_TURN, FT_LAST_NOT_ASSISTANT, FT_ROLE_INVALID, FT_TOO_LONG};
    use sluice_core::{RecordId, SourceRef};

    const SECRET: &str = "SECRET-VALUE-4242";

    /// (role, content) of a test conversation turn.
    type TestTurn<'a> = (Option<&'a str>, Option<&'a str>);

    fn schema() -> TargetSchema {
        TargetSchema::of([
            ("ticket_id", FieldType::String),
            ("subject", FieldType::String),
            ("body", FieldType::String),
            ("resolution", FieldType::String),
            ("priority", FieldType::Int64),
            ("conversation", FieldType::messages()),
        ])
    }

    type Row<'a> = (
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
    );

    /// A batch of (subject, body, resolution, ticket_id) rows; `conversation` is null.
    fn batch(rows: &[Row<'_>]) -> Batch {
        batch_with_messages(rows, &vec![None; rows.len()])
    }

    fn batch_with_messages(rows: &[Row<'_>], conversations: &[Option<Vec<TestTurn<'_>>>]) -> Batch {
        let schema = schema();
        let (item, fields) = messages_layout().expect("layout");
        let mut lengths = Vec::new();
        let mut roles = Vec::new();
        let mut contents = Vec::new();
        let mut valid = Vec::new();
        for conversation in conversations {
            let turns = conversation.clone().unwrap_or_default();
            valid.push(conversation.is_some());
            lengths.push(turns.len());
            for (role, content) in turns {
                roles.push(role.map(str::to_owned));
                contents.push(content.map(str::to_owned));
            }
        }
        let values = StructArray::try_new(
            fields,
            vec![
                Arc::new(StringArray::from(roles)) as ArrayRef,
                Arc::new(StringArray::from(contents)) as ArrayRef,
            ],
            None,
        )
        .expect("struct");
        let list = ListArray::try_new(
            item,
            OffsetBuffer::from_lengths(lengths),
            Arc::new(values),
            Some(valid.into()),
        )
        .expect("list");
        let col = |f: for<'r> fn(&'r Row<'r>) -> Option<&'r str>| -> ArrayRef {
            Arc::new(StringArray::from(rows.iter().map(f).collect::<Vec<_>>()))
        };
        let data = RecordBatch::try_new(
            schema.arrow_schema(),
            vec![
                col(|r| r.3),
                col(|r| r.0),
                col(|r| r.1),
                col(|r| r.2),
                Arc::new(arrow::array::Int64Array::from(vec![Some(1); rows.len()])),
                Arc::new(list),
            ],
        )
        .expect("batch");
        let metas = (0..rows.len() as u64)
            .map(|i| RowMeta {
                id: RecordId::new("feedfacefeedface", i),
                source: SourceRef {
                    input: 0,
                    row: i,
                    line: i + 1,
                },
            })
            .collect();
        Batch::new(data, metas).expect("batch")
    }

    fn config(extra: &str) -> FormatConfig {
        let text = format!(
            "shape = \"chat\"\nuser = \"{{subject}}\\n\\n{{body}}\"\nassistant = \"{{resolution}}\"\n{extra}"
        );
        toml::from_str(&text).expect("config parses")
    }

    fn build(config: FormatConfig) -> FormatStage {
        FormatStage::build(config, &schema(), Path::new(".")).expect("builds")
    }

    fn chat_rows(out: &Batch) -> Vec<Vec<(Option<String>, Option<String>)>> {
        let list = out.data.column(0).as_list::<i32>();
        let items = list.values().as_struct();
        let roles = items.column(0).as_string::<i32>();
        let contents = items.column(1).as_string::<i32>();
        let offsets = list.value_offsets();
        (0..list.len())
            .map(|row| {
                (offsets[row] as usize..offsets[row + 1] as usize)
                    .map(|i| {
                        (
                            roles.is_valid(i).then(|| roles.value(i).to_owned()),
                            contents.is_valid(i).then(|| contents.value(i).to_owned()),
                        )
                    })
                    .collect()
            })
            .collect()
    }

    fn assert_no_secret(output: &StageOutput) {
        for removal in &output.removed {
            assert!(!removal.detail.contains(SECRET), "{}", removal.detail);
        }
        let report = serde_json::to_string(&output.report).expect("json");
        assert!(!report.contains(SECRET));
    }

    #[test]
    fn chat_from_templates_with_system_and_keep() {
        let stage = build(config(
            "system = \"You help.\"\nkeep = [\"ticket_id\"]\ntargets = [\"openai\", \"trl\"]",
        ));
        let input = batch(&[(
            Some("Refund"),
            Some("Card charged twice"),
            Some("Refunded"),
            Some("T-1"),
        )]);
        let metas = input.rows.clone();
        let out = stage.process(input).expect("processes");
        assert_eq!(out.report.rows_out, 1);
        assert!(out.removed.is_empty());
        assert_eq!(out.kept.rows, metas);
        assert_eq!(out.kept.data.schema(), stage.output_schema().arrow_schema());
        let output = stage.output_schema();
        let names: Vec<&str> = output.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, vec!["messages", "ticket_id"]);
        assert_eq!(
            chat_rows(&out.kept),
            vec![vec![
                (Some("system".into()), Some("You help.".into())),
                (
                    Some("user".into()),
                    Some("Refund\n\nCard charged twice".into())
                ),
                (Some("assistant".into()), Some("Refunded".into())),
            ]]
        );
        assert_eq!(out.kept.data.column(1).as_string::<i32>().value(0), "T-1");
        assert_eq!(out.report.counters["openai.ok"], 1);
        assert_eq!(out.report.counters["trl.ok"], 1);
        assert_eq!(out.report.counters["tokens.rows"], 1);
    }

    #[test]
    fn system_with_a_null_field_is_omitted() {
        let stage = build(config(
            "system = \"Ticket {ticket_id}\"\ntargets = [\"openai\"]",
        ));
        let out = stage
            .process(batch(&[(Some("s"), Some("b"), Some("r"), None)]))
            .expect("processes");
        let rows = chat_rows(&out.kept);
        assert_eq!(rows[0].len(), 2);
        assert_eq!(rows[0][0].0.as_deref(), Some("user"));
    }

    #[test]
    fn null_template_field_is_always_removed_with_the_original_row() {
        for mode in ["quarantine", "warn"] {
            let stage = build(config(&format!(
                "targets = [\"openai\"]\non_incompatible = \"{mode}\""
            )));
            let out = stage
                .process(batch(&[
                    (Some(SECRET), None, Some("r"), Some("T-1")),
                    (Some("s"), Some("b"), Some("r"), Some("T-2")),
                ]))
                .expect("processes");
            assert_eq!(out.removed.len(), 1, "{mode}");
            let removal = &out.removed[0];
            assert_eq!(removal.reason.as_str(), FT_MISSING_FIELD);
            assert_eq!(
                removal.detail,
                "FT_MISSING_FIELD: `user`: field `body` is null"
            );
            let content = removal.content.as_deref().expect("content");
            assert!(content.contains("\"ticket_id\":\"T-1\""), "{content}");
            assert!(out.report.conserves());
            assert_eq!(out.kept.rows[0].id.as_str(), "feedfacefeedface:1");
            assert_no_secret(&out);
        }
    }

    #[test]
    fn empty_answer_is_quarantined_or_flagged() {
        let rows = [
            (Some(SECRET), Some("b"), Some("  "), Some("T-1")),
            (Some("s"), Some("b"), Some("r"), Some("T-2")),
        ];
        let stage = build(config("targets = [\"openai\", \"llamafactory\"]"));
        let out = stage.process(batch(&rows)).expect("processes");
        assert_eq!(out.removed.len(), 1);
        assert_eq!(out.removed[0].reason.as_str(), FT_EMPTY_FIELD);
        assert_eq!(
            out.removed[0].detail,
            "FT_EMPTY_FIELD: `assistant`: field `resolution` is empty; also FT_EMPTY_TURN for \
             openai, llamafactory: turn 1 (assistant) has no content"
        );
        assert_eq!(out.report.removed[FT_EMPTY_FIELD], 1);
        assert_eq!(out.report.counters["openai.would_drop"], 1);
        assert_eq!(out.report.counters["openai.ok"], 1);
        assert_no_secret(&out);

        let stage = build(config("targets = [\"openai\"]\non_incompatible = \"warn\""));
        let out = stage.process(batch(&rows)).expect("processes");
        assert!(out.removed.is_empty());
        assert_eq!(out.report.rows_out, 2);
        let codes: Vec<&str> = out.flags.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, vec![FT_EMPTY_FIELD, FT_EMPTY_TURN]);
        assert_eq!(out.flags[0].record.as_str(), "feedfacefeedface:0");
        assert_eq!(out.report.flagged[FT_EMPTY_TURN], 1);
    }

    #[test]
    fn messages_pass_through_and_are_checked() {
        let mut cfg: FormatConfig = toml::from_str(
            "shape = \"chat\"\nmessages = \"conversation\"\ntargets = [\"openai\", \"trl\"]",
        )
        .expect("config");
        cfg.keep = vec!["ticket_id".into()];
        let stage = build(cfg);
        let rows = [(None, None, None, Some("T-1")); 4];
        let conversations = vec![
            Some(vec![
                (Some("user"), Some("hi")),
                (Some("assistant"), Some("hello")),
            ]),
            Some(vec![
                (Some("user"), Some("hi")),
                (Some("assistant"), Some("x")),
                (Some("user"), Some(SECRET)),
            ]),
            Some(vec![
                (Some(SECRET), Some("hi")),
                (Some("assistant"), Some("x")),
            ]),
            None,
        ];
        let out = stage
            .process(batch_with_messages(&rows, &conversations))
            .expect("processes");
        assert_eq!(out.kept.len(), 1);
        assert_eq!(
            chat_rows(&out.kept)[0],
            vec![
                (Some("user".into()), Some("hi".into())),
                (Some("assistant".into()), Some("hello".into()))
            ]
        );
        let reasons: Vec<&str> = out.removed.iter().map(|r| r.reason.as_str()).collect();
        assert_eq!(
            reasons,
            vec![FT_LAST_NOT_ASSISTANT, FT_ROLE_INVALID, FT_MISSING_FIELD]
        );
        // OpenAI tolerates a trailing user turn; TRL does not.
        assert!(
            out.removed[0]
                .detail
                .starts_with("FT_LAST_NOT_ASSISTANT for trl:"),
            "{}",
            out.removed[0].detail
        );
        assert_eq!(out.report.counters["openai.ok"], 2);
        assert_eq!(out.report.counters["openai.would_drop"], 1);
        assert_no_secret(&out);
    }

    #[test]
    fn instruction_shape_with_optional_input() {
        let cfg: FormatConfig = toml::from_str(
            "shape = \"instruction\"\ninstruction = \"Resolve the ticket.\"\ninput = \"{body}\"\noutput = \"{resolution}\"\ntargets = [\"llamafactory\", \"hf\"]",
        )
        .expect("config");
        let stage = build(cfg);
        let out = stage
            .process(batch(&[
                (Some("s"), Some("the body"), Some("done"), None),
                (Some("s"), None, Some("done"), None),
            ]))
            .expect("processes");
        assert_eq!(out.kept.len(), 2);
        let col = |i: usize| out.kept.data.column(i).as_string::<i32>();
        assert_eq!(col(0).value(1), "Resolve the ticket.");
        assert_eq!(col(1).value(0), "the body");
        assert_eq!(col(1).value(1), "", "a null optional input becomes empty");
        assert_eq!(col(2).value(1), "done");
        assert_eq!(out.kept.data.schema(), stage.output_schema().arrow_schema());
    }

    #[test]
    fn prompt_completion_and_text_shapes() {
        let cfg: FormatConfig = toml::from_str(
            "shape = \"prompt_completion\"\nprompt = \"{subject}: \"\ncompletion = \"{resolution}\"\ntargets = [\"trl\"]",
        )
        .expect("config");
        let out = build(cfg)
            .process(batch(&[(Some("s"), None, Some("r"), None)]))
            .expect("processes");
        assert_eq!(out.kept.data.column(0).as_string::<i32>().value(0), "s: ");
        assert_eq!(out.kept.data.column(1).as_string::<i32>().value(0), "r");

        let cfg: FormatConfig = toml::from_str(
            "shape = \"text\"\ntext = \"{subject}\\n{body}\"\ntargets = [\"trl\", \"llamafactory\"]",
        )
        .expect("config");
        let out = build(cfg)
            .process(batch(&[(Some("s"), Some("b"), None, None)]))
            .expect("processes");
        assert_eq!(out.kept.data.column(0).as_string::<i32>().value(0), "s\nb");
        assert_eq!(out.kept.data.num_columns(), 1);
    }

    #[test]
    fn too_long_rows_per_target() {
        let stage = build(config("targets = [\"trl\", \"ms-swift\"]\nmax_tokens = 20"));
        let long = "word ".repeat(40);
        let out = stage
            .process(batch(&[
                (Some("s"), Some(long.as_str()), Some("r"), None),
                (Some("s"), Some("b"), Some("r"), None),
            ]))
            .expect("processes");
        assert_eq!(out.removed.len(), 1);
        assert_eq!(out.removed[0].reason.as_str(), FT_TOO_LONG);
        assert!(
            out.removed[0].detail.contains("> limit 20 (trl truncates)"),
            "{}",
            out.removed[0].detail
        );
        assert!(
            out.removed[0].detail.contains("(ms-swift drops)"),
            "{}",
            out.removed[0].detail
        );
        let c = &out.report.counters;
        assert_eq!(c["trl.would_truncate"], 1);
        assert_eq!(c["ms-swift.would_drop"], 1);
        assert_eq!(c["trl.ok"], 1);
        assert_eq!(c["tokens.rows"], 2);
        assert!(c["tokens.max"] > 20);
        assert_eq!(c["tokens.le_00256"], 2);
    }

    #[test]
    fn default_limits_come_from_the_targets() {
        let stage = build(config(
            "targets = [\"openai\", \"llamafactory\", \"trl\", \"bailian\"]",
        ));
        assert_eq!(
            stage.limits(),
            vec![
                (Target::OpenAi, Some(65_536)),
                (Target::LlamaFactory, Some(2048)),
                (Target::Trl, Some(1024)),
                (Target::Bailian, None)
            ]
        );
        let stage = build(config("targets = [\"openai\"]\nmax_tokens = 4096"));
        assert_eq!(stage.limits(), vec![(Target::OpenAi, Some(4096))]);
    }

    #[test]
    fn chinese_text_token_counts() {
        let stage = build(config("targets = [\"hf\"]"));
        assert_eq!(stage.tokenizer_name(), "cl100k");
        let cfg: FormatConfig = toml::from_str(
            "shape = \"chat\"\nuser = \"{subject}\"\nassistant = \"{resolution}\"\ntargets = [\"hf\"]",
        )
        .expect("config");
        let out = build(cfg)
            .process(batch(&[(
                Some("你好，世界"),
                None,
                Some("hello world"),
                None,
            )]))
            .expect("processes");
        // cl100k: "你好，世界" = 6, "hello world" = 2, "user" = 1, "assistant" = 1; plus the
        // cookbook framing of 3 per message and 3 per conversation.
        assert_eq!(
            out.report.counters["tokens.total"],
            3 + (3 + 1 + 6) + (3 + 1 + 2)
        );
    }

    #[test]
    fn conservation_and_determinism_across_batch_splits() {
        let long = "x ".repeat(3000);
        let rows: Vec<Row<'_>> = (0..12)
            .map(|i| match i % 4 {
                0 => (Some("s"), Some("b"), Some("r"), Some("T")),
                1 => (Some("s"), None, Some("r"), Some("T")),
                2 => (Some("s"), Some(long.as_str()), Some("r"), Some("T")),
                _ => (Some("s"), Some("b"), Some(" "), Some("T")),
            })
            .collect();
        let stage = build(config(
            "targets = [\"openai\", \"trl\", \"llamafactory\"]\nkeep = [\"ticket_id\"]",
        ));
        let whole = stage.process(batch(&rows)).expect("whole");
        assert!(whole.report.conserves());
        assert_eq!(whole.report.rows_in, 12);
        assert_eq!(whole.report.rows_out + whole.removed.len() as u64, 12);

        let again = stage.process(batch(&rows)).expect("again");
        assert_eq!(whole.report, again.report);

        let mut merged = StageReport::default();
        let mut kept_rows = Vec::new();
        let mut removed = Vec::new();
        for chunk in [&rows[..5], &rows[5..]] {
            let out = stage.process(batch(chunk)).expect("chunk");
            assert!(out.report.conserves());
            merged.merge(&out.report);
            kept_rows.extend(chat_rows(&out.kept));
            removed.extend(
                out.removed
                    .iter()
                    .map(|r| (r.reason.clone(), r.detail.clone())),
            );
        }
        assert_eq!(kept_rows, chat_rows(&whole.kept));
        let whole_removed: Vec<_> = whole
            .removed
            .iter()
            .map(|r| (r.reason.clone(), r.detail.clone()))
            .collect();
        assert_eq!(removed, whole_removed);
        // Everything but the per-batch maximum adds up across batches.
        merged.counters.remove("tokens.max");
        let mut whole_counters = whole.report.counters.clone();
        whole_counters.remove("tokens.max");
        assert_eq!(merged.counters, whole_counters);
        assert_eq!(merged.removed, whole.report.removed);
    }

    #[test]
    fn config_errors_name_keys() {
        let schema = schema();
        let err = |text: &str| -> String {
            let cfg: FormatConfig = toml::from_str(text).expect("parses");
            FormatStage::build(cfg, &schema, Path::new("."))
                .expect_err("invalid")
                .to_string()
        };
        let chat = "shape = \"chat\"\nuser = \"{subject}\"\nassistant = \"{resolution}\"\n";
        assert!(err(&format!("{chat}targets = []")).contains("`targets` is empty"));
        assert!(
            err(&format!("{chat}targets = [\"axolotl\"]")).contains("unknown target `axolotl`")
        );
        assert!(err(&format!("{chat}targets = [\"trl\", \"trl\"]")).contains("listed twice"));
        assert!(err(&format!("{chat}targets = [\"hf\"]\nmax_tokens = 0")).contains("max_tokens"));
        assert!(
            err(&format!("{chat}targets = [\"hf\"]\nkeep = [\"nope\"]"))
                .contains("`keep` refers to unknown field `nope`")
        );
        assert!(
            err(&format!("{chat}targets = [\"hf\"]\nkeep = [\"messages\"]"))
                .contains("unknown field")
        );
        assert!(
            err(&format!("{chat}targets = [\"hf\"]\noutput = \"{{body}}\""))
                .contains("`output` is not used by shape `chat`")
        );
        assert!(
            err(&format!(
                "{chat}targets = [\"hf\"]\nmessages = \"conversation\""
            ))
            .contains("cannot both be set")
        );
        assert!(
            err(&format!("{chat}targets = [\"hf\"]\ntokenizer = \"gpt2\"")).contains("`tokenizer`")
        );
        assert!(
            err("shape = \"chat\"\nuser = \"{subject}\"\ntargets = [\"hf\"]")
                .contains("needs `assistant`")
        );
        assert!(err("shape = \"chat\"\nuser = \"{priority}\"\nassistant = \"{resolution}\"\ntargets = [\"hf\"]").contains("type int64"));
        assert!(
            err("shape = \"chat\"\nmessages = \"body\"\ntargets = [\"hf\"]")
                .contains("expected messages")
        );
        let e = err(
            "shape = \"instruction\"\ninstruction = \"i\"\noutput = \"{resolution}\"\ntargets = [\"openai\"]",
        );
        assert!(
            e.contains("target `openai` does not accept shape `instruction`"),
            "{e}"
        );
        assert!(
            err("shape = \"text\"\ntext = \"{subject\"\ntargets = [\"hf\"]")
                .contains("template `text`")
        );
        let unknown_key = toml::from_str::<FormatConfig>(
            "shape = \"text\"\ntext = \"x\"\ntargets = [\"hf\"]\ncolour = \"red\"",
        );
        assert!(unknown_key.is_err());
    }

    #[test]
    fn relative_tokenizer_path_resolves_against_base_dir() {
        let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tokenize/tests/fixtures");
        let mut cfg = config("targets = [\"hf\"]");
        cfg.tokenizer = "wordlevel.json".into();
        let stage = FormatStage::build(cfg, &schema(), &base).expect("builds");
        assert!(stage.tokenizer_name().starts_with("file:"));
    }
}
