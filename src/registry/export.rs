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

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// `first_seen` as written in every format: RFC 3339, whole seconds, UTC.
pub fn timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
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
    /// `Some(group id or null)` only when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    group_id: Option<Option<i64>>,
}

impl<'a> JsonRow<'a> {
    fn new(r: &'a RegistryRow, with_group: bool) -> Self {
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
            group_id: with_group.then_some(r.group_id),
        }
    }
}

/// Encodes rows one at a time into bytes of one format.
pub struct RowEncoder {
    format: Format,
    rows: u64,
    with_group: bool,
}

/// Appends one CSV field (RFC 4180: quoted when it holds a comma, quote or
/// line break).
fn push_csv_field(out: &mut Vec<u8>, field: &str) {
    if field.contains([',', '"', '\r', '\n']) {
        out.push(b'"');
        out.extend_from_slice(field.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(field.as_bytes());
    }
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
        }
    }

    /// What comes before the first row.
    pub fn header(&mut self) -> Result<Vec<u8>, ExportError> {
        match self.format {
            Format::Csv if self.with_group => Ok(csv_record(
                EXPORT_COLUMNS.iter().copied().chain([GROUP_COLUMN]),
            )),
            Format::Csv => Ok(csv_record(EXPORT_COLUMNS)),
            Format::Json => Ok(b"[".to_vec()),
            Format::Ndjson => Ok(Vec::new()),
        }
    }

    /// One row.
    pub fn row(&mut self, r: &RegistryRow) -> Result<Vec<u8>, ExportError> {
        self.rows += 1;
        match self.format {
            Format::Csv => {
                let fields: [Cow<str>; 21] = [
                    Cow::Owned(r.organisation_id.to_string()),
                    csv_cell(&r.name),
                    csv_cell(r.org_type.as_deref().unwrap_or("")),
                    csv_cell(r.sector.as_deref().unwrap_or("")),
                    csv_cell(r.company_number.as_deref().unwrap_or("")),
                    Cow::Borrowed(b(r.in_scope)),
                    Cow::Owned(r.year.to_string()),
                    Cow::Borrowed(r.status.as_str()),
                    csv_cell(&r.reasons),
                    Cow::Owned(opt(r.statement_id)),
                    csv_cell(r.statement_url.as_deref().unwrap_or("")),
                    Cow::Owned(r.first_seen.map(timestamp).unwrap_or_default()),
                    Cow::Owned(opt(r.financial_year_end)),
                    Cow::Borrowed(b(r.approval_present)),
                    Cow::Owned(opt(r.approval_date)),
                    Cow::Borrowed(b(r.signature_present)),
                    csv_cell(r.signatory.as_deref().unwrap_or("")),
                    Cow::Borrowed(b(r.homepage_link)),
                    csv_cell(&r.areas_covered),
                    Cow::Owned(opt(r.score)),
                    Cow::Borrowed(b(r.late)),
                ];
                if self.with_group {
                    let group = opt(r.group_id);
                    return Ok(csv_record(
                        fields.iter().map(|f| f.as_ref()).chain([group.as_str()]),
                    ));
                }
                Ok(csv_record(fields.iter().map(|f| f.as_ref())))
            }
            Format::Json | Format::Ndjson => {
                let mut out = Vec::with_capacity(512);
                if self.format == Format::Json && self.rows > 1 {
                    out.push(b',');
                }
                if self.format == Format::Json {
                    out.push(b'\n');
                }
                serde_json::to_writer(&mut out, &JsonRow::new(r, self.with_group))
                    .map_err(|e| ExportError::Encode(e.to_string()))?;
                if self.format == Format::Ndjson {
                    out.push(b'\n');
                }
                Ok(out)
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
    out.write_all(&enc.header()?)?;
    let mut rows = store.registry_rows(filter, today).await?;
    let mut n = 0;
    while let Some(row) = rows.next().await {
        out.write_all(&enc.row(&row?)?)?;
        n += 1;
    }
    out.write_all(&enc.footer())?;
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
            let mut buf = enc.header()?;
            let mut rows = store.registry_rows(&filter, today).await?;
            while let Some(row) = rows.next().await {
                buf.extend_from_slice(&enc.row(&row?)?);
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
