//! Officers from the Companies House public data API: `s54 officers fetch`
//! (`GET /company/{number}/officers`, every page, HTTP basic auth with the
//! API key, at most 600 requests per five minutes, 429 + `Retry-After`
//! honoured, resumable) and `s54 officers import FILE.jsonl` (saved
//! responses, one body per line). A company whose list changed has its
//! statements re-scored at once, so their signature findings use it.

use super::rescore::rescore_organisation;
use crate::domain::{Officer, OfficerListPage};
use crate::rules::Rulebook;
use crate::store::{ListOutcome, Store, StoreError};
use std::collections::{BTreeMap, VecDeque};
use std::io::BufRead;
use std::time::{Duration, Instant};

/// The Companies House public data API.
pub const DEFAULT_BASE_URL: &str = "https://api.company-information.service.gov.uk";
/// Officers asked for per page (the API's maximum).
const PAGE: u64 = 100;
/// Pages of one company at most (10,000 appointments): a bound on junk.
const MAX_PAGES: u64 = 100;
/// Longest wait a `Retry-After` may ask for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);
/// 429 answers in a row for one request before giving the company up.
const MAX_RETRIES: u32 = 5;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OfficersError {
    #[error("the Companies House API refused the API key (401): check --api-key or S54_CH_API_KEY")]
    Unauthorised,
    #[error("no API key: give --api-key or set S54_CH_API_KEY")]
    NoKey,
    #[error("cannot reach the Companies House API: {0}")]
    Client(String),
    #[error("cannot read '{path}': {reason}")]
    Read {
        path: String,
        reason: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// At most `limit` requests in any `window` (a sliding window).
#[derive(Debug)]
pub struct RateLimit {
    limit: usize,
    window: Duration,
    sent: VecDeque<Instant>,
}

impl RateLimit {
    pub fn new(limit: usize, window: Duration) -> RateLimit {
        RateLimit {
            limit: limit.max(1),
            window,
            sent: VecDeque::new(),
        }
    }

    /// The Companies House allowance: 600 requests per five minutes.
    pub fn companies_house() -> RateLimit {
        RateLimit::new(600, Duration::from_secs(300))
    }

    /// Waits until one more request is allowed, and counts it.
    pub async fn acquire(&mut self) {
        let now = Instant::now();
        while self
            .sent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            self.sent.pop_front();
        }
        if self.sent.len() >= self.limit
            && let Some(oldest) = self.sent.pop_front()
        {
            tokio::time::sleep_until((oldest + self.window).into()).await;
        }
        self.sent.push_back(Instant::now());
    }
}

/// How `s54 officers fetch` runs.
#[derive(Debug)]
pub struct FetchOptions {
    pub base_url: String,
    pub api_key: String,
    pub limit: RateLimit,
}

/// What a fetch or import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct OfficersReport {
    /// Companies whose list was loaded.
    pub loaded: u64,
    /// Of those, lists that differ from what was stored.
    pub changed: u64,
    /// Companies the register does not know (404).
    pub not_found: u64,
    /// Requests made (fetch only).
    pub requests: u64,
    /// Statement versions re-scored with the new lists.
    pub rescored: u64,
    /// What could not be used: `(company number or line, why)`.
    pub problems: Vec<(String, String)>,
}

impl OfficersReport {
    pub fn summary(&self) -> String {
        format!(
            "officers: {} companies loaded ({} changed), {} not on the register, {} problems, {} requests, {} statements re-scored",
            self.loaded,
            self.changed,
            self.not_found,
            self.problems.len(),
            self.requests,
            self.rescored
        )
    }
}

/// One company's whole list, or what stopped it.
enum Fetched {
    List(Vec<Officer>),
    NotFound,
    Failed(String),
}

/// Fetches the officers of every organisation with a company number whose
/// list is not stored yet (so a stopped run resumes where it stopped).
pub async fn fetch_all(
    store: &Store,
    rules: &Rulebook,
    mut opts: FetchOptions,
) -> Result<OfficersReport, OfficersError> {
    if opts.api_key.trim().is_empty() {
        return Err(OfficersError::NoKey);
    }
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .user_agent(concat!("s54/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| OfficersError::Client(e.to_string()))?;
    let mut report = OfficersReport::default();
    for number in store.companies_without_officers().await? {
        let got = fetch_company(&client, &mut opts, &number, &mut report.requests).await?;
        match got {
            Fetched::List(list) => {
                save(
                    store,
                    rules,
                    &number,
                    &list,
                    ListOutcome::Found,
                    &mut report,
                )
                .await?
            }
            Fetched::NotFound => {
                save(
                    store,
                    rules,
                    &number,
                    &[],
                    ListOutcome::NotFound,
                    &mut report,
                )
                .await?
            }
            Fetched::Failed(why) => {
                tracing::warn!(company = %number, error = %why, "officers not fetched");
                report.problems.push((number, why));
            }
        }
    }
    Ok(report)
}

async fn fetch_company(
    client: &reqwest::Client,
    opts: &mut FetchOptions,
    number: &str,
    requests: &mut u64,
) -> Result<Fetched, OfficersError> {
    let base = opts.base_url.trim_end_matches('/').to_string();
    let mut officers = Vec::new();
    let mut start = 0u64;
    for _ in 0..MAX_PAGES {
        let url =
            format!("{base}/company/{number}/officers?items_per_page={PAGE}&start_index={start}");
        let mut retries = 0;
        let resp = loop {
            opts.limit.acquire().await;
            *requests += 1;
            let r = client
                .get(&url)
                .basic_auth(&opts.api_key, Some(""))
                .send()
                .await;
            let r = match r {
                Ok(r) => r,
                Err(e) => return Ok(Fetched::Failed(format!("request failed: {e}"))),
            };
            if r.status().as_u16() != 429 {
                break r;
            }
            retries += 1;
            if retries > MAX_RETRIES {
                return Ok(Fetched::Failed(
                    "still rate limited (429) after retries".into(),
                ));
            }
            let wait = r
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(retry_after)
                .unwrap_or(Duration::from_secs(60))
                .min(MAX_RETRY_AFTER);
            tracing::info!(company = %number, wait_s = wait.as_secs_f64(), "rate limited; waiting");
            tokio::time::sleep(wait).await;
        };
        match resp.status().as_u16() {
            200 => {}
            401 => return Err(OfficersError::Unauthorised),
            404 => return Ok(Fetched::NotFound),
            s => return Ok(Fetched::Failed(format!("HTTP {s}"))),
        }
        let body = match resp.text().await {
            Ok(b) => b,
            Err(e) => return Ok(Fetched::Failed(format!("cannot read the response: {e}"))),
        };
        let page = match OfficerListPage::parse(&body) {
            Ok(p) => p,
            Err(e) => return Ok(Fetched::Failed(e.to_string())),
        };
        let n = page.items.len() as u64;
        officers.extend(page.items);
        start += n;
        if n == 0 || start >= page.total_results {
            return Ok(Fetched::List(officers));
        }
    }
    Ok(Fetched::Failed(format!("more than {MAX_PAGES} pages")))
}

/// `Retry-After`: delta seconds or an HTTP date.
fn retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(s) = v.parse::<u64>() {
        return Some(Duration::from_secs(s));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    Some(
        (when.with_timezone(&chrono::Utc) - chrono::Utc::now())
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

async fn save(
    store: &Store,
    rules: &Rulebook,
    number: &str,
    list: &[Officer],
    outcome: ListOutcome,
    report: &mut OfficersReport,
) -> Result<(), OfficersError> {
    let changed = store.replace_officers(number, list, outcome).await?;
    match outcome {
        ListOutcome::Found => report.loaded += 1,
        ListOutcome::NotFound => report.not_found += 1,
    }
    if changed {
        report.changed += 1;
        for org in store.organisations_with_company(number).await? {
            report.rescored += rescore_organisation(store, rules, org).await?;
        }
    }
    Ok(())
}

/// Loads saved officer-list responses, one JSON body per line (a company's
/// pages on several lines are joined by their `start_index`). Bad lines are
/// reported with their line numbers and skipped.
pub async fn import_jsonl(
    store: &Store,
    rules: &Rulebook,
    path: &std::path::Path,
) -> Result<OfficersReport, OfficersError> {
    let shown = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|reason| OfficersError::Read {
        path: shown.clone(),
        reason,
    })?;
    let mut report = OfficersReport::default();
    let mut pages: BTreeMap<String, BTreeMap<u64, Vec<Officer>>> = BTreeMap::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|reason| OfficersError::Read {
            path: shown.clone(),
            reason,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed = OfficerListPage::parse(&line).and_then(|p| Ok((p.company_number()?, p)));
        match parsed {
            Ok((number, page)) => {
                pages
                    .entry(number)
                    .or_default()
                    .insert(page.start_index, page.items);
            }
            Err(e) => report
                .problems
                .push((format!("line {}", i + 1), e.to_string())),
        }
    }
    for (number, by_start) in pages {
        let list: Vec<Officer> = by_start.into_values().flatten().collect();
        save(
            store,
            rules,
            &number,
            &list,
            ListOutcome::Found,
            &mut report,
        )
        .await?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_rate_limit_waits_for_the_window() {
        let mut l = RateLimit::new(3, Duration::from_millis(300));
        let t = Instant::now();
        for _ in 0..3 {
            l.acquire().await;
        }
        assert!(t.elapsed() < Duration::from_millis(200));
        l.acquire().await;
        assert!(
            t.elapsed() >= Duration::from_millis(290),
            "{:?}",
            t.elapsed()
        );
    }
}
