//! Reads: organisations, versions, documents, lists with filters and search,
//! the dashboard's aggregates and the registry rows (streamed).

use super::write::{OrgRow, decl_cols, org_cols, parse_areas};
use super::{Backend, Result, Store, StoreError, model::*, on_backend};
use crate::domain::{Area, Assessment};
use crate::registry::{self, YearEnd, YearStatus};
use chrono::{DateTime, NaiveDate, Utc};
use futures::stream::{self, BoxStream, StreamExt};
use sqlx::{Postgres, QueryBuilder, Sqlite};

macro_rules! version_cols {
    () => {
        "v.id, v.organisation_id, v.document_sha256, v.url, v.first_seen, v.last_seen, v.fy_start, v.fy_end, \
         v.registry_year, v.year_basis, v.verdict, v.score, v.status, v.reasons, v.approval_present, \
         v.approval_date, v.signature_present, v.signatory, v.areas_covered, v.late, v.latest_in_year, \
         v.homepage_link, v.found_via, v.homepage_url, v.link_anchor_text, v.link_href, v.link_region, \
         v.link_via_page, v.fetch_id, v.published, v.published_source, \
         (SELECT MAX(c.registry_year) FROM statement_versions c WHERE c.organisation_id = v.organisation_id \
         AND c.text_fingerprint = v.text_fingerprint AND c.registry_year < v.registry_year) AS copied_from"
    };
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    id: i64,
    organisation_id: i64,
    document_sha256: String,
    url: String,
    first_seen: DateTime<Utc>,
    last_seen: DateTime<Utc>,
    fy_start: Option<NaiveDate>,
    fy_end: Option<NaiveDate>,
    registry_year: Option<i32>,
    year_basis: String,
    verdict: Option<String>,
    score: Option<i32>,
    status: Option<String>,
    reasons: String,
    approval_present: Option<bool>,
    approval_date: Option<NaiveDate>,
    signature_present: Option<bool>,
    signatory: Option<String>,
    areas_covered: String,
    late: Option<bool>,
    latest_in_year: bool,
    homepage_link: Option<bool>,
    found_via: Option<String>,
    homepage_url: Option<String>,
    link_anchor_text: Option<String>,
    link_href: Option<String>,
    link_region: Option<String>,
    link_via_page: Option<String>,
    fetch_id: Option<i64>,
    published: Option<NaiveDate>,
    published_source: Option<String>,
    copied_from: Option<i32>,
}

fn split_reasons(s: &str) -> Vec<String> {
    s.split(';')
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .collect()
}

impl VersionRow {
    fn into_domain(self) -> VersionSummary {
        VersionSummary {
            id: self.id,
            organisation_id: self.organisation_id,
            document_sha256: self.document_sha256,
            url: self.url,
            first_seen: self.first_seen,
            last_seen: self.last_seen,
            fy_start: self.fy_start,
            fy_end: self.fy_end,
            registry_year: self.registry_year,
            year_basis: self.year_basis,
            verdict: self.verdict,
            score: self.score,
            status: self.status.and_then(|s| s.parse().ok()),
            reasons: split_reasons(&self.reasons),
            approval_present: self.approval_present,
            approval_date: self.approval_date,
            signature_present: self.signature_present,
            signatory: self.signatory,
            areas_covered: parse_areas(&self.areas_covered),
            late: self.late,
            latest_in_year: self.latest_in_year,
            homepage: HomepageLink {
                linked: self.homepage_link,
                found_via: self.found_via,
                homepage_url: self.homepage_url,
                anchor_text: self.link_anchor_text,
                href: self.link_href,
                region: self.link_region,
                via_page: self.link_via_page,
            },
            fetch_id: self.fetch_id,
            published: self.published,
            published_source: self.published_source,
            copied_from: self.copied_from,
        }
    }
}

/// One organisation joined with one of its year-deciding versions, or one
/// of its group parent's (or none): the input of the registry rows. Read by
/// column position (see its `FromRow`): the export reads one per row.
struct JoinRow {
    o_id: i64,
    o_name: String,
    o_org_type: Option<String>,
    o_sector: Option<String>,
    o_company_number: Option<String>,
    o_in_scope: Option<bool>,
    o_fye: Option<String>,
    o_first_year: Option<i32>,
    o_parent_id: Option<i64>,
    o_has_members: bool,
    v_id: Option<i64>,
    v_org: Option<i64>,
    v_url: Option<String>,
    v_first_seen: Option<DateTime<Utc>>,
    v_fy_end: Option<NaiveDate>,
    v_year: Option<i32>,
    v_status: Option<String>,
    v_reasons: Option<String>,
    v_approval_present: Option<bool>,
    v_approval_date: Option<NaiveDate>,
    v_signature_present: Option<bool>,
    v_signatory: Option<String>,
    v_homepage_link: Option<bool>,
    v_areas: Option<String>,
    v_score: Option<i32>,
    v_late: Option<bool>,
    o_looked_through: Option<i32>,
    v_year_basis: Option<String>,
    v_copied_from: Option<i32>,
    o_dissolved: Option<String>,
}

/// By position, in the order of [`JOIN_HEAD`]'s columns: looking 26 columns
/// up by name cost the export more than encoding them. A test checks the
/// order against the query's column names.
impl<'r, R: sqlx::Row> sqlx::FromRow<'r, R> for JoinRow
where
    usize: sqlx::ColumnIndex<R>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i32: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    DateTime<Utc>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    NaiveDate: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
        Ok(JoinRow {
            o_id: row.try_get(0)?,
            o_name: row.try_get(1)?,
            o_org_type: row.try_get(2)?,
            o_sector: row.try_get(3)?,
            o_company_number: row.try_get(4)?,
            o_in_scope: row.try_get(5)?,
            o_fye: row.try_get(6)?,
            o_first_year: row.try_get(7)?,
            o_parent_id: row.try_get(8)?,
            o_has_members: row.try_get(9)?,
            v_id: row.try_get(10)?,
            v_org: row.try_get(11)?,
            v_url: row.try_get(12)?,
            v_first_seen: row.try_get(13)?,
            v_fy_end: row.try_get(14)?,
            v_year: row.try_get(15)?,
            v_status: row.try_get(16)?,
            v_reasons: row.try_get(17)?,
            v_approval_present: row.try_get(18)?,
            v_approval_date: row.try_get(19)?,
            v_signature_present: row.try_get(20)?,
            v_signatory: row.try_get(21)?,
            v_homepage_link: row.try_get(22)?,
            v_areas: row.try_get(23)?,
            v_score: row.try_get(24)?,
            v_late: row.try_get(25)?,
            o_looked_through: row.try_get(26)?,
            v_year_basis: row.try_get(27)?,
            v_copied_from: row.try_get(28)?,
            o_dissolved: row.try_get(29)?,
        })
    }
}

/// The column names [`JoinRow`]'s `FromRow` reads, by position.
#[cfg(test)]
const JOIN_COLUMNS: [&str; 30] = [
    "o_id",
    "o_name",
    "o_org_type",
    "o_sector",
    "o_company_number",
    "o_in_scope",
    "o_fye",
    "o_first_year",
    "o_parent_id",
    "o_has_members",
    "v_id",
    "v_org",
    "v_url",
    "v_first_seen",
    "v_fy_end",
    "v_year",
    "v_status",
    "v_reasons",
    "v_approval_present",
    "v_approval_date",
    "v_signature_present",
    "v_signatory",
    "v_homepage_link",
    "v_areas",
    "v_score",
    "v_late",
    "o_looked_through",
    "v_year_basis",
    "v_copied_from",
    "o_dissolved",
];

#[cfg(test)]
mod join_order_tests {
    #[test]
    fn join_row_positions_follow_the_query() {
        let names: Vec<&str> = super::JOIN_HEAD
            .split(" AS ")
            .skip(1)
            .filter_map(|rest| rest.split([',', ' ']).next())
            .collect();
        assert_eq!(names, super::JOIN_COLUMNS);
    }
}

/// The columns and joins of the registry rows: each organisation with its
/// own year-deciding versions and its group parent's (`v_org` tells which).
const JOIN_HEAD: &str = "SELECT o.id AS o_id, o.name AS o_name, o.org_type AS o_org_type, o.sector AS o_sector, \
     o.company_number AS o_company_number, o.in_scope AS o_in_scope, o.financial_year_end AS o_fye, \
     o.first_year AS o_first_year, o.parent_id AS o_parent_id, \
     (EXISTS (SELECT 1 FROM organisations m WHERE m.parent_id = o.id)) AS o_has_members, \
     v.id AS v_id, v.organisation_id AS v_org, v.url AS v_url, v.first_seen AS v_first_seen, \
     v.fy_end AS v_fy_end, v.registry_year AS v_year, v.status AS v_status, v.reasons AS v_reasons, \
     v.approval_present AS v_approval_present, v.approval_date AS v_approval_date, \
     v.signature_present AS v_signature_present, v.signatory AS v_signatory, \
     v.homepage_link AS v_homepage_link, v.areas_covered AS v_areas, v.score AS v_score, v.late AS v_late, \
     o.looked_through AS o_looked_through, \
     v.year_basis AS v_year_basis, (SELECT MAX(c.registry_year) FROM statement_versions c \
     WHERE c.organisation_id = v.organisation_id AND c.text_fingerprint = v.text_fingerprint \
     AND c.registry_year < v.registry_year) AS v_copied_from, o.dissolved_on AS o_dissolved \
     FROM organisations o \
     LEFT JOIN statement_versions v ON (v.organisation_id = o.id OR v.organisation_id = o.parent_id) \
     AND v.latest_in_year = TRUE AND ($4 IS NULL OR v.registry_year = $4) ";

/// The export's filters over `o` (binds `$1`–`$7`; `$3` is unused here).
const JOIN_FILTERS: &str = "WHERE ($1 IS NULL OR LOWER(o.sector) = LOWER($1)) AND ($2 IS NULL OR o.org_type = $2) \
     AND ($3 IS NULL OR o.id = $3) AND ($5 IS NULL OR o.in_scope = $5) \
     AND (NOT $6 OR o.org_type IN ('nhs', 'local_authority', 'public_body')) \
     AND (NOT $7 OR o.parent_id IS NOT NULL OR EXISTS (SELECT 1 FROM organisations m2 WHERE m2.parent_id = o.id)) ";

const JOIN_ORDER: &str = " ORDER BY o.id, v.registry_year, v.organisation_id";

/// The registry rows' query for one backend and kind of search (`$8`: the
/// query as typed, a company number; `$9`: the FTS5 query). Each kind uses
/// exactly the parameters it binds (see [`Store::registry_rows`]).
fn join_sql(kind: JoinKind, no_website: bool) -> &'static str {
    use std::sync::LazyLock;
    // Without and with `--no-website` (only organisations with no known website).
    static ALL: LazyLock<[[String; 4]; 2]> = LazyLock::new(|| {
        [false, true].map(|no_website| {
            let website = if no_website { "AND o.website IS NULL " } else { "" };
            let base = format!("{JOIN_HEAD}{JOIN_FILTERS}{website}");
            [
                format!("{base}{JOIN_ORDER}"),
                format!("{base}AND o.company_number = $8{JOIN_ORDER}"),
                format!(
                    "{base}AND (o.company_number = $8 OR o.id IN (SELECT rowid FROM organisation_search \
                     WHERE organisation_search MATCH $9)){JOIN_ORDER}"
                ),
                format!(
                    "{base}AND (o.company_number = $8 OR o.search @@ websearch_to_tsquery('english', $8)){JOIN_ORDER}"
                ),
            ]
        })
    });
    static ONE: LazyLock<String> = LazyLock::new(|| {
        format!(
            "{JOIN_HEAD}WHERE o.id = $3 AND ($1 IS NULL OR LOWER(o.sector) = LOWER($1)) \
             AND ($2 IS NULL OR o.org_type = $2){JOIN_ORDER}"
        )
    });
    let all = &ALL[usize::from(no_website)];
    match kind {
        JoinKind::One => ONE.as_str(),
        JoinKind::All => all[0].as_str(),
        JoinKind::SqliteNumber => all[1].as_str(),
        JoinKind::SqliteSearch => all[2].as_str(),
        JoinKind::PostgresSearch => all[3].as_str(),
    }
}

#[derive(Debug, Clone, Copy)]
enum JoinKind {
    /// One organisation (its page), by key.
    One,
    /// Everything the filters let through, no search.
    All,
    /// A search with no words to match (SQLite): company numbers only.
    SqliteNumber,
    SqliteSearch,
    PostgresSearch,
}

/// Whether a parent's statement of this status covers its members.
fn covers_members(status: Option<&str>) -> bool {
    matches!(status, Some("compliant" | "review"))
}

/// Builds the rows of one organisation from its joined rows. A year with no
/// statement of its own but a compliant or review statement of its group
/// parent takes the parent's statement (`covered_by`); out-of-scope
/// organisations are never covered (they stay out of scope).
fn rows_for_org(
    group: &[JoinRow],
    filter: &ExportFilter,
    today: NaiveDate,
    data_start: i32,
) -> Vec<RegistryRow> {
    let Some(first) = group.first() else {
        return Vec::new();
    };
    let fye = first.o_fye.as_deref().and_then(|f| YearEnd::parse(f).ok());
    let dissolved = first
        .o_dissolved
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let own: Vec<&JoinRow> = group
        .iter()
        .filter(|r| r.v_id.is_some() && r.v_org == Some(first.o_id))
        .collect();
    let parents: Vec<&JoinRow> = group
        .iter()
        .filter(|r| {
            r.v_id.is_some()
                && first.o_parent_id.is_some()
                && r.v_org == first.o_parent_id
                && covers_members(r.v_status.as_deref())
        })
        .collect();
    let start = first.o_first_year.unwrap_or(data_start);
    let last_due = registry::year::last_due_year(fye, today);
    let mut years: Vec<i32> = (start..=last_due).collect();
    for v in own.iter().chain(parents.iter()) {
        if let Some(y) = v.v_year
            && !years.contains(&y)
        {
            years.push(y);
        }
    }
    years.sort_unstable();
    let group_id = first
        .o_parent_id
        .or_else(|| first.o_has_members.then_some(first.o_id));
    let mut out = Vec::new();
    for year in years {
        if filter.year.is_some_and(|y| y != year) {
            continue;
        }
        let mut covered_by = None;
        let due = registry::year::due_in_year(fye, year);
        // Dissolved before the year's statement fell due: out of scope.
        let in_scope = if registry::company_data::dissolved_before(dissolved, due) {
            Some(false)
        } else {
            first.o_in_scope
        };
        let v = own.iter().find(|v| v.v_year == Some(year)).or_else(|| {
            if in_scope == Some(false) {
                return None;
            }
            let p = parents.iter().find(|v| v.v_year == Some(year));
            if p.is_some() {
                covered_by = first.o_parent_id;
            }
            p
        });
        let vstatus = v.and_then(|v| {
            let s: YearStatus = v.v_status.as_deref()?.parse().ok()?;
            Some((s, v.v_reasons.as_deref().unwrap_or("")))
        });
        let due_passed = today > due;
        let looked = first.o_looked_through.is_some_and(|y| y >= year);
        let Some((status, reasons)) = registry::year_status(in_scope, vstatus, due_passed, looked)
        else {
            continue;
        };
        if filter.status.is_some_and(|s| s != status) {
            continue;
        }
        let areas_covered = v.and_then(|v| v.v_areas.clone()).unwrap_or_default();
        let missing_note = (status == YearStatus::Missing)
            .then(|| stale_note(&own, year))
            .flatten();
        if let Some(a) = filter.area_missing
            && (v.is_none() || areas_covered.split(';').any(|k| k == a.key()))
        {
            continue;
        }
        out.push(RegistryRow {
            organisation_id: first.o_id,
            name: first.o_name.clone(),
            org_type: first.o_org_type.clone(),
            sector: first.o_sector.clone(),
            company_number: first.o_company_number.clone(),
            in_scope,
            year,
            status,
            reasons,
            statement_id: v.and_then(|v| v.v_id),
            statement_url: v.and_then(|v| v.v_url.clone()),
            first_seen: v.and_then(|v| v.v_first_seen),
            financial_year_end: v
                .and_then(|v| v.v_fy_end)
                .or_else(|| fye.map(|f| f.fy_end_for_year(year))),
            approval_present: v.and_then(|v| v.v_approval_present),
            approval_date: v.and_then(|v| v.v_approval_date),
            signature_present: v.and_then(|v| v.v_signature_present),
            signatory: v.and_then(|v| v.v_signatory.clone()),
            homepage_link: v.and_then(|v| v.v_homepage_link),
            areas_covered,
            score: v.and_then(|v| v.v_score),
            late: v.and_then(|v| v.v_late),
            group_id,
            covered_by,
            year_basis: v
                .and_then(|v| v.v_year_basis.as_deref())
                .map(|b| registry::year::YearBasis::parse(b).as_str().to_string()),
            copied_from: v.and_then(|v| v.v_copied_from),
            missing_note,
        });
    }
    out
}

/// What was found for a `missing` year: the organisation's latest statement
/// of an earlier year, still online.
fn stale_note(own: &[&JoinRow], year: i32) -> Option<String> {
    let last = own
        .iter()
        .filter(|v| v.v_year.is_some_and(|y| y < year))
        .max_by_key(|v| (v.v_year, v.v_first_seen))?;
    let covers = match last.v_fy_end {
        Some(e) => format!("the year ending {}", e.format("%-d %B %Y")),
        None => format!("registry year {}", last.v_year.unwrap_or_default()),
    };
    Some(format!(
        "No statement for this year: the statement found covers {covers}."
    ))
}

/// The status of an organisation in year `$year` as one SQL expression over
/// `o` (organisations), `v` (its version that counts for the year) and `pv`
/// (its group parent's, when compliant or review: see [`push_year_joins`]);
/// the same rules as [`registry::year_status`] and [`rows_for_org`]. Binds,
/// in order: first-year fallback, year, due cut-off (×2), year.
fn push_status_expr<'a, DB: sqlx::Database>(
    qb: &mut QueryBuilder<DB>,
    year: i32,
    cutoff: &'a str,
    data_start: i32,
) where
    i32: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    qb.push("(CASE WHEN v.id IS NULL AND pv.id IS NULL AND COALESCE(o.first_year, ");
    qb.push_bind(data_start);
    qb.push(") > ");
    qb.push_bind(year);
    // Dissolved before the year's due date (year-MM-DD text): out of scope.
    qb.push(" THEN NULL WHEN o.in_scope = FALSE OR o.dissolved_on < (CAST(");
    qb.push_bind(year);
    qb.push(" AS TEXT) || '-' || o.due_mmdd) THEN (CASE WHEN v.id IS NOT NULL OR o.due_mmdd < ");
    qb.push_bind(cutoff);
    qb.push(
        " THEN 'out_of_scope' END) WHEN v.id IS NOT NULL THEN v.status WHEN pv.id IS NOT NULL THEN pv.status \
         WHEN o.due_mmdd < ",
    );
    qb.push_bind(cutoff);
    qb.push(
        " THEN (CASE WHEN o.in_scope IS NULL THEN 'review' WHEN COALESCE(o.looked_through, 0) >= ",
    );
    qb.push_bind(year);
    qb.push(" THEN 'missing' ELSE 'unchecked' END) END)");
}

/// ` FROM organisations o` with `v`, its version that counts for `year`, and
/// `pv`, its group parent's when that is compliant or review.
fn push_year_joins<'a, DB: sqlx::Database>(qb: &mut QueryBuilder<DB>, year: i32)
where
    i32: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    qb.push(" FROM organisations o");
    push_version_joins(qb, year);
}

/// The `v` and `pv` joins of [`push_year_joins`] onto an `o` already named.
fn push_version_joins<'a, DB: sqlx::Database>(qb: &mut QueryBuilder<DB>, year: i32)
where
    i32: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    qb.push(
        " LEFT JOIN statement_versions v ON v.organisation_id = o.id \
         AND v.latest_in_year = TRUE AND v.registry_year = ",
    );
    qb.push_bind(year);
    qb.push(
        " LEFT JOIN statement_versions pv ON pv.organisation_id = o.parent_id \
         AND pv.latest_in_year = TRUE AND pv.status IN ('compliant', 'review') AND pv.registry_year = ",
    );
    qb.push_bind(year);
}

/// Turns free text into an FTS5 query: each word quoted (no operators from
/// the user), all required.
fn fts5_query(q: &str) -> Option<String> {
    let words: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| format!("\"{w}\""))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// Appends the list filters to a query that has `o` and `v` joined and a
/// `status` column computed in an outer select (pushes `WHERE`s for the inner part).
fn push_list_filters<'a, DB: sqlx::Database>(
    qb: &mut QueryBuilder<DB>,
    f: &'a OrgFilter,
    fts: Option<&'a str>,
    sqlite: bool,
) where
    i32: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    bool: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    qb.push(" WHERE 1 = 1");
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        qb.push(" AND (o.company_number = ");
        qb.push_bind(q);
        match (sqlite, fts) {
            (true, Some(m)) => {
                qb.push(" OR o.id IN (SELECT rowid FROM organisation_search WHERE organisation_search MATCH ");
                qb.push_bind(m);
                qb.push(")");
            }
            (false, _) => {
                qb.push(" OR o.search @@ websearch_to_tsquery('english', ");
                qb.push_bind(q);
                qb.push(")");
            }
            (true, None) => {}
        }
        qb.push(")");
    }
    if let Some(s) = f.sector.as_deref().filter(|s| !s.is_empty()) {
        qb.push(" AND LOWER(o.sector) = LOWER(");
        qb.push_bind(s);
        qb.push(")");
    }
    if let Some(t) = f.org_type {
        qb.push(" AND o.org_type = ");
        qb.push_bind(t.as_str());
    }
    if let Some(s) = f.in_scope {
        qb.push(" AND o.in_scope = ");
        qb.push_bind(s);
    }
    if f.public_bodies {
        qb.push(" AND o.org_type IN ('nhs', 'local_authority', 'public_body')");
    }
    if f.groups {
        qb.push(
            " AND (o.parent_id IS NOT NULL OR EXISTS (SELECT 1 FROM organisations m WHERE m.parent_id = o.id))",
        );
    }
    if let Some(a) = f.area_missing {
        qb.push(
            " AND COALESCE(v.id, pv.id) IS NOT NULL \
             AND (';' || COALESCE(v.areas_covered, pv.areas_covered) || ';') NOT LIKE ",
        );
        qb.push_bind(format!("%;{};%", a.key()));
    }
}

#[derive(sqlx::FromRow)]
struct ListRow {
    id: i64,
    name: String,
    org_type: Option<String>,
    sector: Option<String>,
    company_number: Option<String>,
    in_scope: Option<bool>,
    turnover_gbp: Option<i64>,
    parent_id: Option<i64>,
    status: Option<String>,
    statement_id: Option<i64>,
    statement_url: Option<String>,
    score: Option<i32>,
    covered_by: Option<i64>,
    /// Rows the filters let through, when the query counts them.
    #[sqlx(default)]
    total_rows: Option<i64>,
}

/// The FTS5 query and the query as typed when a SQLite list is a word
/// search and nothing else (no filter, status or area), so its total can be
/// counted in the full-text index alone.
fn search_only_match<'f>(
    f: &'f OrgFilter,
    fts: Option<&'f str>,
    sqlite: bool,
) -> Option<(&'f str, &'f str)> {
    let q = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty())?;
    let plain = f.sector.as_deref().is_none_or(str::is_empty)
        && f.org_type.is_none()
        && f.in_scope.is_none()
        && !f.public_bodies
        && !f.groups
        && f.status.is_none()
        && f.area_missing.is_none();
    if !(sqlite && plain) {
        return None;
    }
    Some((fts?, q))
}

/// The page's order over the organisation columns alone, when the sort
/// needs nothing from the year's statement (`None`: it does).
fn org_only_order(sort: OrgSort) -> Option<&'static str> {
    match sort {
        OrgSort::Name => Some(" ORDER BY o.name, o.id"),
        OrgSort::NameDesc => Some(" ORDER BY o.name DESC, o.id DESC"),
        OrgSort::TurnoverDesc => {
            Some(" ORDER BY (o.turnover_gbp IS NULL), o.turnover_gbp DESC, o.name, o.id")
        }
        OrgSort::Newest => Some(" ORDER BY o.id DESC"),
        OrgSort::ScoreDesc | OrgSort::ScoreAsc => None,
    }
}

/// The columns of `organisations` the list reads (the inner page of
/// [`list_query`] selects only these).
const LIST_ORG_COLS: &str = "o.id, o.name, o.org_type, o.sector, o.company_number, o.in_scope, o.turnover_gbp, \
     o.parent_id, o.first_year, o.due_mmdd, o.looked_through, o.dissolved_on";

/// A page of the registry list and the total for the pager. When neither
/// the filters nor the sort look at the year's statement (no status or area
/// filter, no score sort), the organisations are counted and paged on their
/// own and only the page's rows are joined to their statements: a search
/// matching most of the registry then never joins every match.
macro_rules! list_query {
    ($pool:ident, $f:expr, $year:expr, $cutoff:expr, $data_start:expr, $fts:expr, $sqlite:expr) => {{
        let f = $f;
        let per_page = f.per_page.clamp(1, 500);
        let page = f.page.max(1);
        let org_only = f.status.is_none() && f.area_missing.is_none();
        let org_order = org_only_order(f.sort).filter(|_| org_only);
        // The columns of one list row over `o`, `v`, `pv`.
        let select_row = |qb: &mut QueryBuilder<_>| {
            qb.push(
                "SELECT o.id, o.name, o.org_type, o.sector, o.company_number, o.in_scope, \
                 o.turnover_gbp, o.parent_id, \
                 (CASE WHEN v.id IS NULL AND pv.id IS NOT NULL AND o.in_scope IS NOT FALSE \
                 THEN o.parent_id END) AS covered_by, ",
            );
            push_status_expr(qb, $year, $cutoff, $data_start);
            // A covered member's statement is its parent's (never for an
            // out-of-scope member: see `rows_for_org`).
            qb.push(
                " AS status, \
                 (CASE WHEN v.id IS NOT NULL THEN v.id WHEN o.in_scope IS NOT FALSE THEN pv.id END) AS statement_id, \
                 (CASE WHEN v.id IS NOT NULL THEN v.url WHEN o.in_scope IS NOT FALSE THEN pv.url END) AS statement_url, \
                 (CASE WHEN v.id IS NOT NULL THEN v.score WHEN o.in_scope IS NOT FALSE THEN pv.score END) AS score",
            );
        };
        // `with_total`: each row also carries the number of rows the filters
        // let through (a window over them, computed in the same pass).
        let build = |qb: &mut QueryBuilder<_>, with_total: bool| {
            qb.push(if with_total {
                "SELECT *, COUNT(*) OVER () AS total_rows FROM ("
            } else {
                "SELECT * FROM ("
            });
            select_row(qb);
            push_year_joins(qb, $year);
            push_list_filters(qb, f, $fts, $sqlite);
            qb.push(") t");
            if let Some(s) = f.status {
                qb.push(" WHERE t.status = ");
                qb.push_bind(s.as_str());
            }
        };
        let search_only = search_only_match(f, $fts, $sqlite);
        // Whether the page reads the name index in order, probing each row
        // against the matches, instead of sorting every match by name.
        let mut name_scan = false;
        // `None`: the filters look at the year's statement, so the page query
        // counts while it filters (one pass over every organisation, where a
        // count first and the page after were two).
        let total: Option<i64> = if let Some((m, q)) = search_only {
            // Counted in the full-text index itself (its doclist: a few ms
            // for 65,000 matches) instead of joining every match to its
            // organisation (35 ms). Each search row is an organisation's: same
            // rowid, written in the same transaction, never deleted.
            let mut count = QueryBuilder::new(
                "SELECT (SELECT COUNT(*) FROM organisation_search WHERE organisation_search MATCH ",
            );
            count.push_bind(m);
            count.push(") + (SELECT COUNT(*) FROM organisations o WHERE o.company_number = ");
            count.push_bind(q);
            count.push(
                " AND NOT EXISTS (SELECT 1 FROM organisation_search s \
                 WHERE s.organisation_search MATCH ",
            );
            count.push_bind(m);
            count.push(" AND s.rowid = o.id)), (SELECT MAX(id) FROM organisations)");
            let (total, max_id): (i64, Option<i64>) = count.build_query_as().fetch_one($pool).await?;
            // A word in at least one organisation in 20 (by id, an upper
            // bound of their number): the page's rows come within the first
            // few hundred names, where sorting every match costs ~40 ms.
            name_scan = matches!(f.sort, OrgSort::Name | OrgSort::NameDesc)
                && total.saturating_mul(20) >= max_id.unwrap_or(0)
                && i64::from(page) * i64::from(per_page) <= 5_000;
            Some(total)
        } else if org_only {
            // Each organisation has at most one counting version per year
            // (and so does its parent): the joins never add or drop a row.
            let mut count = QueryBuilder::new("SELECT COUNT(*) FROM organisations o");
            push_list_filters(&mut count, f, $fts, $sqlite);
            Some(count.build_query_scalar().fetch_one($pool).await?)
        } else {
            None
        };
        let mut qb = QueryBuilder::new("");
        match org_order {
            Some(order) => {
                qb.push("SELECT * FROM (");
                select_row(&mut qb);
                qb.push(" FROM (SELECT ");
                qb.push(LIST_ORG_COLS);
                qb.push(if name_scan {
                    " FROM organisations o INDEXED BY organisations_name"
                } else {
                    " FROM organisations o"
                });
                push_list_filters(&mut qb, f, $fts, $sqlite);
                qb.push(order);
                qb.push(" LIMIT ");
                qb.push_bind(i64::from(per_page));
                qb.push(" OFFSET ");
                qb.push_bind(i64::from(page - 1) * i64::from(per_page));
                qb.push(") o");
                push_version_joins(&mut qb, $year);
                qb.push(") t");
            }
            None => build(&mut qb, total.is_none()),
        }
        qb.push(match f.sort {
            OrgSort::Name => " ORDER BY t.name, t.id",
            OrgSort::NameDesc => " ORDER BY t.name DESC, t.id DESC",
            OrgSort::ScoreDesc => " ORDER BY (t.score IS NULL), t.score DESC, t.name, t.id",
            OrgSort::ScoreAsc => " ORDER BY (t.score IS NULL), t.score, t.name, t.id",
            OrgSort::TurnoverDesc => " ORDER BY (t.turnover_gbp IS NULL), t.turnover_gbp DESC, t.name, t.id",
            OrgSort::Newest => " ORDER BY t.id DESC",
        });
        if org_order.is_none() {
            qb.push(" LIMIT ");
            qb.push_bind(i64::from(per_page));
            qb.push(" OFFSET ");
            qb.push_bind(i64::from(page - 1) * i64::from(per_page));
        }
        let rows: Vec<ListRow> = qb.build_query_as().fetch_all($pool).await?;
        let total = match (total, rows.first()) {
            (Some(t), _) => t,
            (None, Some(r)) => r.total_rows.unwrap_or(0),
            // A page past the end has no row to carry the count.
            (None, None) => {
                let mut count = QueryBuilder::new("SELECT COUNT(*) FROM (");
                build(&mut count, false);
                count.push(") c");
                count.build_query_scalar().fetch_one($pool).await?
            }
        };
        (rows, total, page, per_page)
    }};
}

fn count_row_into(c: &mut StatusCounts, status: Option<String>, n: i64) {
    if let Some(s) = status.and_then(|s| s.parse::<YearStatus>().ok()) {
        c.add(s, n);
    }
}

impl Store {
    /// One organisation.
    pub async fn organisation(&self, id: i64) -> Result<Option<Organisation>> {
        let row: Option<OrgRow> = on_backend!(self, pool => {
            sqlx::query_as(concat!("SELECT ", org_cols!(), " FROM organisations WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(OrgRow::into_domain))
    }

    /// Finds an organisation by company number, else by (normalised) name.
    pub async fn find_organisation(
        &self,
        name: &str,
        company_number: Option<&str>,
    ) -> Result<Option<Organisation>> {
        let norm = super::normalise_name(name);
        let row: Option<OrgRow> = on_backend!(self, pool => {
            let mut row = None;
            if let Some(c) = company_number.map(str::trim).filter(|c| !c.is_empty()) {
                row = sqlx::query_as(concat!("SELECT ", org_cols!(), " FROM organisations WHERE company_number = $1"))
                    .bind(c)
                    .fetch_optional(pool)
                    .await?;
            }
            if row.is_none() {
                row = sqlx::query_as(concat!("SELECT ", org_cols!(), " FROM organisations WHERE normalised_name = $1 ORDER BY id LIMIT 1"))
                    .bind(&norm)
                    .fetch_optional(pool)
                    .await?;
            }
            row
        });
        Ok(row.map(OrgRow::into_domain))
    }

    /// Organisations in id order, `limit` after `after_id` (for the crawler
    /// to walk the registry without holding it in memory).
    pub async fn organisations_after(
        &self,
        after_id: i64,
        limit: u32,
        in_scope_only: bool,
    ) -> Result<Vec<Organisation>> {
        let rows: Vec<OrgRow> = on_backend!(self, pool => {
            sqlx::query_as(concat!(
                "SELECT ", org_cols!(), " FROM organisations WHERE id > $1 AND (NOT $2 OR in_scope = TRUE) ORDER BY id LIMIT $3"
            ))
            .bind(after_id)
            .bind(in_scope_only)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(OrgRow::into_domain).collect())
    }

    /// How many organisations there are.
    pub async fn count_organisations(&self) -> Result<i64> {
        let n: i64 = on_backend!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM organisations").fetch_one(pool).await?
        });
        Ok(n)
    }

    /// Every version of an organisation, newest first.
    pub async fn versions_of(&self, organisation_id: i64) -> Result<Vec<VersionSummary>> {
        let rows: Vec<VersionRow> = on_backend!(self, pool => {
            sqlx::query_as(concat!(
                "SELECT ", version_cols!(), " FROM statement_versions v WHERE v.organisation_id = $1 \
                 ORDER BY v.first_seen DESC, v.id DESC"
            ))
            .bind(organisation_id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(VersionRow::into_domain).collect())
    }

    /// One version with its text and assessment (one query).
    pub async fn version(&self, id: i64) -> Result<Option<VersionDetail>> {
        #[derive(sqlx::FromRow)]
        struct DetailRow {
            #[sqlx(flatten)]
            row: VersionRow,
            text: String,
            assessment: Option<String>,
            content_type: Option<String>,
            size: i64,
            org_name: String,
        }
        let got: Option<DetailRow> = on_backend!(self, pool => {
            sqlx::query_as(concat!(
                "SELECT ", version_cols!(), ", v.text, v.assessment, d.content_type, d.size, o.name AS org_name \
                 FROM statement_versions v JOIN documents d ON d.sha256 = v.document_sha256 \
                 JOIN organisations o ON o.id = v.organisation_id WHERE v.id = $1"
            ))
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        let Some(got) = got else {
            return Ok(None);
        };
        let assessment = parse_assessment(id, got.assessment.as_deref())?;
        let version = got.row.into_domain();
        Ok(Some(VersionDetail {
            organisation: OrgRef {
                id: version.organisation_id,
                name: got.org_name,
            },
            version,
            text: got.text,
            assessment,
            content_type: got.content_type,
            size: got.size,
        }))
    }

    /// Everything the statement page shows, in one query (the page is served
    /// at thousands a second; every query is a round trip to a database
    /// thread): the version with its text, assessment and organisation's
    /// name (not the archived document's type and size: the page links to
    /// the document instead), the previous registry year's counting
    /// version (id and text, for the diff) and the registry generation the
    /// read saw (for the page cache).
    pub async fn statement_page(&self, id: i64) -> Result<Option<StatementPageData>> {
        #[derive(sqlx::FromRow)]
        struct PageRow {
            #[sqlx(flatten)]
            row: VersionRow,
            text: String,
            assessment: Option<String>,
            org_name: String,
            prev_id: Option<i64>,
            prev_text: Option<String>,
            generation: i64,
        }
        // The previous year's counting version: the latest in the year, else
        // the last seen; ties on first_seen go to the lowest id.
        let got: Option<PageRow> = on_backend!(self, pool => {
            sqlx::query_as(concat!(
                "SELECT ", version_cols!(), ", v.text, v.assessment, o.name AS org_name, \
                 p.id AS prev_id, p.text AS prev_text, \
                 (SELECT generation FROM registry_generation WHERE id = 1) AS generation \
                 FROM statement_versions v JOIN organisations o ON o.id = v.organisation_id \
                 LEFT JOIN statement_versions p ON p.id = (SELECT p2.id FROM statement_versions p2 \
                 WHERE p2.organisation_id = v.organisation_id AND p2.registry_year = v.registry_year - 1 \
                 ORDER BY p2.latest_in_year DESC, p2.first_seen DESC, p2.id ASC LIMIT 1) \
                 WHERE v.id = $1"
            ))
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        let Some(got) = got else {
            return Ok(None);
        };
        let assessment = parse_assessment(id, got.assessment.as_deref())?;
        let version = got.row.into_domain();
        Ok(Some(StatementPageData {
            organisation: OrgRef {
                id: version.organisation_id,
                name: got.org_name,
            },
            version,
            text: got.text,
            assessment,
            previous: got.prev_id.zip(got.prev_text),
            generation: got.generation,
        }))
    }

    /// The registry's generation: it moves with every committed write to
    /// organisations, versions, documents or declarations (triggers, migration
    /// 0091), whichever process writes. Pages rendered at one generation are
    /// current until it moves.
    pub async fn generation(&self) -> Result<i64> {
        let g: i64 = on_backend!(self, pool => {
            sqlx::query_scalar("SELECT generation FROM registry_generation WHERE id = 1")
                .fetch_one(pool)
                .await?
        });
        Ok(g)
    }

    /// A stored document's bytes.
    pub async fn document(&self, sha256: &str) -> Result<Option<StoredDocument>> {
        let row: Option<(String, Option<String>, Vec<u8>)> = on_backend!(self, pool => {
            sqlx::query_as("SELECT sha256, content_type, bytes FROM documents WHERE sha256 = $1")
                .bind(sha256)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(|(sha256, content_type, bytes)| StoredDocument {
            sha256,
            content_type,
            bytes,
        }))
    }

    /// The fetches made for an organisation, newest first.
    pub async fn fetches_of(&self, organisation_id: i64, limit: u32) -> Result<Vec<Fetch>> {
        type Row = (
            i64,
            Option<i64>,
            String,
            Option<String>,
            Option<i32>,
            Option<String>,
            Option<i64>,
            Option<i64>,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            DateTime<Utc>,
        );
        let rows: Vec<Row> = on_backend!(self, pool => {
            sqlx::query_as(
                "SELECT id, organisation_id, url, final_url, status, content_type, size, duration_ms, robots, \
                 error_kind, error_message, document_sha256, fetched_at FROM fetches WHERE organisation_id = $1 \
                 ORDER BY fetched_at DESC, id DESC LIMIT $2",
            )
            .bind(organisation_id)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|r| Fetch {
                id: r.0,
                organisation_id: r.1,
                url: r.2,
                final_url: r.3,
                status: r.4,
                content_type: r.5,
                size: r.6,
                duration_ms: r.7,
                robots: r.8,
                error_kind: r.9,
                error_message: r.10,
                document_sha256: r.11,
                fetched_at: r.12,
            })
            .collect())
    }

    /// What an organisation declared on the Government registry, by year.
    pub async fn declarations_of(&self, organisation_id: i64) -> Result<Vec<Declaration>> {
        #[derive(sqlx::FromRow)]
        struct Keyed {
            year: i32,
            summary_url: String,
        }
        let rows: Vec<(Keyed, super::write::DeclRow)> = on_backend!(self, pool => {
            let keys: Vec<Keyed> = sqlx::query_as(
                "SELECT year, summary_url FROM registry_declarations WHERE organisation_id = $1 ORDER BY year, id",
            )
            .bind(organisation_id)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(keys.len());
            for k in keys {
                let row: super::write::DeclRow = sqlx::query_as(concat!(
                    "SELECT ", decl_cols!(), " FROM registry_declarations WHERE organisation_id = $1 AND year = $2 AND summary_url = $3"
                ))
                .bind(organisation_id)
                .bind(k.year)
                .bind(&k.summary_url)
                .fetch_one(pool)
                .await?;
                out.push((k, row));
            }
            out
        });
        Ok(rows
            .into_iter()
            .map(|(k, r)| r.into_domain(organisation_id, k.year, k.summary_url))
            .collect())
    }

    /// The organisations whose group statement is made by `parent_id`.
    pub async fn group_members(&self, parent_id: i64) -> Result<Vec<OrgRef>> {
        let rows: Vec<(i64, String)> = on_backend!(self, pool => {
            sqlx::query_as("SELECT id, name FROM organisations WHERE parent_id = $1 ORDER BY name, id")
                .bind(parent_id)
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, name)| OrgRef { id, name })
            .collect())
    }

    /// Organisations with members (group parents): id, name, type and how
    /// many members, by name; at most `limit`.
    pub async fn group_parents(&self, limit: i64) -> Result<Vec<GroupParent>> {
        let rows: Vec<(i64, String, Option<String>, i64)> = on_backend!(self, pool => {
            sqlx::query_as(
                "SELECT p.id, p.name, p.org_type, COUNT(m.id) FROM organisations p \
                 JOIN organisations m ON m.parent_id = p.id \
                 GROUP BY p.id, p.name, p.org_type ORDER BY p.name, p.id LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, name, org_type, members)| GroupParent {
                id,
                name,
                org_type,
                members,
            })
            .collect())
    }

    /// The organisations whose group statement is made by `parent_id`, in full.
    pub async fn member_organisations(&self, parent_id: i64) -> Result<Vec<Organisation>> {
        let rows: Vec<OrgRow> = on_backend!(self, pool => {
            sqlx::query_as(concat!(
                "SELECT ", org_cols!(), " FROM organisations WHERE parent_id = $1 ORDER BY name, id"
            ))
            .bind(parent_id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(OrgRow::into_domain).collect())
    }

    /// The first registry year in the data (versions or declarations), or
    /// the default year when there is none: where organisations without any
    /// statement start being reported.
    pub async fn data_start_year(&self, today: NaiveDate) -> Result<i32> {
        let y: Option<i32> = on_backend!(self, pool => {
            sqlx::query_scalar("SELECT MIN(first_year) FROM organisations").fetch_one(pool).await?
        });
        Ok(y.unwrap_or_else(|| registry::default_year(today)))
    }

    /// One organisation with every reporting year, version, declaration and
    /// its group.
    pub async fn organisation_detail(
        &self,
        id: i64,
        today: NaiveDate,
    ) -> Result<Option<OrganisationDetail>> {
        let Some(organisation) = self.organisation(id).await? else {
            return Ok(None);
        };
        let parent = match organisation.parent_id {
            Some(p) => self.organisation(p).await?.map(|o| OrgRef {
                id: o.id,
                name: o.name,
            }),
            None => None,
        };
        let filter = ExportFilter {
            organisation_id: Some(id),
            ..Default::default()
        };
        let mut years = Vec::new();
        let mut rows = self.registry_rows(&filter, today).await?;
        while let Some(r) = rows.next().await {
            years.push(r?);
        }
        drop(rows);
        Ok(Some(OrganisationDetail {
            members: self.group_members(id).await?,
            versions: self.versions_of(id).await?,
            declarations: self.declarations_of(id).await?,
            declared: self.declared_checks(Some(id)).await?,
            parent,
            years,
            organisation,
        }))
    }

    /// A page of organisations with their status in one registry year.
    pub async fn list_organisations(
        &self,
        f: &OrgFilter,
        today: NaiveDate,
    ) -> Result<Page<OrgListItem>> {
        let year = f.year.unwrap_or_else(|| registry::default_year(today));
        let cutoff = registry::year::due_cutoff(year, today);
        let data_start = self.data_start_year(today).await?;
        let fts = f.q.as_deref().and_then(fts5_query);
        let (rows, total, page, per_page) = match &self.backend {
            Backend::Sqlite(pool) => {
                list_query!(
                    pool,
                    f,
                    year,
                    cutoff.as_str(),
                    data_start,
                    fts.as_deref(),
                    true
                )
            }
            Backend::Postgres(pool) => {
                list_query!(
                    pool,
                    f,
                    year,
                    cutoff.as_str(),
                    data_start,
                    fts.as_deref(),
                    false
                )
            }
        };
        Ok(Page {
            items: rows
                .into_iter()
                .map(|r| OrgListItem {
                    id: r.id,
                    name: r.name,
                    org_type: r.org_type.and_then(|t| t.parse().ok()),
                    sector: r.sector,
                    company_number: r.company_number,
                    in_scope: r.in_scope,
                    turnover_gbp: r.turnover_gbp,
                    parent_id: r.parent_id,
                    status: r.status.and_then(|s| s.parse().ok()),
                    statement_id: r.statement_id,
                    statement_url: r.statement_url,
                    score: r.score,
                    covered_by: r.covered_by,
                })
                .collect(),
            total,
            page,
            per_page,
            year,
        })
    }

    /// Status counts in one year, grouped by `o.sector`, `o.org_type` or
    /// nothing (`group` is a fixed column name, never user input).
    async fn status_counts(
        &self,
        year: i32,
        today: NaiveDate,
        data_start: i32,
        group: Option<&'static str>,
    ) -> Result<Vec<(Option<String>, StatusCounts)>> {
        let cutoff = registry::year::due_cutoff(year, today);
        macro_rules! run {
            ($pool:ident) => {{
                let mut q = QueryBuilder::new("SELECT k, status, COUNT(*) AS n FROM (SELECT ");
                q.push(group.unwrap_or("CAST(NULL AS TEXT)"));
                q.push(" AS k, ");
                push_status_expr(&mut q, year, cutoff.as_str(), data_start);
                q.push(" AS status");
                push_year_joins(&mut q, year);
                q.push(") t WHERE status IS NOT NULL GROUP BY k, status");
                let rows: Vec<(Option<String>, Option<String>, i64)> =
                    q.build_query_as().fetch_all($pool).await?;
                rows
            }};
        }
        let rows = match &self.backend {
            Backend::Sqlite(pool) => run!(pool),
            Backend::Postgres(pool) => run!(pool),
        };
        let mut out: Vec<(Option<String>, StatusCounts)> = Vec::new();
        for (k, status, n) in rows {
            let i = match out.iter().position(|(key, _)| *key == k) {
                Some(i) => i,
                None => {
                    out.push((k, StatusCounts::default()));
                    out.len() - 1
                }
            };
            count_row_into(&mut out[i].1, status, n);
        }
        Ok(out)
    }

    /// The dashboard's numbers: totals, statuses by registry year, and for
    /// `year` (default: [`registry::default_year`]) by sector, by
    /// organisation type, and the six areas' coverage.
    pub async fn dashboard(&self, year: Option<i32>, today: NaiveDate) -> Result<Dashboard> {
        let year = year.unwrap_or_else(|| registry::default_year(today));
        let data_start = self.data_start_year(today).await?;
        type Totals = (i64, i64, i64, i64);
        let (organisations, in_scope, with_statement, versions): Totals = on_backend!(self, pool => {
            sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM organisations), \
                 (SELECT COUNT(*) FROM organisations WHERE in_scope = TRUE), \
                 (SELECT COUNT(DISTINCT organisation_id) FROM statement_versions), \
                 (SELECT COUNT(*) FROM statement_versions)",
            )
            .fetch_one(pool)
            .await?
        });
        let max_version_year: Option<i32> = on_backend!(self, pool => {
            sqlx::query_scalar("SELECT MAX(registry_year) FROM statement_versions").fetch_one(pool).await?
        });
        let last = registry::year::last_due_year(None, today)
            .max(registry::default_year(today))
            .max(max_version_year.unwrap_or(i32::MIN));
        let mut by_year = Vec::new();
        for y in data_start.min(last)..=last {
            let counts = self
                .status_counts(y, today, data_start, None)
                .await?
                .into_iter()
                .next()
                .map(|(_, c)| c)
                .unwrap_or_default();
            by_year.push(KeyedCounts { key: y, counts });
        }
        let keyed = |rows: Vec<(Option<String>, StatusCounts)>| {
            let mut v: Vec<KeyedCounts<String>> = rows
                .into_iter()
                .map(|(k, counts)| KeyedCounts {
                    key: k.unwrap_or_else(|| "unknown".to_string()),
                    counts,
                })
                .collect();
            v.sort_by(|a, b| {
                b.counts
                    .total()
                    .cmp(&a.counts.total())
                    .then(a.key.cmp(&b.key))
            });
            v
        };
        let by_sector = keyed(
            self.status_counts(year, today, data_start, Some("o.sector"))
                .await?,
        );
        let by_org_type = keyed(
            self.status_counts(year, today, data_start, Some("o.org_type"))
                .await?,
        );
        let area_rows: Vec<String> = on_backend!(self, pool => {
            sqlx::query_scalar(
                "SELECT areas_covered FROM statement_versions WHERE registry_year = $1 AND latest_in_year = TRUE",
            )
            .bind(year)
            .fetch_all(pool)
            .await?
        });
        let statements = area_rows.len() as i64;
        let areas = Area::ALL
            .into_iter()
            .map(|a| AreaCoverage {
                area: a,
                covered: area_rows
                    .iter()
                    .filter(|s| s.split(';').any(|k| k == a.key()))
                    .count() as i64,
                statements,
            })
            .collect();
        Ok(Dashboard {
            year,
            organisations,
            in_scope,
            with_statement,
            versions,
            by_year,
            by_sector,
            by_org_type,
            areas,
        })
    }

    /// The registry rows (one per organisation and reporting year), streamed
    /// from one query in organisation order: memory stays flat however large
    /// the registry. Status and year filters apply per row.
    pub async fn registry_rows<'a>(
        &'a self,
        filter: &'a ExportFilter,
        today: NaiveDate,
    ) -> Result<BoxStream<'a, Result<RegistryRow>>> {
        let data_start = self.data_start_year(today).await?;
        let sqlite = matches!(self.backend, Backend::Sqlite(_));
        let q = filter
            .q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(|q| q.chars().take(200).collect::<String>());
        let fts = q.as_deref().and_then(fts5_query);
        let kind = match (filter.organisation_id, &q, sqlite, &fts) {
            (Some(_), ..) => JoinKind::One,
            (None, None, ..) => JoinKind::All,
            (None, Some(_), true, None) => JoinKind::SqliteNumber,
            (None, Some(_), true, Some(_)) => JoinKind::SqliteSearch,
            (None, Some(_), false, _) => JoinKind::PostgresSearch,
        };
        let sql = join_sql(kind, filter.no_website);
        // Each kind binds exactly the parameters its SQL uses.
        macro_rules! bound {
            ($db:ty, $pool:expr) => {{
                let mut query = sqlx::query_as::<$db, JoinRow>(sql)
                    .bind(filter.sector.as_deref())
                    .bind(filter.org_type.map(|t| t.as_str()))
                    .bind(filter.organisation_id)
                    .bind(filter.year);
                if !matches!(kind, JoinKind::One) {
                    query = query
                        .bind(filter.in_scope)
                        .bind(filter.public_bodies)
                        .bind(filter.groups);
                }
                if matches!(
                    kind,
                    JoinKind::SqliteNumber | JoinKind::SqliteSearch | JoinKind::PostgresSearch
                ) {
                    query = query.bind(q.clone());
                }
                if matches!(kind, JoinKind::SqliteSearch) {
                    query = query.bind(fts.clone());
                }
                query.fetch($pool)
            }};
        }
        let inner: BoxStream<'a, Result<JoinRow, sqlx::Error>> = match &self.backend {
            Backend::Sqlite(pool) => bound!(Sqlite, pool),
            Backend::Postgres(pool) => bound!(Postgres, pool),
        };
        struct State<'a> {
            inner: BoxStream<'a, Result<JoinRow, sqlx::Error>>,
            group: Vec<JoinRow>,
            done: bool,
        }
        let state = State {
            inner,
            group: Vec::new(),
            done: false,
        };
        let batches = stream::unfold(state, move |mut st| async move {
            loop {
                if st.done {
                    return None;
                }
                match st.inner.next().await {
                    Some(Ok(row)) => {
                        if st.group.first().is_some_and(|g| g.o_id != row.o_id) {
                            let group = std::mem::replace(&mut st.group, vec![row]);
                            let rows = rows_for_org(&group, filter, today, data_start);
                            return Some((Ok(rows), st));
                        }
                        st.group.push(row);
                    }
                    Some(Err(e)) => {
                        st.done = true;
                        return Some((Err(StoreError::from(e)), st));
                    }
                    None => {
                        st.done = true;
                        let group = std::mem::take(&mut st.group);
                        let rows = rows_for_org(&group, filter, today, data_start);
                        return Some((Ok(rows), st));
                    }
                }
            }
        });
        Ok(batches
            .flat_map(|r| match r {
                Ok(rows) => stream::iter(rows.into_iter().map(Ok)).left_stream(),
                Err(e) => stream::once(async move { Err(e) }).right_stream(),
            })
            .boxed())
    }
}

/// A stored assessment read back (`None` when the version has none).
fn parse_assessment(id: i64, json: Option<&str>) -> Result<Option<Assessment>> {
    json.map(|j| {
        serde_json::from_str(j)
            .map_err(|e| StoreError::Corrupt(format!("assessment of version {id}: {e}")))
    })
    .transpose()
}
