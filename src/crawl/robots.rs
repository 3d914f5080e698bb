//! robots.txt, fetched once per host and cached for the process.
//!
//! - 2xx: the rules for our product token (`s54`), else `*`.
//! - 4xx (not 429): no rules, everything allowed (the usual convention).
//! - 429, 5xx or a network failure: *wait*, never "allow": the site job is
//!   retried later and nothing else is fetched from the host meanwhile.
//!
//! `Crawl-delay` is handed to the politeness table; `Sitemap:` lines are kept
//! for discovery.

use super::fetch::{Fetcher, Gate, RobotsObserver};
use super::politeness::host_key;
use super::{FetchError, Politeness};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use texting_robots::Robot;
use url::Url;

/// The product token matched against `User-agent:` lines.
pub const ROBOTS_AGENT: &str = "s54";
/// Only this much of a robots.txt is read: RFC 9309 §2.5 asks crawlers to
/// parse at least 500 KiB; a longer file is cut at its last full line there
/// (a file far over it is no reason never to crawl the site).
pub const ROBOTS_CAP: u64 = 512 * 1024;

#[derive(Debug)]
enum Entry {
    AllowAll,
    Rules(Box<Robot>),
}

/// One host's cached entry; its lock makes concurrent callers share one fetch.
type Cell = Arc<tokio::sync::Mutex<Option<Arc<Entry>>>>;

/// One process's robots.txt cache.
#[derive(Debug, Default)]
pub struct Robots {
    hosts: Mutex<HashMap<String, Cell>>,
}

type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

impl Robots {
    pub fn new() -> Self {
        Robots::default()
    }

    fn cell(&self, key: &str) -> Cell {
        let mut map = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(key.to_string()).or_default().clone()
    }

    async fn entry(
        &self,
        fetcher: &Fetcher,
        polite: Option<&Politeness>,
        observer: Option<&RobotsObserver<'_>>,
        url: &Url,
    ) -> Result<Arc<Entry>, FetchError> {
        let key = host_key(url);
        let cell = self.cell(&key);
        // Holding the cell lock while fetching makes concurrent callers for
        // one host wait for a single robots.txt request.
        let mut slot = cell.lock().await;
        if let Some(e) = slot.as_ref() {
            return Ok(e.clone());
        }
        let mut robots_url = url.clone();
        robots_url.set_path("/robots.txt");
        robots_url.set_query(None);
        robots_url.set_fragment(None);
        let (fetched, spent) = fetcher
            .get_prefix_timed(
                robots_url.as_str(),
                Gate {
                    polite,
                    robots: None,
                    on_robots: None,
                },
                ROBOTS_CAP,
            )
            .await;
        if let Some(observe) = observer {
            observe(robots_url.as_str(), &fetched, spent);
        }
        let entry = match fetched {
            Ok(f) => match Robot::new(ROBOTS_AGENT, whole_lines(&f.bytes)) {
                Ok(r) => Entry::Rules(Box::new(r)),
                // An unparsable file says nothing we can obey.
                Err(_) => Entry::AllowAll,
            },
            Err(FetchError::HttpStatus { status, .. })
                if (400..500).contains(&status) && status != 429 =>
            {
                Entry::AllowAll
            }
            Err(e) => {
                return Err(FetchError::RobotsUnavailable {
                    url: robots_url.to_string(),
                    reason: e.to_string(),
                });
            }
        };
        if let (Entry::Rules(r), Some(p)) = (&entry, polite)
            && let Some(d) = r.delay
            && d.is_finite()
            && d > 0.0
        {
            p.set_host_delay(&key, Duration::from_secs_f32(d.min(60.0)))
                .await;
        }
        let entry = Arc::new(entry);
        *slot = Some(entry.clone());
        Ok(entry)
    }

    /// Ok when robots.txt lets us fetch `url`.
    ///
    /// Boxed: fetching robots.txt goes back through the fetcher, which calls
    /// this, so the future type would otherwise contain itself.
    pub fn check<'a>(
        &'a self,
        fetcher: &'a Fetcher,
        gate: Gate<'a>,
        url: &'a Url,
    ) -> BoxFut<'a, Result<(), FetchError>> {
        Box::pin(async move {
            match &*self
                .entry(fetcher, gate.polite, gate.on_robots, url)
                .await?
            {
                Entry::AllowAll => Ok(()),
                Entry::Rules(r) if r.allowed(url.as_str()) => Ok(()),
                Entry::Rules(_) => Err(FetchError::RobotsDisallowed {
                    url: url.to_string(),
                }),
            }
        })
    }

    /// The `Sitemap:` URLs of the host of `url` (fetching robots.txt if needed).
    pub async fn sitemaps(
        &self,
        fetcher: &Fetcher,
        gate: Gate<'_>,
        url: &Url,
    ) -> Result<Vec<String>, FetchError> {
        Ok(
            match &*self
                .entry(fetcher, gate.polite, gate.on_robots, url)
                .await?
            {
                Entry::AllowAll => Vec::new(),
                Entry::Rules(r) => r.sitemaps.clone(),
            },
        )
    }
}

/// The bytes up to the last line break of a file cut at the cap (a rule cut
/// in half could say something the site never said), or all of a file that
/// fits.
fn whole_lines(bytes: &[u8]) -> &[u8] {
    if (bytes.len() as u64) < ROBOTS_CAP {
        return bytes;
    }
    match bytes.iter().rposition(|&b| b == b'\n') {
        Some(i) => &bytes[..=i],
        None => &[],
    }
}

#[cfg(test)]
mod tests {
    use texting_robots::Robot;

    #[test]
    fn a_cut_file_keeps_whole_lines() {
        let mut b = vec![b'#'; super::ROBOTS_CAP as usize - 20];
        b.extend_from_slice(b"\nDisallow: /private-area-cut");
        b.truncate(super::ROBOTS_CAP as usize);
        assert!(super::whole_lines(&b).ends_with(b"#\n"));
        assert_eq!(super::whole_lines(b"Disallow: /x"), b"Disallow: /x");
    }

    #[test]
    fn our_token_and_star() {
        let r = Robot::new(
            super::ROBOTS_AGENT,
            b"User-agent: *\nDisallow: /\n\nUser-agent: s54\nDisallow: /private\nCrawl-delay: 2\nSitemap: https://e.org/sm.xml\n",
        )
        .unwrap();
        assert!(r.allowed("https://e.org/modern-slavery"));
        assert!(!r.allowed("https://e.org/private/x"));
        assert_eq!(r.delay, Some(2.0));
        assert_eq!(r.sitemaps, vec!["https://e.org/sm.xml".to_string()]);
        let all = Robot::new(super::ROBOTS_AGENT, b"User-agent: *\nDisallow: /\n").unwrap();
        assert!(!all.allowed("https://e.org/"));
    }
}
