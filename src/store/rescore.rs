//! Support for `s54 rescore`: read versions in id order, write back new
//! assessments (derived data only: a version's bytes, URL and dates never change).

use super::write::{BeginWrite, derive, mark_latest_in_year};
use super::{Result, Store, StoreError, on_backend};
use crate::domain::{Assessment, Block, OrgType, SourceInfo, SourceKind};
use crate::registry::YearEnd;
use chrono::{DateTime, Utc};
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
}

/// Organisation, its usual year end, first seen, homepage link, registry year.
type VersionContext = (
    i64,
    Option<String>,
    DateTime<Utc>,
    Option<bool>,
    Option<i32>,
);

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
        let rows: Vec<Row> = on_backend!(self, pool => {
            sqlx::query_as(
                "SELECT v.id, v.organisation_id, v.url, v.text, v.blocks, v.assessment, v.document_sha256, \
                 d.size, d.content_type, o.org_type, v.first_seen FROM statement_versions v \
                 JOIN documents d ON d.sha256 = v.document_sha256 \
                 JOIN organisations o ON o.id = v.organisation_id \
                 WHERE v.id > $1 ORDER BY v.id LIMIT $2",
            )
            .bind(after_id)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
        });
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
                }
            })
            .collect())
    }

    /// Replaces the assessments of the given versions (and everything derived
    /// from them: year, status, reasons, score…) in one transaction.
    pub async fn update_assessments(&self, items: &[(i64, Assessment)]) -> Result<()> {
        on_backend!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mut touched: BTreeSet<(i64, i32)> = BTreeSet::new();
            let mut orgs: BTreeSet<i64> = BTreeSet::new();
            // Every version's context in one query (inside the transaction,
            // so it is what the writes below build on).
            let mut contexts: HashMap<i64, VersionContext> = HashMap::with_capacity(items.len());
            for chunk in items.chunks(CONTEXT_CHUNK) {
                let mut qb = sqlx::QueryBuilder::new(
                    "SELECT v.id, v.organisation_id, o.financial_year_end, v.first_seen, v.homepage_link, v.registry_year \
                     FROM statement_versions v JOIN organisations o ON o.id = v.organisation_id WHERE v.id IN (",
                );
                let mut sep = qb.separated(", ");
                for (id, _) in chunk {
                    sep.push_bind(*id);
                }
                qb.push(")");
                let rows: Vec<(i64, i64, Option<String>, DateTime<Utc>, Option<bool>, Option<i32>)> =
                    qb.build_query_as().fetch_all(&mut *tx).await?;
                for (id, org, fye, first_seen, linked, year) in rows {
                    contexts.insert(id, (org, fye, first_seen, linked, year));
                }
            }
            for (id, a) in items {
                let Some((org, fye, first_seen, linked, old_year)) = contexts.remove(id) else {
                    continue;
                };
                let usual = fye.as_deref().and_then(|f| YearEnd::parse(f).ok());
                let d = derive(Some(a), usual, first_seen, linked);
                let json = serde_json::to_string(a).map_err(|e| StoreError::Invalid(e.to_string()))?;
                sqlx::query(
                    "UPDATE statement_versions SET assessment=$2, fy_start=$3, fy_end=$4, registry_year=$5, \
                     year_basis=$6, verdict=$7, score=$8, status=$9, reasons=$10, approval_present=$11, \
                     approval_date=$12, signature_present=$13, signatory=$14, areas_covered=$15, late=$16 WHERE id=$1",
                )
                .bind(id)
                .bind(json)
                .bind(d.fy_start)
                .bind(d.fy_end)
                .bind(d.registry_year)
                .bind(d.year_basis)
                .bind(&d.verdict)
                .bind(d.score)
                .bind(d.status.as_str())
                .bind(&d.reasons)
                .bind(d.approval_present)
                .bind(d.approval_date)
                .bind(d.signature_present)
                .bind(&d.signatory)
                .bind(&d.areas_covered)
                .bind(d.late)
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
        });
        Ok(())
    }
}
