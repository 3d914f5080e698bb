//! Registry years from a statement's own dates (issue 22), end to end: real
//! sites on loopback crawled into SQLite and PostgreSQL, then the export, the
//! organisation page and the statement page.

use crate::crawl::{Route, TestSite, backends, crawl_once, home, test_config, versions};
use axum::body::Body;
use axum::http::Request;
use s54::domain::OrgType;
use s54::registry::export::{Format, write_export};
use s54::store::{ExportFilter, NewOrganisation, Store};

/// An invented statement that names no financial year: only its approval.
fn undated_statement(org: &str, approved: &str) -> String {
    let para = format!(
        "<p>{org} buys goods and services from suppliers in several countries. We reviewed our \
         suppliers against country and sector risk, trained our buyers to recognise the signs of \
         forced labour, and kept our whistleblowing line open to workers and suppliers alike.</p>"
    );
    format!(
        "<!DOCTYPE html><html><head><title>Modern Slavery Statement | {org}</title></head><body>\
         <main><h1>Modern Slavery Statement</h1>\
         <p>This statement is made under section 54 of the Modern Slavery Act 2015 for {org}.</p>\
         {para}{para}{para}{para}<p>{approved}</p></main></body></html>"
    )
}

pub async fn add(store: &Store, name: &str, website: &str) -> i64 {
    store
        .upsert_organisation(&NewOrganisation {
            name: name.into(),
            website: Some(website.into()),
            org_type: Some(OrgType::Company),
            turnover_gbp: Some(50_000_000),
            financial_year_end: Some("03-31".into()),
            source: "test".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .id()
}

pub async fn rows(store: &Store, org: i64) -> Vec<serde_json::Value> {
    let filter = ExportFilter {
        organisation_id: Some(org),
        ..Default::default()
    };
    let mut out = Vec::new();
    let today = chrono::Utc::now().date_naive();
    write_export(store, &filter, Format::Ndjson, today, &mut out)
        .await
        .unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

pub async fn page(store: &Store, path: &str) -> String {
    let rules = s54::rules::Rulebook::embedded().unwrap();
    let app = s54::web::router(s54::web::AppState::with_store(
        store.clone(),
        rules,
        crate::web::config(),
    ));
    let r = crate::web::send_to(app, Request::get(path).body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    r.body
}

#[tokio::test(flavor = "multi_thread")]
async fn years_come_from_the_statements_own_dates() {
    let stale = TestSite::start(vec![
        ("/", home("<a href='/msa'>Modern Slavery Statement</a>")),
        (
            "/msa",
            Route::Html(undated_statement(
                "Stale Ltd",
                "This statement was approved by the board of directors on 15 January 2019 and signed by \
                 Jane Smith, Director, on 15 January 2019.",
            )),
        ),
    ])
    .await;
    let served = TestSite::start(vec![
        ("/", home("<a href='/msa'>Modern Slavery Statement</a>")),
        (
            "/msa",
            Route::LastModified(
                "Wed, 01 Jun 2022 10:00:00 GMT".into(),
                Box::new(Route::Html(undated_statement(
                    "Served plc",
                    "This statement was approved by the board of directors.",
                ))),
            ),
        ),
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    for backend in backends(&dir, "years").await {
        let db = backend.url.clone();
        let store = Store::open(&db).await.unwrap();
        let o_stale = add(&store, "Stale Ltd", &stale.url("/")).await;
        let o_served = add(&store, "Served plc", &served.url("/")).await;
        store.close().await;
        crawl_once(&db, test_config(2, 5)).await;

        // Approved January 2019: the year ending 31 March 2018, not this year.
        let v = versions(&db, o_stale).await;
        assert_eq!(v.len(), 1, "{db}");
        assert_eq!(v[0].year_basis, "approval_date", "{db}");
        assert_eq!(v[0].registry_year, Some(2018), "{db}");
        // Approved after 30 September 2018, its due date: late, from its own date.
        assert_eq!(v[0].late, Some(true), "{db}");
        // The server's date places the other one.
        let w = versions(&db, o_served).await;
        assert_eq!(w[0].year_basis, "published", "{db}");
        assert_eq!(w[0].published_source.as_deref(), Some("server"));
        assert_eq!(w[0].registry_year, Some(2022), "{db}");
        assert_eq!(w[0].late, Some(false), "{db}");

        let store = Store::open(&db).await.unwrap();
        let r = rows(&store, o_stale).await;
        let y2018 = r.iter().find(|r| r["year"] == 2018).unwrap();
        assert_eq!(y2018["year_basis"], "approval_date", "{db}: {y2018}");
        assert!(y2018["copied_from"].is_null());
        // Every later year is missing: the statement online is 2018's.
        let later: Vec<_> = r
            .iter()
            .filter(|r| r["year"].as_i64() > Some(2018))
            .collect();
        assert!(later.len() >= 7, "{db}: {r:?}");
        assert!(
            later.iter().all(|r| r["status"] == "missing"),
            "{db}: {r:?}"
        );
        assert!(later.iter().all(|r| r["year_basis"].is_null()));
        let org_page = page(&store, &format!("/organisations/{o_stale}")).await;
        assert!(
            org_page.contains("the statement found covers the year ending 31 March 2018"),
            "{org_page}"
        );
        assert!(org_page.contains("from approval date"), "{org_page}");
        let st_page = page(&store, &format!("/statements/{}", v[0].id)).await;
        assert!(
            st_page.contains("last before the date it was approved"),
            "{st_page}"
        );
        let st_page = page(&store, &format!("/statements/{}", w[0].id)).await;
        assert!(
            st_page.contains("1 June 2022 (the server&#39;s Last-Modified date)"),
            "{st_page}"
        );
        store.close().await;
    }
}

/// A stored version of `text`, first seen at `seen`, scored as the crawler would.
pub fn scored(
    org: i64,
    url: &str,
    text: &str,
    seen: chrono::DateTime<chrono::Utc>,
) -> s54::store::NewVersion {
    let doc = s54::extract::extract(
        text.as_bytes(),
        "statement.txt",
        &s54::extract::Limits::default(),
    )
    .unwrap();
    let rules = s54::rules::Rulebook::embedded().unwrap();
    let opts = s54::score::CheckOptions {
        today: Some(seen.date_naive()),
        ..Default::default()
    };
    let a = s54::score::assess(&doc, &opts, &rules);
    s54::store::NewVersion {
        organisation_id: org,
        url: url.into(),
        bytes: text.as_bytes().to_vec(),
        content_type: Some("text/plain".into()),
        seen_at: seen,
        text: doc.text.clone(),
        blocks: doc.blocks.clone(),
        assessment: Some(a),
        homepage: s54::store::HomepageLink {
            linked: Some(true),
            found_via: Some("homepage".into()),
            ..Default::default()
        },
        fetch_id: None,
        published: None,
    }
}

fn yearly_text(year: i32, extra: &str) -> String {
    format!(
        "Modern Slavery Statement\n\nThis statement is made under section 54 of the Modern Slavery Act 2015 \
         by Copy Ltd for the financial year ending 31 March {year}. We buy goods and services from \
         suppliers in several countries. We reviewed our suppliers against country and sector risk, \
         trained our buyers to recognise the signs of forced labour, and kept our whistleblowing line \
         open. {extra}\n\nThis statement was approved by the board of directors on 1 June {year} and \
         signed by Jane Smith, Director."
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn repeated_statements_are_copied_and_unknown_timing_stays_unknown() {
    use chrono::TimeZone;
    let dir = tempfile::tempdir().unwrap();
    for backend in backends(&dir, "copied").await {
        let db = backend.url.clone();
        let store = Store::open(&db).await.unwrap();
        let org = add(&store, "Copy Ltd", "https://copy.example").await;
        let t = |y, m, d| chrono::Utc.with_ymd_and_hms(y, m, d, 9, 0, 0).unwrap();
        for (year, extra) in [
            (2022, ""),
            (2023, ""),
            (2024, "We also audited two suppliers."),
        ] {
            let url = format!("https://copy.example/msa-{year}");
            store
                .record_version(&scored(org, &url, &yearly_text(year, extra), t(year, 7, 1)))
                .await
                .unwrap();
        }
        // Found long after its due date, with no date of its own: lateness unknown.
        let late_text = "Modern Slavery Statement\n\nThis statement is made under section 54 of the Modern \
             Slavery Act 2015 by Copy Ltd for the financial year ending 31 March 2020. We buy goods \
             and services from suppliers in several countries and reviewed them against risk.";
        store
            .record_version(&scored(
                org,
                "https://copy.example/old",
                late_text,
                t(2026, 5, 1),
            ))
            .await
            .unwrap();
        let mut v = store.versions_of(org).await.unwrap();
        v.sort_by_key(|v| v.registry_year);
        let by_year = |y| v.iter().find(|v| v.registry_year == Some(y)).unwrap();
        assert_eq!(by_year(2022).copied_from, None, "{db}");
        assert_eq!(
            by_year(2023).copied_from,
            Some(2022),
            "{db}: same words, new dates"
        );
        assert_eq!(by_year(2024).copied_from, None, "{db}: new text");
        let old = by_year(2020);
        assert_eq!(
            old.late, None,
            "{db}: first seen after the due date is not late"
        );
        let full = store.version(old.id).await.unwrap().unwrap();
        let deadline = full
            .assessment
            .unwrap()
            .findings
            .into_iter()
            .find(|f| f.rule == "GUID-deadline-6-months")
            .unwrap();
        assert_eq!(
            deadline.status,
            s54::domain::FindingStatus::CannotVerify,
            "{db}: the statement page says unknown too"
        );
        let r = rows(&store, org).await;
        let y2023 = r.iter().find(|r| r["year"] == 2023).unwrap();
        assert_eq!(y2023["copied_from"], 2022, "{db}: {y2023}");
        assert_eq!(y2023["year_basis"], "statement");
        let y2020 = r.iter().find(|r| r["year"] == 2020).unwrap();
        assert!(y2020["late"].is_null(), "{db}: {y2020}");
        let org_page = page(&store, &format!("/organisations/{org}")).await;
        assert!(org_page.contains("Copied from 2022"), "{org_page}");
        assert!(org_page.contains("<td>Unknown</td>"), "{org_page}");
        let st = page(&store, &format!("/statements/{}", by_year(2023).id)).await;
        assert!(st.contains("Copied from 2022"), "{st}");
        store.close().await;
    }
}
