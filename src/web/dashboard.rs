//! `GET /`: the dashboard — totals, statuses by registry year, sector and
//! organisation type, and the six areas' coverage, each figure a link to the
//! filtered list behind it.

use super::AppState;
use super::charts::{self, Chart, SimpleChart, StatusCounts};
use super::errors::WebError;
use super::page::{Meta, thousands};
use super::query::RawQuery;
use askama::Template;
use axum::extract::State;
use axum::response::Html;

/// `/organisations?k=v&…`, values encoded.
pub fn list_href(pairs: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    let q = s.finish();
    if q.is_empty() {
        "/organisations".into()
    } else {
        format!("/organisations?{q}")
    }
}

fn counts(c: &crate::store::StatusCounts) -> StatusCounts {
    StatusCounts {
        compliant: c.compliant,
        noncompliant: c.noncompliant,
        review: c.review,
        missing: c.missing,
        unchecked: c.unchecked,
    }
}

pub struct Card {
    pub value: String,
    pub label: &'static str,
    pub href: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    meta: Meta,
    year: i32,
    cards: Vec<Card>,
    by_year: Chart,
    by_sector: Chart,
    by_type: Chart,
    areas: SimpleChart,
    /// Group parents: (link, name, kind, member count).
    groups: Vec<(String, String, &'static str, i64)>,
    /// Statements unchanged since the year before: (year, count).
    copied: Vec<(i32, i64)>,
    /// Declarations the text does not support, by year then area.
    declared: Vec<DeclaredYear>,
    empty: bool,
    palette: &'static [super::palette::StatusStyle],
    /// Organisations in scope by their filed accounts that never reported
    /// (`/accounts`), and how many of them have no known website.
    never_reported: (i64, i64),
}

/// One year of the declared-versus-written panel.
pub struct DeclaredYear {
    pub year: i32,
    pub areas: Vec<DeclaredArea>,
}

pub struct DeclaredArea {
    pub title: &'static str,
    pub declared: usize,
    pub unsupported: usize,
    /// Whole per cent of `declared`.
    pub share: usize,
    /// The organisations behind the bar: (link, name).
    pub orgs: Vec<(String, String)>,
}

/// Declarations compared with a statement, grouped by year and area.
fn declared_panel(checks: &[crate::registry::declared::DeclaredCheck]) -> Vec<DeclaredYear> {
    use std::collections::BTreeMap;
    let mut by_year: BTreeMap<i32, Vec<&crate::registry::declared::DeclaredCheck>> =
        BTreeMap::new();
    for c in checks.iter().filter(|c| c.statement_id.is_some()) {
        by_year.entry(c.year).or_default().push(c);
    }
    by_year
        .into_iter()
        .rev()
        .map(|(year, cs)| DeclaredYear {
            year,
            areas: crate::domain::Area::ALL
                .into_iter()
                .map(|a| {
                    let declared = cs
                        .iter()
                        .filter(|c| c.declared_areas.contains(&a.key()))
                        .count();
                    let behind: Vec<_> = cs
                        .iter()
                        .filter(|c| c.unsupported_areas.contains(&a.key()))
                        .collect();
                    DeclaredArea {
                        title: a.title(),
                        declared,
                        unsupported: behind.len(),
                        share: (behind.len() * 100).checked_div(declared).unwrap_or(0),
                        orgs: behind
                            .iter()
                            .map(|c| {
                                (
                                    format!("/organisations/{}", c.organisation_id),
                                    c.name.clone(),
                                )
                            })
                            .collect(),
                    }
                })
                .collect(),
        })
        .collect()
}

pub async fn page(State(state): State<AppState>, q: RawQuery) -> Result<Html<String>, WebError> {
    let year = q.year()?;
    let store = state.store()?;
    let d = store
        .dashboard(year, state.today())
        .await
        .map_err(|e| WebError::Internal(format!("dashboard: {e}")))?;
    let groups = store
        .group_parents(20)
        .await
        .map_err(|e| WebError::Internal(format!("dashboard groups: {e}")))?
        .into_iter()
        .map(|g| {
            let kind = match g.org_type.as_deref() {
                Some("nhs" | "local_authority" | "public_body") => "public-body group",
                _ => "company group",
            };
            (format!("/groups/{}", g.id), g.name, kind, g.members)
        })
        .collect();
    let nr = store
        .never_reported_counts()
        .await
        .map_err(|e| WebError::Internal(format!("dashboard accounts: {e}")))?;
    let copied = store
        .copied_by_year()
        .await
        .map_err(|e| WebError::Internal(format!("dashboard copied: {e}")))?;
    let declared = declared_panel(
        &store
            .declared_checks(None)
            .await
            .map_err(|e| WebError::Internal(format!("dashboard declarations: {e}")))?,
    );
    let y = d.year.to_string();
    let ys = y.as_str();
    let cards = vec![
        Card {
            value: thousands(d.organisations),
            label: "organisations in the registry",
            href: "/organisations".into(),
        },
        Card {
            value: thousands(d.in_scope),
            label: "in scope (turnover or budget of £36m or more)",
            href: list_href(&[("in_scope", "true")]),
        },
        Card {
            value: thousands(d.with_statement),
            label: "with at least one statement found",
            href: list_href(&[("sort", "-score")]),
        },
        Card {
            value: thousands(d.versions),
            label: "statement versions archived",
            href: "/api".into(),
        },
    ];
    let years: Vec<(String, StatusCounts)> = d
        .by_year
        .iter()
        .map(|k| (k.key.to_string(), counts(&k.counts)))
        .collect();
    let year_keys: Vec<String> = d.by_year.iter().map(|k| k.key.to_string()).collect();
    let by_year = charts::status_chart("by-year", "Registry year", years, &|i, s| {
        list_href(&[("year", year_keys[i].as_str()), ("status", s.unwrap_or(""))])
    });
    let sectors: Vec<(String, StatusCounts)> = d
        .by_sector
        .iter()
        .take(12)
        .map(|k| (k.key.clone(), counts(&k.counts)))
        .collect();
    let sector_keys: Vec<String> = d.by_sector.iter().take(12).map(|k| k.key.clone()).collect();
    let by_sector = charts::status_chart("by-sector", "Sector", sectors, &|i, s| {
        list_href(&[
            ("year", ys),
            ("sector", sector_keys[i].as_str()),
            ("status", s.unwrap_or("")),
        ])
    });
    let types: Vec<(String, StatusCounts)> = d
        .by_org_type
        .iter()
        .map(|k| (k.key.replace('_', " "), counts(&k.counts)))
        .collect();
    let type_keys: Vec<String> = d.by_org_type.iter().map(|k| k.key.clone()).collect();
    let by_type = charts::status_chart("by-type", "Organisation type", types, &|i, s| {
        list_href(&[
            ("year", ys),
            ("org_type", type_keys[i].as_str()),
            ("status", s.unwrap_or("")),
        ])
    });
    let areas = charts::simple_chart(
        "areas",
        "Areas covered",
        "Bars: for each of the six areas of section 54(5), the share of this year's statements that report on it. The table below gives the same numbers.",
        d.areas
            .iter()
            .map(|a| {
                (
                    a.area.title().to_string(),
                    a.covered,
                    a.statements,
                    list_href(&[("year", ys)]),
                    list_href(&[("year", ys), ("area_missing", a.area.key())]),
                )
            })
            .collect(),
    );
    DashboardPage {
        meta: Meta::new("Dashboard", "dashboard"),
        year: d.year,
        cards,
        groups,
        copied,
        declared,
        empty: d.organisations == 0,
        palette: &super::palette::PALETTE,
        never_reported: (nr.organisations, nr.without_website),
        by_year,
        by_sector,
        by_type,
        areas,
    }
    .render()
    .map(Html)
    .map_err(|e| WebError::Internal(format!("template: {e}")))
}
