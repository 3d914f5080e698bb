//! `s54 import FILE.csv`: the native or Government registry CSV into the
//! registry. Every rejected row is printed to stderr with its line number
//! and all of its problems, then one summary line. Exit code 0 when every
//! row loaded; 1 when some rows were rejected (the good rows still loaded);
//! 2 when the file could not be read or recognised, or the database failed.

use crate::registry::import;
use crate::store::Store;
use anyhow::Context;
use std::path::Path;
use std::process::ExitCode;

/// Exit code when the file was read but some rows were rejected.
pub const EXIT_ROWS_REJECTED: u8 = 1;

pub fn run(file: &Path, db: &str) -> anyhow::Result<ExitCode> {
    let shown = file.display().to_string();
    // Read first: a file that cannot be read creates no database.
    let bytes = std::fs::read(file).map_err(|reason| import::ImportError::Read {
        path: shown.clone(),
        reason,
    })?;
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    rt.block_on(async {
        let store = Store::open(db).await?;
        let report = import::import_bytes(&store, &bytes, &shown).await?;
        for p in &report.problems {
            let kind = if p.warning { "warning" } else { "rejected" };
            eprintln!("{shown}:{}: {kind}: {}", p.line, p.message);
        }
        eprintln!("{}", report.summary());
        tracing::info!(
            file = %shown,
            kind = report.kind.as_str(),
            loaded = report.inserted,
            updated = report.updated,
            rejected = report.rejected,
            "import finished"
        );
        store.close().await;
        Ok(if report.rejected > 0 {
            ExitCode::from(EXIT_ROWS_REJECTED)
        } else {
            ExitCode::SUCCESS
        })
    })
}
