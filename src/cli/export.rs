//! `s54 export`: the registry rows to stdout, streamed.

use crate::domain::OrgType;
use crate::registry::{YearStatus, export};
use crate::store::{ExportFilter, Store};
use anyhow::Context;
use std::io::Write;
use std::process::ExitCode;

#[expect(clippy::too_many_arguments)]
pub fn run(
    db: &str,
    format: super::ExportFormat,
    status: &str,
    year: Option<i32>,
    sector: Option<String>,
    org_type: Option<String>,
    with_group: bool,
    no_website: bool,
    with_declared: bool,
) -> anyhow::Result<ExitCode> {
    let status = match status.trim() {
        "" | "all" => None,
        s => Some(s.parse::<YearStatus>()?),
    };
    let org_type = org_type.map(|t| t.parse::<OrgType>()).transpose()?;
    let filter = ExportFilter {
        status,
        year,
        sector,
        org_type,
        no_website,
        ..Default::default()
    };
    let format = match format {
        super::ExportFormat::Csv => export::Format::Csv,
        super::ExportFormat::Json => export::Format::Json,
        super::ExportFormat::Ndjson => export::Format::Ndjson,
    };
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    rt.block_on(async {
        let store = Store::open(db).await?;
        let today = chrono::Utc::now().date_naive();
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::with_capacity(256 * 1024, stdout.lock());
        let enc = export::RowEncoder::with_group(format, with_group).with_declared(with_declared);
        match export::write_export_with(&store, &filter, enc, today, &mut out).await {
            Ok(_) => {}
            // A closed pipe (`| head`) is the reader's choice, not a failure.
            Err(export::ExportError::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            Err(e) => return Err(e.into()),
        }
        let _ = out.flush();
        store.close().await;
        Ok(ExitCode::SUCCESS)
    })
}
