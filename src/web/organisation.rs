//! `GET /organisations/{id}`: every reporting year with status and reasons,
//! every statement version, the group, and what the organisation declared on
//! the Government registry beside what s54 found.

use super::AppState;
use super::errors::WebError;
use super::page::{Meta, thousands};
use super::query::path_id;
use super::view::{Reason, Tag, reasons_in_words, status_tag, year_end_words};
use crate::registry::group::{COVERAGE_RULE, MemberNamed, names_member};
use crate::store::{Declaration, OrgRef, Organisation, Store};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use std::collections::HashMap;

/// A year (or the page) covered by the group parent's statement.
pub struct Covered {
    pub parent_id: i64,
    pub parent_name: String,
    pub statement_id: i64,
    pub year: String,
    pub named: bool,
    pub quote: String,
}

pub struct YearRow {
    pub year: i32,
    pub covered: Option<Covered>,
    pub tag: Tag,
    pub reasons: Vec<Reason>,
    pub statement_id: Option<i64>,
    pub areas: String,
    pub score: String,
    pub late: String,
    /// What was found for a missing year (an earlier year's statement).
    pub note: String,
    pub copied_from: Option<i32>,
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
    /// How the year was found, and the earlier year it repeats.
    pub year_basis: String,
    pub copied_from: Option<i32>,
}

/// A declaration compared with its statement.
pub struct DeclaredRow {
    pub year: i32,
    pub statement_id: Option<i64>,
    /// Declared areas the text does not support, by title.
    pub unsupported: String,
    pub other: Vec<String>,
}

/// One year's turnover from filed accounts.
pub struct TurnoverRow {
    pub year: i32,
    pub period: String,
    pub turnover: String,
    pub basis: &'static str,
    pub employees: String,
    pub in_scope: String,
    pub source: String,
}

fn turnover_row(t: &crate::store::TurnoverYear) -> TurnoverRow {
    let amount = if t.currency == "GBP" {
        format!("£{}", thousands(t.turnover))
    } else {
        format!("{} {}", thousands(t.turnover), t.currency)
    };
    TurnoverRow {
        year: t.year,
        period: match t.period_start {
            Some(s) => format!("{s} to {}", t.period_end),
            None => format!("ending {}", t.period_end),
        },
        turnover: amount,
        basis: match (t.consolidated, t.dormant) {
            (_, true) => "Dormant company",
            (true, false) => "Group (consolidated)",
            (false, false) => "Company",
        },
        employees: t.employees.map(thousands).unwrap_or_default(),
        in_scope: match t.in_scope {
            Some(true) => "Yes (£36m or more)".into(),
            Some(false) => "No (under £36m)".into(),
            None => format!("Not judged (turnover in {})", t.currency),
        },
        source: t.source.clone(),
    }
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
    id: i64,
    parent: Option<OrgRef>,
    members: Vec<OrgRef>,
    /// What the parent's latest group statement says about this member.
    group_statement: Option<Covered>,
    coverage_rule: &'static str,
    years: Vec<YearRow>,
    versions: Vec<VersionRow>,
    declarations: Vec<DeclRow>,
    turnovers: Vec<TurnoverRow>,
    declared: Vec<DeclaredRow>,
}

/// When the crawler last read the site, and its last failed attempt since:
/// a year with no statement is `missing` only after a complete look.
fn look_facts(o: &crate::store::Organisation) -> Vec<(&'static str, String)> {
    let when = |t: chrono::DateTime<chrono::Utc>| t.format("%-d %b %Y %H:%M UTC").to_string();
    let mut v = vec![(
        "Website last read",
        match o.looked_at {
            Some(t) => when(t),
            None => "Not yet: years without a statement are “not yet checked”, not missing".into(),
        },
    )];
    if let Some(f) = &o.crawl_failure {
        v.push((
            "Last attempt failed",
            format!(
                "{} — {} ({}); it will be tried again",
                when(f.at),
                f.message,
                f.kind
            ),
        ));
    }
    v
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
            (Some(s), Some(e)) => format!("{} to {}", s.format("%-d %B %Y"), e.format("%-d %B %Y")),
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

/// Whether each of the parent's statements names `member`, one look per
/// statement.
struct NamedCache<'a> {
    store: &'a Store,
    member: &'a Organisation,
    seen: HashMap<i64, Option<MemberNamed>>,
}

impl NamedCache<'_> {
    async fn get(&mut self, statement_id: i64) -> Result<Option<MemberNamed>, WebError> {
        if let Some(v) = self.seen.get(&statement_id) {
            return Ok(v.clone());
        }
        let got = names_member(self.store, statement_id, self.member)
            .await
            .map_err(|e| WebError::Internal(format!("group coverage: {e}")))?;
        self.seen.insert(statement_id, got.clone());
        Ok(got)
    }

    async fn covered(
        &mut self,
        parent: &OrgRef,
        statement_id: i64,
        year: String,
    ) -> Result<Covered, WebError> {
        let n = self.get(statement_id).await?;
        Ok(Covered {
            parent_id: parent.id,
            parent_name: parent.name.clone(),
            statement_id,
            year,
            named: n.as_ref().is_some_and(|n| n.named),
            quote: n
                .and_then(|n| n.evidence.into_iter().next())
                .map(|e| super::view::shorten(&e.quote, 160))
                .unwrap_or_default(),
        })
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
    let rules = state.rules();
    let money = |v: Option<i64>| {
        v.map(|v| format!("£{}", thousands(v)))
            .unwrap_or_else(|| "Not known".into())
    };
    let mut facts = vec![
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
                .as_deref()
                .map(year_end_words)
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
    facts.extend(look_facts(o));
    let mut cache = NamedCache {
        store,
        member: o,
        seen: HashMap::new(),
    };
    let mut covered_years = HashMap::new();
    if let Some(p) = &d.parent {
        for r in &d.years {
            if let (Some(_), Some(sid)) = (r.covered_by, r.statement_id) {
                covered_years.insert(r.year, cache.covered(p, sid, r.year.to_string()).await?);
            }
        }
    }
    // The parent's latest statement that counts for a year, and whether it
    // names this organisation.
    let group_statement = match &d.parent {
        Some(p) => {
            let latest = store
                .versions_of(p.id)
                .await
                .map_err(|e| WebError::Internal(format!("versions: {e}")))?
                .into_iter()
                .filter(|v| v.latest_in_year)
                .max_by_key(|v| (v.registry_year, v.id));
            match latest {
                Some(v) => Some(
                    cache
                        .covered(
                            p,
                            v.id,
                            v.registry_year.map(|y| y.to_string()).unwrap_or_default(),
                        )
                        .await?,
                ),
                None => None,
            }
        }
        None => None,
    };
    let years = d
        .years
        .iter()
        .rev()
        .map(|r| YearRow {
            year: r.year,
            covered: covered_years.remove(&r.year),
            tag: status_tag(r.status.as_str()),
            reasons: reasons_in_words(&rules, &r.reasons),
            statement_id: r.statement_id,
            areas: r
                .areas_covered
                .split(';')
                .filter(|s| !s.is_empty())
                .count()
                .to_string(),
            score: r.score.map(|s| s.to_string()).unwrap_or_default(),
            late: match (r.late, r.statement_id) {
                (Some(true), _) => "Late".into(),
                (Some(false), _) => "On time".into(),
                (None, Some(_)) => "Unknown".into(),
                (None, None) => String::new(),
            },
            note: r.missing_note.clone().unwrap_or_default(),
            copied_from: r.copied_from,
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
            year_basis: crate::registry::year::YearBasis::parse(&v.year_basis)
                .as_str()
                .replace('_', " "),
            copied_from: v.copied_from,
        })
        .collect();
    OrgPage {
        meta: Meta::new(o.name.clone(), "registry"),
        name: o.name.clone(),
        website: o.website.clone(),
        facts,
        id: o.id,
        group_statement,
        coverage_rule: COVERAGE_RULE,
        parent: d.parent.clone(),
        members: d.members.clone(),
        years,
        versions,
        declarations: d.declarations.iter().map(decl).collect(),
        turnovers: store
            .turnovers_of(o.id)
            .await
            .map_err(|e| WebError::Internal(format!("turnovers: {e}")))?
            .iter()
            .map(turnover_row)
            .collect(),
        declared: d
            .declared
            .iter()
            .map(|c| DeclaredRow {
                year: c.year,
                statement_id: c.statement_id,
                unsupported: c
                    .unsupported_areas
                    .iter()
                    .filter_map(|k| crate::domain::Area::ALL.into_iter().find(|a| a.key() == *k))
                    .map(|a| a.title())
                    .collect::<Vec<_>>()
                    .join("; "),
                other: c.other.clone(),
            })
            .collect(),
    }
    .render()
    .map(Html)
    .map_err(|e| WebError::Internal(format!("template: {e}")))
}
