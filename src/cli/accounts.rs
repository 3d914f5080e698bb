//! `s54 accounts import FILE.zip|DIR`: Companies House accounts into the
//! registry. Each member skipped is printed to stderr with why, then one
//! summary line. Exit 0 when every member was read, 1 when any was
//! skipped, 2 when the input could not be read (or the database failed).

use crate::accounts::{self, Limits};
use crate::store::Store;
use anyhow::Context;
use std::path::Path;
use std::process::ExitCode;

pub fn run(path: &Path, db: &str) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    rt.block_on(async {
        let store = Store::open(db).await?;
        let shown = path.display().to_string();
        let mut on_skip = |member: &str, e: &accounts::FilingError| {
            eprintln!("{shown}: {member}: skipped: {e}");
        };
        let report = accounts::import(&store, path, Limits::default(), &mut on_skip).await;
        store.close().await;
        let report = report?;
        eprintln!("{}", report.summary());
        if let Some(f) = &report.failure {
            eprintln!("s54: {f}");
            return Ok(ExitCode::from(2));
        }
        Ok(if report.skipped > 0 {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        })
    })
}
