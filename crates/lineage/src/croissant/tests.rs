use super::*;
use crate::openlineage::tests::fixture;

fn card() -> DatasetCard {
    DatasetCard {
        license: Some("https://spdx.org/licenses/CC-BY-4.0.html".into()),
        url: Some("https://data.example/tickets".into()),
        creator: Some("Example Corp".into()),
        version: Some("1.0.0".into()),
    }
}

#[test]
fn every_output_is_a_file_object_with_its_digest() {
    let m = fixture();
    let doc = croissant_jsonld(&m, &card());
    assert_eq!(doc["@type"], "sc:Dataset");
    assert_eq!(doc["conformsTo"][0], "http://mlcommons.org/croissant/1.1");
    assert_eq!(
        doc["conformsTo"][1],
        "http://mlcommons.org/croissant/RAI/1.0"
    );
    let files = doc["distribution"].as_array().unwrap();
    assert_eq!(files.len(), m.outputs.len());
    for (o, f) in m.outputs.iter().zip(files) {
        assert_eq!(f["@id"], o.path.as_str());
        assert_eq!(f["sha256"], o.sha256.as_str());
        assert_eq!(f["encodingFormat"], "application/x-parquet");
    }
    assert_eq!(doc["license"], "https://spdx.org/licenses/CC-BY-4.0.html");
    assert_eq!(doc["datePublished"], "2026-01-02");
    assert_eq!(doc["description"], "synthetic fixture");
}

#[test]
fn record_sets_follow_the_schema_per_split() {
    let doc = croissant_jsonld(&fixture(), &card());
    let sets = doc["recordSet"].as_array().unwrap();
    let ids: Vec<&str> = sets.iter().map(|s| s["@id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["train", "validation"]);
    let fields = sets[0]["field"].as_array().unwrap();
    assert_eq!(fields[0]["@id"], "train/record_id");
    assert_eq!(fields[0]["dataType"], "sc:Text");
    assert_eq!(
        fields[0]["source"]["fileObject"]["@id"],
        "data/train-00000-of-00001.parquet"
    );
    let messages = fields.iter().find(|f| f["name"] == "messages").unwrap();
    assert_eq!(messages["isArray"], true);
    let role = &messages["subField"][0];
    assert_eq!(role["@id"], "train/messages/role");
    assert_eq!(role["source"]["extract"]["column"], "messages");
    assert_eq!(role["source"]["transform"]["jsonPath"], "role");
}

#[test]
fn rai_fields_come_from_redactions_and_stages() {
    let doc = croissant_jsonld(&fixture(), &card());
    let pii = doc["rai:personalSensitiveInformation"].as_array().unwrap();
    assert!(
        pii.iter()
            .any(|s| s == "PAYMENT_CARD: 294 values detected and redacted")
    );
    assert!(pii.iter().any(|s| {
        s.as_str()
            .unwrap()
            .starts_with("redacted columns: customer_email, customer_name")
    }));
    let steps = doc["rai:dataPreprocessingProtocol"].as_array().unwrap();
    assert!(
        steps
            .iter()
            .any(|s| s == "stage 0 dedup: 2439 rows in, 2319 rows out; removed DUP_EXACT: 120")
    );
    assert!(steps.last().unwrap().as_str().unwrap().ends_with("(holds)"));
}

#[test]
fn without_redactions_the_pii_statement_says_so_and_card_gaps_are_omitted() {
    let mut m = fixture();
    for s in &mut m.stages {
        s.report.redactions_by_type.clear();
        s.report.redactions_by_field.clear();
    }
    let doc = croissant_jsonld(&m, &DatasetCard::default());
    assert!(
        doc["rai:personalSensitiveInformation"][0]
            .as_str()
            .unwrap()
            .starts_with("No personal")
    );
    assert!(doc.get("license").is_none() && doc.get("url").is_none());
    assert_eq!(doc, croissant_jsonld(&m, &DatasetCard::default()));
}

#[test]
fn all_projections_agree_on_digests_counts_and_run_id() {
    let m = fixture();
    let run_id = crate::openlineage::deterministic_run_id(&m);
    let (_, ol) = crate::openlineage::openlineage_events(&m, &run_id, "sluice");
    let statement = crate::intoto::intoto_statement(&m);
    let cr = croissant_jsonld(&m, &card());
    assert_eq!(
        statement["predicate"]["runDetails"]["metadata"]["invocationId"],
        ol["run"]["runId"]
    );
    for (i, o) in m.outputs.iter().enumerate() {
        let ol_out = &ol["outputs"][i];
        assert_eq!(ol_out["name"], statement["subject"][i]["name"]);
        assert_eq!(ol_out["name"], cr["distribution"][i]["@id"]);
        assert_eq!(
            ol_out["facets"]["version"]["datasetVersion"],
            o.sha256.as_str()
        );
        assert_eq!(
            statement["subject"][i]["digest"]["sha256"],
            o.sha256.as_str()
        );
        assert_eq!(cr["distribution"][i]["sha256"], o.sha256.as_str());
        assert_eq!(
            ol_out["outputFacets"]["outputStatistics"]["rowCount"],
            o.rows
        );
        assert_eq!(statement["subject"][i]["annotations"]["rows"], o.rows);
    }
}

#[test]
fn non_parquet_outputs_get_their_own_media_type() {
    assert_eq!(
        encoding_format("data/train-00000-of-00001.parquet"),
        "application/x-parquet"
    );
    assert_eq!(encoding_format("validation.json"), "application/json");
    assert_eq!(encoding_format("validation.junit.xml"), "application/xml");
    assert_eq!(encoding_format("README.md"), "text/markdown");
    assert_eq!(encoding_format("LICENSE"), "application/octet-stream");
}

#[test]
fn cite_as_pins_the_release_by_root_digest() {
    let m = fixture();
    let doc = croissant_jsonld(&m, &card());
    let cite = doc["citeAs"].as_str().unwrap();
    assert!(
        cite.starts_with(&format!("@misc{{tickets_{}", &m.root_sha256[..12])),
        "{cite}"
    );
    assert!(cite.contains(&m.root_sha256), "{cite}");
    assert!(cite.ends_with("year = {2026}}"), "{cite}");
}
