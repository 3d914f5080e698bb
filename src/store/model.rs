//! The store's public types, in domain terms (no sqlx types).

use crate::domain::{Area, Assessment, Block, OrgType};
use crate::registry::YearStatus;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::time::Duration;

/// An organisation as loaded from a CSV (or typed in): what we know, each
/// field optional except the name. `None` never overwrites a stored value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewOrganisation {
    pub name: String,
    pub website: Option<String>,
    pub org_type: Option<OrgType>,
    pub sector: Option<String>,
    pub turnover_gbp: Option<i64>,
    pub budget_gbp: Option<i64>,
    pub company_number: Option<String>,
    /// Usual financial year end, `MM-DD`.
    pub financial_year_end: Option<String>,
    /// Name of the organisation whose group statement covers this one.
    pub parent_name: Option<String>,
    /// Scope when no figure decides it (e.g. the registry's turnover band).
    pub in_scope: Option<bool>,
    pub scope_reason: Option<String>,
    /// The registry's turnover band, when known.
    pub turnover_band: Option<String>,
    /// Where the record came from: `native-csv`, `registry-csv`, `demo`, `generated`…
    pub source: String,
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    Inserted(i64),
    Updated(i64),
    Unchanged(i64),
}

impl Upserted {
    pub fn id(self) -> i64 {
        match self {
            Upserted::Inserted(id) | Upserted::Updated(id) | Upserted::Unchanged(id) => id,
        }
    }
}

/// A stored organisation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Organisation {
    pub id: i64,
    pub name: String,
    pub normalised_name: String,
    pub website: Option<String>,
    pub org_type: Option<OrgType>,
    pub sector: Option<String>,
    pub turnover_gbp: Option<i64>,
    pub budget_gbp: Option<i64>,
    pub company_number: Option<String>,
    pub financial_year_end: Option<String>,
    pub parent_id: Option<i64>,
    pub parent_name: Option<String>,
    /// `Some(true)` in scope, `Some(false)` out, `None` unknown.
    pub in_scope: Option<bool>,
    pub scope_reason: String,
    pub turnover_band: Option<String>,
    pub source: String,
    pub first_year: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the crawler last read the site and finished looking for
    /// statements (`None`: never): the years due before then with no
    /// statement are `missing`, later ones `unchecked`.
    pub looked_at: Option<DateTime<Utc>>,
    /// The last look that failed, when none has succeeded since.
    pub crawl_failure: Option<CrawlFailure>,
    /// From Companies House company data: status, dissolution, SIC codes.
    pub company_status: Option<String>,
    pub dissolved_on: Option<NaiveDate>,
    pub sic_codes: Option<String>,
}

/// What the Companies House company data product says about one company
/// already in the registry (`s54 import BasicCompanyData…csv`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyData {
    pub company_number: String,
    pub org_type: Option<OrgType>,
    /// `MM-DD`, from the accounting reference day and month.
    pub financial_year_end: Option<String>,
    pub company_status: Option<String>,
    pub dissolved_on: Option<NaiveDate>,
    /// `;`-joined SIC code texts.
    pub sic_codes: String,
    /// The first SIC code's description, for organisations with no sector.
    pub sector: Option<String>,
}

/// A look at an organisation's site that failed (timeout, refused, too
/// large, 5xx, …): shown on its page and in the API, never evidence that
/// no statement exists.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrawlFailure {
    pub at: DateTime<Utc>,
    /// The fetch error's stable kind (`timeout`, `http_status`, …).
    pub kind: String,
    pub message: String,
}

/// What one look at an organisation's site came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Look {
    /// The site was read and every statement candidate fetched: the years
    /// up to `through` (the last registry year due by `at`) with no
    /// statement found are `missing`.
    Complete { at: DateTime<Utc>, through: i32 },
    /// Something failed on the way: nothing changes but the failure shown.
    Failed(CrawlFailure),
}

impl Look {
    /// A complete look at `at` for an organisation with usual year end
    /// `financial_year_end` (`MM-DD`, as stored).
    pub fn complete(at: DateTime<Utc>, financial_year_end: Option<&str>) -> Look {
        let fye = financial_year_end.and_then(|f| crate::registry::YearEnd::parse(f).ok());
        Look::Complete {
            at,
            through: crate::registry::year::last_due_year(fye, at.date_naive()),
        }
    }
}

/// A short reference to an organisation (links, group members).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrgRef {
    pub id: i64,
    pub name: String,
}

/// An organisation whose group statement covers others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupParent {
    pub id: i64,
    pub name: String,
    pub org_type: Option<String>,
    pub members: i64,
}

/// One HTTP fetch made by the crawler (success or failure).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewFetch {
    pub organisation_id: Option<i64>,
    pub url: String,
    pub final_url: Option<String>,
    pub status: Option<u16>,
    pub content_type: Option<String>,
    pub size: Option<u64>,
    pub duration_ms: Option<u64>,
    /// `allowed`, `disallowed` or `unknown`.
    pub robots: String,
    pub error_kind: Option<String>,
    pub error_message: Option<String>,
    pub document_sha256: Option<String>,
    pub fetched_at: DateTime<Utc>,
}

/// A stored fetch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fetch {
    pub id: i64,
    pub organisation_id: Option<i64>,
    pub url: String,
    pub final_url: Option<String>,
    pub status: Option<i32>,
    pub content_type: Option<String>,
    pub size: Option<i64>,
    pub duration_ms: Option<i64>,
    pub robots: String,
    pub error_kind: Option<String>,
    pub error_message: Option<String>,
    pub document_sha256: Option<String>,
    pub fetched_at: DateTime<Utc>,
}

/// How the crawler reached a statement from the organisation's homepage.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HomepageLink {
    /// `Some(true)`: the homepage links to it (directly or through one
    /// clearly labelled page); `Some(false)`: found only another way (e.g.
    /// the sitemap); `None`: not known.
    pub linked: Option<bool>,
    /// `homepage`, `linked_page`, `sitemap`, `registry`, `search`, `manual`…
    pub found_via: Option<String>,
    pub homepage_url: Option<String>,
    pub anchor_text: Option<String>,
    pub href: Option<String>,
    /// `header`, `nav`, `footer`, `main` or `body`.
    pub region: Option<String>,
    /// The labelled page between homepage and statement, if any.
    pub via_page: Option<String>,
}

/// A statement document seen for an organisation at a URL.
#[derive(Debug, Clone, PartialEq)]
pub struct NewVersion {
    pub organisation_id: i64,
    pub url: String,
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
    pub seen_at: DateTime<Utc>,
    /// Extracted text (the text the assessment's evidence points into).
    pub text: String,
    /// The text's blocks, kept so that a rescore sees the same headings.
    pub blocks: Vec<Block>,
    pub assessment: Option<Assessment>,
    pub homepage: HomepageLink,
    pub fetch_id: Option<i64>,
    /// The publication date the server or the PDF gave, if any.
    pub published: Option<Published>,
}

/// A publication date a statement's publisher gave (not the day s54 saw it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Published {
    pub date: NaiveDate,
    /// `server` (`Last-Modified`) or `pdf` (`/CreationDate`).
    pub source: String,
}

/// What recording a version did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// A new version (new URL or changed bytes).
    New(i64),
    /// The same bytes as the latest version at that URL: only last_seen moved.
    Unchanged(i64),
}

impl Recorded {
    pub fn id(self) -> i64 {
        match self {
            Recorded::New(id) | Recorded::Unchanged(id) => id,
        }
    }
}

/// A stored version without its text and assessment (lists, pages).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionSummary {
    pub id: i64,
    pub organisation_id: i64,
    pub document_sha256: String,
    pub url: String,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub fy_start: Option<NaiveDate>,
    pub fy_end: Option<NaiveDate>,
    pub registry_year: Option<i32>,
    /// `statement`, `approval_date`, `published` or `first_seen`.
    pub year_basis: String,
    pub verdict: Option<String>,
    pub score: Option<i32>,
    /// This version judged alone: compliant, noncompliant or review.
    pub status: Option<YearStatus>,
    /// Failed statute rule ids.
    pub reasons: Vec<String>,
    pub approval_present: Option<bool>,
    pub approval_date: Option<NaiveDate>,
    pub signature_present: Option<bool>,
    pub signatory: Option<String>,
    pub areas_covered: Vec<Area>,
    pub late: Option<bool>,
    /// The version that counts for its registry year.
    pub latest_in_year: bool,
    pub homepage: HomepageLink,
    pub fetch_id: Option<i64>,
    /// The publication date the server or the PDF gave, and which.
    pub published: Option<NaiveDate>,
    pub published_source: Option<String>,
    /// The latest earlier registry year whose statement this one repeats
    /// (the same words apart from dates).
    pub copied_from: Option<i32>,
}

/// One version with everything (the statement page).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionDetail {
    pub version: VersionSummary,
    pub organisation: OrgRef,
    pub text: String,
    pub assessment: Option<Assessment>,
    pub content_type: Option<String>,
    pub size: i64,
}

/// What the statement page shows: the version, the previous registry
/// year's counting version (id and text) and the registry generation read
/// with them (see [`crate::store::Store::generation`]).
#[derive(Debug, Clone, PartialEq)]
pub struct StatementPageData {
    pub version: VersionSummary,
    pub organisation: OrgRef,
    pub text: String,
    pub assessment: Option<Assessment>,
    pub previous: Option<(i64, String)>,
    pub generation: i64,
}

/// A stored document's bytes (the archived copy).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDocument {
    pub sha256: String,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

/// What an organisation declared on the Government registry for one year.
/// Self-declared and unchecked: shown beside what s54 finds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Declaration {
    pub organisation_id: i64,
    pub year: i32,
    pub summary_url: String,
    pub statement_url: Option<String>,
    pub email_no_url: Option<String>,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub approving_person: Option<String>,
    pub date_approved: Option<NaiveDate>,
    /// Declared coverage of the six areas.
    pub areas: Vec<Area>,
    pub group_submission: bool,
    pub parent_name: Option<String>,
    pub turnover_band: Option<String>,
    /// `public` / `private`, as the registry says.
    pub sector_type: Option<String>,
    pub sectors: Option<String>,
    pub pdf_url: Option<String>,
    pub last_updated: Option<String>,
}

/// A crawl job to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    pub organisation_id: Option<i64>,
    pub url: String,
    /// What to do, e.g. `discover` (find statements from the homepage) or `fetch`.
    pub kind: String,
}

/// A claimed or stored crawl job.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Job {
    pub id: i64,
    pub organisation_id: Option<i64>,
    pub url: String,
    pub kind: String,
    /// `pending`, `running`, `done` or `failed`.
    pub state: String,
    /// Claims so far (including the current one).
    pub attempts: i32,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<DateTime<Utc>>,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
}

/// How `fail_job` retries: after `base * 2^(attempts-1)`, at most `max_delay`;
/// after `max_attempts` claims the job is `failed` for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub max_delay: Duration,
    pub max_attempts: i32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_secs(30),
            max_delay: Duration::from_secs(6 * 3600),
            max_attempts: 5,
        }
    }
}

/// Jobs by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct QueueCounts {
    pub pending: i64,
    pub running: i64,
    pub done: i64,
    pub failed: i64,
}

/// Sort orders of organisation lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OrgSort {
    #[default]
    Name,
    NameDesc,
    ScoreDesc,
    ScoreAsc,
    TurnoverDesc,
    Newest,
}

impl OrgSort {
    pub fn parse(s: &str) -> Option<OrgSort> {
        Some(match s {
            "name" => OrgSort::Name,
            "-name" | "name_desc" => OrgSort::NameDesc,
            "-score" | "score_desc" => OrgSort::ScoreDesc,
            "score" | "score_asc" => OrgSort::ScoreAsc,
            "-turnover" | "turnover_desc" | "turnover" => OrgSort::TurnoverDesc,
            "newest" | "-id" => OrgSort::Newest,
            _ => return None,
        })
    }
}

/// Filters of the organisation list (`/organisations`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OrgFilter {
    /// Full-text query over names and latest statement text (or a company number).
    pub q: Option<String>,
    pub sector: Option<String>,
    pub org_type: Option<OrgType>,
    /// Status in `year`.
    pub status: Option<YearStatus>,
    /// Registry year of `status` and the listed statement (default: [`crate::registry::default_year`]).
    pub year: Option<i32>,
    /// Only organisations whose statement for `year` does not cover this area.
    pub area_missing: Option<Area>,
    pub in_scope: Option<bool>,
    /// Only NHS bodies, local authorities and other public bodies.
    pub public_bodies: bool,
    /// Only organisations that are a group parent or a member of a group.
    pub groups: bool,
    pub sort: OrgSort,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

/// One line of the organisation list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrgListItem {
    pub id: i64,
    pub name: String,
    pub org_type: Option<OrgType>,
    pub sector: Option<String>,
    pub company_number: Option<String>,
    pub in_scope: Option<bool>,
    pub turnover_gbp: Option<i64>,
    pub parent_id: Option<i64>,
    /// Status in the listed year (`None`: no row for that year yet).
    pub status: Option<YearStatus>,
    pub statement_id: Option<i64>,
    pub statement_url: Option<String>,
    pub score: Option<i32>,
    /// The group parent whose statement counts for this organisation in the
    /// listed year (it has none of its own), if any.
    pub covered_by: Option<i64>,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
    /// The registry year the statuses refer to.
    pub year: i32,
}

/// One row of the registry export: one organisation in one registry year.
/// Field order is the export's column order (interface.md).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegistryRow {
    pub organisation_id: i64,
    pub name: String,
    pub org_type: Option<String>,
    pub sector: Option<String>,
    pub company_number: Option<String>,
    pub in_scope: Option<bool>,
    pub year: i32,
    pub status: YearStatus,
    /// Failed statute rule ids, `;`-joined.
    pub reasons: String,
    pub statement_id: Option<i64>,
    pub statement_url: Option<String>,
    pub first_seen: Option<DateTime<Utc>>,
    pub financial_year_end: Option<NaiveDate>,
    pub approval_present: Option<bool>,
    pub approval_date: Option<NaiveDate>,
    pub signature_present: Option<bool>,
    pub signatory: Option<String>,
    pub homepage_link: Option<bool>,
    /// Present areas, `;`-joined.
    pub areas_covered: String,
    pub score: Option<i32>,
    pub late: Option<bool>,
    /// The group the organisation belongs to: its parent's id when it is a
    /// member, its own id when it is a parent with members. Not one of the
    /// contract's columns: written only on request (`--with-group`).
    pub group_id: Option<i64>,
    /// `Some(parent id)` when this row's statement is the group parent's
    /// (the organisation has none of its own for the year and the parent's
    /// statement is compliant or review).
    pub covered_by: Option<i64>,
    /// How the statement's year was found (`statement`, `approval_date`,
    /// `published`, `first_seen`); JSON exports only.
    pub year_basis: Option<String>,
    /// The latest earlier registry year whose statement this one repeats
    /// (same words apart from dates); JSON exports only.
    pub copied_from: Option<i32>,
    /// For a `missing` year after the organisation's last statement: what
    /// was found instead ("the statement online covers the year ending …").
    pub missing_note: Option<String>,
}

/// The opt-in column written after [`EXPORT_COLUMNS`] with `--with-group`.
pub const GROUP_COLUMN: &str = "group_id";

/// The export's column names, in order.
pub const EXPORT_COLUMNS: [&str; 21] = [
    "organisation_id",
    "name",
    "org_type",
    "sector",
    "company_number",
    "in_scope",
    "year",
    "status",
    "reasons",
    "statement_id",
    "statement_url",
    "first_seen",
    "financial_year_end",
    "approval_present",
    "approval_date",
    "signature_present",
    "signatory",
    "homepage_link",
    "areas_covered",
    "score",
    "late",
];

/// Filters of the registry export (`s54 export`, `/export.*`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExportFilter {
    /// `None`: every status.
    pub status: Option<YearStatus>,
    pub year: Option<i32>,
    pub sector: Option<String>,
    pub org_type: Option<OrgType>,
    /// Only these organisations (the organisation page).
    pub organisation_id: Option<i64>,
    /// The registry list's search: a company number or words of the name or
    /// latest statement.
    pub q: Option<String>,
    pub in_scope: Option<bool>,
    /// Only NHS bodies, local authorities and other public bodies.
    pub public_bodies: bool,
    /// Only group parents and members.
    pub groups: bool,
    /// Only rows whose statement does not cover this area.
    pub area_missing: Option<Area>,
    /// Only organisations with no known website (`--no-website`).
    pub no_website: bool,
}

/// One organisation with everything (the organisation page).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrganisationDetail {
    pub organisation: Organisation,
    pub parent: Option<OrgRef>,
    pub members: Vec<OrgRef>,
    /// One row per registry year, oldest first.
    pub years: Vec<RegistryRow>,
    /// Every version, newest first.
    pub versions: Vec<VersionSummary>,
    pub declarations: Vec<Declaration>,
    /// Each declaration compared with the statement it describes.
    pub declared: Vec<crate::registry::declared::DeclaredCheck>,
}

/// Counts of each status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StatusCounts {
    pub compliant: i64,
    pub noncompliant: i64,
    pub review: i64,
    pub missing: i64,
    pub unchecked: i64,
    pub out_of_scope: i64,
}

impl StatusCounts {
    pub fn add(&mut self, status: YearStatus, n: i64) {
        match status {
            YearStatus::Compliant => self.compliant += n,
            YearStatus::Noncompliant => self.noncompliant += n,
            YearStatus::Review => self.review += n,
            YearStatus::Missing => self.missing += n,
            YearStatus::Unchecked => self.unchecked += n,
            YearStatus::OutOfScope => self.out_of_scope += n,
        }
    }
    pub fn total(&self) -> i64 {
        self.compliant
            + self.noncompliant
            + self.review
            + self.missing
            + self.unchecked
            + self.out_of_scope
    }
}

/// Status counts for one key (a year, a sector, an organisation type).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyedCounts<K> {
    pub key: K,
    pub counts: StatusCounts,
}

/// How many statements (of the year) cover an area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AreaCoverage {
    pub area: Area,
    pub covered: i64,
    pub statements: i64,
}

/// The dashboard's numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dashboard {
    /// The year of `by_sector`, `by_org_type` and `areas`.
    pub year: i32,
    pub organisations: i64,
    pub in_scope: i64,
    /// Organisations with at least one statement found.
    pub with_statement: i64,
    pub versions: i64,
    pub by_year: Vec<KeyedCounts<i32>>,
    pub by_sector: Vec<KeyedCounts<String>>,
    pub by_org_type: Vec<KeyedCounts<String>>,
    pub areas: Vec<AreaCoverage>,
}
