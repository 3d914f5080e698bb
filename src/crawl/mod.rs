//! Polite crawling: fetching with limits and an SSRF guard, robots.txt,
//! statement discovery from the homepage, and the crawl worker (being built:
//! issue 3).

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    #[error("invalid URL '{0}'")]
    InvalidUrl(String),
    #[error("{0}")]
    Other(String),
}

/// A fetched document: its bytes, final URL after redirects, and content type.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub bytes: Vec<u8>,
    pub final_url: String,
    pub content_type: Option<String>,
    pub status: u16,
}

/// Fetches one URL with the crawler's safety limits (timeouts, body cap,
/// redirect limit, SSRF guard unless `allow_private`). Used by `s54 check URL`
/// and the web self-check.
pub async fn fetch_for_check(url: &str, allow_private: bool) -> Result<Fetched, FetchError> {
    let _ = allow_private;
    Err(FetchError::InvalidUrl(url.to_string()))
}
