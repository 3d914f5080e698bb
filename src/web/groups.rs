//! `GET /groups/{id}` and `GET /api/groups/{id}`: a group parent, its
//! statements by registry year, and for each statement which members it
//! names (with the quote). `id` is the parent's organisation id; a member's
//! or a lone organisation's id is a 404 that says where to look instead.

use super::AppState;
use super::errors::{ApiError, WebError};
use super::page::Meta;
use super::query::path_id;
use super::view::{Tag, shorten, status_tag};
use crate::registry::group::{COVERAGE_RULE, GroupDetail, GroupError, group_detail};
use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};

pub struct MemberRow {
    pub id: i64,
    pub name: String,
    pub org_type: String,
    pub named: bool,
    /// The first quote naming the member, shortened.
    pub quote: String,
}

pub struct StatementBlock {
    pub id: i64,
    pub year: String,
    pub tag: Tag,
    pub covers: bool,
    pub score: String,
    pub url: String,
    pub named: usize,
    pub members: Vec<MemberRow>,
}

#[derive(Template)]
#[template(path = "group.html")]
struct GroupPage {
    meta: Meta,
    parent_id: i64,
    parent_name: String,
    parent_type: String,
    public_bodies: bool,
    members: Vec<(i64, String)>,
    statements: Vec<StatementBlock>,
    coverage_rule: &'static str,
}

fn not_found(e: GroupError) -> WebError {
    match e {
        GroupError::Store(e) => WebError::Internal(format!("group: {e}")),
        other => WebError::NotFound(other.to_string()),
    }
}

async fn load(state: &AppState, raw: &str) -> Result<GroupDetail, WebError> {
    let id = path_id(raw)?;
    group_detail(state.store()?, id).await.map_err(not_found)
}

fn type_label(t: Option<crate::domain::OrgType>) -> String {
    t.map(|t| t.as_str().replace('_', " ")).unwrap_or_default()
}

pub async fn page(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Html<String>, WebError> {
    let g = load(&state, &raw).await?;
    let public = |t: Option<crate::domain::OrgType>| {
        matches!(
            t.map(|t| t.as_str()),
            Some("nhs" | "local_authority" | "public_body")
        )
    };
    let public_bodies = public(g.parent.org_type) && g.members.iter().all(|m| public(m.org_type));
    let statements = g
        .statements
        .iter()
        .map(|s| {
            let status = s.version.status.map(|x| x.as_str()).unwrap_or("");
            StatementBlock {
                id: s.version.id,
                year: s
                    .version
                    .registry_year
                    .map(|y| y.to_string())
                    .unwrap_or_else(|| "Unknown".into()),
                tag: status_tag(status),
                covers: matches!(status, "compliant" | "review"),
                score: s.version.score.map(|x| x.to_string()).unwrap_or_default(),
                url: s.version.url.clone(),
                named: s.coverage.iter().filter(|c| c.named).count(),
                members: s
                    .coverage
                    .iter()
                    .map(|c| MemberRow {
                        id: c.organisation.id,
                        name: c.organisation.name.clone(),
                        org_type: type_label(
                            g.members
                                .iter()
                                .find(|m| m.id == c.organisation.id)
                                .and_then(|m| m.org_type),
                        ),
                        named: c.named,
                        quote: c
                            .evidence
                            .first()
                            .map(|e| shorten(&e.quote, 160))
                            .unwrap_or_default(),
                    })
                    .collect(),
            }
        })
        .collect();
    GroupPage {
        meta: Meta::new(format!("Group: {}", g.parent.name), "registry"),
        parent_id: g.parent.id,
        parent_name: g.parent.name.clone(),
        parent_type: type_label(g.parent.org_type),
        public_bodies,
        members: g.members.iter().map(|m| (m.id, m.name.clone())).collect(),
        statements,
        coverage_rule: COVERAGE_RULE,
    }
    .render()
    .map(Html)
    .map_err(|e| WebError::Internal(format!("template: {e}")))
}

pub async fn api(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(load(&state, &raw).await?).into_response())
}
