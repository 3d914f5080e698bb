//! The registry database: the only place with SQL.
//!
//! One [`Store`], chosen by URL scheme (`sqlite://FILE`, created if missing,
//! WAL, foreign keys, busy timeout; or `postgres://…`), with the schema in
//! `migrations/sqlite` and `migrations/postgres` (kept in step) applied on
//! open. Most queries are plain SQL that both backends accept (`$1`
//! placeholders work in SQLite too) and are written once with
//! `on_backend!`; where the dialects differ (search, `SKIP LOCKED`) each
//! backend has its own statement. Every write that must be atomic runs in one
//! transaction.
//!
//! The API speaks domain types ([`model`]): no sqlx type leaves this module.

mod company;
mod declared;
mod generate;
pub mod model;
mod officers;
mod queue;
mod read;
mod rescore;
mod sqlite_config;
mod write;
pub use officers::ListOutcome;
// Added by the crawler: crawl rounds and the per-round fetch log.
mod crawl_log;
pub use crawl_log::{CrawlTarget, LoggedFetch};
mod batch;
pub use batch::{BatchDone, BatchWrite};
// Added by the accounts import: turnover per organisation and year.
mod accounts;
pub use accounts::{
    FilingOutcome, FilingRecord, NeverReported, NeverReportedCounts, NeverReportedFilter,
    TurnoverYear,
};

pub use generate::GenerateStats;
pub use model::*;
pub use rescore::RescoreItem;
pub use write::{OrgUpsert, normalise_name};

use chrono::{DateTime, SubsecRound, Utc};
use sqlx::ConnectOptions;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

/// Memory-mapped I/O per SQLite connection (SQLite caps it at its compiled
/// maximum, 2 GB by default); the mapping is shared through the OS page cache.
const SQLITE_MMAP_BYTES: i64 = 2_147_418_112;
/// Page cache per SQLite connection: negative is KiB (here 32 MiB).
const SQLITE_CACHE_KIB: i64 = -32_768;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("unsupported database URL '{0}' (expected sqlite://FILE or postgres://…)")]
    UnsupportedUrl(String),
    #[error("cannot open database '{url}': {reason}")]
    Open { url: String, reason: sqlx::Error },
    #[error("cannot migrate database '{url}': {reason}")]
    Migrate {
        url: String,
        reason: sqlx::migrate::MigrateError,
    },
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Clone, Debug)]
enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Which database a [`Store`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    Sqlite,
    Postgres,
}

/// The registry database. Cheap to clone (a connection pool inside).
#[derive(Clone, Debug)]
pub struct Store {
    backend: Backend,
}

/// Runs the same block on whichever pool the store has; inside, `$pool` is
/// a `&SqlitePool` or a `&PgPool`, so the SQL must suit both.
macro_rules! on_backend {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.backend {
            $crate::store::Backend::Sqlite($pool) => $body,
            $crate::store::Backend::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_backend;

/// The current time as stored: UTC, whole microseconds (PostgreSQL's
/// precision), so that what is written reads back equal.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// What a process will mostly do with the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// Commands that read or write the registry once through (`import`,
    /// `crawl`, `export`, `rescore`, tests).
    Batch,
    /// The web server: many small reads of the same pages, for hours.
    Serve,
}

impl Store {
    /// Opens (and creates, for SQLite) the database at `url` and applies
    /// pending migrations.
    pub async fn open(url: &str) -> Result<Store> {
        Store::open_with(url, Workload::Batch).await
    }

    /// [`Store::open`] for a given workload (only SQLite is tuned by it).
    pub async fn open_with(url: &str, workload: Workload) -> Result<Store> {
        let redacted = crate::config::DbUrl(url.to_string()).to_string();
        let open_err = |reason| StoreError::Open {
            url: redacted.clone(),
            reason,
        };
        let backend = if url.starts_with("sqlite:") {
            sqlite_config::configure_once();
            let mut opts = SqliteConnectOptions::from_str(url)
                .map_err(open_err)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30))
                // Export streams are long by design; they are not slow statements.
                .disable_statement_logging();
            if workload == Workload::Serve {
                // Reads come from memory-mapped pages and a larger page cache
                // per connection instead of a read() per page: on a registry
                // of 100,000 organisations most of a search's time went to
                // copying pages in. Not for one-pass commands: the mapped
                // pages count in their resident memory, and an export's
                // memory must stay flat (BENCHMARKS.md, "Registry").
                opts = opts
                    .pragma("mmap_size", SQLITE_MMAP_BYTES.to_string())
                    .pragma("cache_size", SQLITE_CACHE_KIB.to_string());
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(opts)
                .await
                .map_err(open_err)?;
            SQLITE_MIGRATIONS
                .run(&pool)
                .await
                .map_err(|reason| StoreError::Migrate {
                    url: redacted.clone(),
                    reason,
                })?;
            Backend::Sqlite(pool)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)
                .map_err(open_err)?
                .disable_statement_logging();
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(opts)
                .await
                .map_err(open_err)?;
            POSTGRES_MIGRATIONS
                .run(&pool)
                .await
                .map_err(|reason| StoreError::Migrate {
                    url: redacted.clone(),
                    reason,
                })?;
            Backend::Postgres(pool)
        } else {
            return Err(StoreError::UnsupportedUrl(redacted));
        };
        Ok(Store { backend })
    }

    pub fn kind(&self) -> BackendKind {
        match self.backend {
            Backend::Sqlite(_) => BackendKind::Sqlite,
            Backend::Postgres(_) => BackendKind::Postgres,
        }
    }

    /// Closes the pool (waits for connections to be returned).
    pub async fn close(&self) {
        on_backend!(self, pool => pool.close().await)
    }

    /// Liveness check for `/healthz`.
    pub async fn ping(&self) -> Result<()> {
        on_backend!(self, pool => {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }
}
