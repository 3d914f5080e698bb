//! Per-host politeness, after lychee: one request in flight per host, a
//! minimum gap between requests to the same host (the larger of
//! `--per-host-delay-ms` and the host's robots.txt `Crawl-delay`), and
//! back-off after 429/503 that honours `Retry-After`.
//!
//! The gap is measured from the end of one request to the start of the next,
//! so start-to-start gaps are never shorter than the delay either.
//!
//! On PostgreSQL several crawl processes share the slots through the store's
//! `host_slots` table: a request reserves the host for as long as a request
//! may take, and on completion releases it to "now + gap".

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::OwnedMutexGuard;
use tokio::time::Instant;

/// The politeness key of a URL: host and explicit port (`example.org`,
/// `127.0.0.1:8080`).
pub fn host_key(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or("").to_ascii_lowercase();
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    }
}

#[derive(Debug)]
struct Slot {
    /// Earliest moment the next request to this host may start.
    next_start: Instant,
    /// The host's own delay (robots `Crawl-delay`), if larger than ours.
    host_delay: Duration,
}

/// Slots shared with other processes through the database.
#[derive(Debug, Clone)]
struct Shared {
    store: crate::store::Store,
    /// How long a reservation holds the host when its holder never
    /// releases it (it died): the longest a request may take.
    hold: Duration,
}

/// Shared politeness state for every worker of one crawl process.
#[derive(Debug)]
pub struct Politeness {
    delay: Duration,
    hosts: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Slot>>>>,
    shared: Option<Shared>,
}

/// Holding a permit is holding the host's only request slot.
#[derive(Debug)]
pub struct Permit {
    guard: Option<OwnedMutexGuard<Slot>>,
    delay: Duration,
    backoff: Option<Duration>,
    shared: Option<(Shared, String)>,
}

impl Permit {
    /// Asks the next request to this host to wait at least `d` (429/503).
    pub fn back_off(&mut self, d: Duration) {
        self.backoff = Some(self.backoff.map_or(d, |b| b.max(d)));
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let Some(mut guard) = self.guard.take() else {
            return;
        };
        let gap = self
            .delay
            .max(guard.host_delay)
            .max(self.backoff.unwrap_or_default());
        guard.next_start = Instant::now() + gap;
        if let Some((shared, host)) = self.shared.take()
            && let Ok(rt) = tokio::runtime::Handle::try_current()
        {
            let next = chrono::Utc::now() + chrono::TimeDelta::from_std(gap).unwrap_or_default();
            // The local slot stays held until the shared one is released,
            // so this process's next request never waits on a stale hold.
            rt.spawn(async move {
                if let Err(e) = shared.store.release_host_slot(&host, next).await {
                    tracing::warn!(host, error = %e, "cannot release the shared host slot");
                }
                drop(guard);
            });
        }
    }
}

impl Politeness {
    pub fn new(delay: Duration) -> Self {
        Politeness {
            delay,
            hosts: Mutex::new(HashMap::new()),
            shared: None,
        }
    }

    /// Shares the slots with other processes through `store`; `hold` is
    /// the longest a request may take.
    pub fn shared_through(mut self, store: crate::store::Store, hold: Duration) -> Self {
        self.shared = Some(Shared { store, hold });
        self
    }

    pub fn delay(&self) -> Duration {
        self.delay
    }

    fn slot(&self, host: &str) -> Arc<tokio::sync::Mutex<Slot>> {
        // A poisoned map only means another worker panicked mid-insert; the
        // map itself is still consistent.
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        hosts
            .entry(host.to_string())
            .or_insert_with(|| {
                Arc::new(tokio::sync::Mutex::new(Slot {
                    next_start: Instant::now(),
                    host_delay: Duration::ZERO,
                }))
            })
            .clone()
    }

    /// Waits for the host's slot and its delay, then returns the permit.
    pub async fn acquire(&self, host: &str) -> Permit {
        let guard = self.slot(host).lock_owned().await;
        let wait_until = guard.next_start;
        tokio::time::sleep_until(wait_until).await;
        if let Some(sh) = &self.shared {
            loop {
                match sh.store.reserve_host_slot(host, sh.hold).await {
                    Ok(None) => break,
                    // Another process holds the host: poll, since it
                    // releases early when its request ends.
                    Ok(Some(w)) => tokio::time::sleep(w.min(Duration::from_millis(50))).await,
                    Err(e) => {
                        tracing::warn!(host, error = %e, "shared host slot unavailable; local politeness only");
                        break;
                    }
                }
            }
        }
        Permit {
            guard: Some(guard),
            delay: self.delay,
            backoff: None,
            shared: self.shared.clone().map(|s| (s, host.to_string())),
        }
    }

    /// Records a host's robots.txt `Crawl-delay` (capped at a minute so a
    /// hostile value cannot park a worker forever).
    pub async fn set_host_delay(&self, host: &str, d: Duration) {
        let slot = self.slot(host);
        let mut s = slot.lock().await;
        s.host_delay = d.min(Duration::from_secs(60));
        // Called right after robots.txt came back: that request counts too.
        s.next_start = s.next_start.max(Instant::now() + s.host_delay);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_at_a_time_and_gap_respected() {
        let p = Arc::new(Politeness::new(Duration::from_millis(50)));
        let starts = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let p = p.clone();
            let starts = starts.clone();
            tasks.push(tokio::spawn(async move {
                let permit = p.acquire("a.example").await;
                let s = Instant::now();
                tokio::time::sleep(Duration::from_millis(10)).await;
                starts.lock().unwrap().push((s, Instant::now()));
                drop(permit);
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let mut v = starts.lock().unwrap().clone();
        v.sort();
        for w in v.windows(2) {
            assert!(w[1].0 >= w[0].1 + Duration::from_millis(50));
        }
    }

    #[tokio::test]
    async fn back_off_extends_the_gap() {
        let p = Politeness::new(Duration::from_millis(1));
        let mut permit = p.acquire("h").await;
        permit.back_off(Duration::from_millis(120));
        let end = Instant::now();
        drop(permit);
        let _second = p.acquire("h").await;
        assert!(Instant::now() >= end + Duration::from_millis(120));
    }

    #[test]
    fn keys() {
        let u = url::Url::parse("http://Example.ORG/a").unwrap();
        assert_eq!(host_key(&u), "example.org");
        let u = url::Url::parse("http://127.0.0.1:8080/a").unwrap();
        assert_eq!(host_key(&u), "127.0.0.1:8080");
    }
}
