//! The fetcher: one reqwest client with the crawler's limits. Redirects are
//! followed by hand (at most [`FetchConfig::max_redirects`]) so every hop is
//! checked against the SSRF guard, robots.txt and the host's politeness
//! slot; bodies are streamed and cut off at the cap; the format is sniffed
//! from the bytes.

use super::guard::{DnsFailure, GuardedResolver, Refused, is_public_ip};
use super::politeness::host_key;
use super::robots::Robots;
use super::{FetchError, Fetched, Politeness};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// Limits of one fetcher.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    pub connect_timeout: Duration,
    /// Budget for one request, headers and body (per hop).
    pub total_timeout: Duration,
    /// Largest body read; the download stops there.
    pub max_body: u64,
    pub max_redirects: usize,
    pub allow_private: bool,
    /// Hosts pinned to an address by the operator (like `curl --resolve`):
    /// no DNS, and trusted as given.
    pub pinned: HashMap<String, SocketAddr>,
    pub user_agent: String,
}

impl FetchConfig {
    /// The crawler's limits: 50 MB bodies, 10 s connect, 60 s per request.
    pub fn crawler(allow_private: bool) -> Self {
        FetchConfig {
            connect_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(60),
            max_body: 50 * 1024 * 1024,
            max_redirects: 5,
            allow_private,
            pinned: HashMap::new(),
            user_agent: crate::config::USER_AGENT.to_string(),
        }
    }

    /// A user's single URL check: a smaller cap and shorter budget, because
    /// someone is waiting for the answer.
    pub fn check(allow_private: bool) -> Self {
        FetchConfig {
            total_timeout: Duration::from_secs(30),
            max_body: 20 * 1024 * 1024,
            ..FetchConfig::crawler(allow_private)
        }
    }
}

/// What a fetch passes through besides the network: the politeness slots and
/// robots.txt. The single-URL check uses neither.
#[derive(Clone, Copy, Default)]
pub struct Gate<'a> {
    pub polite: Option<&'a Politeness>,
    pub robots: Option<&'a Robots>,
    /// Told of every robots.txt request made on the way (for the fetch log).
    pub on_robots: Option<&'a RobotsObserver<'a>>,
}

/// Receives a robots.txt fetch: the URL, its outcome and its network time.
pub type RobotsObserver<'a> =
    dyn Fn(&str, &Result<Fetched, FetchError>, Duration) + Send + Sync + 'a;

#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    cfg: Arc<FetchConfig>,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher").field("cfg", &self.cfg).finish()
    }
}

/// Parses `Retry-After`: delta seconds or an HTTP date. Capped at an hour.
pub fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let v = value.trim();
    let d = if let Ok(secs) = v.parse::<u64>() {
        Duration::from_secs(secs)
    } else {
        let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
        let delta = when.with_timezone(&chrono::Utc) - now;
        delta.to_std().unwrap_or(Duration::ZERO)
    };
    Some(d.min(Duration::from_secs(3600)))
}

impl Fetcher {
    pub fn new(cfg: FetchConfig) -> Result<Self, FetchError> {
        let resolver = GuardedResolver {
            allow_private: cfg.allow_private,
            pinned: Arc::new(
                cfg.pinned
                    .iter()
                    .map(|(k, v)| (k.to_ascii_lowercase(), *v))
                    .collect(),
            ),
        };
        let client = reqwest::Client::builder()
            .user_agent(cfg.user_agent.clone())
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve names itself, out of the guard's sight.
            .no_proxy()
            .connect_timeout(cfg.connect_timeout)
            // Finished sites should not keep sockets open for long.
            .pool_idle_timeout(Duration::from_secs(10))
            .pool_max_idle_per_host(2)
            .dns_resolver(Arc::new(resolver))
            .build()
            .map_err(|e| FetchError::Other(format!("cannot build HTTP client: {e}")))?;
        Ok(Fetcher {
            client,
            cfg: Arc::new(cfg),
        })
    }

    pub fn config(&self) -> &FetchConfig {
        &self.cfg
    }

    /// Fetches `url`, following redirects by hand; bodies over the
    /// configured cap are refused.
    pub async fn get(&self, url: &str, gate: Gate<'_>) -> Result<Fetched, FetchError> {
        self.get_capped(url, gate, self.cfg.max_body).await
    }

    /// [`Fetcher::get`] with its own body cap (robots.txt, sitemaps).
    pub async fn get_capped(
        &self,
        url: &str,
        gate: Gate<'_>,
        cap: u64,
    ) -> Result<Fetched, FetchError> {
        self.get_timed(url, gate, cap).await.0
    }

    /// [`Fetcher::get_capped`], with the time spent on the network (every
    /// hop, from request to last byte; not the waits for robots.txt or the
    /// host's politeness slot), for the fetch log.
    pub async fn get_timed(
        &self,
        url: &str,
        gate: Gate<'_>,
        cap: u64,
    ) -> (Result<Fetched, FetchError>, Duration) {
        let mut spent = Duration::ZERO;
        let r = self.follow(url, gate, Cap::Refuse(cap), &mut spent).await;
        (r, spent)
    }

    /// [`Fetcher::get_timed`] that keeps the first `cap` bytes of a larger
    /// body instead of refusing it (robots.txt: RFC 9309 §2.5 asks crawlers
    /// to parse at least 500 KiB of a longer file).
    pub async fn get_prefix_timed(
        &self,
        url: &str,
        gate: Gate<'_>,
        cap: u64,
    ) -> (Result<Fetched, FetchError>, Duration) {
        let mut spent = Duration::ZERO;
        let r = self.follow(url, gate, Cap::Truncate(cap), &mut spent).await;
        (r, spent)
    }

    async fn follow(
        &self,
        url: &str,
        gate: Gate<'_>,
        cap: Cap,
        spent: &mut Duration,
    ) -> Result<Fetched, FetchError> {
        let mut current = parse_http_url(url)?;
        let mut chain: Vec<String> = Vec::new();
        loop {
            self.check_literal(&current)?;
            if let Some(robots) = gate.robots {
                robots.check(self, gate, &current).await?;
            }
            let permit = match gate.polite {
                Some(p) => Some(p.acquire(&host_key(&current)).await),
                None => None,
            };
            let hop_started = std::time::Instant::now();
            let hop = tokio::time::timeout(self.cfg.total_timeout, self.one_hop(&current, cap))
                .await
                .unwrap_or_else(|_| {
                    Err(FetchError::Timeout {
                        url: current.to_string(),
                    })
                });
            *spent += hop_started.elapsed();
            let hop = match hop {
                Err(FetchError::HttpStatus {
                    url,
                    status,
                    retry_after,
                }) => {
                    if let (Some(mut p), Some(d)) = (permit, retry_after) {
                        p.back_off(d);
                    }
                    return Err(FetchError::HttpStatus {
                        url,
                        status,
                        retry_after,
                    });
                }
                other => {
                    drop(permit);
                    other?
                }
            };
            match hop {
                Hop::Done(mut fetched) => {
                    fetched.redirects = chain;
                    return Ok(fetched);
                }
                Hop::Redirect(next) => {
                    chain.push(current.to_string());
                    let next_s = next.to_string();
                    if chain.contains(&next_s) {
                        return Err(FetchError::RedirectLoop {
                            url: url.to_string(),
                        });
                    }
                    if chain.len() > self.cfg.max_redirects {
                        return Err(FetchError::TooManyRedirects {
                            url: url.to_string(),
                            limit: self.cfg.max_redirects,
                        });
                    }
                    current = next;
                }
            }
        }
    }

    /// Literal IP hosts never pass through the resolver: check them here.
    fn check_literal(&self, url: &Url) -> Result<(), FetchError> {
        if self.cfg.allow_private {
            return Ok(());
        }
        let ip: Option<IpAddr> = match url.host() {
            Some(url::Host::Ipv4(a)) => Some(IpAddr::V4(a)),
            Some(url::Host::Ipv6(a)) => Some(IpAddr::V6(a)),
            _ => None,
        };
        match ip {
            Some(ip) if !is_public_ip(ip) => Err(FetchError::RefusedPrivate {
                url: url.to_string(),
                addr: ip.to_string(),
            }),
            _ => Ok(()),
        }
    }

    async fn one_hop(&self, url: &Url, cap: Cap) -> Result<Hop, FetchError> {
        let (limit, truncate) = match cap {
            Cap::Refuse(n) => (n, false),
            Cap::Truncate(n) => (n, true),
        };
        let mut resp = self
            .client
            .get(url.clone())
            .send()
            .await
            .map_err(|e| map_reqwest(url, e))?;
        let status = resp.status();
        if status.is_redirection() {
            let loc = resp
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| FetchError::BadRedirect {
                    url: url.to_string(),
                })?;
            let next = url.join(loc).map_err(|_| FetchError::BadRedirect {
                url: url.to_string(),
            })?;
            if !matches!(next.scheme(), "http" | "https") {
                return Err(FetchError::UnsupportedScheme(next.to_string()));
            }
            return Ok(Hop::Redirect(next));
        }
        if !status.is_success() {
            let retry_after = resp
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, chrono::Utc::now()));
            return Err(FetchError::HttpStatus {
                url: url.to_string(),
                status: status.as_u16(),
                retry_after,
            });
        }
        if !truncate && resp.content_length().is_some_and(|n| n > limit) {
            return Err(FetchError::TooLarge {
                url: url.to_string(),
                limit,
            });
        }
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let last_modified = resp
            .headers()
            .get(reqwest::header::LAST_MODIFIED)
            .and_then(|v| v.to_str().ok())
            .and_then(crate::registry::dates::http_date);
        let mut bytes: Vec<u8> = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| map_reqwest(url, e))? {
            if bytes.len() as u64 + chunk.len() as u64 > limit {
                if truncate {
                    // The rest is never read: the connection is dropped.
                    let room = usize::try_from(limit).unwrap_or(usize::MAX) - bytes.len();
                    bytes.extend_from_slice(&chunk[..room.min(chunk.len())]);
                    break;
                }
                return Err(FetchError::TooLarge {
                    url: url.to_string(),
                    limit,
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        let kind = if bytes.is_empty() {
            None
        } else {
            crate::extract::sniff::sniff(&bytes, url.path())
        };
        Ok(Hop::Done(Fetched {
            bytes,
            final_url: url.to_string(),
            content_type,
            status: status.as_u16(),
            redirects: Vec::new(),
            kind,
            last_modified,
        }))
    }
}

enum Hop {
    Done(Fetched),
    Redirect(Url),
}

/// What to do with a body larger than the cap.
#[derive(Debug, Clone, Copy)]
enum Cap {
    Refuse(u64),
    Truncate(u64),
}

/// Parses an absolute http(s) URL; any other scheme is refused.
pub fn parse_http_url(url: &str) -> Result<Url, FetchError> {
    let u = Url::parse(url.trim()).map_err(|_| FetchError::InvalidUrl(url.to_string()))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(FetchError::UnsupportedScheme(url.to_string()));
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err(FetchError::InvalidUrl(url.to_string()));
    }
    Ok(u)
}

fn map_reqwest(url: &Url, e: reqwest::Error) -> FetchError {
    let mut src: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(s) = src {
        if let Some(r) = s.downcast_ref::<Refused>() {
            return FetchError::RefusedPrivate {
                url: url.to_string(),
                addr: r.addr.to_string(),
            };
        }
        if let Some(d) = s.downcast_ref::<DnsFailure>() {
            return FetchError::Dns {
                url: url.to_string(),
                message: d.message.clone(),
            };
        }
        src = s.source();
    }
    if e.is_timeout() {
        FetchError::Timeout {
            url: url.to_string(),
        }
    } else if e.is_connect() {
        FetchError::Connect {
            url: url.to_string(),
            message: root_message(&e),
        }
    } else {
        FetchError::Network {
            url: url.to_string(),
            message: root_message(&e),
        }
    }
}

fn root_message(e: &(dyn std::error::Error + 'static)) -> String {
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        msg = s.to_string();
        src = s.source();
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn retry_after_forms() {
        let now = chrono::Utc
            .with_ymd_and_hms(2015, 10, 21, 7, 27, 0)
            .unwrap();
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(
            parse_retry_after("999999", now),
            Some(Duration::from_secs(3600))
        );
    }

    #[test]
    fn only_http_schemes() {
        assert!(matches!(
            parse_http_url("file:///etc/passwd"),
            Err(FetchError::UnsupportedScheme(_))
        ));
        assert!(matches!(
            parse_http_url("gopher://x/"),
            Err(FetchError::UnsupportedScheme(_))
        ));
        assert!(parse_http_url("https://example.org/a").is_ok());
        assert!(matches!(
            parse_http_url("not a url"),
            Err(FetchError::InvalidUrl(_))
        ));
    }
}
