//! Writes from Companies House: company data (legal form, year end, status,
//! SIC codes) onto the organisations already in the registry.

use super::write::BeginWrite;
use super::{CompanyData, Result, Store, Upserted, now, on_backend};
use crate::registry::YearEnd;

/// An organisation's fields that company data may change.
type Known = (
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

impl Store {
    /// Every company number in the registry.
    pub async fn company_numbers(&self) -> Result<Vec<String>> {
        Ok(on_backend!(self, pool => {
            sqlx::query_scalar("SELECT company_number FROM organisations WHERE company_number IS NOT NULL")
                .fetch_all(pool)
                .await?
        }))
    }

    /// Applies company data to the organisations with those company numbers,
    /// in one transaction. The legal form and year end are Companies
    /// House's; the sector is set only where none is; rows for numbers not
    /// in the registry are skipped (not in the result).
    pub async fn apply_company_data(&self, rows: &[CompanyData]) -> Result<Vec<Upserted>> {
        let out = on_backend!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mut out = Vec::with_capacity(rows.len());
            for d in rows {
                let known: Option<Known> = sqlx::query_as(
                    "SELECT id, org_type, financial_year_end, sector, company_status, dissolved_on, sic_codes \
                     FROM organisations WHERE company_number = $1",
                )
                .bind(&d.company_number)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((id, org_type, fye, sector, status, dissolved, sic)) = known else {
                    continue;
                };
                let new_type = d.org_type.map(|t| t.as_str().to_string()).or(org_type.clone());
                let new_fye = d.financial_year_end.clone().or(fye.clone());
                let new_sector = sector.clone().or(d.sector.clone());
                let new_dissolved = d.dissolved_on.map(|x| x.format("%Y-%m-%d").to_string());
                let new_sic = (!d.sic_codes.is_empty()).then(|| d.sic_codes.clone()).or(sic.clone());
                if (new_type.clone(), new_fye.clone(), new_sector.clone(), d.company_status.clone(), new_dissolved.clone(), new_sic.clone())
                    == (org_type, fye, sector, status, dissolved, sic)
                {
                    out.push(Upserted::Unchanged(id));
                    continue;
                }
                let due_mmdd = new_fye
                    .as_deref()
                    .and_then(|f| YearEnd::parse(f).ok())
                    .map(|f| f.due_mmdd())
                    .unwrap_or_else(|| crate::registry::year::UNKNOWN_DUE_MMDD.to_string());
                sqlx::query(
                    "UPDATE organisations SET org_type = $2, financial_year_end = $3, due_mmdd = $4, sector = $5, \
                     company_status = $6, dissolved_on = $7, sic_codes = $8, updated_at = $9 WHERE id = $1",
                )
                .bind(id)
                .bind(&new_type)
                .bind(&new_fye)
                .bind(&due_mmdd)
                .bind(&new_sector)
                .bind(&d.company_status)
                .bind(&new_dissolved)
                .bind(&new_sic)
                .bind(now())
                .execute(&mut *tx)
                .await?;
                out.push(Upserted::Updated(id));
            }
            tx.commit().await?;
            out
        });
        Ok(out)
    }
}
