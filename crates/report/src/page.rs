//! The reviewer page: one self-contained HTML document built from a manifest and a sample of
//! quarantined record ids. Sections follow the questions a reviewer asks — which pipeline and
//! files, where the rows went, what was redacted, what the rules removed, is nothing lost, did
//! the gates pass, how to check it myself — and show ids, codes, counts and digests only.
//!
//! The page is a pure function of its inputs (no clock, no environment): the only times in it
//! are the manifest's own `run` block, shown in a separate section at the end.

use crate::escape::escape_html as esc;
use crate::sample::QuarantineSample;
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

/// Renders the whole report page for `manifest`, listing `quarantine_sample` as example record
/// ids per reason (never their content).
pub fn render_html(manifest: &Manifest, quarantine_sample: &[QuarantineSample]) -> String {
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
    dedup(&mut page, m);
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
    out.push_str("</section>\n");
}

fn dedup(out: &mut String, m: &Manifest) {
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
    out.push_str("</section>\n");
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
    // Reason counts from the stages; duplicates are reported under dedup, not here.
    let mut rows = Vec::new();
    if ingest > 0 {
        rows.push(vec![
            "ingest".into(),
            "unparseable (codes in quarantine.parquet)".into(),
            num(ingest),
        ]);
    }
    for s in m.stages.iter().filter(|s| s.kind != "dedup") {
        for (reason, n) in &s.report.removed {
            rows.push(vec![
                esc(&format!("{}: {}", s.index, s.kind)),
                code(reason),
                num(*n),
            ]);
        }
    }
    table(out, &["stage", "reason", "rows"], &rows);
    if !sample.is_empty() {
        let _ = writeln!(out, "<h3>Sample ({} records)</h3>", sample.len());
        let rows: Vec<Vec<String>> = sample
            .iter()
            .map(|q| {
                vec![
                    code(&q.record_id),
                    esc(&q.stage),
                    code(&q.reason),
                    code(&q.source_file),
                    q.source_line.map_or_else(String::new, num),
                ]
            })
            .collect();
        table(
            out,
            &["record id", "stage", "reason", "source file", "line"],
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
         recomputes every output's sha256, row count and the root digest and exits 1 on any \
         mismatch; the second checks the file digests with standard tools.</p>\n<pre>",
    );
    out.push_str("sluice verify manifest.json\n");
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
