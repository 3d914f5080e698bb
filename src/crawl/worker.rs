//! The crawl worker: organisations are jobs in the store's queue (claimed
//! with a lease that a heartbeat extends); each job runs discovery on the
//! organisation's website and stores every statement found, scored.
//!
//! Resumable at any point: every fetch is logged per crawl round
//! ([`crate::store::Store::log_crawl_fetches`]) and replayed after a restart
//! instead of fetched again; storing a version is idempotent (the same bytes
//! only move `last_seen`); a job whose worker died comes back when its lease
//! expires. On PostgreSQL several processes share the queue (`SKIP LOCKED`)
//! and the per-host slots.

use super::discover::{
    BoxFut, DiscoverError, Discoverer, FetchLog, FetchRecord, FoundStatement, homepage_url,
};
use super::writes::Writes;
use super::{FetchConfig, FetchError, Fetcher, Gate, Politeness, Robots};
use crate::domain::SourceKind;
use crate::rules::Rulebook;
use crate::score::{self, CheckOptions};
use crate::store::{
    BackendKind, Backoff, CrawlFailure, HomepageLink, Look, NewFetch, NewJob, NewVersion,
    Organisation, Published, Recorded, Store, StoreError,
};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tracing::Instrument;

/// The queue's job kind for "find this organisation's statements".
pub const JOB_KIND: &str = "discover";

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CrawlError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Fetch(#[from] FetchError),
}

/// How to crawl.
#[derive(Debug, Clone)]
pub struct CrawlConfig {
    /// Sites fetched from at once (as many again may be being scored and
    /// stored, their requests done).
    pub concurrency: usize,
    /// Minimum gap between two requests to one host.
    pub per_host_delay: Duration,
    pub fetch: FetchConfig,
    /// How long a claimed job stays ours without a heartbeat.
    pub lease: Duration,
    /// Only these organisations (any scope); empty = every in-scope one.
    pub orgs: Vec<i64>,
    /// Retry schedule of sites that failed for a passing reason.
    pub backoff: Backoff,
}

impl CrawlConfig {
    pub fn new(concurrency: usize, per_host_delay: Duration, allow_private: bool) -> Self {
        CrawlConfig {
            concurrency: concurrency.max(1),
            per_host_delay,
            fetch: FetchConfig::crawler(allow_private),
            lease: Duration::from_secs(120),
            orgs: Vec::new(),
            backoff: Backoff::default(),
        }
    }
}

/// What one `s54 crawl` did.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Summary {
    pub round: i64,
    /// Sites (jobs) worked by this process.
    pub sites: u64,
    pub pages_fetched: u64,
    pub statements_found: u64,
    pub new_versions: u64,
    pub unchanged_versions: u64,
    /// Failed fetches by kind.
    pub errors: BTreeMap<String, u64>,
    /// Sites to be retried later (a passing failure).
    pub retry_later: u64,
    /// Sites given up on after repeated failures.
    pub failed: u64,
    /// The round's queue is empty: every site of the round was visited.
    pub round_finished: bool,
}

/// Called after each site with a short message (progress bars).
pub type OnSite = Arc<dyn Fn(&str) + Send + Sync>;

/// A prepared crawl: the round is open and its jobs are queued.
pub struct Crawl {
    store: Store,
    cfg: CrawlConfig,
    rules: Arc<Rulebook>,
    fetcher: Fetcher,
    robots: Arc<Robots>,
    polite: Arc<Politeness>,
    round: i64,
    worker_prefix: String,
    writes: Writes,
    /// Sites being scored and stored, after their network slot was handed
    /// on: bounded like the network slots so a slow writer holds back
    /// fetching instead of piling finished sites up in memory.
    storing: Arc<tokio::sync::Semaphore>,
    /// Checks running at once: one per core. Scoring is CPU work, and each
    /// thread that scores at the same time as others gets its own caches
    /// of every rule pattern's automaton: with up to one thread per storing
    /// slot (50), a 1,000-site crawl peaked at 218–351 MB; 218–236 MB with
    /// this bound alone (BENCHMARKS.md, "Crawler").
    scoring: Arc<tokio::sync::Semaphore>,
}

impl Crawl {
    /// Opens (or resumes) the crawl round and queues its organisations.
    /// Returns the crawl and how many jobs wait in the queue.
    pub async fn prepare(
        store: Store,
        cfg: CrawlConfig,
        rules: Rulebook,
    ) -> Result<(Crawl, u64), CrawlError> {
        let fetcher = Fetcher::new(cfg.fetch.clone())?;
        let mut polite = Politeness::new(cfg.per_host_delay);
        if store.kind() == BackendKind::Postgres {
            polite = polite.shared_through(
                store.clone(),
                cfg.fetch.total_timeout + Duration::from_secs(5),
            );
        }
        store.reclaim_expired().await?;
        let (round, new_round) = store.open_crawl_round().await?;
        let targets = store.crawl_targets(&cfg.orgs).await?;
        let jobs: Vec<NewJob> = targets
            .iter()
            .map(|t| NewJob {
                organisation_id: Some(t.organisation_id),
                url: String::new(),
                kind: JOB_KIND.to_string(),
            })
            .collect();
        if cfg.orgs.is_empty() {
            store.enqueue_jobs(&jobs).await?;
            if new_round {
                store.requeue_finished(JOB_KIND).await?;
            }
        } else {
            for j in &jobs {
                let (id, created) = store.enqueue_job(j).await?;
                if !created && new_round {
                    store.requeue_job(id).await?;
                }
            }
        }
        let counts = store.queue_counts().await?;
        tracing::info!(
            round,
            new_round,
            targets = targets.len(),
            pending = counts.pending,
            "crawl round ready"
        );
        let crawl = Crawl {
            writes: Writes::for_store(&store),
            storing: Arc::new(tokio::sync::Semaphore::new(cfg.concurrency)),
            scoring: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(1, |n| n.get()),
            )),
            store,
            cfg,
            rules: Arc::new(rules),
            fetcher,
            robots: Arc::new(Robots::new()),
            polite: Arc::new(polite),
            round,
            worker_prefix: format!(
                "{}-{}",
                std::process::id(),
                chrono::Utc::now().timestamp_millis()
            ),
        };
        Ok((crawl, (counts.pending + counts.running).max(0) as u64))
    }

    pub fn round(&self) -> i64 {
        self.round
    }

    /// Works the queue until it is empty (jobs waiting for a retry later are
    /// left for a later run), fetching from at most `concurrency` sites at
    /// once.
    pub async fn run(self, on_site: Option<OnSite>) -> Result<Summary, CrawlError> {
        let this = Arc::new(self);
        let summary = Arc::new(Mutex::new(Summary {
            round: this.round,
            ..Summary::default()
        }));
        let net = Arc::new(tokio::sync::Semaphore::new(this.cfg.concurrency));
        let me = this.worker_prefix.clone();
        let mut tasks: tokio::task::JoinSet<Result<(), CrawlError>> = tokio::task::JoinSet::new();
        let mut first_err: Option<CrawlError> = None;
        loop {
            while let Some(done) = tasks.try_join_next() {
                note_task(done, &mut first_err);
            }
            if first_err.is_some() {
                break;
            }
            let Ok(first) = net.clone().acquire_owned().await else {
                break;
            };
            // One claim for every free slot: a single write instead of one
            // per site, so sites whose slots free up together start together.
            let mut permits = vec![first];
            while let Ok(p) = net.clone().try_acquire_owned() {
                permits.push(p);
            }
            let jobs = this
                .writes
                .run(
                    this.store
                        .claim_jobs(&me, permits.len() as u32, this.cfg.lease),
                )
                .await?;
            if jobs.is_empty() {
                drop(permits);
                if !tasks.is_empty() {
                    // Our own sites are still running: wait for one (or a
                    // moment), then look for work again.
                    if let Ok(Some(done)) =
                        tokio::time::timeout(Duration::from_millis(50), tasks.join_next()).await
                    {
                        note_task(done, &mut first_err);
                    }
                    continue;
                }
                // Jobs running in another process may die and come back
                // when their lease expires: wait for them.
                let c = this.store.queue_counts().await?;
                if c.running == 0 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
                this.writes.run(this.store.reclaim_expired()).await?;
                continue;
            }
            // Slots beyond the jobs claimed are dropped (freed) here.
            for (job, permit) in jobs.into_iter().zip(permits) {
                let (this2, summary, on_site, me) =
                    (this.clone(), summary.clone(), on_site.clone(), me.clone());
                tasks.spawn(
                    async move { this2.job(job, me, permit, &summary, on_site.as_ref()).await },
                );
            }
        }
        while let Some(done) = tasks.join_next().await {
            note_task(done, &mut first_err);
        }
        if let Some(e) = first_err {
            return Err(e);
        }
        let counts = this.store.queue_counts().await?;
        let finished = counts.pending == 0
            && counts.running == 0
            && this.store.finish_crawl_round(this.round).await?;
        let mut s = summary.lock().unwrap_or_else(|p| p.into_inner()).clone();
        s.round_finished = finished || (counts.pending == 0 && counts.running == 0);
        Ok(s)
    }

    /// One claimed job, from fetching to completing it in the queue.
    async fn job(
        &self,
        job: crate::store::Job,
        me: String,
        permit: tokio::sync::OwnedSemaphorePermit,
        summary: &Mutex<Summary>,
        on_site: Option<&OnSite>,
    ) -> Result<(), CrawlError> {
        let Some(org_id) = job.organisation_id else {
            self.writes.complete_job(job.id, &me).await?;
            return Ok(());
        };
        let heartbeat = {
            let (store, me, lease, id, writes) = (
                self.store.clone(),
                me.clone(),
                self.cfg.lease,
                job.id,
                self.writes.clone(),
            );
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(lease / 3).await;
                    match writes.run(store.extend_lease(id, &me, lease)).await {
                        Ok(true) => {}
                        Ok(false) => break,
                        Err(e) => {
                            tracing::warn!(job.id = id, error = %e, "cannot extend lease")
                        }
                    }
                }
            })
        };
        let span = tracing::info_span!("crawl_job", job.id = job.id, org.id = org_id);
        let result = self.site(org_id, summary, permit).instrument(span).await;
        let msg = match result {
            Ok(msg) => {
                self.writes.complete_job(job.id, &me).await?;
                msg
            }
            Err(SiteError::Retry(reason, kind)) => {
                let state = self
                    .writes
                    .run(self.store.fail_job(job.id, &me, &reason, self.cfg.backoff))
                    .await?;
                let mut s = summary.lock().unwrap_or_else(|p| p.into_inner());
                *s.errors.entry(kind.to_string()).or_default() += 1;
                if state.as_deref() == Some("failed") {
                    s.failed += 1;
                } else {
                    s.retry_later += 1;
                }
                tracing::warn!(
                    org.id = org_id,
                    error.kind = kind,
                    reason,
                    "site will be retried"
                );
                format!("org {org_id}: retry later ({kind})")
            }
            Err(SiteError::Store(e)) => {
                heartbeat.abort();
                return Err(e.into());
            }
        };
        heartbeat.abort();
        summary.lock().unwrap_or_else(|p| p.into_inner()).sites += 1;
        if let Some(f) = on_site {
            f(&msg);
        }
        Ok(())
    }

    /// Crawls one organisation's site and stores what it finds.
    /// `permit` is one of the `concurrency` network slots, held until the
    /// site's last request is done; scoring and storing then run under a
    /// storing slot, so the next site's requests overlap them.
    async fn site(
        &self,
        org_id: i64,
        summary: &Mutex<Summary>,
        permit: tokio::sync::OwnedSemaphorePermit,
    ) -> Result<String, SiteError> {
        let Some(org) = self.store.organisation(org_id).await? else {
            return Ok(format!("org {org_id}: gone"));
        };
        let Some(website) = org.website.clone().filter(|w| !w.trim().is_empty()) else {
            return Ok(format!("{}: no website", org.name));
        };
        let started = Instant::now();
        let log = DbLog {
            store: self.store.clone(),
            writes: self.writes.clone(),
            round: self.round,
            org: org_id,
            ids: Mutex::new(HashMap::new()),
        };
        let home = match homepage_url(&website) {
            Ok(h) => h,
            Err(e) => {
                let rec = FetchRecord {
                    url: website.clone(),
                    final_url: None,
                    status: None,
                    error_kind: Some("invalid_url".into()),
                    error: Some(e.to_string()),
                    content_type: None,
                    body: None,
                    duration_ms: None,
                };
                log.record(std::slice::from_ref(&rec))
                    .await
                    .map_err(|e| SiteError::Retry(e, "store"))?;
                add_error(summary, "invalid_url");
                self.failed_look(org_id, "invalid_url", &e.to_string())
                    .await?;
                return Ok(format!("{}: invalid website", org.name));
            }
        };
        let gate = Gate {
            polite: Some(&self.polite),
            robots: Some(&self.robots),
            // Discovery installs its own, to log robots.txt requests.
            on_robots: None,
        };
        let discovered = Discoverer::new(&self.fetcher, gate, &log).run(&home).await;
        // Waits for a storing slot before handing the network slot on: when
        // storing falls behind, fetching slows down with it.
        let _storing = self.storing.acquire().await.ok();
        drop(permit);
        let outcome = match discovered {
            Ok(o) => o,
            Err(DiscoverError::Transient(e)) => {
                self.failed_look(org_id, e.kind(), &e.to_string()).await?;
                return Err(SiteError::Retry(e.to_string(), e.kind()));
            }
            Err(e) => return Err(SiteError::Retry(e.to_string(), "store")),
        };
        {
            let mut s = summary.lock().unwrap_or_else(|p| p.into_inner());
            s.pages_fetched += outcome.fetched as u64;
            s.statements_found += outcome.statements.len() as u64;
            for (_, kind) in &outcome.errors {
                *s.errors.entry((*kind).to_string()).or_default() += 1;
            }
        }
        let mut new = 0;
        for st in &outcome.statements {
            let fetch_id = log.id_of(&st.requested);
            match self
                .store_statement(&org, st, outcome.homepage.clone(), fetch_id)
                .await?
            {
                Recorded::New(_) => new += 1,
                Recorded::Unchanged(_) => {
                    summary
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .unchanged_versions += 1
                }
            }
        }
        summary
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .new_versions += new;
        // Statements found are kept either way; only a complete look says
        // that the years without one have none. A page that failed without
        // an answer is tried again in this round (back-off); a homepage
        // that answered "no" (404, robots.txt) in the next round.
        if outcome.complete() {
            let look = Look::complete(crate::store::now(), org.financial_year_end.as_deref());
            self.writes.record_look(org_id, look).await?;
        } else if let Some(f) = outcome.first_failure() {
            self.failed_look(org_id, &f.kind, &f.message).await?;
            if !outcome.unread.is_empty() {
                return Err(SiteError::Retry(
                    format!("look incomplete: {}", f.message),
                    "incomplete",
                ));
            }
        }
        tracing::info!(
            org.id = org_id,
            site = %home,
            statements = outcome.statements.len(),
            new_versions = new,
            fetched = outcome.fetched,
            duration_ms = started.elapsed().as_millis() as u64,
            "site crawled"
        );
        Ok(format!(
            "{}: {} statement(s), {} new",
            org.name,
            outcome.statements.len(),
            new
        ))
    }

    /// Records a look at the site that could not be completed, to show on
    /// the organisation's page until a later one succeeds.
    async fn failed_look(&self, org_id: i64, kind: &str, message: &str) -> Result<(), SiteError> {
        let look = Look::Failed(CrawlFailure {
            at: crate::store::now(),
            kind: kind.to_string(),
            message: message.to_string(),
        });
        self.writes.record_look(org_id, look).await?;
        Ok(())
    }

    async fn store_statement(
        &self,
        org: &Organisation,
        st: &FoundStatement,
        homepage_url: Option<String>,
        fetch_id: Option<i64>,
    ) -> Result<Recorded, SiteError> {
        let seen_at = crate::store::now();
        // The assessment judges publication by the date s54 first saw these
        // bytes at this URL.
        let first_seen = self
            .store
            .versions_of(org.id)
            .await?
            .into_iter()
            .filter(|v| v.url == st.url && v.document_sha256 == st.doc.source.sha256)
            .map(|v| v.first_seen)
            .min()
            .unwrap_or(seen_at);
        let published = publication_date(st);
        // Lateness is judged from a date the publisher gave, never from the
        // day s54 first saw the statement; that day is only "now" for it.
        let opts = CheckOptions {
            entity: org.org_type.map(|t| t.entity_type()),
            published: published.as_ref().map(|p| p.date),
            today: Some(first_seen.date_naive()),
            ..CheckOptions::default()
        };
        let (doc, rules) = (st.doc.clone(), self.rules.clone());
        let officers = match &org.company_number {
            Some(n) => self.store.officers_of(n).await?,
            None => Vec::new(),
        };
        let seen_day = first_seen.date_naive();
        // The semaphore is never closed; without a permit the check still runs.
        let cpu = self.scoring.clone().acquire_owned().await.ok();
        let assessment = tokio::task::spawn_blocking(move || {
            let _cpu = cpu;
            let mut a = score::assess(&doc, &opts, &rules);
            score::officers::apply(&mut a, &officers, seen_day);
            a
        })
        .await
        .ok();
        let via = if !st.homepage_link {
            "sitemap"
        } else if st.via_page.is_some() {
            "linked_page"
        } else {
            "homepage"
        };
        let v = NewVersion {
            organisation_id: org.id,
            url: st.url.clone(),
            bytes: st.bytes.to_vec(),
            content_type: Some(mime_of(st.doc.source.kind).to_string()),
            seen_at,
            text: st.doc.text.clone(),
            blocks: st.doc.blocks.clone(),
            assessment,
            homepage: HomepageLink {
                linked: Some(st.homepage_link),
                found_via: Some(via.to_string()),
                homepage_url,
                anchor_text: st.link.as_ref().map(|l| l.text.clone()),
                href: st.link.as_ref().map(|l| l.href.clone()),
                region: st.link.as_ref().map(|l| l.region.clone()),
                via_page: st.via_page.clone(),
            },
            fetch_id,
            published,
        };
        Ok(self.writes.record_version(v).await?)
    }
}

/// The publication date of a found statement: the PDF's own creation date,
/// else the server's `Last-Modified`.
fn publication_date(st: &FoundStatement) -> Option<Published> {
    use crate::registry::dates;
    if let Some(date) = dates::pdf_creation_date(&st.bytes) {
        return Some(Published {
            date,
            source: dates::SOURCE_PDF.to_string(),
        });
    }
    st.last_modified.map(|date| Published {
        date,
        source: dates::SOURCE_SERVER.to_string(),
    })
}

fn note_task(
    done: Result<Result<(), CrawlError>, tokio::task::JoinError>,
    first_err: &mut Option<CrawlError>,
) {
    match done {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            first_err.get_or_insert(e);
        }
        Err(e) => {
            first_err.get_or_insert(CrawlError::Fetch(FetchError::Other(format!(
                "crawl task stopped: {e}"
            ))));
        }
    }
}

fn add_error(summary: &Mutex<Summary>, kind: &str) {
    let mut s = summary.lock().unwrap_or_else(|p| p.into_inner());
    *s.errors.entry(kind.to_string()).or_default() += 1;
}

fn mime_of(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::Pdf => "application/pdf",
        SourceKind::Html => "text/html",
        SourceKind::Docx => {
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        }
        SourceKind::Text => "text/plain",
        SourceKind::Image => "application/octet-stream",
    }
}

#[derive(Debug)]
enum SiteError {
    /// Try the site again later: (reason, kind).
    Retry(String, &'static str),
    Store(StoreError),
}

impl From<StoreError> for SiteError {
    fn from(e: StoreError) -> Self {
        SiteError::Store(e)
    }
}

/// The fetch log of one organisation in one round, in the store.
struct DbLog {
    store: Store,
    writes: Writes,
    round: i64,
    org: i64,
    ids: Mutex<HashMap<String, i64>>,
}

impl DbLog {
    fn id_of(&self, url: &str) -> Option<i64> {
        self.ids
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(url)
            .copied()
    }
    fn new_fetch(&self, rec: &FetchRecord) -> NewFetch {
        NewFetch {
            organisation_id: Some(self.org),
            url: rec.url.clone(),
            final_url: rec.final_url.clone(),
            status: rec.status,
            content_type: rec.content_type.clone(),
            size: rec.body.as_ref().map(|b| b.len() as u64),
            duration_ms: rec.duration_ms,
            robots: if rec.error_kind.as_deref() == Some("robots_disallowed") {
                "disallowed".into()
            } else {
                "allowed".into()
            },
            error_kind: rec.error_kind.clone(),
            error_message: rec.error.clone(),
            document_sha256: rec.body.as_ref().map(|b| crate::extract::sha256_hex(b)),
            fetched_at: crate::store::now(),
        }
    }
    fn remember(&self, url: &str, id: i64) {
        self.ids
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(url.to_string(), id);
    }
}

impl FetchLog for DbLog {
    fn done<'a>(&'a self, url: &'a str) -> BoxFut<'a, Result<Option<FetchRecord>, String>> {
        Box::pin(async move {
            let got = self
                .store
                .logged_fetch(self.round, self.org, url)
                .await
                .map_err(|e| e.to_string())?;
            Ok(got.map(|l| {
                self.remember(url, l.fetch_id);
                FetchRecord {
                    url: l.url,
                    final_url: l.final_url,
                    status: l.status,
                    error_kind: l.error_kind,
                    error: l.error_message,
                    content_type: l.content_type,
                    body: l.body.map(Arc::new),
                    duration_ms: None,
                }
            }))
        })
    }

    fn record<'a>(&'a self, recs: &'a [FetchRecord]) -> BoxFut<'a, Result<(), String>> {
        Box::pin(async move {
            let fetches: Vec<(NewFetch, Option<Arc<Vec<u8>>>)> = recs
                .iter()
                .map(|r| (self.new_fetch(r), r.body.clone()))
                .collect();
            let ids = self
                .writes
                .log_fetches(self.round, fetches)
                .await
                .map_err(|e| e.to_string())?;
            for (r, id) in recs.iter().zip(ids) {
                self.remember(&r.url, id);
            }
            Ok(())
        })
    }
}
