//! The one HTTP error type. Every handler returns `Result<_, WebError>` (HTML
//! pages) or `Result<_, ApiError>` (JSON): bad input becomes a 4xx with a
//! message written for the person who sent it; internal failures are logged
//! once, here, and shown as a plain message without details.

use super::page::Meta;
use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("the upload is larger than the {limit_mb} MB limit")]
    PayloadTooLarge { limit_mb: usize },
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error("too many requests: please wait {retry_after_s} seconds and try again")]
    TooManyRequests { retry_after_s: u64 },
    #[error("{0}")]
    Unavailable(String),
    /// The checker is full (running and queued checks, or upload bytes in
    /// flight): answered at once with 503 and `Retry-After`.
    #[error("the checker is busy: please try again in {retry_after_s} seconds")]
    Busy { retry_after_s: u64 },
    /// Never shown in detail; logged where it is turned into a response.
    #[error("internal error: {0}")]
    Internal(String),
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            WebError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            WebError::Unavailable(_) | WebError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message a user sees (internal details withheld).
    pub fn public_message(&self) -> String {
        match self {
            WebError::Internal(detail) => {
                tracing::error!(error = %detail, "internal error while handling a request");
                "Something went wrong on our side. The error has been logged; please try again later."
                    .to_string()
            }
            other => {
                let mut m = other.to_string();
                if let Some(first) = m.get(..1) {
                    let upper = first.to_uppercase();
                    m.replace_range(..1, &upper);
                }
                if !m.ends_with('.') {
                    m.push('.');
                }
                m
            }
        }
    }

    fn heading(&self) -> &'static str {
        match self {
            WebError::NotFound(_) => "Page not found",
            WebError::BadRequest(_) => "There is a problem with the request",
            WebError::PayloadTooLarge { .. } => "The file is too large",
            WebError::UnsupportedMediaType(_) => "That kind of content cannot be read",
            WebError::Unprocessable(_) => "The document could not be read",
            WebError::TooManyRequests { .. } => "Too many requests",
            WebError::Unavailable(_) => "Not available",
            WebError::Busy { .. } => "The checker is busy",
            WebError::Internal(_) => "Sorry, there is a problem with the service",
        }
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            WebError::TooManyRequests { retry_after_s } | WebError::Busy { retry_after_s } => {
                Some(*retry_after_s)
            }
            _ => None,
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    meta: Meta,
    heading: &'static str,
    message: String,
    status: u16,
    back_href: &'static str,
    back_text: &'static str,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.status();
        let (back_href, back_text) = match &self {
            WebError::PayloadTooLarge { .. }
            | WebError::TooManyRequests { .. }
            | WebError::Busy { .. }
            | WebError::Unprocessable(_)
            | WebError::UnsupportedMediaType(_) => ("/check", "Go back to the self-check"),
            _ => ("/", "Go to the dashboard"),
        };
        let page = ErrorPage {
            meta: Meta::new(self.heading(), ""),
            heading: self.heading(),
            message: self.public_message(),
            status: status.as_u16(),
            back_href,
            back_text,
        };
        let body = page
            .render()
            .unwrap_or_else(|_| format!("Error {}", status.as_u16()));
        let mut resp = (status, Html(body)).into_response();
        if let Some(s) = self.retry_after() {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        resp
    }
}

/// The JSON face of [`WebError`]: `{"error": {"status": 404, "message": "…"}}`.
#[derive(Debug)]
pub struct ApiError(pub WebError);

impl From<WebError> for ApiError {
    fn from(e: WebError) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let body = serde_json::json!({
            "error": {"status": status.as_u16(), "message": self.0.public_message()}
        });
        let mut resp = (status, axum::Json(body)).into_response();
        if let Some(s) = self.0.retry_after() {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        resp
    }
}

/// A 404 page for unknown paths (the router's fallback).
pub async fn fallback(uri: axum::http::Uri) -> Response {
    let path = uri.path();
    if path.starts_with("/api/") {
        ApiError(WebError::NotFound(format!("no API route at {path}"))).into_response()
    } else {
        WebError::NotFound("there is no page at this address".into()).into_response()
    }
}

/// A 405 answer in the same style (axum's default has an empty body).
pub async fn method_not_allowed() -> Response {
    let mut r =
        WebError::BadRequest("this address does not accept that method".into()).into_response();
    *r.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    r
}
