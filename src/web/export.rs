//! `/export.csv|json|ndjson`: the registry rows with the registry list's
//! filters (`q` included), streamed from one database query (the store's
//! export, CSV formula-escaped). `with_group=1` adds the `group_id` column.

use super::AppState;
use super::errors::WebError;
use super::query::RawQuery;
use crate::registry::export::{Format, RowEncoder, export_stream};
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

async fn export(
    state: AppState,
    q: RawQuery,
    format: Format,
    ext: &str,
) -> Result<Response, WebError> {
    let filter = q.export_filter()?;
    let enc = RowEncoder::with_group(format, q.with_group()?).with_declared(q.with_declared()?);
    let store = state.store()?.clone();
    let stream = export_stream(store, filter, enc, state.today());
    let mut r = Body::from_stream(stream).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"s54-registry.{ext}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

pub async fn csv(State(s): State<AppState>, q: RawQuery) -> Result<Response, WebError> {
    export(s, q, Format::Csv, "csv").await
}
pub async fn json(
    State(s): State<AppState>,
    q: RawQuery,
) -> Result<Response, super::errors::ApiError> {
    Ok(export(s, q, Format::Json, "json").await?)
}
pub async fn ndjson(
    State(s): State<AppState>,
    q: RawQuery,
) -> Result<Response, super::errors::ApiError> {
    Ok(export(s, q, Format::Ndjson, "ndjson").await?)
}
