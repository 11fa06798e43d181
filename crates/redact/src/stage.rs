//! The redaction stage: scans free-text fields, applies whole-value rules to structured columns,
//! and quarantines rows whose policy says so.

use crate::config::{PolicyConfig, Propagate, RedactConfig};
use crate::edits::{BatchEdits, Finding};
use crate::engine::{DEFAULT_SELECTION, Engine};
use crate::error::RedactError;
use crate::needles::{Needles, NeedlesBuilder};
use crate::policy::{Action, apply_replacements, mask, placeholder};
use crate::pseudonym::{PseudonymKey, canonical};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use arrow::array::AsArray;
use arrow::array::{Array, ArrayRef, BooleanArray, RecordBatch, StringArray, new_null_array};
use arrow::compute::nullif;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use sluice_core::strings::map_strings;
use sluice_core::{
    Batch, CoreError, FieldPath, FieldType, GlobalStage, ReasonCode, Removal, RowMeta, RowStage,
    StageOutput, StageReport, TargetSchema,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

/// The environment variable read for the pseudonym key when the config names none.
pub const DEFAULT_KEY_ENV: &str = "SLUICE_PSEUDONYM_KEY";

/// What building a stage may read from outside the config: the environment and the directory
/// relative paths are resolved against.
pub struct BuildContext<'a> {
    /// Looks up an environment variable.
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// Directory against which a relative `pseudonym_key_file` is resolved (the pipeline file's
    /// directory); `None` leaves relative paths relative to the working directory.
    pub base_dir: Option<&'a Path>,
}

fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

impl BuildContext<'static> {
    /// The process environment and the working directory.
    pub fn process() -> Self {
        BuildContext {
            env: &process_env,
            base_dir: None,
        }
    }
}

/// Per-batch numbering of `indexed_placeholder`: (row, entity, canonical value) → number.
#[derive(Default)]
struct Indexes {
    assigned: HashMap<(usize, String, String), usize>,
    next: HashMap<(usize, String), usize>,
}

impl Indexes {
    fn index(&mut self, row: usize, entity: &str, value: &str) -> usize {
        let key = (row, entity.to_owned(), canonical(entity, value));
        if let Some(index) = self.assigned.get(&key) {
            return *index;
        }
        let next = self.next.entry((row, entity.to_owned())).or_insert(0);
        *next += 1;
        let index = *next;
        self.assigned.insert(key, index);
        index
    }
}

/// Detector code recorded in spans of whole-column rules.
pub const COLUMN_DETECTOR: &str = "column";
/// Detector code recorded in spans of column values found again in free text.
pub const PROPAGATED_DETECTOR: &str = "propagated";

/// Per row of the batch: (entity, value, action) of its sensitive column values.
type KnownValues = Vec<Vec<(String, String, Action)>>;

/// The sensitive column values of the whole dataset (`propagate = "dataset"`), built by the
/// decide pass: one automaton over every distinct value. Held in memory only; its `Debug` shows a
/// count, never a value.
struct DatasetValues {
    automaton: AhoCorasick,
    /// Per automaton pattern: (value, entity, action), sorted by value.
    values: Vec<(String, String, Action)>,
}

impl std::fmt::Debug for DatasetValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatasetValues")
            .field("values", &self.values.len())
            .finish()
    }
}

impl DatasetValues {
    /// One automaton over the distinct trimmed values of `attrs`. A value found in several
    /// columns takes the smallest (entity, action), so the result depends only on the set of
    /// values, never on batch boundaries or order.
    fn build(attrs: Vec<Vec<Vec<(String, String, Action)>>>) -> Result<Self, CoreError> {
        let mut distinct: BTreeMap<String, (String, Action)> = BTreeMap::new();
        for (entity, value, action) in attrs.into_iter().flatten().flatten() {
            let value = value.trim().to_owned();
            match distinct.get_mut(&value) {
                Some(kept)
                    if (entity.as_str(), action.name()) < (kept.0.as_str(), kept.1.name()) =>
                {
                    *kept = (entity, action);
                }
                Some(_) => {}
                None => {
                    distinct.insert(value, (entity, action));
                }
            }
        }
        let values: Vec<(String, String, Action)> = distinct
            .into_iter()
            .map(|(value, (entity, action))| (value, entity, action))
            .collect();
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build(values.iter().map(|v| v.0.as_str()))
            .map_err(|e| {
                // core has no stage error variant; the message names a count, never a value (the
                // automaton's build errors are ID overflows and carry no pattern text).
                CoreError::Arrow(arrow::error::ArrowError::ComputeError(format!(
                    "redact: the dataset's {} column values cannot be compiled: {e}",
                    values.len()
                )))
            })?;
        Ok(DatasetValues { automaton, values })
    }

    /// Adds to `hits` every occurrence in `text` of a dataset value that overlaps no hit already
    /// there and is not glued to ASCII letters or digits at an ASCII edge; longer values first,
    /// then by entity, value and start. Returns all hits sorted by start.
    fn propagate<'a>(&'a self, text: &str, mut hits: Vec<Hit<'a>>) -> Vec<Hit<'a>> {
        let mut found: Vec<(usize, usize, usize)> = self
            .automaton
            .find_overlapping_iter(text)
            .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
            .collect();
        if found.is_empty() {
            return hits;
        }
        found.sort_by(|a, b| {
            let (va, vb) = (&self.values[a.0], &self.values[b.0]);
            (b.2 - b.1)
                .cmp(&(a.2 - a.1))
                .then(va.1.cmp(&vb.1))
                .then(a.0.cmp(&b.0))
                .then(a.1.cmp(&b.1))
        });
        for (pattern, start, end) in found {
            let (_, entity, action) = &self.values[pattern];
            push_propagated(&mut hits, text, start..end, entity, *action);
        }
        hits.sort_by_key(|h| h.range.start);
        hits
    }
}

/// True when `range` of `text` begins (ends) with an ASCII letter, digit or `_` and continues
/// into another one: `Lin` inside `Linda` is no occurrence of the value `Lin`.
fn glued(text: &str, range: &std::ops::Range<usize>) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = text.as_bytes();
    let (Some(&first), Some(&last)) = (
        bytes.get(range.start),
        range.end.checked_sub(1).and_then(|i| bytes.get(i)),
    ) else {
        return false;
    };
    (word(first) && range.start > 0 && word(bytes[range.start - 1]))
        || (word(last) && bytes.get(range.end).copied().is_some_and(word))
}

/// Adds the occurrence `range` of a column value in `text` to `hits` as a propagated finding,
/// unless it overlaps a hit already there or is glued to ASCII letters or digits.
pub(crate) fn push_propagated<'a>(
    hits: &mut Vec<Hit<'a>>,
    text: &str,
    range: std::ops::Range<usize>,
    entity: &'a str,
    action: Action,
) {
    let overlaps = hits
        .iter()
        .any(|h| h.range.start < range.end && range.start < h.range.end);
    if !overlaps && !glued(text, &range) {
        hits.push(Hit {
            range,
            entity,
            detector: PROPAGATED_DETECTOR,
            action,
        });
    }
}

/// One finding in a scanned value, from the engine or from propagation.
pub(crate) struct Hit<'a> {
    pub range: std::ops::Range<usize>,
    pub entity: &'a str,
    pub detector: &'static str,
    pub action: Action,
}

/// Column values too short or too generic to look for in text are skipped: fewer than 2 chars,
/// or ASCII-only with fewer than 3 (a name column holding `Li` would erase every `Li`). The same
/// guard applies to `propagate = "dataset"`, where a short value would hit every record.
fn worth_propagating(value: &str) -> bool {
    let value = value.trim();
    let chars = value.chars().count();
    chars >= 2 && (!value.is_ascii() || chars >= 3)
}

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
    key: Option<PseudonymKey>,
    propagate: Propagate,
    /// Built by the decide pass when `propagate = "dataset"`.
    dataset: Option<DatasetValues>,
}

impl RedactStage {
    /// Validates `config` against `schema` (detector codes, field names and types, policy entity
    /// types, overlap of `fields` and `columns`) and compiles the detectors.
    pub fn build(config: &RedactConfig, schema: &TargetSchema) -> Result<RedactStage, RedactError> {
        RedactStage::build_in(config, schema, &BuildContext::process())
    }

    /// Like [`build`](Self::build), reading the pseudonym key (when a `pseudonym` action needs
    /// one) through `context` instead of the process environment.
    pub fn build_in(
        config: &RedactConfig,
        schema: &TargetSchema,
        context: &BuildContext<'_>,
    ) -> Result<RedactStage, RedactError> {
        let mut engine = match &config.detectors {
            Some(selection) => Engine::new(selection)?,
            None => Engine::new(&[DEFAULT_SELECTION])?,
        };
        engine.set_keep_private_ip(config.keep_private_ip);
        let declared = declared_detectors(config, context)?;
        let mut declared_entities: BTreeSet<String> = BTreeSet::new();
        for detector in declared {
            declared_entities.insert(detector.info().entity.to_owned());
            engine.push_declared(detector);
        }
        validate_policy(&config.policy, &declared_entities)?;
        let columns = column_rules(config, schema)?;
        let scanned = scanned_fields(config, schema)?;
        let needs_key = config
            .policy
            .actions()
            .chain(config.columns.values().copied())
            .any(Action::needs_key);
        let key = if needs_key {
            Some(load_key(config, context)?)
        } else {
            None
        };
        Ok(RedactStage {
            engine,
            policy: config.policy.clone(),
            scanned,
            columns,
            key,
            propagate: config.propagate,
            dataset: None,
        })
    }

    /// First 16 hex chars of the sha256 of the pseudonym key, for the manifest; `None` when no
    /// action uses a key.
    pub fn key_fingerprint(&self) -> Option<String> {
        self.key.as_ref().map(PseudonymKey::fingerprint)
    }

    /// The text that replaces `value` (an `entity` in `row`) under `action`. Quarantined and
    /// dropped values are replaced by the placeholder too, so the raw value survives neither in
    /// quarantine content nor in the buffers under a null.
    fn replacement(
        &self,
        action: Action,
        entity: &str,
        value: &str,
        row: usize,
        indexes: &mut Indexes,
    ) -> String {
        match (action, &self.key) {
            (Action::Mask, _) => mask(value),
            (Action::Remove, _) => String::new(),
            (Action::IndexedPlaceholder, _) => {
                format!("<{entity}_{}>", indexes.index(row, entity, value))
            }
            (Action::Pseudonym, Some(key)) => key.token(entity, value),
            (Action::PseudonymFormat, Some(key)) => key.format_preserving(entity, value),
            // A key is loaded at build whenever a pseudonym action is configured; without one,
            // fall back to the placeholder rather than leak.
            (Action::Pseudonym | Action::PseudonymFormat, None)
            | (Action::Placeholder | Action::DropField | Action::Quarantine, _) => {
                placeholder(entity)
            }
        }
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
        indexes: &mut Indexes,
        needles: &Needles<'_>,
    ) -> Result<ArrayRef, CoreError> {
        map_strings(array, &FieldPath::root(field), &mut |site, value| {
            // Roles are protocol values (`user`, `assistant`), never personal data.
            if site.path.as_str().ends_with(".role") {
                return None;
            }
            let detections: Vec<Hit<'_>> = self
                .engine
                .detect(value)
                .into_iter()
                .map(|d| Hit {
                    range: d.start..d.end,
                    entity: d.entity,
                    detector: d.detector,
                    action: self.policy.action_for(d.entity),
                })
                .collect();
            let mut hits = needles.propagate(site.row, value, detections);
            if let Some(dataset) = &self.dataset {
                hits = dataset.propagate(value, hits);
            }
            if hits.is_empty() {
                return None;
            }
            let mut chars = CharCounter::new(value);
            let mut replacements = Vec::with_capacity(hits.len());
            for hit in hits {
                let range = hit.range;
                let start = chars.at(range.start);
                let end = chars.at(range.end);
                edits.record(Finding {
                    row: site.row,
                    column,
                    path: site.path,
                    element: site.element,
                    entity: hit.entity,
                    detector: hit.detector,
                    chars: (start, end),
                    action: hit.action,
                });
                let replacement = self.replacement(
                    hit.action,
                    hit.entity,
                    &value[range.clone()],
                    site.row,
                    indexes,
                );
                replacements.push((range, replacement));
            }
            Some(apply_replacements(value, &replacements))
        })
    }

    /// Calls `each(row, rule, action, value)` for every value of the `columns` fields worth
    /// looking for in its row's scanned text, rule by rule, with the action for its occurrences
    /// (`drop_field` becomes `placeholder`: an occurrence is replaced, the free-text field is not
    /// dropped for it). Nothing when propagation is off.
    fn for_each_known_value<'s>(
        &'s self,
        batch: &Batch,
        mut each: impl FnMut(usize, &'s ColumnRule, Action, &str),
    ) {
        if self.propagate == Propagate::Off {
            return;
        }
        for rule in &self.columns {
            let Some(array) = batch.data.column_by_name(&rule.field) else {
                continue;
            };
            if array.data_type().is_nested() {
                continue;
            }
            let action = match rule.action {
                Action::DropField => Action::Placeholder,
                other => other,
            };
            let mut add = |row: usize, value: &str| {
                if worth_propagating(value) {
                    each(row, rule, action, value);
                }
            };
            // Text is taken as it is, other values as Arrow displays them.
            if let Some(strings) = array.as_string_opt::<i32>() {
                for (row, value) in strings.iter().enumerate() {
                    if let Some(value) = value {
                        add(row, value);
                    }
                }
                continue;
            }
            let options = FormatOptions::default().with_display_error(true);
            let Ok(formatter) = ArrayFormatter::try_new(array.as_ref(), &options) else {
                continue;
            };
            let mut text = String::new();
            for row in (0..array.len()).filter(|i| array.is_valid(*i)) {
                text.clear();
                if write!(text, "{}", formatter.value(row)).is_ok() {
                    add(row, &text);
                }
            }
        }
    }

    /// Per row, (entity, value, action) of its values to look for (see
    /// [`for_each_known_value`](Self::for_each_known_value)).
    fn known_values(&self, batch: &Batch) -> KnownValues {
        let mut known: KnownValues = vec![Vec::new(); batch.len()];
        self.for_each_known_value(batch, |row, rule, action, value| {
            if let Some(values) = known.get_mut(row) {
                values.push((rule.entity.clone(), value.to_owned(), action));
            }
        });
        known
    }

    /// Each row's values to look for, ready to search.
    fn needles(&self, batch: &Batch) -> Needles<'_> {
        let mut needles = NeedlesBuilder::default();
        self.for_each_known_value(batch, |row, rule, action, value| {
            needles.push(row, &rule.entity, action, value);
        });
        needles.finish(batch.len())
    }

    /// Applies a whole-column rule to every non-null value of `array`.
    fn apply_column_rule(
        &self,
        array: &ArrayRef,
        rule: &ColumnRule,
        column: usize,
        edits: &mut BatchEdits,
        indexes: &mut Indexes,
    ) -> Result<ArrayRef, CoreError> {
        let path = FieldPath::root(&rule.field);
        let string_values = array.data_type() == &FieldType::String.to_arrow();
        let mut record = |row: usize, chars: u32| {
            edits.record(Finding {
                row,
                column,
                path: &path,
                element: 0,
                entity: &rule.entity,
                detector: COLUMN_DETECTOR,
                chars: (0, chars),
                action: rule.action,
            });
        };
        if string_values {
            // Most rules replace every value by the same text: one column of it, instead of a
            // string made and copied per value.
            let constant = match rule.action {
                Action::Placeholder | Action::DropField | Action::Quarantine => {
                    Some(placeholder(&rule.entity))
                }
                Action::Remove => Some(String::new()),
                Action::Mask
                | Action::IndexedPlaceholder
                | Action::Pseudonym
                | Action::PseudonymFormat => None,
            };
            if let (Some(constant), Some(strings)) = (constant, array.as_string_opt::<i32>()) {
                let replaced: StringArray = strings
                    .iter()
                    .enumerate()
                    .map(|(row, value)| {
                        value.map(|value| {
                            record(row, char_count(value));
                            constant.as_str()
                        })
                    })
                    .collect();
                return Ok(Arc::new(replaced));
            }
            return map_strings(array, &path, &mut |site, value| {
                record(site.row, char_count(value));
                Some(self.replacement(rule.action, &rule.entity, value, site.row, indexes))
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
        let mut indexes = Indexes::default();
        // In dataset mode the automaton holds every record's own values too.
        let needles = if self.dataset.is_some() {
            Needles::default()
        } else {
            self.needles(&batch)
        };
        for field in &self.scanned {
            let index = column_index(&batch, field)?;
            columns[index] = self.scan_column(
                &columns[index],
                field,
                index,
                &mut edits,
                &mut indexes,
                &needles,
            )?;
        }
        for rule in &self.columns {
            let index = column_index(&batch, &rule.field)?;
            columns[index] =
                self.apply_column_rule(&columns[index], rule, index, &mut edits, &mut indexes)?;
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
            flags: Vec::new(),
            report,
        })
    }
}

/// `propagate = "dataset"` needs two passes: `tag` collects each row's sensitive column values,
/// `decide` builds one automaton over all of them, `apply` redacts every batch with it. In the
/// other modes `tag` collects nothing and `apply` is [`RowStage::process`].
impl GlobalStage for RedactStage {
    type Attr = Vec<(String, String, Action)>;

    fn kind(&self) -> &'static str {
        "redact"
    }

    fn tag(&self, batch: &Batch) -> Result<Vec<Self::Attr>, CoreError> {
        if self.propagate == Propagate::Dataset {
            Ok(self.known_values(batch))
        } else {
            Ok(vec![Vec::new(); batch.len()])
        }
    }

    fn decide(
        &mut self,
        _rows: &[&[RowMeta]],
        attrs: Vec<Vec<Self::Attr>>,
    ) -> Result<(), CoreError> {
        self.dataset = None;
        if self.propagate != Propagate::Dataset {
            return Ok(());
        }
        let dataset = DatasetValues::build(attrs)?;
        if !dataset.values.is_empty() {
            self.dataset = Some(dataset);
        }
        Ok(())
    }

    fn needs_decision(&self) -> bool {
        self.propagate == Propagate::Dataset
    }

    fn apply(&self, _index: usize, batch: Batch) -> Result<StageOutput, CoreError> {
        RowStage::process(self, batch)
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

/// Reads the pseudonym key from `pseudonym_key_file` or the environment variable. Errors name
/// the variable or file, never the content.
fn load_key(
    config: &RedactConfig,
    context: &BuildContext<'_>,
) -> Result<PseudonymKey, RedactError> {
    let too_short = |source: &str| {
        RedactError::PseudonymKey(format!(
            "the key in {source} is shorter than {} bytes",
            crate::pseudonym::MIN_KEY_BYTES
        ))
    };
    if let Some(file) = &config.pseudonym_key_file {
        if config.pseudonym_key_env.is_some() {
            return Err(RedactError::PseudonymKey(
                "set either pseudonym_key_env or pseudonym_key_file, not both".to_owned(),
            ));
        }
        let path = match context.base_dir {
            Some(base) if file.is_relative() => base.join(file),
            _ => file.clone(),
        };
        let bytes = fs_err::read(&path).map_err(|e| {
            RedactError::PseudonymKey(format!("cannot read pseudonym_key_file: {e}"))
        })?;
        let source = format!("file `{}`", path.display());
        return PseudonymKey::new(&bytes).ok_or_else(|| too_short(&source));
    }
    let name = config
        .pseudonym_key_env
        .as_deref()
        .unwrap_or(DEFAULT_KEY_ENV);
    let value = (context.env)(name).ok_or_else(|| {
        RedactError::PseudonymKey(format!(
            "environment variable `{name}` is not set (a pseudonym action needs it)"
        ))
    })?;
    PseudonymKey::new(value.as_bytes())
        .ok_or_else(|| too_short(&format!("environment variable `{name}`")))
}

/// Compiles the `[[custom]]` and `[[dictionaries]]` entries, in the order written.
fn declared_detectors(
    config: &RedactConfig,
    context: &BuildContext<'_>,
) -> Result<Vec<Box<dyn crate::detector::Detector>>, RedactError> {
    use crate::detectors::custom::{Dictionary, custom_regex, leak_info};
    let mut codes: BTreeSet<&str> = BTreeSet::new();
    let check = |code: &str, entity: &str| {
        let error = |reason: &str| RedactError::Declared {
            code: code.to_owned(),
            reason: reason.to_owned(),
        };
        if code.is_empty()
            || !code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(error("codes are lower-case letters, digits and `_`"));
        }
        if crate::detectors::describe(code).is_some()
            || code == DEFAULT_SELECTION
            || code == COLUMN_DETECTOR
        {
            return Err(error("the code is taken by a built-in detector"));
        }
        if entity.is_empty()
            || !entity
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(error("entity types are upper-case letters, digits and `_`"));
        }
        Ok(())
    };
    let mut out: Vec<Box<dyn crate::detector::Detector>> = Vec::new();
    for custom in &config.custom {
        check(&custom.code, &custom.entity)?;
        if !codes.insert(&custom.code) {
            return Err(RedactError::Declared {
                code: custom.code.clone(),
                reason: "declared twice".to_owned(),
            });
        }
        let info = leak_info(
            &custom.code,
            &custom.entity,
            format!("Custom regex detector ({}).", custom.entity),
        );
        let detector = custom_regex(info, &custom.pattern).map_err(|e| RedactError::Declared {
            code: custom.code.clone(),
            reason: format!("pattern does not compile: {e}"),
        })?;
        out.push(detector);
    }
    for dictionary in &config.dictionaries {
        check(&dictionary.code, &dictionary.entity)?;
        if !codes.insert(&dictionary.code) {
            return Err(RedactError::Declared {
                code: dictionary.code.clone(),
                reason: "declared twice".to_owned(),
            });
        }
        let mut terms = dictionary.terms.clone();
        if let Some(file) = &dictionary.terms_file {
            let path = match context.base_dir {
                Some(base) if file.is_relative() => base.join(file),
                _ => file.clone(),
            };
            let text = fs_err::read_to_string(&path).map_err(|e| RedactError::Declared {
                code: dictionary.code.clone(),
                reason: format!("cannot read terms_file: {e}"),
            })?;
            terms.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(str::to_owned),
            );
        }
        if terms.iter().all(|t| t.trim().is_empty()) {
            return Err(RedactError::Declared {
                code: dictionary.code.clone(),
                reason: "no terms".to_owned(),
            });
        }
        let info = leak_info(
            &dictionary.code,
            &dictionary.entity,
            format!("Dictionary detector ({}).", dictionary.entity),
        );
        let detector = Dictionary::new(info, &terms, dictionary.case_insensitive).map_err(|e| {
            RedactError::Declared {
                code: dictionary.code.clone(),
                reason: format!("term list cannot be compiled: {e}"),
            }
        })?;
        out.push(Box::new(detector));
    }
    Ok(out)
}

fn validate_policy(policy: &PolicyConfig, declared: &BTreeSet<String>) -> Result<(), RedactError> {
    let mut known: BTreeSet<&str> = crate::detectors::catalogue()
        .iter()
        .map(|info| info.entity)
        .collect();
    known.extend(declared.iter().map(String::as_str));
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
        let writes_text = !matches!(action, Action::DropField | Action::Quarantine);
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
