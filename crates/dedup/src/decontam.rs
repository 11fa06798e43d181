//! Decontamination as a [`RowStage`]: rows that share a long n-gram with a reference evaluation
//! set are removed (or flagged), so benchmark text does not leak into training data.
//!
//! N-grams are script-aware, as for near duplicates: word `ngram`-grams (default 13, the GPT-3
//! contamination length) over runs of non-CJK words, and char `char_ngram`-grams (default 25) over
//! runs of Han/kana/hangul, where there are no spaces. 25 chars is roughly one Chinese sentence,
//! about the information of 13 English words; shorter windows start matching stock phrases
//! ("请您耐心等待我们的回复"). Text is NFKC-folded and case-folded first; punctuation and spacing
//! never count. Reference texts are hashed once at build time (8 bytes per distinct n-gram plus the
//! ids that contain it); only reference ids, never text, appear in details and counters.

use crate::normalize::{Normalization, Normalizer};
use crate::shingle::Shingler;
use serde::{Deserialize, Serialize};
use sluice_core::strings::visit_strings;
use sluice_core::{
    Batch, CoreError, FieldPath, ReasonCode, Removal, RowStage, StageOutput, StageReport,
    TargetSchema,
};
use std::collections::{BTreeSet, HashMap};
use thiserror::Error;

/// Reason code of rows that share an n-gram with a reference set.
pub const DECONTAM_NGRAM: ReasonCode = ReasonCode::of("DECONTAM_NGRAM");
/// Counter: rows that matched at least one reference (removed or flagged).
pub const COUNTER_MATCHED: &str = "decontam_matched";
/// Counter prefix: `decontam_ref:<reference id>` counts the rows matching that reference.
pub const COUNTER_REF_PREFIX: &str = "decontam_ref:";
/// At most this many reference ids are listed in one removal's detail.
const MAX_IDS_IN_DETAIL: usize = 10;

/// What happens to a contaminated row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecontamAction {
    /// Remove the row with `DECONTAM_NGRAM`.
    #[default]
    Remove,
    /// Keep the row and count it under `flagged`.
    Flag,
}

/// The `[[stages]] kind = "decontaminate"` table without `kind`. `references` and
/// `reference_field` are resolved by the pipeline, which reads the files and passes the texts to
/// [`Decontaminator::build`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecontamConfig {
    /// Fields whose text is checked (string or nested fields).
    pub fields: Vec<String>,
    /// Word n-gram length for non-CJK text.
    #[serde(default = "default_ngram")]
    pub ngram: usize,
    /// Char n-gram length for CJK text.
    #[serde(default = "default_char_ngram")]
    pub char_ngram: usize,
    /// `remove` (default) or `flag`.
    #[serde(default)]
    pub action: DecontamAction,
    /// Reference files or globs, relative to the pipeline file.
    pub references: Vec<String>,
    /// The field of each reference record holding its text.
    #[serde(default = "default_reference_field")]
    pub reference_field: String,
}

fn default_ngram() -> usize {
    13
}
fn default_char_ngram() -> usize {
    25
}
fn default_reference_field() -> String {
    "text".to_owned()
}

/// A decontamination configuration that cannot run.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecontamError {
    /// `fields` lists no field.
    #[error("decontaminate `fields` must name at least one field")]
    NoFields,
    /// `fields` names a field the schema does not declare.
    #[error("decontaminate field `{0}` is not a declared field")]
    UnknownField(String),
    /// `fields` names a field that holds no text.
    #[error("decontaminate field `{0}` holds no text")]
    NotText(String),
    /// An n-gram length is out of range.
    #[error("decontaminate `{0}` must be in 1..=1000")]
    BadLength(&'static str),
}

/// The runtime decontamination stage.
#[derive(Debug, Clone)]
pub struct Decontaminator {
    fields: Vec<String>,
    ngram: usize,
    char_ngram: usize,
    action: DecontamAction,
    normalizer: Normalizer,
    /// N-gram hash → indices into `ids` of the references containing it (sorted, distinct).
    index: HashMap<u64, Vec<u32>>,
    ids: Vec<String>,
}

impl Decontaminator {
    /// Validates `config` against `schema` and indexes `references` (reference id, text).
    pub fn build(
        config: DecontamConfig,
        schema: &TargetSchema,
        references: Vec<(String, String)>,
    ) -> Result<Decontaminator, DecontamError> {
        if config.fields.is_empty() {
            return Err(DecontamError::NoFields);
        }
        for field in &config.fields {
            let spec = schema
                .field(field)
                .ok_or_else(|| DecontamError::UnknownField(field.clone()))?;
            if !spec.ty.contains_text() {
                return Err(DecontamError::NotText(field.clone()));
            }
        }
        if !(1..=1000).contains(&config.ngram) {
            return Err(DecontamError::BadLength("ngram"));
        }
        if !(1..=1000).contains(&config.char_ngram) {
            return Err(DecontamError::BadLength("char_ngram"));
        }
        let normalizer = Normalizer::new(&[
            Normalization::Nfkc,
            Normalization::Casefold,
            Normalization::CollapseWhitespace,
        ]);
        let mut index: HashMap<u64, Vec<u32>> = HashMap::new();
        let mut ids = Vec::with_capacity(references.len());
        let mut shingler = Shingler::default();
        for (i, (id, text)) in references.into_iter().enumerate() {
            let text = normalizer.apply(&text);
            shingler.long_ngrams(&text, config.ngram, config.char_ngram, &mut |h| {
                let refs = index.entry(h).or_default();
                // References are added in order, so checking the last entry keeps lists distinct.
                if refs.last() != Some(&(i as u32)) {
                    refs.push(i as u32);
                }
            });
            ids.push(id);
        }
        Ok(Decontaminator {
            fields: config.fields,
            ngram: config.ngram,
            char_ngram: config.char_ngram,
            action: config.action,
            normalizer,
            index,
            ids,
        })
    }

    /// Number of distinct reference n-grams indexed.
    pub fn indexed_ngrams(&self) -> usize {
        self.index.len()
    }

    /// For each row of `batch`, the indices of the references it shares an n-gram with.
    fn matches(&self, batch: &Batch) -> Vec<BTreeSet<u32>> {
        let mut found = vec![BTreeSet::new(); batch.len()];
        if self.index.is_empty() {
            return found;
        }
        let (mut normalized, mut scratch) = (String::new(), String::new());
        let mut shingler = Shingler::default();
        for name in &self.fields {
            let Some(column) = batch.data.column_by_name(name) else {
                continue;
            };
            visit_strings(
                column.as_ref(),
                &FieldPath::root(name),
                &mut |site, text| {
                    self.normalizer
                        .apply_into(text, &mut normalized, &mut scratch);
                    let row = &mut found[site.row];
                    shingler.long_ngrams(&normalized, self.ngram, self.char_ngram, &mut |h| {
                        if let Some(refs) = self.index.get(&h) {
                            row.extend(refs.iter().copied());
                        }
                    });
                },
            );
        }
        found
    }

    fn detail(&self, refs: &BTreeSet<u32>) -> String {
        let mut ids: Vec<&str> = refs
            .iter()
            .take(MAX_IDS_IN_DETAIL)
            .map(|i| self.ids[*i as usize].as_str())
            .collect();
        let more = refs.len().saturating_sub(MAX_IDS_IN_DETAIL);
        let extra = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        ids.dedup();
        format!(
            "shares a {}-word or {}-char n-gram with reference [{}]{extra}",
            self.ngram,
            self.char_ngram,
            ids.join(", ")
        )
    }
}

impl RowStage for Decontaminator {
    fn kind(&self) -> &'static str {
        "decontaminate"
    }

    fn process(&self, batch: Batch) -> Result<StageOutput, CoreError> {
        let found = self.matches(&batch);
        let rows_in = batch.len() as u64;
        let mut report = StageReport {
            rows_in,
            ..StageReport::default()
        };
        let matched = found.iter().filter(|f| !f.is_empty()).count() as u64;
        report.counters.insert(COUNTER_MATCHED.to_owned(), matched);
        for refs in &found {
            for r in refs {
                *report
                    .counters
                    .entry(format!("{COUNTER_REF_PREFIX}{}", self.ids[*r as usize]))
                    .or_default() += 1;
            }
        }
        if self.action == DecontamAction::Flag || matched == 0 {
            if matched > 0 {
                report.flagged.insert(DECONTAM_NGRAM.to_string(), matched);
            }
            report.rows_out = rows_in;
            return Ok(StageOutput {
                kept: batch,
                removed: Vec::new(),
                spans: Vec::new(),
                flags: Vec::new(),
                report,
            });
        }
        let keep: Vec<bool> = found.iter().map(BTreeSet::is_empty).collect();
        let (kept, dropped) = batch.partition(&keep)?;
        let contents = dropped.rows_as_json()?;
        let removed: Vec<Removal> = dropped
            .rows
            .into_iter()
            .zip(contents)
            .zip(found.iter().filter(|f| !f.is_empty()))
            .map(|((row, content), refs)| Removal {
                row,
                reason: DECONTAM_NGRAM,
                detail: self.detail(refs),
                survivor: None,
                content: Some(content),
            })
            .collect();
        report.rows_out = kept.len() as u64;
        report
            .removed
            .insert(DECONTAM_NGRAM.to_string(), removed.len() as u64);
        Ok(StageOutput {
            kept,
            removed,
            spans: Vec::new(),
            flags: Vec::new(),
            report,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{ArrayRef, RecordBatch, StringArray};
    use sluice_core::{FieldType, RecordId, RowMeta, SourceRef};
    use std::sync::Arc;

    fn schema() -> TargetSchema {
        TargetSchema::of([("body", FieldType::String), ("n", FieldType::Int64)])
    }

    fn batch(texts: &[Option<&str>]) -> Batch {
        let col: ArrayRef = Arc::new(StringArray::from(texts.to_vec()));
        let data = RecordBatch::try_from_iter([("body", col)]).unwrap();
        let rows = (0..texts.len() as u64)
            .map(|row| RowMeta {
                id: RecordId::new("abcd", row),
                source: SourceRef {
                    input: 0,
                    row,
                    line: row + 1,
                },
            })
            .collect();
        Batch::new(data, rows).unwrap()
    }

    const REF_EN: &str = "The mitochondria is the powerhouse of the cell and it produces most of \
                          the chemical energy needed to power biochemical reactions";
    const REF_ZH: &str =
        "光合作用是植物、藻类和某些细菌利用光能把二氧化碳和水转化为有机物并释放氧气的过程";

    fn stage(toml_text: &str) -> Decontaminator {
        let config: DecontamConfig = toml::from_str(toml_text).unwrap();
        Decontaminator::build(
            config,
            &schema(),
            vec![
                ("eval:1".into(), REF_EN.into()),
                ("eval:2".into(), REF_ZH.into()),
            ],
        )
        .unwrap()
    }

    const CONFIG: &str = r#"
        fields = ["body"]
        references = ["../samples/eval/*.jsonl"]
        reference_field = "question"
    "#;

    #[test]
    fn parses_the_pipeline_table() {
        let config: DecontamConfig = toml::from_str(CONFIG).unwrap();
        assert_eq!(config.ngram, 13);
        assert_eq!(config.char_ngram, 25);
        assert_eq!(config.action, DecontamAction::Remove);
        assert_eq!(config.references, vec!["../samples/eval/*.jsonl"]);
        assert_eq!(config.reference_field, "question");
        let config: DecontamConfig =
            toml::from_str("fields = [\"body\"]\nreferences = []\naction = \"flag\"").unwrap();
        assert_eq!(config.reference_field, "text");
        assert_eq!(config.action, DecontamAction::Flag);
        assert!(
            toml::from_str::<DecontamConfig>("fields = [\"body\"]\nreferences = []\nngrams = 3")
                .is_err()
        );
    }

    #[test]
    fn build_validates_fields_and_lengths() {
        let build = |text: &str| {
            Decontaminator::build(toml::from_str(text).unwrap(), &schema(), vec![]).map(|_| ())
        };
        assert_eq!(
            build("fields = []\nreferences = []"),
            Err(DecontamError::NoFields)
        );
        assert_eq!(
            build("fields = [\"bdy\"]\nreferences = []"),
            Err(DecontamError::UnknownField("bdy".into()))
        );
        assert_eq!(
            build("fields = [\"n\"]\nreferences = []"),
            Err(DecontamError::NotText("n".into()))
        );
        assert_eq!(
            build("fields = [\"body\"]\nreferences = []\nngram = 0"),
            Err(DecontamError::BadLength("ngram"))
        );
    }

    #[test]
    fn removes_rows_sharing_long_ngrams_and_names_only_ids() {
        let s = stage(CONFIG);
        let leaked_en = "Q: As everyone knows, THE MITOCHONDRIA is the powerhouse of the cell, and \
                         it produces most of the chemical energy. Explain.";
        let leaked_zh =
            "请解释：光合作用是植物、藻类和某些细菌利用光能把二氧化碳和水转化为有机物。";
        let clean = "The mitochondria is the powerhouse of the cell.";
        let clean_zh = "光合作用是植物的过程";
        let out = s
            .process(batch(&[
                Some(leaked_en),
                Some(clean),
                None,
                Some(leaked_zh),
                Some(clean_zh),
            ]))
            .unwrap();
        assert!(out.report.conserves());
        assert_eq!(out.kept.len(), 3);
        assert_eq!(out.removed.len(), 2);
        assert_eq!(out.removed[0].row.id, RecordId::new("abcd", 0));
        assert_eq!(out.removed[1].row.id, RecordId::new("abcd", 3));
        assert_eq!(out.removed[0].reason, DECONTAM_NGRAM);
        assert!(
            out.removed[0].detail.contains("[eval:1]"),
            "{}",
            out.removed[0].detail
        );
        assert!(
            out.removed[1].detail.contains("[eval:2]"),
            "{}",
            out.removed[1].detail
        );
        for r in &out.removed {
            assert!(!r.detail.contains("mitochondria") && !r.detail.contains("光合"));
            assert!(r.content.is_some());
        }
        assert_eq!(out.report.counters[COUNTER_MATCHED], 2);
        assert_eq!(out.report.counters["decontam_ref:eval:1"], 1);
        assert_eq!(out.report.removed["DECONTAM_NGRAM"], 2);
    }

    #[test]
    fn flag_keeps_rows_and_counts_them() {
        let s = stage(&format!("{CONFIG}\naction = \"flag\""));
        let out = s
            .process(batch(&[Some(REF_EN), Some("unrelated text")]))
            .unwrap();
        assert_eq!(out.kept.len(), 2);
        assert!(out.removed.is_empty());
        assert_eq!(out.report.flagged["DECONTAM_NGRAM"], 1);
        assert!(out.report.conserves());
    }

    #[test]
    fn no_references_means_nothing_matches() {
        let config: DecontamConfig = toml::from_str(CONFIG).unwrap();
        let s = Decontaminator::build(config, &schema(), vec![]).unwrap();
        assert_eq!(s.indexed_ngrams(), 0);
        let out = s.process(batch(&[Some(REF_EN)])).unwrap();
        assert_eq!(out.kept.len(), 1);
        assert_eq!(s.kind(), "decontaminate");
    }
}
