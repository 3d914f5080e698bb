use clap::Parser;
use std::process::ExitCode;

// The web server allocates a few hundred small strings per page on several
// threads; glibc's allocator spent ~15% of a loaded server's CPU on them
// (BENCHMARKS.md, "Web under load").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
