//! Throwaway PostgreSQL databases for the tests (on the server named by
//! `S54_TEST_PG_URL`). Each one is dropped when its guard goes, even when the
//! test panics; databases left by test processes that were killed are swept
//! on the next run, so repeated runs never pile databases up.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Every database the tests create starts with this.
const PREFIX: &str = "s54_t_";
/// A leftover is swept only when its process is gone and it is this old
/// (another checkout's suite may be running on the same server).
const SWEEP_AFTER: Duration = Duration::from_secs(3600);

static COUNTER: AtomicU32 = AtomicU32::new(0);
static SWEPT: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();

/// One test database; dropped (`DROP DATABASE … WITH (FORCE)`) with the guard.
#[derive(Debug)]
pub struct PgDb {
    pub url: String,
    admin: String,
    name: String,
}

impl std::ops::Deref for PgDb {
    type Target = String;
    fn deref(&self) -> &String {
        &self.url
    }
}

/// The admin URL, or `None` when PostgreSQL is not configured (in CI its
/// absence is a failure, not a skip).
pub fn admin_url() -> Option<String> {
    match std::env::var("S54_TEST_PG_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "S54_TEST_PG_URL must be set in CI: the tests run on PostgreSQL too"
            );
            None
        }
    }
}

fn unix_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `s54_t_{pid}_{unix seconds}_{n}` → (pid, seconds).
fn parse_name(name: &str) -> Option<(u32, u64)> {
    let mut parts = name.strip_prefix(PREFIX)?.split('_');
    let pid = parts.next()?.parse().ok()?;
    let secs = parts.next()?.parse().ok()?;
    Some((pid, secs))
}

fn process_alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

async fn drop_database(pool: &sqlx::PgPool, name: &str) -> Result<(), sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(pool)
    .await
    .map(|_| ())
}

/// Drops the databases of test processes that died without cleaning up.
async fn sweep(pool: &sqlx::PgPool) {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 's54\\_t\\_%'")
            .fetch_all(pool)
            .await
            .unwrap_or_default();
    let now = unix_secs();
    for name in names {
        if let Some((pid, secs)) = parse_name(&name)
            && !process_alive(pid)
            && now.saturating_sub(secs) > SWEEP_AFTER.as_secs()
        {
            let _ = drop_database(pool, &name).await;
        }
    }
}

impl PgDb {
    /// A new empty database, or `None` when no server is configured.
    pub async fn create() -> Option<PgDb> {
        let admin = admin_url()?;
        let pool = sqlx::PgPool::connect(&admin)
            .await
            .expect("connect to S54_TEST_PG_URL");
        SWEPT.get_or_init(|| sweep(&pool)).await;
        let name = format!(
            "{PREFIX}{}_{}_{}",
            std::process::id(),
            unix_secs(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&pool)
            .await
            .expect("create test database");
        pool.close().await;
        let mut url = url::Url::parse(&admin).expect("S54_TEST_PG_URL is a URL");
        url.set_path(&format!("/{name}"));
        Some(PgDb {
            url: url.to_string(),
            admin,
            name,
        })
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, which cannot be blocked on:
        // a thread of its own with a small runtime does the drop.
        let (admin, name) = (self.admin.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let pool = sqlx::PgPool::connect(&admin).await.ok()?;
                let r = drop_database(&pool, &name).await;
                pool.close().await;
                r.ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(()))) {
            eprintln!("could not drop test database {}", self.name);
        }
    }
}

#[test]
fn names_carry_pid_and_time() {
    assert_eq!(
        parse_name("s54_t_123_1700000000_4"),
        Some((123, 1_700_000_000))
    );
    assert_eq!(parse_name("s54_test"), None);
    assert_eq!(parse_name("s54_t_x_1_2"), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn test_databases_are_dropped_with_their_guard() {
    let Some(admin) = admin_url() else { return };
    let db = PgDb::create().await.expect("configured");
    let name = db.name.clone();
    let pool = sqlx::PgPool::connect(&admin).await.unwrap();
    let exists = |pool: sqlx::PgPool, name: String| async move {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM pg_database WHERE datname = $1")
            .bind(name)
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    // A connection left open does not keep it alive.
    let open = sqlx::PgPool::connect(&db.url).await.unwrap();
    assert_eq!(exists(pool.clone(), name.clone()).await, 1);
    drop(db);
    assert_eq!(exists(pool.clone(), name).await, 0);
    drop(open);
    pool.close().await;
}
