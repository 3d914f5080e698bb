//! `s54 import`: organisations from the native CSV (interface.md) or the
//! Government registry's open-data CSV (registry-csv.md), recognised by the
//! header. Rows are validated one by one: a bad row is reported with its line
//! number and skipped, the good rows load. Loading is idempotent: organisations
//! are matched on company number, else normalised name, and a row that brings
//! nothing new changes nothing.

use crate::domain::{Area, OrgType};
use crate::registry::YearEnd;
use crate::store::{
    Declaration, NewOrganisation, OrgUpsert, Store, StoreError, Upserted, normalise_name,
};
use chrono::{Datelike, NaiveDate};
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// Rows sent to the database per transaction.
const BATCH: usize = 2_000;

/// Which CSV a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvKind {
    /// `name,website,org_type,…` (interface.md).
    Native,
    /// The Government registry's `StatementSummaries{YEAR}.csv`.
    Registry,
    /// Companies House's free company data product (`BasicCompanyData…csv`).
    CompanyData,
}

impl CsvKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CsvKind::Native => "native organisations CSV",
            CsvKind::Registry => "Government registry CSV",
            CsvKind::CompanyData => "Companies House company data",
        }
    }
}

/// Why a whole import failed (a bad row is not an error: see [`RowProblem`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    #[error("cannot read '{path}': {reason}")]
    Read {
        path: String,
        reason: std::io::Error,
    },
    #[error("'{path}' is not a CSV this importer knows: {reason}")]
    Unrecognised { path: String, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A row that was skipped (or loaded with a part dropped, when `warning`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// 1-based line where the row starts in the file.
    pub line: u64,
    pub message: String,
    /// `true`: the row still loaded, without the bad value.
    pub warning: bool,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub kind: CsvKind,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    pub problems: Vec<RowProblem>,
    /// Group members linked to their parent.
    pub parents_linked: u64,
}

impl ImportReport {
    /// The summary line printed by `s54 import`.
    pub fn summary(&self) -> String {
        format!(
            "{}: {} loaded, {} updated, {} unchanged, {} rejected",
            self.kind.as_str(),
            self.inserted,
            self.updated,
            self.unchanged,
            self.rejected
        )
    }

    /// Counts what the store did with each row of a batch.
    pub(crate) fn tally(&mut self, results: impl IntoIterator<Item = Upserted>) {
        for r in results {
            match r {
                Upserted::Inserted(_) => self.inserted += 1,
                Upserted::Updated(_) => self.updated += 1,
                Upserted::Unchanged(_) => self.unchanged += 1,
            }
        }
    }
}

/// Imports one CSV file into the store. The Companies House company data
/// product (millions of rows) is streamed; the others are read whole.
pub async fn import_file(store: &Store, path: &Path) -> Result<ImportReport, ImportError> {
    use std::io::BufRead;
    let shown = path.display().to_string();
    let read_err = |reason| ImportError::Read {
        path: shown.clone(),
        reason,
    };
    let mut file =
        std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(path).map_err(read_err)?);
    let first = file.fill_buf().map_err(read_err)?;
    let head_end = memchr::memchr(b'\n', first).unwrap_or(first.len());
    let head: Vec<String> = String::from_utf8_lossy(&first[..head_end])
        .trim_start_matches('\u{feff}')
        .split(',')
        .map(|h| h.trim().trim_matches('"').trim().to_string())
        .collect();
    if super::company_data::is_company_data(&head) {
        return super::company_data::import_company_data(store, file, &shown).await;
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(read_err)?;
    import_bytes(store, &bytes, &shown).await
}

/// Imports CSV bytes (`name` is used in messages).
pub async fn import_bytes(
    store: &Store,
    bytes: &[u8],
    name: &str,
) -> Result<ImportReport, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(bytes);
    let headers = rdr
        .byte_headers()
        .map_err(|e| ImportError::Unrecognised {
            path: name.to_string(),
            reason: e.to_string(),
        })?
        .clone();
    let header: Vec<String> = headers
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .collect();
    let cols = Columns::new(&header);
    if super::company_data::is_company_data(&header) {
        return super::company_data::import_company_data(store, bytes, name).await;
    }
    let kind = if cols.has("OrganisationName")
        && (cols.has("StatementURL") || cols.has("StatementYear"))
    {
        CsvKind::Registry
    } else if cols.has("name") {
        CsvKind::Native
    } else {
        return Err(ImportError::Unrecognised {
            path: name.to_string(),
            reason: "the header has neither a `name` column (native CSV) nor `OrganisationName` and `StatementURL` (Government registry CSV)".into(),
        });
    };
    let mut report = ImportReport {
        kind,
        inserted: 0,
        updated: 0,
        unchanged: 0,
        rejected: 0,
        problems: Vec::new(),
        parents_linked: 0,
    };
    // Key → first line, to reject duplicates within one file.
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut batch: Vec<OrgUpsert> = Vec::with_capacity(BATCH);
    let mut record = csv::ByteRecord::new();
    loop {
        let line = rdr.position().line();
        match rdr.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                // The csv reader cannot resynchronise after a broken quote:
                // report it and stop reading, keeping what was read.
                report.rejected += 1;
                report.problems.push(RowProblem {
                    line,
                    message: format!("broken CSV: {e}"),
                    warning: false,
                });
                break;
            }
        }
        let line = record
            .position()
            .map(|p| {
                // With CRLF record ends the reader stops at '\r', so a record's
                // recorded start can sit on the previous line's '\n'.
                let on_newline = bytes.get(p.byte() as usize) == Some(&b'\n');
                p.line() + u64::from(on_newline)
            })
            .unwrap_or(line);
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        let fields: Vec<String> = record
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect();
        if fields.len() != header.len() {
            report.rejected += 1;
            report.problems.push(RowProblem {
                line,
                message: format!(
                    "broken row: {} fields where the header has {}",
                    fields.len(),
                    header.len()
                ),
                warning: false,
            });
            continue;
        }
        let row = Row {
            cols: &cols,
            fields: &fields,
        };
        let mut warnings = Vec::new();
        let parsed = match kind {
            CsvKind::Native => native_row(&row),
            CsvKind::Registry | CsvKind::CompanyData => registry_row(&row, &mut warnings),
        };
        for w in warnings {
            report.problems.push(RowProblem {
                line,
                message: w,
                warning: true,
            });
        }
        let upsert = match parsed {
            Ok(u) => u,
            Err(message) => {
                report.rejected += 1;
                report.problems.push(RowProblem {
                    line,
                    message,
                    warning: false,
                });
                continue;
            }
        };
        let org = &upsert.organisation;
        let who = match &org.company_number {
            Some(c) => format!("company number {c}"),
            None => format!("name '{}'", org.name),
        };
        let mut key = match &org.company_number {
            Some(c) => format!("c:{c}"),
            None => format!("n:{}", normalise_name(&org.name)),
        };
        if let Some(d) = &upsert.declaration {
            key = format!("{key}|{}|{}", d.year, d.summary_url);
        }
        if let Some(first) = seen.get(&key) {
            report.rejected += 1;
            report.problems.push(RowProblem {
                line,
                message: format!("duplicate organisation ({who}) already on line {first}"),
                warning: false,
            });
            continue;
        }
        seen.insert(key, line);
        batch.push(upsert);
        if batch.len() >= BATCH {
            flush(store, &mut batch, &mut report).await?;
        }
    }
    flush(store, &mut batch, &mut report).await?;
    report.parents_linked = store.link_parents().await?;
    Ok(report)
}

async fn flush(
    store: &Store,
    batch: &mut Vec<OrgUpsert>,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    if batch.is_empty() {
        return Ok(());
    }
    report.tally(store.upsert_organisations(batch).await?);
    batch.clear();
    Ok(())
}

/// Header positions, matched case-insensitively; unknown columns ignored.
struct Columns {
    index: HashMap<String, usize>,
}

impl Columns {
    fn new(header: &[String]) -> Columns {
        let mut index = HashMap::new();
        for (i, h) in header.iter().enumerate() {
            index.entry(h.to_ascii_lowercase()).or_insert(i);
        }
        Columns { index }
    }
    fn has(&self, name: &str) -> bool {
        self.index.contains_key(&name.to_ascii_lowercase())
    }
}

struct Row<'a> {
    cols: &'a Columns,
    fields: &'a [String],
}

impl Row<'_> {
    /// The trimmed value of a column, `None` when absent or blank.
    fn get(&self, name: &str) -> Option<&str> {
        let i = *self.cols.index.get(&name.to_ascii_lowercase())?;
        let v = self.fields.get(i)?.trim();
        (!v.is_empty()).then_some(v)
    }
}

/// `£36,000,000`, `36000000`, `36000000.00` → 36000000.
pub fn parse_gbp(s: &str) -> Result<i64, String> {
    let cleaned: String = s
        .chars()
        .filter(|c| !matches!(c, '£' | ',' | ' ' | '_'))
        .collect();
    let bad = || format!("'{s}' is not an amount in pounds");
    if cleaned.is_empty() || cleaned.starts_with('-') {
        return Err(bad());
    }
    if let Ok(n) = cleaned.parse::<i64>() {
        return Ok(n);
    }
    match cleaned.parse::<f64>() {
        Ok(f) if (0.0..9.0e18).contains(&f) => Ok(f.round() as i64),
        _ => Err(bad()),
    }
}

/// An organisation's website: an http(s) URL, or a bare domain
/// (`example.com` → `https://example.com/`).
pub fn parse_website(s: &str) -> Result<String, String> {
    let bad = || format!("invalid website URL '{s}'");
    let with_scheme = if s.contains("://") {
        s.to_string()
    } else {
        format!("https://{s}")
    };
    let u = url::Url::parse(&with_scheme).map_err(|_| bad())?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(bad());
    }
    match u.host_str() {
        Some(h) if h.contains('.') || h == "localhost" => Ok(u.to_string()),
        _ => Err(bad()),
    }
}

/// Company numbers as Companies House writes them: upper case, and 8
/// characters for purely numeric ones (spreadsheets drop leading zeros).
pub fn normalise_company_number(s: &str) -> Option<String> {
    let c: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    if c.is_empty() {
        return None;
    }
    if c.len() < 8 && c.chars().all(|ch| ch.is_ascii_digit()) {
        return Some(format!("{c:0>8}"));
    }
    Some(c)
}

/// Day/month/year (`31/03/2024`, with or without a time) or ISO
/// (`2024-03-31`, `2024-03-31T00:00:00`).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let date_part = s.split([' ', 'T']).next().unwrap_or(s);
    if let Ok(d) = NaiveDate::parse_from_str(date_part, "%Y-%m-%d") {
        return Some(d);
    }
    let parts: Vec<&str> = date_part.split(['/', '.', '-']).collect();
    if let [d, m, y] = parts.as_slice() {
        let (d, m, y) = (d.parse().ok()?, m.parse().ok()?, y.parse::<i32>().ok()?);
        let y = if y < 100 { 2000 + y } else { y };
        return NaiveDate::from_ymd_opt(y, m, d);
    }
    None
}

/// A column's value, or `None` with its problem noted.
fn noted<T>(problems: &mut Vec<String>, r: Result<Option<T>, String>) -> Option<T> {
    r.unwrap_or_else(|e| {
        problems.push(e);
        None
    })
}

/// A native CSV row, or every problem it has (not only the first), joined
/// with "; ".
fn native_row(row: &Row) -> Result<OrgUpsert, String> {
    let mut problems: Vec<String> = Vec::new();
    let website = noted(
        &mut problems,
        row.get("website").map(parse_website).transpose(),
    );
    let org_type = noted(
        &mut problems,
        row.get("org_type")
            .map(|t| t.parse::<OrgType>().map_err(|e| e.to_string()))
            .transpose(),
    );
    let turnover_gbp = noted(
        &mut problems,
        row.get("turnover_gbp")
            .map(|v| parse_gbp(v).map_err(|e| format!("turnover_gbp: {e}")))
            .transpose(),
    );
    let budget_gbp = noted(
        &mut problems,
        row.get("budget_gbp")
            .map(|v| parse_gbp(v).map_err(|e| format!("budget_gbp: {e}")))
            .transpose(),
    );
    let financial_year_end = noted(
        &mut problems,
        row.get("financial_year_end")
            .map(|v| match parse_date(v).filter(|_| v.len() >= 8) {
                Some(d) => Ok(YearEnd::from_date(d).to_string()),
                None => YearEnd::parse(v)
                    .map(|f| f.to_string())
                    .map_err(|e| e.to_string()),
            })
            .transpose(),
    );
    let name = row.get("name");
    if name.is_none() {
        problems.insert(0, "missing name".to_string());
    }
    let (Some(name), true) = (name, problems.is_empty()) else {
        return Err(problems.join("; "));
    };
    Ok(OrgUpsert {
        organisation: NewOrganisation {
            name: name.to_string(),
            website,
            org_type,
            sector: row.get("sector").map(str::to_string),
            turnover_gbp,
            budget_gbp,
            company_number: row.get("company_number").and_then(normalise_company_number),
            financial_year_end,
            parent_name: row.get("parent").map(str::to_string),
            source: "native-csv".into(),
            ..Default::default()
        },
        declaration: None,
    })
}

fn yes(v: Option<&str>) -> bool {
    v.is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "yes" | "y" | "true" | "1"))
}

/// The registry's multi-value cells are joined with CRLF.
fn multi(v: Option<&str>) -> Vec<String> {
    v.map(|v| {
        v.split(['\r', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    })
    .unwrap_or_default()
}

/// `in_scope` from the registry's turnover band.
fn band_scope(band: &str) -> Option<bool> {
    let b = band.to_ascii_lowercase();
    if b.contains("not provided") || b.is_empty() {
        None
    } else if b.contains("under") || b.contains("less than") {
        Some(false)
    } else if b.contains('£') || b.contains("over") || b.contains("36") {
        Some(true)
    } else {
        None
    }
}

fn registry_row(row: &Row, warnings: &mut Vec<String>) -> Result<OrgUpsert, String> {
    let name = row
        .get("OrganisationName")
        .ok_or("missing OrganisationName")?
        .to_string();
    let year: i32 = match row.get("StatementYear") {
        Some(y) => y
            .parse()
            .ok()
            .filter(|y| (2015..=2100).contains(y))
            .ok_or_else(|| format!("StatementYear '{y}' is not a year"))?,
        None => return Err("missing StatementYear".into()),
    };
    let mut url_field = |col: &str| -> Option<String> {
        let v = row.get(col)?;
        match url::Url::parse(v) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {
                Some(u.to_string())
            }
            _ => {
                warnings.push(format!("{col}: invalid URL '{v}' ignored"));
                None
            }
        }
    };
    let statement_url = url_field("StatementURL");
    let pdf_url = url_field("PDFURL");
    let summary_url = url_field("StatementSummaryURL").unwrap_or_default();
    let mut date_field = |col: &str| -> Option<NaiveDate> {
        let v = row.get(col)?;
        let d = parse_date(v);
        if d.is_none() {
            warnings.push(format!("{col}: '{v}' is not a date, ignored"));
        }
        d
    };
    let period_start = date_field("StatementStartDate");
    let period_end = date_field("StatementEndDate");
    let date_approved = date_field("DateApproved");
    let sectors = multi(row.get("OrganisationSectors"));
    let sector_type = row.get("SectorType").map(str::to_string);
    let band = row.get("Turnover").map(str::to_string);
    let public = sector_type
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("public"));
    let group = yes(row.get("GroupSubmission"));
    let parent_name = row
        .get("ParentName")
        .filter(|p| normalise_name(p) != normalise_name(&name))
        .map(str::to_string);
    let website = statement_url.as_deref().and_then(|u| {
        let u = url::Url::parse(u).ok()?;
        Some(format!("{}/", u.origin().ascii_serialization()))
    });
    let areas: Vec<Area> = [
        ("StatementIncludesOrgStructure", Area::Structure),
        ("StatementIncludesPolicies", Area::Policies),
        ("StatementIncludesDueDiligence", Area::DueDiligence),
        ("StatementIncludesRisksAssessment", Area::Risk),
        ("StatementIncludesGoals", Area::Effectiveness),
        ("StatementIncludesTraining", Area::Training),
    ]
    .into_iter()
    .filter(|(col, _)| yes(row.get(col)))
    .map(|(_, a)| a)
    .collect();
    Ok(OrgUpsert {
        organisation: NewOrganisation {
            name,
            website,
            org_type: public.then_some(OrgType::PublicBody),
            sector: sectors.first().cloned(),
            company_number: row.get("CompanyNumber").and_then(normalise_company_number),
            financial_year_end: period_end.map(|d| {
                // A period ending on the 30th of a 31-day month is kept as stated.
                format!("{:02}-{:02}", d.month(), d.day())
            }),
            parent_name: if group { parent_name } else { None },
            in_scope: band.as_deref().and_then(band_scope),
            turnover_band: band.clone(),
            source: "registry-csv".into(),
            ..Default::default()
        },
        declaration: Some(Declaration {
            organisation_id: 0,
            year,
            summary_url,
            statement_url,
            email_no_url: row.get("EmailAddressNoURL").map(str::to_string),
            period_start,
            period_end,
            approving_person: row.get("ApprovingPerson").map(str::to_string),
            date_approved,
            areas,
            group_submission: group,
            parent_name: row.get("ParentName").map(str::to_string),
            turnover_band: band,
            sector_type,
            sectors: (!sectors.is_empty()).then(|| sectors.join("; ")),
            pdf_url,
            last_updated: row.get("LastUpdated").map(str::to_string),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts() {
        assert_eq!(parse_gbp("£36,000,000"), Ok(36_000_000));
        assert_eq!(parse_gbp("36000000.40"), Ok(36_000_000));
        assert!(parse_gbp("lots").is_err());
        assert!(parse_gbp("-5").is_err());
        assert!(parse_gbp("1e400").is_err());
    }

    #[test]
    fn dates_day_first_or_iso() {
        let d = NaiveDate::from_ymd_opt(2024, 3, 31);
        assert_eq!(parse_date("31/03/2024"), d);
        assert_eq!(parse_date("31/03/2024 00:00:00"), d);
        assert_eq!(parse_date("2024-03-31T00:00:00"), d);
        assert_eq!(parse_date("2024-03-31"), d);
        assert_eq!(parse_date("31/02/2024"), None);
        assert_eq!(parse_date("soon"), None);
    }

    #[test]
    fn websites_and_company_numbers() {
        assert_eq!(
            parse_website("acme.example").unwrap(),
            "https://acme.example/"
        );
        assert!(parse_website("ftp://acme.example").is_err());
        assert!(parse_website("not a url").is_err());
        assert_eq!(
            normalise_company_number("1234567").as_deref(),
            Some("01234567")
        );
        assert_eq!(
            normalise_company_number(" sc123456 ").as_deref(),
            Some("SC123456")
        );
        assert_eq!(normalise_company_number(" "), None);
    }

    #[test]
    fn turnover_bands() {
        assert_eq!(band_scope("Under £36 million"), Some(false));
        assert_eq!(band_scope("£36 million - £60 million"), Some(true));
        assert_eq!(band_scope("Over £500 million"), Some(true));
        assert_eq!(band_scope("Not provided"), None);
    }

    proptest::proptest! {
        #[test]
        fn parsers_never_panic(s in "\\PC*") {
            let _ = parse_gbp(&s);
            let _ = parse_date(&s);
            let _ = parse_website(&s);
            let _ = normalise_company_number(&s);
        }
    }
}
