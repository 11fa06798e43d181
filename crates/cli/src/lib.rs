//! sluice's command line.

/// Entry point of the `sluice` binary.
pub fn main() -> std::process::ExitCode {
    std::process::ExitCode::SUCCESS
}
