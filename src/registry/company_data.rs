//! The Companies House free company data product (`BasicCompanyData…csv`)
//! in `s54 import`: legal form, accounting reference date, status and SIC
//! codes for the organisations already in the registry, matched on company
//! number. The file (about five million rows, header names with leading
//! spaces) is streamed: memory is the registry's company numbers plus one
//! batch of matched rows, whatever the file's size.

use super::import::{
    CsvKind, ImportError, ImportReport, RowProblem, normalise_company_number, parse_date,
};
use crate::domain::OrgType;
use crate::registry::YearEnd;
use crate::store::{CompanyData, Store};
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};
use std::io::Read;

/// Matched rows written per transaction.
const BATCH: usize = 1_000;

/// Whether a (trimmed) header is the company data product's.
pub fn is_company_data(header: &[String]) -> bool {
    let has = |n: &str| header.iter().any(|h| h.eq_ignore_ascii_case(n));
    has("CompanyNumber") && (has("CompanyCategory") || has("Accounts.AccountRefMonth"))
}

/// The s.54(6) entity type of a Companies House company category; `None`
/// for categories that map to none of s54's types (left as they are).
pub fn category_type(category: &str) -> Option<OrgType> {
    let c = category.trim().to_ascii_lowercase();
    if c.contains("limited liability partnership") {
        Some(OrgType::Llp)
    } else if c.contains("limited partnership") {
        Some(OrgType::LimitedPartnership)
    } else if c.contains("charitable incorporated organisation") {
        Some(OrgType::Charity)
    } else if c.contains("company")
        || c.starts_with("pri/")
        || c.contains("limited by guarantee")
        || c.contains("unlimited")
    {
        Some(OrgType::Company)
    } else {
        None
    }
}

/// Column positions of the fields read (header names trimmed).
struct Cols {
    number: usize,
    category: Option<usize>,
    status: Option<usize>,
    dissolved: Option<usize>,
    ref_day: Option<usize>,
    ref_month: Option<usize>,
    sic: Vec<usize>,
}

impl Cols {
    fn new(header: &[String]) -> Option<Cols> {
        let at = |n: &str| header.iter().position(|h| h.eq_ignore_ascii_case(n));
        Some(Cols {
            number: at("CompanyNumber")?,
            category: at("CompanyCategory"),
            status: at("CompanyStatus"),
            dissolved: at("DissolutionDate"),
            ref_day: at("Accounts.AccountRefDay"),
            ref_month: at("Accounts.AccountRefMonth"),
            sic: (1..=4)
                .filter_map(|i| at(&format!("SICCode.SicText_{i}")))
                .collect(),
        })
    }
}

fn field<'r>(r: &'r csv::ByteRecord, i: Option<usize>) -> Option<&'r str> {
    let v = std::str::from_utf8(r.get(i?)?).ok()?.trim();
    (!v.is_empty()).then_some(v)
}

/// One row's data, or why it cannot be used (`Ok(None)`: a row for a
/// company that is not in the registry, not read further).
fn parse_row(
    r: &csv::ByteRecord,
    c: &Cols,
    known: &HashSet<String>,
) -> Result<Option<CompanyData>, String> {
    let Some(number) = field(r, Some(c.number)).and_then(normalise_company_number) else {
        return Err("missing CompanyNumber".into());
    };
    if !known.contains(&number) {
        return Ok(None);
    }
    let year_end = match (field(r, c.ref_day), field(r, c.ref_month)) {
        (Some(d), Some(m)) => Some(YearEnd::parse(&format!("{m}-{d}")).map_err(|_| {
            format!("accounting reference date day '{d}' month '{m}' is not a date")
        })?),
        _ => None,
    };
    let dissolved_on = match field(r, c.dissolved) {
        Some(d) => {
            Some(parse_date(d).ok_or_else(|| format!("DissolutionDate '{d}' is not a date"))?)
        }
        None => None,
    };
    let sic: Vec<String> = c
        .sic
        .iter()
        .filter_map(|i| field(r, Some(*i)))
        .map(str::to_string)
        .collect();
    Ok(Some(CompanyData {
        company_number: number,
        org_type: field(r, c.category).and_then(category_type),
        financial_year_end: year_end.map(|y| y.to_string()),
        company_status: field(r, c.status).map(str::to_string),
        dissolved_on,
        sic_codes: sic.join("; "),
        sector: sic.first().map(|s| sic_sector(s)),
    }))
}

/// `10110 - Processing and preserving of meat` → `Processing and preserving of meat`.
fn sic_sector(s: &str) -> String {
    s.split_once(" - ").map_or(s, |(_, t)| t).trim().to_string()
}

/// Streams a company data file into the registry (see the module docs).
pub async fn import_company_data<R: Read>(
    store: &Store,
    reader: R,
    name: &str,
) -> Result<ImportReport, ImportError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(NoCr(reader));
    let header: Vec<String> = rdr
        .byte_headers()
        .map_err(|e| unrecognised(name, e.to_string()))?
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim()
                .trim_start_matches('\u{feff}')
                .to_string()
        })
        .collect();
    let cols =
        Cols::new(&header).ok_or_else(|| unrecognised(name, "no CompanyNumber column".into()))?;
    let known: HashSet<String> = store.company_numbers().await?.into_iter().collect();
    let mut report = ImportReport {
        kind: CsvKind::CompanyData,
        inserted: 0,
        updated: 0,
        unchanged: 0,
        rejected: 0,
        problems: Vec::new(),
        parents_linked: 0,
    };
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut batch: Vec<CompanyData> = Vec::with_capacity(BATCH);
    let mut record = csv::ByteRecord::new();
    loop {
        let line = rdr.position().line();
        match rdr.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                reject(&mut report, line, format!("broken CSV: {e}"));
                break;
            }
        }
        let line = record.position().map_or(line, |p| p.line());
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        match parse_row(&record, &cols, &known) {
            Ok(None) => {}
            Ok(Some(d)) => {
                if let Some(first) = seen.get(&d.company_number) {
                    let m = format!(
                        "duplicate company number {} already on line {first}",
                        d.company_number
                    );
                    reject(&mut report, line, m);
                    continue;
                }
                seen.insert(d.company_number.clone(), line);
                batch.push(d);
                if batch.len() >= BATCH {
                    flush(store, &mut batch, &mut report).await?;
                }
            }
            Err(m) => reject(&mut report, line, m),
        }
    }
    flush(store, &mut batch, &mut report).await?;
    Ok(report)
}

/// Drops carriage returns, so that CRLF files count lines as LF files do
/// (the csv reader reports a CRLF record's start on the line before).
struct NoCr<R>(R);

impl<R: Read> Read for NoCr<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let n = self.0.read(buf)?;
            if n == 0 {
                return Ok(0);
            }
            let mut kept = 0;
            for i in 0..n {
                if buf[i] != b'\r' {
                    buf[kept] = buf[i];
                    kept += 1;
                }
            }
            if kept > 0 {
                return Ok(kept);
            }
        }
    }
}

fn unrecognised(name: &str, reason: String) -> ImportError {
    ImportError::Unrecognised {
        path: name.to_string(),
        reason,
    }
}

fn reject(report: &mut ImportReport, line: u64, message: String) {
    report.rejected += 1;
    report.problems.push(RowProblem {
        line,
        message,
        warning: false,
    });
}

async fn flush(
    store: &Store,
    batch: &mut Vec<CompanyData>,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    if batch.is_empty() {
        return Ok(());
    }
    report.tally(store.apply_company_data(batch).await?);
    batch.clear();
    Ok(())
}

/// Whether `date` (a dissolution) is before the statement due date `due`:
/// an organisation dissolved before a year's statement fell due is out of
/// scope for that year.
pub fn dissolved_before(dissolved_on: Option<NaiveDate>, due: NaiveDate) -> bool {
    dissolved_on.is_some_and(|d| d < due)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_map_to_entity_types() {
        assert_eq!(
            category_type("Private Limited Company"),
            Some(OrgType::Company)
        );
        assert_eq!(
            category_type("Public Limited Company"),
            Some(OrgType::Company)
        );
        assert_eq!(
            category_type("Limited Liability Partnership"),
            Some(OrgType::Llp)
        );
        assert_eq!(
            category_type("Limited Partnership"),
            Some(OrgType::LimitedPartnership)
        );
        assert_eq!(
            category_type("PRI/LTD BY GUAR/NSC (Private, limited by guarantee, no share capital)"),
            Some(OrgType::Company)
        );
        assert_eq!(
            category_type("Charitable Incorporated Organisation"),
            Some(OrgType::Charity)
        );
        assert_eq!(category_type("Registered Society"), None);
        assert_eq!(
            sic_sector("10110 - Processing and preserving of meat"),
            "Processing and preserving of meat"
        );
    }
}
