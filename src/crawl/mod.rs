//! Polite crawling: fetching with limits and an SSRF guard ([`fetch`],
//! [`guard`]), robots.txt ([`robots`]), per-host politeness
//! ([`politeness`]), statement discovery from the homepage ([`discover`]) and
//! the crawl worker over the store's queue ([`worker`]).
//!
//! Every failure is an outcome with a stable [`FetchError::kind`] that the
//! store records, never a panic.

pub mod discover;
pub mod fetch;
pub mod guard;
pub mod page;
pub mod politeness;
pub mod robots;
pub mod worker;
mod writes;

pub use fetch::{FetchConfig, Fetcher, Gate};
pub use politeness::Politeness;
pub use robots::Robots;

use crate::domain::SourceKind;
use std::time::Duration;

/// Why a fetch failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    #[error("invalid URL '{0}'")]
    InvalidUrl(String),
    #[error("unsupported URL scheme in '{0}' (only http and https)")]
    UnsupportedScheme(String),
    #[error("refused '{url}': it resolves to the non-public address {addr}")]
    RefusedPrivate { url: String, addr: String },
    #[error("cannot resolve the host of '{url}': {message}")]
    Dns { url: String, message: String },
    #[error("cannot connect to '{url}': {message}")]
    Connect { url: String, message: String },
    #[error("'{url}' timed out")]
    Timeout { url: String },
    #[error("'{url}' is larger than {limit} bytes")]
    TooLarge { url: String, limit: u64 },
    #[error("'{url}' redirects in a loop")]
    RedirectLoop { url: String },
    #[error("'{url}' redirects more than {limit} times")]
    TooManyRedirects { url: String, limit: usize },
    #[error("'{url}' redirects without a usable Location")]
    BadRedirect { url: String },
    #[error("'{url}' answered HTTP {status}")]
    HttpStatus {
        url: String,
        status: u16,
        retry_after: Option<Duration>,
    },
    #[error("robots.txt disallows '{url}'")]
    RobotsDisallowed { url: String },
    #[error("robots.txt at '{url}' is unavailable ({reason}); retry later")]
    RobotsUnavailable { url: String, reason: String },
    #[error("network error on '{url}': {message}")]
    Network { url: String, message: String },
    #[error("{0}")]
    Other(String),
}

impl FetchError {
    /// A stable short name for the outcome, recorded in the store and
    /// counted in the crawl summary.
    pub fn kind(&self) -> &'static str {
        match self {
            FetchError::InvalidUrl(_) => "invalid_url",
            FetchError::UnsupportedScheme(_) => "unsupported_scheme",
            FetchError::RefusedPrivate { .. } => "refused_private",
            FetchError::Dns { .. } => "dns",
            FetchError::Connect { .. } => "connect",
            FetchError::Timeout { .. } => "timeout",
            FetchError::TooLarge { .. } => "too_large",
            FetchError::RedirectLoop { .. } => "redirect_loop",
            FetchError::TooManyRedirects { .. } => "too_many_redirects",
            FetchError::BadRedirect { .. } => "bad_redirect",
            FetchError::HttpStatus { .. } => "http_status",
            FetchError::RobotsDisallowed { .. } => "robots_disallowed",
            FetchError::RobotsUnavailable { .. } => "robots_unavailable",
            FetchError::Network { .. } => "network",
            FetchError::Other(_) => "other",
        }
    }

    /// See [`inconclusive_kind`].
    pub fn is_inconclusive(&self) -> bool {
        let status = match self {
            FetchError::HttpStatus { status, .. } => Some(*status),
            _ => None,
        };
        inconclusive_kind(self.kind(), status)
    }

    /// Worth trying again later (the site may answer then).
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::RobotsUnavailable { .. }
            | FetchError::Timeout { .. }
            | FetchError::Connect { .. }
            | FetchError::Network { .. } => true,
            FetchError::HttpStatus { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }
}

/// Whether a failed fetch of this kind (and HTTP status) says nothing about
/// the page: the site could not be read (timeout, refused, trickle, too
/// large, bad headers, 429 or 5xx, robots.txt unavailable). Such a failure
/// is no evidence that no statement exists: the look is incomplete and
/// retried. A 404 or a robots.txt refusal is an answer.
pub fn inconclusive_kind(kind: &str, status: Option<u16>) -> bool {
    match kind {
        "dns" | "connect" | "timeout" | "too_large" | "robots_unavailable" | "network"
        | "other" => true,
        "http_status" => status.is_some_and(|s| s == 429 || s >= 500),
        _ => false,
    }
}

/// A fetched document: its bytes, final URL after redirects, and content type.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub bytes: Vec<u8>,
    pub final_url: String,
    pub content_type: Option<String>,
    pub status: u16,
    /// The URLs that redirected, in order (empty when none).
    pub redirects: Vec<String>,
    /// The format sniffed from the bytes (`None` for an empty body).
    pub kind: Option<SourceKind>,
    /// The day of the server's `Last-Modified`, when it sent a valid one.
    pub last_modified: Option<chrono::NaiveDate>,
}

/// Fetches one URL with the crawler's safety limits (timeouts, a 20 MB body
/// cap, at most 5 redirects, SSRF guard unless `allow_private`). Used by
/// `s54 check URL` and the web self-check.
///
/// robots.txt is not consulted: this is one request a person asked for (like
/// a browser visit), not crawling, and the statement is a document its
/// publisher is required to make public.
pub async fn fetch_for_check(url: &str, allow_private: bool) -> Result<Fetched, FetchError> {
    let fetcher = Fetcher::new(FetchConfig::check(allow_private))?;
    fetcher.get(url, Gate::default()).await
}
