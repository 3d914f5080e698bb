//! Turnover from Companies House accounts (`s54 accounts import`): one row
//! per organisation and period in `organisation_turnovers`, with the filing
//! it came from, and the organisation itself — added when its accounts put
//! it in scope and the registry does not know it yet, its turnover and year
//! end moved on when the filing is its latest. One transaction per batch:
//! a filing is recorded whole or not at all.

use super::write::BeginWrite;
use super::write::{upsert_organisations_in_postgres, upsert_organisations_in_sqlite};
use super::{OrgUpsert, Result, Store, Upserted, model::NewOrganisation, now};
use crate::domain::{Filing, OrgType};
use crate::registry::{YearEnd, registry_year};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;

/// One filing and where it came from (the member's name in the product).
#[derive(Debug, Clone)]
pub struct FilingRecord {
    pub filing: Filing,
    pub source: String,
}

/// What recording one filing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilingOutcome {
    /// A new organisation, in scope by these accounts.
    Added(i64),
    /// Turnover recorded for an organisation already in the registry.
    Recorded(i64),
    /// Not in the registry and not shown to be in scope: nothing stored.
    NotInScope,
}

/// Turnover of one organisation for one period (the organisation page).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct TurnoverYear {
    pub year: i32,
    pub period_start: Option<NaiveDate>,
    pub period_end: NaiveDate,
    pub turnover: i64,
    pub currency: String,
    pub consolidated: bool,
    pub dormant: bool,
    pub employees: Option<i64>,
    pub in_scope: Option<bool>,
    /// The filing the figure came from.
    pub source: String,
    pub imported_at: DateTime<Utc>,
}

/// `£36.0m` for messages and reasons.
fn millions(n: i64) -> String {
    format!("£{:.1}m", n as f64 / 1_000_000.0)
}

/// Companies House prefixes of LLP numbers (England and Wales, Scotland,
/// Northern Ireland).
fn org_type_of(company_number: &str) -> OrgType {
    if ["OC", "SO", "NC"]
        .iter()
        .any(|p| company_number.starts_with(p))
    {
        OrgType::Llp
    } else {
        OrgType::Company
    }
}

/// The scope reason written with the turnover of a filing.
fn scope_reason(r: &FilingRecord, amount: i64) -> String {
    let f = &r.filing;
    let cmp = if amount >= crate::domain::THRESHOLD_GBP {
        "≥"
    } else {
        "<"
    };
    let whose = if f.consolidated {
        "group accounts"
    } else {
        "company accounts"
    };
    format!(
        "turnover {} {cmp} £36m ({whose}, period ending {}, {})",
        millions(amount),
        f.period_end,
        r.source
    )
}

/// The upsert for one filing: `None` when nothing is to be stored.
fn upsert_for(
    r: &FilingRecord,
    known: Option<&(String, Option<NaiveDate>)>,
    latest: bool,
) -> Option<OrgUpsert> {
    let f = &r.filing;
    if known.is_none() && f.in_scope() != Some(true) {
        return None;
    }
    let gbp = f
        .turnover
        .as_ref()
        .filter(|t| t.currency == "GBP" && latest)
        .map(|t| t.amount);
    Some(OrgUpsert {
        organisation: NewOrganisation {
            // The registry's name stays; a new organisation takes the filed one.
            name: known
                .map(|(n, _)| n.clone())
                .unwrap_or_else(|| f.name.clone()),
            org_type: known.is_none().then(|| org_type_of(&f.company_number)),
            sector: known
                .is_none()
                .then(|| f.sic.as_ref().map(|s| format!("SIC {s}")))
                .flatten(),
            turnover_gbp: gbp,
            company_number: Some(f.company_number.clone()),
            financial_year_end: latest.then(|| YearEnd::from_date(f.period_end).to_string()),
            scope_reason: gbp.map(|a| scope_reason(r, a)),
            source: "accounts".into(),
            ..Default::default()
        },
        declaration: None,
    })
}

/// Records a batch inside one transaction (expanded once per backend).
macro_rules! record_filings_in_tx {
    ($conn:expr, $batch:expr, $upsert:ident) => {{
        let batch: &[FilingRecord] = $batch;
        let conn = $conn;
        let mut numbers: Vec<String> = batch.iter().map(|r| r.filing.company_number.clone()).collect();
        numbers.sort();
        numbers.dedup();
        // Company number → (registry name, latest period end with a turnover).
        let mut known: HashMap<String, (String, Option<NaiveDate>)> = HashMap::new();
        if !numbers.is_empty() {
            let mut qb = sqlx::QueryBuilder::new(
                "SELECT o.company_number, o.name, (SELECT MAX(t.period_end) FROM organisation_turnovers t \
                 WHERE t.organisation_id = o.id) FROM organisations o WHERE o.company_number IN (",
            );
            let mut sep = qb.separated(", ");
            for n in &numbers {
                sep.push_bind(n.clone());
            }
            qb.push(")");
            let rows: Vec<(String, String, Option<NaiveDate>)> =
                qb.build_query_as().fetch_all(&mut *conn).await?;
            for (number, name, latest) in rows {
                known.insert(number, (name, latest));
            }
        }
        let mut upserts = Vec::new();
        let mut slots = Vec::with_capacity(batch.len());
        for r in batch {
            let f = &r.filing;
            let k = known.get(&f.company_number);
            let latest = k.and_then(|(_, l)| *l).is_none_or(|l| f.period_end >= l);
            match upsert_for(r, k, latest) {
                Some(u) => {
                    if k.is_none() || latest {
                        let name = k.map(|(n, _)| n.clone()).unwrap_or_else(|| f.name.clone());
                        let end = if f.turnover.is_some() { Some(f.period_end) } else { k.and_then(|(_, l)| *l) };
                        known.insert(f.company_number.clone(), (name, end));
                    }
                    slots.push(Some(upserts.len()));
                    upserts.push(u);
                }
                None => slots.push(None),
            }
        }
        let ids: Vec<Upserted> = $upsert(&mut *conn, &upserts).await?;
        let ts = now();
        let mut out = Vec::with_capacity(batch.len());
        for (r, slot) in batch.iter().zip(slots) {
            let Some(up) = slot.and_then(|i| ids.get(i)) else {
                out.push(FilingOutcome::NotInScope);
                continue;
            };
            let f = &r.filing;
            if let Some(t) = &f.turnover {
                sqlx::query(
                    "INSERT INTO organisation_turnovers (organisation_id, year, period_start, period_end, \
                     turnover, currency, consolidated, dormant, employees, in_scope, source, imported_at) \
                     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) \
                     ON CONFLICT (organisation_id, period_end) DO UPDATE SET year = excluded.year, \
                     period_start = excluded.period_start, turnover = excluded.turnover, \
                     currency = excluded.currency, consolidated = excluded.consolidated, \
                     dormant = excluded.dormant, employees = excluded.employees, \
                     in_scope = excluded.in_scope, source = excluded.source, imported_at = excluded.imported_at \
                     WHERE organisation_turnovers.turnover <> excluded.turnover \
                     OR organisation_turnovers.currency <> excluded.currency \
                     OR organisation_turnovers.source <> excluded.source \
                     OR organisation_turnovers.consolidated <> excluded.consolidated \
                     OR organisation_turnovers.employees IS DISTINCT FROM excluded.employees \
                     OR organisation_turnovers.period_start IS DISTINCT FROM excluded.period_start",
                )
                .bind(up.id())
                .bind(registry_year(f.period_end))
                .bind(f.period_start)
                .bind(f.period_end)
                .bind(t.amount)
                .bind(&t.currency)
                .bind(f.consolidated)
                .bind(f.dormant)
                .bind(f.employees)
                .bind(f.in_scope())
                .bind(&r.source)
                .bind(ts)
                .execute(&mut *conn)
                .await?;
                // A year in scope by accounts is a registry year of the
                // organisation's, like a year with a statement or a declaration.
                if f.in_scope() == Some(true) {
                    sqlx::query(
                        "UPDATE organisations SET first_year = $2 WHERE id = $1 \
                         AND (first_year IS NULL OR first_year > $2)",
                    )
                    .bind(up.id())
                    .bind(registry_year(f.period_end))
                    .execute(&mut *conn)
                    .await?;
                }
            }
            out.push(match up {
                Upserted::Inserted(id) => FilingOutcome::Added(*id),
                Upserted::Updated(id) | Upserted::Unchanged(id) => FilingOutcome::Recorded(*id),
            });
        }
        out
    }};
}

impl Store {
    /// Records a batch of filings in one transaction: all or nothing.
    pub async fn record_filings(&self, batch: &[FilingRecord]) -> Result<Vec<FilingOutcome>> {
        match &self.backend {
            super::Backend::Sqlite(pool) => {
                let mut tx = pool.begin_write().await?;
                let out = record_filings_in_tx!(&mut *tx, batch, upsert_organisations_in_sqlite);
                tx.commit().await?;
                Ok(out)
            }
            super::Backend::Postgres(pool) => {
                let mut tx = pool.begin_write().await?;
                let out = record_filings_in_tx!(&mut *tx, batch, upsert_organisations_in_postgres);
                tx.commit().await?;
                Ok(out)
            }
        }
    }

    /// Every turnover recorded for an organisation, latest period first.
    pub async fn turnovers_of(&self, organisation_id: i64) -> Result<Vec<TurnoverYear>> {
        let rows = super::on_backend!(self, pool => {
            sqlx::query_as(
                "SELECT year, period_start, period_end, turnover, currency, consolidated, dormant, \
                 employees, in_scope, source, imported_at FROM organisation_turnovers \
                 WHERE organisation_id = $1 ORDER BY period_end DESC",
            )
            .bind(organisation_id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }
}

/// An organisation in scope by its accounts for a year that has never
/// reported: no statement found and nothing declared on the Government
/// registry, in any year.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct NeverReported {
    pub id: i64,
    pub name: String,
    pub company_number: Option<String>,
    pub sector: Option<String>,
    pub website: Option<String>,
    pub year: i32,
    pub turnover: i64,
    pub consolidated: bool,
    /// The filing the turnover came from.
    pub source: String,
}

/// Filters of [`Store::never_reported`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NeverReportedFilter {
    pub year: Option<i32>,
    pub sector: Option<String>,
    /// Only organisations with no known website.
    pub no_website: bool,
}

/// How many organisations are in scope by their accounts and never reported.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct NeverReportedCounts {
    /// Organisations (each once, whatever its years).
    pub organisations: i64,
    /// Of those, with no known website.
    pub without_website: i64,
    /// Organisation-years by registry year, latest first.
    pub by_year: Vec<(i32, i64)>,
    /// Organisations by sector (`""`: not known), largest first.
    pub by_sector: Vec<(String, i64)>,
}

/// The organisation-years of [`NeverReported`], over `t` and `o`.
const NEVER_REPORTED: &str = " FROM organisation_turnovers t JOIN organisations o ON o.id = t.organisation_id \
     WHERE t.in_scope = TRUE \
     AND NOT EXISTS (SELECT 1 FROM statement_versions v WHERE v.organisation_id = o.id) \
     AND NOT EXISTS (SELECT 1 FROM registry_declarations d WHERE d.organisation_id = o.id)";

impl Store {
    /// Organisation-years in scope by accounts and never reported, the
    /// latest year and largest turnover first, at most `limit`.
    pub async fn never_reported(
        &self,
        f: &NeverReportedFilter,
        limit: i64,
    ) -> Result<Vec<NeverReported>> {
        let sql = format!(
            "SELECT o.id, o.name, o.company_number, o.sector, o.website, t.year, t.turnover, \
             t.consolidated, t.source{NEVER_REPORTED} AND ($1 IS NULL OR t.year = $1) \
             AND ($2 IS NULL OR LOWER(o.sector) = LOWER($2)) AND (NOT $3 OR o.website IS NULL) \
             ORDER BY t.year DESC, t.turnover DESC, o.id LIMIT $4"
        );
        let rows = super::on_backend!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(f.year)
                .bind(f.sector.as_deref())
                .bind(f.no_website)
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        Ok(rows)
    }

    /// The counts of [`Store::never_reported`]: in all, by year and by sector.
    pub async fn never_reported_counts(&self) -> Result<NeverReportedCounts> {
        let counts = super::on_backend!(self, pool => {
            let (organisations, without_website): (i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(DISTINCT o.id), COUNT(DISTINCT CASE WHEN o.website IS NULL THEN o.id END){NEVER_REPORTED}"
            )))
            .fetch_one(pool)
            .await?;
            let by_year: Vec<(i32, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT t.year, COUNT(*){NEVER_REPORTED} GROUP BY t.year ORDER BY t.year DESC"
            )))
            .fetch_all(pool)
            .await?;
            let by_sector: Vec<(String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT COALESCE(o.sector, ''), COUNT(DISTINCT o.id){NEVER_REPORTED} \
                 GROUP BY COALESCE(o.sector, '') ORDER BY 2 DESC, 1 LIMIT 50"
            )))
            .fetch_all(pool)
            .await?;
            NeverReportedCounts { organisations, without_website, by_year, by_sector }
        });
        Ok(counts)
    }
}
