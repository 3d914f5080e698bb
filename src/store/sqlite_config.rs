//! Process-wide SQLite settings, made once before the library starts.
//!
//! sqlx copies each column value on its SQLite worker thread and frees it on
//! the reading task's thread. With SQLite's defaults every one of those
//! allocations took a global mutex (for its allocation statistics) and went
//! through glibc's malloc, which is slow at freeing on another thread: on a
//! 100,000-row export nearly a third of the CPU went to that mutex and the
//! futex calls around it, and with it gone a third of the rest to glibc's
//! malloc (BENCHMARKS.md, "Registry"). So statistics are off (s54 never
//! reads them) and SQLite allocates with mimalloc, like the rest of s54.

use libmimalloc_sys as mi;
use libsqlite3_sys as ffi;
use std::ffi::{c_int, c_void};
use std::sync::Once;

static CONFIGURED: Once = Once::new();

// SQLite's allocator contract (sqlite3_mem_methods): 8-byte aligned blocks
// (mimalloc gives at least 16), sizes as C ints, free of NULL allowed.
unsafe extern "C" fn sqlite_malloc(n: c_int) -> *mut c_void {
    // SAFETY: mi_malloc accepts any size and returns NULL when out of memory.
    unsafe { mi::mi_malloc(n.max(0) as usize) }
}
unsafe extern "C" fn sqlite_free(p: *mut c_void) {
    // SAFETY: SQLite frees only what sqlite_malloc/sqlite_realloc returned.
    unsafe { mi::mi_free(p) }
}
unsafe extern "C" fn sqlite_realloc(p: *mut c_void, n: c_int) -> *mut c_void {
    // SAFETY: as above; mi_realloc keeps the block on failure.
    unsafe { mi::mi_realloc(p, n.max(0) as usize) }
}
unsafe extern "C" fn sqlite_size(p: *mut c_void) -> c_int {
    // SAFETY: p came from this allocator (SQLite asks only of its own blocks).
    let n = unsafe { mi::mi_usable_size(p) };
    c_int::try_from(n).unwrap_or(c_int::MAX)
}
unsafe extern "C" fn sqlite_roundup(n: c_int) -> c_int {
    // SAFETY: a pure size computation.
    let n = unsafe { mi::mi_good_size(n.max(0) as usize) };
    c_int::try_from(n).unwrap_or(c_int::MAX)
}
unsafe extern "C" fn sqlite_init(_: *mut c_void) -> c_int {
    ffi::SQLITE_OK
}
unsafe extern "C" fn sqlite_shutdown(_: *mut c_void) {}

/// Sets SQLite's allocator and turns off its allocation statistics. Must run
/// before the first connection opens; later calls do nothing. If SQLite has
/// already started (something opened a database first) SQLite refuses the
/// settings and keeps its defaults: slower, never wrong.
pub fn configure_once() {
    CONFIGURED.call_once(|| {
        let methods = ffi::sqlite3_mem_methods {
            xMalloc: Some(sqlite_malloc),
            xFree: Some(sqlite_free),
            xRealloc: Some(sqlite_realloc),
            xSize: Some(sqlite_size),
            xRoundup: Some(sqlite_roundup),
            xInit: Some(sqlite_init),
            xShutdown: Some(sqlite_shutdown),
            pAppData: std::ptr::null_mut(),
        };
        // SAFETY: sqlite3_config may be called before sqlite3_initialize;
        // `Once` makes these the only calls. SQLite copies the methods
        // struct, and each variadic argument has the C type its option takes.
        let (malloc_rc, stats_rc) = unsafe {
            (
                ffi::sqlite3_config(ffi::SQLITE_CONFIG_MALLOC, &methods as *const _),
                ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as c_int),
            )
        };
        if malloc_rc != ffi::SQLITE_OK || stats_rc != ffi::SQLITE_OK {
            tracing::debug!(
                malloc_rc,
                stats_rc,
                "SQLite had started: its allocator settings stay the defaults"
            );
        }
    });
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn sqlite_runs_without_allocation_statistics() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("r.db").display());
        let store = crate::store::Store::open(&url).await.expect("open");
        // SAFETY: reads a counter; no arguments.
        let used = unsafe { super::ffi::sqlite3_memory_used() };
        store.close().await;
        // With statistics on, an open, migrated database has allocated
        // hundreds of kilobytes.
        assert_eq!(used, 0, "SQLite still counts its allocations");
    }
}
