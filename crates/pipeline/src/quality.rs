//! The validation report: every validate rule's outcome over the run, as schema-versioned JSON and
//! as JUnit XML for CI systems, plus the per-rule gates (`[gates.rules]`).
//!
//! Built from the stage reports' counters (`<rule>.failed`, `<rule>.<outcome>`), the removed rows'
//! reason codes and the warn flags, so it names rules, counts and record ids, never a value.

use crate::plan::Plan;
use crate::registry::BuiltStage;
use serde::Serialize;
use sluice_core::{RecordId, StageReport};
use sluice_lineage::GateResult;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Version of the `validation.json` layout; bumped on any incompatible change.
pub const VALIDATION_REPORT_VERSION: &str = "1";
/// File name of the JSON report in the output directory.
pub const VALIDATION_JSON: &str = "validation.json";
/// File name of the JUnit XML report in the output directory.
pub const VALIDATION_JUNIT: &str = "validation.junit.xml";
/// How many record ids a rule lists as examples.
pub(crate) const SAMPLE_IDS: usize = 10;

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct ValidationReport {
    /// Layout version ([`VALIDATION_REPORT_VERSION`]).
    pub report_version: String,
    /// Pipeline name.
    pub pipeline: String,
    /// `passed` when no rule gate and no dataset gate failed, else `failed`.
    pub status: String,
    /// One entry per rule of every validate stage, in pipeline order.
    pub rules: Vec<RuleResult>,
    /// One entry per fine-tuning target of every format stage, in pipeline order.
    pub targets: Vec<TargetResult>,
    /// Every gate of the run (dataset-level and per rule).
    pub gates: Vec<GateResult>,
}

/// One rule's outcome over the rows it evaluated.
#[derive(Debug, Clone, Serialize)]
pub struct RuleResult {
    /// 1-based position of the validate stage in the pipeline.
    pub stage: usize,
    /// Rule id as declared.
    pub rule: String,
    /// Reason code (`Q_<ID>`).
    pub code: String,
    /// Rule kind (`required`, `regex`, `language`, …).
    pub kind: String,
    /// Fields the rule reads.
    pub fields: Vec<String>,
    /// The rule and its thresholds in one line (never a value).
    pub description: String,
    /// `error` (row quarantined) or `warn` (row kept and flagged).
    pub severity: String,
    /// Rows the rule saw.
    pub evaluated: u64,
    /// Rows that failed it (whether or not an earlier rule already removed them).
    pub unexpected: u64,
    /// `unexpected / evaluated × 100`, 0 when nothing was evaluated.
    pub unexpected_percent: f64,
    /// Finer outcomes, e.g. `null`, `false`.
    pub outcomes: BTreeMap<String, u64>,
    /// The configured `[gates.rules]` limit on the failure rate, if any.
    pub max_fail_rate: Option<f64>,
    /// `passed` (no failures), `quarantined` / `flagged` (failing rows removed or flagged, within
    /// any limit) or `failed` (the `[gates.rules]` limit was exceeded).
    pub status: String,
    /// Up to ten record ids that failed (quarantined by this rule, or flagged by it).
    pub sample_record_ids: Vec<String>,
}

/// How a format stage's rows fared against one fine-tuning target's rules.
#[derive(Debug, Clone, Serialize)]
pub struct TargetResult {
    /// 1-based position of the format stage in the pipeline.
    pub stage: usize,
    /// Target name (`openai`, `llamafactory`, …).
    pub target: String,
    /// Token limit checked (`null`: none).
    pub max_tokens: Option<u64>,
    /// Rows the stage saw.
    pub evaluated: u64,
    /// Rows the target accepts as they are.
    pub ok: u64,
    /// Rows the target's loader would silently drop.
    pub would_drop: u64,
    /// Rows the target would silently truncate.
    pub would_truncate: u64,
}

/// One [`TargetResult`] per target of every format stage.
pub fn target_results(plan: &Plan, reports: &[(usize, StageReport)]) -> Vec<TargetResult> {
    let mut results = Vec::new();
    for planned in &plan.stages {
        let BuiltStage::Format(stage) = &planned.stage else {
            continue;
        };
        let Some((_, report)) = reports.iter().find(|(i, _)| *i == planned.index) else {
            continue;
        };
        for (target, limit) in stage.limits() {
            let counter = |name: &str| {
                report
                    .counters
                    .get(&format!("{}.{name}", target.as_str()))
                    .copied()
                    .unwrap_or(0)
            };
            results.push(TargetResult {
                stage: planned.index + 1,
                target: target.as_str().to_owned(),
                max_tokens: limit,
                evaluated: report.rows_in,
                ok: counter("ok"),
                would_drop: counter("would_drop"),
                would_truncate: counter("would_truncate"),
            });
        }
    }
    results
}

/// Builds the rule results and evaluates `[gates.rules]`. `reports` pairs each stage's plan index
/// with its merged report; `removed_by_code` and `flagged_by_code` list the first (at least
/// [`SAMPLE_IDS`]) record ids per reason code in source order.
pub fn rule_results(
    plan: &Plan,
    reports: &[(usize, StageReport)],
    removed_by_code: &BTreeMap<String, Vec<RecordId>>,
    flagged_by_code: &BTreeMap<String, Vec<RecordId>>,
) -> (Vec<RuleResult>, Vec<GateResult>) {
    let mut results = Vec::new();
    let mut gates = Vec::new();
    for planned in &plan.stages {
        let BuiltStage::Validate(stage) = &planned.stage else {
            continue;
        };
        let Some((_, report)) = reports.iter().find(|(i, _)| *i == planned.index) else {
            continue;
        };
        for rule in stage.rules() {
            let counter = |name: &str| {
                report
                    .counters
                    .get(&format!("{}.{name}", rule.id))
                    .copied()
                    .unwrap_or(0)
            };
            let unexpected = counter("failed");
            let evaluated = report.rows_in;
            let rate = if evaluated == 0 {
                0.0
            } else {
                unexpected as f64 / evaluated as f64
            };
            let prefix = format!("{}.", rule.id);
            let outcomes: BTreeMap<String, u64> = report
                .counters
                .iter()
                .filter_map(|(k, v)| {
                    let outcome = k.strip_prefix(&prefix)?;
                    (outcome != "failed").then(|| (outcome.to_owned(), *v))
                })
                .collect();
            let max_fail_rate = plan.gates.rules.get(&rule.id).copied();
            if let Some(max) = max_fail_rate {
                gates.push(GateResult {
                    name: format!("rules.{}", rule.id),
                    threshold: max,
                    observed: rate,
                    passed: rate <= max,
                });
            }
            let status = match (unexpected, max_fail_rate, rule.severity) {
                (0, _, _) => "passed",
                (_, Some(max), _) if rate > max => "failed",
                (_, _, sluice_validate::Severity::Error) => "quarantined",
                (_, _, sluice_validate::Severity::Warn) => "flagged",
            };
            let code = rule.code.to_string();
            let samples = removed_by_code
                .get(&code)
                .into_iter()
                .chain(flagged_by_code.get(&code))
                .flatten()
                .take(SAMPLE_IDS)
                .map(ToString::to_string)
                .collect();
            results.push(RuleResult {
                stage: planned.index + 1,
                rule: rule.id.clone(),
                code,
                kind: rule.kind.to_owned(),
                fields: rule.fields.clone(),
                description: rule.description.clone(),
                severity: match rule.severity {
                    sluice_validate::Severity::Error => "error",
                    sluice_validate::Severity::Warn => "warn",
                }
                .to_owned(),
                evaluated,
                unexpected,
                unexpected_percent: rate * 100.0,
                outcomes,
                max_fail_rate,
                status: status.to_owned(),
                sample_record_ids: samples,
            });
        }
    }
    (results, gates)
}

impl ValidationReport {
    /// The report over `rules` and every gate of the run.
    pub fn new(
        pipeline: &str,
        rules: Vec<RuleResult>,
        targets: Vec<TargetResult>,
        gates: Vec<GateResult>,
    ) -> Self {
        let failed = gates.iter().any(|g| !g.passed);
        ValidationReport {
            report_version: VALIDATION_REPORT_VERSION.to_owned(),
            pipeline: pipeline.to_owned(),
            status: if failed { "failed" } else { "passed" }.to_owned(),
            rules,
            targets,
            gates,
        }
    }

    /// Pretty JSON with a trailing newline; key order is fixed by the structs.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    /// JUnit XML: one test suite per concern (rules, targets, gates), one test case each. A
    /// rule over its limit or a failed gate is a `<failure>`; a rule with failures but no limit
    /// passes and says how many rows it removed or flagged in `<system-out>`.
    pub fn to_junit_xml(&self) -> String {
        let rule_failures = self.rules.iter().filter(|r| r.status == "failed").count();
        let gate_failures = self.gates.iter().filter(|g| !g.passed).count();
        let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            xml,
            "<testsuites name=\"sluice {}\" tests=\"{}\" failures=\"{}\">",
            escape(&self.pipeline),
            self.rules.len() + self.targets.len() + self.gates.len(),
            rule_failures + gate_failures
        );
        let _ = writeln!(
            xml,
            "  <testsuite name=\"rules\" tests=\"{}\" failures=\"{rule_failures}\">",
            self.rules.len()
        );
        for r in &self.rules {
            let _ = write!(
                xml,
                "    <testcase classname=\"validate.stage{}\" name=\"{}\">",
                r.stage,
                escape(&r.rule)
            );
            let summary = format!(
                "{} ({}): {} of {} rows failed ({:.4}%)",
                r.code, r.severity, r.unexpected, r.evaluated, r.unexpected_percent
            );
            if r.status == "failed" {
                let limit = r.max_fail_rate.unwrap_or(0.0);
                let _ = write!(
                    xml,
                    "\n      <failure message=\"{}\" type=\"{}\">sample record ids: {}</failure>\n    ",
                    escape(&format!("{summary}; limit {limit}")),
                    escape(&r.code),
                    escape(&r.sample_record_ids.join(", "))
                );
            } else if r.unexpected > 0 {
                let _ = write!(
                    xml,
                    "\n      <system-out>{}; sample record ids: {}</system-out>\n    ",
                    escape(&summary),
                    escape(&r.sample_record_ids.join(", "))
                );
            }
            xml.push_str("</testcase>\n");
        }
        xml.push_str("  </testsuite>\n");
        let _ = writeln!(
            xml,
            "  <testsuite name=\"targets\" tests=\"{}\" failures=\"0\">",
            self.targets.len()
        );
        for t in &self.targets {
            let _ = write!(
                xml,
                "    <testcase classname=\"format.stage{}\" name=\"{}\">",
                t.stage,
                escape(&t.target)
            );
            if t.would_drop + t.would_truncate > 0 {
                let _ = write!(
                    xml,
                    "\n      <system-out>{} of {} rows would be dropped and {} truncated by this target's loader; the format stage removed or flagged them</system-out>\n    ",
                    t.would_drop, t.evaluated, t.would_truncate
                );
            }
            xml.push_str("</testcase>\n");
        }
        xml.push_str("  </testsuite>\n");
        let _ = writeln!(
            xml,
            "  <testsuite name=\"gates\" tests=\"{}\" failures=\"{gate_failures}\">",
            self.gates.len()
        );
        for g in &self.gates {
            let _ = write!(
                xml,
                "    <testcase classname=\"gates\" name=\"{}\">",
                escape(&g.name)
            );
            if !g.passed {
                let _ = write!(
                    xml,
                    "\n      <failure message=\"{}\" type=\"gate\"/>\n    ",
                    escape(&format!(
                        "observed {} against threshold {}",
                        g.observed, g.threshold
                    ))
                );
            }
            xml.push_str("</testcase>\n");
        }
        xml.push_str("  </testsuite>\n</testsuites>\n");
        xml
    }
}

/// XML attribute and text escaping.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(rule: &str, status: &str, unexpected: u64) -> RuleResult {
        RuleResult {
            stage: 2,
            rule: rule.to_owned(),
            code: format!("Q_{}", rule.to_uppercase()),
            kind: "length".to_owned(),
            fields: vec!["body".to_owned()],
            description: "body: 20..=4000 chars".to_owned(),
            severity: "error".to_owned(),
            evaluated: 10,
            unexpected,
            unexpected_percent: unexpected as f64 * 10.0,
            outcomes: BTreeMap::new(),
            max_fail_rate: Some(0.1),
            status: status.to_owned(),
            sample_record_ids: vec!["abc:1".to_owned()],
        }
    }

    #[test]
    fn junit_marks_failed_rules_and_gates_and_escapes() {
        let report = ValidationReport::new(
            "t<&>",
            vec![result("short", "failed", 3), result("ok", "passed", 0)],
            Vec::new(),
            vec![GateResult {
                name: "min_rows".to_owned(),
                threshold: 5.0,
                observed: 2.0,
                passed: false,
            }],
        );
        assert_eq!(report.status, "failed");
        let xml = report.to_junit_xml();
        assert!(
            xml.contains(r#"<testsuites name="sluice t&lt;&amp;&gt;" tests="3" failures="2">"#)
        );
        assert!(xml.contains(r#"<testcase classname="validate.stage2" name="ok"></testcase>"#));
        assert!(xml.contains("Q_SHORT (error): 3 of 10 rows failed"));
        assert!(xml.contains(r#"<failure message="observed 2 against threshold 5" type="gate"/>"#));
    }

    #[test]
    fn a_clean_run_passes() {
        let report =
            ValidationReport::new("t", vec![result("ok", "passed", 0)], Vec::new(), Vec::new());
        assert_eq!(report.status, "passed");
        let xml = report.to_junit_xml();
        assert!(xml.contains(r#"failures="0""#));
        assert!(!xml.contains("<failure"));
        let json: serde_json::Value = serde_json::from_slice(&report.to_json_bytes()).unwrap();
        assert_eq!(json["report_version"], "1");
        assert_eq!(json["rules"][0]["sample_record_ids"][0], "abc:1");
    }
}
