//! `s54 generate` (hidden): a synthetic registry for load tests.

use crate::store::Store;
use anyhow::Context;
use std::process::ExitCode;
use std::time::Instant;

pub fn run(db: &str, orgs: u64, versions: u64, seed: u64) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    rt.block_on(async {
        let store = Store::open(db).await?;
        let started = Instant::now();
        let stats = store.generate(orgs, versions, seed).await?;
        eprintln!(
            "generated {} organisations and {} statement versions in {:.1} s",
            stats.organisations,
            stats.versions,
            started.elapsed().as_secs_f64()
        );
        store.close().await;
        Ok(ExitCode::SUCCESS)
    })
}
