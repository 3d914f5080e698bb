//! `GET /accounts`: who must report and never has — organisations whose
//! filed accounts show a turnover of £36m or more (`s54 accounts import`)
//! and for which no statement was ever found or declared: counted by year
//! and sector, listed with the turnover, its year and the filing it came
//! from, and whether a website is known for the crawler to look at.

use super::AppState;
use super::errors::WebError;
use super::page::{Meta, thousands};
use super::query::RawQuery;
use crate::store::NeverReportedFilter;
use askama::Template;
use axum::extract::State;
use axum::response::Html;

/// Rows listed at most (the export has them all).
const LIST_LIMIT: i64 = 500;

pub struct Row {
    pub id: i64,
    pub name: String,
    pub company_number: String,
    pub sector: String,
    pub year: i32,
    pub turnover: String,
    pub basis: &'static str,
    pub source: String,
    pub website: Option<String>,
}

#[derive(Template)]
#[template(path = "accounts.html")]
struct AccountsPage {
    meta: Meta,
    organisations: String,
    without_website: String,
    /// (year, count, link).
    by_year: Vec<(i32, String, String)>,
    /// (sector, count, link).
    by_sector: Vec<(String, String, String)>,
    rows: Vec<Row>,
    filter_note: String,
    limit: i64,
}

/// `/accounts?k=v&…`, values encoded.
fn href(pairs: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    let q = s.finish();
    if q.is_empty() {
        "/accounts".into()
    } else {
        format!("/accounts?{q}")
    }
}

pub async fn page(State(state): State<AppState>, q: RawQuery) -> Result<Html<String>, WebError> {
    let no_website = match q.get("no_website") {
        None | Some("0" | "false" | "no") => false,
        Some("1" | "true" | "yes") => true,
        Some(_) => {
            return Err(WebError::BadRequest(
                "'no_website' must be 1 or 0 (true or false)".into(),
            ));
        }
    };
    let filter = NeverReportedFilter {
        year: q.year()?,
        sector: q.get("sector").map(str::to_string),
        no_website,
    };
    let store = state.store()?;
    let internal = |e: crate::store::StoreError| WebError::Internal(format!("accounts: {e}"));
    let counts = store.never_reported_counts().await.map_err(internal)?;
    let rows = store
        .never_reported(&filter, LIST_LIMIT)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|r| Row {
            id: r.id,
            name: r.name,
            company_number: r.company_number.unwrap_or_default(),
            sector: r.sector.unwrap_or_default(),
            year: r.year,
            turnover: format!("£{}", thousands(r.turnover)),
            basis: if r.consolidated { "group" } else { "company" },
            source: r.source,
            website: r.website,
        })
        .collect();
    let mut note = Vec::new();
    if let Some(y) = filter.year {
        note.push(format!("year {y}"));
    }
    if let Some(s) = &filter.sector {
        note.push(format!("sector {s}"));
    }
    if filter.no_website {
        note.push("no known website".to_string());
    }
    AccountsPage {
        meta: Meta::new("In scope by accounts, never reported", "dashboard"),
        organisations: thousands(counts.organisations),
        without_website: thousands(counts.without_website),
        by_year: counts
            .by_year
            .iter()
            .map(|(y, n)| (*y, thousands(*n), href(&[("year", y.to_string().as_str())])))
            .collect(),
        by_sector: counts
            .by_sector
            .iter()
            .map(|(s, n)| {
                let label = if s.is_empty() {
                    "Not known".to_string()
                } else {
                    s.clone()
                };
                (label, thousands(*n), href(&[("sector", s.as_str())]))
            })
            .collect(),
        rows,
        filter_note: note.join(", "),
        limit: LIST_LIMIT,
    }
    .render()
    .map(Html)
    .map_err(|e| WebError::Internal(format!("template: {e}")))
}
