//! The `sluice` command; all logic lives in `crates/cli`.

/// mimalloc: see the dependency's note in Cargo.toml (measured in README's benchmark section).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    sluice_cli::main()
}
