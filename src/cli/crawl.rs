//! `s54 crawl`: find and store every in-scope organisation's statements.

use std::process::ExitCode;

pub fn run(
    db: &str,
    concurrency: usize,
    per_host_delay_ms: u64,
    allow_private: bool,
    orgs: &[i64],
) -> anyhow::Result<ExitCode> {
    let _ = (db, concurrency, per_host_delay_ms, allow_private, orgs);
    anyhow::bail!("`s54 crawl` is being built")
}
