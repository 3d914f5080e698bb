//! The web face of s54: the public registry (dashboard, search, organisation
//! and statement pages), the self-check, the JSON API and the exports.
//!
//! [`router`] assembles everything into one axum [`Router`], so tests drive it
//! with `tower::ServiceExt::oneshot` and need no socket; [`serve`] runs it on
//! a listener with graceful shutdown. One module per area; [`errors`] holds
//! the one error type every handler returns, [`security`] the headers and the
//! rate limit, [`view`] the view models templates print (askama escapes every
//! value: nothing user-supplied is ever marked safe).

pub mod accounts;
pub mod admission;
pub mod api;
pub mod assets;
pub mod cache;
pub mod charts;
pub mod check;
pub mod dashboard;
pub mod diff;
pub mod errors;
pub mod export;
pub mod groups;
pub mod organisation;
pub mod page;
pub mod palette;
pub mod query;
pub mod registry;
pub mod security;
pub mod statement;
pub mod view;

use crate::extract::Limits;
use crate::rules::Rulebook;
use crate::store::Store;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use security::{RateConfig, RateLimiter};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Settings of the web app.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Largest document the self-check accepts (the stated limit).
    pub max_upload_bytes: usize,
    /// Rate limit of the check endpoints, per client IP.
    pub check_rate: RateConfig,
    /// Checks run at once (extraction is CPU-bound).
    pub check_concurrency: usize,
    /// Checks that may wait for a free slot; beyond them a check is
    /// answered at once with 503 and `Retry-After`.
    pub check_queue: usize,
    /// Longest a queued check waits for a slot before the same answer.
    pub check_queue_wait: Duration,
    /// Request bodies of checks read or held at once, in bytes (a body that
    /// does not state its length counts as the largest allowed).
    pub upload_bytes_in_flight: usize,
    /// Time a request may take before it is answered with 503.
    pub request_timeout: Duration,
    /// Time a client has to send a request's headers; a kept-alive
    /// connection idle that long before its next request is closed too.
    pub header_read_timeout: Duration,
    /// Memory for rendered registry and statement pages (0: no cache).
    pub page_cache_bytes: usize,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            max_upload_bytes: 20 * 1024 * 1024,
            check_rate: RateConfig::default(),
            check_concurrency: cores(),
            check_queue: 2 * cores(),
            check_queue_wait: Duration::from_secs(20),
            // A few dozen 1 MB uploads, or three at the 20 MB limit.
            upload_bytes_in_flight: 64 * 1024 * 1024,
            request_timeout: Duration::from_secs(60),
            header_read_timeout: Duration::from_secs(10),
            page_cache_bytes: 64 * 1024 * 1024,
        }
    }
}

fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}

struct Inner {
    store: Option<Store>,
    rules: Arc<Rulebook>,
    limits: Limits,
    config: WebConfig,
    limiter: RateLimiter,
    check_slots: Semaphore,
    admission: admission::Admission,
    pages: cache::PageCache,
    generation: cache::GenerationReader,
}

/// Shared state of every handler (cheap to clone).
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

impl AppState {
    /// A web app without a registry database (the self-check only).
    pub fn new(rules: Rulebook, config: WebConfig) -> AppState {
        AppState::build(None, rules, config)
    }
    /// The full web app over a registry database.
    pub fn with_store(store: Store, rules: Rulebook, config: WebConfig) -> AppState {
        AppState::build(Some(store), rules, config)
    }
    fn build(store: Option<Store>, rules: Rulebook, config: WebConfig) -> AppState {
        let mut limits = Limits {
            max_input_bytes: config.max_upload_bytes,
            ..Limits::default()
        };
        // OCR gives up with a clear message before the request times out.
        limits.ocr.max_total_time = config
            .request_timeout
            .saturating_sub(std::time::Duration::from_secs(5))
            .max(std::time::Duration::from_secs(1));
        limits.ocr.max_page_time = limits.ocr.max_page_time.min(limits.ocr.max_total_time);
        AppState(Arc::new(Inner {
            store,
            rules: Arc::new(rules),
            limits,
            limiter: RateLimiter::new(config.check_rate),
            check_slots: Semaphore::new(config.check_concurrency.max(1)),
            admission: admission::Admission::new(
                config.check_concurrency,
                config.check_queue,
                config.upload_bytes_in_flight,
            ),
            pages: cache::PageCache::new(config.page_cache_bytes),
            generation: cache::GenerationReader::default(),
            config,
        }))
    }
    /// The registry database, or 503 when this app runs without one.
    pub fn store(&self) -> Result<&Store, errors::WebError> {
        self.0.store.as_ref().ok_or_else(|| {
            errors::WebError::Unavailable("this server has no registry database".into())
        })
    }
    pub fn today(&self) -> chrono::NaiveDate {
        chrono::Utc::now().date_naive()
    }
    pub fn config(&self) -> &WebConfig {
        &self.0.config
    }
    pub fn rules(&self) -> Arc<Rulebook> {
        self.0.rules.clone()
    }
    pub fn limits(&self) -> &Limits {
        &self.0.limits
    }
    pub fn limiter(&self) -> &RateLimiter {
        &self.0.limiter
    }
    pub fn check_slots(&self) -> &Semaphore {
        &self.0.check_slots
    }
    pub fn admission(&self) -> &admission::Admission {
        &self.0.admission
    }
    /// Rendered registry pages, by the registry's generation.
    pub fn pages(&self) -> &cache::PageCache {
        &self.0.pages
    }
    /// The registry generation as of some moment after this call began
    /// (concurrent requests share one query).
    pub async fn generation(&self) -> Result<i64, errors::WebError> {
        let store = self.store()?;
        self.0
            .generation
            .current(|| store.generation())
            .await
            .map_err(|e| errors::WebError::Internal(format!("generation: {e}")))
    }
}

/// The whole web app. Tests call this and `oneshot` requests into it.
pub fn router(state: AppState) -> Router {
    // The check endpoints read the body themselves within the stated limit;
    // axum's 2 MB default would cut uploads short with an unreadable error.
    let body_limit = state.config().max_upload_bytes + 4 * 1024 * 1024;
    let check_routes = Router::new()
        .route("/check", get(check::form).post(check::submit_form))
        .route("/api/check", post(check::submit_api))
        .layer(DefaultBodyLimit::max(body_limit));
    let mut app = Router::new()
        .route("/healthz", get(assets::healthz))
        .route("/assets/s54.css", get(assets::css))
        .route("/assets/favicon.svg", get(assets::favicon))
        .route("/", get(dashboard::page))
        .route("/organisations", get(registry::page))
        .route("/accounts", get(accounts::page))
        .route("/organisations/{id}", get(organisation::page))
        .route("/groups/{id}", get(groups::page))
        .route("/statements/{id}", get(statement::page))
        .route("/documents/{sha256}", get(statement::document))
        .route("/api/organisations", get(api::organisations))
        .route("/api/organisations/{id}", get(api::organisation))
        .route("/api/statements/{id}", get(api::statement))
        .route("/api/groups/{id}", get(groups::api))
        .route("/export.csv", get(export::csv))
        .route("/export.json", get(export::json))
        .route("/export.ndjson", get(export::ndjson))
        .route("/api", get(api::docs))
        .route("/api/openapi.json", get(api::openapi))
        .merge(check_routes)
        .fallback(errors::fallback)
        .method_not_allowed_fallback(errors::method_not_allowed)
        .with_state(state.clone())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            state.config().request_timeout,
        ))
        // Spans carry method, path and status only: never bodies (drafts are
        // confidential) and never headers.
        .layer(TraceLayer::new_for_http());
    for layer in security::header_layers() {
        app = app.layer(layer);
    }
    app
}

/// Serves `app` on `listener` until ctrl-c or SIGTERM, then finishes the
/// requests in flight.
pub async fn serve(listener: tokio::net::TcpListener, app: Router) -> std::io::Result<()> {
    serve_until(listener, app, &WebConfig::default(), shutdown_signal()).await
}

/// Open connections at most: more are closed as soon as they are accepted.
pub const MAX_CONNECTIONS: usize = 8_192;

/// [`serve`] until `shutdown` resolves. Each connection is HTTP/1.1 with a
/// header-read timeout (a client that sends its headers slowly, or a
/// kept-alive connection left idle, is closed after
/// [`WebConfig::header_read_timeout`]); the request timeout and the
/// checker's admission bound the rest.
pub async fn serve_until(
    listener: tokio::net::TcpListener,
    app: Router,
    config: &WebConfig,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let open = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let (closing, closed) = tokio::sync::watch::channel(false);
    let mut conns = tokio::task::JoinSet::new();
    let header_timeout = config.header_read_timeout;
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors, say: wait, do not spin.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        while conns.try_join_next().is_some() {}
        let Ok(permit) = open.clone().try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let app = app.clone();
        let mut closed = closed.clone();
        conns.spawn(async move {
            let _permit = permit;
            let svc = hyper::service::service_fn(
                move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut()
                        .insert(axum::extract::ConnectInfo(remote));
                    tower::ServiceExt::oneshot(app.clone(), req)
                },
            );
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                .with_upgrades();
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = closed.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
    tracing::info!("shutting down: finishing requests in flight");
    let _ = closing.send(true);
    while conns.join_next().await.is_some() {}
    Ok(())
}

/// Resolves on ctrl-c or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            // No signal handler available: never resolve from this branch.
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
