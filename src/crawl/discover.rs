//! Finding an organisation's statement(s) from its homepage (`PAT-HOMELINK`
//! of rules.md §4.1):
//!
//! 1. fetch the homepage and score its links (anchor text, title/aria-label,
//!    URL) for "modern slavery", "slavery and human trafficking", …;
//! 2. follow the best ones; a page that is not itself a statement but links
//!    to several (a listing by year) has all of them followed;
//! 3. if none is found, go one hop through a clearly labelled page
//!    ("Policies", "Legal", "Sustainability", …) and look there;
//! 4. if still none, read the sitemaps (robots.txt `Sitemap:` lines and
//!    `/sitemap.xml`, one level of sitemap index) — what is found there was
//!    *not* reachable from the homepage (`homepage_link = false`).
//!
//! Every fetch goes through a [`FetchLog`]: a URL already fetched in this
//! crawl round (before a restart) is replayed from the log, not fetched again.

use super::fetch::{Fetcher, Gate, parse_http_url};
use super::page::{self, PageInfo};
use super::{FetchError, Fetched};
use crate::domain::{Document, Extracted, Link, SourceInfo, SourceKind};
use crate::extract::{self, Limits};
use regex::Regex;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;
use url::Url;

pub type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Most statement links followed from one page.
const MAX_DIRECT: usize = 4;
/// Most statements followed from one listing page (one per year).
const MAX_LISTING: usize = 12;
/// Most labelled hub pages tried.
const MAX_HUBS: usize = 3;
/// Sitemaps: most child sitemaps of an index, most candidate URLs, size cap.
const MAX_CHILD_SITEMAPS: usize = 5;
const MAX_SITEMAP_CANDIDATES: usize = 4;
const SITEMAP_CAP: u64 = 10 * 1024 * 1024;
/// A statement has at least this much text.
pub const MIN_STATEMENT_CHARS: usize = 1200;
/// A page the homepage links to as the statement, titled as one, may be
/// shorter: weak statements are short, and they are the ones to report.
pub const MIN_LINKED_STATEMENT_CHARS: usize = 400;

/// Labels of pages that commonly link on to the statement: one hop allowed.
pub const HUB_LABELS: &[&str] = &[
    "policies",
    "legal",
    "corporate governance",
    "governance",
    "sustainability",
    "esg",
    "responsibility",
    "responsible business",
    "about us",
    "about",
];

static MSA_TERM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)modern[\s\-]*slavery|slavery\s+and\s+human\s+trafficking|anti[\s\-]*slavery|\bmsa\s+statement|transparency\s+in\s+(?:the\s+)?supply\s+chains?|human\s+trafficking\s+statement",
    )
    .expect("constant regex")
});

static MSA_URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)modern[\-_ ]?slavery|anti[\-_ ]?slavery|slavery|human[\-_ ]?trafficking|msa[\-_ ]?statement|(?:^|[/\-_.])msa(?:$|[/\-_.])|transparency[\-_ ]in[\-_ ]supply",
    )
    .expect("constant regex")
});

static LOC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)<(?:[a-z0-9]+:)?loc>\s*(.*?)\s*</(?:[a-z0-9]+:)?loc>")
        .expect("constant regex")
});

/// How strongly a link looks like it leads to a statement (0 = not at all).
/// Anchor text counts most, then title/aria-label, then the URL.
pub fn link_score(l: &Link) -> u32 {
    let mut s = 0;
    if MSA_TERM.is_match(&l.text) {
        s += 10;
    } else if l.title.as_deref().is_some_and(|t| MSA_TERM.is_match(t)) {
        s += 8;
    }
    let path = Url::parse(&l.href)
        .map(|u| u.path().to_string())
        .unwrap_or_default();
    let path = path.replace("%20", " ");
    if MSA_URL.is_match(&path) {
        s += 4;
    }
    if s == 0 {
        return 0;
    }
    if l.text.to_lowercase().contains("statement") {
        s += 2;
    }
    if matches!(l.region.as_str(), "header" | "nav" | "footer") {
        s += 1;
    }
    s
}

/// A link's anchor (or title) names the statement outright.
pub fn is_strong(l: &Link) -> bool {
    link_score(l) >= 8
}

/// Whether a link is a clearly labelled hub page ("Policies", "Legal", …).
pub fn is_hub(l: &Link) -> bool {
    let t = l.text.trim().to_lowercase();
    if t.is_empty() || t.chars().count() > 40 {
        return false;
    }
    let words: Vec<&str> = t
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let joined = words.join(" ");
    HUB_LABELS.iter().any(|label| {
        joined == *label
            || joined.starts_with(&format!("{label} "))
            || joined.ends_with(&format!(" {label}"))
            || joined.contains(&format!(" {label} "))
    })
}

fn same_site(a: &Url, b: &Url) -> bool {
    let strip = |u: &Url| {
        u.host_str()
            .unwrap_or("")
            .trim_start_matches("www.")
            .to_ascii_lowercase()
    };
    strip(a) == strip(b) && a.port_or_known_default() == b.port_or_known_default()
}

/// Does this document read as a modern slavery statement? A title or an
/// early heading names it, the text says "statement", and there is
/// substantial text (a listing page or a one-line link page is not one).
pub fn looks_like_statement(doc: &Document, page: Option<&PageInfo>, url: &str) -> bool {
    reads_as_statement(doc, page, url, MIN_STATEMENT_CHARS)
}

/// [`looks_like_statement`] with the minimum length given.
fn reads_as_statement(
    doc: &Document,
    page: Option<&PageInfo>,
    url: &str,
    min_chars: usize,
) -> bool {
    let early: String = doc.text.chars().take(800).collect();
    let headings = doc
        .blocks
        .iter()
        .filter(|b| matches!(b.kind, crate::domain::BlockKind::Heading(_)))
        .take(5)
        .map(|b| doc.block_text(b));
    let mut titled = MSA_TERM.is_match(&early) || headings.clone().any(|h| MSA_TERM.is_match(h));
    let mut says_statement = early.to_lowercase().contains("statement")
        || headings
            .clone()
            .any(|h| h.to_lowercase().contains("statement"))
        || url.to_lowercase().contains("statement");
    if let Some(p) = page {
        titled |=
            MSA_TERM.is_match(&p.title) || p.headings.iter().take(5).any(|h| MSA_TERM.is_match(h));
        says_statement |= p.title.to_lowercase().contains("statement")
            || p.headings
                .iter()
                .take(5)
                .any(|h| h.to_lowercase().contains("statement"));
    }
    if !says_statement {
        let body: String = doc.text.chars().take(4000).collect();
        says_statement = body.to_lowercase().contains("statement");
    }
    titled && says_statement && doc.char_len() >= min_chars
}

/// A statement the discovery found.
#[derive(Debug, Clone)]
pub struct FoundStatement {
    /// The URL the document was finally served from.
    pub url: String,
    /// The URL that was requested (the link's target, before redirects).
    pub requested: String,
    pub bytes: Arc<Vec<u8>>,
    pub doc: Document,
    /// Reached from the homepage (directly or through one labelled page).
    pub homepage_link: bool,
    /// The homepage anchor that started the path (when `homepage_link`).
    pub link: Option<Link>,
    /// The one intermediate page (hub or listing), if any.
    pub via_page: Option<String>,
    /// The sitemap that listed it (when not reached from the homepage).
    pub sitemap: Option<String>,
    /// The server's `Last-Modified` for it, if sent.
    pub last_modified: Option<chrono::NaiveDate>,
}

/// One fetch as the store records it. `body` is kept so a restarted crawl can
/// replay the page instead of fetching it again.
#[derive(Debug, Clone)]
pub struct FetchRecord {
    pub url: String,
    pub final_url: Option<String>,
    pub status: Option<u16>,
    pub error_kind: Option<String>,
    pub error: Option<String>,
    pub content_type: Option<String>,
    pub body: Option<Arc<Vec<u8>>>,
    /// Time on the network (`None` when unknown, e.g. replayed).
    pub duration_ms: Option<u64>,
}

impl FetchRecord {
    fn from_result(url: &str, r: &Result<Fetched, FetchError>, spent: Duration) -> FetchRecord {
        let duration_ms = Some(u64::try_from(spent.as_millis()).unwrap_or(u64::MAX));
        match r {
            Ok(f) => FetchRecord {
                url: url.to_string(),
                final_url: Some(f.final_url.clone()),
                status: Some(f.status),
                error_kind: None,
                error: None,
                content_type: f.content_type.clone(),
                body: Some(Arc::new(f.bytes.clone())),
                duration_ms,
            },
            Err(e) => FetchRecord {
                url: url.to_string(),
                final_url: None,
                status: match e {
                    FetchError::HttpStatus { status, .. } => Some(*status),
                    _ => None,
                },
                error_kind: Some(e.kind().to_string()),
                error: Some(e.to_string()),
                content_type: None,
                body: None,
                duration_ms,
            },
        }
    }
}

/// Where fetches are recorded, and looked up again after a restart.
pub trait FetchLog: Send + Sync {
    /// The record of `url` if it was already fetched in this crawl round.
    fn done<'a>(&'a self, url: &'a str) -> BoxFut<'a, Result<Option<FetchRecord>, String>>;
    /// Records fetches, all at once (idempotent per URL and round).
    fn record<'a>(&'a self, recs: &'a [FetchRecord]) -> BoxFut<'a, Result<(), String>>;
}

/// A log that remembers nothing (single runs, tests of discovery alone).
#[derive(Debug, Default)]
pub struct NoLog;

impl FetchLog for NoLog {
    fn done<'a>(&'a self, _url: &'a str) -> BoxFut<'a, Result<Option<FetchRecord>, String>> {
        Box::pin(async { Ok(None) })
    }
    fn record<'a>(&'a self, _recs: &'a [FetchRecord]) -> BoxFut<'a, Result<(), String>> {
        Box::pin(async { Ok(()) })
    }
}

/// Why a site's discovery stopped early.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoverError {
    /// The homepage or robots.txt failed in a way worth retrying later.
    #[error("{0}")]
    Transient(FetchError),
    #[error("invalid website '{0}'")]
    InvalidWebsite(String),
    #[error("fetch log: {0}")]
    Log(String),
}

/// What discovery found on one site.
#[derive(Debug, Default)]
pub struct SiteOutcome {
    pub homepage: Option<String>,
    pub statements: Vec<FoundStatement>,
    /// Requests made to the network (replays from the log not counted).
    pub fetched: usize,
    /// Failed fetches: (URL, error kind).
    pub errors: Vec<(String, &'static str)>,
    /// Fetches that failed without an answer (timeout, too large, 5xx, …;
    /// [`super::inconclusive_kind`]): the look is incomplete, so finding no
    /// statement proves nothing and the site is tried again.
    pub unread: Vec<Unread>,
    /// Why the homepage could not be read, when it could not (the look
    /// then found nothing at all).
    pub homepage_error: Option<Unread>,
}

/// A fetch whose failure leaves a look at a site incomplete.
#[derive(Debug, Clone, PartialEq)]
pub struct Unread {
    pub url: String,
    pub kind: String,
    pub message: String,
}

impl SiteOutcome {
    /// The site was read and nothing on the way failed without an answer:
    /// no statement found is then evidence that none is published.
    pub fn complete(&self) -> bool {
        self.homepage.is_some() && self.homepage_error.is_none() && self.unread.is_empty()
    }

    /// The failure to show for an incomplete look (the homepage's first).
    pub fn first_failure(&self) -> Option<&Unread> {
        self.homepage_error.as_ref().or(self.unread.first())
    }
}

/// A fetched page, as discovery sees it.
#[derive(Debug, Clone)]
struct Got {
    final_url: String,
    bytes: Arc<Vec<u8>>,
    kind: Option<SourceKind>,
    /// The server's `Last-Modified` (not kept in the fetch log, so a fetch
    /// replayed after a restart has none).
    last_modified: Option<chrono::NaiveDate>,
}

/// The `https://` URL of a website given as in the organisations CSV
/// (`example.org`, `www.example.org/uk`, or a full URL).
pub fn homepage_url(website: &str) -> Result<Url, DiscoverError> {
    let w = website.trim();
    let full = if w.contains("://") {
        w.to_string()
    } else {
        format!("https://{w}")
    };
    parse_http_url(&full).map_err(|_| DiscoverError::InvalidWebsite(website.to_string()))
}

/// Discovery of one site: owns the memo of URLs fetched during this job.
pub struct Discoverer<'a> {
    fetcher: &'a Fetcher,
    gate: Gate<'a>,
    log: &'a dyn FetchLog,
    memo: HashMap<String, Result<Got, String>>,
    outcome: SiteOutcome,
    seen_sha: HashSet<String>,
}

impl<'a> Discoverer<'a> {
    pub fn new(fetcher: &'a Fetcher, gate: Gate<'a>, log: &'a dyn FetchLog) -> Self {
        Discoverer {
            fetcher,
            gate,
            log,
            memo: HashMap::new(),
            outcome: SiteOutcome::default(),
            seen_sha: HashSet::new(),
        }
    }

    /// Fetches `url` through the gate: the outcome, its network time, and the
    /// robots.txt requests made on the way (so they reach the fetch log too).
    async fn fetch(
        &self,
        url: &str,
        cap: u64,
    ) -> (Result<Fetched, FetchError>, Duration, Vec<FetchRecord>) {
        let seen: Mutex<Vec<FetchRecord>> = Mutex::new(Vec::new());
        let observe = |u: &str, r: &Result<Fetched, FetchError>, d: Duration| {
            let rec = FetchRecord::from_result(u, r, d);
            seen.lock().unwrap_or_else(|p| p.into_inner()).push(rec);
        };
        let gate = Gate {
            on_robots: Some(&observe),
            ..self.gate
        };
        let (r, spent) = self.fetcher.get_timed(url, gate, cap).await;
        (
            r,
            spent,
            seen.into_inner().unwrap_or_else(|p| p.into_inner()),
        )
    }

    /// Logs a fetch with the robots.txt requests made on its way, in one
    /// write (one commit per page instead of one per request).
    async fn record_with_robots(
        &self,
        mut robots: Vec<FetchRecord>,
        rec: &FetchRecord,
    ) -> Result<(), DiscoverError> {
        robots.push(rec.clone());
        self.log.record(&robots).await.map_err(DiscoverError::Log)
    }

    /// Fetches `url` once per job and once per crawl round (via the log).
    /// Transient failures of the homepage are returned as errors to retry.
    async fn get(&mut self, url: &str) -> Result<Result<Got, String>, DiscoverError> {
        if let Some(r) = self.memo.get(url) {
            return Ok(r.clone());
        }
        let replay = self.log.done(url).await.map_err(DiscoverError::Log)?;
        // A fetch that failed without an answer is tried again, not replayed.
        let replay = replay.filter(|r| {
            !r.error_kind
                .as_deref()
                .is_some_and(|k| super::inconclusive_kind(k, r.status))
        });
        let res = if let Some(rec) = replay {
            match (rec.body, rec.error_kind) {
                (Some(body), None) => Ok(Got {
                    final_url: rec.final_url.unwrap_or_else(|| url.to_string()),
                    kind: if body.is_empty() {
                        None
                    } else {
                        extract::sniff::sniff(&body, url)
                    },
                    bytes: body,
                    last_modified: None,
                }),
                (_, kind) => Err(kind.unwrap_or_else(|| "other".into())),
            }
        } else {
            let (r, spent, robots) = self.fetch(url, self.fetcher.config().max_body).await;
            if let Err(e) = &r
                && e.is_inconclusive()
                && self.memo.is_empty()
            {
                // The first request of the job (the homepage) failing
                // without an answer: retry the whole job later, record
                // nothing.
                return Err(DiscoverError::Transient(e.clone()));
            }
            let rec = FetchRecord::from_result(url, &r, spent);
            self.record_with_robots(robots, &rec).await?;
            if !matches!(r, Err(FetchError::RobotsDisallowed { .. })) {
                self.outcome.fetched += 1;
            }
            match r {
                Ok(f) => Ok(Got {
                    final_url: f.final_url,
                    kind: f.kind,
                    last_modified: f.last_modified,
                    bytes: rec.body.unwrap_or_default(),
                }),
                Err(e) => {
                    tracing::debug!(url, error.kind = e.kind(), error = %e, "fetch failed");
                    self.outcome.errors.push((url.to_string(), e.kind()));
                    let unread = Unread {
                        url: url.to_string(),
                        kind: e.kind().to_string(),
                        message: e.to_string(),
                    };
                    if self.memo.is_empty() {
                        self.outcome.homepage_error = Some(unread);
                    } else if e.is_inconclusive() {
                        self.outcome.unread.push(unread);
                    }
                    Err(e.kind().to_string())
                }
            }
        };
        self.memo.insert(url.to_string(), res.clone());
        Ok(res)
    }

    /// Runs discovery for the site whose homepage is `home`.
    pub async fn run(mut self, home: &Url) -> Result<SiteOutcome, DiscoverError> {
        let got = match self.get(home.as_str()).await? {
            Ok(g) => g,
            Err(kind) => {
                // Replayed from the log: the failure is known by kind only.
                self.outcome.homepage_error.get_or_insert_with(|| Unread {
                    url: home.to_string(),
                    message: format!("the homepage '{home}' could not be read ({kind})"),
                    kind,
                });
                return Ok(self.outcome);
            }
        };
        self.outcome.homepage = Some(got.final_url.clone());
        let home_final = Url::parse(&got.final_url).unwrap_or_else(|_| home.clone());
        let info = if got.kind == Some(SourceKind::Html) {
            page::analyse(&got.bytes, &home_final)
        } else {
            PageInfo::default()
        };
        let mut visited: HashSet<String> = HashSet::from([home.to_string(), got.final_url.clone()]);

        // 1–2: statement links on the homepage.
        for link in ranked(&info.links, &visited, MAX_DIRECT) {
            visited.insert(link.href.clone());
            self.follow(&link, &link, None, &mut visited).await?;
        }
        // 3: one hop through a labelled page.
        if self.outcome.statements.is_empty() {
            let hubs: Vec<Link> = info
                .links
                .iter()
                .filter(|l| is_hub(l) && link_score(l) == 0)
                .filter(|l| Url::parse(&l.href).is_ok_and(|u| same_site(&u, &home_final)))
                .filter(|l| !visited.contains(&l.href))
                .fold(Vec::<Link>::new(), |mut v, l| {
                    if !v.iter().any(|x| x.href == l.href) {
                        v.push(l.clone());
                    }
                    v
                })
                .into_iter()
                .take(MAX_HUBS)
                .collect();
            for hub in hubs {
                visited.insert(hub.href.clone());
                let Ok(g) = self.get(&hub.href).await? else {
                    continue;
                };
                if g.kind != Some(SourceKind::Html) {
                    continue;
                }
                let hub_url = Url::parse(&g.final_url).unwrap_or_else(|_| home_final.clone());
                let hub_info = page::analyse(&g.bytes, &hub_url);
                for link in ranked(&hub_info.links, &visited, MAX_DIRECT) {
                    visited.insert(link.href.clone());
                    self.take_if_statement(&link, Some(&hub), Some(g.final_url.clone()), None)
                        .await?;
                }
                if !self.outcome.statements.is_empty() {
                    break;
                }
            }
        }
        // 4: the sitemaps.
        if self.outcome.statements.is_empty() {
            self.sitemaps(&home_final, &mut visited).await?;
        }
        Ok(self.outcome)
    }

    /// Follows a homepage statement link: a statement is taken; a listing
    /// page has each of its statement links taken.
    async fn follow(
        &mut self,
        link: &Link,
        home_anchor: &Link,
        sitemap: Option<&str>,
        visited: &mut HashSet<String>,
    ) -> Result<(), DiscoverError> {
        let anchor = if sitemap.is_some() {
            None
        } else {
            Some(home_anchor)
        };
        let Some(g) = self.take_if_statement(link, anchor, None, sitemap).await? else {
            return Ok(());
        };
        // Not a statement: a listing page links to the statements by year.
        if g.kind != Some(SourceKind::Html) {
            return Ok(());
        }
        let Ok(list_url) = Url::parse(&g.final_url) else {
            return Ok(());
        };
        let info = page::analyse(&g.bytes, &list_url);
        for sub in ranked(&info.links, visited, MAX_LISTING) {
            visited.insert(sub.href.clone());
            self.take_if_statement(&sub, anchor, Some(g.final_url.clone()), sitemap)
                .await?;
        }
        Ok(())
    }

    /// Fetches `link`; stores it as found when it is a statement. Returns the
    /// page when it was fetched but is not a statement.
    async fn take_if_statement(
        &mut self,
        link: &Link,
        home_anchor: Option<&Link>,
        via_page: Option<String>,
        sitemap: Option<&str>,
    ) -> Result<Option<Got>, DiscoverError> {
        let Ok(g) = self.get(&link.href).await? else {
            return Ok(None);
        };
        let Some(kind) = g.kind else { return Ok(None) };
        let page_info = (kind == SourceKind::Html)
            .then(|| Url::parse(&g.final_url).ok())
            .flatten()
            .map(|u| page::analyse(&g.bytes, &u));
        let (doc, extracted) =
            extract_doc(g.bytes.clone(), g.final_url.clone(), page_info.clone()).await;
        let is_statement = looks_like_statement(&doc, page_info.as_ref(), &g.final_url)
            // A short page linked outright as the statement, titled as one,
            // and not a listing (no statement links of its own onward).
            || (kind == SourceKind::Html
                && is_strong(link)
                && reads_as_statement(
                    &doc,
                    page_info.as_ref(),
                    &g.final_url,
                    MIN_LINKED_STATEMENT_CHARS,
                )
                && !page_info.as_ref().is_some_and(|p| {
                    p.links
                        .iter()
                        .any(|l| is_strong(l) && l.href != g.final_url && l.href != link.href)
                }))
            // A linked PDF or Word file named as the statement is the
            // statement even when its text cannot be read (scanned, or an
            // extractor failure); the checker then reports what it can.
            || (kind != SourceKind::Html
                && is_strong(link)
                && (!extracted || doc.is_scanned() || doc.char_len() < MIN_STATEMENT_CHARS));
        if !is_statement {
            return Ok(Some(g));
        }
        if self.seen_sha.insert(doc.source.sha256.clone()) {
            self.outcome.statements.push(FoundStatement {
                url: g.final_url.clone(),
                requested: link.href.clone(),
                bytes: g.bytes.clone(),
                doc,
                homepage_link: home_anchor.is_some(),
                link: home_anchor.cloned(),
                via_page,
                sitemap: sitemap.map(str::to_string),
                last_modified: g.last_modified,
            });
        }
        Ok(None)
    }

    async fn sitemaps(
        &mut self,
        home: &Url,
        visited: &mut HashSet<String>,
    ) -> Result<(), DiscoverError> {
        let mut maps: Vec<String> = Vec::new();
        if let Some(robots) = self.gate.robots
            && let Ok(list) = robots.sitemaps(self.fetcher, self.gate, home).await
        {
            for s in list {
                if let Ok(u) = home.join(&s) {
                    maps.push(u.to_string());
                }
            }
        }
        if let Ok(u) = home.join("/sitemap.xml") {
            maps.push(u.to_string());
        }
        let mut seen = HashSet::new();
        maps.retain(|m| seen.insert(m.clone()));
        let mut locs: Vec<(String, String)> = Vec::new(); // (page, sitemap)
        for m in maps.into_iter().take(3) {
            let Some(body) = self.sitemap_body(&m).await? else {
                continue;
            };
            let (is_index, found) = parse_sitemap(&body);
            if is_index {
                for child in found.into_iter().take(MAX_CHILD_SITEMAPS) {
                    if let Some(b) = self.sitemap_body(&child).await? {
                        let (_, pages) = parse_sitemap(&b);
                        locs.extend(pages.into_iter().map(|p| (p, child.clone())));
                    }
                }
            } else {
                locs.extend(found.into_iter().map(|p| (p, m.clone())));
            }
        }
        let mut cands: Vec<(u32, Link, String)> = locs
            .into_iter()
            .filter(|(p, _)| !visited.contains(p))
            .map(|(p, sm)| {
                let l = Link {
                    href: p,
                    text: String::new(),
                    title: None,
                    region: "sitemap".into(),
                };
                (link_score(&l), l, sm)
            })
            .filter(|(s, _, _)| *s > 0)
            .collect();
        cands.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.href.cmp(&b.1.href)));
        cands.dedup_by(|a, b| a.1.href == b.1.href);
        for (_, l, sm) in cands.into_iter().take(MAX_SITEMAP_CANDIDATES) {
            visited.insert(l.href.clone());
            self.follow(&l, &l, Some(&sm), visited).await?;
        }
        Ok(())
    }

    async fn sitemap_body(&mut self, url: &str) -> Result<Option<String>, DiscoverError> {
        if let Some(r) = self.memo.get(url) {
            return Ok(r
                .as_ref()
                .ok()
                .map(|g| String::from_utf8_lossy(&g.bytes).into_owned()));
        }
        let replay = self.log.done(url).await.map_err(DiscoverError::Log)?;
        let replay = replay.filter(|r| {
            !r.error_kind
                .as_deref()
                .is_some_and(|k| super::inconclusive_kind(k, r.status))
        });
        let body = if let Some(rec) = replay {
            rec.body
        } else {
            let (r, spent, robots) = self.fetch(url, SITEMAP_CAP).await;
            let rec = FetchRecord::from_result(url, &r, spent);
            self.record_with_robots(robots, &rec).await?;
            self.outcome.fetched += 1;
            if let Err(e) = &r {
                self.outcome.errors.push((url.to_string(), e.kind()));
                if e.is_inconclusive() {
                    self.outcome.unread.push(Unread {
                        url: url.to_string(),
                        kind: e.kind().to_string(),
                        message: e.to_string(),
                    });
                }
            }
            rec.body
        };
        self.memo.insert(
            url.to_string(),
            body.clone()
                .map(|b| Got {
                    final_url: url.to_string(),
                    bytes: b,
                    kind: None,
                    last_modified: None,
                })
                .ok_or_else(|| "sitemap".to_string()),
        );
        Ok(body.map(|b| String::from_utf8_lossy(&b).into_owned()))
    }
}

/// The statement links of a page, best first, not yet visited, deduplicated.
fn ranked(links: &[Link], visited: &HashSet<String>, max: usize) -> Vec<Link> {
    let mut v: Vec<(u32, usize, &Link)> = links
        .iter()
        .enumerate()
        .map(|(i, l)| (link_score(l), i, l))
        .filter(|(s, _, l)| *s > 0 && !visited.contains(&l.href))
        .collect();
    v.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut out: Vec<Link> = Vec::new();
    for (_, _, l) in v {
        if !out.iter().any(|o| o.href == l.href) {
            out.push(l.clone());
        }
        if out.len() >= max {
            break;
        }
    }
    out
}

/// `(is_index, locations)` of a sitemap or sitemap index.
pub fn parse_sitemap(xml: &str) -> (bool, Vec<String>) {
    let is_index = xml.contains("<sitemapindex") || xml.contains(":sitemapindex");
    let locs = LOC
        .captures_iter(xml)
        .filter_map(|c| c.get(1))
        .map(|m| {
            m.as_str()
                .replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
        })
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
        .take(50_000)
        .collect();
    (is_index, locs)
}

/// Extracts a document off the async threads. Returns the document and
/// whether the extractor succeeded; when it fails on an HTML page the
/// crawler's own reading of the page stands in, else an empty document.
pub async fn extract_doc(
    bytes: Arc<Vec<u8>>,
    name: String,
    page: Option<PageInfo>,
) -> (Document, bool) {
    let b = bytes.clone();
    let n = name.clone();
    let res =
        tokio::task::spawn_blocking(move || extract::extract(&b, &n, &Limits::default())).await;
    match res {
        Ok(Ok(doc)) if doc.char_len() > 0 || page.is_none() => (doc, true),
        other => {
            let reason = match other {
                Ok(Err(e)) => e.to_string(),
                Ok(Ok(_)) => "no text".to_string(),
                Err(e) => format!("extractor stopped: {e}"),
            };
            let kind = extract::sniff::sniff(&bytes, &name).unwrap_or(SourceKind::Text);
            let source = SourceInfo {
                kind,
                name,
                bytes: bytes.len() as u64,
                sha256: extract::sha256_hex(&bytes),
            };
            let mut ex = Extracted {
                notes: vec![format!("extraction failed: {reason}")],
                ..Default::default()
            };
            let used_page = page.is_some();
            if let Some(p) = page {
                use crate::domain::{BlockKind, RawBlock};
                ex.blocks = p
                    .blocks
                    .into_iter()
                    .map(|t| RawBlock::new(BlockKind::Paragraph, t))
                    .collect();
                if !p.title.is_empty() {
                    ex.blocks
                        .insert(0, RawBlock::new(BlockKind::Heading(1), p.title));
                }
                ex.links = p.links;
                ex.notes = vec![format!("read by the crawler's page reader ({reason})")];
            }
            (Document::from_extracted(source, ex), used_page)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(href: &str, text: &str, region: &str) -> Link {
        Link {
            href: href.into(),
            text: text.into(),
            title: None,
            region: region.into(),
        }
    }

    #[test]
    fn scores_text_over_url() {
        let a = link("https://e.org/x", "Modern Slavery Statement", "footer");
        let b = link("https://e.org/modern-slavery-2024.pdf", "Download", "main");
        let c = link("https://e.org/careers", "Careers", "nav");
        let d = link("https://e.org/msa", "Slavery and Human Trafficking", "body");
        assert!(link_score(&a) > link_score(&b));
        assert!(link_score(&b) > 0 && !is_strong(&b));
        assert_eq!(link_score(&c), 0);
        assert!(is_strong(&d));
        let mut t = link("https://e.org/p", "", "footer");
        t.title = Some("Read our anti-slavery statement".into());
        assert!(is_strong(&t));
    }

    #[test]
    fn hubs() {
        assert!(is_hub(&link("/", "Policies", "footer")));
        assert!(is_hub(&link("/", "Legal & Policies", "footer")));
        assert!(is_hub(&link("/", "About us", "nav")));
        assert!(is_hub(&link("/", "Corporate Governance", "nav")));
        assert!(!is_hub(&link("/", "Our products", "nav")));
        assert!(!is_hub(&link("/", "Aboutique", "nav")));
    }

    #[test]
    fn sitemap_forms() {
        let (idx, l) = parse_sitemap(
            r#"<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>https://e.org/s1.xml</loc></sitemap></sitemapindex>"#,
        );
        assert!(idx);
        assert_eq!(l, vec!["https://e.org/s1.xml"]);
        let (idx, l) = parse_sitemap(
            "<urlset><url><loc>\n https://e.org/a?x=1&amp;y=2 </loc></url><url><loc>ftp://no</loc></url></urlset>",
        );
        assert!(!idx);
        assert_eq!(l, vec!["https://e.org/a?x=1&y=2"]);
    }

    #[test]
    fn websites_become_urls() {
        assert_eq!(
            homepage_url("example.org").unwrap().as_str(),
            "https://example.org/"
        );
        assert_eq!(
            homepage_url("http://127.0.0.1:8080").unwrap().as_str(),
            "http://127.0.0.1:8080/"
        );
        assert!(homepage_url("not a website").is_err());
        assert!(homepage_url("ftp://example.org").is_err());
    }
}
