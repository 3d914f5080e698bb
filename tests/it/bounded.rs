//! Honest outcomes (issue 26): a due year with no statement is `unchecked`
//! until the crawler has read the site, and `missing` only after.

use crate::store::on_both;
use crate::web::send_to;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use s54::registry::YearStatus;
use s54::rules::Rulebook;
use s54::store::{CrawlFailure, ExportFilter, Look, Store};
use s54::web::{AppState, WebConfig, router};

const CSV: &str = "name,website,org_type,sector,turnover_gbp,budget_gbp,company_number,financial_year_end,parent\n\
    Looked At Ltd,https://looked.example,company,Retail,80000000,,70000001,03-31,\n\
    Never Read Ltd,https://never.example,company,Retail,90000000,,70000002,03-31,\n\
    Small Shop Ltd,https://small.example,company,Retail,1000000,,70000003,03-31,\n";

async fn statuses(store: &Store, org: i64) -> Vec<(i32, YearStatus, String)> {
    use futures::StreamExt;
    let filter = ExportFilter {
        organisation_id: Some(org),
        ..Default::default()
    };
    let mut rows = store
        .registry_rows(&filter, s54::store::now().date_naive())
        .await
        .unwrap();
    let mut out = Vec::new();
    while let Some(r) = rows.next().await {
        let r = r.unwrap();
        out.push((r.year, r.status, r.reasons));
    }
    out
}

async fn get(app: &axum::Router, path: &str) -> crate::web::Resp {
    send_to(app.clone(), Request::get(path).body(Body::empty()).unwrap()).await
}

async fn unchecked_story(url: String) {
    let store = Store::open(&url).await.unwrap();
    s54::registry::import::import_bytes(&store, CSV.as_bytes(), "test")
        .await
        .unwrap();
    let id = |name: &'static str| {
        let store = store.clone();
        async move {
            store
                .find_organisation(name, None)
                .await
                .unwrap()
                .unwrap()
                .id
        }
    };
    let (looked, never, small) = (
        id("Looked At Ltd").await,
        id("Never Read Ltd").await,
        id("Small Shop Ltd").await,
    );
    // Right after an import nothing is missing: nobody has looked.
    for org in [looked, never] {
        let rows = statuses(&store, org).await;
        assert!(!rows.is_empty());
        assert!(
            rows.iter()
                .all(|(_, s, r)| *s == YearStatus::Unchecked && r.is_empty()),
            "{rows:?}"
        );
    }
    assert!(
        statuses(&store, small)
            .await
            .iter()
            .all(|(_, s, _)| *s == YearStatus::OutOfScope)
    );
    let app = router(AppState::with_store(
        store.clone(),
        Rulebook::embedded().unwrap(),
        WebConfig::default(),
    ));
    let csv = get(&app, "/export.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(!csv.body.contains(",missing,"), "{}", csv.body);
    assert!(csv.body.contains(",unchecked,"));
    let list = get(&app, "/organisations?status=unchecked").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Never Read Ltd") && list.body.contains("Not yet checked"));
    assert!(!list.body.contains("Small Shop Ltd"));
    let api = get(&app, "/api/organisations?status=unchecked").await;
    let j: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(j["total"], 2, "{j}");
    assert_eq!(j["items"][0]["status"], "unchecked");
    let bad = get(&app, "/organisations?status=unchecky").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("unchecked"));
    let dash = get(&app, "/").await;
    assert!(dash.body.contains("seg-unchecked") && dash.body.contains("Not yet checked"));

    // A failed look is shown with its time; a complete one makes the
    // years due by then missing and clears the failure.
    let at = s54::store::now();
    let failure = CrawlFailure {
        at,
        kind: "timeout".into(),
        message: "'https://never.example/' timed out".into(),
    };
    store
        .record_look(never, &Look::Failed(failure))
        .await
        .unwrap();
    store
        .record_look(looked, &Look::complete(at, Some("03-31")))
        .await
        .unwrap();
    assert!(
        statuses(&store, never)
            .await
            .iter()
            .all(|(_, s, _)| *s == YearStatus::Unchecked)
    );
    let rows = statuses(&store, looked).await;
    assert!(
        rows.iter()
            .all(|(_, s, r)| *s == YearStatus::Missing && r == "MSA-54-1-statement-exists"),
        "{rows:?}"
    );
    let page = get(&app, &format!("/organisations/{never}")).await;
    assert!(page.body.contains("Last attempt failed"), "{}", page.body);
    assert!(page.body.contains("timed out"));
    let j: serde_json::Value =
        serde_json::from_str(&get(&app, &format!("/api/organisations/{never}")).await.body)
            .unwrap();
    assert_eq!(j["organisation"]["crawl_failure"]["kind"], "timeout");
    assert!(j["organisation"]["looked_at"].is_null());
    let j: serde_json::Value = serde_json::from_str(
        &get(&app, &format!("/api/organisations/{looked}"))
            .await
            .body,
    )
    .unwrap();
    assert!(j["organisation"]["looked_at"].is_string());
    assert!(j["organisation"]["crawl_failure"].is_null());
    let dash = store.dashboard(None, at.date_naive()).await.unwrap();
    let last = dash.by_year.last().unwrap();
    assert_eq!(
        (last.counts.missing, last.counts.unchecked),
        (1, 1),
        "{last:?}"
    );
    store.close().await;
}

#[tokio::test]
async fn due_years_are_unchecked_until_the_crawler_has_looked() {
    on_both(unchecked_story).await;
}

// ------------------------------------------------ hostile sites in a crawl

use crate::crawl::{Route, TestSite, page, statement_html};
use s54::crawl::worker::{Crawl, CrawlConfig, Summary};
use s54::store::{Backoff, NewOrganisation};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How a hostile loopback server misbehaves until it is healed.
#[derive(Clone, Copy, Debug)]
enum Misbehaviour {
    /// Accepts the connection and never answers.
    Hang,
    /// Sends its headers, then one byte of body every 100 ms.
    Trickle,
    /// Sends 100,000 header lines.
    ManyHeaders,
    /// Answers 503.
    Unavailable,
    /// A healthy homepage whose statement page never answers.
    StatementHangs,
}

/// A raw TCP server on loopback: every byte it sends is chosen here.
struct Hostile {
    addr: std::net::SocketAddr,
    healed: Arc<AtomicBool>,
}

impl Hostile {
    async fn start(how: Misbehaviour, org: &'static str) -> Hostile {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let healed = Arc::new(AtomicBool::new(false));
        let h = healed.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let healed = h.load(Ordering::SeqCst);
                tokio::spawn(async move {
                    let _ = serve_hostile(sock, how, healed, org).await;
                });
            }
        });
        Hostile { addr, healed }
    }

    fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    fn heal(&self) {
        self.healed.store(true, Ordering::SeqCst);
    }
}

fn healthy_home() -> String {
    "<!DOCTYPE html><html><head><title>Welcome</title></head><body><main><h1>We make widgets</h1></main>\
     <footer><a href='/modern-slavery-statement'>Modern slavery statement</a></footer></body></html>"
        .to_string()
}

async fn serve_hostile(
    mut sock: tokio::net::TcpStream,
    how: Misbehaviour,
    healed: bool,
    org: &str,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65_536 {
        let n = sock.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&head);
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let reply = |status: &str, body: String| {
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    let healthy = match path.as_str() {
        "/" => reply("200 OK", healthy_home()),
        "/modern-slavery-statement" => reply("200 OK", statement_html(org, 2024, "")),
        _ => reply("404 Not Found", String::new()),
    };
    let hang = || tokio::time::sleep(Duration::from_secs(600));
    match (how, healed) {
        (_, true) => sock.write_all(healthy.as_bytes()).await?,
        (Misbehaviour::Hang, false) => hang().await,
        (Misbehaviour::Trickle, false) => {
            sock.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html>")
                .await?;
            for _ in 0..6000 {
                sock.write_all(b" ").await?;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        (Misbehaviour::ManyHeaders, false) => {
            sock.write_all(b"HTTP/1.1 200 OK\r\n").await?;
            let mut h = String::new();
            for i in 0..100_000 {
                h.push_str(&format!("X-Filler-{i}: {i}\r\n"));
            }
            sock.write_all(h.as_bytes()).await?;
            sock.write_all(b"\r\n").await?;
        }
        (Misbehaviour::Unavailable, false) => {
            sock.write_all(reply("503 Service Unavailable", String::new()).as_bytes())
                .await?
        }
        (Misbehaviour::StatementHangs, false) if path == "/modern-slavery-statement" => {
            hang().await
        }
        (Misbehaviour::StatementHangs, false) => sock.write_all(healthy.as_bytes()).await?,
    }
    sock.shutdown().await
}

async fn add_site(store: &Store, name: &str, website: &str) -> i64 {
    store
        .upsert_organisation(&NewOrganisation {
            name: name.into(),
            website: Some(website.into()),
            org_type: Some(s54::domain::OrgType::Company),
            turnover_gbp: Some(100_000_000),
            financial_year_end: Some("03-31".into()),
            source: "test".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .id()
}

async fn crawl(db: &str) -> Summary {
    let store = Store::open(db).await.unwrap();
    let mut cfg = CrawlConfig::new(8, Duration::from_millis(1), true);
    cfg.fetch.total_timeout = Duration::from_secs(2);
    // Long enough that a failure is not retried within the same run.
    cfg.backoff = Backoff {
        base: Duration::from_secs(4),
        max_delay: Duration::from_secs(4),
        max_attempts: 5,
    };
    let rules = Rulebook::embedded().unwrap();
    let (c, _) = Crawl::prepare(store.clone(), cfg, rules).await.unwrap();
    let s = c.run(None).await.unwrap();
    store.close().await;
    s
}

/// A robots.txt of 2 MB (RFC 9309: read at least 500 KiB) and a 9 MB
/// homepage whose statement link is in the footer at its very end.
async fn big_sites() -> (TestSite, TestSite) {
    let mut robots = b"User-agent: *\nDisallow: /private/\n".to_vec();
    while robots.len() < 2 * 1024 * 1024 {
        robots.extend_from_slice(b"# a very long robots.txt keeps going and going\n");
    }
    let big_robots = TestSite::start(vec![
        ("/robots.txt", Route::Body("text/plain", robots)),
        ("/", Route::Html(healthy_home())),
        (
            "/modern-slavery-statement",
            Route::Html(statement_html("Big Robots Ltd", 2024, "")),
        ),
    ])
    .await;
    let filler = "Widgets of every size for every trade. ".repeat(25_000);
    let mut body = String::from("<header><a href='/products'>Products</a></header><main>");
    while body.len() < 9 * 1024 * 1024 {
        body.push_str(&format!("<p>{filler}</p>"));
    }
    body.push_str("</main><footer><a href='/msa'>Modern slavery statement</a></footer>");
    let big_home = TestSite::start(vec![
        ("/", page("Welcome", &body)),
        (
            "/msa",
            Route::Html(statement_html("Big Home Ltd", 2024, "")),
        ),
    ])
    .await;
    (big_robots, big_home)
}

async fn hostile_story(db: String) {
    use Misbehaviour::*;
    let hostile = [
        ("Hanging Ltd", Hostile::start(Hang, "Hanging Ltd").await),
        ("Trickle Ltd", Hostile::start(Trickle, "Trickle Ltd").await),
        (
            "Headers Ltd",
            Hostile::start(ManyHeaders, "Headers Ltd").await,
        ),
        ("Down Ltd", Hostile::start(Unavailable, "Down Ltd").await),
        (
            "Half Read Ltd",
            Hostile::start(StatementHangs, "Half Read Ltd").await,
        ),
    ];
    let healthy = TestSite::start(vec![
        ("/", Route::Html(healthy_home())),
        (
            "/modern-slavery-statement",
            Route::Html(statement_html("Healthy Ltd", 2024, "")),
        ),
    ])
    .await;
    let nothing = TestSite::start(vec![("/", page("Welcome", "<p>No statement here.</p>"))]).await;
    let (big_robots, big_home) = big_sites().await;

    let store = Store::open(&db).await.unwrap();
    let mut hostile_ids = Vec::new();
    for (name, h) in &hostile {
        hostile_ids.push(add_site(&store, name, &h.url()).await);
    }
    let healthy_id = add_site(&store, "Healthy Ltd", &healthy.url("/")).await;
    let nothing_id = add_site(&store, "Nothing Ltd", &nothing.url("/")).await;
    let robots_id = add_site(&store, "Big Robots Ltd", &big_robots.url("/")).await;
    let home_id = add_site(&store, "Big Home Ltd", &big_home.url("/")).await;

    let s1 = crawl(&db).await;
    assert!(
        !s1.round_finished,
        "failed sites wait for their retry: {s1:?}"
    );
    assert!(s1.retry_later >= hostile.len() as u64, "{s1:?}");
    for id in [healthy_id, robots_id, home_id] {
        assert_eq!(store.versions_of(id).await.unwrap().len(), 1, "org {id}");
    }
    // The statement page that timed out was not taken as done.
    let half = hostile_ids[4];
    assert!(store.versions_of(half).await.unwrap().is_empty());
    for id in &hostile_ids {
        let o = store.organisation(*id).await.unwrap().unwrap();
        assert!(o.looked_at.is_none(), "{}", o.name);
        let f = o
            .crawl_failure
            .unwrap_or_else(|| panic!("{} failure kept", o.name));
        assert!(!f.message.is_empty() && !f.kind.is_empty(), "{f:?}");
        let rows = statuses(&store, *id).await;
        assert!(
            rows.iter().all(|(_, s, _)| *s == YearStatus::Unchecked),
            "{}: {rows:?}",
            o.name
        );
    }
    // Healthy sites in the same crawl: read, and a site without a statement
    // is missing for the years due.
    let nothing_rows = statuses(&store, nothing_id).await;
    assert!(!nothing_rows.is_empty());
    assert!(
        nothing_rows
            .iter()
            .all(|(_, s, _)| *s == YearStatus::Missing),
        "{nothing_rows:?}"
    );
    for id in [healthy_id, robots_id, home_id, nothing_id] {
        let o = store.organisation(id).await.unwrap().unwrap();
        assert!(o.looked_at.is_some() && o.crawl_failure.is_none(), "{o:?}");
    }
    // The export shows no failed site as missing.
    let mut missing = Vec::new();
    for id in &hostile_ids {
        missing.extend(
            statuses(&store, *id)
                .await
                .into_iter()
                .filter(|(_, s, _)| *s == YearStatus::Missing),
        );
    }
    assert!(missing.is_empty(), "{missing:?}");

    // The sites recover: the next run retries every failure.
    for (_, h) in &hostile {
        h.heal();
    }
    tokio::time::sleep(Duration::from_millis(4200)).await;
    let s2 = crawl(&db).await;
    assert_eq!(s2.sites, hostile.len() as u64, "only the failures: {s2:?}");
    assert!(s2.round_finished, "{s2:?}");
    for id in &hostile_ids {
        let o = store.organisation(*id).await.unwrap().unwrap();
        assert!(o.looked_at.is_some() && o.crawl_failure.is_none(), "{o:?}");
        assert_eq!(store.versions_of(*id).await.unwrap().len(), 1, "{}", o.name);
    }
    store.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_fetches_leave_organisations_unchecked_and_are_retried() {
    on_both(hostile_story).await;
}

// ------------------------------------------------ the server as a whole

/// A self-check server on loopback with `cfg`, shut down when dropped.
struct Server {
    addr: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

async fn server(cfg: WebConfig) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router(AppState::new(Rulebook::embedded().unwrap(), cfg.clone()));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = s54::web::serve_until(listener, app, &cfg, async {
            let _ = stopped.await;
        })
        .await;
    });
    Server {
        addr,
        stop: Some(stop),
    }
}

/// Sends one request on a new connection; the status and the time taken.
async fn request(addr: std::net::SocketAddr, head: &str, body: &[u8]) -> (u16, Duration) {
    let t = std::time::Instant::now();
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    let _ = s.write_all(body).await;
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got).await;
    let text = String::from_utf8_lossy(&got);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, t.elapsed())
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_header_clients_are_closed_and_others_still_served() {
    let srv = server(WebConfig {
        header_read_timeout: Duration::from_secs(2),
        ..WebConfig::default()
    })
    .await;
    // 300 clients that start a request and never finish its headers.
    let mut slow = Vec::new();
    for _ in 0..300 {
        let mut s = tokio::net::TcpStream::connect(srv.addr).await.unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .unwrap();
        slow.push(s);
    }
    let started = std::time::Instant::now();
    let (status, took) = request(
        srv.addr,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"",
    )
    .await;
    assert_eq!(status, 200);
    assert!(took < Duration::from_secs(1), "{took:?}");
    // Every slow client is closed by the server, soon after the timeout.
    let closed = futures::future::join_all(slow.iter_mut().map(|s| async move {
        let mut buf = [0u8; 1024];
        loop {
            match tokio::time::timeout(Duration::from_secs(15), s.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => return true,
                Ok(Ok(_)) => continue,
                Err(_) => return false,
            }
        }
    }))
    .await;
    assert!(closed.iter().all(|c| *c), "every slow client closed");
    assert!(
        started.elapsed() < Duration::from_secs(12),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_uploads_beyond_the_budget_get_503_at_once() {
    let srv = server(WebConfig {
        check_concurrency: 1,
        check_queue: 2,
        upload_bytes_in_flight: 4 * 1024 * 1024,
        ..WebConfig::default()
    })
    .await;
    // 40 uploads of 1 MB at once, each a plain text statement.
    let mut body = "This modern slavery statement is made for Widget Ltd. ".repeat(19_500);
    body.truncate(1024 * 1024);
    let body = Arc::new(body.into_bytes());
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let body = body.clone();
        let addr = srv.addr;
        tasks.push(tokio::spawn(async move {
            let mut json = b"{\"text\":\"".to_vec();
            json.extend_from_slice(&body);
            json.extend_from_slice(b"\"}");
            let head = format!(
                "POST /api/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
                json.len()
            );
            request(addr, &head, &json).await
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        let (status, took) = t.await.unwrap();
        assert!(took < Duration::from_secs(60), "{took:?}");
        statuses.push(status);
    }
    assert!(
        statuses.iter().all(|s| [200, 429, 503].contains(s)),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&503),
        "the budget turned some away: {statuses:?}"
    );
    assert!(statuses.contains(&200), "{statuses:?}");
}

// ------------------------------------------------ linear time on hostile text

/// Inputs built to be slow or large: each `make(n)` is about `n` bytes.
pub mod hostile_inputs {
    fn fill(unit: &str, n: usize) -> String {
        let mut s = unit.repeat(n / unit.len() + 1);
        s.truncate(n);
        s
    }
    /// One short token repeated.
    pub fn one_token(n: usize) -> (String, Vec<u8>) {
        ("token.txt".into(), fill("ab ", n).into_bytes())
    }
    /// A page whose one `<script>` never ends.
    pub fn unterminated_script(n: usize) -> (String, Vec<u8>) {
        let mut s = String::from(
            "<html><head><title>Modern slavery statement</title></head><body><p>Our statement.</p><script>",
        );
        s.push_str(&fill("var x = 1; ", n));
        ("script.html".into(), s.into_bytes())
    }
    /// "a a a a …"
    pub fn one_letter_words(n: usize) -> (String, Vec<u8>) {
        ("letters.txt".into(), fill("a ", n).into_bytes())
    }
    /// One financial-year phrase repeated.
    pub fn repeated_dates(n: usize) -> (String, Vec<u8>) {
        (
            "dates.txt".into(),
            fill("financial year ending 31 March 2024 ", n).into_bytes(),
        )
    }
    /// Elements nested `n / 5` deep.
    pub fn deep_nesting(n: usize) -> (String, Vec<u8>) {
        let depth = n / 5;
        let mut s = "<div>".repeat(depth);
        s.push_str("Modern slavery statement");
        ("nested.html".into(), s.into_bytes())
    }
    pub const ALL: [(&str, fn(usize) -> (String, Vec<u8>)); 5] = [
        ("one repeated token", one_token),
        ("unterminated script", unterminated_script),
        ("one-letter words", one_letter_words),
        ("repeated dates", repeated_dates),
        ("deep nesting", deep_nesting),
    ];
}

fn time_check(rules: &Rulebook, input: &(String, Vec<u8>)) -> Duration {
    let limits = s54::extract::Limits::default();
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let r = s54::check::check_bytes(&input.1, &input.0, &Default::default(), rules, &limits);
        best = best.min(t.elapsed());
        // Unreadable or not, never a panic; most are read.
        drop(r);
    }
    best
}

#[test]
fn doubling_a_hostile_input_at_most_doubles_its_check_time() {
    let rules = Rulebook::embedded().unwrap();
    let n = 96 * 1024;
    for (what, make) in hostile_inputs::ALL {
        // Interleaved rounds, the best of each: a burst of load from the
        // tests running alongside lands on one round, not on one size.
        let (small_in, large_in) = (make(n), make(2 * n));
        let (mut small, mut large) = (Duration::MAX, Duration::MAX);
        for _ in 0..3 {
            small = small.min(time_check(&rules, &small_in));
            large = large.min(time_check(&rules, &large_in));
        }
        // Linear doubles (2); quadratic would quadruple (4). Slack for a
        // loaded machine.
        assert!(
            large.as_secs_f64() <= 3.5 * small.as_secs_f64() + 0.1,
            "{what}: {small:?} for {n} bytes, {large:?} for twice that"
        );
    }
}

/// A bounded fuzz run on every CI build: mutations of the hostile inputs
/// (bytes flipped, spliced, cut, repeated), each checked without a panic
/// and within the time a user would wait. Deterministic (a fixed seed),
/// about ten seconds.
#[test]
fn mutated_hostile_inputs_check_quickly_and_never_panic() {
    let rules = Rulebook::embedded().unwrap();
    let limits = s54::extract::Limits::default();
    let mut seed: u64 = 0x5eed_2026;
    let mut next = move |hi: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 33) as usize) % hi.max(1)
    };
    let started = std::time::Instant::now();
    let mut runs = 0;
    while started.elapsed() < Duration::from_secs(10) {
        let (_, make) = hostile_inputs::ALL[next(hostile_inputs::ALL.len())];
        let (name, mut bytes) = make(1 + next(16 * 1024));
        for _ in 0..1 + next(8) {
            let len = bytes.len().max(1);
            match next(4) {
                0 => {
                    let i = next(len).min(bytes.len().saturating_sub(1));
                    if let Some(b) = bytes.get_mut(i) {
                        *b = next(256) as u8;
                    }
                }
                1 => bytes.truncate(next(len)),
                2 => {
                    let (a, b) = (next(len), next(len));
                    let (a, b) = (a.min(b), a.max(b).min(bytes.len()));
                    let piece = bytes[a.min(bytes.len())..b].to_vec();
                    bytes.extend_from_slice(&piece.repeat(1 + next(4)));
                }
                _ => {
                    let i = next(len).min(bytes.len());
                    let ins: &[u8] =
                        [&b"<"[..], b"</script>", b"\xff\xfe", b"31 March", b"&"][next(5)];
                    bytes.splice(i..i, ins.iter().copied());
                }
            }
        }
        let t = std::time::Instant::now();
        let _ = s54::check::check_bytes(&bytes, &name, &Default::default(), &rules, &limits);
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "{name}: {:?}",
            t.elapsed()
        );
        runs += 1;
    }
    assert!(runs > 10, "{runs} runs");
}
