//! A bounded in-memory cache of rendered pages, keyed by what the page shows
//! (route and query) and checked against the registry's generation
//! ([`crate::store::Store::generation`]): a page rendered before the latest
//! committed write to the registry is never served. Memory is bounded by the
//! pages' total size; when full, the oldest pages go first. Concurrent
//! misses on one key render it once ([`PageCache::render_lock`]): a burst of
//! identical slow searches costs one search, not one per client.

use bytes::Bytes;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// One cache of rendered pages (cheap to share behind the app state).
#[derive(Debug)]
pub struct PageCache {
    max_bytes: usize,
    inner: Mutex<Inner>,
    /// Render locks, striped by key hash (a few keys share one).
    renders: Vec<tokio::sync::Mutex<()>>,
}

const RENDER_STRIPES: usize = 64;

#[derive(Debug, Default)]
struct Inner {
    /// The generation every stored page was rendered at (they are dropped
    /// together when it moves).
    generation: i64,
    pages: HashMap<String, Bytes>,
    /// Keys in insertion order, for eviction.
    order: VecDeque<String>,
    bytes: usize,
}

impl Inner {
    fn clear(&mut self) {
        self.pages.clear();
        self.order.clear();
        self.bytes = 0;
    }
}

impl PageCache {
    /// A cache holding at most `max_bytes` of pages (0: holds nothing).
    pub fn new(max_bytes: usize) -> PageCache {
        PageCache {
            max_bytes,
            inner: Mutex::new(Inner::default()),
            renders: (0..RENDER_STRIPES)
                .map(|_| tokio::sync::Mutex::new(()))
                .collect(),
        }
    }

    /// Held while rendering the page of `key` after a miss; whoever waited
    /// for it looks in the cache again before rendering the same page.
    pub async fn render_lock(&self, key: &str) -> tokio::sync::MutexGuard<'_, ()> {
        use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
        let h = BuildHasherDefault::<DefaultHasher>::default().hash_one(key);
        self.renders[(h % RENDER_STRIPES as u64) as usize]
            .lock()
            .await
    }

    /// The page stored under `key`, if it was rendered at `generation`.
    pub fn get(&self, key: &str, generation: i64) -> Option<Bytes> {
        let inner = self.lock();
        if inner.generation != generation {
            return None;
        }
        inner.pages.get(key).cloned()
    }

    /// Stores `page` as rendered at `generation` (read before rendering
    /// began, so the page is at least that recent). A page from an older
    /// generation than the cache holds is not stored; a newer one replaces
    /// everything.
    pub fn put(&self, key: String, generation: i64, page: Bytes) {
        if page.len() > self.max_bytes {
            return;
        }
        let mut inner = self.lock();
        if generation < inner.generation {
            return;
        }
        if generation > inner.generation {
            inner.clear();
            inner.generation = generation;
        }
        if let Some(old) = inner.pages.remove(&key) {
            inner.bytes -= old.len();
            inner.order.retain(|k| *k != key);
        }
        while inner.bytes + page.len() > self.max_bytes {
            let Some(oldest) = inner.order.pop_front() else {
                break;
            };
            if let Some(p) = inner.pages.remove(&oldest) {
                inner.bytes -= p.len();
            }
        }
        inner.bytes += page.len();
        inner.order.push_back(key.clone());
        inner.pages.insert(key, page);
    }

    /// How many pages and bytes are held.
    pub fn usage(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.pages.len(), inner.bytes)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent data (every
        // update is completed before the guard drops), so poisoning is moot.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Reads the registry generation for many concurrent requests with one
/// query. A request may use a value only from a read that *began after the
/// request arrived*: such a read sees every write committed before the
/// request, which is all that reading the generation itself would
/// guarantee. Reads run one at a time; requests arriving meanwhile wait
/// for the next one and share it.
#[derive(Debug, Default)]
pub struct GenerationReader {
    /// Orders arrivals and read starts.
    clock: AtomicU64,
    /// The last completed read: when it began (on `clock`) and what it saw.
    last: tokio::sync::Mutex<Option<(u64, i64)>>,
}

impl GenerationReader {
    /// The registry generation as of some moment after this call began.
    pub async fn current<E, F, Fut>(&self, read: F) -> Result<i64, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<i64, E>>,
    {
        let arrived = self.clock.fetch_add(1, Ordering::SeqCst);
        let mut last = self.last.lock().await;
        if let Some((began, generation)) = *last
            && began > arrived
        {
            return Ok(generation);
        }
        let began = self.clock.fetch_add(1, Ordering::SeqCst);
        let generation = read().await?;
        *last = Some((began, generation));
        Ok(generation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(s: &'static str) -> Bytes {
        Bytes::from_static(s.as_bytes())
    }

    #[test]
    fn serves_a_page_only_at_the_generation_it_was_rendered_at() {
        let c = PageCache::new(1000);
        c.put("a".into(), 5, page("five"));
        assert_eq!(c.get("a", 5).as_deref(), Some(&b"five"[..]));
        assert_eq!(c.get("a", 6), None);
        assert_eq!(c.get("a", 4), None);
        assert_eq!(c.get("b", 5), None);
    }

    #[test]
    fn a_newer_generation_drops_every_older_page_and_an_older_one_is_refused() {
        let c = PageCache::new(1000);
        c.put("a".into(), 1, page("one"));
        c.put("b".into(), 2, page("two"));
        assert_eq!(c.get("a", 2), None);
        assert_eq!(c.usage(), (1, 3));
        // A slow render that read generation 1 must not be stored now.
        c.put("a".into(), 1, page("stale"));
        assert_eq!(c.get("a", 1), None);
        assert_eq!(c.get("a", 2), None);
        assert_eq!(c.usage(), (1, 3));
    }

    #[test]
    fn stays_within_its_size_dropping_the_oldest_first() {
        let c = PageCache::new(10);
        c.put("a".into(), 1, page("1234"));
        c.put("b".into(), 1, page("5678"));
        c.put("c".into(), 1, page("90ab"));
        assert_eq!(c.get("a", 1), None);
        assert_eq!(c.get("b", 1).as_deref(), Some(&b"5678"[..]));
        assert_eq!(c.get("c", 1).as_deref(), Some(&b"90ab"[..]));
        assert_eq!(c.usage(), (2, 8));
        // Too large for the cache at all: not stored, nothing evicted.
        c.put("d".into(), 1, page("01234567890"));
        assert_eq!(c.usage(), (2, 8));
        // Replacing a key counts its bytes once.
        c.put("b".into(), 1, page("56"));
        assert_eq!(c.usage(), (2, 6));
        assert_eq!(c.get("b", 1).as_deref(), Some(&b"56"[..]));
    }

    #[tokio::test]
    async fn one_key_renders_one_at_a_time() {
        let c = std::sync::Arc::new(PageCache::new(100));
        let first = c.render_lock("k").await;
        let c2 = c.clone();
        let waiter = tokio::spawn(async move {
            let _g = c2.render_lock("k").await;
            c2.get("k", 1)
        });
        tokio::task::yield_now().await;
        assert!(
            !waiter.is_finished(),
            "the second render waits for the first"
        );
        c.put("k".into(), 1, page("done"));
        drop(first);
        let seen = waiter.await.unwrap();
        assert_eq!(
            seen.as_deref(),
            Some(&b"done"[..]),
            "and then finds its page"
        );
    }

    #[tokio::test]
    async fn a_generation_read_is_shared_only_by_requests_that_arrived_before_it() {
        use std::sync::Arc;
        use std::sync::atomic::AtomicI64;
        let reader = Arc::new(GenerationReader::default());
        let db = Arc::new(AtomicI64::new(1));
        let reads = Arc::new(AtomicI64::new(0));
        let read = |db: Arc<AtomicI64>, reads: Arc<AtomicI64>| async move {
            reads.fetch_add(1, Ordering::SeqCst);
            // A slow query: the value is taken when the read begins.
            let v = db.load(Ordering::SeqCst);
            tokio::task::yield_now().await;
            Ok::<i64, ()>(v)
        };
        // One at a time: every call reads, and sees the latest write.
        assert_eq!(
            reader.current(|| read(db.clone(), reads.clone())).await,
            Ok(1)
        );
        db.store(2, Ordering::SeqCst);
        assert_eq!(
            reader.current(|| read(db.clone(), reads.clone())).await,
            Ok(2)
        );
        assert_eq!(reads.load(Ordering::SeqCst), 2);
        // Many at once: they share reads, and none sees less than what was
        // written before it arrived.
        db.store(3, Ordering::SeqCst);
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let (reader, db, reads) = (reader.clone(), db.clone(), reads.clone());
            tasks.push(tokio::spawn(async move {
                reader.current(|| read(db, reads)).await
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), Ok(3));
        }
        assert!(reads.load(Ordering::SeqCst) < 2 + 50, "reads were shared");
        // A write after the last read: the next request reads again.
        db.store(4, Ordering::SeqCst);
        assert_eq!(
            reader.current(|| read(db.clone(), reads.clone())).await,
            Ok(4)
        );
    }

    #[test]
    fn a_zero_size_cache_holds_nothing() {
        let c = PageCache::new(0);
        c.put("a".into(), 1, page("x"));
        assert_eq!(c.get("a", 1), None);
        assert_eq!(c.usage(), (0, 0));
    }
}
