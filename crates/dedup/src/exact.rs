//! Exact deduplication as a [`GlobalStage`]: tag rows with key digests, decide survivors over the
//! digests of all batches in input order, then remove the other rows of each group.

use crate::config::{DedupConfig, DedupError};
use crate::key::{KeyDigest, row_keys};
use crate::normalize::Normalizer;
use crate::survivor::{SurvivorRule, choose_survivors};
use arrow::error::ArrowError;
use sluice_core::{
    Batch, CoreError, GlobalStage, ReasonCode, RecordId, Removal, StageOutput, StageReport,
    TargetSchema,
};

/// Counter: distinct keys shared by two or more rows.
pub const COUNTER_EXACT_GROUPS: &str = "exact_groups";
/// Counter: rows whose key fields were all null (never treated as duplicates).
pub const COUNTER_NULL_KEYS: &str = "null_keys";

/// What `decide` concluded for one batch.
#[derive(Debug, Clone, Default)]
struct BatchDecision {
    /// Per row: the survivor it duplicates, or `None` when the row is kept.
    duplicate_of: Vec<Option<RecordId>>,
    null_keys: u64,
    exact_groups: u64,
}

/// The runtime exact-dedup stage, built from a [`DedupConfig`].
#[derive(Debug, Clone)]
pub struct ExactDedup {
    key: Vec<String>,
    normalizer: Normalizer,
    survivor: SurvivorRule,
    detail: String,
    decisions: Vec<BatchDecision>,
}

impl ExactDedup {
    /// Validates `config` against `schema` and builds the stage.
    pub fn build(config: DedupConfig, schema: &TargetSchema) -> Result<ExactDedup, DedupError> {
        config.validate(schema)?;
        let detail = format!("exact duplicate on key [{}]", config.key.join(", "));
        Ok(ExactDedup {
            normalizer: Normalizer::new(&config.normalize),
            key: config.key,
            survivor: config.survivor,
            detail,
            decisions: Vec::new(),
        })
    }

    /// The key fields, in order.
    pub fn key(&self) -> &[String] {
        &self.key
    }
}

fn invalid(message: String) -> CoreError {
    CoreError::Arrow(ArrowError::InvalidArgumentError(message))
}

impl GlobalStage for ExactDedup {
    type Attr = Option<KeyDigest>;

    fn kind(&self) -> &'static str {
        "dedup"
    }

    fn tag(&self, batch: &Batch) -> Result<Vec<Self::Attr>, CoreError> {
        row_keys(&batch.data, &self.key, &self.normalizer)
    }

    fn decide(&mut self, batches: &[Batch], attrs: Vec<Vec<Self::Attr>>) -> Result<(), CoreError> {
        if batches.len() != attrs.len() {
            return Err(invalid(format!(
                "dedup decide got {} batches but attributes for {}",
                batches.len(),
                attrs.len()
            )));
        }
        for (b, (batch, batch_attrs)) in batches.iter().zip(&attrs).enumerate() {
            if batch.len() != batch_attrs.len() {
                return Err(invalid(format!(
                    "dedup decide: batch {b} has {} rows but {} attributes",
                    batch.len(),
                    batch_attrs.len()
                )));
            }
        }
        let grouping = choose_survivors(self.survivor, &attrs);
        // Rebuilt from scratch on every call: no state carries over from an earlier run.
        self.decisions = grouping
            .duplicate_of
            .iter()
            .zip(&attrs)
            .zip(grouping.groups_by_batch)
            .map(
                |((duplicate_of, batch_attrs), exact_groups)| BatchDecision {
                    duplicate_of: duplicate_of
                        .iter()
                        .map(|pos| pos.map(|(b, i)| batches[b].rows[i].id.clone()))
                        .collect(),
                    null_keys: batch_attrs.iter().filter(|a| a.is_none()).count() as u64,
                    exact_groups,
                },
            )
            .collect();
        Ok(())
    }

    fn apply(&self, index: usize, batch: Batch) -> Result<StageOutput, CoreError> {
        let decision = self.decisions.get(index).ok_or_else(|| {
            invalid(format!(
                "dedup apply for batch {index}, but decide saw {} batches",
                self.decisions.len()
            ))
        })?;
        if decision.duplicate_of.len() != batch.len() {
            return Err(invalid(format!(
                "dedup apply: batch {index} has {} rows, decide saw {}",
                batch.len(),
                decision.duplicate_of.len()
            )));
        }
        let rows_in = batch.len() as u64;
        let keep: Vec<bool> = decision.duplicate_of.iter().map(Option::is_none).collect();
        let (kept, dropped) = batch.partition(&keep)?;
        let removed: Vec<Removal> = dropped
            .rows
            .into_iter()
            .zip(decision.duplicate_of.iter().flatten())
            .map(|(row, survivor)| Removal {
                row,
                reason: ReasonCode::DUP_EXACT,
                detail: self.detail.clone(),
                survivor: Some(survivor.clone()),
                content: None,
            })
            .collect();

        let mut report = StageReport {
            rows_in,
            rows_out: kept.len() as u64,
            ..StageReport::default()
        };
        if !removed.is_empty() {
            report
                .removed
                .insert(ReasonCode::DUP_EXACT.to_string(), removed.len() as u64);
        }
        report
            .counters
            .insert(COUNTER_EXACT_GROUPS.to_owned(), decision.exact_groups);
        report
            .counters
            .insert(COUNTER_NULL_KEYS.to_owned(), decision.null_keys);
        Ok(StageOutput {
            kept,
            removed,
            spans: Vec::new(),
            report,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::json::ReaderBuilder;
    use sluice_core::{FieldSpec, FieldType, RowMeta, SourceRef};

    fn schema() -> TargetSchema {
        let spec = |name: &str, ty: FieldType| FieldSpec {
            name: name.into(),
            source: name.into(),
            ty,
            required: false,
        };
        TargetSchema {
            fields: vec![
                spec("subject", FieldType::String),
                spec("body", FieldType::String),
                spec("messages", FieldType::messages()),
            ],
        }
    }

    /// One batch holding `rows`, whose ids continue from `first_row`.
    fn batch(rows: &[serde_json::Value], first_row: u64) -> Batch {
        let mut decoder = ReaderBuilder::new(schema().arrow_schema())
            .build_decoder()
            .unwrap();
        decoder.serialize(rows).unwrap();
        let data = decoder.flush().unwrap().unwrap();
        let metas = (first_row..first_row + rows.len() as u64)
            .map(|row| RowMeta {
                id: RecordId::new("feedfacefeedface", row),
                source: SourceRef {
                    input: 0,
                    row,
                    line: row + 1,
                },
            })
            .collect();
        Batch::new(data, metas).unwrap()
    }

    /// Splits `rows` into batches of `size` rows.
    fn batches(rows: &[serde_json::Value], size: usize) -> Vec<Batch> {
        rows.chunks(size)
            .enumerate()
            .map(|(i, chunk)| batch(chunk, (i * size) as u64))
            .collect()
    }

    fn stage(toml_text: &str) -> ExactDedup {
        ExactDedup::build(toml::from_str(toml_text).unwrap(), &schema()).unwrap()
    }

    struct Outcome {
        kept: Vec<String>,
        /// (removed id, survivor id)
        removed: Vec<(String, String)>,
        report: StageReport,
    }

    fn run(stage: &mut ExactDedup, batches: Vec<Batch>) -> Outcome {
        let attrs = batches.iter().map(|b| stage.tag(b).unwrap()).collect();
        stage.decide(&batches, attrs).unwrap();
        let mut outcome = Outcome {
            kept: Vec::new(),
            removed: Vec::new(),
            report: StageReport::default(),
        };
        for (i, batch) in batches.into_iter().enumerate() {
            let out = stage.apply(i, batch).unwrap();
            assert!(out.report.conserves());
            assert_eq!(out.kept.len() as u64, out.report.rows_out);
            outcome
                .kept
                .extend(out.kept.rows.iter().map(|r| r.id.to_string()));
            for removal in out.removed {
                assert_eq!(removal.reason, ReasonCode::DUP_EXACT);
                assert!(removal.content.is_none());
                outcome.removed.push((
                    removal.row.id.to_string(),
                    removal.survivor.unwrap().to_string(),
                ));
            }
            outcome.report.merge(&out.report);
        }
        outcome
    }

    fn id(row: u64) -> String {
        RecordId::new("feedfacefeedface", row).to_string()
    }

    fn tickets() -> Vec<serde_json::Value> {
        vec![
            serde_json::json!({"subject": "Login fails", "body": "Cannot log in"}),
            serde_json::json!({"subject": "ＬＯＧＩＮ  fails", "body": "cannot   LOG IN "}),
            serde_json::json!({"subject": "Refund", "body": "Where is my refund?"}),
            serde_json::json!({"subject": null, "body": null}),
            serde_json::json!({"subject": null, "body": null}),
            serde_json::json!({"subject": "login fails", "body": "cannot log in"}),
            serde_json::json!({"subject": "Refund", "body": ""}),
            serde_json::json!({"subject": "Refund", "body": null}),
        ]
    }

    #[test]
    fn first_survivor_keeps_earliest_copy() {
        let mut s = stage(r#"key = ["subject", "body"]"#);
        let out = run(&mut s, batches(&tickets(), 3));
        assert_eq!(out.kept, vec![id(0), id(2), id(3), id(4), id(6), id(7)]);
        assert_eq!(out.removed, vec![(id(1), id(0)), (id(5), id(0))]);
        assert_eq!(out.report.counters[COUNTER_EXACT_GROUPS], 1);
        assert_eq!(out.report.counters[COUNTER_NULL_KEYS], 2);
        assert_eq!(out.report.removed["DUP_EXACT"], 2);
        assert!(out.report.conserves());
        assert_eq!(out.report.rows_in, 8);
    }

    #[test]
    fn last_survivor_keeps_latest_copy() {
        let mut s = stage(
            r#"key = ["subject", "body"]
            survivor = "last""#,
        );
        let out = run(&mut s, batches(&tickets(), 3));
        assert_eq!(out.kept, vec![id(2), id(3), id(4), id(5), id(6), id(7)]);
        assert_eq!(out.removed, vec![(id(0), id(5)), (id(1), id(5))]);
    }

    #[test]
    fn no_normalisation_keeps_variants_apart() {
        let mut s = stage(
            r#"key = ["subject", "body"]
            normalize = ["none"]"#,
        );
        let out = run(&mut s, batches(&tickets(), 8));
        assert!(out.removed.is_empty());
        assert_eq!(out.report.counters[COUNTER_EXACT_GROUPS], 0);
        assert_eq!(out.kept.len(), 8);
    }

    #[test]
    fn detail_names_key_fields_but_no_values() {
        let mut s = stage(r#"key = ["subject", "body"]"#);
        let rows = tickets();
        let all = batches(&rows, 8);
        let attrs = vec![s.tag(&all[0]).unwrap()];
        s.decide(&all, attrs).unwrap();
        let out = s.apply(0, all[0].clone()).unwrap();
        let detail = &out.removed[0].detail;
        assert_eq!(detail, "exact duplicate on key [subject, body]");
        assert!(!detail.to_lowercase().contains("login"));
    }

    #[test]
    fn decisions_do_not_depend_on_batch_split() {
        let mut rows = tickets();
        rows.extend(tickets());
        rows.push(serde_json::json!({"messages": [{"role": "user", "content": "Hi"}]}));
        rows.push(serde_json::json!({"messages": [{"role": "user", "content": "HI "}]}));
        for config in [
            r#"key = ["subject", "body", "messages"]"#,
            r#"key = ["subject", "body", "messages"]
            survivor = "last""#,
        ] {
            let one_batch = run(&mut stage(config), batches(&rows, rows.len()));
            let single_rows = run(&mut stage(config), batches(&rows, 1));
            let uneven = run(&mut stage(config), batches(&rows, 7));
            for other in [&single_rows, &uneven] {
                assert_eq!(one_batch.kept, other.kept);
                assert_eq!(one_batch.removed, other.removed);
                assert_eq!(one_batch.report, other.report);
            }
            assert_eq!(one_batch.report.counters[COUNTER_EXACT_GROUPS], 5);
        }
    }

    #[test]
    fn nested_messages_deduplicate() {
        let rows = vec![
            serde_json::json!({"messages": [{"role": "user", "content": "Reset password"}, {"role": "assistant", "content": "Done"}]}),
            serde_json::json!({"messages": [{"role": "user", "content": "reset  password"}, {"role": "assistant", "content": "DONE"}]}),
            serde_json::json!({"messages": [{"role": "assistant", "content": "Reset password"}, {"role": "user", "content": "Done"}]}),
        ];
        let mut s = stage(r#"key = ["messages"]"#);
        let out = run(&mut s, batches(&rows, 2));
        assert_eq!(out.kept, vec![id(0), id(2)]);
        assert_eq!(out.removed, vec![(id(1), id(0))]);
    }

    #[test]
    fn every_row_is_accounted_for() {
        let mut rows = tickets();
        rows.extend(tickets());
        rows.extend(tickets());
        let mut s = stage(r#"key = ["body"]"#);
        let out = run(&mut s, batches(&rows, 5));
        assert!(out.report.conserves());
        let mut all: Vec<String> = out.kept.clone();
        all.extend(out.removed.iter().map(|(r, _)| r.clone()));
        all.sort();
        let mut expected: Vec<String> = (0..rows.len() as u64).map(id).collect();
        expected.sort();
        assert_eq!(all, expected);
        // Survivors are always kept rows.
        for (_, survivor) in &out.removed {
            assert!(out.kept.contains(survivor));
        }
    }

    #[test]
    fn build_rejects_bad_configs() {
        let err =
            ExactDedup::build(toml::from_str(r#"key = ["bdy"]"#).unwrap(), &schema()).unwrap_err();
        assert!(err.to_string().contains("bdy"));
        let err = ExactDedup::build(toml::from_str(r#"key = []"#).unwrap(), &schema()).unwrap_err();
        assert_eq!(err, DedupError::EmptyKey);
    }

    #[test]
    fn apply_checks_it_matches_decide() {
        let mut s = stage(r#"key = ["body"]"#);
        let all = batches(&tickets(), 4);
        assert!(s.apply(0, all[0].clone()).is_err());
        let attrs = all.iter().map(|b| s.tag(b).unwrap()).collect();
        s.decide(&all, attrs).unwrap();
        assert!(s.apply(2, all[0].clone()).is_err());
        assert!(s.apply(0, batch(&tickets()[..1], 0)).is_err());
        assert!(s.decide(&all, vec![]).is_err());
    }
}
