use clap::Parser;
use std::process::ExitCode;

// Building the rulebook's regexes is allocation-heavy (a third of a one-shot
// `s54 check` was glibc malloc and free); mimalloc halves that cost and
// keeps a long-running `serve` or `crawl` from fragmenting.
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
