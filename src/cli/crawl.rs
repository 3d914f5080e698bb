//! `s54 crawl`: find and store every in-scope organisation's statements.
//! A progress bar when stderr is a terminal; `tracing` logs otherwise
//! (`S54_LOG=info` shows one line per site). Ends with a summary on stdout.

use crate::crawl::worker::{Crawl, CrawlConfig, OnSite, Summary};
use crate::rules::Rulebook;
use crate::store::Store;
use anyhow::Context;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// mimalloc's `purge_delay` option (`mi_option_e`: the same number in its
/// v2 and v3; libmimalloc-sys does not name it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Memory a thread frees goes back to the system at once instead of after
/// mimalloc's short delay. A crawl's fetches, extractions, checks and
/// database writes run on dozens of threads, each freeing in bursts, and
/// with the delay each kept its high-water mark resident: a 1,000-site
/// crawl peaked at 218–236 MB, 153 MB with this (BENCHMARKS.md, "Crawler").
/// Not for one-shot commands: the extra system calls cost a `check` ~10%.
fn return_freed_memory_promptly() {
    // SAFETY: a setter of one of mimalloc's global options, valid at any
    // time; it applies to memory freed from here on.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) }
}

pub fn run(
    db: &str,
    concurrency: usize,
    per_host_delay_ms: u64,
    allow_private: bool,
    orgs: &[i64],
) -> anyhow::Result<ExitCode> {
    if concurrency == 0 {
        anyhow::bail!("--concurrency must be at least 1");
    }
    return_freed_memory_promptly();
    let mut cfg = CrawlConfig::new(
        concurrency,
        Duration::from_millis(per_host_delay_ms),
        allow_private,
    );
    cfg.orgs = orgs.to_vec();
    // A shorter lease lets a restarted crawl take over a killed one's jobs
    // sooner (the heartbeat keeps live jobs leased).
    if let Some(secs) = std::env::var("S54_CRAWL_LEASE_SECS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|s| *s > 0)
    {
        cfg.lease = Duration::from_secs(secs);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let summary = rt.block_on(async move {
        let store = Store::open(db).await?;
        let rules = Rulebook::embedded().context("cannot load the rulebook")?;
        let (crawl, pending) = Crawl::prepare(store.clone(), cfg, rules)
            .await
            .context("cannot prepare the crawl")?;
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(pending);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} sites {wide_msg}",
            ) {
                bar.set_style(style);
            }
            bar
        });
        let on_site: Option<OnSite> = bar.clone().map(|b| {
            Arc::new(move |msg: &str| {
                b.inc(1);
                b.set_message(msg.to_string());
            }) as OnSite
        });
        let summary = crawl.run(on_site).await.context("crawl failed")?;
        if let Some(b) = bar {
            b.finish_and_clear();
        }
        store.close().await;
        anyhow::Ok(summary)
    })?;
    print!("{}", render(&summary));
    Ok(ExitCode::SUCCESS)
}

fn render(s: &Summary) -> String {
    let mut out = format!(
        "crawl round {}: {} sites, {} pages fetched, {} statements found, {} new versions, {} unchanged\n",
        s.round, s.sites, s.pages_fetched, s.statements_found, s.new_versions, s.unchanged_versions
    );
    if s.errors.is_empty() {
        out.push_str("errors: none\n");
    } else {
        let list: Vec<String> = s.errors.iter().map(|(k, n)| format!("{k} {n}")).collect();
        out.push_str(&format!("errors: {}\n", list.join(", ")));
    }
    if s.retry_later > 0 || s.failed > 0 {
        out.push_str(&format!(
            "{} sites to retry later, {} given up\n",
            s.retry_later, s.failed
        ));
    }
    out.push_str(if s.round_finished {
        "round complete\n"
    } else {
        "round not complete: run `s54 crawl` again to resume\n"
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_reads_on_its_own() {
        let mut s = Summary {
            round: 2,
            sites: 3,
            pages_fetched: 9,
            statements_found: 2,
            new_versions: 1,
            unchanged_versions: 1,
            round_finished: true,
            ..Summary::default()
        };
        s.errors.insert("timeout".into(), 2);
        let r = render(&s);
        assert!(r.starts_with(
            "crawl round 2: 3 sites, 9 pages fetched, 2 statements found, 1 new versions"
        ));
        assert!(r.contains("errors: timeout 2"));
        assert!(r.contains("round complete"));
    }
}
