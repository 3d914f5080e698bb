//! `s54 rescore`: re-run the checker on every stored version.

use std::process::ExitCode;

pub fn run(db: &str) -> anyhow::Result<ExitCode> {
    let _ = db;
    anyhow::bail!("`s54 rescore` is being built")
}
