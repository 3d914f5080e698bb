//! The registry export (`s54 export`, `/export.csv|json|ndjson`): one row per
//! organisation and reporting year, columns of interface.md in order,
//! streamed row by row from one database query (memory stays flat).
//!
//! [`write_export`] writes to any `std::io::Write`; [`export_stream`] yields
//! chunks of bytes for an HTTP body. Both encode with [`RowEncoder`].
//!
//! The columns are exactly the contract's unless the caller opts in to the
//! group column (`s54 export --with-group`, `/export.csv?with_group=1`):
//! then `group_id` follows the contract's columns (and is a key in JSON).

use crate::store::{EXPORT_COLUMNS, ExportFilter, GROUP_COLUMN, RegistryRow, Store, StoreError};
use bytes::Bytes;
use chrono::NaiveDate;
use futures::stream::{BoxStream, StreamExt};
use std::borrow::Cow;
use std::io::Write;

/// Output formats of the export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    /// One JSON array.
    Json,
    /// One JSON object per line.
    Ndjson,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Json => "application/json",
            Format::Ndjson => "application/x-ndjson",
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write the export: {0}")]
    Write(#[from] std::io::Error),
    #[error("cannot encode a row: {0}")]
    Encode(String),
}

/// Escapes a text cell against spreadsheet formula injection: a cell that
/// begins with `=`, `+`, `-`, `@`, tab or carriage return gets a leading
/// apostrophe, so no spreadsheet runs it.
pub fn csv_cell(s: &str) -> Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

fn b(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "true",
        Some(false) => "false",
        None => "",
    }
}

/// `first_seen` as written in every format: RFC 3339, whole seconds, UTC.
pub fn timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    let mut out = Vec::with_capacity(20);
    push_timestamp(&mut out, t);
    String::from_utf8(out).unwrap_or_default()
}

/// [`timestamp`] appended to a buffer (chrono's `format` parses its pattern
/// on every call, which showed in the export's profile).
fn push_timestamp(out: &mut Vec<u8>, t: chrono::DateTime<chrono::Utc>) {
    use chrono::{Datelike, Timelike};
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
}

fn push_date(out: &mut Vec<u8>, d: Option<NaiveDate>) {
    use chrono::Datelike;
    if let Some(d) = d {
        let _ = write!(out, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day());
    }
}

fn push_int(out: &mut Vec<u8>, n: Option<i64>) {
    if let Some(n) = n {
        let _ = write!(out, "{n}");
    }
}

/// The JSON form of a row: the CSV's keys and values, typed.
#[derive(serde::Serialize)]
struct JsonRow<'a> {
    organisation_id: i64,
    name: &'a str,
    org_type: Option<&'a str>,
    sector: Option<&'a str>,
    company_number: Option<&'a str>,
    in_scope: Option<bool>,
    year: i32,
    status: &'static str,
    reasons: &'a str,
    statement_id: Option<i64>,
    statement_url: Option<&'a str>,
    first_seen: Option<String>,
    financial_year_end: Option<NaiveDate>,
    approval_present: Option<bool>,
    approval_date: Option<NaiveDate>,
    signature_present: Option<bool>,
    signatory: Option<&'a str>,
    homepage_link: Option<bool>,
    areas_covered: &'a str,
    score: Option<i32>,
    late: Option<bool>,
    year_basis: Option<&'a str>,
    copied_from: Option<i32>,
    /// `Some(group id or null)` only when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    group_id: Option<Option<i64>>,
    /// Only with `--with-declared`.
    #[serde(skip_serializing_if = "Option::is_none")]
    declared_areas: Option<&'a [&'static str]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    declared_mismatch: Option<&'a [&'static str]>,
}

impl<'a> JsonRow<'a> {
    fn new(r: &'a RegistryRow, with_group: bool, declared: Option<&'a DeclaredCells>) -> Self {
        JsonRow {
            organisation_id: r.organisation_id,
            name: &r.name,
            org_type: r.org_type.as_deref(),
            sector: r.sector.as_deref(),
            company_number: r.company_number.as_deref(),
            in_scope: r.in_scope,
            year: r.year,
            status: r.status.as_str(),
            reasons: &r.reasons,
            statement_id: r.statement_id,
            statement_url: r.statement_url.as_deref(),
            first_seen: r.first_seen.map(timestamp),
            financial_year_end: r.financial_year_end,
            approval_present: r.approval_present,
            approval_date: r.approval_date,
            signature_present: r.signature_present,
            signatory: r.signatory.as_deref(),
            homepage_link: r.homepage_link,
            areas_covered: &r.areas_covered,
            score: r.score,
            late: r.late,
            year_basis: r.year_basis.as_deref(),
            copied_from: r.copied_from,
            group_id: with_group.then_some(r.group_id),
            declared_areas: declared.map(|d| d.areas.as_slice()),
            declared_mismatch: declared.map(|d| d.mismatch.as_slice()),
        }
    }
}

/// The `--with-declared` cells of one organisation and year.
#[derive(Debug, Clone, Default)]
pub struct DeclaredCells {
    pub areas: Vec<&'static str>,
    pub mismatch: Vec<&'static str>,
}

/// The opt-in columns written after the contract's with `--with-declared`.
pub const DECLARED_COLUMNS: [&str; 2] = ["declared_areas", "declared_mismatch"];

/// Encodes rows one at a time into bytes of one format.
pub struct RowEncoder {
    format: Format,
    rows: u64,
    with_group: bool,
    /// `Some` with `--with-declared`: each organisation and year's cells
    /// (read before the first row by [`RowEncoder::load_declared`]).
    declared: Option<std::collections::HashMap<(i64, i32), DeclaredCells>>,
}

/// Appends one CSV field (RFC 4180: quoted when it holds a comma, quote or
/// line break).
fn push_csv_field(out: &mut Vec<u8>, field: &str) {
    let bytes = field.as_bytes();
    if bytes
        .iter()
        .any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
    {
        out.push(b'"');
        for &b in bytes {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(bytes);
    }
}

/// A text cell: formula-escaped, then quoted when needed.
fn push_text(out: &mut Vec<u8>, field: &str) {
    push_csv_field(out, &csv_cell(field));
}

fn csv_record<'a>(fields: impl IntoIterator<Item = &'a str>) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    for (i, f) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_csv_field(&mut out, f);
    }
    out.extend_from_slice(b"\r\n");
    out
}

impl RowEncoder {
    /// The contract's columns, nothing more.
    pub fn new(format: Format) -> RowEncoder {
        RowEncoder::with_group(format, false)
    }

    /// With `with_group`, the `group_id` column after the contract's.
    pub fn with_group(format: Format, with_group: bool) -> RowEncoder {
        RowEncoder {
            format,
            rows: 0,
            with_group,
            declared: None,
        }
    }

    /// Adds the `declared_areas` and `declared_mismatch` columns.
    pub fn with_declared(mut self, on: bool) -> RowEncoder {
        self.declared = on.then(Default::default);
        self
    }

    /// Reads every declaration's comparison (when the columns are on).
    pub async fn load_declared(&mut self, store: &Store) -> Result<(), ExportError> {
        if let Some(map) = self.declared.as_mut() {
            for c in store.declared_checks(None).await? {
                map.insert(
                    (c.organisation_id, c.year),
                    DeclaredCells {
                        areas: c.declared_areas,
                        mismatch: c.unsupported_areas,
                    },
                );
            }
        }
        Ok(())
    }

    /// What comes before the first row.
    pub fn header(&mut self) -> Result<Vec<u8>, ExportError> {
        match self.format {
            Format::Csv => {
                let group = self.with_group.then_some(GROUP_COLUMN);
                let declared = self.declared.is_some().then_some(DECLARED_COLUMNS);
                Ok(csv_record(
                    EXPORT_COLUMNS
                        .iter()
                        .copied()
                        .chain(group)
                        .chain(declared.into_iter().flatten()),
                ))
            }
            Format::Json => Ok(b"[".to_vec()),
            Format::Ndjson => Ok(Vec::new()),
        }
    }

    /// One row.
    pub fn row(&mut self, r: &RegistryRow) -> Result<Vec<u8>, ExportError> {
        let mut out = Vec::with_capacity(256);
        self.row_into(r, &mut out)?;
        Ok(out)
    }

    /// One row, appended to `out` (no allocation per row once `out` has grown).
    pub fn row_into(&mut self, r: &RegistryRow, out: &mut Vec<u8>) -> Result<(), ExportError> {
        self.rows += 1;
        match self.format {
            Format::Csv => {
                // The columns of interface.md, in order; numbers, dates and
                // flags never need quoting or escaping.
                push_int(out, Some(r.organisation_id));
                out.push(b',');
                push_text(out, &r.name);
                out.push(b',');
                push_text(out, r.org_type.as_deref().unwrap_or(""));
                out.push(b',');
                push_text(out, r.sector.as_deref().unwrap_or(""));
                out.push(b',');
                push_text(out, r.company_number.as_deref().unwrap_or(""));
                out.push(b',');
                out.extend_from_slice(b(r.in_scope).as_bytes());
                out.push(b',');
                push_int(out, Some(i64::from(r.year)));
                out.push(b',');
                out.extend_from_slice(r.status.as_str().as_bytes());
                out.push(b',');
                push_text(out, &r.reasons);
                out.push(b',');
                push_int(out, r.statement_id);
                out.push(b',');
                push_text(out, r.statement_url.as_deref().unwrap_or(""));
                out.push(b',');
                if let Some(t) = r.first_seen {
                    push_timestamp(out, t);
                }
                out.push(b',');
                push_date(out, r.financial_year_end);
                out.push(b',');
                out.extend_from_slice(b(r.approval_present).as_bytes());
                out.push(b',');
                push_date(out, r.approval_date);
                out.push(b',');
                out.extend_from_slice(b(r.signature_present).as_bytes());
                out.push(b',');
                push_text(out, r.signatory.as_deref().unwrap_or(""));
                out.push(b',');
                out.extend_from_slice(b(r.homepage_link).as_bytes());
                out.push(b',');
                push_text(out, &r.areas_covered);
                out.push(b',');
                push_int(out, r.score.map(i64::from));
                out.push(b',');
                out.extend_from_slice(b(r.late).as_bytes());
                if self.with_group {
                    out.push(b',');
                    push_int(out, r.group_id);
                }
                if let Some(map) = &self.declared {
                    let cells = map.get(&(r.organisation_id, r.year));
                    out.push(b',');
                    push_text(out, &cells.map(|c| c.areas.join(";")).unwrap_or_default());
                    out.push(b',');
                    push_text(
                        out,
                        &cells.map(|c| c.mismatch.join(";")).unwrap_or_default(),
                    );
                }
                out.extend_from_slice(b"\r\n");
                Ok(())
            }
            Format::Json | Format::Ndjson => {
                if self.format == Format::Json && self.rows > 1 {
                    out.push(b',');
                }
                if self.format == Format::Json {
                    out.push(b'\n');
                }
                let empty = DeclaredCells::default();
                let declared = self
                    .declared
                    .as_ref()
                    .map(|m| m.get(&(r.organisation_id, r.year)).unwrap_or(&empty));
                serde_json::to_writer(&mut *out, &JsonRow::new(r, self.with_group, declared))
                    .map_err(|e| ExportError::Encode(e.to_string()))?;
                if self.format == Format::Ndjson {
                    out.push(b'\n');
                }
                Ok(())
            }
        }
    }

    /// What comes after the last row.
    pub fn footer(&mut self) -> Vec<u8> {
        match self.format {
            Format::Json if self.rows == 0 => b"]\n".to_vec(),
            Format::Json => b"\n]\n".to_vec(),
            _ => Vec::new(),
        }
    }
}

/// Writes the export to `out` as rows arrive from the database; returns the
/// number of rows.
pub async fn write_export<W: Write>(
    store: &Store,
    filter: &ExportFilter,
    format: Format,
    today: NaiveDate,
    out: &mut W,
) -> Result<u64, ExportError> {
    write_export_with(store, filter, RowEncoder::new(format), today, out).await
}

/// [`write_export`] with a given encoder (e.g. [`RowEncoder::with_group`]).
pub async fn write_export_with<W: Write>(
    store: &Store,
    filter: &ExportFilter,
    mut enc: RowEncoder,
    today: NaiveDate,
    out: &mut W,
) -> Result<u64, ExportError> {
    const CHUNK: usize = 64 * 1024;
    enc.load_declared(store).await?;
    let mut buf = enc.header()?;
    let mut rows = store.registry_rows(filter, today).await?;
    let mut n = 0;
    while let Some(row) = rows.next().await {
        enc.row_into(&row?, &mut buf)?;
        n += 1;
        if buf.len() >= CHUNK {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    buf.extend_from_slice(&enc.footer());
    out.write_all(&buf)?;
    out.flush()?;
    Ok(n)
}

/// The export as a stream of byte chunks (about 64 KB each), for an HTTP
/// body. A database error ends the stream with that error.
pub fn export_stream(
    store: Store,
    filter: ExportFilter,
    enc: RowEncoder,
    today: NaiveDate,
) -> BoxStream<'static, Result<Bytes, ExportError>> {
    const CHUNK: usize = 64 * 1024;
    let (tx, rx) = futures::channel::mpsc::channel::<Result<Bytes, ExportError>>(4);
    tokio::spawn(async move {
        use futures::SinkExt;
        let mut tx = tx;
        let result: Result<(), ExportError> = async {
            let mut enc = enc;
            enc.load_declared(&store).await?;
            let mut buf = enc.header()?;
            let mut rows = store.registry_rows(&filter, today).await?;
            while let Some(row) = rows.next().await {
                enc.row_into(&row?, &mut buf)?;
                if buf.len() >= CHUNK {
                    let chunk = Bytes::from(std::mem::take(&mut buf));
                    if tx.send(Ok(chunk)).await.is_err() {
                        // The client went away: stop reading.
                        return Ok(());
                    }
                }
            }
            buf.extend_from_slice(&enc.footer());
            let _ = tx.send(Ok(Bytes::from(buf))).await;
            Ok(())
        }
        .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "export stream failed");
            let _ = tx.send(Err(e)).await;
        }
    });
    rx.boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_escaped() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_cell("+44"), "'+44");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("@SUM"), "'@SUM");
        assert_eq!(csv_cell("\tx"), "'\tx");
        assert_eq!(csv_cell("\rx"), "'\rx");
        assert_eq!(csv_cell("Acme"), "Acme");
        assert_eq!(csv_cell(""), "");
    }

    #[test]
    fn a_csv_row_has_every_column_escaped_and_quoted() {
        use chrono::TimeZone;
        let r = RegistryRow {
            organisation_id: 7,
            name: "=Acme, \"Ltd\"".into(),
            org_type: Some("company".into()),
            sector: None,
            company_number: Some("01234567".into()),
            in_scope: Some(true),
            year: 2024,
            status: crate::registry::YearStatus::Noncompliant,
            reasons: "MSA-54-6a-board-approval;MSA-54-6a-signature".into(),
            statement_id: Some(42),
            statement_url: Some("https://acme.example/msa?a=1,2".into()),
            first_seen: chrono::Utc.with_ymd_and_hms(2024, 7, 1, 9, 5, 3).single(),
            financial_year_end: NaiveDate::from_ymd_opt(2024, 3, 31),
            approval_present: Some(false),
            approval_date: None,
            signature_present: Some(true),
            signatory: Some("-Jane Doe".into()),
            homepage_link: None,
            areas_covered: "policies;training".into(),
            score: Some(55),
            late: Some(false),
            covered_by: None,
            group_id: Some(3),
            year_basis: Some("approval_date".into()),
            copied_from: Some(2023),
            missing_note: None,
        };
        let mut json = RowEncoder::new(Format::Ndjson);
        let line = String::from_utf8(json.row(&r).unwrap()).unwrap();
        assert!(
            line.contains("\"year_basis\":\"approval_date\",\"copied_from\":2023"),
            "{line}"
        );
        let mut with_group = RowEncoder::with_group(Format::Csv, true);
        let grouped = String::from_utf8(with_group.row(&r).unwrap()).unwrap();
        assert!(grouped.ends_with(",false,3\r\n"), "{grouped}");
        let mut enc = RowEncoder::new(Format::Csv);
        let got = String::from_utf8(enc.row(&r).unwrap()).unwrap();
        assert_eq!(
            got,
            "7,\"'=Acme, \"\"Ltd\"\"\",company,,01234567,true,2024,noncompliant,\
             MSA-54-6a-board-approval;MSA-54-6a-signature,42,\"https://acme.example/msa?a=1,2\",\
             2024-07-01T09:05:03Z,2024-03-31,false,,true,'-Jane Doe,,policies;training,55,false\r\n"
        );
        assert_eq!(got.matches(',').count() - 2, EXPORT_COLUMNS.len() - 1);
        assert_eq!(
            timestamp(
                chrono::Utc
                    .with_ymd_and_hms(2025, 12, 31, 23, 59, 59)
                    .unwrap()
            ),
            "2025-12-31T23:59:59Z"
        );
    }

    #[test]
    fn the_group_column_is_only_written_on_request() {
        let contract = "organisation_id,name,org_type,sector,company_number,in_scope,year,status,reasons,\
            statement_id,statement_url,first_seen,financial_year_end,approval_present,approval_date,\
            signature_present,signatory,homepage_link,areas_covered,score,late\r\n";
        let plain = RowEncoder::new(Format::Csv).header().unwrap();
        assert_eq!(String::from_utf8(plain).unwrap(), contract);
        let with = RowEncoder::with_group(Format::Csv, true).header().unwrap();
        assert_eq!(
            String::from_utf8(with).unwrap(),
            contract.replace("\r\n", ",group_id\r\n")
        );
        assert!(
            RowEncoder::with_group(Format::Ndjson, true)
                .header()
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(
            csv_record(["a", "b,c", "say \"hi\"", "two\nlines"]),
            b"a,\"b,c\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n".to_vec()
        );
    }
}
