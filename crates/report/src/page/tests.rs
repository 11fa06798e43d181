use super::*;
use std::path::PathBuf;

/// The synthetic manifest in `testdata/` (shape of a real support-tickets run, made-up digests).
fn fixture() -> Manifest {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/manifest.json");
    sluice_lineage::Manifest::from_path(&path).unwrap()
}

fn sample() -> Vec<QuarantineSample> {
    vec![
        QuarantineSample {
            record_id: "r-0001aa".into(),
            reason: "Q_SUBJECT_MIN_LENGTH".into(),
            stage: "2: validate".into(),
            source_file: "in/a.jsonl".into(),
            source_line: Some(17),
        },
        QuarantineSample {
            record_id: "r-0002bb".into(),
            reason: "PARSE_JSON".into(),
            stage: "ingest".into(),
            source_file: "in/b.jsonl.gz".into(),
            source_line: None,
        },
    ]
}

/// The text of section `id` (from its opening tag to the next `</section>`).
fn section_of<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("<section id=\"{id}\""))
        .unwrap_or_else(|| panic!("no section {id}"));
    let end = page[start..].find("</section>").unwrap() + start;
    &page[start..end]
}

#[test]
fn page_has_every_section_in_order() {
    let page = render_html(&fixture(), &sample());
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.ends_with("</html>\n"));
    let ids = [
        "<header id=\"header\"",
        "id=\"conservation\"",
        "id=\"gates\"",
        "id=\"funnel\"",
        "id=\"redactions\"",
        "id=\"rules\"",
        "id=\"dedup\"",
        "id=\"quarantine\"",
        "id=\"inputs\"",
        "id=\"outputs\"",
        "id=\"verify\"",
        "id=\"run\"",
    ];
    let positions: Vec<usize> = ids
        .iter()
        .map(|id| page.find(id).unwrap_or_else(|| panic!("missing {id}")))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
}

#[test]
fn page_shows_the_manifest_numbers_and_digests() {
    let m = fixture();
    let page = render_html(&m, &sample());
    let header = &page[..page.find("</header>").unwrap()];
    assert!(header.contains("sluice report: tickets"));
    assert!(header.contains(&m.pipeline.sha256));
    assert!(header.contains(&m.root_sha256));

    let conservation = section_of(&page, "conservation");
    assert!(conservation.contains("HOLDS"));
    assert!(
        conservation.contains("2500 input records = 2307 kept + 120 duplicates + 73 quarantined")
    );

    let funnel = section_of(&page, "funnel");
    assert!(funnel.contains("<svg"), "funnel chart");
    assert!(funnel.contains("<td>0: dedup</td><td class=\"n\">2439</td><td class=\"n\">2319</td><td class=\"n\">120</td>"));
    assert!(funnel.contains("written (training set): 2307"));

    let redactions = section_of(&page, "redactions");
    assert_eq!(
        redactions.matches("<svg").count(),
        2,
        "by type and by field"
    );
    assert!(redactions.contains("<code>PAYMENT_CARD</code></td><td class=\"n\">294</td>"));
    assert!(redactions.contains("<code>messages[].content</code></td><td class=\"n\">3175</td>"));

    let rules = section_of(&page, "rules");
    assert!(
        rules.contains(
            "<code>Q_SUBJECT_MIN_LENGTH</code></td><td>removed</td><td class=\"n\">12</td>"
        )
    );
    assert!(rules.contains("<code>DUP_EXACT</code>"));

    let dedup = section_of(&page, "dedup");
    assert!(dedup.contains("2439 rows in, 120 removed as duplicates, 2319 kept"));
    assert!(dedup.contains("<code>exact_groups</code></td><td class=\"n\">115</td>"));

    let quarantine = section_of(&page, "quarantine");
    assert!(quarantine.contains("r-0001aa") && quarantine.contains("r-0002bb"));
    assert!(quarantine.contains("(in/a.jsonl:17)"), "{quarantine}");
    assert!(
        !quarantine.contains("DUP_EXACT"),
        "duplicates are not quarantine"
    );

    let gates = section_of(&page, "gates");
    assert!(gates.contains("All gates passed."));
    assert!(gates.contains("<code>min_rows</code>"));

    let outputs = section_of(&page, "outputs");
    for o in &m.outputs {
        assert!(outputs.contains(&o.sha256) && outputs.contains(&o.path));
    }
    let verify = section_of(&page, "verify");
    assert!(verify.contains("sluice verify manifest.json"));
    assert!(verify.contains(&format!(
        "echo '{}  data/train-00000-of-00001.parquet' | sha256sum -c",
        m.outputs[0].sha256
    )));
}

#[test]
fn failures_are_shown_as_failures() {
    let mut m = fixture();
    m.conservation.holds = false;
    m.gates[1].passed = false;
    let page = render_html(&m, &[]);
    assert!(section_of(&page, "conservation").contains("VIOLATED"));
    let gates = section_of(&page, "gates");
    assert!(gates.contains("A gate failed."));
    assert!(gates.contains("FAILED"));
    assert!(!section_of(&page, "quarantine").contains("Sample ("));
}

#[test]
fn page_is_self_contained() {
    let page = render_html(&fixture(), &sample());
    let lower = page.to_lowercase();
    assert!(!lower.contains("<script"), "no scripts");
    assert!(!lower.contains("src="), "no fetched sources");
    assert!(!lower.contains("href="), "no links or stylesheets");
    assert!(!lower.contains("http"), "no remote URL of any kind");
    assert!(!lower.contains("@import") && !lower.contains("url("));
}

#[test]
fn names_are_escaped() {
    let mut m = fixture();
    m.pipeline.name = "<script>alert(1)</script> & co".into();
    m.outputs[0].path = "data/\"x\".parquet".into();
    let mut s = sample();
    s[0].record_id = "<img>".into();
    let page = render_html(&m, &s);
    assert!(!page.contains("<script>"));
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"));
    assert!(page.contains("data/&quot;x&quot;.parquet"));
    assert!(!page.contains("<img>") && page.contains("&lt;img&gt;"));
}

#[test]
fn output_is_deterministic_and_run_facts_stay_in_the_run_section() {
    let m = fixture();
    assert_eq!(render_html(&m, &sample()), render_html(&m, &sample()));
    let page = render_html(&m, &sample());
    let run_start = page.find("<section id=\"run\"").unwrap();
    for fact in [&m.run.started_at, &m.run.finished_at, &m.run.host] {
        let at = page.find(fact.as_str()).unwrap();
        assert!(at > run_start, "{fact} outside the run section");
    }
    // Changing only the run block changes only the run section.
    let mut rerun = fixture();
    rerun.run.host = "other".into();
    rerun.run.started_at = "2027-01-01T00:00:00Z".into();
    let other = render_html(&rerun, &sample());
    assert_eq!(
        page[..run_start],
        other[..other.find("<section id=\"run\"").unwrap()]
    );
    assert_ne!(page, other);
}

#[test]
fn text_cannot_pose_as_a_numeric_cell() {
    let mut m = fixture();
    m.tool.version = "\u{1}9".into();
    let page = render_html(&m, &[]);
    assert!(!page.contains('\u{1}'));
    assert!(page.contains("<td>sluice \u{fffd}9 (commit unknown)</td>"));
}

#[test]
fn rules_show_every_rule_with_its_outcomes() {
    let page = render_html(&fixture(), &[]);
    let rules = section_of(&page, "rules");
    assert!(rules.contains("Stage 2: 3 rules over 2319 rows"), "{rules}");
    assert!(rules.contains(
        "<td><code>subject_min_length</code></td><td><span class=\"bad\">fail</span></td>\
         <td class=\"n\">12</td><td class=\"n\">12</td><td class=\"n\">0</td>"
    ));
    assert!(rules.contains(
        "<td><code>required</code></td><td><span class=\"ok\">pass</span></td><td class=\"n\">0</td><td></td><td></td>"
    ));
}

#[test]
fn ingest_rejects_are_counted_by_reason_when_the_table_covers_them() {
    let m = fixture();
    let ingest: u64 = m.inputs.iter().map(|i| i.quarantined).sum();
    let rows: Vec<QuarantineSample> = (0..ingest)
        .map(|i| QuarantineSample {
            record_id: format!("r-{i}"),
            reason: if i % 3 == 0 {
                "PARSE_MALFORMED_JSON"
            } else {
                "INGEST_MISSING_FIELD"
            }
            .into(),
            stage: "ingest".into(),
            source_file: "in/a.jsonl".into(),
            source_line: Some(i + 1),
        })
        .collect();
    let page = render_html(&m, &rows);
    let q = section_of(&page, "quarantine");
    let malformed = rows
        .iter()
        .filter(|r| r.reason == "PARSE_MALFORMED_JSON")
        .count();
    assert!(q.contains(&format!(
        "<td>ingest</td><td><code>PARSE_MALFORMED_JSON</code></td><td class=\"n\">{malformed}</td>"
    )));
    assert!(!q.contains("unparseable"));
    assert!(q.contains("<svg class=\"chart\""), "reasons are charted");
    // Five example ids per reason at most.
    assert!(q.contains("<code>r-0</code>") && !q.contains("<code>r-15</code>"));

    // A partial table (or none) falls back to the manifest's total.
    let page = render_html(&m, &rows[..3]);
    assert!(section_of(&page, "quarantine").contains("unparseable (any PARSE_ code)"));
}

#[test]
fn dedup_clusters_are_summarised_by_size_and_survivor() {
    let clusters = vec![
        Cluster {
            id: "a:1".into(),
            size: 2,
        },
        Cluster {
            id: "a:7".into(),
            size: 4,
        },
        Cluster {
            id: "b:3".into(),
            size: 12,
        },
    ];
    let page = render_report(&fixture(), &[], &clusters);
    let dedup = section_of(&page, "dedup");
    assert!(
        dedup.contains("3 clusters of duplicates; 15 records removed"),
        "{dedup}"
    );
    assert!(dedup.contains("the largest has 12 members"));
    assert!(dedup.contains("<title>clusters by size</title>"));
    let largest = dedup.find("<code>b:3</code>").unwrap();
    assert!(
        largest < dedup.find("<code>a:7</code>").unwrap(),
        "largest first"
    );
    assert!(!section_of(&render_html(&fixture(), &[]), "dedup").contains("Clusters"));
}
