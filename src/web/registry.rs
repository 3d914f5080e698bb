//! `GET /organisations`: search, filters, sorting and pagination, with the
//! same filters as a download link.

use super::AppState;
use super::dashboard::list_href;
use super::errors::WebError;
use super::page::{Meta, thousands};
use super::query::RawQuery;
use super::view::{Tag, status_tag};
use crate::domain::{Area, OrgType};
use crate::store::{OrgFilter, Store};
use askama::Template;
use axum::extract::State;
use axum::response::Html;
use bytes::Bytes;
use chrono::NaiveDate;

pub struct Row {
    pub id: i64,
    pub name: String,
    pub org_type: String,
    pub sector: String,
    pub tag: Tag,
    pub score: String,
    pub statement_id: Option<i64>,
    /// The group parent whose statement counts for this row, if any.
    pub covered_by: Option<i64>,
}

pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn opts(items: Vec<(String, String)>, current: &str) -> Vec<Opt> {
    let mut v = vec![Opt {
        value: String::new(),
        label: "Any".into(),
        selected: current.is_empty(),
    }];
    v.extend(items.into_iter().map(|(value, label)| Opt {
        selected: value == current,
        value,
        label,
    }));
    v
}

#[derive(Template)]
#[template(path = "registry.html")]
struct RegistryPage {
    meta: Meta,
    q: String,
    sector: String,
    year: i32,
    total: String,
    rows: Vec<Row>,
    types: Vec<Opt>,
    statuses: Vec<Opt>,
    areas: Vec<Opt>,
    groups: Vec<Opt>,
    scopes: Vec<Opt>,
    sorts: Vec<Opt>,
    page: u32,
    pages: u32,
    prev: Option<String>,
    next: Option<String>,
    export_csv: String,
    export_json: String,
}

pub async fn page(State(state): State<AppState>, q: RawQuery) -> Result<Html<Bytes>, WebError> {
    let filter = q.org_filter(200)?;
    let store = state.store()?;
    let today = state.today();
    // Read before rendering: the page is at least as recent as this. Statuses
    // depend on the day too (due dates), so the day is part of the key.
    let generation = state.generation().await?;
    let key = format!("organisations:{today}:{}", q.canonical());
    if let Some(page) = state.pages().get(&key, generation) {
        return Ok(Html(page));
    }
    // A search can take tens of milliseconds: clients asking for the same
    // page meanwhile wait for this render instead of repeating it.
    let _rendering = state.pages().render_lock(&key).await;
    if let Some(page) = state.pages().get(&key, generation) {
        return Ok(Html(page));
    }
    let page = Bytes::from(render(store, &q, &filter, today).await?);
    state.pages().put(key, generation, page.clone());
    Ok(Html(page))
}

async fn render(
    store: &Store,
    q: &RawQuery,
    filter: &OrgFilter,
    today: NaiveDate,
) -> Result<String, WebError> {
    let res = store
        .list_organisations(filter, today)
        .await
        .map_err(|e| WebError::Internal(format!("list: {e}")))?;
    let pages = ((res.total.max(0) as u64).div_ceil(res.per_page.max(1) as u64)).max(1) as u32;
    let year = res.year.to_string();
    let g = |k: &str| q.get(k).unwrap_or("").to_string();
    let page_href = |p: u32| {
        let ps = p.to_string();
        list_href(&[
            ("q", &g("q")),
            ("sector", &g("sector")),
            ("org_type", &g("org_type")),
            ("status", &g("status")),
            ("year", &g("year")),
            ("area_missing", &g("area_missing")),
            ("in_scope", &g("in_scope")),
            ("group", &g("group")),
            ("sort", &g("sort")),
            ("page", &ps),
        ])
    };
    // The download carries every filter of the list (not sort or page).
    let export = |ext: &str| {
        let qs = q.export_query();
        if qs.is_empty() {
            format!("/export.{ext}")
        } else {
            format!("/export.{ext}?{qs}")
        }
    };
    let rows = res
        .items
        .into_iter()
        .map(|o| Row {
            id: o.id,
            name: o.name,
            org_type: o
                .org_type
                .map(|t| t.as_str().replace('_', " "))
                .unwrap_or_default(),
            sector: o.sector.unwrap_or_default(),
            tag: status_tag(o.status.map(|s| s.as_str()).unwrap_or("")),
            score: o.score.map(|s| s.to_string()).unwrap_or_else(|| "–".into()),
            statement_id: o.statement_id,
            covered_by: o.covered_by,
        })
        .collect();
    RegistryPage {
        meta: Meta::new("Registry", "registry"),
        q: g("q"),
        sector: g("sector"),
        year: res.year,
        total: thousands(res.total),
        rows,
        types: opts(
            OrgType::ALL
                .iter()
                .map(|t| (t.as_str().to_string(), t.as_str().replace('_', " ")))
                .collect(),
            &g("org_type"),
        ),
        statuses: opts(
            [
                "compliant",
                "noncompliant",
                "review",
                "missing",
                "unchecked",
                "out_of_scope",
            ]
            .iter()
            .map(|s| (s.to_string(), status_tag(s).label.to_string()))
            .collect(),
            &g("status"),
        ),
        areas: opts(
            Area::ALL
                .iter()
                .map(|a| (a.key().to_string(), a.title().to_string()))
                .collect(),
            &g("area_missing"),
        ),
        groups: opts(
            vec![
                (
                    "public_body".into(),
                    "Public bodies (NHS, local authorities, others)".into(),
                ),
                ("group".into(), "Groups (parents and members)".into()),
            ],
            &g("group"),
        ),
        scopes: opts(
            vec![
                ("true".into(), "In scope".into()),
                ("false".into(), "Out of scope".into()),
            ],
            &g("in_scope"),
        ),
        sorts: {
            let mut v = opts(
                [
                    ("-name", "Name, Z to A"),
                    ("-score", "Score, highest first"),
                    ("score", "Score, lowest first"),
                    ("turnover", "Turnover, largest first"),
                    ("newest", "Newest first"),
                ]
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
                &g("sort"),
            );
            v[0].label = "Name, A to Z".into();
            v
        },
        prev: (res.page > 1).then(|| page_href(res.page - 1)),
        next: (res.page < pages).then(|| page_href(res.page + 1)),
        page: res.page,
        pages,
        export_csv: export("csv"),
        export_json: export("json"),
    }
    .render()
    .map_err(|e| {
        let _ = &year;
        WebError::Internal(format!("template: {e}"))
    })
}
