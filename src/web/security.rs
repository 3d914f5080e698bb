//! Security for every response and the per-client rate limit of the check
//! endpoints (they run the extractor, the most expensive thing we do).

use super::errors::WebError;
use axum::extract::ConnectInfo;
use axum::http::{HeaderName, HeaderValue, Request, header};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tower_http::set_header::SetResponseHeaderLayer;

/// The Content-Security-Policy of every page: nothing runs, styles and images
/// come only from us, forms only post to us, nobody frames us.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// For archived documents served from our origin: a sandbox, so even an HTML
/// archive opened directly can run nothing and reach nothing.
pub const CSP_DOCUMENT: &str = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The layers adding security headers to every response. The CSP is only set
/// when a handler did not set a stricter one (archived documents do).
pub fn header_layers() -> Vec<SetResponseHeaderLayer<HeaderValue>> {
    vec![
        SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ),
        SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ),
        SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
        SetResponseHeaderLayer::overriding(
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ),
        SetResponseHeaderLayer::overriding(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static(
                "camera=(), microphone=(), geolocation=(), interest-cohort=()",
            ),
        ),
    ]
}

/// The client address a request came from: the socket peer. Forwarding
/// headers are not trusted (anyone can send them); behind a proxy every client
/// shares the proxy's bucket, which errs on the safe side.
pub fn client_ip<B>(req: &Request<B>) -> IpAddr {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// Token-bucket settings: `burst` requests at once, refilled at `per_minute`.
#[derive(Debug, Clone, Copy)]
pub struct RateConfig {
    pub burst: u32,
    pub per_minute: u32,
}

impl Default for RateConfig {
    fn default() -> Self {
        RateConfig {
            burst: 10,
            per_minute: 20,
        }
    }
}

/// A small token bucket per client IP.
#[derive(Debug)]
pub struct RateLimiter {
    config: RateConfig,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

/// Buckets kept before idle (full) ones are dropped, so the map stays small.
const MAX_BUCKETS: usize = 10_000;

impl RateLimiter {
    pub fn new(config: RateConfig) -> RateLimiter {
        RateLimiter {
            config,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `ip`, or says how long to wait.
    pub fn check(&self, ip: IpAddr) -> Result<(), WebError> {
        self.check_at(ip, Instant::now())
    }

    fn check_at(&self, ip: IpAddr, now: Instant) -> Result<(), WebError> {
        let burst = f64::from(self.config.burst.max(1));
        let rate_per_s = f64::from(self.config.per_minute.max(1)) / 60.0;
        // A poisoned lock only means another request panicked mid-update; the
        // counts are still usable.
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() >= MAX_BUCKETS {
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate_per_s < burst
            });
        }
        let entry = buckets.entry(ip).or_insert((burst, now));
        let elapsed = now.duration_since(entry.1).as_secs_f64();
        entry.0 = (entry.0 + elapsed * rate_per_s).min(burst);
        entry.1 = now;
        if entry.0 >= 1.0 {
            entry.0 -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - entry.0) / rate_per_s).ceil().max(1.0);
            Err(WebError::TooManyRequests {
                retry_after_s: Duration::from_secs_f64(wait).as_secs(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_empties_then_refills() {
        let rl = RateLimiter::new(RateConfig {
            burst: 2,
            per_minute: 60,
        });
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        let t0 = Instant::now();
        assert!(rl.check_at(ip, t0).is_ok());
        assert!(rl.check_at(ip, t0).is_ok());
        match rl.check_at(ip, t0) {
            Err(WebError::TooManyRequests { retry_after_s }) => assert_eq!(retry_after_s, 1),
            other => panic!("expected 429, got {other:?}"),
        }
        // Another client is not affected.
        assert!(rl.check_at(other, t0).is_ok());
        // One second later one token is back.
        assert!(rl.check_at(ip, t0 + Duration::from_secs(1)).is_ok());
        assert!(rl.check_at(ip, t0 + Duration::from_secs(1)).is_err());
    }
}
