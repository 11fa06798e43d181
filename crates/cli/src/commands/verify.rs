//! `sluice verify MANIFEST [--signature ENVELOPE] [--pubkey KEY]`: recompute digests and counts,
//! join the lineage table with the outputs, check a signed statement; exit 1 on any mismatch.

use crate::args::VerifyArgs;
use crate::exit::{Exit, fail};
use sluice_lineage::{FileKind, FileStatus, VerifyOptions, VerifyReport};
use std::path::Path;

/// Prints a verdict per file (digests, joins, signature) and an overall verdict.
pub fn execute(args: VerifyArgs) -> Exit {
    run(
        &args.manifest,
        args.json,
        &VerifyOptions {
            signature: args.signature.clone(),
            pubkey: args.pubkey.clone(),
        },
    )
}

/// [`execute`] with explicit signature options (`--signature`, `--pubkey`).
pub fn run(manifest: &Path, json: bool, options: &VerifyOptions) -> Exit {
    let report = match sluice_lineage::verify_with(manifest, options) {
        Ok(r) => r,
        Err(e) => return fail(&format!("cannot verify {}", manifest.display()), &e),
    };
    if json {
        match serde_json::to_string_pretty(&report) {
            Ok(text) => println!("{text}"),
            Err(e) => return fail("cannot render the report", &e),
        }
    } else {
        print!("{}", render(&report));
    }
    if report.ok() {
        Exit::Ok
    } else {
        Exit::DataFailed
    }
}

/// The verdict table: one line per check, `STATUS KIND PATH[: what]`, then the verdict.
fn render(report: &VerifyReport) -> String {
    let mut out = String::new();
    let mut line = |status: &FileStatus, kind: &str, path: &str| {
        let (word, what) = match status {
            FileStatus::Ok => ("ok", String::new()),
            FileStatus::Missing => ("missing", String::new()),
            FileStatus::Mismatch { what } => ("MISMATCH", format!(": {what}")),
        };
        out.push_str(&format!("{word:<8} {kind:<9} {path}{what}\n"));
    };
    for file in &report.files {
        let kind = match file.kind {
            FileKind::Output => "output",
            FileKind::Input => "input",
        };
        line(&file.status, kind, &file.path);
    }
    for join in &report.joins {
        line(&join.status, "join", &join.path);
    }
    if let Some(signature) = &report.signature {
        let kind = if signature.key_checked {
            "signature"
        } else {
            "statement"
        };
        line(&signature.status, kind, &signature.path);
    }
    let verdict = |ok: bool| {
        if ok {
            FileStatus::Ok
        } else {
            mismatch("see the problems below")
        }
    };
    line(&verdict(report.root_ok), "root", "root_sha256");
    line(&verdict(report.conservation_ok), "counts", "conservation");
    for problem in &report.problems {
        out.push_str(&format!("problem  {problem}\n"));
    }
    if report.joins.is_empty() {
        out.push_str("note     the manifest lists no lineage table: joins not checked\n");
    }
    if report.signature.as_ref().is_some_and(|s| !s.key_checked) {
        out.push_str(
            "note     statement compared with the manifest but not authenticated: pass --pubkey\n",
        );
    }
    out.push_str(if report.ok() {
        "verified\n"
    } else {
        "verification FAILED\n"
    });
    out
}

fn mismatch(what: &str) -> FileStatus {
    FileStatus::Mismatch {
        what: what.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_lineage::{FileVerdict, JoinVerdict, SignatureVerdict};

    fn report() -> VerifyReport {
        VerifyReport {
            files: vec![FileVerdict {
                path: "data/train-00000-of-00001.parquet".into(),
                kind: FileKind::Output,
                status: FileStatus::Ok,
            }],
            root_ok: true,
            conservation_ok: true,
            joins: vec![JoinVerdict {
                path: "lineage.parquet".into(),
                role: "lineage".into(),
                rows_checked: 3,
                status: FileStatus::Ok,
            }],
            signature: Some(SignatureVerdict {
                path: "out/x/manifest.dsse.json".into(),
                key_checked: true,
                status: FileStatus::Ok,
            }),
            problems: Vec::new(),
        }
    }

    #[test]
    fn a_clean_report_lists_every_check() {
        let text = render(&report());
        assert_eq!(
            text,
            "ok       output    data/train-00000-of-00001.parquet\n\
             ok       join      lineage.parquet\n\
             ok       signature out/x/manifest.dsse.json\n\
             ok       root      root_sha256\n\
             ok       counts    conservation\n\
             verified\n"
        );
    }

    #[test]
    fn a_failed_join_is_named_and_fails() {
        let mut r = report();
        r.joins[0].status = mismatch("row 1 holds record a:1 but lineage places record a:2 there");
        let text = render(&r);
        assert!(text.contains(
            "MISMATCH join      lineage.parquet: row 1 holds record a:1 but lineage places record a:2 there"
        ));
        assert!(text.ends_with("verification FAILED\n"));
    }

    #[test]
    fn an_unauthenticated_statement_is_noted() {
        let mut r = report();
        if let Some(s) = r.signature.as_mut() {
            s.key_checked = false;
        }
        let text = render(&r);
        assert!(text.contains("ok       statement out/x/manifest.dsse.json"));
        assert!(text.contains("not authenticated: pass --pubkey"));
    }
}
