//! Renders the report page of a manifest to stdout, e.g. to look at it in a browser:
//! `cargo run -p sluice-report --example render -- out/support-tickets/manifest.json > r.html`.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .ok_or("usage: render MANIFEST")?;
    let manifest = sluice_lineage::Manifest::from_path(&path)?;
    print!("{}", sluice_report::render_html(&manifest, &[]));
    Ok(())
}
