//! The closing summary of `sluice run`.

use sluice_pipeline::RunSummary;
use std::collections::BTreeMap;
use std::fmt::Write;

fn counts(map: &BTreeMap<String, u64>) -> String {
    if map.is_empty() {
        return "-".to_owned();
    }
    let mut pairs: Vec<_> = map.iter().collect();
    pairs.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    pairs
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The human-readable summary.
pub fn render(name: &str, s: &RunSummary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "sluice run `{name}` finished in {:.1}s",
        s.duration_ms as f64 / 1000.0
    );
    let _ = writeln!(out, "  records in   {:>8}", s.input_records);
    let _ = writeln!(
        out,
        "  kept         {:>8}   {}",
        s.kept,
        counts(&s.kept_by_split)
    );
    let _ = writeln!(out, "  duplicates   {:>8}", s.duplicates);
    let _ = writeln!(
        out,
        "  quarantined  {:>8}   {}",
        s.quarantined,
        counts(&s.quarantined_by_reason)
    );
    let _ = writeln!(
        out,
        "  redactions   {:>8}   {}",
        s.redactions_by_type.values().sum::<u64>(),
        counts(&s.redactions_by_type)
    );
    for gate in &s.failed_gates {
        let _ = writeln!(
            out,
            "  GATE FAILED  {} observed {:.4} vs threshold {}",
            gate.name, gate.observed, gate.threshold
        );
    }
    let _ = writeln!(out, "  outputs      {}/", s.out_dir.display());
    for o in &s.outputs {
        let _ = writeln!(out, "                 {} ({} rows)", o.path, o.rows);
    }
    let _ = writeln!(out, "  manifest     {}", s.manifest_path.display());
    if s.spill.batches > 0 {
        let _ = writeln!(
            out,
            "  spilled      {} batches ({:.1} MB) past a {:.0} MB memory budget",
            s.spill.batches,
            s.spill.bytes as f64 / 1e6,
            s.spill.budget.unwrap_or(0) as f64 / 1e6
        );
    }
    if let Some(dir) = &s.cache.dir {
        let _ = writeln!(out, "  reused       {}", reuse(s));
        let _ = writeln!(out, "  cache        {}/", dir.display());
    }
    out
}

/// What the stage cache saved, e.g. `ingest of 2/2 inputs, stages 1-5 of 5`.
fn reuse(s: &RunSummary) -> String {
    let c = &s.cache;
    if c.inputs_reused == 0 && c.stages_reused == 0 {
        return "nothing yet (stored for the next run)".to_owned();
    }
    let stages = match c.stages_reused {
        0 => "no stage".to_owned(),
        1 => "stage 1".to_owned(),
        n => format!("stages 1-{n}"),
    };
    format!(
        "ingest of {}/{} inputs, {stages} of {}",
        c.inputs_reused, s.inputs, s.stages
    )
}

/// The summary as one JSON object.
pub fn as_json(name: &str, s: &RunSummary) -> String {
    serde_json::json!({
        "pipeline": name,
        "out_dir": s.out_dir.display().to_string(),
        "manifest": s.manifest_path.display().to_string(),
        "records_in": s.input_records,
        "kept": s.kept,
        "kept_by_split": s.kept_by_split,
        "duplicates": s.duplicates,
        "quarantined": s.quarantined,
        "quarantined_by_reason": s.quarantined_by_reason,
        "redactions_by_type": s.redactions_by_type,
        "failed_gates": s.failed_gates.iter().map(|g| &g.name).collect::<Vec<_>>(),
        "duration_ms": s.duration_ms,
        "phases": s.phases.iter().map(|p| serde_json::json!({
            "phase": p.name,
            "wall_ms": p.wall_ms,
            "peak_rss_bytes": p.peak_rss_bytes,
            "steps": p.steps.iter().map(|step| serde_json::json!({"step": step.name, "wall_ms": step.wall_ms, "peak_rss_bytes": step.peak_rss_bytes})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "spill": {
            "budget_bytes": s.spill.budget,
            "batches": s.spill.batches,
            "bytes": s.spill.bytes,
            "peak_resident_bytes": s.spill.peak_resident,
            "attributes_peak_bytes": s.spill.attributes_peak,
            "evicted_batches": s.spill.evicted_batches,
        },
        "cache": s.cache.dir.as_ref().map(|dir| serde_json::json!({
            "dir": dir.display().to_string(),
            "inputs_reused": s.cache.inputs_reused,
            "inputs": s.inputs,
            "stages_reused": s.cache.stages_reused,
            "stages": s.stages,
        })),
    })
    .to_string()
}
