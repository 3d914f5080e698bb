//! Companies House, as users will use it: the free company data product in
//! `s54 import`, and officers from a Companies House API server on loopback
//! (pagination, 401, 404, 429 with Retry-After, junk) checked against the
//! statements' signatories, on SQLite and PostgreSQL.

use crate::crawl::backends;
use crate::registry_years::{add, page, rows, scored};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use s54::registry::officers::{FetchOptions, OfficersError, RateLimit, fetch_all, import_jsonl};
use s54::store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A slice of the real product's header: names after the first have a
/// leading space where Companies House writes one.
const HEADER: &str = "CompanyName, CompanyNumber,RegAddress.CareOf,RegAddress.POBox,RegAddress.AddressLine1, RegAddress.AddressLine2,RegAddress.PostTown,RegAddress.County,RegAddress.Country,RegAddress.PostCode,CompanyCategory,CompanyStatus,CountryOfOrigin,DissolutionDate,IncorporationDate,Accounts.AccountRefDay,Accounts.AccountRefMonth,Accounts.NextDueDate,Accounts.LastMadeUpDate,Accounts.AccountCategory,SICCode.SicText_1,SICCode.SicText_2,SICCode.SicText_3,SICCode.SicText_4,URI";

fn ch_row(
    name: &str,
    number: &str,
    category: &str,
    status: &str,
    dissolved: &str,
    day: &str,
    month: &str,
    sic: &str,
) -> String {
    format!(
        "\"{name}\",\"{number}\",,,\"1 HIGH STREET\",,\"LONDON\",,\"UNITED KINGDOM\",\"EC1A 1AA\",\"{category}\",\"{status}\",\"United Kingdom\",\"{dissolved}\",\"01/01/2000\",\"{day}\",\"{month}\",,,\"FULL\",\"{sic}\",,,,\"http://business.data.gov.uk/id/company/{number}\""
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn company_data_sets_legal_form_year_end_status_and_sector() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("BasicCompanyDataAsOneFile-2026-12-01.csv");
    let lines = [
        HEADER.to_string(),
        ch_row(
            "NOT IN THE REGISTRY LTD",
            "99999999",
            "Private Limited Company",
            "Active",
            "",
            "31",
            "3",
            "10110 - Processing and preserving of meat",
        ),
        ch_row(
            "ACME FOODS LIMITED",
            "01234567",
            "Private Limited Company",
            "Active",
            "",
            "31",
            "12",
            "10890 - Manufacture of other food products n.e.c.",
        ),
        ch_row(
            "NORTH PARTNERS LLP",
            "OC300001",
            "Limited Liability Partnership",
            "Active",
            "",
            "30",
            "4",
            "69201 - Accounting and auditing activities",
        ),
        ch_row(
            "GONE LIMITED",
            "00000042",
            "Public Limited Company",
            "Dissolved",
            "15/02/2025",
            "31",
            "3",
            "",
        ),
        ch_row(
            "BAD DATE LIMITED",
            "00000043",
            "Private Limited Company",
            "Active",
            "",
            "31",
            "13",
            "",
        ),
    ];
    std::fs::write(&file, lines.join("\r\n") + "\r\n").unwrap();
    for backend in backends(&dir, "chdata").await {
        let db = backend.url.clone();
        let store = Store::open(&db).await.unwrap();
        let native = "name,website,org_type,sector,turnover_gbp,company_number,financial_year_end\n\
                      Acme Foods,acme.example,,,50000000,1234567,\n\
                      North Partners,north.example,company,Professional services,40000000,OC300001,03-31\n\
                      Gone plc,gone.example,,,90000000,00000042,03-31\n\
                      Bad Date Ltd,bad.example,,,90000000,00000043,\n";
        s54::registry::import::import_bytes(&store, native.as_bytes(), "orgs.csv")
            .await
            .unwrap();
        let r = s54::registry::import::import_file(&store, &file)
            .await
            .unwrap();
        assert_eq!(r.kind, s54::registry::import::CsvKind::CompanyData, "{db}");
        assert_eq!((r.updated, r.rejected), (3, 1), "{db}: {r:?}");
        assert_eq!(r.problems[0].line, 6, "{db}: {:?}", r.problems);
        assert!(
            r.problems[0].message.contains("month '13'"),
            "{:?}",
            r.problems
        );
        let again = s54::registry::import::import_file(&store, &file)
            .await
            .unwrap();
        assert_eq!((again.updated, again.unchanged), (0, 3), "{db}: idempotent");

        let acme = store
            .find_organisation("Acme Foods", Some("01234567"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(acme.org_type, Some(s54::domain::OrgType::Company));
        assert_eq!(acme.financial_year_end.as_deref(), Some("12-31"));
        assert_eq!(
            acme.sector.as_deref(),
            Some("Manufacture of other food products n.e.c.")
        );
        let llp = store
            .find_organisation("North Partners", Some("OC300001"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            llp.org_type,
            Some(s54::domain::OrgType::Llp),
            "{db}: the register's legal form"
        );
        assert_eq!(llp.financial_year_end.as_deref(), Some("04-30"));
        assert_eq!(
            llp.sector.as_deref(),
            Some("Professional services"),
            "{db}: a set sector stays"
        );
        let gone = store
            .find_organisation("Gone plc", Some("00000042"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(gone.company_status.as_deref(), Some("Dissolved"));
        // The registry's data starts in 2024 (Acme's statement).
        let t = chrono::DateTime::parse_from_rfc3339("2024-07-01T09:00:00Z")
            .unwrap()
            .to_utc();
        let url = "https://acme.example/msa";
        store
            .record_version(&scored(acme.id, url, &signed("Acme Foods", "Jane Doe"), t))
            .await
            .unwrap();
        // Dissolved 15 February 2025: the 2024 statement (due 30 September
        // 2024) was owed (not looked for yet: unchecked), later ones not.
        let years = rows(&store, gone.id).await;
        let status = |y: i64| {
            years
                .iter()
                .find(|r| r["year"] == y)
                .map(|r| r["status"].clone())
        };
        assert_eq!(status(2024), Some("unchecked".into()), "{db}: {years:?}");
        assert_eq!(status(2025), Some("out_of_scope".into()), "{db}: {years:?}");
        assert_eq!(status(2026), Some("out_of_scope".into()));
        let list = store
            .list_organisations(
                &s54::store::OrgFilter {
                    year: Some(2025),
                    status: Some(s54::registry::YearStatus::OutOfScope),
                    ..Default::default()
                },
                chrono::Utc::now().date_naive(),
            )
            .await
            .unwrap();
        assert!(
            list.items.iter().any(|o| o.id == gone.id),
            "{db}: lists agree with the export"
        );
        store.close().await;
    }
}

/// A Companies House API on loopback: officer lists by company number,
/// `per_page` items a page whatever is asked, basic auth with key `k`.
#[derive(Default)]
struct Api {
    lists: HashMap<String, serde_json::Value>,
    /// Requests to answer 429 first, by company number.
    limited: Mutex<HashMap<String, usize>>,
    junk: Vec<String>,
    requests: Mutex<Vec<String>>,
}

async fn officers_route(
    State(api): State<Arc<Api>>,
    Path(number): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    api.requests.lock().unwrap().push(number.clone());
    // "k:" in base64.
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Basic azo=") {
        return (
            StatusCode::UNAUTHORIZED,
            "{\"error\":\"Invalid Authorization\"}",
        )
            .into_response();
    }
    if let Some(n) = api.limited.lock().unwrap().get_mut(&number)
        && *n > 0
    {
        *n -= 1;
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "1")],
            "slow down",
        )
            .into_response();
    }
    if api.junk.contains(&number) {
        return (StatusCode::OK, "<html>maintenance</html>").into_response();
    }
    let Some(list) = api.lists.get(&number) else {
        return (
            StatusCode::NOT_FOUND,
            "{\"errors\":[{\"error\":\"company-profile-not-found\"}]}",
        )
            .into_response();
    };
    let start: usize = q
        .get("start_index")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let items = list["items"].as_array().unwrap();
    let per_page = 2;
    let page: Vec<_> = items.iter().skip(start).take(per_page).cloned().collect();
    axum::Json(serde_json::json!({
        "items": page, "start_index": start, "items_per_page": per_page,
        "total_results": items.len(), "active_count": items.len(), "resigned_count": 0,
        "kind": "officer-list", "etag": "x", "links": {"self": format!("/company/{number}/officers")}
    }))
    .into_response()
}

fn officer(name: &str, role: &str, appointed: &str, resigned: Option<&str>) -> serde_json::Value {
    let mut o = serde_json::json!({"name": name, "officer_role": role, "appointed_on": appointed});
    if let Some(r) = resigned {
        o["resigned_on"] = r.into();
    }
    o
}

async fn start_api(api: Arc<Api>) -> String {
    let app = axum::Router::new()
        .route(
            "/company/{number}/officers",
            axum::routing::get(officers_route),
        )
        .with_state(api);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

fn signed(org: &str, who: &str) -> String {
    format!(
        "Modern Slavery Statement\n\nThis statement is made under section 54 of the Modern Slavery Act 2015 \
         by {org} for the financial year ending 31 March 2024. We buy goods and services from suppliers in \
         several countries. We reviewed our suppliers against country and sector risk, trained our buyers to \
         recognise the signs of forced labour, and kept our whistleblowing line open.\n\nThis statement was \
         approved by the board of directors on 1 June 2024.\n\nSigned: {who}, Chief Executive Officer, 1 June 2024"
    )
}

fn signature_finding(a: &s54::domain::Assessment) -> s54::domain::Finding {
    a.findings
        .iter()
        .find(|f| f.rule == "MSA-54-6a-director-signature")
        .cloned()
        .unwrap()
}

async fn set_company(store: &Store, org: i64, number: &str) {
    let o = store.organisation(org).await.unwrap().unwrap();
    store
        .upsert_organisation(&s54::store::NewOrganisation {
            name: o.name,
            website: o.website,
            org_type: Some(s54::domain::OrgType::Company),
            turnover_gbp: Some(50_000_000),
            financial_year_end: Some("03-31".into()),
            company_number: Some(number.into()),
            source: "test".into(),
            ..Default::default()
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn officers_from_the_register_decide_the_signature() {
    let mut api = Api::default();
    api.lists.insert(
        "01234567".into(),
        serde_json::json!({"items": [
            officer("SMITH, Jane", "secretary", "2010-01-01", None),
            officer("WYLLIE, Andrew James", "director", "2015-03-01", None),
            officer("BROWN, Peter", "director", "2012-01-01", Some("2019-12-31")),
        ]}),
    );
    api.lists.insert(
        "07654321".into(),
        serde_json::json!({"items": [officer("JONES, Mary", "director", "2010-01-01", Some("2023-06-30"))]}),
    );
    api.junk.push("05555555".into());
    let api = Arc::new(api);
    let base = start_api(api.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let rules = s54::rules::Rulebook::embedded().unwrap();
    let t = chrono::DateTime::parse_from_rfc3339("2024-07-01T09:00:00Z")
        .unwrap()
        .to_utc();
    for backend in backends(&dir, "officers").await {
        let db = backend.url.clone();
        api.limited.lock().unwrap().insert("01234567".into(), 1);
        let store = Store::open(&db).await.unwrap();
        let confirmed = add(&store, "Confirmed plc", "https://confirmed.example").await;
        let resigned = add(&store, "Resigned Ltd", "https://resigned.example").await;
        let unknown = add(&store, "Unknown Ltd", "https://unknown.example").await;
        let junk = add(&store, "Junk Ltd", "https://junk.example").await;
        for (org, n) in [
            (confirmed, "01234567"),
            (resigned, "07654321"),
            (unknown, "00000404"),
            (junk, "05555555"),
        ] {
            set_company(&store, org, n).await;
        }
        let who = [
            (confirmed, "Andrew Wyllie CBE"),
            (resigned, "Mary Jones"),
            (unknown, "Sam Lee"),
            (junk, "Ann Other"),
        ];
        for (org, name) in who {
            let url = format!("https://org{org}.example/msa");
            store
                .record_version(&scored(org, &url, &signed("the company", name), t))
                .await
                .unwrap();
        }
        let sig = |org: i64| {
            let store = store.clone();
            async move {
                let v = store.versions_of(org).await.unwrap();
                let full = store.version(v[0].id).await.unwrap().unwrap();
                (signature_finding(&full.assessment.unwrap()), v[0].status)
            }
        };
        // Today: a chief executive who may not be a director is for review.
        assert_eq!(
            sig(confirmed).await.0.status,
            s54::domain::FindingStatus::Review,
            "{db}"
        );

        // A refused key stops the run with a clear error, storing nothing.
        let bad = FetchOptions {
            base_url: base.clone(),
            api_key: "wrong".into(),
            limit: RateLimit::new(600, Duration::from_secs(300)),
        };
        assert!(matches!(
            fetch_all(&store, &rules, bad).await,
            Err(OfficersError::Unauthorised)
        ));
        assert_eq!(store.companies_without_officers().await.unwrap().len(), 4);

        let opts = || FetchOptions {
            base_url: base.clone(),
            api_key: "k".into(),
            limit: RateLimit::new(600, Duration::from_secs(300)),
        };
        let started = std::time::Instant::now();
        let r = fetch_all(&store, &rules, opts()).await.unwrap();
        assert!(
            started.elapsed() >= Duration::from_millis(900),
            "Retry-After honoured"
        );
        assert_eq!((r.loaded, r.not_found), (2, 1), "{db}: {r:?}");
        assert_eq!(r.problems.len(), 1, "{db}: the junk answer: {r:?}");
        assert_eq!(
            store.officers_of("01234567").await.unwrap().len(),
            3,
            "{db}: every page"
        );

        let (f, status) = sig(confirmed).await;
        assert_eq!(f.status, s54::domain::FindingStatus::Pass, "{db}: {f:?}");
        assert!(
            f.message
                .contains("WYLLIE, Andrew James, director, appointed 2015-03-01"),
            "{}",
            f.message
        );
        assert_ne!(status, Some(s54::registry::YearStatus::Noncompliant));
        let (f, status) = sig(resigned).await;
        assert_eq!(
            f.status,
            s54::domain::FindingStatus::Fail,
            "{db}: resigned before signing"
        );
        assert_eq!(status, Some(s54::registry::YearStatus::Noncompliant));
        assert_eq!(
            sig(unknown).await.0.status,
            s54::domain::FindingStatus::Review,
            "{db}: no register data"
        );
        let st = page(
            &store,
            &format!(
                "/statements/{}",
                store.versions_of(confirmed).await.unwrap()[0].id
            ),
        )
        .await;
        assert!(st.contains("Companies House register"), "{st}");

        // Resumable: the next run asks only for what is still missing.
        let before = api.requests.lock().unwrap().len();
        let r2 = fetch_all(&store, &rules, opts()).await.unwrap();
        assert_eq!((r2.loaded, r2.problems.len()), (0, 1), "{r2:?}");
        assert_eq!(
            api.requests.lock().unwrap()[before..],
            ["05555555".to_string()]
        );

        // Saved responses load the same way, idempotently.
        let jsonl = dir.path().join(format!("officers-{}.jsonl", db.len()));
        let page0 = serde_json::json!({"items": [officer("LEE, Sam", "director", "2020-01-01", None)],
            "start_index": 0, "items_per_page": 35, "total_results": 1, "links": {"self": "/company/00000404/officers"}});
        std::fs::write(&jsonl, format!("{page0}\nnot json\n")).unwrap();
        let imp = import_jsonl(&store, &rules, &jsonl).await.unwrap();
        assert_eq!(
            (imp.loaded, imp.changed, imp.problems.len()),
            (1, 1, 1),
            "{imp:?}"
        );
        assert_eq!(imp.problems[0].0, "line 2");
        assert_eq!(
            sig(unknown).await.0.status,
            s54::domain::FindingStatus::Pass,
            "{db}: re-scored"
        );
        let again = import_jsonl(&store, &rules, &jsonl).await.unwrap();
        assert_eq!((again.loaded, again.changed, again.rescored), (1, 0, 0));
        store.close().await;
    }
}

#[test]
fn check_takes_one_officer_list() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("statement.txt");
    std::fs::write(&text, signed("Acme Foods Limited", "Andrew Wyllie CBE")).unwrap();
    let list = dir.path().join("officers.json");
    let body = serde_json::json!({"items": [officer("WYLLIE, Andrew", "director", "2015-03-01", None)],
        "start_index": 0, "items_per_page": 35, "total_results": 1, "links": {"self": "/company/01234567/officers"}});
    std::fs::write(&list, body.to_string()).unwrap();
    let run = |extra: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_s54"))
            .args([
                "check",
                text.to_str().unwrap(),
                "--format",
                "json",
                "--entity",
                "company",
            ])
            .args(extra)
            .output()
            .unwrap();
        let a: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        let f = a["findings"]
            .as_array()
            .and_then(|fs| {
                fs.iter()
                    .find(|f| f["rule"] == "MSA-54-6a-director-signature")
                    .cloned()
            })
            .unwrap_or_default();
        (
            f["status"].as_str().unwrap_or("").to_string(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(run(&[]).0, "review");
    let (status, _) = run(&["--officers", list.to_str().unwrap()]);
    assert_eq!(status, "pass");
    std::fs::write(&list, "<html>").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_s54"))
        .args([
            "check",
            text.to_str().unwrap(),
            "--officers",
            list.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--officers"));
}
