//! The validate stage: every rule over every row, then one decision per row.
//!
//! Validation is a [`GlobalStage`] because `unique` rules need the whole dataset: the tag pass
//! evaluates every row-local rule on a batch and reduces unique keys to digests; the decide pass
//! walks the digests of all batches in input order; the apply pass partitions each batch. A row
//! is removed on the first failing `error` rule in declaration order (code `Q_<ID>`, content kept
//! for quarantine, later failures listed in the detail); rows failing only `warn` rules are kept
//! and flagged. Decisions depend on input order only, never on batch size or thread count.

use crate::config::{Severity, ValidateConfig, ValidateError};
use crate::rules::unique::KeyDigest;
use crate::rules::{Check, Failure, Rule, RuleInfo, Verdict};
use sluice_core::{
    Batch, CoreError, Flag, GlobalStage, RecordId, Removal, RowMeta, StageOutput, StageReport,
    TargetSchema,
};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// The non-passing verdicts of one row, as `(rule index, verdict)` in rule order.
type RowVerdicts = Vec<(usize, Verdict)>;

/// What the tag pass computes for one row.
#[derive(Debug, Clone)]
pub struct RowAttr {
    /// Non-passing verdicts of the row-local rules, in rule order.
    verdicts: RowVerdicts,
    /// One key digest per `unique` rule, in rule order.
    keys: Vec<KeyDigest>,
}

/// The runtime validate stage, built from a [`ValidateConfig`].
#[derive(Debug)]
pub struct ValidateStage {
    rules: Vec<Rule>,
    /// Indices of the `unique` rules in `rules`.
    unique: Vec<usize>,
    /// Per batch, per row: every non-passing verdict, set by `decide`.
    decided: Vec<Vec<RowVerdicts>>,
}

impl ValidateStage {
    /// Builds every rule, rejecting unknown fields, bad SQL, bad bounds and clashing ids before
    /// any data is read.
    pub fn build(
        config: ValidateConfig,
        schema: &TargetSchema,
    ) -> Result<ValidateStage, ValidateError> {
        ValidateStage::build_in(config, schema, Path::new("."))
    }

    /// Like [`ValidateStage::build`], resolving relative paths in rules (tokenizer files) against
    /// `base_dir`, the directory of the pipeline file.
    pub fn build_in(
        config: ValidateConfig,
        schema: &TargetSchema,
        base_dir: &Path,
    ) -> Result<ValidateStage, ValidateError> {
        if config.rules.is_empty() {
            return Err(ValidateError::NoRules);
        }
        let mut rules: Vec<Rule> = Vec::with_capacity(config.rules.len());
        for rule_config in config.rules {
            let rule = rule_config.build_in(schema, base_dir)?;
            if let Some(earlier) = rules.iter().find(|r| r.id == rule.id) {
                return Err(ValidateError::DuplicateRuleId(earlier.id.clone()));
            }
            if let Some(earlier) = rules.iter().find(|r| r.code == rule.code) {
                return Err(ValidateError::DuplicateCode {
                    code: rule.code.to_string(),
                    first: earlier.id.clone(),
                    second: rule.id,
                });
            }
            rules.push(rule);
        }
        let unique = rules
            .iter()
            .enumerate()
            .filter(|(_, r)| matches!(r.check, Check::Unique(_)))
            .map(|(i, _)| i)
            .collect();
        Ok(ValidateStage {
            rules,
            unique,
            decided: Vec::new(),
        })
    }

    /// The rules in evaluation order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// What a validation report needs per rule (id, code, kind, severity, fields, threshold),
    /// in evaluation order.
    pub fn rule_infos(&self) -> Vec<RuleInfo> {
        self.rules.iter().map(Rule::info).collect()
    }

    /// Runs tag, decide (when the rules need a decision) and apply over `batches` in order on
    /// the calling thread.
    pub fn run(&mut self, batches: Vec<Batch>) -> Result<Vec<StageOutput>, CoreError> {
        if self.needs_decision() {
            let attrs = batches
                .iter()
                .map(|b| self.tag(b))
                .collect::<Result<Vec<_>, _>>()?;
            self.decide(&Batch::identities(&batches), attrs)?;
        }
        batches
            .into_iter()
            .enumerate()
            .map(|(i, b)| self.apply(i, b))
            .collect()
    }
}

fn invalid(message: String) -> CoreError {
    CoreError::Arrow(arrow::error::ArrowError::InvalidArgumentError(message))
}

/// True when the verdict removes the row under `rule`.
fn removes(rule: &Rule, verdict: &Verdict) -> bool {
    rule.severity == Severity::Error && matches!(verdict, Verdict::Fail(_))
}

impl GlobalStage for ValidateStage {
    type Attr = RowAttr;

    fn kind(&self) -> &'static str {
        "validate"
    }

    fn tag(&self, batch: &Batch) -> Result<Vec<RowAttr>, CoreError> {
        let rows = batch.len();
        let mut attrs: Vec<RowAttr> = (0..rows)
            .map(|_| RowAttr {
                verdicts: Vec::new(),
                keys: Vec::with_capacity(self.unique.len()),
            })
            .collect();
        for (index, rule) in self.rules.iter().enumerate() {
            match &rule.check {
                Check::Row(check) => {
                    let verdicts = check.check(&batch.data)?;
                    if verdicts.len() != rows {
                        return Err(invalid(format!(
                            "validate rule `{}` gave {} verdicts for {rows} rows",
                            rule.id,
                            verdicts.len()
                        )));
                    }
                    for (attr, verdict) in attrs.iter_mut().zip(verdicts) {
                        if verdict != Verdict::Pass {
                            attr.verdicts.push((index, verdict));
                        }
                    }
                }
                Check::Unique(check) => {
                    for (attr, key) in attrs.iter_mut().zip(check.keys(&batch.data)?) {
                        attr.keys.push(key);
                    }
                }
            }
        }
        Ok(attrs)
    }

    fn decide(
        &mut self,
        batches: &[&[RowMeta]],
        attrs: Vec<Vec<RowAttr>>,
    ) -> Result<(), CoreError> {
        if batches.len() != attrs.len() {
            return Err(invalid(format!(
                "validate decide got {} batches but attributes for {}",
                batches.len(),
                attrs.len()
            )));
        }
        for (rows, batch_attrs) in batches.iter().zip(&attrs) {
            if rows.len() != batch_attrs.len() {
                return Err(invalid(format!(
                    "validate decide got {} attributes for a batch of {}",
                    batch_attrs.len(),
                    rows.len()
                )));
            }
        }
        let mut keys: Vec<Vec<Vec<KeyDigest>>> = Vec::with_capacity(attrs.len());
        let mut decided: Vec<Vec<RowVerdicts>> = Vec::with_capacity(attrs.len());
        for batch_attrs in attrs {
            let (batch_keys, batch_verdicts) = batch_attrs
                .into_iter()
                .map(|attr| (attr.keys, attr.verdicts))
                .unzip();
            keys.push(batch_keys);
            decided.push(batch_verdicts);
        }
        // A row already removed by an error rule cannot claim a key (see `rules::unique`).
        let mut removed: Vec<Vec<bool>> = decided
            .iter()
            .map(|rows| {
                rows.iter()
                    .map(|verdicts| {
                        verdicts
                            .iter()
                            .any(|(rule, verdict)| removes(&self.rules[*rule], verdict))
                    })
                    .collect()
            })
            .collect();
        for (position, &index) in self.unique.iter().enumerate() {
            let rule = &self.rules[index];
            let Check::Unique(check) = &rule.check else {
                continue;
            };
            let fields = check.fields().join(", ");
            let mut claimed: HashMap<u128, &RecordId> = HashMap::new();
            for (b, batch) in batches.iter().enumerate() {
                for (r, meta) in batch.iter().enumerate() {
                    let verdict = match keys[b][r].get(position).copied().flatten() {
                        None => check
                            .on_null
                            .verdict("null", || format!("a key field of ({fields}) is null")),
                        Some(key) => match claimed.get(&key) {
                            Some(first) => Verdict::Fail(Failure::with(
                                "duplicate",
                                format!("({fields}) repeats the key of record {first}"),
                            )),
                            None => {
                                if !removed[b][r] {
                                    claimed.insert(key, &meta.id);
                                }
                                Verdict::Pass
                            }
                        },
                    };
                    if removes(rule, &verdict) {
                        removed[b][r] = true;
                    }
                    if verdict != Verdict::Pass {
                        let row = &mut decided[b][r];
                        let at = row.partition_point(|(i, _)| *i < index);
                        row.insert(at, (index, verdict));
                    }
                }
            }
        }
        self.decided = decided;
        Ok(())
    }

    /// Only `unique` rules compare rows with each other; without them every verdict is the
    /// row's own, found in `apply`.
    fn needs_decision(&self) -> bool {
        !self.unique.is_empty()
    }

    fn apply(&self, index: usize, batch: Batch) -> Result<StageOutput, CoreError> {
        let rows = batch.len();
        let row_local: Vec<RowVerdicts>;
        let verdicts = if self.needs_decision() {
            self.decided
                .get(index)
                .filter(|v| v.len() == rows)
                .ok_or_else(|| invalid(format!("validate apply: no decisions for batch {index}")))?
        } else {
            row_local = self.tag(&batch)?.into_iter().map(|a| a.verdicts).collect();
            &row_local
        };

        let mut report = StageReport {
            rows_in: rows as u64,
            ..StageReport::default()
        };
        for rule in &self.rules {
            report.counters.insert(format!("{}.failed", rule.id), 0);
            for outcome in rule.check.outcomes() {
                report.counters.insert(format!("{}.{outcome}", rule.id), 0);
            }
        }

        let mut keep = vec![true; rows];
        let mut reasons = Vec::new();
        let mut flags = Vec::new();
        for (row, (kept, row_verdicts)) in keep.iter_mut().zip(verdicts).enumerate() {
            let mut first_error: Option<(&Rule, &Failure)> = None;
            let mut others: Vec<&str> = Vec::new();
            let mut warnings: Vec<&Rule> = Vec::new();
            for (rule_index, verdict) in row_verdicts {
                let rule = &self.rules[*rule_index];
                let failure = match verdict {
                    Verdict::Pass => continue,
                    Verdict::Noted(outcome) => {
                        bump(&mut report.counters, format!("{}.{outcome}", rule.id));
                        continue;
                    }
                    Verdict::Fail(failure) => failure,
                };
                bump(&mut report.counters, format!("{}.failed", rule.id));
                if let Some(outcome) = failure.outcome {
                    bump(&mut report.counters, format!("{}.{outcome}", rule.id));
                }
                match rule.severity {
                    Severity::Error if first_error.is_none() => {
                        first_error = Some((rule, failure));
                    }
                    Severity::Error => others.push(rule.code.as_str()),
                    Severity::Warn => warnings.push(rule),
                }
            }
            if let Some((rule, failure)) = first_error {
                let mut detail = format!("rule {}: {}", rule.id, failure.detail);
                if !others.is_empty() {
                    detail.push_str("; also failed ");
                    detail.push_str(&others.join(", "));
                }
                if !warnings.is_empty() {
                    let codes: Vec<&str> = warnings.iter().map(|r| r.code.as_str()).collect();
                    detail.push_str(&format!("; also flagged {}", codes.join(", ")));
                }
                *kept = false;
                bump(&mut report.removed, rule.code.to_string());
                reasons.push((rule.code.clone(), detail));
            } else {
                for rule in warnings {
                    bump(&mut report.flagged, rule.code.to_string());
                    if let Some(meta) = batch.rows.get(row) {
                        flags.push(Flag {
                            record: meta.id.clone(),
                            source: meta.source,
                            code: rule.code.clone(),
                        });
                    }
                }
            }
        }

        let (kept, dropped) = batch.partition(&keep)?;
        let contents = dropped.rows_as_json()?;
        let removed: Vec<Removal> = dropped
            .rows
            .into_iter()
            .zip(reasons)
            .zip(contents)
            .map(|((row, (reason, detail)), content)| Removal {
                row,
                reason,
                detail,
                survivor: None,
                content: Some(content),
            })
            .collect();
        report.rows_out = kept.len() as u64;
        Ok(StageOutput {
            kept,
            removed,
            spans: Vec::new(),
            flags,
            report,
        })
    }
}

fn bump(counts: &mut BTreeMap<String, u64>, key: String) {
    *counts.entry(key).or_default() += 1;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{batches, id, rows_batch, schema};
    use serde_json::json;

    fn stage(toml_text: &str) -> Result<ValidateStage, ValidateError> {
        ValidateStage::build(toml::from_str(toml_text).unwrap(), &schema())
    }

    /// One batch through tag, decide and apply.
    trait ProcessOne {
        fn process(self, batch: Batch) -> Result<StageOutput, CoreError>;
    }
    impl ProcessOne for ValidateStage {
        fn process(mut self, batch: Batch) -> Result<StageOutput, CoreError> {
            Ok(self.run(vec![batch])?.remove(0))
        }
    }

    const RULES: &str = r#"
        [[rules]]
        kind = "required"
        fields = ["subject"]
        [[rules]]
        kind = "length"
        field = "subject"
        min = 5
        [[rules]]
        kind = "expr"
        id = "positive_amount"
        expr = "amount > 0"
        [[rules]]
        kind = "expr"
        id = "low_priority"
        expr = "priority < 3"
        severity = "warn"
    "#;

    fn tickets() -> Vec<serde_json::Value> {
        vec![
            json!({"subject": "Printer jam", "amount": 10.0, "priority": 1}),
            json!({"subject": "Printer jam", "amount": 10.0, "priority": 5}),
            json!({"subject": "", "amount": -1.0, "priority": 5}),
            json!({"subject": "Refund please", "amount": null, "priority": 1}),
            json!({"subject": "Hi", "amount": 3.0, "priority": 1}),
        ]
    }

    #[test]
    fn removes_flags_and_conserves() {
        let out = stage(RULES)
            .unwrap()
            .process(rows_batch(&tickets()))
            .unwrap();
        assert!(out.report.conserves());
        assert_eq!(out.report.rows_in, 5);
        assert_eq!(out.report.rows_out, 2);
        let kept: Vec<_> = out.kept.rows.iter().map(|r| r.id.clone()).collect();
        assert_eq!(kept, vec![id(0), id(1)]);
        let removed: Vec<_> = out
            .removed
            .iter()
            .map(|r| (r.row.id.clone(), r.reason.to_string()))
            .collect();
        assert_eq!(
            removed,
            vec![
                (id(2), "Q_REQUIRED".to_owned()),
                (id(3), "Q_POSITIVE_AMOUNT".to_owned()),
                (id(4), "Q_LENGTH_SUBJECT".to_owned()),
            ]
        );
        assert_eq!(out.report.removed["Q_REQUIRED"], 1);
        assert_eq!(out.report.removed["Q_POSITIVE_AMOUNT"], 1);
        assert_eq!(out.report.removed["Q_LENGTH_SUBJECT"], 1);
        // Only the kept row 1 counts as flagged; row 2 also failed the warn rule but was removed.
        assert_eq!(out.report.flagged["Q_LOW_PRIORITY"], 1);
        assert_eq!(out.report.counters["low_priority.failed"], 2);
        assert_eq!(out.report.counters["positive_amount.failed"], 2);
        assert_eq!(out.report.counters["positive_amount.null"], 1);
        assert_eq!(out.report.counters["positive_amount.false"], 1);
        assert_eq!(out.report.counters["required.failed"], 1);
        assert_eq!(out.report.counters["length_subject.failed"], 2);
    }

    #[test]
    fn several_failures_remove_once_with_first_code() {
        let out = stage(RULES)
            .unwrap()
            .process(rows_batch(&tickets()))
            .unwrap();
        let row2 = &out.removed[0];
        assert_eq!(row2.reason.as_str(), "Q_REQUIRED");
        assert_eq!(
            row2.detail,
            "rule required: field subject is blank; also failed Q_LENGTH_SUBJECT, \
             Q_POSITIVE_AMOUNT; also flagged Q_LOW_PRIORITY"
        );
        assert_eq!(out.removed.iter().filter(|r| r.row.id == id(2)).count(), 1);
        let row3 = &out.removed[1];
        assert_eq!(
            row3.detail,
            "rule positive_amount: expr over [amount] evaluated to NULL"
        );
        assert!(row3.survivor.is_none());
    }

    #[test]
    fn removed_rows_carry_content_but_details_do_not() {
        let out = stage(RULES)
            .unwrap()
            .process(rows_batch(&tickets()))
            .unwrap();
        let row4 = &out.removed[2];
        assert_eq!(
            row4.content.as_deref(),
            Some(r#"{"subject":"Hi","amount":3.0,"priority":1}"#)
        );
        for removal in &out.removed {
            assert!(!removal.detail.contains("Refund"));
            assert!(!removal.detail.contains("Hi\""));
            assert!(!removal.detail.contains("-1"));
        }
    }

    #[test]
    fn warn_only_keeps_every_row() {
        let s = stage(
            r#"
            [[rules]]
            kind = "expr"
            id = "positive_amount"
            expr = "amount > 0"
            severity = "warn"
            "#,
        )
        .unwrap();
        let out = s.process(rows_batch(&tickets())).unwrap();
        assert_eq!(out.report.rows_out, 5);
        assert!(out.removed.is_empty());
        assert_eq!(out.report.flagged["Q_POSITIVE_AMOUNT"], 2);
        assert!(out.report.conserves());
    }

    #[test]
    fn passing_batch_reports_zero_counters() {
        let out = stage(RULES)
            .unwrap()
            .process(rows_batch(&tickets()[..1]))
            .unwrap();
        assert_eq!(out.report.rows_out, 1);
        assert!(out.report.removed.is_empty());
        assert_eq!(out.report.counters["positive_amount.null"], 0);
        assert_eq!(out.report.counters["required.failed"], 0);
        let empty = stage(RULES).unwrap().process(rows_batch(&[])).unwrap();
        assert!(empty.report.conserves());
        assert_eq!(empty.report.rows_in, 0);
    }

    #[test]
    fn build_errors() {
        assert!(matches!(stage("rules = []"), Err(ValidateError::NoRules)));
        let twice = r#"
            [[rules]]
            kind = "length"
            field = "subject"
            min = 1
            [[rules]]
            kind = "length"
            field = "subject"
            max = 9
        "#;
        assert_eq!(
            stage(twice).unwrap_err(),
            ValidateError::DuplicateRuleId("length_subject".into())
        );
        let clash = r#"
            [[rules]]
            kind = "expr"
            id = "a-b"
            expr = "amount > 0"
            [[rules]]
            kind = "expr"
            id = "a_b"
            expr = "amount < 10"
        "#;
        assert!(matches!(
            stage(clash),
            Err(ValidateError::DuplicateCode { .. })
        ));
        let blank = r#"
            [[rules]]
            kind = "expr"
            id = " "
            expr = "amount > 0"
        "#;
        assert_eq!(stage(blank).unwrap_err(), ValidateError::EmptyId);
        let unknown = r#"
            [[rules]]
            kind = "required"
            fields = ["subject", "body"]
        "#;
        assert!(stage(unknown).unwrap_err().to_string().contains("`body`"));
    }

    const UNIQUE_RULES: &str = r#"
        [[rules]]
        kind = "unique"
        fields = ["subject"]
        ignore_case = true
        on_null = "pass"
        [[rules]]
        kind = "unique"
        id = "one_per_priority"
        fields = ["priority"]
        severity = "warn"
        [[rules]]
        kind = "text_length"
        field = "subject"
        min_chars = 3
        on_null = "pass"
    "#;

    fn unique_rows() -> Vec<serde_json::Value> {
        vec![
            json!({"subject": "Printer jam", "priority": 1}),
            json!({"subject": "PRINTER JAM", "priority": 2}),
            json!({"subject": "ab", "priority": 3}),
            json!({"subject": "VPN down", "priority": 1}),
            json!({"subject": "Abc", "priority": 4}),
            json!({"subject": "abc", "priority": 5}),
            json!({"subject": null, "priority": 6}),
            json!({"subject": null, "priority": 6}),
            json!({"subject": "vpn down", "priority": 7}),
        ]
    }

    /// Everything a run decides, flattened for comparison across batch sizes.
    type Decisions = (Vec<String>, Vec<String>, Vec<String>, StageReport);

    fn decisions(outputs: &[StageOutput]) -> Decisions {
        let mut kept = Vec::new();
        let mut removed = Vec::new();
        let mut flags = Vec::new();
        let mut report = StageReport::default();
        for out in outputs {
            assert!(out.report.conserves());
            kept.extend(out.kept.rows.iter().map(|r| r.id.to_string()));
            removed.extend(
                out.removed
                    .iter()
                    .map(|r| format!("{} {} {}", r.row.id, r.reason, r.detail)),
            );
            flags.extend(out.flags.iter().map(|f| format!("{} {}", f.record, f.code)));
            report.merge(&out.report);
        }
        (kept, removed, flags, report)
    }

    #[test]
    fn unique_first_kept_occurrence_wins() {
        let mut s = stage(UNIQUE_RULES).unwrap();
        let (kept, removed, flags, report) = decisions(&s.run(batches(&unique_rows(), 4)).unwrap());
        assert_eq!(kept, [0, 3, 4, 6, 7].map(|r| id(r).to_string()).to_vec());
        let dup = |row: u64, first: u64| {
            format!(
                "{} Q_UNIQUE_SUBJECT rule unique_subject: (subject) repeats the key of record {}",
                id(row),
                id(first)
            )
        };
        assert_eq!(
            removed,
            vec![
                dup(1, 0),
                format!(
                    "{} Q_TEXT_LENGTH_SUBJECT rule text_length_subject: field subject: 2 chars < min 3",
                    id(2)
                ),
                // Row 2 ("ab") was quarantined, so it claimed nothing: row 5 repeats row 4.
                dup(5, 4),
                dup(8, 3),
            ]
        );
        assert_eq!(
            flags,
            vec![
                format!("{} Q_ONE_PER_PRIORITY", id(3)),
                format!("{} Q_ONE_PER_PRIORITY", id(7)),
            ]
        );
        assert_eq!(report.counters["unique_subject.duplicate"], 3);
        assert_eq!(report.counters["unique_subject.failed"], 3);
        assert_eq!(report.counters["unique_subject.null"], 2);
        assert_eq!(report.counters["one_per_priority.duplicate"], 2);
        assert_eq!(report.counters["text_length_subject.null"], 2);
        assert_eq!(report.flagged["Q_ONE_PER_PRIORITY"], 2);
        assert_eq!(report.rows_in, 9);
        assert!(report.conserves());
    }

    #[test]
    fn decisions_do_not_depend_on_batch_size() {
        let rows = unique_rows();
        let reference = decisions(
            &stage(UNIQUE_RULES)
                .unwrap()
                .run(batches(&rows, rows.len()))
                .unwrap(),
        );
        for size in [1, 3] {
            let got = decisions(
                &stage(UNIQUE_RULES)
                    .unwrap()
                    .run(batches(&rows, size))
                    .unwrap(),
            );
            assert_eq!(got, reference, "batch size {size}");
        }
        // Several runs of one stage start afresh.
        let mut s = stage(UNIQUE_RULES).unwrap();
        let once = decisions(&s.run(batches(&rows, 2)).unwrap());
        let twice = decisions(&s.run(batches(&rows, 2)).unwrap());
        assert_eq!(once, twice);
        assert_eq!(once, reference);
    }

    #[test]
    fn a_quarantined_first_copy_does_not_claim_the_key() {
        let mut s = stage(
            r#"
            [[rules]]
            kind = "unique"
            fields = ["subject"]
            [[rules]]
            kind = "range"
            field = "amount"
            min = 0
            "#,
        )
        .unwrap();
        let rows = [
            json!({"subject": "Refund", "amount": -5.0}),
            json!({"subject": "Refund", "amount": 5.0}),
            json!({"subject": "Refund", "amount": 7.0}),
        ];
        let outputs = s.run(batches(&rows, 1)).unwrap();
        let (kept, removed, _, report) = decisions(&outputs);
        assert_eq!(kept, vec![id(1).to_string()]);
        assert_eq!(removed.len(), 2);
        assert!(removed[0].contains("Q_RANGE_AMOUNT"), "{removed:?}");
        assert!(removed[1].contains(&format!("repeats the key of record {}", id(1))));
        // The removed first copy is not a duplicate of anything kept before it.
        assert_eq!(report.counters["unique_subject.duplicate"], 1);
        assert_eq!(report.counters["unique_subject.null"], 0);
    }

    #[test]
    fn noted_outcomes_count_without_failing_and_infos_describe_rules() {
        let mut s = stage(
            r#"
            [[rules]]
            kind = "enum"
            field = "subject"
            values = ["a", "b"]
            on_null = "pass"
            "#,
        )
        .unwrap();
        let out = s
            .run(vec![rows_batch(&[
                json!({"subject": null}),
                json!({"subject": "a"}),
            ])])
            .unwrap();
        assert_eq!(out[0].report.rows_out, 2);
        assert_eq!(out[0].report.counters["enum_subject.null"], 1);
        assert_eq!(out[0].report.counters["enum_subject.failed"], 0);
        let infos = stage(UNIQUE_RULES).unwrap().rule_infos();
        assert_eq!(infos.len(), 3);
        assert_eq!(infos[0].kind, "unique");
        assert_eq!(infos[0].code.as_str(), "Q_UNIQUE_SUBJECT");
        assert_eq!(infos[0].fields, vec!["subject"]);
        assert_eq!(infos[1].severity, Severity::Warn);
        assert_eq!(infos[2].description, "chars >= 3");
    }

    #[test]
    fn with_a_unique_rule_apply_without_decide_is_an_error() {
        let s = stage(UNIQUE_RULES).unwrap();
        assert!(s.needs_decision());
        assert!(s.apply(0, rows_batch(&tickets())).is_err());
    }

    #[test]
    fn row_local_rules_need_no_decision_and_apply_alone_gives_the_same_output() {
        let local = stage(RULES).unwrap();
        assert!(!local.needs_decision());
        let alone = local.apply(0, rows_batch(&tickets())).unwrap();

        let mut decided = stage(RULES).unwrap();
        let batch = rows_batch(&tickets());
        let attrs = vec![decided.tag(&batch).unwrap()];
        decided
            .decide(&Batch::identities(std::slice::from_ref(&batch)), attrs)
            .unwrap();
        let after_decision = decided.apply(0, batch).unwrap();
        assert_eq!(alone.kept.data, after_decision.kept.data);
        assert_eq!(decisions(&[alone]), decisions(&[after_decision]));
    }
}
