//! `s54 serve`: the web dashboard and JSON API.

use std::process::ExitCode;

pub fn run(db: &str, addr: &str) -> anyhow::Result<ExitCode> {
    let _ = (db, addr);
    anyhow::bail!("`s54 serve` is being built")
}
