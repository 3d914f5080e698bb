//! The crawler against real HTTP servers on loopback that the tests start:
//! fetch limits, the SSRF guard, robots.txt, politeness, discovery, storing,
//! and kill-and-resume of the real `s54 crawl` binary.

use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode, Uri, header};
use s54::crawl::{FetchConfig, FetchError, Fetcher, Gate, Politeness, Robots, fetch_for_check};
use s54::domain::SourceKind;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const STATEMENT_PDF: &[u8] = include_bytes!("../fixtures/sites/statement.pdf");

/// What one path of a test site answers.
#[derive(Clone, Debug)]
pub enum Route {
    Html(String),
    Body(&'static str, Vec<u8>),
    Status(u16),
    /// `status` with `Retry-After` for the first `times` requests, then `then`.
    Limited {
        status: u16,
        retry_after: String,
        times: usize,
        then: Box<Route>,
    },
    Redirect(String),
    Slow(Duration, Box<Route>),
    /// Never ends (a 64 KiB chunk repeated forever).
    Endless,
    /// `n` bytes, streamed in 64 KiB chunks without a Content-Length.
    Sized(u64),
    /// The route's answer with this `Last-Modified` header.
    LastModified(String, Box<Route>),
}

#[derive(Clone, Debug)]
pub struct Hit {
    pub path: String,
    pub start: Instant,
    pub end: Instant,
}

#[derive(Default)]
pub struct SiteState {
    pub routes: Mutex<HashMap<String, Route>>,
    pub hits: Mutex<Vec<Hit>>,
    pub sent: AtomicU64,
    inflight: AtomicUsize,
    pub max_inflight: AtomicUsize,
    limited: Mutex<HashMap<String, usize>>,
}

/// A real HTTP server on 127.0.0.1 serving `routes`.
#[derive(Clone)]
pub struct TestSite {
    pub addr: SocketAddr,
    pub state: Arc<SiteState>,
}

impl TestSite {
    pub async fn start(routes: Vec<(&str, Route)>) -> TestSite {
        let state = Arc::new(SiteState::default());
        state
            .routes
            .lock()
            .unwrap()
            .extend(routes.into_iter().map(|(p, r)| (p.to_string(), r)));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let st = state.clone();
        let app = axum::Router::new().fallback(move |uri: Uri| {
            let st = st.clone();
            async move { serve(st, uri).await }
        });
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        TestSite { addr, state }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn set(&self, path: &str, route: Route) {
        self.state
            .routes
            .lock()
            .unwrap()
            .insert(path.to_string(), route);
    }

    pub fn paths(&self) -> Vec<String> {
        self.state
            .hits
            .lock()
            .unwrap()
            .iter()
            .map(|h| h.path.clone())
            .collect()
    }
}

async fn serve(st: Arc<SiteState>, uri: Uri) -> Response<Body> {
    let start = Instant::now();
    let now = st.inflight.fetch_add(1, Ordering::SeqCst) + 1;
    st.max_inflight.fetch_max(now, Ordering::SeqCst);
    let path = uri.path().to_string();
    let route = st.routes.lock().unwrap().get(&path).cloned();
    let resp = answer(&st, &path, route).await;
    st.inflight.fetch_sub(1, Ordering::SeqCst);
    st.hits.lock().unwrap().push(Hit {
        path,
        start,
        end: Instant::now(),
    });
    resp
}

fn answer<'a>(
    st: &'a Arc<SiteState>,
    path: &'a str,
    route: Option<Route>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Response<Body>> + Send + 'a>> {
    Box::pin(async move {
        let status = |code: u16| {
            Response::builder()
                .status(StatusCode::from_u16(code).unwrap())
                .body(Body::from(format!("status {code}")))
                .unwrap()
        };
        match route {
            None => status(404),
            Some(Route::Html(h)) => Response::builder()
                .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
                .body(Body::from(h))
                .unwrap(),
            Some(Route::Body(ct, b)) => Response::builder()
                .header(header::CONTENT_TYPE, ct)
                .body(Body::from(b))
                .unwrap(),
            Some(Route::Status(c)) => status(c),
            Some(Route::Limited {
                status: code,
                retry_after,
                times,
                then,
            }) => {
                let n = {
                    let mut l = st.limited.lock().unwrap();
                    let n = l.entry(path.to_string()).or_insert(0);
                    *n += 1;
                    *n
                };
                if n <= times {
                    let mut r = status(code);
                    r.headers_mut().insert(
                        header::RETRY_AFTER,
                        HeaderValue::from_str(&retry_after).unwrap(),
                    );
                    r
                } else {
                    answer(st, path, Some(*then)).await
                }
            }
            Some(Route::Redirect(to)) => Response::builder()
                .status(StatusCode::FOUND)
                .header(header::LOCATION, to)
                .body(Body::empty())
                .unwrap(),
            Some(Route::Slow(d, then)) => {
                tokio::time::sleep(d).await;
                answer(st, path, Some(*then)).await
            }
            Some(Route::LastModified(when, then)) => {
                let mut r = answer(st, path, Some(*then)).await;
                r.headers_mut()
                    .insert(header::LAST_MODIFIED, HeaderValue::from_str(&when).unwrap());
                r
            }
            Some(Route::Endless) => stream_body(st.clone(), None),
            Some(Route::Sized(n)) => stream_body(st.clone(), Some(n)),
        }
    })
}

fn stream_body(st: Arc<SiteState>, total: Option<u64>) -> Response<Body> {
    const CHUNK: usize = 64 * 1024;
    let chunk = bytes::Bytes::from(vec![b'a'; CHUNK]);
    let s = futures::stream::unfold(0u64, move |done| {
        let chunk = chunk.clone();
        let st = st.clone();
        async move {
            let left = total.map_or(u64::MAX, |t| t - done);
            if left == 0 {
                return None;
            }
            let n = left.min(CHUNK as u64) as usize;
            st.sent.fetch_add(n as u64, Ordering::SeqCst);
            Some((Ok::<_, std::io::Error>(chunk.slice(..n)), done + n as u64))
        }
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from_stream(s))
        .unwrap()
}

pub fn page(title: &str, body: &str) -> Route {
    Route::Html(format!(
        "<!DOCTYPE html><html><head><title>{title}</title></head><body>{body}</body></html>"
    ))
}

fn private_fetcher(f: impl FnOnce(&mut FetchConfig)) -> Fetcher {
    let mut cfg = FetchConfig::crawler(true);
    f(&mut cfg);
    Fetcher::new(cfg).unwrap()
}

// ---------------------------------------------------------------- fetcher

#[tokio::test(flavor = "multi_thread")]
async fn fetch_refuses_loopback_unless_allowed() {
    let site = TestSite::start(vec![("/", page("Home", "<p>hi</p>"))]).await;
    // Literal IP and a name that resolves to loopback are both refused.
    let e = fetch_for_check(&site.url("/"), false).await.unwrap_err();
    assert_eq!(e.kind(), "refused_private", "{e}");
    let e = fetch_for_check(&format!("http://localhost:{}/", site.addr.port()), false)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "refused_private", "{e}");
    let e = fetch_for_check(
        &format!("http://[::ffff:127.0.0.1]:{}/", site.addr.port()),
        false,
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind(), "refused_private", "{e}");
    assert!(site.paths().is_empty(), "nothing may reach the server");
    let ok = fetch_for_check(&site.url("/"), true).await.unwrap();
    assert_eq!(ok.status, 200);
    assert_eq!(ok.kind, Some(SourceKind::Html));
    let e = fetch_for_check("file:///etc/passwd", true)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "unsupported_scheme");
}

#[tokio::test(flavor = "multi_thread")]
async fn redirect_from_public_name_to_loopback_is_refused() {
    let site = TestSite::start(vec![
        ("/", page("Home", "<p>hi</p>")),
        ("/to-ip", Route::Redirect("/placeholder".into())),
    ])
    .await;
    let port = site.addr.port();
    site.set(
        "/to-ip",
        Route::Redirect(format!("http://127.0.0.1:{port}/")),
    );
    site.set(
        "/to-name",
        Route::Redirect(format!("http://localhost:{port}/")),
    );
    site.set(
        "/to-mapped",
        Route::Redirect(format!("http://[::ffff:7f00:1]:{port}/")),
    );
    // "statements.example" stands for a public site: pinned by hand, trusted.
    let mut cfg = FetchConfig::check(false);
    cfg.pinned.insert("statements.example".into(), site.addr);
    let f = Fetcher::new(cfg).unwrap();
    let base = format!("http://statements.example:{port}");
    assert_eq!(
        f.get(&format!("{base}/"), Gate::default())
            .await
            .unwrap()
            .status,
        200
    );
    for p in ["/to-ip", "/to-name", "/to-mapped"] {
        let e = f
            .get(&format!("{base}{p}"), Gate::default())
            .await
            .unwrap_err();
        assert_eq!(e.kind(), "refused_private", "{p}: {e}");
    }
    // Only the first hop of each reached the server.
    assert_eq!(site.paths(), vec!["/", "/to-ip", "/to-name", "/to-mapped"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn redirects_followed_up_to_five_loops_refused() {
    let mut routes = vec![("/final", page("Final", "<p>done</p>"))];
    let chain: Vec<String> = (0..7).map(|i| format!("/r{i}")).collect();
    for i in 0..6 {
        routes.push((chain[i].as_str(), Route::Redirect(chain[i + 1].clone())));
    }
    routes.push(("/r6", Route::Redirect("/final".into())));
    routes.push(("/loop-a", Route::Redirect("/loop-b".into())));
    routes.push(("/loop-b", Route::Redirect("/loop-a".into())));
    let site = TestSite::start(routes).await;
    let f = private_fetcher(|_| {});
    // /r2 -> r3 -> r4 -> r5 -> r6 -> final: five redirects, fine.
    let ok = f.get(&site.url("/r2"), Gate::default()).await.unwrap();
    assert_eq!(ok.final_url, site.url("/final"));
    assert_eq!(ok.redirects.len(), 5);
    let e = f.get(&site.url("/r1"), Gate::default()).await.unwrap_err();
    assert_eq!(e.kind(), "too_many_redirects", "{e}");
    let e = f
        .get(&site.url("/loop-a"), Gate::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "redirect_loop", "{e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn statuses_timeouts_and_body_caps() {
    let site = TestSite::start(vec![
        ("/missing", Route::Status(404)),
        ("/broken", Route::Status(500)),
        (
            "/slow",
            Route::Slow(Duration::from_secs(5), Box::new(page("Slow", "x"))),
        ),
        (
            "/statement.html",
            Route::Body("text/html", STATEMENT_PDF.to_vec()),
        ),
    ])
    .await;
    let f = private_fetcher(|c| c.total_timeout = Duration::from_millis(700));
    for (p, code) in [("/missing", 404), ("/broken", 500)] {
        match f.get(&site.url(p), Gate::default()).await {
            Err(FetchError::HttpStatus { status, .. }) => assert_eq!(status, code),
            other => panic!("{p}: {other:?}"),
        }
    }
    let t = Instant::now();
    let e = f
        .get(&site.url("/slow"), Gate::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "timeout");
    assert!(t.elapsed() < Duration::from_secs(3));

    // The crawler's 50 MB cap stops a 100 MB body and an endless one; the
    // download stops there (the server could not send it all, socket
    // buffers aside).
    let f = private_fetcher(|_| {});
    for route in [Route::Sized(100 * 1024 * 1024), Route::Endless] {
        let big = TestSite::start(vec![("/big", route)]).await;
        let e = f.get(&big.url("/big"), Gate::default()).await.unwrap_err();
        assert_eq!(e.kind(), "too_large", "{e}");
        let sent = big.state.sent.load(Ordering::SeqCst);
        assert!(sent < 95 * 1024 * 1024, "sent {sent}");
    }

    // A PDF named .html and served as text/html is a PDF.
    let pdf = f
        .get(&site.url("/statement.html"), Gate::default())
        .await
        .unwrap();
    assert_eq!(pdf.kind, Some(SourceKind::Pdf));
    assert_eq!(pdf.content_type.as_deref(), Some("text/html"));
}

#[tokio::test(flavor = "multi_thread")]
async fn fetch_for_check_has_a_smaller_cap() {
    let site = TestSite::start(vec![("/big", Route::Sized(30 * 1024 * 1024))]).await;
    let e = fetch_for_check(&site.url("/big"), true).await.unwrap_err();
    assert_eq!(e.kind(), "too_large");
    let f = private_fetcher(|_| {});
    assert_eq!(
        f.get(&site.url("/big"), Gate::default())
            .await
            .unwrap()
            .bytes
            .len(),
        30 * 1024 * 1024
    );
}

// ---------------------------------------------------------------- robots

#[tokio::test(flavor = "multi_thread")]
async fn robots_disallow_all_fetches_nothing_but_robots() {
    let site = TestSite::start(vec![
        (
            "/robots.txt",
            Route::Body("text/plain", b"User-agent: *\nDisallow: /\n".to_vec()),
        ),
        ("/", page("Home", "<p>hi</p>")),
    ])
    .await;
    let f = private_fetcher(|_| {});
    let robots = Robots::new();
    let polite = Politeness::new(Duration::from_millis(1));
    let gate = Gate {
        polite: Some(&polite),
        robots: Some(&robots),
        on_robots: None,
    };
    for p in ["/", "/modern-slavery"] {
        let e = f.get(&site.url(p), gate).await.unwrap_err();
        assert_eq!(e.kind(), "robots_disallowed");
    }
    // robots.txt was fetched once and nothing else.
    assert_eq!(site.paths(), vec!["/robots.txt"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn robots_4xx_allows_5xx_waits_and_our_token_is_obeyed() {
    let none = TestSite::start(vec![("/", page("Home", "x"))]).await;
    let broken = TestSite::start(vec![
        ("/robots.txt", Route::Status(503)),
        ("/", page("Home", "x")),
    ])
    .await;
    let ours = TestSite::start(vec![
        (
            "/robots.txt",
            Route::Body(
                "text/plain",
                b"User-agent: s54\nDisallow: /private\nCrawl-delay: 1\nSitemap: /sm.xml\n\nUser-agent: *\nDisallow: /\n"
                    .to_vec(),
            ),
        ),
        ("/", page("Home", "x")),
        ("/private/a", page("P", "x")),
    ])
    .await;
    let f = private_fetcher(|_| {});
    let robots = Robots::new();
    let polite = Politeness::new(Duration::from_millis(1));
    let gate = Gate {
        polite: Some(&polite),
        robots: Some(&robots),
        on_robots: None,
    };
    assert!(f.get(&none.url("/"), gate).await.is_ok());
    let e = f.get(&broken.url("/"), gate).await.unwrap_err();
    assert_eq!(e.kind(), "robots_unavailable");
    assert!(e.is_transient());
    assert_eq!(broken.paths(), vec!["/robots.txt"]);
    assert!(f.get(&ours.url("/"), gate).await.is_ok());
    let t = Instant::now();
    let e = f.get(&ours.url("/private/a"), gate).await.unwrap_err();
    assert_eq!(e.kind(), "robots_disallowed");
    // Crawl-delay: 1 spaced the homepage after robots.txt.
    let hits = ours.state.hits.lock().unwrap().clone();
    assert_eq!(hits.len(), 2);
    assert!(hits[1].start >= hits[0].end + Duration::from_millis(990));
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "disallowed needs no request"
    );
    let sm = robots
        .sitemaps(&f, gate, &url::Url::parse(&ours.url("/")).unwrap())
        .await
        .unwrap();
    assert_eq!(sm, vec!["/sm.xml".to_string()]);
}

// ---------------------------------------------------------------- politeness

#[tokio::test(flavor = "multi_thread")]
async fn retry_after_on_429_is_honoured() {
    let site = TestSite::start(vec![(
        "/",
        Route::Limited {
            status: 429,
            retry_after: "1".into(),
            times: 1,
            then: Box::new(page("Home", "x")),
        },
    )])
    .await;
    let f = private_fetcher(|_| {});
    let polite = Politeness::new(Duration::from_millis(10));
    let gate = Gate {
        polite: Some(&polite),
        robots: None,
        on_robots: None,
    };
    match f.get(&site.url("/"), gate).await {
        Err(FetchError::HttpStatus {
            status: 429,
            retry_after,
            ..
        }) => assert_eq!(retry_after, Some(Duration::from_secs(1))),
        other => panic!("{other:?}"),
    }
    assert!(f.get(&site.url("/"), gate).await.is_ok());
    let hits = site.state.hits.lock().unwrap().clone();
    assert!(hits[1].start >= hits[0].end + Duration::from_millis(990));
}

#[tokio::test(flavor = "multi_thread")]
async fn one_request_per_host_and_gaps_respected() {
    let site = TestSite::start(vec![(
        "/p",
        Route::Slow(Duration::from_millis(20), Box::new(page("P", "x"))),
    )])
    .await;
    let f = private_fetcher(|_| {});
    let polite = Arc::new(Politeness::new(Duration::from_millis(60)));
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let (f, polite, u) = (f.clone(), polite.clone(), site.url("/p"));
        tasks.push(tokio::spawn(async move {
            f.get(
                &u,
                Gate {
                    polite: Some(&polite),
                    robots: None,
                    on_robots: None,
                },
            )
            .await
            .map(|_| ())
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(site.state.max_inflight.load(Ordering::SeqCst), 1);
    let mut hits = site.state.hits.lock().unwrap().clone();
    hits.sort_by_key(|h| h.start);
    for w in hits.windows(2) {
        assert!(w[1].start >= w[0].end + Duration::from_millis(55), "{w:?}");
    }
}

// ---------------------------------------------------------------- discovery

use s54::crawl::discover::{Discoverer, NoLog, SiteOutcome};

/// An invented statement page of `org` for `year`, long enough to count.
pub fn statement_html(org: &str, year: u32, extra: &str) -> String {
    let para = format!(
        "<p>{org} buys goods and services from suppliers in several countries. During the financial \
         year ending 31 March {year} we reviewed our suppliers against country and sector risk, \
         trained our buyers to recognise the signs of forced labour, and kept our whistleblowing \
         line open to workers and suppliers alike. {extra}</p>"
    );
    format!(
        "<!DOCTYPE html><html><head><title>Modern Slavery Statement {year} | {org}</title></head><body>\
         <header><a href='/'>Home</a></header><main><h1>Modern Slavery Statement {year}</h1>\
         <p>This statement is made under section 54 of the Modern Slavery Act 2015 for {org}.</p>\
         {para}{para}{para}{para}<p>Approved by the board of directors on 1 September {year}. \
         Signed by A. Director, Director.</p></main></body></html>"
    )
}

pub fn home(links: &str) -> Route {
    page(
        "Welcome",
        &format!(
            "<header><nav><a href='/products'>Products</a></nav></header><main><h1>We make widgets</h1>\
             <p>Quality widgets since 1950.</p></main><footer>{links}</footer>"
        ),
    )
}

async fn discover(site: &TestSite) -> SiteOutcome {
    let f = private_fetcher(|c| c.total_timeout = Duration::from_secs(5));
    let robots = Robots::new();
    let polite = Politeness::new(Duration::from_millis(1));
    let gate = Gate {
        polite: Some(&polite),
        robots: Some(&robots),
        on_robots: None,
    };
    let home = url::Url::parse(&site.url("/")).unwrap();
    Discoverer::new(&f, gate, &NoLog).run(&home).await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn discovers_a_footer_link() {
    let site = TestSite::start(vec![
        (
            "/",
            home("<a href='/about/modern-slavery'>Modern Slavery Statement</a>"),
        ),
        (
            "/about/modern-slavery",
            Route::Html(statement_html("Footer Widgets Ltd", 2024, "")),
        ),
    ])
    .await;
    let out = discover(&site).await;
    assert_eq!(out.statements.len(), 1, "{out:?}");
    let s = &out.statements[0];
    assert!(s.homepage_link);
    let l = s.link.as_ref().unwrap();
    assert_eq!(l.region, "footer");
    assert_eq!(l.text, "Modern Slavery Statement");
    assert_eq!(s.url, site.url("/about/modern-slavery"));
    assert!(s.via_page.is_none());
    assert!(s.doc.text.contains("Footer Widgets Ltd"));
}

#[tokio::test(flavor = "multi_thread")]
async fn discovers_through_a_policies_page_and_a_pdf() {
    let site = TestSite::start(vec![
        (
            "/",
            home("<a href='/policies'>Policies</a> <a href='/careers'>Careers</a>"),
        ),
        (
            "/policies",
            page(
                "Policies",
                "<h1>Our policies</h1><ul><li><a href='/docs/privacy.pdf'>Privacy</a></li>\
                 <li><a href='/docs/msa-2024.pdf'>Modern slavery statement 2024</a></li></ul>",
            ),
        ),
        (
            "/docs/msa-2024.pdf",
            Route::Body("application/pdf", STATEMENT_PDF.to_vec()),
        ),
    ])
    .await;
    let out = discover(&site).await;
    assert_eq!(out.statements.len(), 1, "{out:?}");
    let s = &out.statements[0];
    assert!(s.homepage_link);
    assert_eq!(s.link.as_ref().unwrap().text, "Policies");
    assert_eq!(s.via_page.as_deref(), Some(site.url("/policies").as_str()));
    assert_eq!(s.doc.source.kind, SourceKind::Pdf);
    // The careers page and the privacy PDF were never fetched.
    let paths = site.paths();
    assert!(!paths.contains(&"/careers".to_string()), "{paths:?}");
    assert!(
        !paths.contains(&"/docs/privacy.pdf".to_string()),
        "{paths:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pdf_named_html_is_a_pdf_statement() {
    let site = TestSite::start(vec![
        ("/", home("<a href='/msa.html'>Anti-slavery statement</a>")),
        (
            "/msa.html",
            Route::Body("text/html", STATEMENT_PDF.to_vec()),
        ),
    ])
    .await;
    let out = discover(&site).await;
    assert_eq!(out.statements.len(), 1, "{out:?}");
    assert_eq!(out.statements[0].doc.source.kind, SourceKind::Pdf);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_listing_page_yields_every_year() {
    let site = TestSite::start(vec![
        ("/", home("<a href='/msa'>Modern slavery</a>")),
        (
            "/msa",
            page(
                "Modern slavery statements",
                "<h1>Modern slavery statements</h1><ul>\
                 <li><a href='/msa/2024'>Modern slavery statement 2024</a></li>\
                 <li><a href='/msa/2023'>Modern slavery statement 2023</a></li>\
                 <li><a href='/msa/2022'>Modern slavery statement 2022</a></li></ul>",
            ),
        ),
        (
            "/msa/2024",
            Route::Html(statement_html("Listing plc", 2024, "")),
        ),
        (
            "/msa/2023",
            Route::Html(statement_html("Listing plc", 2023, "")),
        ),
        (
            "/msa/2022",
            Route::Html(statement_html("Listing plc", 2022, "")),
        ),
    ])
    .await;
    let out = discover(&site).await;
    let mut urls: Vec<&str> = out.statements.iter().map(|s| s.url.as_str()).collect();
    urls.sort();
    assert_eq!(
        urls,
        vec![
            site.url("/msa/2022"),
            site.url("/msa/2023"),
            site.url("/msa/2024")
        ]
    );
    for s in &out.statements {
        assert!(s.homepage_link);
        assert_eq!(s.via_page.as_deref(), Some(site.url("/msa").as_str()));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_statement_only_in_the_sitemap_has_no_homepage_link() {
    let site = TestSite::start(vec![
        ("/", home("<a href='/contact'>Contact</a>")),
        (
            "/robots.txt",
            Route::Body("text/plain", b"User-agent: *\nAllow: /\nSitemap: /sitemap-index.xml\n".to_vec()),
        ),
        (
            "/sitemap-index.xml",
            Route::Body(
                "application/xml",
                b"<?xml version='1.0'?><sitemapindex><sitemap><loc>PAGES</loc></sitemap></sitemapindex>".to_vec(),
            ),
        ),
        (
            "/legal/modern-slavery-act-statement",
            Route::Html(statement_html("Hidden Ltd", 2024, "")),
        ),
    ])
    .await;
    let pages = site.url("/sitemap-pages.xml");
    site.set(
        "/sitemap-index.xml",
        Route::Body(
            "application/xml",
            format!("<?xml version='1.0'?><sitemapindex><sitemap><loc>{pages}</loc></sitemap></sitemapindex>")
                .into_bytes(),
        ),
    );
    site.set(
        "/sitemap-pages.xml",
        Route::Body(
            "application/xml",
            format!(
                "<urlset><url><loc>{}</loc></url><url><loc>{}</loc></url></urlset>",
                site.url("/contact"),
                site.url("/legal/modern-slavery-act-statement")
            )
            .into_bytes(),
        ),
    );
    let out = discover(&site).await;
    assert_eq!(out.statements.len(), 1, "{out:?}");
    let s = &out.statements[0];
    assert!(!s.homepage_link);
    assert!(s.link.is_none());
    assert_eq!(s.sitemap.as_deref(), Some(pages.as_str()));
}

#[tokio::test(flavor = "multi_thread")]
async fn no_statement_and_broken_links_are_outcomes_not_errors() {
    let site = TestSite::start(vec![
        (
            "/",
            home("<a href='/msa-missing'>Modern slavery statement</a> <a href='/msa-broken'>Anti-slavery</a> <a href='/ms'>Modern slavery</a>"),
        ),
        ("/msa-broken", Route::Status(500)),
        ("/ms", page("Modern slavery", "<h1>Modern slavery</h1><p>Coming soon.</p>")),
    ])
    .await;
    let out = discover(&site).await;
    assert!(out.statements.is_empty(), "{out:?}");
    // The 404, the 500 and the missing /sitemap.xml of the fallback.
    let mut errs: Vec<(String, &str)> = out.errors.clone();
    errs.sort();
    assert_eq!(
        errs,
        vec![
            (site.url("/msa-broken"), "http_status"),
            (site.url("/msa-missing"), "http_status"),
            (site.url("/sitemap.xml"), "http_status"),
        ]
    );
    assert!(out.homepage.is_some());
}

// ---------------------------------------------------------------- store + worker

use s54::crawl::worker::{Crawl, CrawlConfig, Summary};
use s54::domain::OrgType;
use s54::store::{NewOrganisation, Store, VersionSummary};

/// A fresh PostgreSQL database when `S54_TEST_PG_URL` is set (dropped with
/// the guard); in CI its absence is a failure, not a skip.
pub async fn fresh_pg() -> Option<crate::pg::PgDb> {
    crate::pg::PgDb::create().await
}

/// One database of [`backends`]: its URL, and the PostgreSQL guard if any.
pub struct TestBackend {
    pub url: String,
    pub _pg: Option<crate::pg::PgDb>,
}

/// Every backend the tests can reach: SQLite always, PostgreSQL when set.
pub async fn backends(dir: &tempfile::TempDir, tag: &str) -> Vec<TestBackend> {
    let mut v = vec![TestBackend {
        url: format!(
            "sqlite://{}",
            dir.path().join(format!("{tag}.db")).display()
        ),
        _pg: None,
    }];
    if let Some(pg) = fresh_pg().await {
        v.push(TestBackend {
            url: pg.url.clone(),
            _pg: Some(pg),
        });
    }
    v
}

pub async fn add_org(store: &Store, name: &str, website: &str, turnover: i64) -> i64 {
    store
        .upsert_organisation(&NewOrganisation {
            name: name.into(),
            website: Some(website.into()),
            org_type: Some(OrgType::Company),
            turnover_gbp: Some(turnover),
            source: "test".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .id()
}

pub fn test_config(concurrency: usize, delay_ms: u64) -> CrawlConfig {
    let mut c = CrawlConfig::new(concurrency, Duration::from_millis(delay_ms), true);
    c.fetch.total_timeout = Duration::from_secs(5);
    c
}

pub async fn crawl_once(db: &str, cfg: CrawlConfig) -> Summary {
    let store = Store::open(db).await.unwrap();
    let rules = s54::rules::Rulebook::embedded().unwrap();
    let (crawl, _) = Crawl::prepare(store.clone(), cfg, rules).await.unwrap();
    let s = crawl.run(None).await.unwrap();
    store.close().await;
    s
}

pub async fn versions(db: &str, org: i64) -> Vec<VersionSummary> {
    let store = Store::open(db).await.unwrap();
    let mut v = store.versions_of(org).await.unwrap();
    v.sort_by_key(|v| v.id);
    store.close().await;
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn crawl_stores_statements_with_their_history() {
    let footer = TestSite::start(vec![
        (
            "/",
            home("<a href='/modern-slavery'>Modern Slavery Statement</a>"),
        ),
        (
            "/modern-slavery",
            Route::Html(statement_html("Footer Ltd", 2024, "")),
        ),
    ])
    .await;
    let pdf = TestSite::start(vec![
        ("/", home("<a href='/policies'>Policies</a>")),
        (
            "/policies",
            page(
                "Policies",
                "<a href='/msa.pdf'>Modern slavery statement</a>",
            ),
        ),
        (
            "/msa.pdf",
            Route::Body("application/pdf", STATEMENT_PDF.to_vec()),
        ),
    ])
    .await;
    let hidden = TestSite::start(vec![
        ("/", home("<a href='/contact'>Contact</a>")),
        (
            "/modern-slavery-statement",
            Route::Html(statement_html("Hidden Ltd", 2024, "")),
        ),
    ])
    .await;
    hidden.set(
        "/sitemap.xml",
        Route::Body(
            "application/xml",
            format!(
                "<urlset><url><loc>{}</loc></url></urlset>",
                hidden.url("/modern-slavery-statement")
            )
            .into_bytes(),
        ),
    );
    let none = TestSite::start(vec![("/", home("<a href='/about'>About us</a>"))]).await;
    let small = TestSite::start(vec![
        ("/", home("<a href='/msa'>Modern slavery statement</a>")),
        ("/msa", Route::Html(statement_html("Small Ltd", 2024, ""))),
    ])
    .await;
    let closed = TestSite::start(vec![
        (
            "/robots.txt",
            Route::Body("text/plain", b"User-agent: *\nDisallow: /\n".to_vec()),
        ),
        ("/", home("<a href='/msa'>Modern slavery statement</a>")),
    ])
    .await;

    let dir = tempfile::tempdir().unwrap();
    for backend in backends(&dir, "history").await {
        let db = backend.url.clone();
        for s in [&footer, &pdf, &hidden, &none, &small, &closed] {
            s.state.hits.lock().unwrap().clear();
        }
        footer.set(
            "/modern-slavery",
            Route::Html(statement_html("Footer Ltd", 2024, "")),
        );
        let store = Store::open(&db).await.unwrap();
        let o_footer = add_org(&store, "Footer Ltd", &footer.url("/"), 50_000_000).await;
        let o_pdf = add_org(&store, "Pdf plc", &pdf.url("/"), 40_000_000).await;
        let o_hidden = add_org(&store, "Hidden Ltd", &hidden.url("/"), 90_000_000).await;
        let o_none = add_org(&store, "None Ltd", &none.url("/"), 36_000_000).await;
        let o_small = add_org(&store, "Small Ltd", &small.url("/"), 35_999_999).await;
        let o_closed = add_org(&store, "Closed Ltd", &closed.url("/"), 60_000_000).await;
        store.close().await;

        let s1 = crawl_once(&db, test_config(3, 5)).await;
        assert_eq!(s1.sites, 5, "{db}: {s1:?}");
        assert_eq!(s1.new_versions, 3, "{db}: {s1:?}");
        assert!(s1.round_finished);
        assert_eq!(s1.errors.get("robots_disallowed"), Some(&1), "{s1:?}");

        let v = versions(&db, o_footer).await;
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].homepage.linked, Some(true));
        assert_eq!(v[0].homepage.region.as_deref(), Some("footer"));
        assert_eq!(
            v[0].homepage.anchor_text.as_deref(),
            Some("Modern Slavery Statement")
        );
        assert!(v[0].fetch_id.is_some());
        let v = versions(&db, o_pdf).await;
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].homepage.linked, Some(true));
        assert_eq!(
            v[0].homepage.via_page.as_deref(),
            Some(pdf.url("/policies").as_str())
        );
        let v = versions(&db, o_hidden).await;
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].homepage.linked, Some(false));
        assert_eq!(v[0].homepage.found_via.as_deref(), Some("sitemap"));
        assert!(versions(&db, o_none).await.is_empty());
        assert!(versions(&db, o_closed).await.is_empty());
        assert_eq!(closed.paths(), vec!["/robots.txt"]);
        // Under the threshold: not crawled by default.
        assert!(small.paths().is_empty());
        assert!(versions(&db, o_small).await.is_empty());

        // Second round: the footer statement changed, the PDF did not.
        tokio::time::sleep(Duration::from_millis(20)).await;
        footer.set(
            "/modern-slavery",
            Route::Html(statement_html(
                "Footer Ltd",
                2025,
                "We also joined an industry initiative.",
            )),
        );
        let s2 = crawl_once(&db, test_config(3, 5)).await;
        assert_eq!(s2.round, s1.round + 1);
        assert_eq!(s2.new_versions, 1, "{s2:?}");
        assert_eq!(s2.unchanged_versions, 2, "{s2:?}");
        let v = versions(&db, o_footer).await;
        assert_eq!(v.len(), 2, "{db}: two versions kept");
        assert!(v[0].last_seen < v[1].first_seen);
        assert_ne!(v[0].document_sha256, v[1].document_sha256);
        let p = versions(&db, o_pdf).await;
        assert_eq!(p.len(), 1);
        assert!(
            p[0].last_seen > p[0].first_seen,
            "unchanged: last_seen moved"
        );

        // Named organisations are crawled whatever their scope.
        let mut cfg = test_config(1, 5);
        cfg.orgs = vec![o_small];
        let s3 = crawl_once(&db, cfg).await;
        assert_eq!(s3.sites, 1);
        assert_eq!(versions(&db, o_small).await.len(), 1);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_site_that_is_down_is_retried_later_not_forgotten() {
    let down = TestSite::start(vec![("/", Route::Status(503))]).await;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("down.db").display());
    let store = Store::open(&db).await.unwrap();
    add_org(&store, "Down Ltd", &down.url("/"), 50_000_000).await;
    store.close().await;
    let s = crawl_once(&db, test_config(1, 5)).await;
    assert_eq!(s.retry_later, 1, "{s:?}");
    assert!(!s.round_finished);
    let store = Store::open(&db).await.unwrap();
    let c = store.queue_counts().await.unwrap();
    assert_eq!(c.pending, 1);
}

// ---------------------------------------------------------------- the real binary

/// A small deterministic pseudo-random sequence (no extra crate).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, lo: u64, hi: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        lo + (self.0 >> 33) % (hi - lo)
    }
}

/// Sites with a little latency: half link a statement directly, half a
/// listing of two years.
async fn slow_sites(n: usize, tag: &str) -> Vec<TestSite> {
    let mut v = Vec::new();
    let slow = |r: Route| Route::Slow(Duration::from_millis(50), Box::new(r));
    for i in 0..n {
        let org = format!("{tag} Org {i}");
        let site = if i % 2 == 0 {
            TestSite::start(vec![
                ("/robots.txt", slow(Route::Status(404))),
                (
                    "/",
                    slow(home("<a href='/msa'>Modern slavery statement</a>")),
                ),
                ("/msa", slow(Route::Html(statement_html(&org, 2024, "")))),
            ])
            .await
        } else {
            TestSite::start(vec![
                ("/robots.txt", slow(Route::Status(404))),
                ("/", slow(home("<a href='/msa'>Modern slavery</a>"))),
                (
                    "/msa",
                    slow(page(
                        "Modern slavery",
                        "<h1>Our statements</h1><a href='/msa/2024'>Modern slavery statement 2024</a> \
                         <a href='/msa/2023'>Modern slavery statement 2023</a>",
                    )),
                ),
                ("/msa/2024", slow(Route::Html(statement_html(&org, 2024, "")))),
                ("/msa/2023", slow(Route::Html(statement_html(&org, 2023, "")))),
            ])
            .await
        };
        v.push(site);
    }
    v
}

fn crawl_cmd(db: &str, concurrency: usize, delay_ms: u64) -> tokio::process::Command {
    let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_s54"));
    c.args([
        "crawl",
        "--db",
        db,
        "--allow-private",
        "--concurrency",
        &concurrency.to_string(),
        "--per-host-delay-ms",
        &delay_ms.to_string(),
    ])
    .env("S54_CRAWL_LEASE_SECS", "1")
    .env_remove("DATABASE_URL")
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .kill_on_drop(true);
    c
}

/// (organisation name, url, sha256) of every stored version.
async fn registry(db: &str) -> Vec<(String, String, String)> {
    let store = Store::open(db).await.unwrap();
    let mut out = Vec::new();
    for t in store.crawl_targets(&[]).await.unwrap() {
        let org = store
            .organisation(t.organisation_id)
            .await
            .unwrap()
            .unwrap();
        for v in store.versions_of(org.id).await.unwrap() {
            let path = url::Url::parse(&v.url).unwrap().path().to_string();
            out.push((org.name.clone(), path, v.document_sha256));
        }
    }
    store.close().await;
    out.sort();
    out
}

/// No URL fetched twice for one organisation (everything here is one round).
#[tokio::test(flavor = "multi_thread")]
async fn the_fetch_log_has_robots_txt_and_timings() {
    let robots_txt = b"User-agent: *\nDisallow: /private\n".to_vec();
    let open = TestSite::start(vec![
        (
            "/robots.txt",
            Route::Slow(
                Duration::from_millis(30),
                Box::new(Route::Body("text/plain", robots_txt.clone())),
            ),
        ),
        ("/", home("<a href='/msa'>Modern slavery statement</a>")),
        (
            "/msa",
            Route::Slow(
                Duration::from_millis(60),
                Box::new(Route::Html(statement_html("Logged Ltd", 2024, ""))),
            ),
        ),
    ])
    .await;
    let closed = TestSite::start(vec![
        (
            "/robots.txt",
            Route::Body("text/plain", b"User-agent: *\nDisallow: /\n".to_vec()),
        ),
        ("/", home("<a href='/msa'>Modern slavery statement</a>")),
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    for backend in backends(&dir, "fetchlog").await {
        let db = backend.url.clone();
        let store = Store::open(&db).await.unwrap();
        let o_open = add_org(&store, "Logged Ltd", &open.url("/"), 50_000_000).await;
        let o_closed = add_org(&store, "Closed Log Ltd", &closed.url("/"), 50_000_000).await;
        store.close().await;
        let s = crawl_once(&db, test_config(2, 5)).await;
        assert_eq!(s.new_versions, 1, "{db}: {s:?}");

        let store = Store::open(&db).await.unwrap();
        let log = store.fetches_of(o_open, 100).await.unwrap();
        let robots = log
            .iter()
            .find(|f| f.url == open.url("/robots.txt"))
            .unwrap_or_else(|| panic!("{db}: robots.txt is not in the fetch log: {log:?}"));
        assert_eq!(robots.status, Some(200), "{db}");
        assert!(
            robots
                .content_type
                .as_deref()
                .is_some_and(|t| t.starts_with("text/plain")),
            "{db}: {robots:?}"
        );
        assert_eq!(robots.size, Some(robots_txt.len() as i64), "{db}");
        assert_eq!(robots.robots, "allowed", "{db}");
        assert!(
            robots.duration_ms.is_some_and(|d| d >= 30),
            "{db}: {robots:?}"
        );
        let msa = log
            .iter()
            .find(|f| f.url == open.url("/msa"))
            .unwrap_or_else(|| panic!("{db}: no statement fetch: {log:?}"));
        assert!(
            msa.duration_ms.is_some_and(|d| (60..5_000).contains(&d)),
            "{db}: {msa:?}"
        );
        assert!(
            log.iter().all(|f| f.duration_ms.is_some()),
            "{db}: a fetch without its timing: {log:?}"
        );

        // Refused by robots.txt: both the robots.txt request and the refusal are logged.
        let log = store.fetches_of(o_closed, 100).await.unwrap();
        let robots = log
            .iter()
            .find(|f| f.url == closed.url("/robots.txt"))
            .unwrap_or_else(|| panic!("{db}: robots.txt is not in the fetch log: {log:?}"));
        assert_eq!(robots.status, Some(200), "{db}");
        assert_eq!(robots.robots, "allowed", "{db}");
        let home_fetch = log
            .iter()
            .find(|f| f.url == closed.url("/"))
            .unwrap_or_else(|| panic!("{db}: no homepage record: {log:?}"));
        assert_eq!(home_fetch.robots, "disallowed", "{db}");
        assert_eq!(home_fetch.status, None, "{db}");
        store.close().await;
    }
}

async fn assert_no_duplicate_fetches(db: &str) {
    let store = Store::open(db).await.unwrap();
    for t in store.crawl_targets(&[]).await.unwrap() {
        let fetches = store.fetches_of(t.organisation_id, 10_000).await.unwrap();
        let mut urls: Vec<&str> = fetches.iter().map(|f| f.url.as_str()).collect();
        let n = urls.len();
        urls.sort();
        urls.dedup();
        assert_eq!(urls.len(), n, "{db}: a URL was fetched twice: {fetches:?}");
    }
    store.close().await;
}

async fn setup_orgs(db: &str, sites: &[TestSite], tag: &str) {
    let store = Store::open(db).await.unwrap();
    for (i, s) in sites.iter().enumerate() {
        add_org(&store, &format!("{tag} Org {i}"), &s.url("/"), 100_000_000).await;
    }
    store.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_crawls_resume_without_loss_or_duplicates() {
    let sites = slow_sites(10, "Resume").await;
    let dir = tempfile::tempdir().unwrap();
    let calm = format!("sqlite://{}", dir.path().join("calm.db").display());
    let killed = format!("sqlite://{}", dir.path().join("killed.db").display());
    setup_orgs(&calm, &sites, "Resume").await;
    setup_orgs(&killed, &sites, "Resume").await;

    let t = Instant::now();
    let out = crawl_cmd(&calm, 2, 20).output().await.unwrap();
    let calm_ms = t.elapsed().as_millis() as u64;
    eprintln!("uninterrupted crawl: {:?}", t.elapsed());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = registry(&calm).await;
    assert_eq!(expected.len(), 15, "{expected:?}");

    let mut rng = Lcg(std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64);
    let started = Instant::now();
    let mut partial = Vec::new();
    for _ in 0..3 {
        let mut child = crawl_cmd(&killed, 2, 20).spawn().unwrap();
        // Each run is killed between a fifth and two fifths of an
        // uninterrupted crawl's time (start-up included), so the three
        // together do not finish the round: a finished round makes the next
        // crawl a new round, which rightly fetches everything again.
        tokio::time::sleep(Duration::from_millis(
            rng.next(calm_ms / 5, calm_ms * 2 / 5),
        ))
        .await;
        let _ = child.kill().await;
        partial.push(registry(&killed).await.len());
    }
    // The kills interrupted real work (the crawl was not already over).
    assert!(partial.iter().any(|n| *n < expected.len()), "{partial:?}");
    let out = crawl_cmd(&killed, 2, 20).output().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("round complete"), "{stdout}");
    assert!(started.elapsed() < Duration::from_secs(40));
    eprintln!(
        "kill-and-resume: partial registries {partial:?}, total {:?}",
        started.elapsed()
    );
    assert_eq!(registry(&killed).await, expected);
    assert_no_duplicate_fetches(&killed).await;
    assert_no_duplicate_fetches(&calm).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_processes_share_one_postgres_database_politely() {
    let Some(db) = fresh_pg().await else { return };
    // Every statement lives on one shared host, so both processes compete
    // for it; its request log shows whether politeness held across them.
    let cdn = TestSite::start(vec![]).await;
    let mut sites = Vec::new();
    for i in 0..8 {
        let doc = format!("/org{i}/modern-slavery-statement");
        cdn.set(
            &doc,
            Route::Slow(
                Duration::from_millis(20),
                Box::new(Route::Html(statement_html(
                    &format!("Shared Org {i}"),
                    2024,
                    "",
                ))),
            ),
        );
        sites.push(
            TestSite::start(vec![(
                "/",
                home(&format!(
                    "<a href='{}'>Modern slavery statement</a>",
                    cdn.url(&doc)
                )),
            )])
            .await,
        );
    }
    setup_orgs(&db, &sites, "Shared").await;
    let a = crawl_cmd(&db, 3, 40).output();
    let b = crawl_cmd(&db, 3, 40).output();
    let (a, b) = tokio::join!(a, b);
    for o in [a.unwrap(), b.unwrap()] {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    // No URL fetched twice, at the servers and in the database.
    let mut paths = cdn.paths();
    paths.retain(|p| p != "/robots.txt" && p != "/sitemap.xml");
    let n = paths.len();
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), n, "{paths:?}");
    assert_eq!(n, 8);
    for s in &sites {
        let mut p = s.paths();
        let n = p.len();
        p.sort();
        p.dedup();
        assert_eq!(p.len(), n, "{p:?}");
    }
    assert_no_duplicate_fetches(&db).await;
    assert_eq!(registry(&db).await.len(), 8);
    // One request at a time on the shared host, 40 ms apart.
    assert_eq!(cdn.state.max_inflight.load(Ordering::SeqCst), 1);
    let mut hits = cdn.state.hits.lock().unwrap().clone();
    hits.sort_by_key(|h| h.start);
    for w in hits.windows(2) {
        assert!(
            w[1].start >= w[0].end + Duration::from_millis(35),
            "gap {:?}",
            w[1].start.duration_since(w[0].end)
        );
    }
}
