//! The reviewer page: one self-contained HTML document built from a manifest and a sample of
//! quarantined record ids. Sections follow the questions a reviewer asks — which pipeline and
//! files, where the rows went, what was redacted, what the rules removed, is nothing lost, did
//! the gates pass, how to check it myself — and show ids, codes, counts and digests only.
//!
//! The page is a pure function of its inputs (no clock, no environment): the only times in it
//! are the manifest's own `run` block, shown in a separate section at the end.

use crate::escape::escape_html as esc;
use crate::sample::{Cluster, QuarantineSample};
use crate::svg::{Bar, bar_chart};
use sluice_lineage::Manifest;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Inline stylesheet: the page must render without fetching anything.
const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:70em;color:#222;padding:0 1em}\
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}\
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}\
td.n{text-align:right;font-variant-numeric:tabular-nums}code{font-size:.9em;word-break:break-all}\
.ok{color:#1a7f37;font-weight:bold}.bad{color:#c62828;font-weight:bold}\
svg.chart rect{fill:#4a78b5}svg.chart text{font-size:12px;fill:#222}\
section.run{background:#f4f4f4;padding:.5em 1em;margin-top:2em}pre{background:#f4f4f4;padding:.6em}";

/// How many record ids the page lists per quarantine reason and how many dedup clusters by
/// survivor: enough to start a `sluice trace`, short enough to read.
const EXAMPLES: usize = 5;

/// Renders the whole report page for `manifest`, listing `quarantine_sample` as example record
/// ids per reason (never their content). See [`render_report`] for the dedup cluster summary.
pub fn render_html(manifest: &Manifest, quarantine_sample: &[QuarantineSample]) -> String {
    render_report(manifest, quarantine_sample, &[])
}

/// [`render_html`] plus a dedup cluster summary from `clusters` (the clusters with more than one
/// member, read from the lineage table).
pub fn render_report(
    manifest: &Manifest,
    quarantine_sample: &[QuarantineSample],
    clusters: &[Cluster],
) -> String {
    let m = manifest;
    let mut page = String::new();
    let title = format!("sluice report: {}", m.pipeline.name);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&title)
    );
    header(&mut page, m);
    conservation(&mut page, m);
    gates(&mut page, m);
    funnel(&mut page, m);
    redactions(&mut page, m);
    rules(&mut page, m);
    dedup(&mut page, m, clusters);
    quarantine(&mut page, m, quarantine_sample);
    files(&mut page, m);
    verify_commands(&mut page, m);
    run_block(&mut page, m);
    page.push_str("</body>\n</html>\n");
    page
}

/// Marks a numeric table cell. Escaped text can never start with it: [`escape_html`]
/// replaces control characters.
///
/// [`escape_html`]: crate::escape::escape_html
const NUM: char = '\u{1}';

/// A `<table>`; `rows` cells are already-escaped HTML, a leading [`NUM`] marks a numeric cell.
fn table(out: &mut String, headers: &[&str], rows: &[Vec<String>]) {
    out.push_str("<table>\n<tr>");
    for h in headers {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr>\n");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            match cell.strip_prefix(NUM) {
                Some(n) => {
                    let _ = write!(out, "<td class=\"n\">{n}</td>");
                }
                None => {
                    let _ = write!(out, "<td>{cell}</td>");
                }
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

fn num(n: u64) -> String {
    format!("{NUM}{n}")
}

fn code(text: &str) -> String {
    format!("<code>{}</code>", esc(text))
}

fn verdict(ok: bool, yes: &str, no: &str) -> String {
    if ok {
        format!("<span class=\"ok\">{yes}</span>")
    } else {
        format!("<span class=\"bad\">{no}</span>")
    }
}

fn section(out: &mut String, id: &str, title: &str) {
    let _ = write!(out, "<section id=\"{id}\">\n<h2>{}</h2>\n", esc(title));
}

fn header(out: &mut String, m: &Manifest) {
    let _ = write!(
        out,
        "<header id=\"header\">\n<h1>sluice report: {}</h1>\n",
        esc(&m.pipeline.name)
    );
    let commit = m.tool.commit.as_deref().unwrap_or("unknown");
    table(
        out,
        &["fact", "value"],
        &[
            vec!["pipeline".into(), esc(&m.pipeline.name)],
            vec!["pipeline sha256".into(), code(&m.pipeline.sha256)],
            vec!["root sha256 (all outputs)".into(), code(&m.root_sha256)],
            vec![
                "tool".into(),
                esc(&format!(
                    "{} {} (commit {commit})",
                    m.tool.name, m.tool.version
                )),
            ],
            vec!["manifest version".into(), esc(&m.manifest_version)],
        ],
    );
    out.push_str("</header>\n");
}

fn conservation(out: &mut String, m: &Manifest) {
    let c = &m.conservation;
    section(out, "conservation", "Conservation: nothing lost");
    let _ = writeln!(
        out,
        "<p>{}: {} input records = {} kept + {} duplicates + {} quarantined.</p>",
        verdict(c.holds, "HOLDS", "VIOLATED"),
        c.input_records,
        c.kept,
        c.duplicates,
        c.quarantined
    );
    let rows: Vec<Vec<String>> = c
        .by_input
        .iter()
        .map(|i| {
            vec![
                code(&i.path),
                num(i.records),
                num(i.kept),
                num(i.duplicates),
                num(i.quarantined),
                verdict(i.holds(), "holds", "violated"),
            ]
        })
        .collect();
    table(
        out,
        &[
            "input",
            "records",
            "kept",
            "duplicates",
            "quarantined",
            "check",
        ],
        &rows,
    );
    out.push_str("</section>\n");
}

fn gates(out: &mut String, m: &Manifest) {
    section(out, "gates", "Gates");
    if m.gates.is_empty() {
        out.push_str("<p>No gates configured.</p>\n");
    } else {
        let all = m.gates.iter().all(|g| g.passed);
        let _ = writeln!(
            out,
            "<p>{}</p>",
            verdict(all, "All gates passed.", "A gate failed.")
        );
        let rows: Vec<Vec<String>> = m
            .gates
            .iter()
            .map(|g| {
                vec![
                    code(&g.name),
                    format!("{NUM}{}", g.threshold),
                    format!("{NUM}{}", g.observed),
                    verdict(g.passed, "passed", "FAILED"),
                ]
            })
            .collect();
        table(out, &["gate", "threshold", "observed", "result"], &rows);
    }
    out.push_str("</section>\n");
}

fn funnel(out: &mut String, m: &Manifest) {
    section(out, "funnel", "Funnel per stage");
    let ingest_quarantined: u64 = m.inputs.iter().map(|i| i.quarantined).sum();
    let mut bars = vec![
        Bar::new("input records", m.conservation.input_records),
        Bar::new(
            "parsed (ingest)",
            m.conservation
                .input_records
                .saturating_sub(ingest_quarantined),
        ),
    ];
    let mut rows = vec![vec![
        "ingest".into(),
        num(m.conservation.input_records),
        num(m
            .conservation
            .input_records
            .saturating_sub(ingest_quarantined)),
        num(ingest_quarantined),
    ]];
    for s in &m.stages {
        let name = format!("{}: {}", s.index, s.kind);
        bars.push(Bar::new(name.clone(), s.report.rows_out));
        rows.push(vec![
            esc(&name),
            num(s.report.rows_in),
            num(s.report.rows_out),
            num(s.report.removed_total()),
        ]);
    }
    let written: u64 = m
        .outputs
        .iter()
        .filter(|o| o.is_training_split())
        .map(|o| o.rows)
        .sum();
    bars.push(Bar::new("written (training set)", written));
    out.push_str(&bar_chart("rows remaining after each stage", &bars));
    out.push('\n');
    table(out, &["stage", "rows in", "rows out", "removed"], &rows);
    out.push_str("</section>\n");
}

/// Sums a per-stage map over all stages (ordered by key).
fn total(
    m: &Manifest,
    get: fn(&sluice_core::StageReport) -> &BTreeMap<String, u64>,
) -> BTreeMap<String, u64> {
    let mut sum = BTreeMap::new();
    for s in &m.stages {
        for (k, v) in get(&s.report) {
            *sum.entry(k.clone()).or_insert(0) += v;
        }
    }
    sum
}

fn redactions(out: &mut String, m: &Manifest) {
    section(out, "redactions", "Redactions");
    for (heading, column, map) in [
        ("By type", "type", total(m, |r| &r.redactions_by_type)),
        ("By field", "field", total(m, |r| &r.redactions_by_field)),
    ] {
        let _ = writeln!(out, "<h3>{heading}</h3>");
        if map.is_empty() {
            out.push_str("<p>No redactions.</p>\n");
            continue;
        }
        let bars: Vec<Bar> = map.iter().map(|(k, v)| Bar::new(k.clone(), *v)).collect();
        out.push_str(&bar_chart(&format!("redactions by {column}"), &bars));
        out.push('\n');
        let rows: Vec<Vec<String>> = map.iter().map(|(k, v)| vec![code(k), num(*v)]).collect();
        table(out, &[column, "redactions"], &rows);
    }
    out.push_str("</section>\n");
}

fn rules(out: &mut String, m: &Manifest) {
    section(out, "rules", "Rule results");
    let mut rows = Vec::new();
    for s in &m.stages {
        let stage = esc(&format!("{}: {}", s.index, s.kind));
        for (code_, n) in &s.report.removed {
            rows.push(vec![stage.clone(), code(code_), "removed".into(), num(*n)]);
        }
        for (code_, n) in &s.report.flagged {
            rows.push(vec![
                stage.clone(),
                code(code_),
                "flagged (kept)".into(),
                num(*n),
            ]);
        }
    }
    if rows.is_empty() {
        out.push_str("<p>No row was removed or flagged by a stage.</p>\n");
    } else {
        table(out, &["stage", "code", "outcome", "rows"], &rows);
    }
    for s in m.stages.iter().filter(|s| s.kind == "validate") {
        rule_counters(out, s);
    }
    out.push_str("</section>\n");
}

/// A validate stage's `rule.outcome` counters pivoted to one row per rule, one column per
/// outcome (`failed`, `false`, `null`, …), so every rule shows up, including those that passed.
fn rule_counters(out: &mut String, s: &sluice_lineage::StageEntry) {
    let mut by_rule: BTreeMap<&str, BTreeMap<&str, u64>> = BTreeMap::new();
    let mut outcomes: Vec<&str> = Vec::new();
    for (name, n) in &s.report.counters {
        let Some((rule, outcome)) = name.rsplit_once('.') else {
            continue;
        };
        by_rule.entry(rule).or_default().insert(outcome, *n);
        if !outcomes.contains(&outcome) {
            outcomes.push(outcome);
        }
    }
    if by_rule.is_empty() {
        return;
    }
    outcomes.sort_unstable();
    let _ = writeln!(
        out,
        "<h3>Stage {}: {} rules over {} rows</h3>",
        s.index,
        by_rule.len(),
        s.report.rows_in
    );
    let mut headers = vec!["rule", "result"];
    headers.extend(outcomes.iter().copied());
    let rows: Vec<Vec<String>> = by_rule
        .iter()
        .map(|(rule, counts)| {
            let failed = counts.get("failed").copied().unwrap_or(0);
            let mut row = vec![code(rule), verdict(failed == 0, "pass", "fail")];
            row.extend(
                outcomes
                    .iter()
                    .map(|o| counts.get(o).map_or_else(String::new, |n| num(*n))),
            );
            row
        })
        .collect();
    table(out, &headers, &rows);
}

fn dedup(out: &mut String, m: &Manifest, clusters: &[Cluster]) {
    section(out, "dedup", "Deduplication");
    let stages: Vec<_> = m.stages.iter().filter(|s| s.kind == "dedup").collect();
    if stages.is_empty() {
        out.push_str("<p>No dedup stage in this pipeline.</p>\n");
    }
    for s in stages {
        let _ = writeln!(
            out,
            "<p>Stage {}: {} rows in, {} removed as duplicates, {} kept.</p>",
            s.index,
            s.report.rows_in,
            s.report.removed_total(),
            s.report.rows_out
        );
        let rows: Vec<Vec<String>> = s
            .report
            .counters
            .iter()
            .map(|(k, v)| vec![code(k), num(*v)])
            .collect();
        if !rows.is_empty() {
            table(out, &["counter", "value"], &rows);
        }
    }
    cluster_summary(out, clusters);
    out.push_str("</section>\n");
}

/// Clusters by size (how many records collapsed into one survivor) and the largest ones by
/// survivor id, so a reviewer can `sluice trace` them.
fn cluster_summary(out: &mut String, clusters: &[Cluster]) {
    if clusters.is_empty() {
        return;
    }
    let removed: u64 = clusters.iter().map(|c| c.size.saturating_sub(1)).sum();
    let _ = writeln!(
        out,
        "<h3>Clusters</h3>\n<p>{} clusters of duplicates; {} records removed in favour of their \
         survivor; the largest has {} members.</p>",
        clusters.len(),
        removed,
        clusters.iter().map(|c| c.size).max().unwrap_or(0)
    );
    let buckets: [(&str, u64, u64); 5] = [
        ("2 members", 2, 2),
        ("3 members", 3, 3),
        ("4-5 members", 4, 5),
        ("6-10 members", 6, 10),
        ("more than 10", 11, u64::MAX),
    ];
    let bars: Vec<Bar> = buckets
        .iter()
        .map(|(label, lo, hi)| {
            let n = clusters
                .iter()
                .filter(|c| (*lo..=*hi).contains(&c.size))
                .count();
            Bar::new(*label, n as u64)
        })
        .collect();
    out.push_str(&bar_chart("clusters by size", &bars));
    out.push('\n');
    let mut largest: Vec<&Cluster> = clusters.iter().collect();
    largest.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.id.cmp(&b.id)));
    let rows: Vec<Vec<String>> = largest
        .iter()
        .take(EXAMPLES)
        .map(|c| vec![code(&c.id), num(c.size)])
        .collect();
    table(out, &["largest clusters (survivor id)", "members"], &rows);
}

fn quarantine(out: &mut String, m: &Manifest, sample: &[QuarantineSample]) {
    section(out, "quarantine", "Quarantine");
    let ingest: u64 = m.inputs.iter().map(|i| i.quarantined).sum();
    let _ = writeln!(
        out,
        "<p>{} records quarantined ({} at ingest). Record ids only; content is never shown \
         here.</p>",
        m.conservation.quarantined, ingest
    );
    // Duplicates are reported under dedup, not here. Per-reason counts of ingest rejects come
    // from the quarantine table (the manifest counts them per input only); other stages' counts
    // come from the manifest.
    let mut by_reason: BTreeMap<(&str, &str), Vec<&QuarantineSample>> = BTreeMap::new();
    for q in sample {
        by_reason
            .entry((q.stage.as_str(), q.reason.as_str()))
            .or_default()
            .push(q);
    }
    let mut counts: Vec<(String, String, u64)> = Vec::new();
    let ingest_reasons: Vec<(&str, u64)> = by_reason
        .iter()
        .filter(|((stage, _), _)| *stage == "ingest")
        .map(|((_, reason), records)| (*reason, records.len() as u64))
        .collect();
    if ingest > 0 && ingest_reasons.iter().map(|(_, n)| n).sum::<u64>() == ingest {
        for (reason, n) in ingest_reasons {
            counts.push(("ingest".into(), reason.to_owned(), n));
        }
    } else if ingest > 0 {
        counts.push((
            "ingest".into(),
            "unparseable (any PARSE_ code)".into(),
            ingest,
        ));
    }
    for s in m.stages.iter().filter(|s| s.kind != "dedup") {
        for (reason, n) in &s.report.removed {
            counts.push((format!("{}: {}", s.index, s.kind), reason.clone(), *n));
        }
    }
    let rows: Vec<Vec<String>> = counts
        .iter()
        .map(|(stage, reason, n)| vec![esc(stage), code(reason), num(*n)])
        .collect();
    let bars: Vec<Bar> = counts
        .iter()
        .map(|(_, reason, n)| Bar::new(reason.clone(), *n))
        .collect();
    out.push_str(&bar_chart("quarantined rows by reason", &bars));
    out.push('\n');
    table(out, &["stage", "reason", "rows"], &rows);
    if !sample.is_empty() {
        let _ = writeln!(
            out,
            "<h3>Sample ({} records): first record ids per reason</h3>",
            sample.len()
        );
        let rows: Vec<Vec<String>> = by_reason
            .iter()
            .map(|((stage, reason), records)| {
                let ids: Vec<String> = records
                    .iter()
                    .take(EXAMPLES)
                    .map(|q| {
                        let line = q.source_line.map_or_else(String::new, |l| format!(":{l}"));
                        format!(
                            "{} <small>({}{})</small>",
                            code(&q.record_id),
                            esc(&q.source_file),
                            line
                        )
                    })
                    .collect();
                vec![
                    esc(stage),
                    code(reason),
                    num(records.len() as u64),
                    ids.join("<br>"),
                ]
            })
            .collect();
        table(
            out,
            &["stage", "reason", "rows", "record ids (source file:line)"],
            &rows,
        );
    }
    out.push_str("</section>\n");
}

fn files(out: &mut String, m: &Manifest) {
    section(out, "inputs", "Inputs");
    let rows: Vec<Vec<String>> = m
        .inputs
        .iter()
        .map(|i| {
            vec![
                code(&i.path),
                esc(&i.format),
                esc(&i.encoding),
                num(i.bytes),
                num(i.records),
                code(&i.sha256),
            ]
        })
        .collect();
    table(
        out,
        &["path", "format", "encoding", "bytes", "records", "sha256"],
        &rows,
    );
    out.push_str("</section>\n");
    section(out, "outputs", "Outputs");
    let rows: Vec<Vec<String>> = m
        .outputs
        .iter()
        .map(|o| {
            vec![
                code(&o.path),
                esc(&o.role),
                num(o.rows),
                num(o.bytes),
                code(&o.sha256),
            ]
        })
        .collect();
    table(out, &["path", "role", "rows", "bytes", "sha256"], &rows);
    out.push_str("</section>\n");
}

fn verify_commands(out: &mut String, m: &Manifest) {
    section(out, "verify", "Verify it yourself");
    out.push_str(
        "<p>From the directory that holds <code>manifest.json</code>: the first command \
         recomputes every output's sha256, row count and the root digest, joins the lineage \
         table with every shard, duplicate and quarantine row, checks a signed in-toto statement \
         when one is present, and exits 1 on any mismatch; the <code>echo</code> lines check the \
         file digests with standard tools.</p>\n<pre>",
    );
    out.push_str(
        "sluice verify manifest.json            # digests, row counts, root, conservation, lineage joins\n\
         sluice verify manifest.json --json     # the same verdicts for machines\n\
         sluice verify manifest.json --pubkey reviewer.pub   # plus the signed statement in manifest.dsse.json\n\
         sluice trace RECORD_ID --manifest manifest.json     # where one record came from and went\n",
    );
    for o in &m.outputs {
        let _ = writeln!(
            out,
            "echo '{}  {}' | sha256sum -c",
            esc(&o.sha256),
            esc(&o.path)
        );
    }
    out.push_str(
        "</pre>\n<p>The root digest is the sha256 of the lines <code>path TAB rows TAB \
         sha256</code> of all outputs, sorted bytewise, each ending in a newline.</p>\n",
    );
    out.push_str("</section>\n");
}

fn run_block(out: &mut String, m: &Manifest) {
    let r = &m.run;
    out.push_str(
        "<section id=\"run\" class=\"run\">\n<h2>Run (this execution only)</h2>\n\
         <p>These facts differ between reruns of the same inputs; nothing above depends on \
         them.</p>\n",
    );
    table(
        out,
        &["fact", "value"],
        &[
            vec!["started".into(), esc(&r.started_at)],
            vec!["finished".into(), esc(&r.finished_at)],
            vec!["duration ms".into(), num(r.duration_ms)],
            vec!["threads".into(), num(r.threads as u64)],
            vec!["host".into(), esc(&r.host)],
        ],
    );
    out.push_str("</section>\n");
}

#[cfg(test)]
mod tests;
