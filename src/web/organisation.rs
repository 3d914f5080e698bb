//! `GET /organisations/{id}`: every reporting year with status and reasons,
//! every statement version, the group, and what the organisation declared on
//! the Government registry beside what s54 found.

use super::AppState;
use super::errors::WebError;
use super::page::{Meta, thousands};
use super::query::path_id;
use super::view::{Tag, status_tag};
use crate::store::{Declaration, OrgRef};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;

pub struct YearRow {
    pub year: i32,
    pub tag: Tag,
    pub reasons: String,
    pub statement_id: Option<i64>,
    pub areas: String,
    pub score: String,
    pub late: String,
}

pub struct VersionRow {
    pub id: i64,
    pub url: String,
    pub sha256: String,
    pub first_seen: String,
    pub last_seen: String,
    pub year: String,
    pub verdict: String,
    pub score: String,
    pub homepage: String,
}

pub struct DeclRow {
    pub year: i32,
    pub statement_url: String,
    pub period: String,
    pub approver: String,
    pub areas: String,
    pub group: bool,
}

#[derive(Template)]
#[template(path = "organisation.html")]
struct OrgPage {
    meta: Meta,
    name: String,
    facts: Vec<(&'static str, String)>,
    website: Option<String>,
    parent: Option<OrgRef>,
    members: Vec<OrgRef>,
    years: Vec<YearRow>,
    versions: Vec<VersionRow>,
    declarations: Vec<DeclRow>,
}

fn yn(b: Option<bool>) -> String {
    match b {
        Some(true) => "Yes".into(),
        Some(false) => "No".into(),
        None => "Unknown".into(),
    }
}

fn decl(d: &Declaration) -> DeclRow {
    DeclRow {
        year: d.year,
        statement_url: d.statement_url.clone().unwrap_or_default(),
        period: match (d.period_start, d.period_end) {
            (Some(s), Some(e)) => format!("{s} to {e}"),
            _ => String::new(),
        },
        approver: d.approving_person.clone().unwrap_or_default(),
        areas: d
            .areas
            .iter()
            .map(|a| a.title())
            .collect::<Vec<_>>()
            .join("; "),
        group: d.group_submission,
    }
}

pub async fn page(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Html<String>, WebError> {
    let id = path_id(&raw)?;
    let store = state.store()?;
    let d = store
        .organisation_detail(id, state.today())
        .await
        .map_err(|e| WebError::Internal(format!("organisation: {e}")))?
        .ok_or_else(|| WebError::NotFound(format!("there is no organisation {id}")))?;
    let o = &d.organisation;
    let money = |v: Option<i64>| {
        v.map(|v| format!("£{}", thousands(v)))
            .unwrap_or_else(|| "Not known".into())
    };
    let facts = vec![
        (
            "Type",
            o.org_type
                .map(|t| t.as_str().replace('_', " "))
                .unwrap_or_else(|| "Not known".into()),
        ),
        (
            "Sector",
            o.sector.clone().unwrap_or_else(|| "Not known".into()),
        ),
        (
            "Company number",
            o.company_number.clone().unwrap_or_else(|| "None".into()),
        ),
        ("Turnover", money(o.turnover_gbp)),
        ("Budget", money(o.budget_gbp)),
        (
            "Financial year end",
            o.financial_year_end
                .clone()
                .unwrap_or_else(|| "Not known".into()),
        ),
        (
            "In scope",
            format!(
                "{}{}",
                yn(o.in_scope),
                if o.scope_reason.is_empty() {
                    String::new()
                } else {
                    format!(" — {}", o.scope_reason)
                }
            ),
        ),
    ];
    let years = d
        .years
        .iter()
        .rev()
        .map(|r| YearRow {
            year: r.year,
            tag: status_tag(r.status.as_str()),
            reasons: r.reasons.replace(';', ", "),
            statement_id: r.statement_id,
            areas: r
                .areas_covered
                .split(';')
                .filter(|s| !s.is_empty())
                .count()
                .to_string(),
            score: r.score.map(|s| s.to_string()).unwrap_or_default(),
            late: match r.late {
                Some(true) => "Late".into(),
                Some(false) => "On time".into(),
                None => String::new(),
            },
        })
        .collect();
    let versions = d
        .versions
        .iter()
        .map(|v| VersionRow {
            id: v.id,
            url: v.url.clone(),
            sha256: v.document_sha256.clone(),
            first_seen: v.first_seen.format("%-d %b %Y").to_string(),
            last_seen: v.last_seen.format("%-d %b %Y").to_string(),
            year: v.registry_year.map(|y| y.to_string()).unwrap_or_default(),
            verdict: v
                .status
                .map(|s| status_tag(s.as_str()).label.to_string())
                .unwrap_or_default(),
            score: v.score.map(|s| s.to_string()).unwrap_or_default(),
            homepage: match v.homepage.linked {
                Some(true) => "Linked from the homepage".into(),
                Some(false) => format!(
                    "Not linked (found via {})",
                    v.homepage.found_via.as_deref().unwrap_or("another route")
                ),
                None => "Unknown".into(),
            },
        })
        .collect();
    OrgPage {
        meta: Meta::new(o.name.clone(), "registry"),
        name: o.name.clone(),
        website: o.website.clone(),
        facts,
        parent: d.parent.clone(),
        members: d.members.clone(),
        years,
        versions,
        declarations: d.declarations.iter().map(decl).collect(),
    }
    .render()
    .map(Html)
    .map_err(|e| WebError::Internal(format!("template: {e}")))
}
