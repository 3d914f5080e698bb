//! `s54 demo`: bundled demo sites → import → crawl → score → serve.

use crate::crawl::worker::{Crawl, CrawlConfig};
use crate::demo::DemoSites;
use crate::rules::Rulebook;
use crate::store::{Store, Workload};
use anyhow::Context;
use std::process::ExitCode;
use std::time::Duration;

pub fn run(addr: &str) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    rt.block_on(async {
        let sites = DemoSites::start()
            .await
            .context("cannot start the demo websites")?;
        println!("Started {} demo websites on 127.0.0.1.", sites.sites.len());
        // A fresh database each run, in the working directory.
        let path = std::env::current_dir()
            .context("no working directory")?
            .join("s54-demo.db");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        let url = format!("sqlite://{}", path.display());
        let store = Store::open_with(&url, Workload::Serve)
            .await
            .context("cannot create the demo database")?;
        let csv = sites.organisations_csv();
        let report =
            crate::registry::import::import_bytes(&store, csv.as_bytes(), "demo organisations")
                .await
                .context("cannot import the demo organisations")?;
        println!("{}", report.summary());
        // Companies House accounts: organisations in scope that never reported.
        let zip =
            std::env::temp_dir().join(format!("s54-demo-accounts-{}.zip", std::process::id()));
        crate::demo::accounts::write_zip(&zip).context("cannot write the demo accounts")?;
        let accounts = crate::accounts::import(
            &store,
            &zip,
            crate::accounts::Limits::default(),
            &mut |m, e| eprintln!("demo accounts: {m}: skipped: {e}"),
        )
        .await;
        let _ = std::fs::remove_file(&zip);
        println!(
            "Companies House accounts: {}",
            accounts
                .context("cannot import the demo accounts")?
                .summary()
        );
        let rules = Rulebook::embedded().context("cannot load the rulebook")?;
        // Loopback sites: private addresses allowed, no politeness delay needed.
        let cfg = CrawlConfig::new(8, Duration::from_millis(0), true);
        let (crawl, pending) = Crawl::prepare(store.clone(), cfg, rules)
            .await
            .context("cannot prepare the crawl")?;
        println!("Crawling {pending} demo websites…");
        let summary = crawl.run(None).await.context("the crawl failed")?;
        println!(
            "Found {} statements ({} versions stored).",
            summary.statements_found, summary.new_versions
        );
        println!(
            "Database: {} (kept after the demo stops: `s54 serve --db sqlite://{}` shows it again; \
             its statement links then point at demo sites that are gone, but each statement's \
             archived copy stays readable)",
            path.display(),
            path.display()
        );
        let code = super::serve::serve_store(store, addr).await?;
        drop(sites);
        Ok(code)
    })
}
