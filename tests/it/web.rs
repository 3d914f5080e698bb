//! The web app: every route through the router (`oneshot`, no socket), bad
//! input (400/404/405/413/415/422/429, never 500), security headers, escaping;
//! and over a real socket for uploads and streaming.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use s54::rules::Rulebook;
use s54::web::security::RateConfig;
use s54::web::{AppState, WebConfig, router};
use tower::ServiceExt;

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

fn config() -> WebConfig {
    WebConfig {
        // Generous: only the rate-limit test wants a small bucket.
        check_rate: RateConfig {
            burst: 1000,
            per_minute: 1000,
        },
        ..WebConfig::default()
    }
}

fn state_with(cfg: WebConfig) -> AppState {
    AppState::new(Rulebook::embedded().expect("embedded rules"), cfg)
}

pub async fn send_to(app: axum::Router, req: Request<Body>) -> Resp {
    let resp = app.oneshot(req).await.expect("router is infallible");
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), 64 * 1024 * 1024)
        .await
        .expect("body");
    Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

async fn get(path: &str) -> Resp {
    send_to(
        router(state_with(config())),
        Request::get(path).body(Body::empty()).unwrap(),
    )
    .await
}

/// A multipart body built by hand (the test does not trust the code under test
/// to build it): `(name, filename, bytes)`.
pub fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "s54testboundaryX7c1";
    let mut body = Vec::new();
    for (name, filename, data) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match filename {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn post(path: &str, ctype: &str, body: Vec<u8>) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, ctype)
        .body(Body::from(body))
        .unwrap()
}

fn assert_security_headers(r: &Resp) {
    let csp = r
        .headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(csp.contains("default-src 'none'"), "CSP missing: {csp:?}");
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(
        r.headers.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(),
        "nosniff"
    );
    assert_eq!(r.headers.get(header::X_FRAME_OPTIONS).unwrap(), "DENY");
    assert!(r.headers.get(header::REFERRER_POLICY).is_some());
}

const GOOD_TEXT: &str = "Modern slavery statement for the financial year ending 31 March 2025.\n\n\
This statement was approved by the board of directors of Example Widgets Limited on 12 June 2025.\n\n\
Signed: Jane Example, Director.";

#[tokio::test]
async fn healthz_assets_and_security_headers_on_every_response() {
    let r = get("/healthz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, "ok");
    assert_security_headers(&r);
    let css = get("/assets/s54.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(
        css.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert_security_headers(&css);
    let missing = get("/no/such/page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("Page not found"));
    assert_security_headers(&missing);
    let api_missing = get("/api/nothing-here").await;
    assert_eq!(api_missing.status, StatusCode::NOT_FOUND);
    let j: serde_json::Value = serde_json::from_str(&api_missing.body).unwrap();
    assert_eq!(j["error"]["status"], 404);
    let spec = get("/api/openapi.json").await;
    let j: serde_json::Value = serde_json::from_str(&spec.body).unwrap();
    assert_eq!(j["openapi"], "3.0.3");
    for p in [
        "/api/organisations",
        "/api/check",
        "/export.csv",
        "/healthz",
    ] {
        assert!(j["paths"].get(p).is_some(), "{p} missing from OpenAPI");
    }
    assert_eq!(get("/api").await.status, StatusCode::OK);
}

#[tokio::test]
async fn check_form_has_labels_for_every_field() {
    let r = get("/check").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_security_headers(&r);
    for id in [
        "file",
        "text",
        "url",
        "entity",
        "fy_end",
        "members",
        "members_file",
    ] {
        assert!(
            r.body.contains(&format!("<label for=\"{id}\"")),
            "no label for {id}"
        );
        assert!(r.body.contains(&format!("id=\"{id}\"")), "no field {id}");
    }
    assert!(r.body.contains("enctype=\"multipart/form-data\""));
    assert!(r.body.contains("Skip to main content"));
}

#[tokio::test]
async fn check_pasted_text_gives_a_report_page_and_json() {
    let app = router(state_with(config()));
    let (ct, body) = multipart(&[
        ("text", None, GOOD_TEXT.as_bytes()),
        ("entity", None, b"company"),
    ]);
    let r = send_to(app.clone(), post("/check", &ct, body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Self-check report"));
    assert!(r.body.contains("What to fix"));
    assert_security_headers(&r);

    let json = serde_json::json!({"text": GOOD_TEXT, "entity": "company"}).to_string();
    let r = send_to(
        app.clone(),
        post("/api/check", "application/json", json.into_bytes()),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(j["schema"], "s54.check/1");
    assert_eq!(j["source"]["kind"], "text");
    assert!(
        ["meets_minimum", "falls_short", "needs_review"].contains(&j["verdict"].as_str().unwrap())
    );

    let form = format!(
        "text={}",
        url::form_urlencoded::byte_serialize(GOOD_TEXT.as_bytes()).collect::<String>()
    );
    let r = send_to(
        app,
        post(
            "/api/check",
            "application/x-www-form-urlencoded",
            form.into_bytes(),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn check_rejects_bad_input_with_clear_4xx() {
    let app = router(state_with(config()));
    // Nothing given: the form again with an error summary.
    let (ct, body) = multipart(&[("file", Some(""), b""), ("text", None, b"  ")]);
    let r = send_to(app.clone(), post("/check", &ct, body)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("There is a problem"));
    assert!(r.body.contains("href=\"#file\""));
    // Two sources at once.
    let (ct, body) = multipart(&[
        ("text", None, b"abc"),
        ("url", None, b"https://example.org/"),
    ]);
    let r = send_to(app.clone(), post("/api/check", &ct, body)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let j: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert!(j["error"]["message"].as_str().unwrap().contains("only one"));
    // Not a URL we fetch.
    let (ct, body) = multipart(&[("url", None, b"file:///etc/passwd")]);
    assert_eq!(
        send_to(app.clone(), post("/api/check", &ct, body))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    // Bad entity and date.
    let (ct, body) = multipart(&[
        ("text", None, b"abc"),
        ("entity", None, b"pirate"),
        ("fy_end", None, b"31/13/2025"),
    ]);
    let r = send_to(app.clone(), post("/check", &ct, body)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("href=\"#entity\"") && r.body.contains("href=\"#fy_end\""));
    // Wrong and missing content types.
    let r = send_to(
        app.clone(),
        post("/api/check", "application/pdf", b"%PDF-1.4".to_vec()),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = send_to(
        app.clone(),
        Request::post("/check").body(Body::from("x")).unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Malformed JSON and broken multipart.
    let r = send_to(
        app.clone(),
        post("/api/check", "application/json", b"{\"text\": 3".to_vec()),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = send_to(
        app.clone(),
        post(
            "/api/check",
            "multipart/form-data; boundary=zz",
            b"--zz\r\ngarbage".to_vec(),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = send_to(
        app.clone(),
        post("/api/check", "multipart/form-data", b"x".to_vec()),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // A binary that is no known format, and a corrupt PDF.
    // A zip that is not a Word document.
    let mut junk = b"PK\x03\x04".to_vec();
    junk.extend((0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8));
    let (ct, body) = multipart(&[("file", Some("x.bin"), &junk)]);
    let r = send_to(app.clone(), post("/api/check", &ct, body)).await;
    assert!(
        r.status == StatusCode::UNSUPPORTED_MEDIA_TYPE
            || r.status == StatusCode::UNPROCESSABLE_ENTITY,
        "{} {}",
        r.status,
        r.body
    );
    let (ct, body) = multipart(&[(
        "file",
        Some("draft.pdf"),
        b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer <<>>\n%%EOF",
    )]);
    let r = send_to(app.clone(), post("/check", &ct, body)).await;
    assert!(r.status.is_client_error(), "{} {}", r.status, r.body);
    assert!(r.body.contains("There is a problem"));
    // GET on a POST-only route.
    let r = send_to(app, Request::get("/api/check").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn check_upload_over_the_limit_is_413_with_a_readable_page() {
    let app = router(state_with(WebConfig {
        max_upload_bytes: 1024 * 1024,
        ..config()
    }));
    let big = vec![b'a'; 1024 * 1024 + 10];
    let (ct, body) = multipart(&[("file", Some("big.txt"), &big)]);
    let r = send_to(app.clone(), post("/check", &ct, body.clone())).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.contains("smaller than 1 MB"), "{}", r.body);
    let r = send_to(app.clone(), post("/api/check", &ct, body)).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    let j: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(j["error"]["status"], 413);
    // A declared length far over the limit is refused before reading.
    let req = Request::post("/api/check")
        .header(header::CONTENT_TYPE, "multipart/form-data; boundary=x")
        .header(header::CONTENT_LENGTH, "900000000")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        send_to(app, req).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
}

#[tokio::test]
async fn check_is_rate_limited_per_client() {
    let app = router(state_with(WebConfig {
        check_rate: RateConfig {
            burst: 2,
            per_minute: 1,
        },
        ..config()
    }));
    let json = serde_json::json!({"text": GOOD_TEXT}).to_string();
    for _ in 0..2 {
        let r = send_to(
            app.clone(),
            post("/api/check", "application/json", json.clone().into_bytes()),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let r = send_to(
        app.clone(),
        post("/api/check", "application/json", json.clone().into_bytes()),
    )
    .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers.get(header::RETRY_AFTER).is_some());
    let (ct, body) = multipart(&[("text", None, b"abc")]);
    let r = send_to(app, post("/check", &ct, body)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains("Too many requests"));
}

#[tokio::test]
async fn check_refuses_private_addresses_and_never_connects() {
    // A server on loopback that counts connections: the check must not reach it.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let h = hits.clone();
    let server = tokio::spawn(async move {
        while let Ok((_s, _)) = listener.accept().await {
            h.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    });
    let app = router(state_with(config()));
    for url in [
        format!("http://{addr}/statement"),
        format!("http://localhost:{}/", addr.port()),
        "http://[::1]/".to_string(),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "http://10.0.0.1/".to_string(),
    ] {
        let (ct, body) = multipart(&[("url", None, url.as_bytes())]);
        let r = send_to(app.clone(), post("/check", &ct, body)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{url}: {}", r.body);
        assert!(r.body.contains("Only public web addresses"), "{url}");
    }
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 0);
    server.abort();
}

#[tokio::test]
async fn user_input_is_escaped_on_the_form() {
    let app = router(state_with(config()));
    let evil = "\"><script>alert(1)</script>";
    let (ct, body) = multipart(&[
        ("url", None, evil.as_bytes()),
        ("members", None, b"<b>Acme</b>"),
    ]);
    let r = send_to(app, post("/check", &ct, body)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        !r.body.contains("<script>alert(1)"),
        "unescaped input in page"
    );
    assert!(!r.body.contains("<b>Acme</b>"));
    assert!(r.body.contains("&lt;script&gt;") || r.body.contains("&#60;script&#62;"));
}

#[tokio::test]
async fn upload_over_a_real_socket() {
    let app = router(state_with(config()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(s54::web::serve(listener, app));
    let (ct, body) = multipart(&[
        ("file", Some("draft.txt"), GOOD_TEXT.as_bytes()),
        ("entity", None, b"company"),
    ]);
    let client = reqwest::Client::new();
    let r = client
        .post(format!("http://{addr}/api/check"))
        .header(header::CONTENT_TYPE, ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let j: serde_json::Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(j["source"]["name"], "draft.txt");
    server.abort();
}

#[tokio::test]
async fn demo_sites_serve_their_pages_and_the_csv_points_at_them() {
    let demo = s54::demo::DemoSites::start().await.unwrap();
    assert_eq!(demo.sites.len(), s54::demo::SITES.len());
    let client = reqwest::Client::new();
    let fetch = |url: String| {
        let client = client.clone();
        async move {
            let r = client.get(&url).send().await.unwrap();
            let status = r.status().as_u16();
            let ct = r
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            (status, ct, r.bytes().await.unwrap().to_vec())
        }
    };
    let site = |slug: &str| {
        demo.sites
            .iter()
            .find(|s| s.spec.slug == slug)
            .unwrap()
            .url()
    };
    // Every site has a homepage and robots.txt.
    for s in &demo.sites {
        let (status, _, body) = fetch(format!("{}/", s.url())).await;
        assert_eq!(status, 200);
        assert!(String::from_utf8_lossy(&body).contains(&s.spec.name.replace('&', "&amp;")));
        assert_eq!(fetch(format!("{}/robots.txt", s.url())).await.0, 200);
    }
    // The PDF-only statement is a real PDF, linked from the homepage.
    let (_, _, home) = fetch(format!("{}/", site("northgate"))).await;
    assert!(String::from_utf8_lossy(&home).contains(".pdf"));
    let (status, ct, pdf) = fetch(format!(
        "{}/files/northgate-modern-slavery-statement-2026.pdf",
        site("northgate")
    ))
    .await;
    assert_eq!((status, ct.as_str()), (200, "application/pdf"));
    assert!(pdf.starts_with(b"%PDF-"));
    // Subsidiaries link to the parent's statement on the parent's host.
    let (_, _, sub) = fetch(format!("{}/", site("kestrel-aviation"))).await;
    assert!(String::from_utf8_lossy(&sub).contains(&format!(
        "{}/responsibility/modern-slavery-statement",
        site("kestrel-group")
    )));
    // The missing organisation has no statement page.
    assert_eq!(
        fetch(format!("{}/modern-slavery-statement", site("bramblewood")))
            .await
            .0,
        404
    );
    // The CSV: native header, one row per site, real ports, parents by name.
    let csv_text = demo.organisations_csv();
    let mut rdr = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        [
            "name",
            "website",
            "org_type",
            "sector",
            "turnover_gbp",
            "budget_gbp",
            "company_number",
            "financial_year_end",
            "parent"
        ]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), demo.sites.len());
    let homes = rows
        .iter()
        .find(|r| &r[0] == "Eastmere Homes Limited")
        .unwrap();
    assert_eq!(&homes[8], "Eastmere Borough Council");
    assert_eq!(&homes[1], site("eastmere-homes"));
}

/// Real-browser tests: headless Chromium driven through chromedriver with
/// fantoccini. Skipped (with a message) only when chromium is not installed
/// and `CI` is unset; in CI a missing browser fails the test.
pub mod browser {
    use fantoccini::{Client, ClientBuilder, Locator};
    use std::path::PathBuf;
    use std::process::{Child, Command, Stdio};
    use std::time::Duration;

    pub struct Browser {
        pub client: Client,
        driver: Child,
        _profile: tempfile::TempDir,
        _downloads: tempfile::TempDir,
    }

    impl Drop for Browser {
        fn drop(&mut self) {
            // Our own chromedriver child, by handle.
            let _ = self.driver.kill();
            let _ = self.driver.wait();
        }
    }

    fn find_exe(names: &[&str]) -> Option<PathBuf> {
        let path = std::env::var_os("PATH")?;
        for dir in std::env::split_paths(&path) {
            for n in names {
                let p = dir.join(n);
                if p.is_file() {
                    return Some(p);
                }
            }
        }
        None
    }

    fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port")
    }

    /// Starts chromedriver and a headless Chromium session, or `None` when the
    /// browser is not installed outside CI.
    pub async fn start() -> Option<Browser> {
        let chromium = find_exe(&["chromium", "chromium-browser", "google-chrome"]);
        let driver = find_exe(&["chromedriver"]);
        let (Some(chromium), Some(driver_exe)) = (chromium, driver) else {
            assert!(
                std::env::var_os("CI").is_none(),
                "chromium and chromedriver are required in CI (apt-get install chromium chromium-driver)"
            );
            eprintln!("skipping browser test: chromium/chromedriver not installed");
            return None;
        };
        let port = free_port();
        let log = std::env::temp_dir().join(format!("s54-chromedriver-{port}.log"));
        let driver = Command::new(driver_exe)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let mut ready = false;
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(ready, "chromedriver did not start");
        let profile = tempfile::tempdir().expect("profile dir");
        let downloads = tempfile::tempdir().expect("downloads dir");
        let caps = serde_json::json!({
            "goog:chromeOptions": {
                "binary": chromium.to_string_lossy(),
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--window-size=1280,1600",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
                "prefs": {
                    "download.default_directory": downloads.path().to_string_lossy(),
                    "download.prompt_for_download": false,
                    "download.directory_upgrade": true,
                    "safebrowsing.enabled": false
                }
            }
        });
        let caps = match caps {
            serde_json::Value::Object(m) => m,
            _ => unreachable!("a JSON object literal"),
        };
        // Plain HTTP to chromedriver on loopback: no TLS stack needed.
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("webdriver session");
        Some(Browser {
            client,
            driver,
            _profile: profile,
            _downloads: downloads,
        })
    }

    impl Browser {
        /// Saves a screenshot as a test artefact (tests/artifacts/, gitignored).
        pub async fn screenshot(&self, name: &str) {
            let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/artifacts");
            let _ = std::fs::create_dir_all(&dir);
            if let Ok(png) = self.client.screenshot().await {
                let _ = std::fs::write(dir.join(format!("{name}.png")), png);
            }
        }

        /// The text of the first element matching `css`, waiting up to 20 s
        /// for it; on failure the page is saved and shown.
        pub async fn text(&self, css: &str) -> String {
            let found = tokio::time::timeout(
                Duration::from_secs(20),
                self.client
                    .wait()
                    .at_most(Duration::from_secs(20))
                    .for_element(Locator::Css(css)),
            )
            .await;
            match found {
                Ok(Ok(el)) => el.text().await.unwrap_or_default(),
                other => {
                    self.screenshot("failure").await;
                    let src = self.client.source().await.unwrap_or_default();
                    panic!(
                        "no element {css} ({other:?}); page:\n{}",
                        &src[..src.len().min(3000)]
                    );
                }
            }
        }

        pub async fn close(self) {
            let c = self.client.clone();
            let _ = c.close().await;
            drop(self);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_uploads_a_draft_pdf_and_reads_the_verdict() {
    use fantoccini::Locator;
    let Some(b) = browser::start().await else {
        return;
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(s54::web::serve(listener, router(state_with(config()))));
    let c = &b.client;
    c.goto(&format!("http://{addr}/check")).await.unwrap();
    assert_eq!(b.text("h1").await, "Check a modern slavery statement");
    let pdf = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("src/demo/sites/northgate-statement.pdf");
    let input = c.find(Locator::Id("file")).await.unwrap();
    input.send_keys(&pdf.to_string_lossy()).await.unwrap();
    c.find(Locator::Id("entity"))
        .await
        .unwrap()
        .select_by_value("company")
        .await
        .unwrap();
    c.find(Locator::Id("check-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let verdict = b.text("#verdict").await;
    b.screenshot("check-report").await;
    assert!(
        [
            "Meets the legal minimum",
            "Falls short of the law",
            "Needs a human review"
        ]
        .iter()
        .any(|v| verdict.contains(v)),
        "verdict: {verdict}"
    );
    let summary = b.text("dl.summary").await;
    assert!(summary.contains("northgate-statement.pdf"), "{summary}");
    assert!(summary.contains("pdf"));
    // Submitting nothing shows the GOV.UK error summary, focused links to the field.
    c.goto(&format!("http://{addr}/check")).await.unwrap();
    c.find(Locator::Id("check-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let err = b.text(".error-summary").await;
    assert!(err.contains("There is a problem"));
    b.screenshot("check-error").await;
    b.close().await;
    server.abort();
}

/// A registry on a fresh SQLite file with a few organisations, one with
/// markup in its name, and one scored statement with markup in its text.
async fn registry_app() -> (axum::Router, s54::store::Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("web.db").display());
    let store = s54::store::Store::open(&url).await.unwrap();
    let csv = "name,website,org_type,sector,turnover_gbp,budget_gbp,company_number,financial_year_end,parent\n\
        <script>alert(1)</script> Widgets Ltd,https://widgets.example,company,Manufacturing,50000000,,01234567,03-31,\n\
        Quiet Tea plc,https://tea.example,company,Food and drink,90000000,,07654321,03-31,\n\
        Small Shop Ltd,https://shop.example,company,Retail,1000000,,,12-31,\n";
    s54::registry::import::import_bytes(&store, csv.as_bytes(), "test")
        .await
        .unwrap();
    let text = format!("{GOOD_TEXT}\n\n<img src=x onerror=alert(2)> We train staff.");
    let rules = Rulebook::embedded().unwrap();
    let a = s54::check::check_bytes(
        text.as_bytes(),
        "s.txt",
        &Default::default(),
        &rules,
        &Default::default(),
    )
    .unwrap();
    let doc = s54::extract::extract(text.as_bytes(), "s.txt", &Default::default()).unwrap();
    store
        .record_version(&s54::store::NewVersion {
            organisation_id: 2,
            url: "https://tea.example/msa".into(),
            bytes: text.clone().into_bytes(),
            content_type: Some("text/html".into()),
            seen_at: s54::store::now(),
            text: doc.text.clone(),
            blocks: doc.blocks.clone(),
            assessment: Some(a),
            homepage: Default::default(),
            fetch_id: None,
        })
        .await
        .unwrap();
    let app = router(AppState::with_store(store.clone(), rules, config()));
    (app, store, dir)
}

async fn get_on(app: &axum::Router, path: &str) -> Resp {
    send_to(app.clone(), Request::get(path).body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn registry_pages_answer_and_escape_user_data() {
    let (app, store, _dir) = registry_app().await;
    let before = store.count_organisations().await.unwrap();
    for path in [
        "/",
        "/organisations",
        "/organisations?q=tea",
        "/organisations/1",
        "/organisations/2",
        "/statements/1",
        "/api/organisations",
        "/api/organisations/2",
        "/api/statements/1",
    ] {
        let r = get_on(&app, path).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "{path}: {}",
            &r.body[..r.body.len().min(500)]
        );
        assert_security_headers(&r);
        if path.starts_with("/api/") {
            // JSON carries the data as it is, served as application/json with nosniff.
            assert!(
                r.headers[header::CONTENT_TYPE]
                    .to_str()
                    .unwrap()
                    .starts_with("application/json")
            );
            continue;
        }
        assert!(
            !r.body.contains("<script>alert(1)"),
            "{path} does not escape names"
        );
        assert!(
            !r.body.contains("<img src=x"),
            "{path} does not escape statement text"
        );
    }
    let list = get_on(&app, "/organisations?q=Quiet").await;
    assert!(list.body.contains("Quiet Tea plc"));
    assert!(!list.body.contains("Small Shop Ltd"));
    let s = get_on(&app, "/statements/1").await;
    assert!(
        s.body.contains("<mark id=\"ev-1\""),
        "evidence not highlighted"
    );
    assert!(
        s.body.contains("href=\"#ev-1\""),
        "finding not linked to evidence"
    );
    assert!(s.body.contains("/documents/"));
    // The archived copy of an HTML statement is plain text in a sandbox.
    let sha = s54::extract::sha256_hex(
        format!("{GOOD_TEXT}\n\n<img src=x onerror=alert(2)> We train staff.").as_bytes(),
    );
    let d = get_on(&app, &format!("/documents/{sha}")).await;
    assert_eq!(d.status, StatusCode::OK);
    assert!(
        d.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert!(
        d.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .starts_with("sandbox")
    );
    // Bad input: 4xx with a message, never 500, database unchanged.
    for (path, status) in [
        ("/organisations/999999", 404),
        ("/organisations/abc", 404),
        ("/organisations/-3", 404),
        ("/statements/0", 404),
        ("/documents/nothex", 404),
        (&format!("/documents/{}", "0".repeat(64)), 404),
        ("/organisations?page=-1", 400),
        ("/organisations?page=0", 400),
        ("/organisations?page=abc", 400),
        ("/organisations?year=20x5", 400),
        ("/organisations?status=bogus", 400),
        ("/organisations?org_type=spaceship", 400),
        ("/organisations?sort=sideways", 400),
        ("/organisations?area_missing=x", 400),
        ("/api/organisations?per_page=100000", 400),
        ("/api/organisations/77777", 404),
        ("/api/statements/x", 404),
        ("/export.csv?status=nope", 400),
        ("/export.json?year=1", 400),
        ("/?year=abc", 400),
    ] {
        let r = get_on(&app, path).await;
        assert_eq!(
            r.status.as_u16(),
            status,
            "{path}: {}",
            &r.body[..r.body.len().min(300)]
        );
        assert!(r.body.len() > 20, "{path}: no message");
    }
    let bad = get_on(&app, "/organisations?page=abc").await;
    assert!(bad.body.contains("page"), "message names the parameter");
    assert_eq!(store.count_organisations().await.unwrap(), before);
}

#[tokio::test]
async fn export_streams_over_a_real_socket_with_filters() {
    let (app, _store, _dir) = registry_app().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(s54::web::serve(listener, app));
    let client = reqwest::Client::new();
    let r = client
        .get(format!("http://{addr}/export.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let body = r.text().await.unwrap();
    let mut rdr = csv::Reader::from_reader(body.as_bytes());
    assert_eq!(rdr.headers().unwrap().get(0), Some("organisation_id"));
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert!(rows.iter().any(|r| &r[1] == "Quiet Tea plc"));
    let r = client
        .get(format!("http://{addr}/export.ndjson?status=out_of_scope"))
        .send()
        .await
        .unwrap();
    let body = r.text().await.unwrap();
    for line in body.lines() {
        let j: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(j["status"], "out_of_scope");
    }
    let r = client
        .get(format!("http://{addr}/export.json"))
        .send()
        .await
        .unwrap();
    let j: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert!(j.as_array().is_some_and(|a| !a.is_empty()));
    server.abort();
}
