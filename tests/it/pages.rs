//! Pages a campaigner can read (issue 24): through the router, the
//! self-check report that keeps its style, the form's date fields, archived
//! web pages as text, reasons in words, folded "not applicable" rules; the
//! status palette's contrast, computed; and in headless Chromium, every main
//! page at desktop and mobile widths, screenshotted and measured (no
//! sideways scrolling, chart labels at body size and never cut off).

use super::web::{Resp, browser, send_to};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use s54::rules::Rulebook;
use s54::web::palette::{self, PALETTE, Vision};
use s54::web::{AppState, WebConfig, router};

/// A sector name long enough to have been cut to "…manageme…" before.
const LONG_SECTOR: &str = "Risk assessment and management consultancy";

/// A statement that meets the law: board approval, a director's signature.
const GOOD: &str = "Modern slavery statement for the financial year ending 31 January 2025.\n\n\
    We are a bakery group with 400 staff and suppliers of flour and packaging in the UK and Poland.\n\n\
    During the year we audited our ten largest suppliers, trained 40 buyers and staff in our own \
    business, and assessed the risk of forced labour in our supply chains.\n\n\
    This statement was approved by the Board of Directors on 20 June 2025.\n\n\
    Signed: Jane Example, Director, 20 June 2025.";

/// Steps, but no board approval and no signature: falls short.
const SHORT: &str = "Modern slavery statement for the financial year ending 31 January 2025.\n\n\
    During the year we audited our suppliers and trained our buyers, in our supply chains and our \
    own business. We train all buyers every year. We train all buyers every year.";

fn config() -> WebConfig {
    WebConfig {
        check_rate: s54::web::security::RateConfig {
            burst: 1000,
            per_minute: 1000,
        },
        ..WebConfig::default()
    }
}

/// A registry with a long sector name, a failing and a passing statement
/// (financial years ending 31 January) and an archived HTML page.
async fn pages_app() -> (axum::Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("pages.db").display());
    let store = s54::store::Store::open(&url).await.unwrap();
    let csv = format!(
        "name,website,org_type,sector,turnover_gbp,financial_year_end\n\
         Example Bakeries Group Holdings Limited,https://bakeries.example,company,{LONG_SECTOR},50000000,01-31\n\
         Short Statement Ltd,https://short.example,company,{LONG_SECTOR},60000000,01-31\n\
         Web Page Ltd,https://webpage.example,company,Retail,70000000,01-31\n"
    );
    s54::registry::import::import_bytes(&store, csv.as_bytes(), "test")
        .await
        .unwrap();
    let rules = Rulebook::embedded().unwrap();
    let html = format!(
        "<!DOCTYPE html><html><head><title>Statement</title><script>alert(1)</script></head><body>\
         <main><h1>Modern slavery statement</h1><p>{}</p>\
         <p>Read <a href=\"https://webpage.example/policy\">our supplier policy</a>.</p></main></body></html>",
        GOOD.replace("\n\n", "</p><p>")
    );
    let versions = [
        (
            1,
            "https://bakeries.example/msa",
            GOOD.to_string(),
            "text/plain",
        ),
        (
            2,
            "https://short.example/msa",
            SHORT.to_string(),
            "text/plain",
        ),
        (3, "https://webpage.example/msa", html, "text/html"),
    ];
    for (org, url, body, ctype) in versions {
        let name = if ctype == "text/html" {
            "s.html"
        } else {
            "s.txt"
        };
        let a = s54::check::check_bytes(
            body.as_bytes(),
            name,
            &Default::default(),
            &rules,
            &Default::default(),
        )
        .unwrap();
        let doc = s54::extract::extract(body.as_bytes(), name, &Default::default()).unwrap();
        store
            .record_version(&s54::store::NewVersion {
                organisation_id: org,
                url: url.into(),
                bytes: body.clone().into_bytes(),
                content_type: Some(ctype.into()),
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
    }
    let app = router(AppState::with_store(store, rules, config()));
    (app, dir)
}

async fn get(app: &axum::Router, path: &str) -> Resp {
    send_to(app.clone(), Request::get(path).body(Body::empty()).unwrap()).await
}

async fn post_form(app: &axum::Router, path: &str, pairs: &[(&str, &str)]) -> Resp {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    send_to(app.clone(), req).await
}

#[test]
fn status_colours_are_readable_for_everyone() {
    let css = s54::web::assets::CSS;
    for s in PALETTE {
        // Tag text: WCAG AA for text, 4.5:1.
        let tag = palette::contrast(s.tag_fg, s.tag_bg).unwrap();
        assert!(tag >= 4.5, "{} tag text {tag:.2}:1", s.status);
        // The stylesheet's tag is the palette's.
        let rule = css
            .lines()
            .find(|l| l.contains(&format!(".tag--{}", s.status)) && l.contains('{'))
            .unwrap_or_else(|| panic!("no .tag--{} rule", s.status));
        assert!(
            rule.contains(&format!("background: {}", s.tag_bg))
                && rule.contains(&format!("color: {}", s.tag_fg)),
            "{rule}"
        );
        // Chart fills have a dark outline: it stands out from the page.
        assert!(palette::contrast(palette::INK, "#ffffff").unwrap() >= 3.0);
    }
    // Any two fills differ in lightness as seen in greyscale and with
    // protanopia or deuteranopia, unless a pattern tells them apart.
    for (i, a) in PALETTE.iter().enumerate() {
        for b in &PALETTE[i + 1..] {
            for v in [Vision::Typical, Vision::Protanopia, Vision::Deuteranopia] {
                let la = palette::seen_luminance(a.fill, v).unwrap();
                let lb = palette::seen_luminance(b.fill, v).unwrap();
                let r = palette::ratio(la, lb);
                assert!(
                    r >= 1.5 || a.pattern != b.pattern,
                    "{} and {} too alike for {v:?}: {r:.2}:1",
                    a.status,
                    b.status
                );
            }
        }
    }
}

#[tokio::test]
async fn the_self_check_report_keeps_its_style_and_the_cli_report_matches_it() {
    let (app, _dir) = pages_app().await;
    let r = post_form(
        &app,
        "/check",
        &[
            ("text", SHORT),
            ("fy_end", "31/01/2025"),
            ("published", "30 September 2025"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("<style>"), "stylesheet inside the page");
    assert!(
        !r.body.contains("rel=\"stylesheet\""),
        "no linked stylesheet"
    );
    let csp = r.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(
        csp.contains("'sha256-") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    // The published date was used: 30 September 2025 is late for a year
    // ending 31 January 2025 (six months: 31 July).
    assert!(r.body.contains("GUID-deadline-6-months"));
    // The same sentence is quoted once per finding.
    assert!(r.body.matches("We train all buyers every year.").count() <= 2);
    // Rules that do not apply are folded away.
    assert!(
        r.body
            .contains("<details class=\"data\" id=\"not-applicable\">")
    );
    assert!(r.body.contains("id=\"score-explained\""));
    // The CLI's HTML report is the same report: same classes, same sections.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("short.txt");
    std::fs::write(&file, SHORT).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_s54"))
        .args(["check", file.to_str().unwrap(), "--format", "html"])
        .output()
        .unwrap();
    let cli = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "<style>",
        "class=\"panel panel--falls_short\"",
        "id=\"to-fix\"",
        "class=\"findings-list\"",
        "id=\"not-applicable\"",
        "Self-check report",
    ] {
        assert!(cli.contains(needle), "CLI report lacks {needle}");
        assert!(r.body.contains(needle), "web report lacks {needle}");
    }
}

#[tokio::test]
async fn the_form_reads_uk_dates_and_names_the_field_at_fault() {
    let (app, _dir) = pages_app().await;
    let form = get(&app, "/check").await;
    assert!(form.body.contains("name=\"published\""));
    assert!(
        !form.body.contains("type=\"date\""),
        "no locale-dependent date input"
    );
    let bad = post_form(
        &app,
        "/check",
        &[("text", GOOD), ("published", "09/31/2025")],
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("id=\"published-error\""), "{}", bad.body);
    let api = send_to(
        app.clone(),
        Request::post("/api/check")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(r#"{"text": "   "}"#))
            .unwrap(),
    )
    .await;
    assert_eq!(api.status, StatusCode::BAD_REQUEST);
    let v: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(v["error"]["fields"][0]["field"], "text", "{v}");
    assert!(!api.body.contains("\"file\""), "{v}");
}

#[tokio::test]
async fn registry_pages_speak_plainly() {
    let (app, _dir) = pages_app().await;
    let org = get(&app, "/organisations/2").await;
    assert_eq!(org.status, StatusCode::OK);
    assert!(org.body.contains("31 January"), "year end as a date");
    assert!(!org.body.contains(">01-31<"));
    assert!(
        org.body
            .contains("Signed by a director (or equivalent): not met"),
        "reasons in words: {}",
        org.body
    );
    assert!(org.body.contains("id=\"score-note\""));
    let dash = get(&app, "/").await;
    // Full names, in HTML text, wherever there is room.
    assert!(
        dash.body
            .contains("class=\"bars__label\" href=\"/organisations?year="),
        "labels are links in HTML"
    );
    assert!(
        dash.body.contains(&format!(">{LONG_SECTOR}</a>")),
        "label not cut"
    );
    for s in [
        "fill-compliant",
        "fill-noncompliant",
        "fill-review",
        "fill-missing",
    ] {
        assert!(dash.body.contains(&format!("id=\"{s}\"")), "pattern {s}");
    }
    // An archived web page reads as text with its links; the original
    // stays available as plain text in a sandbox.
    let sha = {
        let a = get(&app, "/statements/3").await;
        let i = a.body.find("/documents/").expect("archive link") + "/documents/".len();
        a.body[i..i + 64].to_string()
    };
    let page = get(&app, &format!("/documents/{sha}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.body.contains("<a href=\"https://webpage.example/policy\" rel=\"nofollow noopener noreferrer\">our supplier policy</a>"));
    assert!(page.body.contains("approved by the Board of Directors"));
    assert!(!page.body.contains("<script>alert"));
    let raw = get(&app, &format!("/documents/{sha}?raw=1")).await;
    assert!(
        raw.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert!(
        raw.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .starts_with("sandbox")
    );
}

/// What a page measures in the browser.
const MEASURE: &str = r#"
const px = e => parseFloat(getComputedStyle(e).fontSize);
const p = document.body;
const labels = [...document.querySelectorAll('.bars__label')].map(e => ({
  text: e.textContent, px: px(e), cut: e.scrollWidth > e.clientWidth + 1
}));
const wide = [...document.querySelectorAll('body *')]
  .filter(e => !e.closest('.table-wrap') && e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id);
return {
  wide,
  overflow: document.documentElement.scrollWidth - window.innerWidth,
  inner: window.innerWidth,
  dpr: window.devicePixelRatio,
  body: px(p),
  h1: document.querySelector('h1') ? px(document.querySelector('h1')) : 0,
  sheets: [...document.styleSheets].map(s => s.ownerNode.tagName),
  labels
};
"#;

/// PNG width from its IHDR chunk.
fn png_width(png: &[u8]) -> u32 {
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    u32::from_be_bytes([png[16], png[17], png[18], png[19]])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_fit_desktop_and_mobile_screens() {
    let Some(b) = browser::start().await else {
        return;
    };
    let (app, _dir) = pages_app().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(s54::web::serve(listener, app));
    let c = &b.client;
    let shots = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    for (width, height, size) in [(1280u32, 900u32, "desktop"), (390, 844, "mobile")] {
        c.set_window_size(width, height).await.unwrap();
        for (slug, path) in [
            ("dashboard", "/"),
            ("registry", "/organisations"),
            ("organisation", "/organisations/2"),
            ("check-form", "/check"),
        ] {
            c.goto(&format!("http://{addr}{path}")).await.unwrap();
            b.text("h1").await;
            let m = c.execute(MEASURE, vec![]).await.unwrap();
            assert!(
                m["overflow"].as_f64().unwrap() <= 0.0,
                "{size} {path} scrolls sideways: {m}"
            );
            let body = m["body"].as_f64().unwrap();
            for l in m["labels"].as_array().unwrap() {
                assert!(
                    l["px"].as_f64().unwrap() >= body,
                    "{size} {path}: label smaller than text: {l}"
                );
                assert!(
                    !l["cut"].as_bool().unwrap(),
                    "{size} {path}: label cut off: {l}"
                );
            }
            if slug == "dashboard" {
                assert!(
                    m["labels"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|l| l["text"] == LONG_SECTOR),
                    "{m}"
                );
            }
            b.screenshot(&format!("{size}-{slug}")).await;
            let png = std::fs::read(shots.join(format!("{size}-{slug}.png"))).unwrap();
            let inner = m["inner"].as_f64().unwrap() * m["dpr"].as_f64().unwrap();
            assert_eq!(
                f64::from(png_width(&png)),
                inner.round(),
                "{size} {slug} screenshot"
            );
        }
        // The self-check report: its own stylesheet applies under the CSP.
        c.goto(&format!("http://{addr}/check")).await.unwrap();
        b.fill("text", GOOD).await;
        b.fill("published", "30/06/2025").await;
        b.click("check-submit").await;
        b.text("#verdict").await;
        let m = c.execute(MEASURE, vec![]).await.unwrap();
        assert_eq!(m["sheets"], serde_json::json!(["STYLE"]), "{m}");
        let h1 = m["h1"].as_f64().unwrap();
        assert!(h1 >= 28.0, "the stylesheet applied (h1 {h1}px)");
        assert!(
            m["overflow"].as_f64().unwrap() <= 0.0,
            "{size} report scrolls sideways: {m}"
        );
        b.screenshot(&format!("{size}-check-report")).await;
    }
    b.close().await;
    server.abort();
}
