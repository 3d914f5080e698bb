//! Added by the crawler: several small writes committed together. On SQLite
//! every commit appends each page it touched to the WAL, and one writer
//! runs at a time, so many sites writing one commit each queue behind each
//! other; one transaction for all of them writes shared pages once. Each
//! write runs under its own savepoint, so one that fails is undone alone and
//! reported to its caller while the others commit.

use super::write::BeginWrite;
use super::{Backend, Look, NewFetch, NewVersion, Recorded, Result, Store, StoreError};
use std::sync::Arc;

/// One write of a batch.
#[derive(Debug)]
pub enum BatchWrite {
    /// [`Store::log_crawl_fetches`]: fetches with their bodies.
    LogFetches {
        round: i64,
        fetches: Vec<(NewFetch, Option<Arc<Vec<u8>>>)>,
    },
    /// [`Store::record_version`].
    RecordVersion(Box<NewVersion>),
    /// [`Store::complete_job`].
    CompleteJob { id: i64, worker: String },
    /// [`Store::record_look`].
    RecordLook { organisation_id: i64, look: Look },
}

/// What one write of a batch did.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchDone {
    FetchIds(Vec<i64>),
    Recorded(Recorded),
    Completed(bool),
}

impl Store {
    /// Runs `writes` in one transaction (SQLite; on PostgreSQL, which has
    /// concurrent writers, each in its own). The outer error is the commit's
    /// (nothing was written); inner ones are each write's own.
    pub async fn write_batch(&self, writes: &[BatchWrite]) -> Result<Vec<Result<BatchDone>>> {
        match &self.backend {
            Backend::Sqlite(pool) => {
                let mut tx = pool.begin_write().await?;
                let mut out = Vec::with_capacity(writes.len());
                for w in writes {
                    sqlx::query("SAVEPOINT batch_write")
                        .execute(&mut *tx)
                        .await?;
                    let r = sqlite_one(&mut tx, w).await;
                    if r.is_err() {
                        sqlx::query("ROLLBACK TO batch_write")
                            .execute(&mut *tx)
                            .await?;
                    }
                    sqlx::query("RELEASE batch_write").execute(&mut *tx).await?;
                    out.push(r);
                }
                tx.commit().await?;
                Ok(out)
            }
            Backend::Postgres(_) => {
                let mut out = Vec::with_capacity(writes.len());
                for w in writes {
                    out.push(self.write_one(w).await);
                }
                Ok(out)
            }
        }
    }

    async fn write_one(&self, w: &BatchWrite) -> Result<BatchDone> {
        Ok(match w {
            BatchWrite::LogFetches { round, fetches } => {
                let refs: Vec<(&NewFetch, Option<&[u8]>)> = fetches
                    .iter()
                    .map(|(f, b)| (f, b.as_deref().map(|b| b.as_slice())))
                    .collect();
                BatchDone::FetchIds(self.log_crawl_fetches(*round, &refs).await?)
            }
            BatchWrite::RecordVersion(v) => BatchDone::Recorded(self.record_version(v).await?),
            BatchWrite::CompleteJob { id, worker } => {
                BatchDone::Completed(self.complete_job(*id, worker).await?)
            }
            BatchWrite::RecordLook {
                organisation_id,
                look,
            } => BatchDone::Completed(self.record_look(*organisation_id, look).await?),
        })
    }
}

async fn sqlite_one(c: &mut sqlx::SqliteConnection, w: &BatchWrite) -> Result<BatchDone> {
    Ok(match w {
        BatchWrite::LogFetches { round, fetches } => {
            BatchDone::FetchIds(super::crawl_log::log_fetches_in(c, *round, fetches).await?)
        }
        BatchWrite::RecordVersion(v) => {
            BatchDone::Recorded(super::write::record_version_in(c, v).await?)
        }
        BatchWrite::CompleteJob { id, worker } => {
            BatchDone::Completed(super::queue::complete_job_in(c, *id, worker).await?)
        }
        BatchWrite::RecordLook {
            organisation_id,
            look,
        } => {
            BatchDone::Completed(super::crawl_log::record_look_in(c, *organisation_id, look).await?)
        }
    })
}

impl BatchDone {
    /// The fetch ids, or an error naming what came back instead.
    pub fn fetch_ids(self) -> Result<Vec<i64>> {
        match self {
            BatchDone::FetchIds(ids) => Ok(ids),
            other => Err(mismatch("fetch ids", &other)),
        }
    }
    pub fn recorded(self) -> Result<Recorded> {
        match self {
            BatchDone::Recorded(r) => Ok(r),
            other => Err(mismatch("a recorded version", &other)),
        }
    }
    pub fn completed(self) -> Result<bool> {
        match self {
            BatchDone::Completed(b) => Ok(b),
            other => Err(mismatch("a completed job", &other)),
        }
    }
}

fn mismatch(wanted: &str, got: &BatchDone) -> StoreError {
    StoreError::Invalid(format!("batched write returned {got:?}, not {wanted}"))
}
