//! The JSON API: organisations and statements as JSON, the OpenAPI
//! description and its human-readable page.

use super::errors::WebError;
use super::page::Meta;
use askama::Template;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};

const OPENAPI: &str = include_str!("../../templates/openapi.json");

pub async fn openapi() -> Response {
    let mut r = OPENAPI.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct DocsPage {
    meta: Meta,
    origin: &'static str,
}

pub async fn docs() -> Result<Html<String>, WebError> {
    DocsPage {
        meta: Meta::new("Data and API", "api"),
        origin: "http://127.0.0.1:8054",
    }
    .render()
    .map(Html)
    .map_err(|e| WebError::Internal(format!("template: {e}")))
}
