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

use super::AppState;
use super::errors::ApiError;
use super::query::{RawQuery, path_id};
use axum::Json;
use axum::extract::{Path, State};

/// `GET /api/organisations`: the registry list as JSON.
pub async fn organisations(
    State(state): State<AppState>,
    q: RawQuery,
) -> Result<Response, ApiError> {
    let filter = q.org_filter(200)?;
    let page = state
        .store()?
        .list_organisations(&filter, state.today())
        .await
        .map_err(|e| WebError::Internal(format!("list: {e}")))?;
    Ok(Json(page).into_response())
}

/// `GET /api/organisations/{id}`.
pub async fn organisation(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&raw)?;
    let d = state
        .store()?
        .organisation_detail(id, state.today())
        .await
        .map_err(|e| WebError::Internal(format!("organisation: {e}")))?
        .ok_or_else(|| WebError::NotFound(format!("there is no organisation {id}")))?;
    Ok(Json(d).into_response())
}

/// `GET /api/statements/{id}`: the version with its text and `s54.check/1` assessment.
pub async fn statement(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&raw)?;
    let d = state
        .store()?
        .version(id)
        .await
        .map_err(|e| WebError::Internal(format!("statement: {e}")))?
        .ok_or_else(|| WebError::NotFound(format!("there is no statement {id}")))?;
    Ok(Json(d).into_response())
}
