//! `s54 import FILE.csv`: the native or Government registry CSV into the
//! registry. Every rejected row is printed to stderr with its line number,
//! then one summary line. Exit code 0 when the file was read (even if some
//! rows were rejected: the good rows loaded); 2 when it could not be read or
//! recognised, or the database failed.

use crate::registry::import;
use crate::store::Store;
use anyhow::Context;
use std::path::Path;
use std::process::ExitCode;

pub fn run(file: &Path, db: &str) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    rt.block_on(async {
        let store = Store::open(db).await?;
        let report = import::import_file(&store, file).await?;
        let shown = file.display();
        for p in &report.problems {
            let kind = if p.warning { "warning" } else { "rejected" };
            eprintln!("{shown}:{}: {kind}: {}", p.line, p.message);
        }
        eprintln!("{}", report.summary());
        store.close().await;
        Ok(ExitCode::SUCCESS)
    })
}
