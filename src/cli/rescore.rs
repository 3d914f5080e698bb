//! `s54 rescore`: re-run the checker on every stored version.

use crate::registry::rescore;
use crate::rules::Rulebook;
use crate::store::Store;
use anyhow::Context;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

pub fn run(db: &str) -> anyhow::Result<ExitCode> {
    let rules = Arc::new(Rulebook::embedded().context("cannot load the built-in rules")?);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    rt.block_on(async {
        let store = Store::open(db).await?;
        let started = Instant::now();
        let n = rescore::rescore_all(&store, rules, threads, |done| {
            tracing::info!(versions = done, "rescored");
        })
        .await?;
        eprintln!(
            "rescored {n} statement versions in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        store.close().await;
        Ok(ExitCode::SUCCESS)
    })
}
