//! The registry store: one story run against SQLite (always) and PostgreSQL
//! (when `S54_TEST_PG_URL` is set; required when `CI` is set). Each run gets
//! a fresh database: a temp file, or a uniquely named PostgreSQL database
//! dropped afterwards (see `pg`).

use chrono::{NaiveDate, SubsecRound, TimeDelta, TimeZone, Utc};
use s54::domain::*;
use s54::registry::YearStatus;
use s54::store::*;
use std::time::Duration;

/// A fresh database for one test; dropped (PostgreSQL) or deleted (SQLite)
/// with it, even when the test fails.
pub struct TestDb {
    pub url: String,
    _pg: Option<crate::pg::PgDb>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("s54.db").display());
        TestDb {
            url,
            _pg: None,
            _dir: Some(dir),
        }
    }

    /// A new PostgreSQL database, or `None` when no server is configured.
    pub async fn postgres() -> Option<TestDb> {
        let pg = crate::pg::PgDb::create().await?;
        Some(TestDb {
            url: pg.url.clone(),
            _pg: Some(pg),
            _dir: None,
        })
    }
}

/// Runs `story` on SQLite and, when configured, on PostgreSQL.
pub async fn on_both<F, Fut>(story: F)
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let db = TestDb::sqlite();
    story(db.url.clone()).await;
    drop(db);
    if let Some(db) = TestDb::postgres().await {
        story(db.url.clone()).await;
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn finding(rule: &str, status: FindingStatus) -> Finding {
    Finding {
        rule: rule.into(),
        status,
        force: Force::Statute,
        message: String::new(),
        evidence: vec![],
        fix: None,
    }
}

/// A hand-made assessment: what the checker would say about a statement.
fn assessment(fy_end: Option<NaiveDate>, board_ok: bool, areas: &[Area]) -> Assessment {
    let findings = vec![
        finding(
            "MSA-54-6a-board-approval",
            if board_ok {
                FindingStatus::Pass
            } else {
                FindingStatus::Fail
            },
        ),
        finding("MSA-54-6a-director-signature", FindingStatus::Pass),
    ];
    let mut a = Assessment {
        schema: CHECK_SCHEMA.into(),
        source: SourceInfo {
            kind: SourceKind::Text,
            name: "statement.txt".into(),
            bytes: 10,
            sha256: String::new(),
        },
        text_chars: 10,
        entity_type: EntityType::Company,
        financial_year: FinancialYear {
            start: fy_end.and_then(|e| e.checked_sub_days(chrono::Days::new(364))),
            end: fy_end,
            evidence: vec![],
        },
        approval: Approval {
            present: board_ok,
            body: Some("the Board".into()),
            date: fy_end.map(|e| e + TimeDelta::days(60)),
            evidence: vec![],
        },
        signature: Signature {
            present: true,
            name: Some("Jane Example".into()),
            role: Some("Director".into()),
            date: None,
            evidence: vec![],
        },
        areas: Areas::default(),
        group: Group::default(),
        no_steps_declared: false,
        verdict: Verdict::from_findings(&findings),
        verdict_basis: Default::default(),
        findings,
        score: 40 + 10 * areas.len() as u8,
        readiness: 0,
        profile: "current".into(),
        notes: vec![],
        ocr: None,
    };
    for area in areas {
        a.areas.get_mut(*area).present = true;
    }
    a
}

fn company(name: &str, number: &str, turnover: i64) -> NewOrganisation {
    NewOrganisation {
        name: name.into(),
        website: Some(format!("https://{}.example", number.to_lowercase())),
        org_type: Some(OrgType::Company),
        sector: Some("Retail".into()),
        turnover_gbp: Some(turnover),
        company_number: Some(number.into()),
        financial_year_end: Some("03-31".into()),
        source: "test".into(),
        ..Default::default()
    }
}

fn version(
    org: i64,
    url: &str,
    body: &str,
    seen: chrono::DateTime<Utc>,
    a: Option<Assessment>,
    linked: Option<bool>,
) -> NewVersion {
    NewVersion {
        organisation_id: org,
        url: url.into(),
        bytes: body.as_bytes().to_vec(),
        content_type: Some("text/plain".into()),
        seen_at: seen,
        text: body.into(),
        blocks: vec![],
        assessment: a,
        homepage: HomepageLink {
            linked,
            found_via: Some(
                if linked == Some(false) {
                    "sitemap"
                } else {
                    "homepage"
                }
                .into(),
            ),
            homepage_url: Some("https://example.test/".into()),
            anchor_text: linked
                .filter(|l| *l)
                .map(|_| "Modern slavery statement".into()),
            href: Some(url.into()),
            region: Some("footer".into()),
            via_page: None,
        },
        fetch_id: None,
        published: None,
    }
}

async fn collect_rows(store: &Store, filter: &ExportFilter, today: NaiveDate) -> Vec<RegistryRow> {
    use futures::StreamExt;
    let mut out = Vec::new();
    let mut rows = store.registry_rows(filter, today).await.expect("rows");
    while let Some(r) = rows.next().await {
        out.push(r.expect("row"));
    }
    out
}

async fn store_story(url: String) {
    let store = Store::open(&url).await.expect("open + migrate");
    // Opening again applies nothing new and keeps working.
    let store2 = Store::open(&url).await.expect("reopen");
    store2.ping().await.expect("ping");
    store2.close().await;

    // Organisations: upsert by company number, then by normalised name.
    let acme = store
        .upsert_organisation(&company("Acme Widgets Ltd", "AC000001", 50_000_000))
        .await
        .unwrap();
    assert!(matches!(acme, Upserted::Inserted(_)));
    let again = store
        .upsert_organisation(&company("Acme Widgets Ltd", "AC000001", 50_000_000))
        .await
        .unwrap();
    assert_eq!(again, Upserted::Unchanged(acme.id()));
    let renamed = store
        .upsert_organisation(&company("ACME WIDGETS LIMITED", "AC000001", 60_000_000))
        .await
        .unwrap();
    assert_eq!(renamed, Upserted::Updated(acme.id()));
    let small = store
        .upsert_organisation(&company("Tiny Teapots Ltd", "TT000002", 1_000_000))
        .await
        .unwrap();
    let mut sub = company("Acme Widgets Retail Ltd", "AC000003", 40_000_000);
    sub.parent_name = Some("Acme Widgets Limited".into());
    let sub = store.upsert_organisation(&sub).await.unwrap();
    let mut dec = company("Blue Harbour Shipping plc", "BH000004", 90_000_000);
    dec.financial_year_end = Some("12-31".into());
    let dec = store.upsert_organisation(&dec).await.unwrap();
    assert_eq!(store.link_parents().await.unwrap(), 1);
    assert_eq!(store.link_parents().await.unwrap(), 0);
    let members = store.group_members(acme.id()).await.unwrap();
    assert_eq!(
        members.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![sub.id()]
    );
    let o = store.organisation(small.id()).await.unwrap().unwrap();
    assert_eq!(o.in_scope, Some(false));
    assert!(o.scope_reason.contains("36m"), "{}", o.scope_reason);
    let found = store
        .find_organisation("the acme widgets ltd", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, acme.id());

    // Versions: same bytes → last_seen moves; changed bytes → a new version.
    let t0 = (Utc::now() - TimeDelta::days(400)).trunc_subsecs(6);
    let a2024 = assessment(
        Some(date(2024, 3, 31)),
        true,
        &[Area::Structure, Area::Training],
    );
    let v1 = store
        .record_version(&version(
            acme.id(),
            "https://acme.example/msa",
            "Acme statement 2024 about widgets",
            t0,
            Some(a2024.clone()),
            Some(true),
        ))
        .await
        .unwrap();
    assert!(matches!(v1, Recorded::New(_)));
    let v1b = store
        .record_version(&version(
            acme.id(),
            "https://acme.example/msa",
            "Acme statement 2024 about widgets",
            t0 + TimeDelta::days(30),
            Some(a2024.clone()),
            Some(true),
        ))
        .await
        .unwrap();
    assert_eq!(v1b, Recorded::Unchanged(v1.id()));
    let detail = store.version(v1.id()).await.unwrap().unwrap();
    assert_eq!(detail.version.last_seen, t0 + TimeDelta::days(30));
    assert_eq!(detail.version.first_seen, t0);
    assert_eq!(detail.version.registry_year, Some(2024));
    assert_eq!(detail.version.status, Some(YearStatus::Compliant));
    assert_eq!(detail.assessment.as_ref(), Some(&a2024));
    assert_eq!(
        detail.version.areas_covered,
        vec![Area::Structure, Area::Training]
    );
    // A changed document for 2025: the board did not approve it.
    let a2025 = assessment(Some(date(2025, 3, 31)), false, &[Area::Policies]);
    let v2 = store
        .record_version(&version(
            acme.id(),
            "https://acme.example/msa",
            "Acme statement 2025, revised",
            t0 + TimeDelta::days(365),
            Some(a2025),
            Some(true),
        ))
        .await
        .unwrap();
    assert!(matches!(v2, Recorded::New(id) if id != v1.id()));
    assert_eq!(store.versions_of(acme.id()).await.unwrap().len(), 2);
    let doc = store
        .document(&detail.version.document_sha256)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(doc.bytes, b"Acme statement 2024 about widgets");
    // Found only through the sitemap: fails s.54(7)(b).
    let dec_fy = assessment(Some(date(2024, 12, 31)), true, &Area::ALL);
    let v3 = store
        .record_version(&version(
            dec.id(),
            "https://bh.example/files/msa.pdf",
            "Blue Harbour statement on shipping",
            t0,
            Some(dec_fy),
            Some(false),
        ))
        .await
        .unwrap();
    // A version of the out-of-scope company is never non-compliant.
    store
        .record_version(&version(
            small.id(),
            "https://tt.example/msa",
            "Tiny statement",
            t0,
            Some(assessment(Some(date(2024, 3, 31)), false, &[])),
            Some(true),
        ))
        .await
        .unwrap();

    // Status per organisation and year. Before the crawler has looked at a
    // site, a due year with no statement is `unchecked`, never `missing`.
    let today = date(2026, 11, 25);
    let rows = collect_rows(&store, &ExportFilter::default(), today).await;
    let before: Vec<(i64, i32, YearStatus)> = rows
        .iter()
        .filter(|r| r.statement_id.is_none() && r.in_scope == Some(true))
        .map(|r| (r.organisation_id, r.year, r.status))
        .collect();
    assert!(!before.is_empty());
    assert!(
        before.iter().all(|(_, _, s)| *s == YearStatus::Unchecked),
        "{before:?}"
    );
    let unchecked = store
        .list_organisations(
            &OrgFilter {
                year: Some(2026),
                status: Some(YearStatus::Unchecked),
                per_page: 50,
                ..Default::default()
            },
            today,
        )
        .await
        .unwrap();
    assert_eq!(unchecked.total, 3, "acme, blue harbour and the subsidiary");
    // The crawler read acme's and Blue Harbour's sites after their 2026 due
    // dates; the subsidiary's site failed and stays unchecked.
    let looked = chrono::Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap();
    for (id, fye) in [(acme.id(), "03-31"), (dec.id(), "12-31")] {
        assert!(
            store
                .record_look(id, &Look::complete(looked, Some(fye)))
                .await
                .unwrap()
        );
    }
    let failure = CrawlFailure {
        at: looked,
        kind: "timeout".into(),
        message: "'https://sub.example/' timed out".into(),
    };
    store
        .record_look(sub.id(), &Look::Failed(failure.clone()))
        .await
        .unwrap();
    let o = store.organisation(sub.id()).await.unwrap().unwrap();
    assert_eq!((o.looked_at, o.crawl_failure), (None, Some(failure)));
    let o = store.organisation(acme.id()).await.unwrap().unwrap();
    assert_eq!((o.looked_at, o.crawl_failure), (Some(looked), None));
    let rows = collect_rows(&store, &ExportFilter::default(), today).await;
    let row = |org: i64, year: i32| {
        rows.iter()
            .find(|r| r.organisation_id == org && r.year == year)
    };
    let r = row(acme.id(), 2024).expect("acme 2024");
    assert_eq!((r.status, r.reasons.as_str()), (YearStatus::Compliant, ""));
    assert_eq!(r.statement_id, Some(v1.id()));
    assert_eq!(r.areas_covered, "structure;training");
    assert_eq!(r.homepage_link, Some(true));
    assert_eq!(r.late, Some(false));
    let r = row(acme.id(), 2025).expect("acme 2025");
    assert_eq!(
        (r.status, r.reasons.as_str()),
        (YearStatus::Noncompliant, "MSA-54-6a-board-approval")
    );
    let r = row(acme.id(), 2026).expect("acme 2026 is due (30 Sep 2026) and missing");
    assert_eq!(
        (r.status, r.reasons.as_str()),
        (YearStatus::Missing, "MSA-54-1-statement-exists")
    );
    assert!(
        row(acme.id(), 2023).is_none(),
        "no row before the first year with a statement"
    );
    let r = row(dec.id(), 2025).expect("December year end 2024 → registry year 2025");
    assert_eq!(
        (r.status, r.reasons.as_str()),
        (YearStatus::Noncompliant, "MSA-54-7b-homepage-link")
    );
    assert_eq!(r.homepage_link, Some(false));
    let r = row(dec.id(), 2026).expect("blue harbour 2026 due 30 Jun 2026");
    assert_eq!(r.status, YearStatus::Missing);
    assert!(
        rows.iter()
            .filter(|r| r.organisation_id == small.id())
            .all(|r| r.status == YearStatus::OutOfScope)
    );
    let r = row(sub.id(), 2026)
        .expect("subsidiary without statements: a row from the data's first year");
    assert_eq!((r.status, r.reasons.as_str()), (YearStatus::Unchecked, ""));
    assert_eq!(
        rows.iter()
            .filter(|r| r.organisation_id == sub.id())
            .count(),
        3,
        "2024..=2026"
    );

    // Filters.
    let only = collect_rows(
        &store,
        &ExportFilter {
            status: Some(YearStatus::Missing),
            year: Some(2026),
            ..Default::default()
        },
        today,
    )
    .await;
    let mut ids: Vec<i64> = only.iter().map(|r| r.organisation_id).collect();
    ids.sort();
    assert_eq!(ids, {
        let mut v = vec![acme.id(), dec.id()];
        v.sort();
        v
    });
    let only = collect_rows(
        &store,
        &ExportFilter {
            status: Some(YearStatus::Unchecked),
            ..Default::default()
        },
        today,
    )
    .await;
    assert_eq!(
        only.iter()
            .map(|r| (r.organisation_id, r.year))
            .collect::<Vec<_>>(),
        vec![(sub.id(), 2025), (sub.id(), 2026)]
    );

    // Lists, search and the dashboard.
    let page = store
        .list_organisations(
            &OrgFilter {
                year: Some(2025),
                status: Some(YearStatus::Noncompliant),
                per_page: 50,
                ..Default::default()
            },
            today,
        )
        .await
        .unwrap();
    let mut ids: Vec<i64> = page.items.iter().map(|i| i.id).collect();
    ids.sort();
    assert_eq!(ids, {
        let mut v = vec![acme.id(), dec.id()];
        v.sort();
        v
    });
    assert_eq!(page.total, 2);
    let page = store
        .list_organisations(
            &OrgFilter {
                q: Some("shipping".into()),
                per_page: 10,
                ..Default::default()
            },
            today,
        )
        .await
        .unwrap();
    assert_eq!(
        page.items.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![dec.id()],
        "name and statement text are searched"
    );
    let page = store
        .list_organisations(
            &OrgFilter {
                q: Some("widgets".into()),
                per_page: 10,
                ..Default::default()
            },
            today,
        )
        .await
        .unwrap();
    assert!(page.items.iter().any(|i| i.id == acme.id()));
    let page = store
        .list_organisations(
            &OrgFilter {
                q: Some("\"unbalanced AND (".into()),
                per_page: 10,
                ..Default::default()
            },
            today,
        )
        .await
        .unwrap();
    assert_eq!(page.total, 0, "hostile search text is just words");
    let page = store
        .list_organisations(
            &OrgFilter {
                groups: true,
                per_page: 10,
                sort: OrgSort::Name,
                ..Default::default()
            },
            today,
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    let dash = store.dashboard(Some(2025), today).await.unwrap();
    assert_eq!(dash.organisations, 4);
    assert_eq!(dash.in_scope, 3);
    assert_eq!(dash.with_statement, 3);
    let y2025 = dash
        .by_year
        .iter()
        .find(|k| k.key == 2025)
        .expect("2025 counted");
    assert_eq!(y2025.counts.noncompliant, 2);
    let y2026 = dash.by_year.iter().find(|k| k.key == 2026).unwrap();
    assert_eq!(
        (y2026.counts.missing, y2026.counts.unchecked),
        (2, 1),
        "{y2026:?}"
    );
    let detail = store
        .organisation_detail(acme.id(), today)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        detail.years.iter().map(|y| y.year).collect::<Vec<_>>(),
        vec![2024, 2025, 2026]
    );
    assert_eq!(detail.members.len(), 1);
    assert_eq!(detail.versions.len(), 2);
    let _ = v3;

    store.close().await;
}

#[tokio::test]
async fn registry_store_story_on_both_backends() {
    on_both(store_story).await;
}

async fn queue_story(url: String) {
    let store = Store::open(&url).await.expect("open");
    let org = store
        .upsert_organisation(&company("Queue Test Ltd", "QT000001", 40_000_000))
        .await
        .unwrap()
        .id();
    let jobs: Vec<NewJob> = (0..40)
        .map(|i| NewJob {
            organisation_id: Some(org),
            url: format!("https://q.example/{i}"),
            kind: "fetch".into(),
        })
        .collect();
    assert_eq!(store.enqueue_jobs(&jobs).await.unwrap(), 40);
    assert_eq!(
        store.enqueue_jobs(&jobs).await.unwrap(),
        0,
        "same jobs are not queued twice"
    );
    let (id0, created) = store.enqueue_job(&jobs[0]).await.unwrap();
    assert!(!created);

    // Two claimers at once never get the same job.
    let (a, b) = tokio::join!(
        async {
            let mut got = Vec::new();
            for _ in 0..10 {
                got.extend(
                    store
                        .claim_jobs("worker-a", 3, Duration::from_secs(60))
                        .await
                        .unwrap(),
                );
            }
            got
        },
        async {
            let mut got = Vec::new();
            for _ in 0..10 {
                got.extend(
                    store
                        .claim_jobs("worker-b", 3, Duration::from_secs(60))
                        .await
                        .unwrap(),
                );
            }
            got
        }
    );
    let mut ids: Vec<i64> = a.iter().chain(b.iter()).map(|j| j.id).collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "a job was claimed twice");
    assert_eq!(n, 40);
    assert!(
        store
            .claim_jobs("worker-c", 5, Duration::from_secs(60))
            .await
            .unwrap()
            .is_empty()
    );

    let job = &a[0];
    assert_eq!(job.attempts, 1);
    assert!(
        !store.complete_job(job.id, "worker-b").await.unwrap(),
        "only the lease holder completes"
    );
    assert!(store.complete_job(job.id, "worker-a").await.unwrap());
    let failed = &a[1];
    let backoff = Backoff {
        base: Duration::from_secs(60),
        max_delay: Duration::from_secs(3600),
        max_attempts: 2,
    };
    let state = store
        .fail_job(failed.id, "worker-a", "timeout", backoff)
        .await
        .unwrap();
    assert_eq!(state.as_deref(), Some("pending"));
    let j = store.job(failed.id).await.unwrap().unwrap();
    let wait = j.next_attempt_at - Utc::now();
    assert!(
        wait > TimeDelta::seconds(50) && wait <= TimeDelta::seconds(61),
        "back-off {wait}"
    );
    assert_eq!(j.last_error.as_deref(), Some("timeout"));

    // Expired leases go back to the queue.
    let short = store
        .enqueue_job(&NewJob {
            organisation_id: None,
            url: "https://short.example/".into(),
            kind: "discover".into(),
        })
        .await
        .unwrap()
        .0;
    let claimed = store
        .claim_jobs("worker-d", 1, Duration::from_millis(1))
        .await
        .unwrap();
    assert_eq!(
        claimed.iter().map(|j| j.id).collect::<Vec<_>>(),
        vec![short]
    );
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(store.reclaim_expired().await.unwrap(), 1);
    let again = store
        .claim_jobs("worker-e", 1, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(
        again.iter().map(|j| (j.id, j.attempts)).collect::<Vec<_>>(),
        vec![(short, 2)]
    );
    assert_eq!(
        store
            .fail_job(short, "worker-e", "boom", backoff)
            .await
            .unwrap()
            .as_deref(),
        Some("failed")
    );
    let counts = store.queue_counts().await.unwrap();
    assert_eq!((counts.done, counts.failed, counts.pending), (1, 1, 1));
    assert_eq!(store.requeue_finished("fetch").await.unwrap(), 1);
    let _ = id0;

    // Host politeness shared through the database.
    assert_eq!(
        store
            .reserve_host_slot("Example.ORG", Duration::from_millis(300))
            .await
            .unwrap(),
        None
    );
    let wait = store
        .reserve_host_slot("example.org", Duration::from_millis(300))
        .await
        .unwrap();
    assert!(
        wait.is_some_and(|w| w <= Duration::from_millis(300)),
        "{wait:?}"
    );
    assert_eq!(
        store
            .reserve_host_slot("other.example", Duration::from_millis(300))
            .await
            .unwrap(),
        None
    );
    tokio::time::sleep(Duration::from_millis(320)).await;
    assert_eq!(
        store
            .reserve_host_slot("example.org", Duration::from_millis(300))
            .await
            .unwrap(),
        None
    );
    store.close().await;
}

#[tokio::test]
async fn crawl_queue_leases_and_politeness_on_both_backends() {
    on_both(queue_story).await;
}

/// The crawler's batched writes: all committed together, and a write that
/// fails is undone alone while the others in its batch stay.
async fn batch_story(url: String) {
    let store = Store::open(&url).await.expect("open");
    let org = store
        .upsert_organisation(&company("Batch Test Ltd", "BT000001", 40_000_000))
        .await
        .unwrap()
        .id();
    let (round, _) = store.open_crawl_round().await.unwrap();
    let (job, _) = store
        .enqueue_job(&NewJob {
            organisation_id: Some(org),
            url: String::new(),
            kind: "discover".into(),
        })
        .await
        .unwrap();
    let claimed = store
        .claim_jobs("batcher", 1, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let body = b"<html>statement</html>".to_vec();
    let fetch = |url: &str, sha: Option<String>| NewFetch {
        organisation_id: Some(org),
        url: url.into(),
        status: Some(200),
        robots: "allowed".into(),
        document_sha256: sha,
        fetched_at: Utc::now().trunc_subsecs(6),
        ..Default::default()
    };
    let sha = s54::extract::sha256_hex(&body);
    let now = Utc::now().trunc_subsecs(6);
    let writes = vec![
        BatchWrite::LogFetches {
            round,
            fetches: vec![
                (fetch("https://bt.example/robots.txt", None), None),
                (
                    fetch("https://bt.example/", Some(sha.clone())),
                    Some(std::sync::Arc::new(body.clone())),
                ),
            ],
        },
        // No such organisation: this write fails, alone.
        BatchWrite::RecordVersion(Box::new(version(
            org + 1000,
            "https://bt.example/x",
            "gone",
            now,
            None,
            Some(true),
        ))),
        BatchWrite::RecordVersion(Box::new(version(
            org,
            "https://bt.example/msa",
            "Our statement",
            now,
            None,
            Some(true),
        ))),
        BatchWrite::CompleteJob {
            id: job,
            worker: "batcher".into(),
        },
    ];
    let mut done = store.write_batch(&writes).await.expect("batch commits");
    assert_eq!(done.len(), 4);
    let completed = done.pop().unwrap().expect("complete").completed().unwrap();
    assert!(completed, "the lease holder completes its job");
    let recorded = done.pop().unwrap().expect("record").recorded().unwrap();
    assert!(matches!(recorded, Recorded::New(_)), "{recorded:?}");
    assert!(done.pop().unwrap().is_err(), "unknown organisation refused");
    // Undone to its savepoint: not even its document was kept.
    assert!(
        store
            .document(&s54::extract::sha256_hex(b"gone"))
            .await
            .unwrap()
            .is_none()
    );
    let ids = done.pop().unwrap().expect("log").fetch_ids().unwrap();
    assert_eq!(ids.len(), 2);

    let home = store
        .logged_fetch(round, org, "https://bt.example/")
        .await
        .unwrap()
        .expect("logged");
    assert_eq!(home.fetch_id, ids[1]);
    assert_eq!(home.body.as_deref(), Some(&body[..]));
    assert!(
        store
            .logged_fetch(round, org, "https://bt.example/robots.txt")
            .await
            .unwrap()
            .is_some()
    );
    let versions = store.versions_of(org).await.unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].url, "https://bt.example/msa");
    assert_eq!(store.job(job).await.unwrap().unwrap().state, "done");
    // Logging the same URL again in the round keeps the first record.
    let again = store
        .log_crawl_fetches(round, &[(&fetch("https://bt.example/", None), None)])
        .await
        .unwrap();
    assert_eq!(again, vec![ids[1]]);
    store.close().await;
}

#[tokio::test]
async fn batched_writes_commit_together_and_fail_alone_on_both_backends() {
    on_both(batch_story).await;
}

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/csv")
        .join(name)
}

async fn export_bytes(
    store: &Store,
    filter: &ExportFilter,
    format: s54::registry::export::Format,
) -> Vec<u8> {
    let mut out = Vec::new();
    s54::registry::export::write_export(store, filter, format, date(2026, 11, 25), &mut out)
        .await
        .expect("export");
    out
}

async fn import_story(url: String) {
    use s54::registry::export::Format;
    use s54::registry::import::{CsvKind, import_file};
    let store = Store::open(&url).await.expect("open");

    // Native CSV: good rows load, each bad row is reported with its line.
    let r = import_file(&store, &fixture("native.csv"))
        .await
        .expect("import native");
    assert_eq!(r.kind, CsvKind::Native);
    assert_eq!(
        (r.inserted, r.updated, r.unchanged, r.rejected),
        (6, 0, 0, 6),
        "{r:?}"
    );
    let lines: Vec<u64> = r
        .problems
        .iter()
        .filter(|p| !p.warning)
        .map(|p| p.line)
        .collect();
    assert_eq!(lines, vec![7, 8, 9, 10, 11, 12]);
    assert!(r.problems[1].message.contains("cooperative"));
    assert!(
        r.problems[4].message.contains("duplicate") && r.problems[4].message.contains("line 2")
    );
    // Idempotent.
    let again = import_file(&store, &fixture("native.csv")).await.unwrap();
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 6));

    let acme = store
        .find_organisation("Acme Widgets Ltd", Some("01234567"))
        .await
        .unwrap()
        .unwrap();
    let retail = store
        .find_organisation("Acme Widgets Retail Ltd", Some("1234568"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        retail.company_number.as_deref(),
        Some("01234568"),
        "leading zero restored"
    );
    assert_eq!(retail.parent_id, Some(acme.id));
    assert_eq!(
        retail.website.as_deref(),
        Some("https://acme-retail.example/")
    );
    assert_eq!(acme.turnover_gbp, Some(52_000_000));
    let council = store
        .find_organisation("Northshire County Council", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (council.org_type, council.in_scope),
        (Some(OrgType::LocalAuthority), Some(true))
    );
    let harbour = store
        .find_organisation("Harbour\nLights Ltd", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(harbour.financial_year_end.as_deref(), Some("08-31"));

    // Government registry CSV.
    let r = import_file(&store, &fixture("registry.csv"))
        .await
        .expect("import registry");
    assert_eq!(r.kind, CsvKind::Registry);
    assert_eq!(
        (r.inserted, r.updated, r.unchanged, r.rejected),
        (6, 0, 0, 3),
        "{r:?}"
    );
    let rejected: Vec<u64> = r
        .problems
        .iter()
        .filter(|p| !p.warning)
        .map(|p| p.line)
        .collect();
    assert_eq!(rejected, vec![13, 14, 15], "lines count embedded CRLFs");
    assert!(
        r.problems
            .iter()
            .any(|p| p.warning && p.line == 12 && p.message.contains("DateApproved"))
    );
    let again = import_file(&store, &fixture("registry.csv")).await.unwrap();
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 6));

    let lantern = store
        .find_organisation("Lantern Freight Ltd", Some("09876543"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        lantern.website.as_deref(),
        Some("https://www.lantern-freight.example/")
    );
    assert_eq!(lantern.in_scope, Some(true));
    assert_eq!(lantern.financial_year_end.as_deref(), Some("03-31"));
    let decl = store.declarations_of(lantern.id).await.unwrap();
    assert_eq!(decl.len(), 1);
    let d = &decl[0];
    assert_eq!(d.year, 2024);
    assert_eq!(
        d.areas,
        vec![
            Area::Structure,
            Area::Policies,
            Area::DueDiligence,
            Area::Training
        ]
    );
    assert_eq!(d.period_end, Some(date(2024, 3, 31)));
    assert_eq!(d.date_approved, Some(date(2024, 7, 15)));
    assert_eq!(
        d.sectors.as_deref(),
        Some("Transport and logistics; Warehousing")
    );
    assert_eq!(
        d.statement_url.as_deref(),
        Some("https://www.lantern-freight.example/msa-2024")
    );
    assert_eq!(
        d.pdf_url.as_deref(),
        Some("https://registry.example/pdf/AAA111.pdf")
    );
    let holdings = store
        .find_organisation("Copperleaf Holdings plc", Some("11112222"))
        .await
        .unwrap()
        .unwrap();
    let members = store.group_members(holdings.id).await.unwrap();
    assert_eq!(
        members.len(),
        2,
        "group rows sharing one summary URL become members of the parent"
    );
    assert_eq!(holdings.parent_id, None);
    let small = store
        .find_organisation("Copperleaf Logistics Limited", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(small.in_scope, Some(false), "Under £36m is out of scope");
    let nhs = store
        .find_organisation("Westmoor NHS Trust", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (nhs.org_type, nhs.in_scope),
        (Some(OrgType::PublicBody), None)
    );
    let quiet = store
        .find_organisation("Quiet Orchard Farms", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(quiet.website, None);
    assert_eq!(
        store.declarations_of(quiet.id).await.unwrap()[0]
            .email_no_url
            .as_deref(),
        Some("statements@quiet-orchard.example")
    );

    // A version for Lantern, then the export in every format.
    let a = assessment(Some(date(2024, 3, 31)), true, &[Area::Structure]);
    let v = store
        .record_version(&version(
            lantern.id,
            "https://www.lantern-freight.example/msa-2024",
            "Lantern statement",
            (Utc::now() - TimeDelta::days(700)).trunc_subsecs(6),
            Some(a),
            Some(true),
        ))
        .await
        .unwrap();
    let csv_out = export_bytes(&store, &ExportFilter::default(), Format::Csv).await;
    let text = String::from_utf8(csv_out).expect("utf-8");
    let header = text.lines().next().unwrap();
    assert_eq!(header, EXPORT_COLUMNS.join(","));
    assert_eq!(
        header,
        "organisation_id,name,org_type,sector,company_number,in_scope,year,status,reasons,statement_id,statement_url,first_seen,financial_year_end,approval_present,approval_date,signature_present,signatory,homepage_link,areas_covered,score,late"
    );
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let records: Vec<csv::StringRecord> = rdr.records().map(|r| r.expect("valid csv")).collect();
    assert!(records.iter().all(|r| r.len() == 21));
    let formula: Vec<&csv::StringRecord> = records
        .iter()
        .filter(|r| r[1].contains("HYPERLINK"))
        .collect();
    assert!(!formula.is_empty());
    for r in formula {
        assert!(r[1].starts_with("'="), "formula escaped: {}", &r[1]);
        assert_eq!(&r[3], "'@Retail");
    }
    let lantern_2024 = records
        .iter()
        .find(|r| r[0] == lantern.id.to_string() && &r[6] == "2024")
        .expect("lantern 2024");
    assert_eq!(&lantern_2024[7], "compliant");
    assert_eq!(lantern_2024[9], v.id().to_string());
    assert_eq!(&lantern_2024[17], "true");
    assert_eq!(&lantern_2024[18], "structure");
    let total = records.len();

    let json = export_bytes(&store, &ExportFilter::default(), Format::Json).await;
    let parsed: Vec<serde_json::Map<String, serde_json::Value>> =
        serde_json::from_slice(&json).expect("one JSON array");
    assert_eq!(parsed.len(), total);
    for row in &parsed {
        let mut keys: Vec<&str> = row.keys().map(String::as_str).collect();
        keys.sort();
        // JSON rows also carry how the year was found and what it repeats.
        let mut want = EXPORT_COLUMNS.to_vec();
        want.extend(["year_basis", "copied_from"]);
        want.sort();
        assert_eq!(keys, want);
    }
    let nd = export_bytes(
        &store,
        &ExportFilter {
            status: Some(YearStatus::OutOfScope),
            ..Default::default()
        },
        Format::Ndjson,
    )
    .await;
    let lines: Vec<serde_json::Value> = nd
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).expect("json line"))
        .collect();
    assert!(!lines.is_empty());
    assert!(
        lines
            .iter()
            .all(|l| l["status"] == "out_of_scope" && l["in_scope"] == false)
    );
    let empty = export_bytes(
        &store,
        &ExportFilter {
            year: Some(1999),
            ..Default::default()
        },
        Format::Json,
    )
    .await;
    assert_eq!(
        serde_json::from_slice::<Vec<serde_json::Value>>(&empty)
            .unwrap()
            .len(),
        0
    );
    let by_type = export_bytes(
        &store,
        &ExportFilter {
            org_type: Some(OrgType::LocalAuthority),
            year: Some(2026),
            ..Default::default()
        },
        Format::Ndjson,
    )
    .await;
    assert_eq!(
        by_type
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .count(),
        1
    );
    store.close().await;
}

#[tokio::test]
async fn import_and_export_on_both_backends() {
    on_both(import_story).await;
}

async fn rescore_story(url: String) {
    use s54::registry::rescore;
    let store = Store::open(&url).await.expect("open");
    let org = store
        .upsert_organisation(&company("Rescore Test Ltd", "RS000001", 40_000_000))
        .await
        .unwrap()
        .id();
    let seen = (Utc::now() - TimeDelta::days(500)).trunc_subsecs(6);
    let mut ids = Vec::new();
    for (i, body) in [
        "First statement text.\n\nOur board approved it.",
        "Second statement text.",
    ]
    .iter()
    .enumerate()
    {
        let v = store
            .record_version(&version(
                org,
                &format!("https://rs.example/{i}"),
                body,
                seen,
                Some(assessment(Some(date(2024, 3, 31)), true, &Area::ALL)),
                Some(true),
            ))
            .await
            .unwrap();
        ids.push(v.id());
    }
    let rules = std::sync::Arc::new(s54::rules::Rulebook::embedded().expect("rules"));
    let n = rescore::rescore_all(&store, rules.clone(), 2, |_| {})
        .await
        .expect("rescore");
    assert_eq!(n, 2);
    let items = store.versions_for_rescore(0, 10).await.unwrap();
    assert_eq!(items.len(), 2, "no version duplicated");
    for item in &items {
        let stored = store.version(item.id).await.unwrap().unwrap();
        let expected = rescore::score_item(item, &rules);
        assert_eq!(stored.assessment.as_ref(), Some(&expected));
        assert_eq!(stored.version.first_seen, seen, "dates never change");
        let (status, reasons) = s54::registry::judge_version(Some(&expected), Some(true));
        assert_eq!(stored.version.status, Some(status));
        assert_eq!(stored.version.reasons, reasons);
        assert_eq!(stored.version.score, Some(i32::from(expected.score)));
    }
    assert_eq!(store.versions_of(org).await.unwrap().len(), 2);
    store.close().await;
}

#[tokio::test]
async fn rescore_replaces_assessments_in_place_on_both_backends() {
    on_both(rescore_story).await;
}

/// Every (organisation, year) of `org` has exactly one version that counts:
/// the latest seen (ties: highest id).
async fn assert_latest_in_year(store: &Store, org: i64) {
    let mut by_year: std::collections::BTreeMap<Option<i32>, Vec<VersionSummary>> =
        Default::default();
    for v in store.versions_of(org).await.unwrap() {
        by_year.entry(v.registry_year).or_default().push(v);
    }
    for (year, vs) in by_year {
        let latest = vs
            .iter()
            .max_by_key(|v| (v.first_seen, v.id))
            .expect("non-empty group");
        for v in &vs {
            assert_eq!(
                v.latest_in_year,
                v.id == latest.id,
                "organisation {org}, year {year:?}, version {}",
                v.id
            );
        }
    }
}

/// Checks that every stored version holds `want[id]` and what derives from it.
async fn assert_stored(store: &Store, want: &std::collections::HashMap<i64, Assessment>) {
    let mut orgs = std::collections::BTreeSet::new();
    for (id, expected) in want {
        let stored = store.version(*id).await.unwrap().expect("version kept");
        assert_eq!(
            stored.assessment.as_ref(),
            Some(expected),
            "version {id} holds its own assessment"
        );
        let v = &stored.version;
        assert_eq!(v.score, Some(i32::from(expected.score)), "version {id}");
        assert_eq!(v.fy_start, expected.financial_year.start, "version {id}");
        assert_eq!(
            v.approval_present,
            Some(expected.approval.present),
            "version {id}"
        );
        let (status, reasons) = s54::registry::judge_version(Some(expected), v.homepage.linked);
        assert_eq!(v.status, Some(status), "version {id}");
        assert_eq!(v.reasons, reasons, "version {id}");
        orgs.insert(v.organisation_id);
    }
    for org in orgs {
        assert_latest_in_year(store, org).await;
    }
}

/// Rescore over a generated registry: afterwards every version's stored
/// assessment (and its derived columns) is a fresh check of that version's
/// own text. Every version's assessment differs (its source names its own
/// document), so a batch written to the wrong rows fails here. A direct batch
/// write in reverse id order with shifted years comes first, so the batched
/// year and latest-in-year paths run both ways.
async fn rescore_every_version_story(url: String) {
    use s54::registry::rescore;
    let store = Store::open(&url).await.expect("open");
    // At most one generated version per organisation and year (six slots
    // each), so the generated latest-in-year flags already hold.
    store.generate(60, 300, 11).await.expect("generate");
    let rules = std::sync::Arc::new(s54::rules::Rulebook::embedded().expect("rules"));
    let items = store.versions_for_rescore(0, 1_000).await.unwrap();
    assert_eq!(items.len(), 300);
    let fresh: std::collections::HashMap<i64, Assessment> = items
        .iter()
        .map(|i| (i.id, rescore::score_item(i, &rules)))
        .collect();
    let distinct: std::collections::HashSet<String> = fresh
        .values()
        .map(|a| serde_json::to_string(a).unwrap())
        .collect();
    assert_eq!(distinct.len(), items.len(), "every version's check differs");
    let mut stale = 0;
    for (id, a) in &fresh {
        if store
            .version(*id)
            .await
            .unwrap()
            .unwrap()
            .assessment
            .as_ref()
            != Some(a)
        {
            stale += 1;
        }
    }
    assert!(stale > 0, "the generated assessments are not the checker's");

    // A batch in reverse id order, every other version a year later.
    let shifted: Vec<(i64, Assessment)> = items
        .iter()
        .rev()
        .map(|i| {
            let mut a = fresh[&i.id].clone();
            if i.id % 2 == 0 {
                a.financial_year.end = Some(
                    a.financial_year
                        .end
                        .unwrap_or(date(2023, 3, 31))
                        .checked_add_months(chrono::Months::new(12))
                        .expect("date in range"),
                );
            }
            (i.id, a)
        })
        .collect();
    store.update_assessments(&shifted).await.expect("update");
    assert_stored(&store, &shifted.iter().cloned().collect()).await;

    let n = rescore::rescore_all(&store, rules.clone(), 2, |_| {})
        .await
        .expect("rescore");
    assert_eq!(n, 300);
    assert_eq!(
        store.versions_for_rescore(0, 1_000).await.unwrap().len(),
        300,
        "no version duplicated"
    );
    assert_stored(&store, &fresh).await;
    store.close().await;
}

#[tokio::test]
async fn rescore_stores_a_fresh_check_of_every_version_on_both_backends() {
    on_both(rescore_every_version_story).await;
}

/// One page of a plain search of the registry list.
async fn search_page(
    store: &Store,
    q: &str,
    sort: OrgSort,
    page: u32,
    per_page: u32,
) -> Page<OrgListItem> {
    store
        .list_organisations(
            &OrgFilter {
                q: Some(q.into()),
                sort,
                page,
                per_page,
                ..Default::default()
            },
            date(2026, 11, 25),
        )
        .await
        .unwrap()
}

async fn generate_story(url: String) {
    let store = Store::open(&url).await.expect("open");
    let stats = store.generate(120, 400, 7).await.expect("generate");
    assert_eq!((stats.organisations, stats.versions), (120, 400));
    assert_eq!(store.count_organisations().await.unwrap(), 120);
    // Generated data obeys the store's own invariants: one counting version per (org, year).
    let rows = collect_rows(&store, &ExportFilter::default(), date(2026, 11, 25)).await;
    let mut keys: Vec<(i64, i32)> = rows.iter().map(|r| (r.organisation_id, r.year)).collect();
    let n = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), n);
    assert!(rows.iter().any(|r| r.status == YearStatus::Compliant));
    assert!(rows.iter().any(|r| r.status == YearStatus::Noncompliant));
    // Generating again appends; ids keep working afterwards on both backends.
    store.generate(10, 10, 8).await.expect("generate again");
    let id = store
        .upsert_organisation(&company("After Generate Ltd", "AG000001", 40_000_000))
        .await
        .unwrap();
    assert!(matches!(id, Upserted::Inserted(_)));
    let page = search_page(&store, "Northgate", OrgSort::Name, 1, 5).await;
    assert!(page.total > 0);
    // Statement text is searchable on both backends: every generated
    // statement opens with "modern slavery statement", no name has "slavery".
    let page = search_page(&store, "slavery", OrgSort::Name, 1, 5).await;
    assert!(
        page.total > 50,
        "statement text not searchable: {}",
        page.total
    );
    // Every page of a search together is exactly `total` organisations, in
    // name order, for a word in most statements (SQLite reads the name
    // index and counts in the full-text index) and for a rare one.
    for (q, expect_common) in [("slavery", true), ("After Generate", false)] {
        let walk = |sort: OrgSort| {
            let store = &store;
            async move {
                let mut seen = Vec::new();
                let mut total = None;
                for p in 1.. {
                    let page = search_page(store, q, sort, p, 7).await;
                    total = Some(page.total);
                    if page.items.is_empty() {
                        break;
                    }
                    seen.extend(page.items.into_iter().map(|i| (i.name, i.id)));
                }
                (seen, total.unwrap_or(0))
            }
        };
        let (asc, total) = walk(OrgSort::Name).await;
        assert_eq!(asc.len() as i64, total, "{q}: pages against total");
        // Both of SQLite's plans: the name index for a word in one in 20.
        assert_eq!(expect_common, total * 20 >= 131, "{q}: {total} matches");
        let mut sorted = asc.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), asc.len(), "{q}: no repeats");
        if url.starts_with("sqlite") {
            // PostgreSQL orders by its collation, not by bytes.
            assert_eq!(asc, sorted, "{q}: name order");
        }
        let (mut desc, desc_total) = walk(OrgSort::NameDesc).await;
        desc.reverse();
        assert_eq!((desc, desc_total), (asc, total), "{q}: descending pages");
    }
    // A company number is found though it is not a word of the text, and
    // counted once.
    let page = search_page(&store, "AG000001", OrgSort::Name, 1, 5).await;
    assert_eq!(
        (
            page.total,
            page.items
                .iter()
                .map(|i| i.name.as_str())
                .collect::<Vec<_>>()
        ),
        (1, vec!["After Generate Ltd"])
    );
    store.close().await;
}

#[tokio::test]
async fn generated_registries_are_consistent_on_both_backends() {
    on_both(generate_story).await;
}

#[test]
fn cli_import_and_export() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let s54 = env!("CARGO_BIN_EXE_s54");
    let out = std::process::Command::new(s54)
        .args([
            "import",
            fixture("native.csv").to_str().unwrap(),
            "--db",
            &db,
        ])
        .output()
        .expect("run s54 import");
    assert_eq!(
        out.status.code(),
        Some(1),
        "the good rows loaded, but rows were rejected: exit 1"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("native.csv:8: rejected: unknown org_type"),
        "{err}"
    );
    assert!(
        err.contains("6 loaded, 0 updated, 0 unchanged, 6 rejected"),
        "{err}"
    );
    let out = std::process::Command::new(s54)
        .args(["import", "/nonexistent/orgs.csv", "--db", &db])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = std::process::Command::new(s54)
        .args(["export", "--db", &db, "--year", "2026"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().next(), Some(EXPORT_COLUMNS.join(",").as_str()));
    assert_eq!(
        csv::Reader::from_reader(text.as_bytes()).records().count(),
        6
    );
    let out = std::process::Command::new(s54)
        .args(["export", "--db", &db, "--status", "bogus"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = std::process::Command::new(s54)
        .args(["rescore", "--db", &db])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The registry's generation (what the web page cache keys on) moves with
/// every kind of write that changes a public page, commits with the write, and
/// stays put on reads.
async fn generation_story(url: String) {
    let store = Store::open(&url).await.expect("open");
    let mut last = store.generation().await.unwrap();
    let mut moved = |now: i64, what: &str| {
        assert!(
            now > last,
            "generation did not move on {what}: {now} <= {last}"
        );
        last = now;
    };
    let org = store
        .upsert_organisation(&company("Generation Ltd", "GN000001", 40_000_000))
        .await
        .unwrap()
        .id();
    moved(store.generation().await.unwrap(), "an organisation insert");
    let seen = (Utc::now() - TimeDelta::days(500)).trunc_subsecs(6);
    let v = store
        .record_version(&version(
            org,
            "https://gn.example/msa",
            "A statement.",
            seen,
            Some(assessment(Some(date(2024, 3, 31)), true, &Area::ALL)),
            Some(true),
        ))
        .await
        .unwrap()
        .id();
    moved(store.generation().await.unwrap(), "a new version");
    // Reads leave it alone.
    let before = store.generation().await.unwrap();
    store.version(v).await.unwrap();
    store
        .list_organisations(&OrgFilter::default(), date(2026, 11, 25))
        .await
        .unwrap();
    assert_eq!(store.generation().await.unwrap(), before);
    store
        .update_assessments(&[(v, assessment(Some(date(2024, 3, 31)), false, &[]))])
        .await
        .unwrap();
    moved(store.generation().await.unwrap(), "a rescore");
    store
        .upsert_organisation(&company("Generation Ltd", "GN000001", 50_000_000))
        .await
        .unwrap();
    moved(store.generation().await.unwrap(), "an organisation update");
    store.generate(5, 5, 3).await.unwrap();
    moved(store.generation().await.unwrap(), "a generated registry");
    store.close().await;
}

#[tokio::test]
async fn generation_moves_on_every_registry_write_on_both_backends() {
    on_both(generation_story).await;
}

/// Paging the registry list visits every matching organisation exactly once,
/// in every sort, with and without a search and a status filter; and every
/// listed status, statement and score is the one the registry rows (the
/// export) compute for that organisation and year.
async fn paging_story(url: String) {
    let store = Store::open(&url).await.expect("open");
    store.generate(90, 240, 11).await.expect("generate");
    let today = date(2026, 11, 25);
    for year in [2024, 2026] {
        let rows = collect_rows(
            &store,
            &ExportFilter {
                year: Some(year),
                ..Default::default()
            },
            today,
        )
        .await;
        let by_org: std::collections::HashMap<i64, &RegistryRow> =
            rows.iter().map(|r| (r.organisation_id, r)).collect();
        for q in [None, Some("slavery"), Some("Northgate")] {
            for status in [None, Some(YearStatus::Compliant)] {
                for sort in [
                    OrgSort::Name,
                    OrgSort::NameDesc,
                    OrgSort::ScoreDesc,
                    OrgSort::ScoreAsc,
                    OrgSort::TurnoverDesc,
                    OrgSort::Newest,
                ] {
                    let mut seen = Vec::new();
                    let mut total = None;
                    for page in 1.. {
                        let p = store
                            .list_organisations(
                                &OrgFilter {
                                    q: q.map(str::to_string),
                                    status,
                                    year: Some(year),
                                    sort,
                                    page,
                                    per_page: 7,
                                    ..Default::default()
                                },
                                today,
                            )
                            .await
                            .unwrap();
                        assert!(total.is_none_or(|t| t == p.total), "total stays put");
                        total = Some(p.total);
                        if p.items.is_empty() {
                            break;
                        }
                        for item in &p.items {
                            let what = format!("{q:?} {status:?} {sort:?} {year}: {item:?}");
                            match by_org.get(&item.id) {
                                Some(r) => {
                                    assert_eq!(item.status, Some(r.status), "{what}");
                                    assert_eq!(item.statement_id, r.statement_id, "{what}");
                                    assert_eq!(item.score, r.score, "{what}");
                                    assert_eq!(item.covered_by, r.covered_by, "{what}");
                                }
                                None => assert_eq!(item.status, None, "{what}"),
                            }
                            seen.push(item.id);
                        }
                    }
                    let n = seen.len();
                    assert_eq!(Some(n as i64), total, "{q:?} {status:?} {sort:?} {year}");
                    seen.sort();
                    seen.dedup();
                    assert_eq!(
                        seen.len(),
                        n,
                        "no organisation twice: {q:?} {status:?} {sort:?}"
                    );
                    if q.is_none() && status.is_none() {
                        assert_eq!(n, 90, "every organisation listed");
                    }
                    if status == Some(YearStatus::Compliant) {
                        let expected = rows
                            .iter()
                            .filter(|r| r.status == YearStatus::Compliant)
                            .count();
                        if q.is_none() {
                            assert_eq!(n, expected, "{sort:?} {year}");
                        }
                    }
                }
            }
        }
    }
    store.close().await;
}

#[tokio::test]
async fn list_paging_visits_every_row_once_and_agrees_with_the_export_on_both_backends() {
    on_both(paging_story).await;
}

/// On PostgreSQL the generation moves at commit, the last write of a
/// transaction, so two writers that wait for each other's rows never
/// deadlock on it (with the counter locked from a transaction's first write,
/// the first writer held it while waiting for a row of the second, which
/// waited for it).
#[tokio::test]
async fn writers_waiting_on_each_other_never_deadlock_on_the_generation_on_postgres() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let store = Store::open(&db.url).await.expect("open");
    let before = store.generation().await.unwrap();
    let pool = sqlx::PgPool::connect(&db.url).await.expect("connect");
    const INSERT: &str = "INSERT INTO organisations (name, normalised_name, company_number, due_mmdd, \
         created_at, updated_at) VALUES ($1, $1, $2, '0930', now(), now()) ON CONFLICT DO NOTHING";
    let mut first = pool.begin().await.unwrap();
    sqlx::query(INSERT)
        .bind("One Ltd")
        .bind("DL000001")
        .execute(&mut *first)
        .await
        .unwrap();
    let (inserted, second_has_its_row) = tokio::sync::oneshot::channel();
    let second = {
        let pool = pool.clone();
        tokio::spawn(async move {
            let mut t = pool.begin().await?;
            sqlx::query(INSERT)
                .bind("Two Ltd")
                .bind("DL000002")
                .execute(&mut *t)
                .await?;
            let _ = inserted.send(());
            // Long enough for the first writer to be waiting on this row.
            tokio::time::sleep(Duration::from_millis(500)).await;
            t.commit().await
        })
    };
    second_has_its_row
        .await
        .expect("the second writer inserted its row");
    // The first writer now needs the second's uncommitted row: it waits.
    sqlx::query(INSERT)
        .bind("Two again Ltd")
        .bind("DL000002")
        .execute(&mut *first)
        .await
        .expect("the first writer's insert waits, and is not a deadlock victim");
    first.commit().await.expect("the first writer commits");
    second
        .await
        .unwrap()
        .expect("the second writer commits, and is not a deadlock victim");
    assert_eq!(
        store.generation().await.unwrap(),
        before + 2,
        "one move per writing transaction"
    );
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM organisations WHERE company_number LIKE 'DL%'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(n, 2);
    pool.close().await;
    store.close().await;
}
