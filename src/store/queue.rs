//! The crawl queue and per-host politeness, shared through the database so
//! that several crawl processes cooperate. A job is claimed with a lease;
//! a worker that dies leaves an expired lease, and [`Store::reclaim_expired`]
//! returns the job to the queue. PostgreSQL claims with `FOR UPDATE SKIP
//! LOCKED`; SQLite with one `UPDATE … RETURNING` in an immediate transaction
//! (SQLite has one writer at a time, so no job can be claimed twice).

use super::write::BeginWrite;
use super::{Backend, Result, Store, model::*, now, on_backend};
use chrono::{DateTime, TimeDelta, Utc};
use std::time::Duration;

macro_rules! job_cols {
    () => {
        "id, organisation_id, url, kind, state, attempts, lease_owner, lease_expires_at, next_attempt_at, last_error"
    };
}

#[derive(sqlx::FromRow)]
struct JobRow {
    id: i64,
    organisation_id: Option<i64>,
    url: String,
    kind: String,
    state: String,
    attempts: i32,
    lease_owner: Option<String>,
    lease_expires_at: Option<DateTime<Utc>>,
    next_attempt_at: DateTime<Utc>,
    last_error: Option<String>,
}

impl From<JobRow> for Job {
    fn from(r: JobRow) -> Job {
        Job {
            id: r.id,
            organisation_id: r.organisation_id,
            url: r.url,
            kind: r.kind,
            state: r.state,
            attempts: r.attempts,
            lease_owner: r.lease_owner,
            lease_expires_at: r.lease_expires_at,
            next_attempt_at: r.next_attempt_at,
            last_error: r.last_error,
        }
    }
}

const COMPLETE_JOB: &str = "UPDATE crawl_jobs SET state = 'done', lease_owner = NULL, lease_expires_at = NULL, \
     last_error = NULL, updated_at = $3 WHERE id = $1 AND state = 'running' AND lease_owner = $2";

/// [`Store::complete_job`] inside a caller's SQLite transaction (the
/// crawler's batched writes).
pub(super) async fn complete_job_in(
    c: &mut sqlx::SqliteConnection,
    id: i64,
    worker: &str,
) -> Result<bool> {
    let n = sqlx::query(COMPLETE_JOB)
        .bind(id)
        .bind(worker)
        .bind(now())
        .execute(&mut *c)
        .await?
        .rows_affected();
    Ok(n == 1)
}

fn delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

impl Store {
    /// Adds a job unless the same (kind, organisation, URL) is already
    /// queued (in any state). Returns its id and whether it was created.
    pub async fn enqueue_job(&self, job: &NewJob) -> Result<(i64, bool)> {
        let ts = now();
        let r = on_backend!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let created: Option<i64> = sqlx::query_scalar(
                "INSERT INTO crawl_jobs (organisation_id, url, kind, state, attempts, next_attempt_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, 'pending', 0, $4, $4, $4) ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(job.organisation_id)
            .bind(&job.url)
            .bind(&job.kind)
            .bind(ts)
            .fetch_optional(&mut *tx)
            .await?;
            let r = match created {
                Some(id) => (id, true),
                None => {
                    let id: i64 = sqlx::query_scalar(
                        "SELECT id FROM crawl_jobs WHERE kind = $1 AND COALESCE(organisation_id, 0) = COALESCE($2, 0) AND url = $3",
                    )
                    .bind(&job.kind)
                    .bind(job.organisation_id)
                    .bind(&job.url)
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

    /// Adds many jobs in one transaction; returns how many were new.
    pub async fn enqueue_jobs(&self, jobs: &[NewJob]) -> Result<u64> {
        let ts = now();
        let n = on_backend!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mut n = 0;
            for job in jobs {
                n += sqlx::query(
                    "INSERT INTO crawl_jobs (organisation_id, url, kind, state, attempts, next_attempt_at, created_at, updated_at) \
                     VALUES ($1, $2, $3, 'pending', 0, $4, $4, $4) ON CONFLICT DO NOTHING",
                )
                .bind(job.organisation_id)
                .bind(&job.url)
                .bind(&job.kind)
                .bind(ts)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            }
            tx.commit().await?;
            n
        });
        Ok(n)
    }

    /// Claims up to `n` ready jobs for `worker`, leased for `lease`. A job is
    /// never handed to two workers at once.
    pub async fn claim_jobs(&self, worker: &str, n: u32, lease: Duration) -> Result<Vec<Job>> {
        let ts = now();
        let until = ts + delta(lease);
        let rows: Vec<JobRow> = match &self.backend {
            Backend::Postgres(pool) => {
                sqlx::query_as(concat!(
                    "UPDATE crawl_jobs SET state = 'running', lease_owner = $1, lease_expires_at = $2, \
                     attempts = attempts + 1, updated_at = $3 \
                     WHERE id IN (SELECT id FROM crawl_jobs WHERE state = 'pending' AND next_attempt_at <= $3 \
                     ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING ",
                    job_cols!()
                ))
                .bind(worker)
                .bind(until)
                .bind(ts)
                .bind(i64::from(n))
                .fetch_all(pool)
                .await?
            }
            Backend::Sqlite(pool) => {
                let mut tx = pool.begin_write().await?;
                let rows = sqlx::query_as(concat!(
                    "UPDATE crawl_jobs SET state = 'running', lease_owner = $1, lease_expires_at = $2, \
                     attempts = attempts + 1, updated_at = $3 \
                     WHERE id IN (SELECT id FROM crawl_jobs WHERE state = 'pending' AND next_attempt_at <= $3 \
                     ORDER BY next_attempt_at, id LIMIT $4) RETURNING ",
                    job_cols!()
                ))
                .bind(worker)
                .bind(until)
                .bind(ts)
                .bind(i64::from(n))
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                rows
            }
        };
        let mut jobs: Vec<Job> = rows.into_iter().map(Job::from).collect();
        jobs.sort_by_key(|j| (j.next_attempt_at, j.id));
        Ok(jobs)
    }

    /// Extends a lease still held by `worker`; false if it was lost.
    pub async fn extend_lease(&self, id: i64, worker: &str, lease: Duration) -> Result<bool> {
        let until = now() + delta(lease);
        let n = on_backend!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(
                "UPDATE crawl_jobs SET lease_expires_at = $3 WHERE id = $1 AND state = 'running' AND lease_owner = $2",
            )
            .bind(id)
            .bind(worker)
            .bind(until)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            n
        });
        Ok(n == 1)
    }

    /// Marks a job done. False when `worker` no longer holds it (its lease
    /// expired and someone else took it): the caller's result is then
    /// stale, but storing versions is idempotent so nothing is lost.
    pub async fn complete_job(&self, id: i64, worker: &str) -> Result<bool> {
        let ts = now();
        let n = on_backend!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(COMPLETE_JOB)
            .bind(id)
            .bind(worker)
            .bind(ts)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            n
        });
        Ok(n == 1)
    }

    /// Records a failure: the job goes back to the queue after an exponential
    /// back-off computed in SQL (`base · 2^(attempts−1)`, capped), or is
    /// `failed` for good after `max_attempts`. Returns the new state
    /// (`pending` or `failed`), or `None` if `worker` no longer held it.
    pub async fn fail_job(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        backoff: Backoff,
    ) -> Result<Option<String>> {
        let ts = now();
        let base = backoff.base.as_secs_f64().max(0.001);
        let cap = backoff.max_delay.as_secs_f64().max(base);
        let state: Option<String> = match &self.backend {
            Backend::Postgres(pool) => {
                sqlx::query_scalar(
                    "UPDATE crawl_jobs SET \
                     state = CASE WHEN attempts >= $4 THEN 'failed' ELSE 'pending' END, \
                     next_attempt_at = $5 + make_interval(secs => LEAST($7::float8, $6::float8 * power(2, LEAST(GREATEST(attempts - 1, 0), 40)))), \
                     lease_owner = NULL, lease_expires_at = NULL, last_error = $3, updated_at = $5 \
                     WHERE id = $1 AND state = 'running' AND lease_owner = $2 RETURNING state",
                )
                .bind(id)
                .bind(worker)
                .bind(error)
                .bind(backoff.max_attempts)
                .bind(ts)
                .bind(base)
                .bind(cap)
                .fetch_optional(pool)
                .await?
            }
            Backend::Sqlite(pool) => {
                let mut tx = pool.begin_write().await?;
                // Same formula; the result is written in the RFC 3339 form
                // the application writes, so text order stays time order.
                let s = sqlx::query_scalar(
                    "UPDATE crawl_jobs SET \
                     state = CASE WHEN attempts >= $4 THEN 'failed' ELSE 'pending' END, \
                     next_attempt_at = strftime('%Y-%m-%dT%H:%M:%f+00:00', $5, \
                         '+' || MIN($7, $6 * (1 << MIN(MAX(attempts - 1, 0), 40))) || ' seconds'), \
                     lease_owner = NULL, lease_expires_at = NULL, last_error = $3, updated_at = $5 \
                     WHERE id = $1 AND state = 'running' AND lease_owner = $2 RETURNING state",
                )
                .bind(id)
                .bind(worker)
                .bind(error)
                .bind(backoff.max_attempts)
                .bind(ts)
                .bind(base)
                .bind(cap)
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                s
            }
        };
        Ok(state)
    }

    /// Returns jobs whose lease expired (their worker died or hung) to the
    /// queue, or fails them after [`Backoff::default`]'s `max_attempts`
    /// claims. Returns how many were reclaimed.
    pub async fn reclaim_expired(&self) -> Result<u64> {
        let ts = now();
        let max = Backoff::default().max_attempts;
        let n = on_backend!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(
                "UPDATE crawl_jobs SET state = CASE WHEN attempts >= $2 THEN 'failed' ELSE 'pending' END, \
                 lease_owner = NULL, lease_expires_at = NULL, next_attempt_at = $1, \
                 last_error = COALESCE(last_error, 'lease expired'), updated_at = $1 \
                 WHERE state = 'running' AND lease_expires_at < $1",
            )
            .bind(ts)
            .bind(max)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            n
        });
        Ok(n)
    }

    /// Puts finished (done or failed) jobs of `kind` back in the queue, for a
    /// new crawl round. Returns how many.
    pub async fn requeue_finished(&self, kind: &str) -> Result<u64> {
        let ts = now();
        let n = on_backend!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(
                "UPDATE crawl_jobs SET state = 'pending', attempts = 0, next_attempt_at = $2, last_error = NULL, \
                 updated_at = $2 WHERE kind = $1 AND state IN ('done', 'failed')",
            )
            .bind(kind)
            .bind(ts)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            n
        });
        Ok(n)
    }

    /// One job by id.
    pub async fn job(&self, id: i64) -> Result<Option<Job>> {
        let row: Option<JobRow> = on_backend!(self, pool => {
            sqlx::query_as(concat!("SELECT ", job_cols!(), " FROM crawl_jobs WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(Job::from))
    }

    /// Jobs by state.
    pub async fn queue_counts(&self) -> Result<QueueCounts> {
        let rows: Vec<(String, i64)> = on_backend!(self, pool => {
            sqlx::query_as("SELECT state, COUNT(*) FROM crawl_jobs GROUP BY state")
                .fetch_all(pool)
                .await?
        });
        let mut c = QueueCounts::default();
        for (state, n) in rows {
            match state.as_str() {
                "pending" => c.pending = n,
                "running" => c.running = n,
                "done" => c.done = n,
                "failed" => c.failed = n,
                _ => {}
            }
        }
        Ok(c)
    }

    /// Reserves the next request slot for `host`, shared by every crawl
    /// process: `None` means "go now" (the next slot is booked `delay` from
    /// now); `Some(wait)` means another request holds the host, try again
    /// after `wait`.
    pub async fn reserve_host_slot(&self, host: &str, delay: Duration) -> Result<Option<Duration>> {
        let ts = now();
        let next = ts + delta(delay);
        let host = host.to_ascii_lowercase();
        let got: Option<DateTime<Utc>> = on_backend!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let got: Option<DateTime<Utc>> = sqlx::query_scalar(
                "INSERT INTO host_slots (host, next_allowed_at) VALUES ($1, $3) \
                 ON CONFLICT (host) DO UPDATE SET next_allowed_at = $3 \
                 WHERE host_slots.next_allowed_at <= $2 RETURNING next_allowed_at",
            )
            .bind(&host)
            .bind(ts)
            .bind(next)
            .fetch_optional(&mut *tx)
            .await?;
            let r = match got {
                Some(_) => None,
                None => sqlx::query_scalar("SELECT next_allowed_at FROM host_slots WHERE host = $1")
                    .bind(&host)
                    .fetch_optional(&mut *tx)
                    .await?,
            };
            tx.commit().await?;
            r
        });
        Ok(got.map(|at| {
            (at - ts)
                .to_std()
                .unwrap_or(Duration::ZERO)
                .max(Duration::from_millis(1))
        }))
    }
}
