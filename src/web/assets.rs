//! Static assets, embedded in the binary (no CDN, works offline).

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

const CSS: &str = include_str!("../../templates/s54.css");
const FAVICON: &str = include_str!("../../templates/favicon.svg");

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    r
}

pub async fn css() -> Response {
    asset("text/css; charset=utf-8", CSS)
}

pub async fn favicon() -> Response {
    asset("image/svg+xml", FAVICON)
}

pub async fn healthz() -> &'static str {
    "ok"
}
