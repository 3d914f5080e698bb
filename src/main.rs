use clap::Parser;
use std::process::ExitCode;

// glibc malloc was a third of a one-shot `s54 check` (building the
// rulebook's regexes allocates heavily) and ~15% of a loaded web server's CPU
// (BENCHMARKS.md, "Checker" and "Web under load").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("S54_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,lopdf=error")),
        )
        .with_writer(std::io::stderr)
        .init();
    s54::cli::run(s54::cli::Cli::parse())
}
