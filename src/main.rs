use clap::Parser;
use std::process::ExitCode;

// glibc malloc was a third of a one-shot `s54 check` (building the
// rulebook's regexes allocates heavily) and ~15% of a loaded web server's CPU
// (BENCHMARKS.md, "Checker" and "Web under load").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Transparent huge pages off from the first instruction, before the
/// allocator's start-up touches its first arena: the kernel zeroes a whole
/// 2 MB page at each first touch, work a one-shot `s54 check` does not need
/// (BENCHMARKS.md, "Whole-process `s54 check`"). A `.preinit_array` entry
/// runs before every constructor, the allocator's included; `cli::run`
/// turns them back on for long-running commands.
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".preinit_array")]
static SMALL_PAGES_FIRST: extern "C" fn() = small_pages;

#[cfg(target_os = "linux")]
extern "C" fn small_pages() {
    s54::cli::huge_pages(false);
}

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
