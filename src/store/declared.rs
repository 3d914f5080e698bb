//! Declarations on the Government registry with the statement each one
//! describes: the statement at the declared address, else the one that
//! counts for the declared year.

use super::write::parse_areas;
use super::write::{DeclRow, decl_cols};
use super::{Result, Store, on_backend};
use crate::registry::declared::{Declared, DeclaredCheck, Written, compare};
use chrono::NaiveDate;
use std::collections::HashMap;

#[derive(sqlx::FromRow)]
struct DeclKey {
    organisation_id: i64,
    year: i32,
    summary_url: String,
    #[sqlx(flatten)]
    row: DeclRow,
}

/// The version columns a comparison reads.
#[derive(sqlx::FromRow, Clone)]
struct VersionSide {
    id: i64,
    organisation_id: i64,
    url: String,
    registry_year: Option<i32>,
    latest_in_year: bool,
    areas_covered: String,
    approval_date: Option<NaiveDate>,
    fy_end: Option<NaiveDate>,
    year_basis: String,
    is_group: bool,
}

impl Store {
    /// Every declaration (of one organisation when `org` is given) compared
    /// with its statement, by organisation and year.
    pub async fn declared_checks(&self, org: Option<i64>) -> Result<Vec<DeclaredCheck>> {
        type Names = Vec<(i64, String)>;
        let (decls, versions, names): (Vec<DeclKey>, Vec<VersionSide>, Names) = on_backend!(self, pool => {
            let decls = sqlx::query_as(concat!(
                "SELECT organisation_id, year, summary_url, ",
                decl_cols!(),
                " FROM registry_declarations WHERE ($1 IS NULL OR organisation_id = $1) \
                 ORDER BY organisation_id, year, id"
            ))
            .bind(org)
            .fetch_all(pool)
            .await?;
            let names = sqlx::query_as(
                "SELECT id, name FROM organisations WHERE ($1 IS NULL OR id = $1) \
                 AND id IN (SELECT organisation_id FROM registry_declarations)",
            )
            .bind(org)
            .fetch_all(pool)
            .await?;
            // `is_group` is read from the stored check's JSON text (written
            // compactly by serde), on both backends alike.
            let versions = sqlx::query_as(
                "SELECT v.id, v.organisation_id, v.url, v.registry_year, v.latest_in_year, v.areas_covered, \
                 v.approval_date, v.fy_end, v.year_basis, \
                 (COALESCE(v.assessment, '') LIKE '%\"is_group\":true%') AS is_group \
                 FROM statement_versions v WHERE ($1 IS NULL OR v.organisation_id = $1) \
                 AND EXISTS (SELECT 1 FROM registry_declarations d WHERE d.organisation_id = v.organisation_id \
                 AND ((d.year = v.registry_year AND v.latest_in_year = TRUE) OR d.statement_url = v.url)) \
                 ORDER BY v.id",
            )
            .bind(org)
            .fetch_all(pool)
            .await?;
            (decls, versions, names)
        });
        let names: HashMap<i64, String> = names.into_iter().collect();
        let mut by_org: HashMap<i64, Vec<VersionSide>> = HashMap::new();
        for v in versions {
            by_org.entry(v.organisation_id).or_default().push(v);
        }
        Ok(decls
            .into_iter()
            .map(|k| {
                let (org_id, year) = (k.organisation_id, k.year);
                let name = names.get(&org_id).cloned().unwrap_or_default();
                let d = k.row.into_domain(org_id, year, k.summary_url);
                let own = by_org.get(&org_id).map(Vec::as_slice).unwrap_or_default();
                let at_url = d
                    .statement_url
                    .as_deref()
                    .and_then(|u| own.iter().rev().find(|v| v.url == u));
                let v = at_url.or_else(|| {
                    own.iter()
                        .find(|v| v.registry_year == Some(year) && v.latest_in_year)
                });
                let declared_areas: Vec<&'static str> = d.areas.iter().map(|a| a.key()).collect();
                let Some(v) = v else {
                    return DeclaredCheck {
                        organisation_id: org_id,
                        name,
                        year,
                        statement_id: None,
                        declared_areas,
                        unsupported_areas: Vec::new(),
                        other: Vec::new(),
                    };
                };
                let declared = Declared {
                    areas: d.areas.clone(),
                    date_approved: d.date_approved,
                    period_end: d.period_end,
                    group_submission: d.group_submission,
                };
                let written = Written {
                    areas: parse_areas(&v.areas_covered),
                    approval_date: v.approval_date,
                    stated_fy_end: v.fy_end.filter(|_| v.year_basis == "statement"),
                    is_group: v.is_group,
                };
                let (unsupported_areas, other) = compare(&declared, &written);
                DeclaredCheck {
                    organisation_id: org_id,
                    name,
                    year,
                    statement_id: Some(v.id),
                    declared_areas,
                    unsupported_areas,
                    other,
                }
            })
            .collect())
    }
}

impl Store {
    /// Per registry year, how many counting statements repeat the year
    /// before's text (the same words apart from dates).
    pub async fn copied_by_year(&self) -> Result<Vec<(i32, i64)>> {
        Ok(on_backend!(self, pool => {
            sqlx::query_as(
                "SELECT v.registry_year, COUNT(*) FROM statement_versions v \
                 WHERE v.latest_in_year = TRUE AND v.registry_year IS NOT NULL AND v.text_fingerprint IS NOT NULL \
                 AND EXISTS (SELECT 1 FROM statement_versions c WHERE c.organisation_id = v.organisation_id \
                 AND c.text_fingerprint = v.text_fingerprint AND c.registry_year = v.registry_year - 1) \
                 GROUP BY v.registry_year ORDER BY v.registry_year DESC",
            )
            .fetch_all(pool)
            .await?
        }))
    }
}
