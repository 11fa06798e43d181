//! `sluice emit MANIFEST --as FORMAT`: standard projections of the manifest, to stdout.
//!
//! `openlineage` (START and COMPLETE run events, one per line), `croissant` (Croissant 1.1 + RAI
//! JSON-LD) and `intoto` (an in-toto Statement v1 over the outputs; with `--sign-key` wrapped in
//! a signed DSSE envelope; the public key is printed on stderr for the reviewer).

use crate::args::{EmitArgs, EmitFormat};
use crate::exit::{Exit, fail};

/// Prints the projection.
pub fn execute(args: EmitArgs) -> Exit {
    let manifest = match sluice_lineage::Manifest::from_path(&args.manifest) {
        Ok(m) => m,
        Err(e) => {
            return fail(
                &format!("cannot read manifest {}", args.manifest.display()),
                &e,
            );
        }
    };
    let text = match args.format {
        EmitFormat::Openlineage => {
            let run_id = sluice_lineage::deterministic_run_id(&manifest);
            let (start, complete) =
                sluice_lineage::openlineage_events(&manifest, &run_id, "sluice");
            format!("{start}\n{complete}")
        }
        EmitFormat::Croissant => {
            let card = sluice_lineage::DatasetCard {
                license: args.license.clone(),
                url: args.url.clone(),
                creator: args.creator.clone(),
                version: args.version.clone(),
            };
            pretty(&sluice_lineage::croissant_jsonld(&manifest, &card))
        }
        EmitFormat::Intoto => {
            let statement = sluice_lineage::intoto_statement(&manifest);
            match &args.sign_key {
                None => pretty(&statement),
                Some(path) => match sluice_lineage::signing_key_from_file(path) {
                    Ok(key) => {
                        // The public half is what a reviewer needs; it is safe to print.
                        let public = key.verifying_key().to_bytes();
                        eprintln!(
                            "signed with ed25519 public key {}; save the envelope as {} beside the \
                             manifest and check it with `sluice verify MANIFEST --pubkey FILE` \
                             (FILE holding that hex)",
                            hex_string(&public),
                            sluice_lineage::SIGNATURE_FILE
                        );
                        pretty(&sluice_lineage::sign_dsse(&statement, &key))
                    }
                    Err(e) => return fail("cannot load the signing key", &e),
                },
            }
        }
    };
    println!("{text}");
    Exit::Ok
}

fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}
