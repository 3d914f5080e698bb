//! `s54 import`: native or Government registry CSV into the registry.

use std::path::Path;
use std::process::ExitCode;

pub fn run(file: &Path, db: &str) -> anyhow::Result<ExitCode> {
    let _ = (file, db);
    anyhow::bail!("`s54 import` is being built")
}
