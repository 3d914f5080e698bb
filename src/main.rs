use clap::Parser;
use std::process::ExitCode;

// glibc malloc was a third of a one-shot `s54 check` (building the
// rulebook's regexes allocates heavily) and ~15% of a loaded web server's CPU
// (BENCHMARKS.md, "Checker" and "Web under load").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = s54::cli::Cli::parse();
    s54::cli::term::init_logging(cli.log_format);
    s54::cli::run(cli)
}
