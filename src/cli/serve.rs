//! `s54 serve`: the web dashboard and JSON API.

use crate::rules::Rulebook;
use crate::store::{Store, Workload};
use crate::web::{self, AppState, WebConfig};
use anyhow::Context;
use std::process::ExitCode;

pub fn run(db: &str, addr: &str) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    rt.block_on(async {
        let store = Store::open_with(db, Workload::Serve)
            .await
            .context("cannot open the registry database")?;
        serve_store(store, addr).await
    })
}

/// Serves the registry in `store` on `addr` until ctrl-c or SIGTERM.
pub async fn serve_store(store: Store, addr: &str) -> anyhow::Result<ExitCode> {
    let rules = Rulebook::embedded().context("cannot load the built-in rules")?;
    let state = AppState::with_store(store, rules, WebConfig::default());
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr().context("no local address")?;
    println!("s54 is serving on http://{local}/ (open it in a browser; press Ctrl+C to stop)");
    web::serve(listener, web::router(state))
        .await
        .context("the web server failed")?;
    Ok(ExitCode::SUCCESS)
}
