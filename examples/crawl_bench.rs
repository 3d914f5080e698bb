//! Crawler benchmark (BENCHMARKS.md, "Crawler"): starts N small websites on
//! loopback, each answer delayed by a fixed latency, imports one in-scope
//! organisation per site into a fresh SQLite database, then runs the release
//! `s54 crawl` under `/usr/bin/time -v` and compares its wall time with the
//! bound that concurrency and politeness set.
//!
//! ```text
//! cargo build --release --bin s54 --example crawl_bench
//! target/release/examples/crawl_bench --sites 1000 --latency-ms 50 --concurrency 50 --delay-ms 100
//! ```
//!
//! Each site needs three requests (robots.txt, homepage, statement), each
//! taking the latency, with the per-host delay between them, so the bound is
//! `sites × (3 × latency + 2 × delay) / concurrency`.

use anyhow::Context;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use s54::domain::OrgType;
use s54::store::{NewOrganisation, Store};
use std::time::{Duration, Instant};

struct Args {
    sites: usize,
    latency: Duration,
    concurrency: usize,
    delay_ms: u64,
    s54: String,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut a = Args {
        sites: 1000,
        latency: Duration::from_millis(50),
        concurrency: 50,
        delay_ms: 100,
        s54: "target/release/s54".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().with_context(|| format!("{k} needs a value"))?;
        match k.as_str() {
            "--sites" => a.sites = v.parse()?,
            "--latency-ms" => a.latency = Duration::from_millis(v.parse()?),
            "--concurrency" => a.concurrency = v.parse()?,
            "--delay-ms" => a.delay_ms = v.parse()?,
            "--s54" => a.s54 = v,
            other => anyhow::bail!("unknown option {other}"),
        }
    }
    Ok(a)
}

fn statement(i: usize) -> String {
    let p = format!(
        "<p>Bench Org {i} buys goods from suppliers in many countries. During the financial year \
         ending 31 March 2024 we assessed suppliers for the risk of forced labour, trained buyers and \
         kept a whistleblowing line open to workers.</p>"
    );
    format!(
        "<!DOCTYPE html><html><head><title>Modern Slavery Statement 2024</title></head><body><main>\
         <h1>Modern Slavery Statement 2024</h1><p>This statement is made under section 54 of the \
         Modern Slavery Act 2015.</p>{p}{p}{p}{p}{p}<p>Approved by the board on 1 September 2024.</p>\
         </main></body></html>"
    )
}

async fn site(i: usize, latency: Duration, uri: Uri) -> Response {
    tokio::time::sleep(latency).await;
    let html = |b: String| ([(header::CONTENT_TYPE, "text/html")], b).into_response();
    match uri.path() {
        "/" => html(format!(
            "<!DOCTYPE html><html><head><title>Bench {i}</title></head><body><main><h1>Welcome</h1></main>\
             <footer><a href='/about/modern-slavery-statement'>Modern Slavery Statement</a></footer></body></html>"
        )),
        "/about/modern-slavery-statement" => html(statement(i)),
        _ => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let dir = tempfile::tempdir()?;
    let db = format!("sqlite://{}", dir.path().join("bench.db").display());
    rt.block_on(async {
        let store = Store::open(&db).await?;
        for i in 0..args.sites {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            let latency = args.latency;
            let app = axum::Router::new().fallback(move |uri: Uri| site(i, latency, uri));
            tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            });
            store
                .upsert_organisation(&NewOrganisation {
                    name: format!("Bench Org {i}"),
                    website: Some(format!("http://{addr}/")),
                    org_type: Some(OrgType::Company),
                    turnover_gbp: Some(100_000_000),
                    source: "bench".into(),
                    ..Default::default()
                })
                .await?;
        }
        store.close().await;
        anyhow::Ok(())
    })?;

    let per_site = 3 * args.latency + 2 * Duration::from_millis(args.delay_ms);
    let bound = per_site * args.sites as u32 / args.concurrency as u32;
    let started = Instant::now();
    // The servers keep running on the runtime's threads while we wait.
    let out = std::process::Command::new("/usr/bin/time")
        .arg("-v")
        .arg(&args.s54)
        .args([
            "crawl",
            "--db",
            &db,
            "--allow-private",
            "--concurrency",
            &args.concurrency.to_string(),
            "--per-host-delay-ms",
            &args.delay_ms.to_string(),
        ])
        .output()
        .context("cannot run /usr/bin/time (apt-get install time)")?;
    let wall = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    print!("{}", String::from_utf8_lossy(&out.stdout));
    for l in stderr.lines().filter(|l| {
        l.contains("Percent of CPU") || l.contains("User time") || l.contains("System time")
    }) {
        println!("{}", l.trim());
    }
    let rss_kb: u64 = stderr
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    if !out.status.success() {
        eprintln!("{stderr}");
        anyhow::bail!("s54 crawl failed");
    }
    println!(
        "sites {} latency {:?} concurrency {} delay {} ms: wall {:.2} s, bound {:.2} s, ratio {:.2}, max RSS {:.1} MB",
        args.sites,
        args.latency,
        args.concurrency,
        args.delay_ms,
        wall.as_secs_f64(),
        bound.as_secs_f64(),
        wall.as_secs_f64() / bound.as_secs_f64(),
        rss_kb as f64 / 1024.0
    );
    drop(rt);
    Ok(())
}
