//! Officers from the Companies House register: stored per company number,
//! replaced whole when a company's list is loaded again.

use super::write::BeginWrite;
use super::{Result, Store, now, on_backend};
use crate::domain::Officer;
use chrono::NaiveDate;
use std::collections::HashMap;

/// How a company's officer list was loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOutcome {
    Found,
    /// The register has no such company (404): not asked again.
    NotFound,
}

impl ListOutcome {
    fn as_str(self) -> &'static str {
        match self {
            ListOutcome::Found => "found",
            ListOutcome::NotFound => "not_found",
        }
    }
}

type OfficerRow = (String, String, String, Option<NaiveDate>, Option<NaiveDate>);

impl Store {
    /// Replaces a company's officers with `officers`, in one transaction.
    /// Returns whether anything changed.
    pub async fn replace_officers(
        &self,
        company_number: &str,
        officers: &[Officer],
        outcome: ListOutcome,
    ) -> Result<bool> {
        let before = self.officers_of(company_number).await?;
        let changed = before != officers;
        on_backend!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if changed {
                sqlx::query("DELETE FROM officers WHERE company_number = $1")
                    .bind(company_number)
                    .execute(&mut *tx)
                    .await?;
                for o in officers {
                    sqlx::query(
                        "INSERT INTO officers (company_number, name, officer_role, appointed_on, resigned_on) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(company_number)
                    .bind(&o.name)
                    .bind(&o.officer_role)
                    .bind(o.appointed_on)
                    .bind(o.resigned_on)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            sqlx::query(
                "INSERT INTO officer_lists (company_number, outcome, total_results, loaded_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (company_number) DO UPDATE SET outcome = excluded.outcome, \
                 total_results = excluded.total_results, loaded_at = excluded.loaded_at",
            )
            .bind(company_number)
            .bind(outcome.as_str())
            .bind(i64::try_from(officers.len()).unwrap_or(i64::MAX))
            .bind(now())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(changed)
    }

    /// A company's officers, in the order they were loaded.
    pub async fn officers_of(&self, company_number: &str) -> Result<Vec<Officer>> {
        let rows: Vec<OfficerRow> = on_backend!(self, pool => {
            sqlx::query_as(
                "SELECT company_number, name, officer_role, appointed_on, resigned_on FROM officers \
                 WHERE company_number = $1 ORDER BY id",
            )
            .bind(company_number)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(|r| to_officer(r).1).collect())
    }

    /// The officers of every company in `numbers`, by company number.
    pub async fn officers_by_company(
        &self,
        numbers: &[String],
    ) -> Result<HashMap<String, Vec<Officer>>> {
        let mut out: HashMap<String, Vec<Officer>> = HashMap::new();
        for chunk in numbers.chunks(500) {
            let rows: Vec<OfficerRow> = on_backend!(self, pool => {
                let mut qb = sqlx::QueryBuilder::new(
                    "SELECT company_number, name, officer_role, appointed_on, resigned_on FROM officers \
                     WHERE company_number IN (",
                );
                let mut sep = qb.separated(", ");
                for n in chunk {
                    sep.push_bind(n.clone());
                }
                qb.push(") ORDER BY id");
                qb.build_query_as().fetch_all(pool).await?
            });
            for r in rows {
                let (n, o) = to_officer(r);
                out.entry(n).or_default().push(o);
            }
        }
        Ok(out)
    }

    /// Company numbers of organisations whose officer list has not been
    /// loaded yet, in order (what `s54 officers fetch` still has to do).
    pub async fn companies_without_officers(&self) -> Result<Vec<String>> {
        Ok(on_backend!(self, pool => {
            sqlx::query_scalar(
                "SELECT DISTINCT o.company_number FROM organisations o WHERE o.company_number IS NOT NULL \
                 AND NOT EXISTS (SELECT 1 FROM officer_lists l WHERE l.company_number = o.company_number) \
                 ORDER BY o.company_number",
            )
            .fetch_all(pool)
            .await?
        }))
    }

    /// Organisations with this company number.
    pub async fn organisations_with_company(&self, company_number: &str) -> Result<Vec<i64>> {
        Ok(on_backend!(self, pool => {
            sqlx::query_scalar("SELECT id FROM organisations WHERE company_number = $1 ORDER BY id")
                .bind(company_number)
                .fetch_all(pool)
                .await?
        }))
    }
}

fn to_officer(r: OfficerRow) -> (String, Officer) {
    (
        r.0,
        Officer {
            name: r.1,
            officer_role: r.2,
            appointed_on: r.3,
            resigned_on: r.4,
        },
    )
}
