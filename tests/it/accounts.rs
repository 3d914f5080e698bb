//! `s54 accounts import`: hand-written iXBRL filings (tests/fixtures/accounts,
//! see its README) read one by one, as a folder and zipped, into SQLite and
//! PostgreSQL; zip bombs, huge, malformed and non-iXBRL members.

use crate::store::on_both;
use chrono::NaiveDate;
use s54::accounts::{self, FilingError, Limits};
use s54::domain::Filing;
use s54::store::Store;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

const NORTHWIND: &str = "Prod224_0001_01234567_20240331.html";
const CONTOSO: &str = "Prod224_0002_09876543_20231231.html";
const HIGHLAND: &str = "Prod224_0003_SC123456_20240630.html";
const DORMANT: &str = "Prod224_0004_07654321_20240331.html";
const SMALL: &str = "Prod224_0005_05555555_20240331.html";
const NEGATIVE: &str = "Prod224_0006_06666666_20240331.html";
const NOT_IXBRL: &str = "Prod224_0007_08888888_20240331.html";
const MALFORMED: &str = "Prod224_0008_09999999_20240331.html";
const ALL: [&str; 8] = [
    NORTHWIND, CONTOSO, HIGHLAND, DORMANT, SMALL, NEGATIVE, NOT_IXBRL, MALFORMED,
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/accounts")
}

fn parse(name: &str) -> Result<Filing, FilingError> {
    let f = std::fs::File::open(fixtures().join(name)).expect("fixture");
    accounts::parse(BufReader::new(f), name)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

/// A zip of the named fixtures plus `extra` members, deflated.
fn zip_of(dir: &Path, names: &[&str], extra: &[(&str, Vec<u8>)]) -> PathBuf {
    let path = dir.join("accounts.zip");
    let file = std::fs::File::create(&path).expect("zip file");
    let mut z = zip::ZipWriter::new(file);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for n in names {
        z.start_file(*n, opts).expect("member");
        z.write_all(&std::fs::read(fixtures().join(n)).expect("fixture"))
            .expect("write");
    }
    for (n, bytes) in extra {
        z.start_file(*n, opts).expect("member");
        z.write_all(bytes).expect("write");
    }
    z.finish().expect("finish zip");
    path
}

#[test]
fn frs102_turnover_is_the_current_periods_scaled_figure() {
    let f = parse(NORTHWIND).expect("a filing");
    assert_eq!(f.company_number, "01234567");
    assert_eq!(f.name, "Northwind Trading Limited");
    assert_eq!(f.period_start, Some(date(2023, 4, 1)));
    assert_eq!(f.period_end, date(2024, 3, 31));
    let t = f.turnover.as_ref().expect("turnover");
    // 48,250 in thousands; not the prior year's 39,100 nor the UK segment's 30,000.
    assert_eq!((t.amount, t.currency.as_str()), (48_250_000, "GBP"));
    assert_eq!(f.employees, Some(512));
    assert!(!f.consolidated && !f.dormant);
    assert_eq!(f.in_scope(), Some(true));
}

#[test]
fn ifrs_group_accounts_count_the_consolidated_revenue() {
    let f = parse(CONTOSO).expect("a filing");
    assert_eq!(f.company_number, "09876543");
    assert_eq!(f.name, "CONTOSO HOLDINGS PLC");
    assert_eq!(f.period_end, date(2023, 12, 31));
    assert_eq!(f.period_start, Some(date(2023, 1, 1)));
    assert!(f.consolidated);
    // The group's £1,204.7m, not the parent company's own £2.5m.
    assert_eq!(f.turnover.as_ref().map(|t| t.amount), Some(1_204_700_000));
    assert_eq!(f.employees, Some(8_420));
}

#[test]
fn comma_decimals_and_a_period_from_the_contexts() {
    let f = parse(HIGHLAND).expect("a filing");
    assert_eq!(f.company_number, "SC123456");
    assert_eq!(f.period_end, date(2024, 6, 30));
    assert_eq!(f.period_start, Some(date(2023, 7, 1)));
    assert_eq!(f.turnover.as_ref().map(|t| t.amount), Some(36_000_000));
    // Exactly £36m is in scope: "not less than" (reg. 2).
    assert_eq!(f.in_scope(), Some(true));
}

#[test]
fn a_dormant_company_has_zero_turnover() {
    let f = parse(DORMANT).expect("a filing");
    assert!(f.dormant);
    assert_eq!(f.turnover.as_ref().map(|t| t.amount), Some(0));
    assert_eq!(f.in_scope(), Some(false));
    assert_eq!(parse(SMALL).expect("a filing").in_scope(), Some(false));
}

#[test]
fn bad_members_say_why() {
    let neg = parse(NEGATIVE).expect_err("negative turnover");
    assert!(matches!(neg, FilingError::Impossible(_)), "{neg}");
    assert!(neg.to_string().contains("negative"), "{neg}");
    assert!(matches!(parse(NOT_IXBRL), Err(FilingError::NotIxbrl)));
    let bad = parse(MALFORMED).expect_err("malformed");
    assert!(matches!(bad, FilingError::Malformed { .. }), "{bad}");
}

fn collect(path: &Path, limits: Limits) -> Vec<(String, Result<Filing, String>)> {
    let mut out = Vec::new();
    accounts::read_members(path, limits, &mut |m| {
        out.push((m.name, m.result.map_err(|e| e.to_string())));
        true
    })
    .expect("readable input");
    out
}

#[test]
fn a_zip_and_a_folder_give_the_same_filings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let zip = zip_of(dir.path(), &ALL, &[]);
    let from_zip = collect(&zip, Limits::default());
    let from_dir = collect(&fixtures(), Limits::default());
    assert_eq!(from_zip.len(), 8);
    assert_eq!(from_zip, from_dir);
    let ok = from_zip.iter().filter(|(_, r)| r.is_ok()).count();
    assert_eq!(ok, 5);
}

#[test]
fn zip_bombs_and_huge_members_are_skipped_not_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    // 8 MiB of one byte deflates to a few KiB: far past 200:1.
    let bomb = vec![b' '; 8 << 20];
    let zip = zip_of(
        dir.path(),
        &[NORTHWIND],
        &[("Prod224_0009_01111111_20240331.html", bomb.clone())],
    );
    let got = collect(&zip, Limits::default());
    assert_eq!(got.len(), 2);
    assert!(got[0].1.is_ok());
    let err = got[1].1.as_ref().expect_err("a bomb");
    assert!(err.contains("zip bomb"), "{err}");
    // A member declared larger than allowed is not read at all.
    let small = Limits {
        max_member: 1 << 20,
        max_ratio: 1_000_000,
    };
    let got = collect(&zip, small);
    let err = got[1].1.as_ref().expect_err("too large");
    assert!(err.contains("larger than"), "{err}");
    // Not a zip at all: the input cannot be read.
    let not_zip = dir.path().join("accounts.zip.txt");
    std::fs::write(&not_zip, "hello").expect("write");
    let e =
        accounts::read_members(&not_zip, Limits::default(), &mut |_| true).expect_err("not a zip");
    assert!(e.to_string().contains("not a zip archive"), "{e}");
}

async fn export_rows(
    store: &Store,
    filter: &s54::store::ExportFilter,
) -> Vec<s54::store::RegistryRow> {
    use futures::StreamExt;
    let today = chrono::Utc::now().date_naive();
    let mut rows = store.registry_rows(filter, today).await.expect("rows");
    let mut out = Vec::new();
    while let Some(r) = rows.next().await {
        out.push(r.expect("row"));
    }
    out
}

async fn import_story(url: String) {
    let store = Store::open(&url).await.expect("open");
    // The registry already knows two of the companies (one without its number's
    // leading zero, as spreadsheets write it).
    let csv = "name,website,company_number\nNorthwind Trading Ltd,https://northwind.example,1234567\nSleepy Properties Limited,,07654321\n";
    s54::registry::import::import_bytes(&store, csv.as_bytes(), "orgs.csv")
        .await
        .expect("csv import");
    let dir = tempfile::tempdir().expect("temp dir");
    let zip = zip_of(dir.path(), &ALL, &[]);
    let mut skipped = Vec::new();
    let report = accounts::import(&store, &zip, Limits::default(), &mut |m, e| {
        skipped.push(format!("{m}: {e}"))
    })
    .await
    .expect("import");
    assert!(report.failure.is_none());
    assert_eq!(
        (report.members, report.filings, report.skipped),
        (8, 5, 3),
        "{skipped:?}"
    );
    // Added: Contoso (group £1.2bn) and Highland (£36m exactly). Recorded:
    // Northwind and the dormant Sleepy. The small shop is neither.
    assert_eq!(
        (report.added, report.recorded, report.not_in_scope),
        (2, 2, 1)
    );
    assert!(
        skipped
            .iter()
            .any(|s| s.starts_with(NEGATIVE) && s.contains("negative"))
    );

    let northwind = store
        .find_organisation("", Some("01234567"))
        .await
        .expect("read")
        .expect("northwind");
    assert_eq!(northwind.name, "Northwind Trading Ltd");
    assert_eq!(
        northwind.website.as_deref(),
        Some("https://northwind.example/")
    );
    assert_eq!(northwind.turnover_gbp, Some(48_250_000));
    assert_eq!(northwind.in_scope, Some(true));
    assert!(
        northwind.scope_reason.contains(NORTHWIND),
        "{}",
        northwind.scope_reason
    );
    let years = store.turnovers_of(northwind.id).await.expect("turnovers");
    assert_eq!(years.len(), 1);
    assert_eq!(
        (years[0].year, years[0].turnover, years[0].source.as_str()),
        (2024, 48_250_000, NORTHWIND)
    );
    assert_eq!(
        (years[0].employees, years[0].in_scope),
        (Some(512), Some(true))
    );

    let contoso = store
        .find_organisation("", Some("09876543"))
        .await
        .expect("read")
        .expect("contoso added");
    assert_eq!(contoso.name, "CONTOSO HOLDINGS PLC");
    assert_eq!(contoso.source, "accounts");
    assert_eq!(contoso.website, None);
    assert_eq!(contoso.financial_year_end.as_deref(), Some("12-31"));
    assert_eq!(contoso.in_scope, Some(true));
    let years = store.turnovers_of(contoso.id).await.expect("turnovers");
    // Year ending 31 December 2023: the statement falls due in 2024.
    assert_eq!((years[0].year, years[0].consolidated), (2024, true));

    let sleepy = store
        .find_organisation("", Some("07654321"))
        .await
        .expect("read")
        .expect("sleepy");
    assert_eq!(sleepy.in_scope, Some(false));
    let years = store.turnovers_of(sleepy.id).await.expect("turnovers");
    assert!(years[0].dormant);
    assert!(
        store
            .find_organisation("", Some("05555555"))
            .await
            .expect("read")
            .is_none()
    );

    // Added from its accounts, Contoso is in scope and unchecked until the
    // crawler looks; with no website it is in the `--no-website` export.
    let rows = export_rows(
        &store,
        &s54::store::ExportFilter {
            organisation_id: Some(contoso.id),
            ..Default::default()
        },
    )
    .await;
    assert!(
        rows.iter()
            .any(|r| r.year == 2024 && r.status == s54::registry::YearStatus::Unchecked),
        "{rows:?}"
    );
    let no_website = export_rows(
        &store,
        &s54::store::ExportFilter {
            no_website: true,
            ..Default::default()
        },
    )
    .await;
    assert!(no_website.iter().any(|r| r.organisation_id == contoso.id));
    assert!(no_website.iter().all(|r| r.organisation_id != northwind.id));
    let never = store
        .never_reported(&Default::default(), 100)
        .await
        .expect("never reported");
    let ids: Vec<i64> = never.iter().map(|n| n.id).collect();
    assert!(
        ids.contains(&contoso.id) && ids.contains(&northwind.id),
        "{never:?}"
    );
    assert!(never.iter().all(|n| n.id != sleepy.id));
    let counts = store.never_reported_counts().await.expect("counts");
    assert_eq!((counts.organisations, counts.without_website), (3, 2));

    // Importing the same product again changes nothing.
    let generation = store.generation().await.expect("generation");
    let again = accounts::import(&store, &zip, Limits::default(), &mut |_, _| {})
        .await
        .expect("import again");
    assert_eq!((again.added, again.recorded, again.not_in_scope), (0, 4, 1));
    assert_eq!(store.generation().await.expect("generation"), generation);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_import_on_both_backends() {
    on_both(import_story).await;
}

#[test]
fn the_command_exits_1_on_skipped_members_and_2_on_an_unreadable_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let zip = zip_of(dir.path(), &ALL, &[]);
    let db = format!("sqlite://{}", dir.path().join("s54.db").display());
    let out = Command::new(env!("CARGO_BIN_EXE_s54"))
        .args(["accounts", "import"])
        .arg(&zip)
        .args(["--db", &db])
        .output()
        .expect("run s54");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("{NOT_IXBRL}: skipped: not an iXBRL filing")),
        "{stderr}"
    );
    assert!(stderr.contains("8 members: 5 filings read"), "{stderr}");
    let out = Command::new(env!("CARGO_BIN_EXE_s54"))
        .args(["accounts", "import"])
        .arg(dir.path().join("missing.zip"))
        .args(["--db", &db])
        .output()
        .expect("run s54");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}
