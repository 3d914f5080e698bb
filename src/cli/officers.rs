//! `s54 officers fetch|import`: directors and other officers from Companies
//! House. Exit 0 when every company was loaded, 1 when some could not be
//! (listed on stderr), 2 when the run could not start or the key was refused.

use super::OfficersCommand;
use crate::registry::officers::{self, FetchOptions, RateLimit};
use crate::rules::Rulebook;
use crate::store::Store;
use anyhow::Context;
use std::process::ExitCode;

pub fn run(cmd: OfficersCommand) -> anyhow::Result<ExitCode> {
    let rules = Rulebook::embedded().context("cannot load the built-in rules")?;
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    rt.block_on(async {
        let report = match cmd {
            OfficersCommand::Fetch {
                db,
                api_key,
                base_url,
            } => {
                let store = Store::open(&db.db).await?;
                let opts = FetchOptions {
                    base_url,
                    api_key: api_key.unwrap_or_default(),
                    limit: RateLimit::companies_house(),
                };
                let r = officers::fetch_all(&store, &rules, opts).await;
                store.close().await;
                r?
            }
            OfficersCommand::Import { file, db } => {
                let store = Store::open(&db.db).await?;
                let r = officers::import_jsonl(&store, &rules, &file).await;
                store.close().await;
                r?
            }
        };
        for (what, why) in &report.problems {
            eprintln!("s54: officers: {what}: {why}");
        }
        eprintln!("{}", report.summary());
        Ok(if report.problems.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        })
    })
}
