//! Added by the crawler (additive): crawl rounds, the per-round fetch log
//! that makes a restarted crawl replay pages instead of fetching them again,
//! re-queueing one job, releasing a host slot, and the crawl targets.

use super::write::{BeginWrite, insert_fetch};
use super::{Look, NewFetch, Result, Store, now, on_backend};
use chrono::{DateTime, Utc};

/// A fetch already made in the open round, with its body when it had one.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedFetch {
    pub fetch_id: i64,
    pub url: String,
    pub final_url: Option<String>,
    pub status: Option<u16>,
    pub content_type: Option<String>,
    pub error_kind: Option<String>,
    pub error_message: Option<String>,
    pub body: Option<Vec<u8>>,
}

/// An organisation the crawler should visit.
#[derive(Debug, Clone, PartialEq)]
pub struct CrawlTarget {
    pub organisation_id: i64,
    pub website: String,
}

/// The statements of [`Store::log_crawl_fetches`] on an open transaction
/// `$tx` (either backend); evaluates to the fetch ids.
macro_rules! log_fetches_in {
    ($tx:ident, $round:expr, $fetches:expr) => {{
        let ts = now();
        let mut ids = Vec::with_capacity($fetches.len());
        for (f, body) in $fetches {
            let org = f.organisation_id.unwrap_or(0);
            let existing: Option<i64> = sqlx::query_scalar(
                "SELECT fetch_id FROM crawl_pages WHERE round_id = $1 AND organisation_id = $2 AND url = $3",
            )
            .bind($round)
            .bind(org)
            .bind(&f.url)
            .fetch_optional(&mut *$tx)
            .await?;
            let id = match existing {
                Some(id) => id,
                None => {
                    if let (Some(b), Some(sha)) = (body, &f.document_sha256) {
                        sqlx::query(
                            "INSERT INTO documents (sha256, content_type, size, compression, bytes, created_at) \
                             VALUES ($1, $2, $3, 'none', $4, $5) ON CONFLICT DO NOTHING",
                        )
                        .bind(sha)
                        .bind(&f.content_type)
                        .bind(b.len() as i64)
                        .bind(&b[..])
                        .bind(ts)
                        .execute(&mut *$tx)
                        .await?;
                    }
                    let id: i64 = insert_fetch!(f, f.fetched_at, &mut *$tx).await?;
                    sqlx::query(
                        "INSERT INTO crawl_pages (round_id, organisation_id, url, fetch_id) VALUES ($1, $2, $3, $4)",
                    )
                    .bind($round)
                    .bind(org)
                    .bind(&f.url)
                    .bind(id)
                    .execute(&mut *$tx)
                    .await?;
                    id
                }
            };
            ids.push(id);
        }
        ids
    }};
}

/// [`Store::log_crawl_fetches`] inside a caller's SQLite transaction (the
/// crawler's batched writes).
pub(super) async fn log_fetches_in(
    c: &mut sqlx::SqliteConnection,
    round: i64,
    fetches: &[(NewFetch, Option<std::sync::Arc<Vec<u8>>>)],
) -> Result<Vec<i64>> {
    Ok(log_fetches_in!(c, round, fetches))
}

/// The statement of [`Store::record_look`] on a connection or transaction
/// `$c` (either backend); evaluates to whether the organisation exists.
macro_rules! record_look_in {
    ($c:expr, $org:expr, $look:expr) => {{
        let q = match $look {
            Look::Complete { at, through } => sqlx::query(
                "UPDATE organisations SET looked_at = $2, looked_through = $3, crawl_failed_at = NULL, \
                 crawl_error_kind = NULL, crawl_error = NULL WHERE id = $1",
            )
            .bind($org)
            .bind(*at)
            .bind(*through),
            Look::Failed(f) => sqlx::query(
                "UPDATE organisations SET crawl_failed_at = $2, crawl_error_kind = $3, crawl_error = $4 \
                 WHERE id = $1",
            )
            .bind($org)
            .bind(f.at)
            .bind(&f.kind)
            .bind(&f.message),
        };
        q.execute($c).await?.rows_affected() == 1
    }};
}

/// [`Store::record_look`] inside a caller's SQLite transaction (the
/// crawler's batched writes).
pub(super) async fn record_look_in(
    c: &mut sqlx::SqliteConnection,
    organisation_id: i64,
    look: &Look,
) -> Result<bool> {
    Ok(record_look_in!(&mut *c, organisation_id, look))
}

impl Store {
    /// Records what a look at an organisation's site came to: a complete
    /// one makes its years due by then `missing` when no statement was
    /// found (and clears an earlier failure); a failed one is kept to show.
    /// False when the organisation is gone.
    pub async fn record_look(&self, organisation_id: i64, look: &Look) -> Result<bool> {
        let found = on_backend!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let found = record_look_in!(&mut *tx, organisation_id, look);
            tx.commit().await?;
            found
        });
        Ok(found)
    }

    /// The open crawl round, or a new one. Returns `(id, created)`.
    pub async fn open_crawl_round(&self) -> Result<(i64, bool)> {
        let ts = now();
        let r = on_backend!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let created: Option<i64> = sqlx::query_scalar(
                "INSERT INTO crawl_rounds (started_at) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(ts)
            .fetch_optional(&mut *tx)
            .await?;
            let r = match created {
                Some(id) => (id, true),
                None => {
                    let id: i64 = sqlx::query_scalar(
                        "SELECT id FROM crawl_rounds WHERE finished_at IS NULL ORDER BY id DESC LIMIT 1",
                    )
                    .fetch_one(&mut *tx)
                    .await?;
                    (id, false)
                }
            };
            tx.commit().await?;
            r
        });
        Ok(r)
    }

    /// Closes a round (when its queue is empty). False if already closed.
    pub async fn finish_crawl_round(&self, round: i64) -> Result<bool> {
        let n = on_backend!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(
                "UPDATE crawl_rounds SET finished_at = $2 WHERE id = $1 AND finished_at IS NULL",
            )
            .bind(round)
            .bind(now())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            n
        });
        Ok(n == 1)
    }

    /// The fetch of `url` for an organisation in `round`, if one was made.
    pub async fn logged_fetch(
        &self,
        round: i64,
        organisation_id: i64,
        url: &str,
    ) -> Result<Option<LoggedFetch>> {
        type Row = (
            i64,
            String,
            Option<String>,
            Option<i32>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let row: Option<Row> = on_backend!(self, pool => {
            sqlx::query_as(
                "SELECT f.id, f.url, f.final_url, f.status, f.content_type, f.error_kind, f.error_message, f.document_sha256 \
                 FROM crawl_pages p JOIN fetches f ON f.id = p.fetch_id \
                 WHERE p.round_id = $1 AND p.organisation_id = $2 AND p.url = $3",
            )
            .bind(round)
            .bind(organisation_id)
            .bind(url)
            .fetch_optional(pool)
            .await?
        });
        let Some((fetch_id, url, final_url, status, content_type, error_kind, error_message, sha)) =
            row
        else {
            return Ok(None);
        };
        let body = match (&error_kind, sha) {
            (None, Some(sha)) => self.document(&sha).await?.map(|d| d.bytes),
            _ => None,
        };
        Ok(Some(LoggedFetch {
            fetch_id,
            url,
            final_url,
            status: status.and_then(|s| u16::try_from(s).ok()),
            content_type,
            error_kind,
            error_message,
            body,
        }))
    }

    /// Records fetches made in `round` (robots.txt and the page it let
    /// through, say; bodies stored once by hash) in one transaction.
    /// Idempotent: a URL already logged for the organisation in the round
    /// keeps its first record. Returns the fetch ids in order.
    pub async fn log_crawl_fetches(
        &self,
        round: i64,
        fetches: &[(&NewFetch, Option<&[u8]>)],
    ) -> Result<Vec<i64>> {
        let ids = on_backend!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let ids = log_fetches_in!(tx, round, fetches);
            tx.commit().await?;
            ids
        });
        Ok(ids)
    }

    /// Puts one finished job back in the queue (a new round for one
    /// organisation). False when it is already pending or running.
    pub async fn requeue_job(&self, id: i64) -> Result<bool> {
        let ts = now();
        let n = on_backend!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(
                "UPDATE crawl_jobs SET state = 'pending', attempts = 0, next_attempt_at = $2, last_error = NULL, \
                 updated_at = $2 WHERE id = $1 AND state IN ('done', 'failed')",
            )
            .bind(id)
            .bind(ts)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            n
        });
        Ok(n == 1)
    }

    /// Ends a request to `host` early: the next may start at `next_allowed_at`
    /// (the slot was reserved for the longest a request may take).
    pub async fn release_host_slot(
        &self,
        host: &str,
        next_allowed_at: DateTime<Utc>,
    ) -> Result<()> {
        let host = host.to_ascii_lowercase();
        on_backend!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE host_slots SET next_allowed_at = $2 WHERE host = $1")
                .bind(&host)
                .bind(next_allowed_at)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Organisations to crawl: the named ones (any scope), or every in-scope
    /// organisation; only those with a website.
    pub async fn crawl_targets(&self, named: &[i64]) -> Result<Vec<CrawlTarget>> {
        let rows: Vec<(i64, String)> = on_backend!(self, pool => {
            sqlx::query_as(
                "SELECT id, website FROM organisations WHERE website IS NOT NULL AND website <> '' \
                 AND in_scope ORDER BY id",
            )
            .fetch_all(pool)
            .await?
        });
        let mut out: Vec<CrawlTarget> = rows
            .into_iter()
            .map(|(organisation_id, website)| CrawlTarget {
                organisation_id,
                website,
            })
            .collect();
        if !named.is_empty() {
            out.clear();
            for id in named {
                if let Some(o) = self.organisation(*id).await?
                    && let Some(w) = o.website.filter(|w| !w.trim().is_empty())
                {
                    out.push(CrawlTarget {
                        organisation_id: o.id,
                        website: w,
                    });
                }
            }
        }
        Ok(out)
    }
}
