//! The validate stage: every rule over every row of a batch, then one decision per row.

use crate::config::{Severity, ValidateConfig, ValidateError};
use crate::rules::{Failure, Rule};
use sluice_core::{
    Batch, CoreError, Flag, Removal, RowStage, StageOutput, StageReport, TargetSchema,
};

/// The runtime validate stage, built from a [`ValidateConfig`].
#[derive(Debug)]
pub struct ValidateStage {
    rules: Vec<Rule>,
}

impl ValidateStage {
    /// Builds every rule, rejecting unknown fields, bad SQL, bad bounds and clashing ids before
    /// any data is read.
    pub fn build(
        config: ValidateConfig,
        schema: &TargetSchema,
    ) -> Result<ValidateStage, ValidateError> {
        if config.rules.is_empty() {
            return Err(ValidateError::NoRules);
        }
        let mut rules: Vec<Rule> = Vec::with_capacity(config.rules.len());
        for rule_config in config.rules {
            let rule = rule_config.build(schema)?;
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
        Ok(ValidateStage { rules })
    }

    /// The rules in evaluation order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }
}

/// How a row fared against all rules: the first failed error rule decides its removal.
struct RowVerdict<'a> {
    first_error: Option<(&'a Rule, &'a Failure)>,
    others: Vec<&'a str>,
    warnings: Vec<&'a Rule>,
}

impl<'a> RowVerdict<'a> {
    fn removal_detail(&self) -> Option<(&'a Rule, String)> {
        let (rule, failure) = self.first_error?;
        let mut detail = format!("rule {}: {}", rule.id, failure.detail);
        if !self.others.is_empty() {
            detail.push_str("; also failed ");
            detail.push_str(&self.others.join(", "));
        }
        Some((rule, detail))
    }
}

impl RowStage for ValidateStage {
    fn kind(&self) -> &'static str {
        "validate"
    }

    fn process(&self, batch: Batch) -> Result<StageOutput, CoreError> {
        let rows = batch.len();
        let verdicts = self
            .rules
            .iter()
            .map(|rule| rule.check.check(&batch.data))
            .collect::<Result<Vec<_>, _>>()?;

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
        for (row, kept) in keep.iter_mut().enumerate() {
            let mut verdict = RowVerdict {
                first_error: None,
                others: Vec::new(),
                warnings: Vec::new(),
            };
            for (rule, rule_verdicts) in self.rules.iter().zip(&verdicts) {
                let Some(failure) = rule_verdicts.get(row).and_then(Option::as_ref) else {
                    continue;
                };
                bump(&mut report.counters, format!("{}.failed", rule.id));
                if let Some(outcome) = failure.outcome {
                    bump(&mut report.counters, format!("{}.{outcome}", rule.id));
                }
                match rule.severity {
                    Severity::Error if verdict.first_error.is_none() => {
                        verdict.first_error = Some((rule, failure));
                    }
                    Severity::Error => verdict.others.push(rule.code.as_str()),
                    Severity::Warn => verdict.warnings.push(rule),
                }
            }
            if let Some((rule, mut detail)) = verdict.removal_detail() {
                if !verdict.warnings.is_empty() {
                    let codes: Vec<&str> =
                        verdict.warnings.iter().map(|r| r.code.as_str()).collect();
                    detail.push_str(&format!("; also flagged {}", codes.join(", ")));
                }
                *kept = false;
                bump(&mut report.removed, rule.code.to_string());
                reasons.push((rule.code.clone(), detail));
            } else {
                for rule in verdict.warnings {
                    bump(&mut report.flagged, rule.code.to_string());
                    if let Some(meta) = batch.rows.get(row) {
                        flags.push(Flag {
                            record: meta.id.clone(),
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

fn bump(counts: &mut std::collections::BTreeMap<String, u64>, key: String) {
    *counts.entry(key).or_default() += 1;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{id, rows_batch, schema};
    use serde_json::json;

    fn stage(toml_text: &str) -> Result<ValidateStage, ValidateError> {
        ValidateStage::build(toml::from_str(toml_text).unwrap(), &schema())
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
        let s = stage(RULES).unwrap();
        let out = s.process(rows_batch(&tickets()[..1])).unwrap();
        assert_eq!(out.report.rows_out, 1);
        assert!(out.report.removed.is_empty());
        assert_eq!(out.report.counters["positive_amount.null"], 0);
        assert_eq!(out.report.counters["required.failed"], 0);
        let empty = s.process(rows_batch(&[])).unwrap();
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
}
