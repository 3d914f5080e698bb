//! `s54 accounts import`: the members are read and parsed on a blocking
//! thread and handed over a small bounded channel to the writer, which
//! records them in batches (one transaction each). Memory stays flat: one
//! member being parsed, a channel's and a batch's worth of filings.

use super::FilingError;
use super::source::{Limits, Member, SourceError, read_members};
use crate::store::{FilingOutcome, FilingRecord, Store, StoreError};
use std::path::Path;

/// Filings per transaction.
const BATCH: usize = 500;
/// Parsed members waiting for the writer.
const CHANNEL: usize = 256;

/// What an import did.
#[derive(Debug, Default)]
pub struct ImportReport {
    pub members: u64,
    /// Members read as filings.
    pub filings: u64,
    /// New organisations, in scope by their accounts.
    pub added: u64,
    /// Filings of organisations already in the registry.
    pub recorded: u64,
    /// Filings of companies not in the registry and not shown in scope.
    pub not_in_scope: u64,
    /// Members reported and skipped.
    pub skipped: u64,
    /// Why the input stopped being read, when it could not be read to the end.
    pub failure: Option<SourceError>,
}

impl ImportReport {
    /// The summary line printed by the command.
    pub fn summary(&self) -> String {
        format!(
            "{} members: {} filings read ({} organisations added as in scope, {} filings of organisations already in the registry, {} not in scope and not in the registry), {} skipped",
            self.members, self.filings, self.added, self.recorded, self.not_in_scope, self.skipped
        )
    }
}

async fn flush(
    store: &Store,
    batch: &mut Vec<FilingRecord>,
    report: &mut ImportReport,
) -> Result<(), StoreError> {
    if batch.is_empty() {
        return Ok(());
    }
    for o in store.record_filings(batch).await? {
        match o {
            FilingOutcome::Added(_) => report.added += 1,
            FilingOutcome::Recorded(_) => report.recorded += 1,
            FilingOutcome::NotInScope => report.not_in_scope += 1,
        }
    }
    batch.clear();
    Ok(())
}

/// Imports every filing of `path` (a zip or a folder of members).
/// `on_skip` hears of each member skipped and why. A store failure is an
/// error; an input that cannot be read (to the end) is in the report's
/// `failure`, with what was recorded before it.
pub async fn import(
    store: &Store,
    path: &Path,
    limits: Limits,
    on_skip: &mut (dyn FnMut(&str, &FilingError) + Send),
) -> Result<ImportReport, StoreError> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Member>(CHANNEL);
    let owned = path.to_path_buf();
    let reader = tokio::task::spawn_blocking(move || {
        read_members(&owned, limits, &mut |m| tx.blocking_send(m).is_ok())
    });
    let mut report = ImportReport::default();
    let mut batch = Vec::with_capacity(BATCH);
    let mut store_error = None;
    while let Some(m) = rx.recv().await {
        report.members += 1;
        match m.result {
            Ok(filing) => {
                report.filings += 1;
                batch.push(FilingRecord {
                    filing,
                    source: m.name,
                });
                if batch.len() >= BATCH
                    && let Err(e) = flush(store, &mut batch, &mut report).await
                {
                    store_error = Some(e);
                    break;
                }
            }
            Err(e) => {
                report.skipped += 1;
                on_skip(&m.name, &e);
            }
        }
    }
    // Dropping the receiver stops the reader at its next member.
    drop(rx);
    let read = reader.await;
    if let Some(e) = store_error {
        return Err(e);
    }
    flush(store, &mut batch, &mut report).await?;
    report.failure = match read {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e),
        Err(join) => Some(SourceError::Broken {
            path: path.display().to_string(),
            after: report.members,
            reason: format!("the reader stopped: {join}"),
        }),
    };
    Ok(report)
}
