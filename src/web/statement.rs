//! `GET /statements/{id}`: one statement version's scorecard — verdict, each
//! finding with its force, the text with the evidence highlighted and linked
//! from the finding, how it was reached from the homepage, and a diff against
//! the previous year's version. `GET /documents/{sha256}` serves the archived
//! bytes, never as active HTML from our origin.

use super::AppState;
use super::diff::{self, DiffLine};
use super::errors::WebError;
use super::page::Meta;
use super::query::path_id;
use super::security::CSP_DOCUMENT;
use super::view::{AssessmentView, Segment, Tag, highlight, status_tag};
use crate::store::StatementPageData;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use bytes::Bytes;

#[derive(Template)]
#[template(path = "statement.html")]
struct StatementPage {
    meta: Meta,
    org_id: i64,
    org_name: String,
    url: String,
    sha256: String,
    year: String,
    first_seen: String,
    last_seen: String,
    status: Option<Tag>,
    homepage: String,
    /// How the registry year was found, when not from the text.
    year_note: Option<&'static str>,
    published: Option<String>,
    copied_from: Option<i32>,
    /// What the Government registry declaration claims that this text does not support.
    declared: Vec<String>,
    a: Option<AssessmentView>,
    segments: Vec<Segment>,
    diff: Option<Vec<DiffLine>>,
    previous: Option<(i64, String)>,
}

pub async fn page(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Html<Bytes>, WebError> {
    let id = path_id(&raw)?;
    let store = state.store()?;
    let data = store
        .statement_page(id)
        .await
        .map_err(|e| WebError::Internal(format!("statement: {e}")))?
        .ok_or_else(|| WebError::NotFound(format!("there is no statement {id}")))?;
    // The generation was read with the data: a cached page of the same
    // generation shows exactly this data, and rendering is skipped.
    let key = format!("statement:{id}");
    if let Some(page) = state.pages().get(&key, data.generation) {
        return Ok(Html(page));
    }
    let generation = data.generation;
    let declared: Vec<String> = store
        .declared_checks(Some(data.organisation.id))
        .await
        .map_err(|e| WebError::Internal(format!("declarations: {e}")))?
        .into_iter()
        .filter(|c| c.statement_id == Some(id) && c.has_mismatch())
        .map(|c| {
            let mut parts = Vec::new();
            if !c.unsupported_areas.is_empty() {
                parts.push(format!(
                    "areas declared but not supported by the text: {}",
                    c.unsupported_areas.join(", ").replace('_', " ")
                ));
            }
            parts.extend(c.other);
            format!("{} declaration: {}", c.year, parts.join("; "))
        })
        .collect();
    let page = Bytes::from(render(data, declared)?);
    state.pages().put(key, generation, page.clone());
    Ok(Html(page))
}

fn render(data: StatementPageData, declared: Vec<String>) -> Result<String, WebError> {
    let d = &data;
    let v = &d.version;
    let mut view = d.assessment.as_ref().map(AssessmentView::new);
    // Evidence spans of every finding, in the order findings_mut yields them.
    let mut spans = vec![];
    if let (Some(a), Some(av)) = (&d.assessment, &view) {
        let mut order: Vec<&crate::domain::Finding> = vec![];
        for group in [&av.to_fix, &av.advice, &av.proposals, &av.passed] {
            for fv in group {
                if let Some(f) = a
                    .findings
                    .iter()
                    .find(|f| f.rule == fv.rule && !order.iter().any(|o| std::ptr::eq(*o, *f)))
                {
                    order.push(f);
                }
            }
        }
        for f in &order {
            // The view shows each distinct quote once; anchors follow it.
            for e in crate::report::distinct_evidence(&f.evidence) {
                spans.push((e.start, e.end, f.rule.clone()));
            }
        }
    }
    let (segments, anchors) = highlight(&d.text, &spans);
    if let Some(view) = view.as_mut() {
        let mut k = 0;
        for fv in view.findings_mut() {
            for ev in fv.evidence.iter_mut() {
                ev.anchor = anchors.get(k).cloned().flatten();
                k += 1;
            }
        }
    }
    // The previous registry year's counting version, for the diff.
    let mut previous = None;
    let mut diff_lines = None;
    if let (Some(year), Some((prev_id, prev_text))) = (v.registry_year, &data.previous) {
        diff_lines = diff::diff(prev_text, &d.text);
        previous = Some((*prev_id, (year - 1).to_string()));
    }
    let h = &v.homepage;
    let homepage = match h.linked {
        Some(true) => {
            let mut s = "Linked from the homepage".to_string();
            if let Some(t) = &h.anchor_text {
                s.push_str(&format!(" by the link “{t}”"));
            }
            if let Some(r) = &h.region {
                s.push_str(&format!(" in the {r}"));
            }
            if let Some(p) = &h.via_page {
                s.push_str(&format!(", through the page {p}"));
            }
            s
        }
        Some(false) => format!(
            "Not linked from the homepage: found via {}",
            h.found_via.as_deref().unwrap_or("another route")
        ),
        None => "Not known".to_string(),
    };
    StatementPage {
        meta: Meta::new(
            format!("Statement scorecard: {}", d.organisation.name),
            "registry",
        ),
        org_id: d.organisation.id,
        org_name: d.organisation.name.clone(),
        url: v.url.clone(),
        sha256: v.document_sha256.clone(),
        year: v
            .registry_year
            .map(|y| y.to_string())
            .unwrap_or_else(|| "unknown".into()),
        first_seen: v.first_seen.format("%-d %B %Y").to_string(),
        last_seen: v.last_seen.format("%-d %B %Y").to_string(),
        status: v.status.map(|s| status_tag(s.as_str())),
        homepage,
        year_note: crate::registry::year::YearBasis::parse(&v.year_basis).note(),
        published: v.published.map(|p| {
            let from = match v.published_source.as_deref() {
                Some("pdf") => "the PDF's creation date",
                Some("server") => "the server's Last-Modified date",
                _ => "the publisher",
            };
            format!("{} ({from})", p.format("%-d %B %Y"))
        }),
        copied_from: v.copied_from,
        declared,
        a: view,
        segments,
        diff: diff_lines,
        previous,
    }
    .render()
    .map_err(|e| WebError::Internal(format!("template: {e}")))
}

#[derive(Template)]
#[template(path = "archived.html")]
struct ArchivedPage {
    meta: Meta,
    title: String,
    sha256: String,
    /// ("h" | "li" | "p", text).
    blocks: Vec<(&'static str, String)>,
    /// (href, text, whether it is a web address to link).
    links: Vec<(String, String, bool)>,
}

/// An archived web page as readable text with its links: our own page,
/// every value escaped, nothing of the original runs.
fn archived_html(sha: &str, bytes: &[u8], content_type: Option<&str>) -> Option<String> {
    let limits = crate::extract::Limits::default();
    let ex = crate::extract::html::extract_with_content_type(bytes, content_type, &limits).ok()?;
    let blocks: Vec<(&'static str, String)> = ex
        .blocks
        .iter()
        .filter(|b| !b.text.trim().is_empty())
        .map(|b| {
            let kind = match b.kind {
                crate::domain::BlockKind::Heading(_) => "h",
                crate::domain::BlockKind::ListItem => "li",
                _ => "p",
            };
            (kind, b.text.clone())
        })
        .collect();
    let links = ex
        .links
        .iter()
        .map(|l| {
            let text = if l.text.trim().is_empty() {
                l.title.clone().unwrap_or_else(|| l.href.clone())
            } else {
                l.text.clone()
            };
            let web =
                url::Url::parse(&l.href).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
            (l.href.clone(), text, web)
        })
        .collect();
    let title = blocks
        .iter()
        .find(|b| b.0 == "h")
        .map(|b| super::view::shorten(&b.1, 120))
        .unwrap_or_else(|| "Archived web page".to_string());
    ArchivedPage {
        meta: Meta::new(format!("Archived copy: {title}"), "registry"),
        title,
        sha256: sha.to_string(),
        blocks,
        links,
    }
    .render()
    .ok()
}

/// The archived bytes. PDFs and DOCX keep their type; a web page is shown
/// as readable text with its links ([`archived_html`]); anything else, and
/// `?raw=1`, is served as plain text, so it can never run as a page of this
/// origin. A sandbox CSP covers whatever a browser does with it.
pub async fn document(
    State(state): State<AppState>,
    Path(sha): Path<String>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, WebError> {
    if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(WebError::NotFound(
            "there is no archived document at this address".into(),
        ));
    }
    let sha = sha.to_ascii_lowercase();
    let store = state.store()?;
    let doc = store
        .document(&sha)
        .await
        .map_err(|e| WebError::Internal(format!("document: {e}")))?
        .ok_or_else(|| {
            WebError::NotFound("there is no archived document at this address".into())
        })?;
    let (ctype, ext, disposition) = if doc.bytes.starts_with(b"%PDF-") {
        ("application/pdf", "pdf", "inline")
    } else if doc.bytes.starts_with(b"PK\x03\x04") {
        (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
            "attachment",
        )
    } else {
        let raw = q.get("raw").is_some_and(|v| v == "1");
        let html = crate::extract::sniff::sniff(&doc.bytes, "archive")
            == Some(crate::domain::SourceKind::Html);
        if html && !raw {
            let page = tokio::task::spawn_blocking(move || {
                archived_html(&sha, &doc.bytes, doc.content_type.as_deref())
            })
            .await
            .ok()
            .flatten()
            .ok_or_else(|| WebError::Internal("the archived page could not be read".into()))?;
            return Ok(Html(page).into_response());
        }
        ("text/plain; charset=utf-8", "txt", "inline")
    };
    let mut r = doc.bytes.into_response();
    let hd = r.headers_mut();
    hd.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{disposition}; filename=\"statement-{}.{ext}\"",
        &sha[..12]
    )) {
        hd.insert(header::CONTENT_DISPOSITION, v);
    }
    hd.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP_DOCUMENT),
    );
    hd.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400, immutable"),
    );
    Ok(r)
}
