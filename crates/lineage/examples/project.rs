//! Prints one projection of a manifest, to feed external validators by hand:
//! `cargo run -p sluice-lineage --example project -- croissant|openlineage|intoto MANIFEST`.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(kind), Some(path)) = (args.next(), args.next()) else {
        return Err("usage: project croissant|openlineage|intoto MANIFEST".into());
    };
    let m = sluice_lineage::Manifest::from_path(&PathBuf::from(path))?;
    let out = match kind.as_str() {
        "croissant" => sluice_lineage::croissant_jsonld(&m, &Default::default()),
        "openlineage" => {
            let (start, complete) = sluice_lineage::openlineage_events(
                &m,
                &sluice_lineage::deterministic_run_id(&m),
                "sluice",
            );
            serde_json::json!([start, complete])
        }
        "intoto" => sluice_lineage::intoto_statement(&m),
        other => return Err(format!("unknown projection `{other}`").into()),
    };
    println!("{out:#}");
    Ok(())
}
