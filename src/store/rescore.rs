//! Support for `s54 rescore`: read versions in id order, write back new
//! assessments (derived data only: a version's bytes, URL and dates never change).

use super::write::{BeginWrite, Derived, bind_derived, derive, mark_latest_in_year};
use super::{Backend, Result, Store, StoreError, on_backend};
use crate::domain::{Assessment, Block, OrgType, SourceInfo, SourceKind};
use crate::registry::YearEnd;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeSet, HashMap};

/// Versions whose context is read with one query.
const CONTEXT_CHUNK: usize = 1_000;

/// A stored version as the checker needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct RescoreItem {
    pub id: i64,
    pub organisation_id: i64,
    pub url: String,
    pub text: String,
    pub blocks: Vec<Block>,
    /// From the previous assessment, or rebuilt from the stored document.
    pub source: SourceInfo,
    pub notes: Vec<String>,
    pub org_type: Option<OrgType>,
    pub first_seen: DateTime<Utc>,
    /// The publication date the server or the PDF gave, if any.
    pub published: Option<NaiveDate>,
    /// The organisation's officers on the Companies House register, if loaded.
    pub officers: Vec<crate::domain::Officer>,
}

/// Organisation, its usual year end, first seen, homepage link, registry
/// year, publication date.
type VersionContext = (
    i64,
    Option<String>,
    DateTime<Utc>,
    Option<bool>,
    Option<i32>,
    Option<NaiveDate>,
);

/// A version's id and its [`VersionContext`], as read by `context_cols!`.
type ContextRow = (
    i64,
    i64,
    Option<String>,
    DateTime<Utc>,
    Option<bool>,
    Option<i32>,
    Option<NaiveDate>,
);

/// Selects a [`ContextRow`]; the caller appends the `WHERE` condition on `v.id`.
macro_rules! context_cols {
    () => {
        "v.id, v.organisation_id, o.financial_year_end, v.first_seen, v.homepage_link, v.registry_year, \
         v.published FROM statement_versions v JOIN organisations o ON o.id = v.organisation_id"
    };
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    organisation_id: i64,
    url: String,
    text: String,
    blocks: Option<String>,
    assessment: Option<String>,
    document_sha256: String,
    size: i64,
    content_type: Option<String>,
    org_type: Option<String>,
    first_seen: DateTime<Utc>,
    published: Option<NaiveDate>,
    company_number: Option<String>,
}

#[derive(serde::Deserialize)]
struct SourceOnly {
    source: SourceInfo,
    #[serde(default)]
    notes: Vec<String>,
}

fn kind_of(content_type: Option<&str>) -> SourceKind {
    match content_type.unwrap_or("") {
        t if t.contains("pdf") => SourceKind::Pdf,
        t if t.contains("html") => SourceKind::Html,
        t if t.contains("wordprocessingml") => SourceKind::Docx,
        _ => SourceKind::Text,
    }
}

impl Store {
    /// Up to `limit` versions with id greater than `after_id`, in id order.
    pub async fn versions_for_rescore(
        &self,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<RescoreItem>> {
        self.versions_for_rescore_of(None, after_id, limit).await
    }

    /// [`Store::versions_for_rescore`], of one organisation when `org` is given.
    pub async fn versions_for_rescore_of(
        &self,
        org: Option<i64>,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<RescoreItem>> {
        let rows: Vec<Row> = on_backend!(self, pool => {
            sqlx::query_as(
                "SELECT v.id, v.organisation_id, v.url, v.text, v.blocks, v.assessment, v.document_sha256, \
                 d.size, d.content_type, o.org_type, v.first_seen, v.published, o.company_number \
                 FROM statement_versions v \
                 JOIN documents d ON d.sha256 = v.document_sha256 \
                 JOIN organisations o ON o.id = v.organisation_id \
                 WHERE v.id > $1 AND ($3 IS NULL OR v.organisation_id = $3) ORDER BY v.id LIMIT $2",
            )
            .bind(after_id)
            .bind(i64::from(limit))
            .bind(org)
            .fetch_all(pool)
            .await?
        });
        let mut numbers: Vec<String> = rows
            .iter()
            .filter_map(|r| r.company_number.clone())
            .collect();
        numbers.sort_unstable();
        numbers.dedup();
        let officers = self.officers_by_company(&numbers).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let old: Option<SourceOnly> = r
                    .assessment
                    .as_deref()
                    .and_then(|j| serde_json::from_str(j).ok());
                let (source, notes) = match old {
                    Some(o) => (o.source, o.notes),
                    None => (
                        SourceInfo {
                            kind: kind_of(r.content_type.as_deref()),
                            name: r.url.clone(),
                            bytes: r.size.max(0) as u64,
                            sha256: r.document_sha256.clone(),
                        },
                        Vec::new(),
                    ),
                };
                RescoreItem {
                    id: r.id,
                    organisation_id: r.organisation_id,
                    url: r.url,
                    blocks: r
                        .blocks
                        .as_deref()
                        .and_then(|b| serde_json::from_str(b).ok())
                        .unwrap_or_default(),
                    text: r.text,
                    source,
                    notes,
                    org_type: r.org_type.and_then(|t| t.parse().ok()),
                    first_seen: r.first_seen,
                    published: r.published,
                    officers: r
                        .company_number
                        .as_ref()
                        .and_then(|n| officers.get(n).cloned())
                        .unwrap_or_default(),
                }
            })
            .collect())
    }

    /// Replaces the assessments of the given versions (and everything derived
    /// from them: year, status, reasons, score…) in one transaction: the
    /// batch is written whole or not at all.
    ///
    /// SQLite writes one `UPDATE` per version (cheap in process). On
    /// PostgreSQL each statement is a round trip and a server-side
    /// execution, so the batch goes in as a handful of statements over
    /// arrays (`UNNEST`): one for the versions, one for the latest-in-year
    /// flags and one for the organisations' first years.
    pub async fn update_assessments(&self, items: &[(i64, Assessment)]) -> Result<()> {
        match &self.backend {
            Backend::Sqlite(pool) => {
                let mut tx = pool.begin_write().await?;
                let mut touched: BTreeSet<(i64, i32)> = BTreeSet::new();
                let mut orgs: BTreeSet<i64> = BTreeSet::new();
                // Every version's context in one query per chunk (inside the
                // transaction, so it is what the writes below build on).
                let mut contexts: HashMap<i64, VersionContext> =
                    HashMap::with_capacity(items.len());
                for chunk in items.chunks(CONTEXT_CHUNK) {
                    let mut qb = sqlx::QueryBuilder::new(concat!(
                        "SELECT ",
                        context_cols!(),
                        " WHERE v.id IN ("
                    ));
                    let mut sep = qb.separated(", ");
                    for (id, _) in chunk {
                        sep.push_bind(*id);
                    }
                    qb.push(")");
                    let rows: Vec<ContextRow> = qb.build_query_as().fetch_all(&mut *tx).await?;
                    for (id, org, fye, first_seen, linked, year, published) in rows {
                        contexts.insert(id, (org, fye, first_seen, linked, year, published));
                    }
                }
                for (id, a) in items {
                    let Some((org, fye, first_seen, linked, old_year, published)) =
                        contexts.remove(id)
                    else {
                        continue;
                    };
                    let (d, json) = rederive(a, fye.as_deref(), first_seen, linked, published)?;
                    bind_derived!(
                    sqlx::query(
                        "UPDATE statement_versions SET assessment=$2, fy_start=$3, fy_end=$4, registry_year=$5, \
                         year_basis=$6, verdict=$7, score=$8, status=$9, reasons=$10, approval_present=$11, \
                         approval_date=$12, signature_present=$13, signatory=$14, areas_covered=$15, late=$16 WHERE id=$1",
                    )
                    .bind(id)
                    .bind(json),
                        d
                    )
                    .execute(&mut *tx)
                    .await?;
                    if old_year != Some(d.registry_year) {
                        if let Some(y) = old_year {
                            touched.insert((org, y));
                        }
                        touched.insert((org, d.registry_year));
                        orgs.insert(org);
                    }
                }
                for (org, year) in touched {
                    mark_latest_in_year!(tx, org, year);
                }
                for org in orgs {
                    sqlx::query(
                        "UPDATE organisations SET first_year = (SELECT MIN(y) FROM (\
                         SELECT registry_year AS y FROM statement_versions WHERE organisation_id = $1 \
                         UNION ALL SELECT year AS y FROM registry_declarations WHERE organisation_id = $1) t) WHERE id = $1",
                    )
                    .bind(org)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
            }
            Backend::Postgres(pool) => {
                let mut tx = pool.begin_write().await?;
                let ids: Vec<i64> = items.iter().map(|(id, _)| *id).collect();
                let rows: Vec<ContextRow> =
                    sqlx::query_as(concat!("SELECT ", context_cols!(), " WHERE v.id = ANY($1)"))
                        .bind(&ids)
                        .fetch_all(&mut *tx)
                        .await?;
                let mut contexts: HashMap<i64, VersionContext> = HashMap::with_capacity(rows.len());
                for (id, org, fye, first_seen, linked, year, published) in rows {
                    contexts.insert(id, (org, fye, first_seen, linked, year, published));
                }
                let mut cols = PgColumns::with_capacity(items.len());
                let mut touched: BTreeSet<(i64, i32)> = BTreeSet::new();
                let mut orgs: BTreeSet<i64> = BTreeSet::new();
                for (id, a) in items {
                    // A version gone since it was read (or listed twice) is
                    // skipped, as on SQLite.
                    let Some((org, fye, first_seen, linked, old_year, published)) =
                        contexts.remove(id)
                    else {
                        continue;
                    };
                    let (d, json) = rederive(a, fye.as_deref(), first_seen, linked, published)?;
                    if old_year != Some(d.registry_year) {
                        if let Some(y) = old_year {
                            touched.insert((org, y));
                        }
                        touched.insert((org, d.registry_year));
                        orgs.insert(org);
                    }
                    cols.push(*id, json, d);
                }
                if !cols.id.is_empty() {
                    sqlx::query(
                        "UPDATE statement_versions AS v SET assessment = u.assessment, fy_start = u.fy_start, \
                         fy_end = u.fy_end, registry_year = u.registry_year, year_basis = u.year_basis, \
                         verdict = u.verdict, score = u.score, status = u.status, reasons = u.reasons, \
                         approval_present = u.approval_present, approval_date = u.approval_date, \
                         signature_present = u.signature_present, signatory = u.signatory, \
                         areas_covered = u.areas_covered, late = u.late \
                         FROM UNNEST($1::bigint[], $2::text[], $3::date[], $4::date[], $5::integer[], $6::text[], \
                         $7::text[], $8::integer[], $9::text[], $10::text[], $11::boolean[], $12::date[], \
                         $13::boolean[], $14::text[], $15::text[], $16::boolean[]) \
                         AS u(id, assessment, fy_start, fy_end, registry_year, year_basis, verdict, score, status, \
                         reasons, approval_present, approval_date, signature_present, signatory, areas_covered, late) \
                         WHERE v.id = u.id",
                    )
                    .bind(&cols.id)
                    .bind(&cols.assessment)
                    .bind(&cols.fy_start)
                    .bind(&cols.fy_end)
                    .bind(&cols.registry_year)
                    .bind(&cols.year_basis)
                    .bind(&cols.verdict)
                    .bind(&cols.score)
                    .bind(&cols.status)
                    .bind(&cols.reasons)
                    .bind(&cols.approval_present)
                    .bind(&cols.approval_date)
                    .bind(&cols.signature_present)
                    .bind(&cols.signatory)
                    .bind(&cols.areas_covered)
                    .bind(&cols.late)
                    .execute(&mut *tx)
                    .await?;
                }
                if !touched.is_empty() {
                    let (t_org, t_year): (Vec<i64>, Vec<i32>) = touched.into_iter().unzip();
                    // For every (organisation, year) touched: the latest version
                    // counts, the others not (as `mark_latest_in_year!`).
                    sqlx::query(
                        "UPDATE statement_versions AS v SET latest_in_year = (v.id = l.id) \
                         FROM (SELECT DISTINCT ON (v2.organisation_id, v2.registry_year) \
                         v2.organisation_id, v2.registry_year, v2.id \
                         FROM statement_versions v2 \
                         JOIN UNNEST($1::bigint[], $2::integer[]) AS t(org, year) \
                         ON v2.organisation_id = t.org AND v2.registry_year = t.year \
                         ORDER BY v2.organisation_id, v2.registry_year, v2.first_seen DESC, v2.id DESC) AS l \
                         WHERE v.organisation_id = l.organisation_id AND v.registry_year = l.registry_year",
                    )
                    .bind(&t_org)
                    .bind(&t_year)
                    .execute(&mut *tx)
                    .await?;
                }
                if !orgs.is_empty() {
                    let orgs: Vec<i64> = orgs.into_iter().collect();
                    sqlx::query(
                        "UPDATE organisations AS o SET first_year = (SELECT MIN(y) FROM (\
                         SELECT registry_year AS y FROM statement_versions WHERE organisation_id = o.id \
                         UNION ALL SELECT year AS y FROM registry_declarations WHERE organisation_id = o.id) t) \
                         WHERE o.id = ANY($1)",
                    )
                    .bind(&orgs)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
            }
        }
        Ok(())
    }
}

/// The derived columns of a batch, one array per column (PostgreSQL `UNNEST`).
struct PgColumns {
    id: Vec<i64>,
    assessment: Vec<String>,
    fy_start: Vec<Option<NaiveDate>>,
    fy_end: Vec<Option<NaiveDate>>,
    registry_year: Vec<i32>,
    year_basis: Vec<&'static str>,
    verdict: Vec<Option<String>>,
    score: Vec<Option<i32>>,
    status: Vec<&'static str>,
    reasons: Vec<String>,
    approval_present: Vec<Option<bool>>,
    approval_date: Vec<Option<NaiveDate>>,
    signature_present: Vec<Option<bool>>,
    signatory: Vec<Option<String>>,
    areas_covered: Vec<String>,
    late: Vec<Option<bool>>,
}

impl PgColumns {
    fn with_capacity(n: usize) -> PgColumns {
        PgColumns {
            id: Vec::with_capacity(n),
            assessment: Vec::with_capacity(n),
            fy_start: Vec::with_capacity(n),
            fy_end: Vec::with_capacity(n),
            registry_year: Vec::with_capacity(n),
            year_basis: Vec::with_capacity(n),
            verdict: Vec::with_capacity(n),
            score: Vec::with_capacity(n),
            status: Vec::with_capacity(n),
            reasons: Vec::with_capacity(n),
            approval_present: Vec::with_capacity(n),
            approval_date: Vec::with_capacity(n),
            signature_present: Vec::with_capacity(n),
            signatory: Vec::with_capacity(n),
            areas_covered: Vec::with_capacity(n),
            late: Vec::with_capacity(n),
        }
    }

    fn push(&mut self, id: i64, assessment: String, d: Derived) {
        self.id.push(id);
        self.assessment.push(assessment);
        self.fy_start.push(d.fy_start);
        self.fy_end.push(d.fy_end);
        self.registry_year.push(d.registry_year);
        self.year_basis.push(d.year_basis);
        self.verdict.push(d.verdict);
        self.score.push(d.score);
        self.status.push(d.status.as_str());
        self.reasons.push(d.reasons);
        self.approval_present.push(d.approval_present);
        self.approval_date.push(d.approval_date);
        self.signature_present.push(d.signature_present);
        self.signatory.push(d.signatory);
        self.areas_covered.push(d.areas_covered);
        self.late.push(d.late);
    }
}

/// The columns a version's new assessment derives, and the assessment as
/// stored (JSON), from the version's context.
fn rederive(
    a: &Assessment,
    usual_year_end: Option<&str>,
    first_seen: DateTime<Utc>,
    linked: Option<bool>,
    published: Option<NaiveDate>,
) -> Result<(Derived, String)> {
    let usual = usual_year_end.and_then(|f| YearEnd::parse(f).ok());
    let d = derive(Some(a), usual, first_seen, linked, published);
    let json = serde_json::to_string(a).map_err(|e| StoreError::Invalid(e.to_string()))?;
    Ok((d, json))
}
