//! The redaction stage: scans free-text fields, applies whole-value rules to structured columns,
//! and quarantines rows whose policy says so.

use crate::config::{PolicyConfig, RedactConfig};
use crate::edits::{BatchEdits, Finding};
use crate::engine::{DEFAULT_SELECTION, Engine};
use crate::error::RedactError;
use crate::policy::{Action, apply_replacements, mask, placeholder};
use arrow::array::{Array, ArrayRef, BooleanArray, RecordBatch, new_null_array};
use arrow::compute::nullif;
use sluice_core::strings::map_strings;
use sluice_core::{
    Batch, CoreError, FieldPath, FieldType, ReasonCode, Removal, RowStage, StageOutput,
    StageReport, TargetSchema,
};
use std::collections::BTreeSet;

/// Detector code recorded in spans of whole-column rules.
pub const COLUMN_DETECTOR: &str = "column";

/// A structured column handled as a whole. Each non-null value yields one span with detector
/// `column`, element 0 and chars `0..len` (`0..0` for non-text values, which have no chars).
#[derive(Debug, Clone)]
struct ColumnRule {
    field: String,
    action: Action,
    /// The entity recorded for it: the field name upper-cased (`customer_name` → `CUSTOMER_NAME`),
    /// which is also its placeholder (`<CUSTOMER_NAME>`).
    entity: String,
}

/// The runtime redaction stage, built and validated from a [`RedactConfig`].
#[derive(Debug)]
pub struct RedactStage {
    engine: Engine,
    policy: PolicyConfig,
    scanned: Vec<String>,
    columns: Vec<ColumnRule>,
}

impl RedactStage {
    /// Validates `config` against `schema` (detector codes, field names and types, policy entity
    /// types, overlap of `fields` and `columns`) and compiles the detectors.
    pub fn build(config: &RedactConfig, schema: &TargetSchema) -> Result<RedactStage, RedactError> {
        let engine = match &config.detectors {
            Some(selection) => Engine::new(selection)?,
            None => Engine::new(&[DEFAULT_SELECTION])?,
        };
        validate_policy(&config.policy)?;
        let columns = column_rules(config, schema)?;
        let scanned = scanned_fields(config, schema)?;
        Ok(RedactStage {
            engine,
            policy: config.policy.clone(),
            scanned,
            columns,
        })
    }

    /// The fields scanned by the detectors, in schema order.
    pub fn scanned_fields(&self) -> &[String] {
        &self.scanned
    }

    /// The compiled detectors.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// `text` with every finding of the enabled detectors replaced by its placeholder, whatever
    /// the policy. The pipeline uses it on quarantine content and unparseable raw lines.
    pub fn redact_text(&self, text: &str) -> String {
        let edits: Vec<_> = self
            .engine
            .detect(text)
            .into_iter()
            .map(|d| (d.start..d.end, placeholder(d.entity)))
            .collect();
        if edits.is_empty() {
            return text.to_owned();
        }
        apply_replacements(text, &edits)
    }

    /// Scans every string of a free-text column and rewrites those with findings.
    fn scan_column(
        &self,
        array: &ArrayRef,
        field: &str,
        column: usize,
        edits: &mut BatchEdits,
    ) -> Result<ArrayRef, CoreError> {
        map_strings(array, &FieldPath::root(field), &mut |site, value| {
            // Roles are protocol values (`user`, `assistant`), never personal data.
            if site.path.as_str().ends_with(".role") {
                return None;
            }
            let detections = self.engine.detect(value);
            if detections.is_empty() {
                return None;
            }
            let mut chars = CharCounter::new(value);
            let mut replacements = Vec::with_capacity(detections.len());
            for detection in detections {
                let action = self.policy.action_for(detection.entity);
                let range = detection.start..detection.end;
                let start = chars.at(range.start);
                let end = chars.at(range.end);
                edits.record(Finding {
                    row: site.row,
                    column,
                    path: site.path.clone(),
                    element: site.element,
                    entity: detection.entity.to_owned(),
                    detector: detection.detector,
                    chars: (start, end),
                    action,
                });
                // Quarantined and dropped values are replaced too, so the raw value survives
                // neither in quarantine content nor in the buffers under a null.
                let replacement = match action {
                    Action::Mask => mask(&value[range.clone()]),
                    Action::Placeholder | Action::DropField | Action::Quarantine => {
                        placeholder(detection.entity)
                    }
                };
                replacements.push((range, replacement));
            }
            Some(apply_replacements(value, &replacements))
        })
    }

    /// Applies a whole-column rule to every non-null value of `array`.
    fn apply_column_rule(
        &self,
        array: &ArrayRef,
        rule: &ColumnRule,
        column: usize,
        edits: &mut BatchEdits,
    ) -> Result<ArrayRef, CoreError> {
        let path = FieldPath::root(&rule.field);
        let string_values = array.data_type() == &FieldType::String.to_arrow();
        let mut record = |row: usize, chars: u32| {
            edits.record(Finding {
                row,
                column,
                path: path.clone(),
                element: 0,
                entity: rule.entity.clone(),
                detector: COLUMN_DETECTOR,
                chars: (0, chars),
                action: rule.action,
            });
        };
        if string_values {
            let token = placeholder(&rule.entity);
            return map_strings(array, &path, &mut |site, value| {
                record(site.row, char_count(value));
                Some(match rule.action {
                    Action::Mask => mask(value),
                    Action::Placeholder | Action::DropField | Action::Quarantine => token.clone(),
                })
            });
        }
        // Non-text columns only take drop_field or quarantine (checked at build). Every non-null
        // value goes (dropped, or its row quarantined), so the column becomes all null: no raw
        // value stays behind in a buffer.
        for row in (0..array.len()).filter(|i| array.is_valid(*i)) {
            record(row, 0);
        }
        Ok(new_null_array(array.data_type(), array.len()))
    }
}

impl RowStage for RedactStage {
    fn kind(&self) -> &'static str {
        "redact"
    }

    fn process(&self, batch: Batch) -> Result<StageOutput, CoreError> {
        let rows_in = batch.len();
        let schema = batch.data.schema();
        let mut columns: Vec<ArrayRef> = batch.data.columns().to_vec();
        let mut edits = BatchEdits::new(rows_in);
        for field in &self.scanned {
            let index = column_index(&batch, field)?;
            columns[index] = self.scan_column(&columns[index], field, index, &mut edits)?;
        }
        for rule in &self.columns {
            let index = column_index(&batch, &rule.field)?;
            columns[index] = self.apply_column_rule(&columns[index], rule, index, &mut edits)?;
        }
        for (index, rows) in edits.dropped() {
            if let Some(column) = columns.get_mut(*index) {
                *column = nullif(column.as_ref(), &BooleanArray::from(rows.clone()))?;
            }
        }
        let keep = edits.keep_mask();
        let details = edits.quarantine_details();
        let data = RecordBatch::try_new(schema, columns)?;
        let mut report = StageReport {
            rows_in: rows_in as u64,
            ..StageReport::default()
        };
        let spans = edits.into_spans(&batch.rows, &mut report);
        let (kept, quarantined) = Batch::new(data, batch.rows)?.partition(&keep)?;
        let contents = quarantined.rows_as_json()?;
        let removed: Vec<Removal> = quarantined
            .rows
            .into_iter()
            .zip(details)
            .zip(contents)
            .map(|((row, detail), content)| Removal {
                row,
                reason: ReasonCode::PII_QUARANTINE,
                detail,
                survivor: None,
                content: Some(content),
            })
            .collect();
        report.rows_out = kept.len() as u64;
        if !removed.is_empty() {
            report.removed.insert(
                ReasonCode::PII_QUARANTINE.as_str().to_owned(),
                removed.len() as u64,
            );
        }
        Ok(StageOutput {
            kept,
            removed,
            spans,
            report,
        })
    }
}

fn column_index(batch: &Batch, field: &str) -> Result<usize, CoreError> {
    batch
        .data
        .schema()
        .index_of(field)
        .map_err(|_| CoreError::UnknownField(field.to_owned()))
}

fn char_count(value: &str) -> u32 {
    u32::try_from(value.chars().count()).unwrap_or(u32::MAX)
}

/// Converts ascending byte offsets of one value to char offsets in a single forward pass.
struct CharCounter<'a> {
    text: &'a str,
    byte: usize,
    chars: usize,
}

impl<'a> CharCounter<'a> {
    fn new(text: &'a str) -> Self {
        CharCounter {
            text,
            byte: 0,
            chars: 0,
        }
    }

    /// The char offset of byte offset `byte` (a char boundary).
    fn at(&mut self, byte: usize) -> u32 {
        if byte < self.byte {
            self.byte = 0;
            self.chars = 0;
        }
        self.chars += self
            .text
            .get(self.byte..byte)
            .map_or(0, |s| s.chars().count());
        self.byte = byte;
        u32::try_from(self.chars).unwrap_or(u32::MAX)
    }
}

fn validate_policy(policy: &PolicyConfig) -> Result<(), RedactError> {
    let known: BTreeSet<&str> = crate::detectors::catalogue()
        .iter()
        .map(|info| info.entity)
        .collect();
    for key in policy.by_entity.keys() {
        if !known.contains(key.as_str()) {
            return Err(RedactError::UnknownEntity {
                key: key.clone(),
                known: known.iter().copied().collect::<Vec<_>>().join(", "),
            });
        }
    }
    Ok(())
}

fn column_rules(
    config: &RedactConfig,
    schema: &TargetSchema,
) -> Result<Vec<ColumnRule>, RedactError> {
    let mut rules = Vec::new();
    for (field, action) in &config.columns {
        let spec = schema
            .field(field)
            .ok_or_else(|| RedactError::UnknownField(field.clone()))?;
        let writes_text = matches!(action, Action::Placeholder | Action::Mask);
        if writes_text && spec.ty != FieldType::String {
            return Err(RedactError::ColumnNeedsString {
                field: field.clone(),
                ty: spec.ty.to_string(),
                action: action.name(),
            });
        }
        rules.push(ColumnRule {
            field: field.clone(),
            action: *action,
            entity: field.to_uppercase(),
        });
    }
    Ok(rules)
}

fn scanned_fields(
    config: &RedactConfig,
    schema: &TargetSchema,
) -> Result<Vec<String>, RedactError> {
    let Some(listed) = &config.fields else {
        return Ok(schema
            .fields
            .iter()
            .filter(|f| f.ty.contains_text() && !config.columns.contains_key(&f.name))
            .map(|f| f.name.clone())
            .collect());
    };
    let mut seen = BTreeSet::new();
    for field in listed {
        let spec = schema
            .field(field)
            .ok_or_else(|| RedactError::UnknownField(field.clone()))?;
        if !spec.ty.contains_text() {
            return Err(RedactError::NotText {
                field: field.clone(),
                ty: spec.ty.to_string(),
            });
        }
        if config.columns.contains_key(field) {
            return Err(RedactError::ColumnAlsoScanned(field.clone()));
        }
        if !seen.insert(field.as_str()) {
            return Err(RedactError::DuplicateField(field.clone()));
        }
    }
    // Schema order, so spans and counters do not depend on how the list was written.
    Ok(schema
        .fields
        .iter()
        .filter(|f| seen.contains(f.name.as_str()))
        .map(|f| f.name.clone())
        .collect())
}

#[cfg(test)]
#[path = "stage_tests.rs"]
mod tests;
