//! The `sluice` command; all logic lives in `crates/cli`.

fn main() -> std::process::ExitCode {
    sluice_cli::main()
}
