//! Writes: organisations (upsert), fetches, documents (once by hash),
//! statement versions (never overwritten), registry declarations.

use super::{Backend, Result, Store, StoreError, model::*, now, on_backend};
use crate::domain::{Area, Assessment, OrgType, THRESHOLD_GBP};
use crate::registry::{self, YearEnd, YearStatus};
use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use sha2::{Digest, Sha256};
use sqlx::{Postgres, Sqlite, Transaction};

/// Longest statement text kept in the search index (characters).
const SEARCH_TEXT_CAP: usize = 100_000;

macro_rules! org_cols {
    () => {
        "id, name, normalised_name, website, org_type, sector, turnover_gbp, budget_gbp, \
         company_number, financial_year_end, parent_id, parent_name, in_scope, scope_reason, \
         turnover_band, source, first_year, created_at, updated_at, looked_at, crawl_failed_at, \
         crawl_error_kind, crawl_error, \
         company_status, dissolved_on, sic_codes"
    };
}
pub(crate) use org_cols;

#[derive(sqlx::FromRow)]
pub(crate) struct OrgRow {
    id: i64,
    name: String,
    normalised_name: String,
    website: Option<String>,
    org_type: Option<String>,
    sector: Option<String>,
    turnover_gbp: Option<i64>,
    budget_gbp: Option<i64>,
    company_number: Option<String>,
    financial_year_end: Option<String>,
    parent_id: Option<i64>,
    parent_name: Option<String>,
    in_scope: Option<bool>,
    scope_reason: String,
    turnover_band: Option<String>,
    source: String,
    first_year: Option<i32>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    looked_at: Option<DateTime<Utc>>,
    crawl_failed_at: Option<DateTime<Utc>>,
    crawl_error_kind: Option<String>,
    crawl_error: Option<String>,
    company_status: Option<String>,
    dissolved_on: Option<String>,
    sic_codes: Option<String>,
}

impl OrgRow {
    pub(crate) fn into_domain(self) -> Organisation {
        Organisation {
            id: self.id,
            name: self.name,
            normalised_name: self.normalised_name,
            website: self.website,
            // An unknown stored value reads as "type not known" rather than failing the page.
            org_type: self.org_type.and_then(|t| t.parse().ok()),
            sector: self.sector,
            turnover_gbp: self.turnover_gbp,
            budget_gbp: self.budget_gbp,
            company_number: self.company_number,
            financial_year_end: self.financial_year_end,
            parent_id: self.parent_id,
            parent_name: self.parent_name,
            in_scope: self.in_scope,
            scope_reason: self.scope_reason,
            turnover_band: self.turnover_band,
            source: self.source,
            first_year: self.first_year,
            created_at: self.created_at,
            updated_at: self.updated_at,
            looked_at: self.looked_at,
            crawl_failure: self.crawl_failed_at.map(|at| CrawlFailure {
                at,
                kind: self.crawl_error_kind.unwrap_or_default(),
                message: self.crawl_error.unwrap_or_default(),
            }),
            company_status: self.company_status,
            dissolved_on: self
                .dissolved_on
                .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
            sic_codes: self.sic_codes,
        }
    }
}

/// Lower case, `&` → `and`, punctuation dropped, spaces folded, a leading
/// "the" and a trailing legal suffix (Ltd, Limited, PLC, LLP, LP) removed:
/// "The Acme Widgets Ltd." and "ACME WIDGETS LIMITED" match.
pub fn normalise_name(name: &str) -> String {
    let lowered = name.to_lowercase().replace('&', " and ");
    let mut words: Vec<&str> = lowered
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words.len() > 1 && words[0] == "the" {
        words.remove(0);
    }
    // "public limited company" and "l l p" come apart into words.
    let suffixes: [&[&str]; 8] = [
        &["public", "limited", "company"],
        &["limited", "liability", "partnership"],
        &["l", "l", "p"],
        &["limited"],
        &["ltd"],
        &["plc"],
        &["llp"],
        &["lp"],
    ];
    for s in suffixes {
        if words.len() > s.len() && words.ends_with(s) {
            words.truncate(words.len() - s.len());
            break;
        }
    }
    words.join(" ")
}

/// In or out of scope, and why: turnover (or, for public bodies, budget)
/// against £36m; else what the source declared; else unknown.
pub(crate) fn decide_scope(
    org_type: Option<OrgType>,
    turnover: Option<i64>,
    budget: Option<i64>,
    declared: Option<bool>,
    band: Option<&str>,
) -> (Option<bool>, String) {
    let public = org_type.is_some_and(|t| t.is_public());
    let gbp = |n: i64| format!("£{:.1}m", n as f64 / 1_000_000.0);
    if public && let Some(b) = budget {
        let inside = b >= THRESHOLD_GBP;
        let cmp = if inside { "≥" } else { "<" };
        return (Some(inside), format!("budget {} {cmp} £36m", gbp(b)));
    }
    if let Some(t) = turnover {
        let inside = t >= THRESHOLD_GBP;
        let cmp = if inside { "≥" } else { "<" };
        return (Some(inside), format!("turnover {} {cmp} £36m", gbp(t)));
    }
    if let Some(d) = declared {
        let why = match band {
            Some(b) => format!("registry turnover band: {b}"),
            None => "declared".to_string(),
        };
        return (Some(d), why);
    }
    (None, "turnover not known".to_string())
}

/// The stored form of an organisation, merged from what was there and what arrived.
#[derive(Debug, Clone, PartialEq)]
struct OrgValues {
    name: String,
    normalised_name: String,
    website: Option<String>,
    org_type: Option<String>,
    sector: Option<String>,
    turnover_gbp: Option<i64>,
    budget_gbp: Option<i64>,
    company_number: Option<String>,
    financial_year_end: Option<String>,
    due_mmdd: String,
    parent_name: Option<String>,
    parent_normalised: Option<String>,
    in_scope: Option<bool>,
    scope_reason: String,
    turnover_band: Option<String>,
    source: String,
}

impl OrgValues {
    fn merge(old: Option<&OrgRow>, new: &NewOrganisation) -> OrgValues {
        fn pick<T: Clone>(new: &Option<T>, old: Option<&Option<T>>) -> Option<T> {
            new.clone().or_else(|| old.cloned().flatten())
        }
        let name = new.name.trim().to_string();
        let org_type = new
            .org_type
            .map(|t| t.as_str().to_string())
            .or_else(|| old.and_then(|o| o.org_type.clone()));
        let turnover_gbp = pick(&new.turnover_gbp, old.map(|o| &o.turnover_gbp));
        let budget_gbp = pick(&new.budget_gbp, old.map(|o| &o.budget_gbp));
        let turnover_band = pick(&new.turnover_band, old.map(|o| &o.turnover_band));
        let financial_year_end = pick(&new.financial_year_end, old.map(|o| &o.financial_year_end));
        let parent_name = pick(&new.parent_name, old.map(|o| &o.parent_name));
        // A declared scope only stands in for missing figures; an earlier
        // declared value is kept when this source declares none.
        let declared = new.in_scope.or_else(|| {
            old.and_then(|o| {
                o.scope_reason
                    .starts_with("registry turnover band")
                    .then_some(o.in_scope)
                    .flatten()
            })
        });
        let (in_scope, scope_reason) = decide_scope(
            org_type.as_deref().and_then(|t| t.parse().ok()),
            turnover_gbp,
            budget_gbp,
            declared,
            turnover_band.as_deref(),
        );
        let due_mmdd = financial_year_end
            .as_deref()
            .and_then(|f| YearEnd::parse(f).ok())
            .map(|f| f.due_mmdd())
            .unwrap_or_else(|| registry::year::UNKNOWN_DUE_MMDD.to_string());
        let source = match old {
            Some(o) if !o.source.is_empty() => o.source.clone(),
            _ => new.source.clone(),
        };
        OrgValues {
            normalised_name: normalise_name(&name),
            name,
            website: pick(&new.website, old.map(|o| &o.website)),
            org_type,
            sector: pick(&new.sector, old.map(|o| &o.sector)),
            turnover_gbp,
            budget_gbp,
            company_number: pick(&new.company_number, old.map(|o| &o.company_number)),
            financial_year_end,
            due_mmdd,
            parent_normalised: parent_name.as_deref().map(normalise_name),
            parent_name,
            in_scope,
            scope_reason: new.scope_reason.clone().unwrap_or(scope_reason),
            turnover_band,
            source,
        }
    }

    fn of_row(o: &OrgRow, due_mmdd: String, parent_normalised: Option<String>) -> OrgValues {
        OrgValues {
            name: o.name.clone(),
            normalised_name: o.normalised_name.clone(),
            website: o.website.clone(),
            org_type: o.org_type.clone(),
            sector: o.sector.clone(),
            turnover_gbp: o.turnover_gbp,
            budget_gbp: o.budget_gbp,
            company_number: o.company_number.clone(),
            financial_year_end: o.financial_year_end.clone(),
            due_mmdd,
            parent_name: o.parent_name.clone(),
            parent_normalised,
            in_scope: o.in_scope,
            scope_reason: o.scope_reason.clone(),
            turnover_band: o.turnover_band.clone(),
            source: o.source.clone(),
        }
    }
}

/// One organisation to upsert, with what it declared on the registry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrgUpsert {
    pub organisation: NewOrganisation,
    /// `organisation_id` is filled in by the store.
    pub declaration: Option<Declaration>,
}

/// Starts a write transaction: on SQLite `BEGIN IMMEDIATE`, so that two
/// writers queue on the busy timeout instead of failing on lock upgrade.
pub(crate) trait BeginWrite {
    type Db: sqlx::Database;
    async fn begin_write(&self) -> Result<Transaction<'static, Self::Db>>;
}

impl BeginWrite for sqlx::SqlitePool {
    type Db = Sqlite;
    async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.begin_with("BEGIN IMMEDIATE").await?)
    }
}

impl BeginWrite for sqlx::PgPool {
    type Db = Postgres;
    async fn begin_write(&self) -> Result<Transaction<'static, Postgres>> {
        Ok(self.begin().await?)
    }
}

/// Derived columns of a version, recomputed on every (re)score.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Derived {
    pub fy_start: Option<NaiveDate>,
    pub fy_end: Option<NaiveDate>,
    pub registry_year: i32,
    pub year_basis: &'static str,
    pub verdict: Option<String>,
    pub score: Option<i32>,
    pub status: YearStatus,
    pub reasons: String,
    pub approval_present: Option<bool>,
    pub approval_date: Option<NaiveDate>,
    pub signature_present: Option<bool>,
    pub signatory: Option<String>,
    pub areas_covered: String,
    pub late: Option<bool>,
}

/// `published`: the publication date the server or the PDF gave.
pub(crate) fn derive(
    assessment: Option<&Assessment>,
    usual: Option<YearEnd>,
    first_seen: DateTime<Utc>,
    linked: Option<bool>,
    published: Option<NaiveDate>,
) -> Derived {
    let seen = first_seen.date_naive();
    let signoff = assessment.and_then(|a| a.approval.date.or(a.signature.date));
    let dates = registry::year::VersionDates {
        stated_fy_end: assessment.and_then(|a| a.financial_year.end),
        signoff,
        published,
        first_seen: seen,
    };
    let (fy_end, year, basis) = registry::year::place_version(&dates, usual);
    let (status, reasons) =
        registry::status::judge_placed_version(assessment, linked, basis.from_real_date());
    let due = fy_end.map(registry::due_date);
    let late = registry::status::late(due, published, signoff, seen);
    Derived {
        fy_start: assessment.and_then(|a| a.financial_year.start),
        fy_end,
        registry_year: year,
        year_basis: basis.as_str(),
        verdict: assessment.map(|a| a.verdict.as_str().to_string()),
        score: assessment.map(|a| i32::from(a.score)),
        status,
        reasons: reasons.join(";"),
        approval_present: assessment.map(|a| a.approval.present),
        approval_date: assessment.and_then(|a| a.approval.date),
        signature_present: assessment.map(|a| a.signature.present),
        signatory: assessment.and_then(|a| match (&a.signature.name, &a.signature.role) {
            (Some(n), Some(r)) => Some(format!("{n}, {r}")),
            (Some(n), None) => Some(n.clone()),
            (None, Some(r)) => Some(r.clone()),
            (None, None) => None,
        }),
        areas_covered: assessment
            .map(|a| {
                a.areas
                    .covered()
                    .iter()
                    .map(|x| x.key())
                    .collect::<Vec<_>>()
                    .join(";")
            })
            .unwrap_or_default(),
        late,
    }
}

pub(crate) fn parse_areas(s: &str) -> Vec<Area> {
    Area::ALL
        .into_iter()
        .filter(|a| s.split(';').any(|k| k == a.key()))
        .collect()
}

fn cap_text(text: &str) -> &str {
    match text.char_indices().nth(SEARCH_TEXT_CAP) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[derive(sqlx::FromRow)]
pub(crate) struct DeclRow {
    id: i64,
    statement_url: Option<String>,
    email_no_url: Option<String>,
    period_start: Option<NaiveDate>,
    period_end: Option<NaiveDate>,
    approving_person: Option<String>,
    date_approved: Option<NaiveDate>,
    area_structure: bool,
    area_policies: bool,
    area_due_diligence: bool,
    area_risk: bool,
    area_effectiveness: bool,
    area_training: bool,
    group_submission: bool,
    parent_name: Option<String>,
    turnover_band: Option<String>,
    sector_type: Option<String>,
    sectors: Option<String>,
    pdf_url: Option<String>,
    last_updated: Option<String>,
}

impl DeclRow {
    pub(crate) fn into_domain(
        self,
        organisation_id: i64,
        year: i32,
        summary_url: String,
    ) -> Declaration {
        let flags = [
            (Area::Structure, self.area_structure),
            (Area::Policies, self.area_policies),
            (Area::DueDiligence, self.area_due_diligence),
            (Area::Risk, self.area_risk),
            (Area::Effectiveness, self.area_effectiveness),
            (Area::Training, self.area_training),
        ];
        Declaration {
            organisation_id,
            year,
            summary_url,
            statement_url: self.statement_url,
            email_no_url: self.email_no_url,
            period_start: self.period_start,
            period_end: self.period_end,
            approving_person: self.approving_person,
            date_approved: self.date_approved,
            areas: flags
                .into_iter()
                .filter(|(_, f)| *f)
                .map(|(a, _)| a)
                .collect(),
            group_submission: self.group_submission,
            parent_name: self.parent_name,
            turnover_band: self.turnover_band,
            sector_type: self.sector_type,
            sectors: self.sectors,
            pdf_url: self.pdf_url,
            last_updated: self.last_updated,
        }
    }
}

macro_rules! decl_cols {
    () => {
        "id, statement_url, email_no_url, period_start, period_end, approving_person, \
         date_approved, area_structure, area_policies, area_due_diligence, area_risk, \
         area_effectiveness, area_training, group_submission, parent_name, turnover_band, \
         sector_type, sectors, pdf_url, last_updated"
    };
}
pub(crate) use decl_cols;

/// Stores one declaration of organisation `$id` unless the same one is
/// there already; evaluates to whether anything changed.
macro_rules! upsert_declaration {
    ($tx:ident, $id:expr, $decl:expr, $ts:expr) => {{
        let (id, decl, ts) = ($id, $decl, $ts);
                let existing: Option<DeclRow> = sqlx::query_as(concat!(
                    "SELECT ", decl_cols!(), " FROM registry_declarations \
                     WHERE organisation_id = $1 AND year = $2 AND summary_url = $3"
                ))
                .bind(id)
                .bind(decl.year)
                .bind(&decl.summary_url)
                .fetch_optional(&mut *$tx)
                .await?;
                let mut want = decl.clone();
                want.organisation_id = id;
                let has = |a: Area| want.areas.contains(&a);
                let changed = match existing {
                    None => true,
                    Some(e) => {
                        let eid = e.id;
                        let same = e.into_domain(id, decl.year, decl.summary_url.clone()) == want;
                        if !same {
                            sqlx::query("DELETE FROM registry_declarations WHERE id = $1")
                                .bind(eid)
                                .execute(&mut *$tx)
                                .await?;
                        }
                        !same
                    }
                };
                if changed {
                    sqlx::query(
                        "INSERT INTO registry_declarations (organisation_id, year, summary_url, statement_url, \
                         email_no_url, period_start, period_end, approving_person, date_approved, \
                         area_structure, area_policies, area_due_diligence, area_risk, area_effectiveness, \
                         area_training, group_submission, parent_name, turnover_band, sector_type, sectors, \
                         pdf_url, last_updated, imported_at) \
                         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23)",
                    )
                    .bind(id)
                    .bind(want.year)
                    .bind(&want.summary_url)
                    .bind(&want.statement_url)
                    .bind(&want.email_no_url)
                    .bind(want.period_start)
                    .bind(want.period_end)
                    .bind(&want.approving_person)
                    .bind(want.date_approved)
                    .bind(has(Area::Structure))
                    .bind(has(Area::Policies))
                    .bind(has(Area::DueDiligence))
                    .bind(has(Area::Risk))
                    .bind(has(Area::Effectiveness))
                    .bind(has(Area::Training))
                    .bind(want.group_submission)
                    .bind(&want.parent_name)
                    .bind(&want.turnover_band)
                    .bind(&want.sector_type)
                    .bind(&want.sectors)
                    .bind(&want.pdf_url)
                    .bind(&want.last_updated)
                    .bind(ts)
                    .execute(&mut *$tx)
                    .await?;
                    sqlx::query("UPDATE organisations SET first_year = $2 WHERE id = $1 AND (first_year IS NULL OR first_year > $2)")
                        .bind(id)
                        .bind(want.year)
                        .execute(&mut *$tx)
                        .await?;
                }
        changed
    }};
}

/// Rows per multi-row `INSERT` (17 binds each: under SQLite's and
/// PostgreSQL's bind limits).
const INSERT_CHUNK: usize = 500;

/// A stored organisation as the upsert compares against it.
#[derive(sqlx::FromRow)]
pub(crate) struct KnownOrg {
    #[sqlx(flatten)]
    row: OrgRow,
    due_mmdd: String,
    parent_normalised: Option<String>,
}

/// The organisations a batch may match, read with one query at its start.
/// Keys touched by the batch itself are "dirty": rows with a dirty key are
/// matched in SQL, as one at a time, so the cache never answers stale.
#[derive(Default)]
struct BatchCache {
    orgs: Vec<KnownOrg>,
    by_company: std::collections::HashMap<String, usize>,
    by_name: std::collections::HashMap<String, Vec<usize>>,
    dirty_names: std::collections::HashSet<String>,
    dirty_companies: std::collections::HashSet<String>,
}

impl BatchCache {
    fn new(orgs: Vec<KnownOrg>) -> BatchCache {
        let mut c = BatchCache::default();
        for (i, o) in orgs.iter().enumerate() {
            if let Some(n) = &o.row.company_number {
                c.by_company.insert(n.clone(), i);
            }
            c.by_name
                .entry(o.row.normalised_name.clone())
                .or_default()
                .push(i);
        }
        c.orgs = orgs;
        c
    }

    fn is_dirty(&self, norm: &str, company: Option<&str>) -> bool {
        self.dirty_names.contains(norm) || company.is_some_and(|c| self.dirty_companies.contains(c))
    }

    fn touch(&mut self, norm: &str, company: Option<&str>) {
        self.dirty_names.insert(norm.to_string());
        if let Some(c) = company {
            self.dirty_companies.insert(c.to_string());
        }
    }

    /// The same match as the SQL path: by company number, else the lowest id
    /// of that name (without a company number, unless the row has none).
    fn lookup(&self, norm: &str, company: Option<&str>) -> Option<&KnownOrg> {
        if let Some(i) = company.and_then(|c| self.by_company.get(c)) {
            return Some(&self.orgs[*i]);
        }
        self.by_name
            .get(norm)?
            .iter()
            .map(|i| &self.orgs[*i])
            .filter(|o| company.is_none() || o.row.company_number.is_none())
            .min_by_key(|o| o.row.id)
    }
}

/// A new organisation waiting for the next multi-row insert.
struct PendingInsert<'a> {
    /// Its place in the batch's results.
    slot: usize,
    values: OrgValues,
    declaration: Option<&'a Declaration>,
}

/// Inserts the pending organisations with multi-row `INSERT`s (and their
/// search rows and declarations), filling in their results.
macro_rules! flush_inserts {
    ($tx:ident, $pending:expr, $out:expr, $ts:expr, $is_sqlite:expr) => {{
        let ts = $ts;
        for chunk in $pending.chunks(INSERT_CHUNK) {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO organisations (name, normalised_name, website, org_type, sector, \
                 turnover_gbp, budget_gbp, company_number, financial_year_end, due_mmdd, \
                 parent_name, parent_normalised, in_scope, scope_reason, turnover_band, source, \
                 created_at, updated_at) ",
            );
            qb.push_values(chunk, |mut b, p| {
                let v = &p.values;
                b.push_bind(v.name.clone())
                    .push_bind(v.normalised_name.clone())
                    .push_bind(v.website.clone())
                    .push_bind(v.org_type.clone())
                    .push_bind(v.sector.clone())
                    .push_bind(v.turnover_gbp)
                    .push_bind(v.budget_gbp)
                    .push_bind(v.company_number.clone())
                    .push_bind(v.financial_year_end.clone())
                    .push_bind(v.due_mmdd.clone())
                    .push_bind(v.parent_name.clone())
                    .push_bind(v.parent_normalised.clone())
                    .push_bind(v.in_scope)
                    .push_bind(v.scope_reason.clone())
                    .push_bind(v.turnover_band.clone())
                    .push_bind(v.source.clone())
                    .push_bind(ts)
                    .push_bind(ts);
            });
            // RETURNING order is not promised: match ids back by name, which
            // is unique among pending rows (a repeated name is dirty).
            qb.push(" RETURNING id, normalised_name");
            let got: Vec<(i64, String)> = qb.build_query_as().fetch_all(&mut *$tx).await?;
            let ids: std::collections::HashMap<String, i64> =
                got.into_iter().map(|(id, n)| (n, id)).collect();
            let mut chunk_ids = Vec::with_capacity(chunk.len());
            for p in chunk {
                let id = *ids.get(&p.values.normalised_name).ok_or_else(|| {
                    StoreError::Corrupt(format!(
                        "inserted organisation '{}' has no id",
                        p.values.name
                    ))
                })?;
                $out[p.slot] = Upserted::Inserted(id);
                chunk_ids.push(id);
            }
            if $is_sqlite {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO organisation_search (rowid, name, statement_text) ",
                );
                qb.push_values(chunk.iter().zip(&chunk_ids), |mut b, (p, id)| {
                    b.push_bind(*id)
                        .push_bind(p.values.name.clone())
                        .push_bind("");
                });
                qb.build().execute(&mut *$tx).await?;
            }
            for (p, id) in chunk.iter().zip(chunk_ids) {
                if let Some(decl) = p.declaration {
                    upsert_declaration!($tx, id, decl, ts);
                }
            }
        }
        $pending.clear();
    }};
}

/// Upserts organisations (and their declarations) inside one open transaction.
/// Expanded once per backend. One query reads every organisation the batch
/// may match; new organisations go in with multi-row inserts; a row that
/// brings nothing new costs no query.
macro_rules! upsert_in_tx {
    ($tx:ident, $rows:expr, $is_sqlite:expr) => {{
        let ts = now();
        let rows: &[OrgUpsert] = $rows;
        let mut out: Vec<Upserted> = Vec::with_capacity(rows.len());
        let mut cache = {
            let companies: Vec<&str> = rows
                .iter()
                .filter_map(|r| r.organisation.company_number.as_deref().map(str::trim).filter(|c| !c.is_empty()))
                .collect();
            let names: Vec<String> = rows.iter().map(|r| normalise_name(r.organisation.name.trim())).collect();
            let mut qb = sqlx::QueryBuilder::new(concat!(
                "SELECT ", org_cols!(), ", due_mmdd, parent_normalised FROM organisations WHERE normalised_name IN ("
            ));
            let mut sep = qb.separated(", ");
            for n in &names {
                sep.push_bind(n.clone());
            }
            qb.push(")");
            if !companies.is_empty() {
                qb.push(" OR company_number IN (");
                let mut sep = qb.separated(", ");
                for c in &companies {
                    sep.push_bind(c.to_string());
                }
                qb.push(")");
            }
            let found: Vec<KnownOrg> = if names.is_empty() {
                Vec::new()
            } else {
                qb.build_query_as().fetch_all(&mut *$tx).await?
            };
            BatchCache::new(found)
        };
        let mut pending: Vec<PendingInsert> = Vec::new();
        for row in rows {
            let new = &row.organisation;
            let name = new.name.trim();
            if name.is_empty() {
                return Err(StoreError::Invalid("organisation name is empty".into()));
            }
            let norm = normalise_name(name);
            let company = new.company_number.as_deref().map(str::trim).filter(|c| !c.is_empty());
            let looked_up: Option<KnownOrg>;
            let existing: Option<&KnownOrg> = if cache.is_dirty(&norm, company) {
                // Something earlier in this batch has this key: the pending
                // inserts go first, then the database answers.
                flush_inserts!($tx, pending, out, ts, $is_sqlite);
                let mut found: Option<KnownOrg> = None;
                if let Some(c) = company {
                    found = sqlx::query_as(concat!(
                        "SELECT ", org_cols!(), ", due_mmdd, parent_normalised FROM organisations WHERE company_number = $1"
                    ))
                    .bind(c)
                    .fetch_optional(&mut *$tx)
                    .await?;
                }
                if found.is_none() {
                    // By name: an organisation without a company number, or (when
                    // the row has none) any organisation of that name.
                    found = sqlx::query_as(concat!(
                        "SELECT ", org_cols!(), ", due_mmdd, parent_normalised FROM organisations \
                         WHERE normalised_name = $1 AND ($2 OR company_number IS NULL) ORDER BY id LIMIT 1"
                    ))
                    .bind(&norm)
                    .bind(company.is_none())
                    .fetch_optional(&mut *$tx)
                    .await?;
                }
                looked_up = found;
                looked_up.as_ref()
            } else {
                cache.lookup(&norm, company)
            };
            let mut new = new.clone();
            new.company_number = company.map(str::to_string);
            let values = OrgValues::merge(existing.map(|k| &k.row), &new);
            let mut touched = vec![(values.normalised_name.clone(), values.company_number.clone())];
            let org_result = match existing {
                None => {
                    cache.touch(&values.normalised_name, values.company_number.as_deref());
                    out.push(Upserted::Inserted(0));
                    pending.push(PendingInsert {
                        slot: out.len() - 1,
                        values,
                        declaration: row.declaration.as_ref(),
                    });
                    continue;
                }
                Some(known) => {
                    let old = &known.row;
                    if OrgValues::of_row(old, known.due_mmdd.clone(), known.parent_normalised.clone()) == values {
                        touched.clear();
                        Upserted::Unchanged(old.id)
                    } else {
                        touched.push((old.normalised_name.clone(), old.company_number.clone()));
                        sqlx::query(
                            "UPDATE organisations SET name=$2, normalised_name=$3, website=$4, org_type=$5, \
                             sector=$6, turnover_gbp=$7, budget_gbp=$8, company_number=$9, \
                             financial_year_end=$10, due_mmdd=$11, parent_name=$12, parent_normalised=$13, \
                             in_scope=$14, scope_reason=$15, turnover_band=$16, source=$17, updated_at=$18, \
                             parent_id = CASE WHEN parent_normalised IS NOT DISTINCT FROM $13 THEN parent_id ELSE NULL END \
                             WHERE id=$1",
                        )
                        .bind(old.id)
                        .bind(&values.name)
                        .bind(&values.normalised_name)
                        .bind(&values.website)
                        .bind(&values.org_type)
                        .bind(&values.sector)
                        .bind(values.turnover_gbp)
                        .bind(values.budget_gbp)
                        .bind(&values.company_number)
                        .bind(&values.financial_year_end)
                        .bind(&values.due_mmdd)
                        .bind(&values.parent_name)
                        .bind(&values.parent_normalised)
                        .bind(values.in_scope)
                        .bind(&values.scope_reason)
                        .bind(&values.turnover_band)
                        .bind(&values.source)
                        .bind(ts)
                        .execute(&mut *$tx)
                        .await?;
                        if $is_sqlite && old.name != values.name {
                            sqlx::query("UPDATE organisation_search SET name = $2 WHERE rowid = $1")
                                .bind(old.id)
                                .bind(&values.name)
                                .execute(&mut *$tx)
                                .await?;
                        }
                        Upserted::Updated(old.id)
                    }
                }
            };
            for (n, c) in touched {
                cache.touch(&n, c.as_deref());
            }
            let id = org_result.id();
            let mut result = org_result;
            if let Some(decl) = &row.declaration
                && upsert_declaration!($tx, id, decl, ts)
                && matches!(result, Upserted::Unchanged(_))
            {
                result = Upserted::Updated(id);
            }
            out.push(result);
        }
        flush_inserts!($tx, pending, out, ts, $is_sqlite);
        out
    }};
}

/// Records a version inside one open transaction (expanded once per backend).
macro_rules! record_in_tx {
    ($tx:ident, $v:expr, $is_sqlite:expr) => {{
        let v = $v;
        // Stored at PostgreSQL's precision on both backends.
        let seen_at = v.seen_at.trunc_subsecs(6);
        let sha = sha256_hex(&v.bytes);
        let ts = now();
        sqlx::query(
            "INSERT INTO documents (sha256, content_type, size, compression, bytes, created_at) \
             VALUES ($1, $2, $3, 'none', $4, $5) ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(&sha)
        .bind(&v.content_type)
        .bind(v.bytes.len() as i64)
        .bind(&v.bytes)
        .bind(ts)
        .execute(&mut *$tx)
        .await?;
        let fye: Option<Option<String>> =
            sqlx::query_scalar("SELECT financial_year_end FROM organisations WHERE id = $1")
                .bind(v.organisation_id)
                .fetch_optional(&mut *$tx)
                .await?;
        let Some(fye) = fye else {
            return Err(StoreError::Invalid(format!("no organisation with id {}", v.organisation_id)));
        };
        let usual = fye.as_deref().and_then(|f| YearEnd::parse(f).ok());
        let latest: Option<(i64, String, DateTime<Utc>, Option<bool>, Option<String>, String)> = sqlx::query_as(
            "SELECT id, document_sha256, last_seen, homepage_link, assessment, year_basis FROM statement_versions \
             WHERE organisation_id = $1 AND url = $2 ORDER BY id DESC LIMIT 1",
        )
        .bind(v.organisation_id)
        .bind(&v.url)
        .fetch_optional(&mut *$tx)
        .await?;
        match latest {
            Some((id, old_sha, last_seen, old_link, old_json, old_basis)) if old_sha == sha => {
                let seen = if seen_at > last_seen { seen_at } else { last_seen };
                sqlx::query("UPDATE statement_versions SET last_seen = $2 WHERE id = $1")
                    .bind(id)
                    .bind(seen)
                    .execute(&mut *$tx)
                    .await?;
                // The site may have gained or lost its homepage link since:
                // that is about the website, so the latest observation counts.
                if v.homepage.linked.is_some() && v.homepage.linked != old_link {
                    let a: Option<Assessment> = old_json.as_deref().and_then(|j| serde_json::from_str(j).ok());
                    let placed = registry::year::YearBasis::parse(&old_basis).from_real_date();
                    let (status, reasons) = registry::status::judge_placed_version(a.as_ref(), v.homepage.linked, placed);
                    let h = &v.homepage;
                    sqlx::query(
                        "UPDATE statement_versions SET homepage_link=$2, found_via=$3, homepage_url=$4, \
                         link_anchor_text=$5, link_href=$6, link_region=$7, link_via_page=$8, status=$9, reasons=$10 \
                         WHERE id = $1",
                    )
                    .bind(id)
                    .bind(h.linked)
                    .bind(&h.found_via)
                    .bind(&h.homepage_url)
                    .bind(&h.anchor_text)
                    .bind(&h.href)
                    .bind(&h.region)
                    .bind(&h.via_page)
                    .bind(status.as_str())
                    .bind(reasons.join(";"))
                    .execute(&mut *$tx)
                    .await?;
                }
                Recorded::Unchanged(id)
            }
            _ => {
                let published = v.published.as_ref().map(|p| p.date);
                let d = derive(v.assessment.as_ref(), usual, seen_at, v.homepage.linked, published);
                let fingerprint = registry::dates::text_fingerprint(&v.text);
                let json = match &v.assessment {
                    Some(a) => Some(serde_json::to_string(a).map_err(|e| StoreError::Invalid(e.to_string()))?),
                    None => None,
                };
                let blocks = serde_json::to_string(&v.blocks).map_err(|e| StoreError::Invalid(e.to_string()))?;
                let h = &v.homepage;
                let id: i64 = bind_derived!(
sqlx::query_scalar(
                    "INSERT INTO statement_versions (organisation_id, document_sha256, url, first_seen, last_seen, \
                     text, assessment, fy_start, fy_end, registry_year, year_basis, verdict, score, status, reasons, \
                     approval_present, approval_date, signature_present, signatory, areas_covered, late, \
                     homepage_link, found_via, homepage_url, link_anchor_text, link_href, link_region, link_via_page, \
                     blocks, fetch_id, published, published_source, text_fingerprint) \
                     VALUES ($1,$2,$3,$4,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27,$28,$29,$30,$31,$32) \
                     RETURNING id",
                )
                .bind(v.organisation_id)
                .bind(&sha)
                .bind(&v.url)
                .bind(seen_at)
                .bind(&v.text)
                .bind(json),
                    d
                )
                .bind(h.linked)
                .bind(&h.found_via)
                .bind(&h.homepage_url)
                .bind(&h.anchor_text)
                .bind(&h.href)
                .bind(&h.region)
                .bind(&h.via_page)
                .bind(blocks)
                .bind(v.fetch_id)
                .bind(published)
                .bind(v.published.as_ref().map(|p| p.source.as_str()))
                .bind(fingerprint)
                .fetch_one(&mut *$tx)
                .await?;
                mark_latest_in_year!($tx, v.organisation_id, d.registry_year);
                sqlx::query("UPDATE organisations SET first_year = $2 WHERE id = $1 AND (first_year IS NULL OR first_year > $2)")
                    .bind(v.organisation_id)
                    .bind(d.registry_year)
                    .execute(&mut *$tx)
                    .await?;
                let text = cap_text(&v.text);
                if $is_sqlite {
                    sqlx::query("UPDATE organisation_search SET statement_text = $2 WHERE rowid = $1")
                        .bind(v.organisation_id)
                        .bind(text)
                        .execute(&mut *$tx)
                        .await?;
                } else {
                    sqlx::query("UPDATE organisations SET search_text = $2 WHERE id = $1")
                        .bind(v.organisation_id)
                        .bind(text)
                        .execute(&mut *$tx)
                        .await?;
                }
                Recorded::New(id)
            }
        }
    }};
}

/// Binds a [`Derived`]'s columns in table order, `fy_start` to `late`
/// (inserting a version and rescoring one write the same fourteen).
macro_rules! bind_derived {
    ($q:expr, $d:expr) => {
        $q.bind($d.fy_start)
            .bind($d.fy_end)
            .bind($d.registry_year)
            .bind($d.year_basis)
            .bind(&$d.verdict)
            .bind($d.score)
            .bind($d.status.as_str())
            .bind(&$d.reasons)
            .bind($d.approval_present)
            .bind($d.approval_date)
            .bind($d.signature_present)
            .bind(&$d.signatory)
            .bind(&$d.areas_covered)
            .bind($d.late)
    };
}
pub(crate) use bind_derived;

/// The query that records one fetch (`$f`: a [`NewFetch`]) fetched at
/// `$at`, returning its id; the caller awaits it on its executor.
macro_rules! insert_fetch {
    ($f:expr, $at:expr, $exec:expr) => {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO fetches (organisation_id, url, final_url, status, content_type, size, duration_ms, \
             robots, error_kind, error_message, document_sha256, fetched_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) RETURNING id",
        )
        .bind($f.organisation_id)
        .bind(&$f.url)
        .bind(&$f.final_url)
        .bind($f.status.map(i32::from))
        .bind(&$f.content_type)
        .bind($f.size.map(|s| s as i64))
        .bind($f.duration_ms.map(|s| s as i64))
        .bind(if $f.robots.is_empty() { "unknown" } else { $f.robots.as_str() })
        .bind(&$f.error_kind)
        .bind(&$f.error_message)
        .bind(&$f.document_sha256)
        .bind($at)
        .fetch_one($exec)
    };
}
pub(crate) use insert_fetch;

/// Marks which version counts for (organisation, year): the latest first seen.
macro_rules! mark_latest_in_year {
    ($tx:ident, $org:expr, $year:expr) => {
        sqlx::query(
            "UPDATE statement_versions SET latest_in_year = (id = (SELECT v2.id FROM statement_versions v2 \
             WHERE v2.organisation_id = $1 AND v2.registry_year = $2 ORDER BY v2.first_seen DESC, v2.id DESC LIMIT 1)) \
             WHERE organisation_id = $1 AND registry_year = $2",
        )
        .bind($org)
        .bind($year)
        .execute(&mut *$tx)
        .await?
    };
}
pub(crate) use mark_latest_in_year;

impl Store {
    /// Inserts or updates one organisation (matched on company number, else
    /// normalised name). Fields left `None` keep their stored values.
    pub async fn upsert_organisation(&self, org: &NewOrganisation) -> Result<Upserted> {
        let rows = [OrgUpsert {
            organisation: org.clone(),
            declaration: None,
        }];
        let mut out = self.upsert_organisations(&rows).await?;
        out.pop()
            .ok_or_else(|| StoreError::Corrupt("upsert returned nothing".into()))
    }

    /// Upserts many organisations (and their declarations) in one
    /// transaction: all or nothing. Parents are linked by [`Store::link_parents`].
    pub async fn upsert_organisations(&self, rows: &[OrgUpsert]) -> Result<Vec<Upserted>> {
        match &self.backend {
            Backend::Sqlite(pool) => {
                let mut tx = pool.begin_write().await?;
                let out = upsert_in_tx!(tx, rows, true);
                tx.commit().await?;
                Ok(out)
            }
            Backend::Postgres(pool) => {
                let mut tx = pool.begin_write().await?;
                let out = upsert_in_tx!(tx, rows, false);
                tx.commit().await?;
                Ok(out)
            }
        }
    }

    /// Resolves every `parent_name` to the organisation of that (normalised)
    /// name. Returns how many links were made.
    pub async fn link_parents(&self) -> Result<u64> {
        if let Backend::Postgres(pool) = &self.backend {
            // Right after a bulk load PostgreSQL has no statistics for the
            // new rows yet and plans the correlated look-ups below as scans
            // (100k imported rows: minutes instead of seconds).
            sqlx::query("ANALYZE organisations").execute(pool).await?;
        }
        let n = on_backend!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(
                "UPDATE organisations SET parent_id = (SELECT p.id FROM organisations p \
                 WHERE p.normalised_name = organisations.parent_normalised AND p.id <> organisations.id \
                 ORDER BY p.id LIMIT 1) \
                 WHERE parent_normalised IS NOT NULL AND parent_id IS NULL \
                 AND EXISTS (SELECT 1 FROM organisations p WHERE p.normalised_name = organisations.parent_normalised \
                 AND p.id <> organisations.id)",
            )
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            n
        });
        Ok(n)
    }

    /// Records one fetch; returns its id.
    pub async fn record_fetch(&self, f: &NewFetch) -> Result<i64> {
        let id = on_backend!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id = insert_fetch!(f, f.fetched_at.trunc_subsecs(6), &mut *tx).await?;
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// Records a statement document seen for an organisation at a URL, in one
    /// transaction: the document is stored once by hash; the same bytes as
    /// the latest version at that URL only move `last_seen`; anything else
    /// is a new version (placed in its registry year, judged, indexed).
    pub async fn record_version(&self, v: &NewVersion) -> Result<Recorded> {
        match &self.backend {
            Backend::Sqlite(pool) => {
                let mut tx = pool.begin_write().await?;
                let r = record_in_tx!(tx, v, true);
                tx.commit().await?;
                Ok(r)
            }
            Backend::Postgres(pool) => {
                let mut tx = pool.begin_write().await?;
                let r = record_in_tx!(tx, v, false);
                tx.commit().await?;
                Ok(r)
            }
        }
    }

    /// Sets an organisation's website (e.g. a candidate found by the crawler).
    pub async fn set_website(&self, organisation_id: i64, website: &str) -> Result<()> {
        on_backend!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE organisations SET website = $2, updated_at = $3 WHERE id = $1")
                .bind(organisation_id)
                .bind(website)
                .bind(now())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }
}

/// [`Store::record_version`] inside a caller's SQLite transaction (the
/// crawler's batched writes).
pub(super) async fn record_version_in(
    c: &mut sqlx::SqliteConnection,
    v: &NewVersion,
) -> Result<Recorded> {
    Ok(record_in_tx!(c, v, true))
}

/// [`Store::upsert_organisations`] inside a caller's SQLite transaction.
pub(super) async fn upsert_organisations_in_sqlite(
    c: &mut sqlx::SqliteConnection,
    rows: &[OrgUpsert],
) -> Result<Vec<Upserted>> {
    Ok(upsert_in_tx!(c, rows, true))
}

/// [`Store::upsert_organisations`] inside a caller's PostgreSQL transaction.
pub(super) async fn upsert_organisations_in_postgres(
    c: &mut sqlx::PgConnection,
    rows: &[OrgUpsert],
) -> Result<Vec<Upserted>> {
    Ok(upsert_in_tx!(c, rows, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_normalise_across_legal_suffixes() {
        assert_eq!(normalise_name("The Acme Widgets Ltd."), "acme widgets");
        assert_eq!(normalise_name("ACME WIDGETS LIMITED"), "acme widgets");
        assert_eq!(normalise_name("Smith & Jones LLP"), "smith and jones");
        assert_eq!(
            normalise_name("Northwind Public Limited Company"),
            "northwind"
        );
        assert_eq!(normalise_name("Limited"), "limited");
        assert_eq!(normalise_name("  "), "");
    }

    #[test]
    fn scope_uses_turnover_or_public_budget() {
        assert_eq!(
            decide_scope(Some(OrgType::Company), Some(36_000_000), None, None, None).0,
            Some(true)
        );
        assert_eq!(
            decide_scope(Some(OrgType::Company), Some(35_999_999), None, None, None).0,
            Some(false)
        );
        assert_eq!(
            decide_scope(Some(OrgType::Nhs), Some(1), Some(50_000_000), None, None).0,
            Some(true)
        );
        assert_eq!(
            decide_scope(None, None, None, Some(false), Some("Under £36m")).0,
            Some(false)
        );
        assert_eq!(decide_scope(None, None, None, None, None).0, None);
    }
}
