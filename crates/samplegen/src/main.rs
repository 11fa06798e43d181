//! `sluice-samplegen --out DIR [--seed N] [--scale N]`: writes the sample datasets and prints
//! a summary of what was planted.

use std::process::ExitCode;

fn main() -> ExitCode {
    let config = match sluice_samplegen::args::parse(std::env::args().skip(1)) {
        Ok(Some(config)) => config,
        Ok(None) => {
            println!("{}", sluice_samplegen::args::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    match sluice_samplegen::generate(&config) {
        Ok(summary) => {
            print!("{summary}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(2)
        }
    }
}
