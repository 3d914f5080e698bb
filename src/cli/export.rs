//! `s54 export`: stream the registry rows to stdout.

use std::process::ExitCode;

pub fn run(
    db: &str,
    format: super::ExportFormat,
    status: &str,
    year: Option<i32>,
    sector: Option<String>,
    org_type: Option<String>,
) -> anyhow::Result<ExitCode> {
    let _ = (db, format, status, year, sector, org_type);
    anyhow::bail!("`s54 export` is being built")
}
