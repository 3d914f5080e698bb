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

pub fn config() -> WebConfig {
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
        "/api/groups/{id}",
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
        // S54_CHROMIUM / S54_CHROMEDRIVER: a browser outside PATH, e.g.
        // Ubuntu's snap (/snap/bin/chromium, /snap/bin/chromium.chromedriver).
        let from_env = |v: &str| std::env::var_os(v).map(PathBuf::from);
        let chromium = from_env("S54_CHROMIUM")
            .or_else(|| find_exe(&["chromium", "chromium-browser", "google-chrome"]));
        let driver = from_env("S54_CHROMEDRIVER")
            .or_else(|| find_exe(&["chromedriver", "chromium.chromedriver"]));
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
        /// Where the browser saves downloads.
        pub fn downloads(&self) -> &std::path::Path {
            self._downloads.path()
        }

        /// Saves a screenshot as a test artefact in `target/screenshots/`
        /// (`$CARGO_TARGET_DIR/screenshots/` when that is set).
        pub async fn screenshot(&self, name: &str) {
            let dir = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
                .join("screenshots");
            let _ = std::fs::create_dir_all(&dir);
            if let Ok(png) = self.client.screenshot().await {
                let _ = std::fs::write(dir.join(format!("{name}.png")), png);
            }
        }

        /// The text of the first element matching `css`, waiting up to 20 s
        /// for it; on failure the page is saved and shown. A lookup that
        /// races a navigation (a form just submitted) fails with "aborted by
        /// navigation": it is asked again on the new page until the deadline.
        pub async fn text(&self, css: &str) -> String {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
            let last = loop {
                let err = match self.client.find(Locator::Css(css)).await {
                    Ok(el) => match el.text().await {
                        Ok(text) => return text,
                        Err(e) => e.to_string(),
                    },
                    Err(e) => e.to_string(),
                };
                if tokio::time::Instant::now() >= deadline {
                    break err;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            };
            self.screenshot("failure").await;
            let src = self.client.source().await.unwrap_or_default();
            panic!(
                "no element {css} ({last}); page:\n{}",
                &src[..src.len().min(3000)]
            );
        }

        /// Types `text` into the field with this id.
        pub async fn fill(&self, id: &str, text: &str) {
            let field = self.client.find(Locator::Id(id)).await;
            let field = field.unwrap_or_else(|e| panic!("no field #{id}: {e}"));
            field.send_keys(text).await.expect("type into the field");
        }

        /// Clicks the element with this id.
        pub async fn click(&self, id: &str) {
            let el = self.client.find(Locator::Id(id)).await;
            let el = el.unwrap_or_else(|e| panic!("no element #{id}: {e}"));
            el.click().await.expect("click");
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
            published: None,
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

// ---------------------------------------------------------------------------
// Groups and public bodies

/// The contract's 21 export columns, written out here (not taken from the
/// code under test).
const CONTRACT_HEADER: &str = "organisation_id,name,org_type,sector,company_number,in_scope,year,status,reasons,statement_id,statement_url,first_seen,financial_year_end,approval_present,approval_date,signature_present,signatory,homepage_link,areas_covered,score,late";

const GROUP_TEXT: &str = "Modern slavery statement for the financial year ending 31 March 2025.\n\n\
This statement is made by Parent Holdings plc on behalf of itself and its subsidiaries, \
including Alpha Widgets Limited.\n\n\
During the year we took these steps to prevent modern slavery in our business and supply chains: \
we assessed our suppliers for modern slavery risk, audited our highest-risk suppliers, and trained \
our procurement staff to recognise the signs of forced labour.\n\n\
This statement was approved by the board of directors of Parent Holdings plc on 12 June 2025.\n\n\
Signed: Jane Example, Director.";

const COUNCIL_TEXT: &str = "Modern slavery statement for the financial year ending 31 March 2025.\n\n\
This statement is made by Northshire County Council and Northshire Homes Limited.\n\n\
Signed: Sam Example, Chief Executive.";

/// Ids of the group fixture's organisations.
#[derive(Debug, Clone, Copy)]
struct GroupIds {
    parent: i64,
    alpha: i64,
    beta: i64,
    solo: i64,
    council: i64,
    homes: i64,
    parent_statement: i64,
}

/// A company group (the parent's statement names Alpha but not Beta; it is
/// linked from the parent's homepage), a lone company, and a public-body
/// group whose statement was found only through the sitemap (so it is
/// non-compliant and covers nobody).
async fn group_app(url: &str) -> (axum::Router, s54::store::Store, GroupIds) {
    let store = s54::store::Store::open(url).await.unwrap();
    let csv = "name,website,org_type,sector,turnover_gbp,budget_gbp,company_number,financial_year_end,parent\n\
        Parent Holdings plc,https://parent.example,company,Engineering,500000000,,11111111,03-31,\n\
        Alpha Widgets Limited,https://alpha.example,company,Engineering,60000000,,22222222,03-31,Parent Holdings plc\n\
        Beta Pumps Limited,https://beta.example,company,Engineering,40000000,,33333333,03-31,Parent Holdings plc\n\
        Solo Trading Ltd,https://solo.example,company,Retail,80000000,,44444444,03-31,\n\
        Northshire County Council,https://council.example,local_authority,Public sector,,300000000,,03-31,\n\
        Northshire Homes Limited,https://homes.example,public_body,Public sector,,50000000,55555555,03-31,Northshire County Council\n";
    s54::registry::import::import_bytes(&store, csv.as_bytes(), "test")
        .await
        .unwrap();
    let id = |name: &'static str| {
        let store = store.clone();
        async move {
            store
                .find_organisation(name, None)
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("{name} imported"))
        }
    };
    let parent = id("Parent Holdings plc").await;
    let alpha = id("Alpha Widgets Limited").await;
    let council = id("Northshire County Council").await;
    let homes = id("Northshire Homes Limited").await;
    assert_eq!(alpha.parent_id, Some(parent.id), "parent linked on import");
    assert_eq!(homes.parent_id, Some(council.id));
    let rules = Rulebook::embedded().unwrap();
    let record = |org: i64, text: &'static str, linked: bool| {
        let store = store.clone();
        let rules = &rules;
        async move {
            let a = s54::check::check_bytes(
                text.as_bytes(),
                "s.txt",
                &Default::default(),
                rules,
                &Default::default(),
            )
            .unwrap();
            let doc = s54::extract::extract(text.as_bytes(), "s.txt", &Default::default()).unwrap();
            store
                .record_version(&s54::store::NewVersion {
                    organisation_id: org,
                    url: format!("https://org{org}.example/msa"),
                    bytes: text.as_bytes().to_vec(),
                    content_type: Some("text/plain".into()),
                    seen_at: s54::store::now(),
                    text: doc.text.clone(),
                    blocks: doc.blocks.clone(),
                    assessment: Some(a),
                    homepage: s54::store::HomepageLink {
                        linked: Some(linked),
                        found_via: Some(if linked { "homepage" } else { "sitemap" }.into()),
                        ..Default::default()
                    },
                    fetch_id: None,
                    published: None,
                })
                .await
                .unwrap()
                .id()
        }
    };
    let parent_statement = record(parent.id, GROUP_TEXT, true).await;
    record(council.id, COUNCIL_TEXT, false).await;
    // The crawler has read every site: years without a statement are missing.
    let all = store
        .list_organisations(
            &s54::store::OrgFilter {
                per_page: 50,
                ..Default::default()
            },
            s54::store::now().date_naive(),
        )
        .await
        .unwrap();
    for o in &all.items {
        let look = s54::store::Look::complete(s54::store::now(), Some("03-31"));
        assert!(store.record_look(o.id, &look).await.unwrap());
    }
    let ids = GroupIds {
        parent: parent.id,
        alpha: alpha.id,
        beta: id("Beta Pumps Limited").await.id,
        solo: id("Solo Trading Ltd").await.id,
        council: council.id,
        homes: homes.id,
        parent_statement,
    };
    let app = router(AppState::with_store(store.clone(), rules, config()));
    (app, store, ids)
}

/// The `href` of the element with this id (as written in the page).
fn href_of(body: &str, id: &str) -> String {
    let before = body
        .split(&format!("id=\"{id}\""))
        .next()
        .unwrap_or_else(|| panic!("no #{id}"));
    let href = before.rsplit("href=\"").next().unwrap();
    href.split('"').next().unwrap().to_string()
}

fn csv_rows(body: &str) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut rdr = csv::Reader::from_reader(body.as_bytes());
    let header = rdr.headers().unwrap().iter().map(str::to_string).collect();
    (header, rdr.records().map(|r| r.unwrap()).collect())
}

fn row_of<'a>(rows: &'a [csv::StringRecord], org: i64, year: &str) -> &'a csv::StringRecord {
    rows.iter()
        .find(|r| r[0] == org.to_string() && &r[6] == year)
        .unwrap_or_else(|| panic!("no row for organisation {org} in {year}"))
}

async fn group_story(url: &str) {
    let (app, store, ids) = group_app(url).await;
    let before = store.count_organisations().await.unwrap();

    // The export: exactly the contract's columns by default.
    let r = get_on(&app, "/export.csv").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body.lines().next(), Some(CONTRACT_HEADER));
    let (header, rows) = csv_rows(&r.body);
    assert_eq!(header.len(), 21);
    let parent_2025 = row_of(&rows, ids.parent, "2025").clone();
    let parent_status = parent_2025[7].to_string();
    assert!(
        parent_status == "compliant" || parent_status == "review",
        "the fixture's group statement covers its members: {parent_2025:?}"
    );
    assert_eq!(&parent_2025[9], &ids.parent_statement.to_string());
    // Both members take the parent's status and statement, named or not.
    for member in [ids.alpha, ids.beta] {
        let m = row_of(&rows, member, "2025");
        assert_eq!(&m[7], parent_status.as_str(), "member {member}: {m:?}");
        assert_eq!(&m[8], &parent_2025[8], "reasons are the statement's");
        assert_eq!(&m[9], &parent_2025[9]);
        assert_eq!(&m[10], &parent_2025[10]);
        // No statement for 2026 anywhere in the group: missing.
        assert_eq!(&row_of(&rows, member, "2026")[7], "missing");
    }
    assert_eq!(&row_of(&rows, ids.solo, "2025")[7], "missing");
    // A non-compliant parent statement covers nobody.
    assert_eq!(&row_of(&rows, ids.council, "2025")[7], "noncompliant");
    let homes = row_of(&rows, ids.homes, "2025");
    assert_eq!(&homes[7], "missing");
    assert_eq!(&homes[9], "");

    // Opt-in group column, after the contract's.
    let r = get_on(&app, "/export.csv?with_group=1").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.body.lines().next().unwrap(),
        format!("{CONTRACT_HEADER},group_id")
    );
    let (_, rows) = csv_rows(&r.body);
    for (org, group) in [
        (ids.parent, ids.parent.to_string()),
        (ids.alpha, ids.parent.to_string()),
        (ids.beta, ids.parent.to_string()),
        (ids.solo, String::new()),
        (ids.homes, ids.council.to_string()),
    ] {
        assert_eq!(row_of(&rows, org, "2025")[21], group, "group of {org}");
    }
    let plain = get_on(&app, "/export.json").await;
    let j: serde_json::Value = serde_json::from_str(&plain.body).unwrap();
    assert!(j[0].get("group_id").is_none(), "group_id is opt-in");
    let with = get_on(&app, "/export.ndjson?with_group=true&year=2025").await;
    let alpha_line = with
        .body
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|j| j["organisation_id"] == ids.alpha)
        .unwrap();
    assert_eq!(alpha_line["group_id"], ids.parent);
    assert_eq!(alpha_line["statement_id"], ids.parent_statement);

    // The export honours the list's search and group filters.
    let r = get_on(&app, "/export.csv?q=Beta+Pumps&year=2025").await;
    let (_, rows) = csv_rows(&r.body);
    assert_eq!(rows.len(), 1, "{}", r.body);
    assert_eq!(&rows[0][0], &ids.beta.to_string());
    // Words of the latest statement count too: the parent's names Alpha.
    let r = get_on(&app, "/export.csv?q=Alpha+Widgets&year=2025").await;
    let (_, rows) = csv_rows(&r.body);
    let mut got: Vec<String> = rows.iter().map(|r| r[0].to_string()).collect();
    got.sort();
    let mut want = vec![ids.parent.to_string(), ids.alpha.to_string()];
    want.sort();
    assert_eq!(got, want, "{}", r.body);
    let r = get_on(&app, "/export.csv?q=33333333").await;
    let (_, rows) = csv_rows(&r.body);
    assert!(!rows.is_empty() && rows.iter().all(|r| r[0] == ids.beta.to_string()));
    let r = get_on(&app, "/export.csv?group=public_body&year=2025").await;
    let (_, rows) = csv_rows(&r.body);
    let mut got: Vec<String> = rows.iter().map(|r| r[0].to_string()).collect();
    got.sort();
    let mut want = vec![ids.council.to_string(), ids.homes.to_string()];
    want.sort();
    assert_eq!(got, want);
    let r = get_on(&app, "/export.csv?group=group&year=2025").await;
    let (_, rows) = csv_rows(&r.body);
    assert_eq!(rows.len(), 5, "every organisation but the lone one");
    assert!(!rows.iter().any(|r| r[0] == ids.solo.to_string()));

    // The list: members are not missing; filters; the download keeps them all.
    let list = get_on(&app, "/organisations?year=2025&status=missing").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Northshire Homes Limited"));
    assert!(list.body.contains("Solo Trading Ltd"));
    assert!(!list.body.contains("Alpha Widgets Limited"));
    assert!(!list.body.contains("Beta Pumps Limited"));
    let list = get_on(
        &app,
        "/organisations?year=2025&q=Alpha&group=group&in_scope=true",
    )
    .await;
    assert!(list.body.contains("Alpha Widgets Limited"));
    assert!(
        list.body
            .contains(&format!("href=\"/groups/{}\"", ids.parent))
    );
    let href = href_of(&list.body, "download-csv");
    assert!(href.starts_with("/export.csv?"), "{href}");
    for want in ["q=Alpha", "group=group", "in_scope=true", "year=2025"] {
        assert!(href.contains(want), "download link {href} lacks {want}");
    }
    assert!(list.body.contains("<select id=\"group\" name=\"group\">"));
    let pb = get_on(&app, "/organisations?group=public_body").await;
    assert!(pb.body.contains("Northshire Homes Limited"));
    assert!(!pb.body.contains("Parent Holdings plc"));
    let api = get_on(&app, "/api/organisations?year=2025&group=group&q=Beta").await;
    let j: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(j["items"][0]["covered_by"], ids.parent);
    assert_eq!(j["items"][0]["status"], parent_status.as_str());

    // Organisation pages: the member says whether the group statement names it.
    let alpha = get_on(&app, &format!("/organisations/{}", ids.alpha)).await;
    assert_eq!(alpha.status, StatusCode::OK);
    assert!(
        alpha
            .body
            .contains(&format!("href=\"/groups/{}\"", ids.parent))
    );
    assert!(alpha.body.contains("Covered by the group statement of"));
    assert!(alpha.body.contains("which names it"));
    assert!(alpha.body.contains("Alpha Widgets Limited</q>") || alpha.body.contains("<q>"));
    let beta = get_on(&app, &format!("/organisations/{}", ids.beta)).await;
    assert!(beta.body.contains("which does not name it"));
    assert!(beta.body.contains("GUID-group-coverage"));
    assert!(beta.body.contains("Not named"));
    assert!(!beta.body.contains("Non-compliant"));
    let parent = get_on(&app, &format!("/organisations/{}", ids.parent)).await;
    assert!(
        parent
            .body
            .contains(&format!("href=\"/groups/{}\"", ids.parent))
    );

    // The dashboard lists the group with its kind and member count.
    let dash = get_on(&app, "/").await;
    assert_eq!(dash.status, StatusCode::OK, "{}", dash.body);
    let groups = dash
        .body
        .split("<h2>Groups</h2>")
        .nth(1)
        .unwrap_or_else(|| panic!("no Groups section on the dashboard: {}", dash.body));
    assert!(
        groups.contains(&format!("href=\"/groups/{}\"", ids.parent))
            && groups.contains("company group"),
        "{groups}"
    );

    // The group page and its JSON.
    let g = get_on(&app, &format!("/groups/{}", ids.parent)).await;
    assert_eq!(g.status, StatusCode::OK, "{}", g.body);
    assert_security_headers(&g);
    assert!(g.body.contains("Parent Holdings plc and its group"));
    let table = g
        .body
        .split("class=\"coverage\"")
        .nth(1)
        .expect("a coverage table");
    let alpha_row = table.split("Alpha Widgets Limited</a>").nth(1).unwrap();
    let alpha_row = alpha_row.split("</tr>").next().unwrap();
    assert!(
        alpha_row.contains("Named") && alpha_row.contains("<q>"),
        "{alpha_row}"
    );
    let beta_row = table.split("Beta Pumps Limited</a>").nth(1).unwrap();
    let beta_row = beta_row.split("</tr>").next().unwrap();
    assert!(beta_row.contains("Not named"), "{beta_row}");
    let j: serde_json::Value = serde_json::from_str(
        &get_on(&app, &format!("/api/groups/{}", ids.parent))
            .await
            .body,
    )
    .unwrap();
    assert_eq!(j["parent"]["id"], ids.parent);
    let cov = &j["statements"][0]["coverage"];
    let named = |id: i64| {
        cov.as_array()
            .unwrap()
            .iter()
            .find(|c| c["organisation"]["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(named(ids.alpha)["named"], true);
    assert!(
        named(ids.alpha)["evidence"][0]["quote"]
            .as_str()
            .unwrap()
            .contains("Alpha Widgets")
    );
    assert_eq!(named(ids.beta)["named"], false);
    let council = get_on(&app, &format!("/groups/{}", ids.council)).await;
    assert_eq!(council.status, StatusCode::OK);
    assert!(council.body.contains("Public-body group"));
    assert!(council.body.contains("does not cover the members"));

    // Bad input on the new routes: 4xx with a message, never 500.
    for (path, status, says) in [
        (
            format!("/groups/{}", ids.alpha),
            404,
            "belongs to the group of Parent Holdings plc",
        ),
        (format!("/groups/{}", ids.solo), 404, "has no group members"),
        ("/groups/abc".to_string(), 404, "no record"),
        ("/groups/0".to_string(), 404, "no record"),
        ("/groups/99999999".to_string(), 404, "no organisation"),
        ("/groups/1.5".to_string(), 404, "no record"),
        (
            "/groups/99999999999999999999999".to_string(),
            404,
            "no record",
        ),
        ("/api/groups/99999".to_string(), 404, "no organisation"),
        (
            format!("/api/groups/{}", ids.beta),
            404,
            "belongs to the group",
        ),
        (
            "/export.csv?with_group=maybe".to_string(),
            400,
            "with_group",
        ),
        ("/export.json?group=galaxy".to_string(), 400, "group"),
        ("/export.csv?in_scope=perhaps".to_string(), 400, "in_scope"),
        (
            "/export.csv?area_missing=nope".to_string(),
            400,
            "area_missing",
        ),
        ("/organisations?group=galaxy".to_string(), 400, "group"),
    ] {
        let r = get_on(&app, &path).await;
        assert_eq!(
            r.status.as_u16(),
            status,
            "{path}: {}",
            &r.body[..r.body.len().min(300)]
        );
        assert!(r.body.contains(says), "{path} does not say {says:?}");
    }
    let j: serde_json::Value =
        serde_json::from_str(&get_on(&app, "/api/groups/x").await.body).unwrap();
    assert_eq!(j["error"]["status"], 404);
    assert_eq!(store.count_organisations().await.unwrap(), before);
    store.close().await;
}

#[tokio::test]
async fn group_members_are_covered_by_the_parent_statement_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    group_story(&format!("sqlite://{}", dir.path().join("g.db").display())).await;
}

#[tokio::test]
async fn group_members_are_covered_by_the_parent_statement_postgres() {
    let Some(db) = super::store::TestDb::postgres().await else {
        eprintln!("skipping: S54_TEST_PG_URL not set (required in CI)");
        return;
    };
    group_story(&db.url).await;
    drop(db); // a PostgreSQL test database is dropped with it
}

/// Waits up to 20 s for a finished download named `name` in `dir`.
async fn downloaded(dir: &std::path::Path, name: &str) -> String {
    let path = dir.join(name);
    for _ in 0..200 {
        let partial = std::fs::read_dir(dir)
            .map(|d| {
                d.flatten()
                    .any(|e| e.file_name().to_string_lossy().ends_with(".crdownload"))
            })
            .unwrap_or(false);
        if !partial && let Ok(s) = std::fs::read_to_string(&path) {
            return s;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let seen: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    panic!("{name} was not downloaded; the folder has {seen:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_searches_reads_evidence_downloads_csv_and_opens_a_group() {
    use fantoccini::Locator;
    let Some(b) = browser::start().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (app, _store, ids) =
        group_app(&format!("sqlite://{}", dir.path().join("b.db").display())).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(s54::web::serve(listener, app));
    let c = &b.client;

    // Search the registry from its form and see the one result.
    c.goto(&format!("http://{addr}/organisations?year=2025"))
        .await
        .unwrap();
    assert_eq!(b.text("h1").await, "Registry");
    c.find(Locator::Id("q"))
        .await
        .unwrap()
        .send_keys("Beta Pumps")
        .await
        .unwrap();
    c.find(Locator::Id("search-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let url = c.current_url().await.unwrap();
    assert!(url.as_str().contains("q=Beta"), "{url}");
    assert_eq!(b.text("#result-count").await, "1");
    let results = b.text("#results tbody").await;
    assert!(results.contains("Beta Pumps Limited"), "{results}");
    assert!(!results.contains("Alpha Widgets"), "{results}");
    b.screenshot("registry-search").await;

    // A statement page: highlighted evidence, and findings linked to it.
    c.goto(&format!(
        "http://{addr}/statements/{}",
        ids.parent_statement
    ))
    .await
    .unwrap();
    b.text("#statement-text mark").await;
    let marks = c
        .find_all(Locator::Css("#statement-text mark[id^='ev-']"))
        .await
        .unwrap();
    assert!(!marks.is_empty(), "no highlighted evidence");
    let links = c.find_all(Locator::Css("a[href^='#ev-']")).await.unwrap();
    assert!(!links.is_empty(), "no finding links to its evidence");
    for l in &links {
        let href = l.attr("href").await.unwrap().unwrap();
        let target = c
            .find_all(Locator::Css(&format!("mark{href}")))
            .await
            .unwrap();
        assert_eq!(target.len(), 1, "{href} points at no highlighted quote");
    }
    let first = links[0].attr("href").await.unwrap().unwrap();
    links[0].click().await.unwrap();
    assert!(
        c.current_url().await.unwrap().as_str().ends_with(&first),
        "the evidence link does not go to its quote"
    );
    let quote = c
        .find(Locator::Css(&format!("mark{first}")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!quote.trim().is_empty());
    b.screenshot("statement-evidence").await;

    // The list's download link: a CSV with exactly the contract's header,
    // filtered like the list.
    c.goto(&format!(
        "http://{addr}/organisations?year=2025&group=group&q=Pumps"
    ))
    .await
    .unwrap();
    assert_eq!(b.text("#result-count").await, "1");
    c.find(Locator::Id("download-csv"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let csv_text = downloaded(b.downloads(), "s54-registry.csv").await;
    assert_eq!(csv_text.lines().next(), Some(CONTRACT_HEADER));
    let (_, rows) = csv_rows(&csv_text);
    assert_eq!(rows.len(), 1, "{csv_text}");
    assert_eq!(&rows[0][0], &ids.beta.to_string());
    b.screenshot("registry-download").await;

    // From a member's page to its group page.
    c.goto(&format!("http://{addr}/organisations/{}", ids.beta))
        .await
        .unwrap();
    let coverage = b.text("#group-coverage").await;
    assert!(coverage.contains("does not name"), "{coverage}");
    c.find(Locator::Id("group-link"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(b.text("h1").await, "Parent Holdings plc and its group");
    let table = b.text("table.coverage").await;
    assert!(table.contains("Alpha Widgets Limited"), "{table}");
    assert!(table.contains("Named"), "{table}");
    assert!(table.contains("Not named"), "{table}");
    b.screenshot("group-page").await;

    b.close().await;
    server.abort();
}

#[tokio::test]
async fn cli_export_adds_the_group_column_only_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    let (_app, store, ids) = group_app(&url).await;
    store.close().await;
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_s54"))
            .arg("export")
            .args(["--db", &url])
            .args(args)
            .output()
            .expect("run s54 export");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let plain = run(&[]);
    assert_eq!(plain.lines().next(), Some(CONTRACT_HEADER));
    let (_, rows) = csv_rows(&plain);
    assert!(rows.iter().all(|r| r.len() == 21));
    let alpha = row_of(&rows, ids.alpha, "2025");
    assert_eq!(&alpha[9], &ids.parent_statement.to_string());

    let with = run(&["--with-group"]);
    assert_eq!(
        with.lines().next().unwrap(),
        format!("{CONTRACT_HEADER},group_id")
    );
    let (_, rows) = csv_rows(&with);
    assert_eq!(row_of(&rows, ids.alpha, "2025")[21], ids.parent.to_string());
    assert_eq!(&row_of(&rows, ids.solo, "2025")[21], "");
    // Everything but the added column is what the default export writes.
    let strip: Vec<String> = with
        .lines()
        .skip(1)
        .map(|l| l.rsplit_once(',').unwrap().0.to_string())
        .collect();
    let plain_rows: Vec<String> = plain.lines().skip(1).map(str::to_string).collect();
    assert_eq!(strip, plain_rows);

    let json = run(&["--with-group", "--format", "ndjson", "--year", "2025"]);
    let homes = json
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|j| j["organisation_id"] == ids.homes)
        .unwrap();
    assert_eq!(homes["group_id"], ids.council);
    assert_eq!(homes["status"], "missing");
    let json = run(&["--format", "ndjson"]);
    assert!(!json.contains("group_id"));
}

/// The page cache never serves a page from before a write: after each kind
/// of write (rescore, a new version, a version for the previous year that
/// changes the diff, a member covered through its parent) a cached app
/// answers exactly what an app without a cache renders, and repeated reads
/// in between are served from the cache.
async fn page_cache_story(url: &str) {
    let (cached, store, ids) = group_app(url).await;
    let rules = Rulebook::embedded().unwrap();
    let fresh = router(AppState::with_store(
        store.clone(),
        rules.clone(),
        WebConfig {
            page_cache_bytes: 0,
            ..config()
        },
    ));
    let pages = [
        format!("/statements/{}", ids.parent_statement),
        format!("/organisations?q=Alpha&year=2025"),
        format!("/organisations?year=2025&sort=-score"),
        format!("/organisations?q=Parent&year=2025&status=compliant"),
    ];
    let same = |when: &'static str| {
        let (cached, fresh, pages) = (&cached, &fresh, &pages);
        async move {
            let mut bodies = Vec::new();
            for p in pages {
                let a = get_on(cached, p).await;
                let again = get_on(cached, p).await;
                let b = get_on(fresh, p).await;
                assert_eq!(a.status, StatusCode::OK, "{p} {when}");
                assert_eq!(a.body, b.body, "{p} cached differs from fresh {when}");
                assert_eq!(again.body, b.body, "{p} second read {when}");
                bodies.push(b.body);
            }
            bodies
        }
    };
    let start = same("at start").await;
    assert!(start[1].contains(&format!("/organisations/{}", ids.alpha)));

    // Rescore the parent's statement as if it had failed: the statement page
    // and the covered member's row change.
    let v = store.version(ids.parent_statement).await.unwrap().unwrap();
    let mut a = v.assessment.clone().unwrap();
    for f in a.findings.iter_mut() {
        f.status = s54::domain::FindingStatus::Fail;
    }
    a.score = 0;
    a.verdict = s54::domain::Verdict::FallsShort;
    store
        .update_assessments(&[(ids.parent_statement, a)])
        .await
        .unwrap();
    let rescored = same("after a rescore").await;
    assert_ne!(
        rescored[0], start[0],
        "the statement page shows the rescore"
    );
    assert_ne!(rescored[1], start[1], "the member is no longer covered");

    // A newer version of the same document set: the parent's counting
    // statement changes, and with it the members' rows.
    let text = GROUP_TEXT.replace("2025", "2025 (revised)");
    let doc = s54::extract::extract(text.as_bytes(), "s.txt", &Default::default()).unwrap();
    let a = s54::check::check_bytes(
        text.as_bytes(),
        "s.txt",
        &Default::default(),
        &rules,
        &Default::default(),
    )
    .unwrap();
    let newer = store
        .record_version(&s54::store::NewVersion {
            organisation_id: ids.parent,
            url: "https://parent.example/msa-revised".into(),
            bytes: text.as_bytes().to_vec(),
            content_type: Some("text/plain".into()),
            seen_at: s54::store::now(),
            text: doc.text.clone(),
            blocks: doc.blocks.clone(),
            assessment: Some(a),
            homepage: Default::default(),
            fetch_id: None,
            published: None,
        })
        .await
        .unwrap()
        .id();
    let after_new = same("after a new version").await;
    assert_ne!(
        after_new[1], rescored[1],
        "the member follows the newer statement"
    );
    assert!(after_new[1].contains(&format!("/statements/{newer}")));
    store.close().await;
}

#[tokio::test]
async fn page_cache_never_serves_a_stale_page_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    page_cache_story(&format!("sqlite://{}", dir.path().join("c.db").display())).await;
}

#[tokio::test]
async fn page_cache_never_serves_a_stale_page_postgres() {
    let Some(db) = super::store::TestDb::postgres().await else {
        eprintln!("skipping: S54_TEST_PG_URL not set (required in CI)");
        return;
    };
    page_cache_story(&db.url).await;
    drop(db);
}
