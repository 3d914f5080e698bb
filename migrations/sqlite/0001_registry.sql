-- The registry schema (SQLite). Kept in step with migrations/postgres:
-- same tables, columns and meanings; only types and search differ.
-- Timestamps are RFC 3339 UTC text written by the application (never
-- SQLite's own datetime()), so text order is time order.

CREATE TABLE organisations (
    id                 INTEGER PRIMARY KEY,
    name               TEXT NOT NULL,
    normalised_name    TEXT NOT NULL,
    website            TEXT,
    org_type           TEXT,
    sector             TEXT,
    turnover_gbp       INTEGER,
    budget_gbp         INTEGER,
    company_number     TEXT,
    financial_year_end TEXT,            -- MM-DD, the usual year end
    due_mmdd           TEXT NOT NULL,   -- MM-DD of FYE + 6 months ('12-31' when the year end is unknown)
    parent_id          INTEGER REFERENCES organisations(id) ON DELETE SET NULL,
    parent_name        TEXT,
    parent_normalised  TEXT,
    first_year         INTEGER,     -- first registry year with a version or a declaration
    in_scope           INTEGER,         -- 1, 0, or NULL when unknown
    scope_reason       TEXT NOT NULL DEFAULT '',
    source             TEXT NOT NULL DEFAULT '',
    turnover_band      TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE UNIQUE INDEX organisations_company_number ON organisations(company_number) WHERE company_number IS NOT NULL;
CREATE INDEX organisations_normalised_name ON organisations(normalised_name);
CREATE INDEX organisations_parent ON organisations(parent_id);
CREATE INDEX organisations_sector ON organisations(sector);
CREATE INDEX organisations_org_type ON organisations(org_type);

CREATE TABLE fetches (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER REFERENCES organisations(id) ON DELETE CASCADE,
    url             TEXT NOT NULL,
    final_url       TEXT,
    status          INTEGER,
    content_type    TEXT,
    size            INTEGER,
    duration_ms     INTEGER,
    robots          TEXT NOT NULL DEFAULT 'unknown', -- allowed | disallowed | unknown
    error_kind      TEXT,
    error_message   TEXT,
    document_sha256 TEXT,
    fetched_at      TEXT NOT NULL
);
CREATE INDEX fetches_org ON fetches(organisation_id, fetched_at);

-- Every distinct document once, by content hash.
CREATE TABLE documents (
    sha256       TEXT PRIMARY KEY,
    content_type TEXT,
    size         INTEGER NOT NULL,
    compression  TEXT NOT NULL DEFAULT 'none',
    bytes        BLOB NOT NULL,
    created_at   TEXT NOT NULL
);

-- One row per distinct document seen for an organisation at a URL. Nothing
-- is overwritten: the same bytes again only move last_seen. The assessment
-- and the columns derived from it are recomputed by `s54 rescore`.
CREATE TABLE statement_versions (
    id                  INTEGER PRIMARY KEY,
    organisation_id     INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    document_sha256     TEXT NOT NULL REFERENCES documents(sha256),
    url                 TEXT NOT NULL,
    first_seen          TEXT NOT NULL,
    last_seen           TEXT NOT NULL,
    text                TEXT NOT NULL DEFAULT '',
    assessment          TEXT,           -- the s54.check/1 JSON
    fy_start            TEXT,
    fy_end              TEXT,
    registry_year       INTEGER,
    year_basis          TEXT NOT NULL DEFAULT 'statement',
    verdict             TEXT,
    score               INTEGER,
    status              TEXT,           -- compliant | noncompliant | review (this version alone)
    reasons             TEXT NOT NULL DEFAULT '',
    approval_present    INTEGER,
    approval_date       TEXT,
    signature_present   INTEGER,
    signatory           TEXT,
    areas_covered       TEXT NOT NULL DEFAULT '',
    late                INTEGER,
    latest_in_year      INTEGER NOT NULL DEFAULT 0,
    homepage_link       INTEGER,        -- 1 linked from the homepage, 0 found another way, NULL unknown
    found_via           TEXT,           -- homepage | linked_page | sitemap | registry | search | manual
    homepage_url        TEXT,
    link_anchor_text    TEXT,
    link_href           TEXT,
    link_region         TEXT,
    link_via_page       TEXT,
    blocks              TEXT,           -- JSON of the text's blocks (headings etc.), for rescoring
    fetch_id            INTEGER REFERENCES fetches(id) ON DELETE SET NULL
);
CREATE INDEX versions_org_url ON statement_versions(organisation_id, url, id);
CREATE INDEX versions_org_year ON statement_versions(organisation_id, registry_year, latest_in_year);
CREATE INDEX versions_year_latest ON statement_versions(registry_year, latest_in_year);

-- What an organisation declared on the Government registry (self-declared, unchecked).
CREATE TABLE registry_declarations (
    id                  INTEGER PRIMARY KEY,
    organisation_id     INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    year                INTEGER NOT NULL,
    summary_url         TEXT NOT NULL DEFAULT '',
    statement_url       TEXT,
    email_no_url        TEXT,
    period_start        TEXT,
    period_end          TEXT,
    approving_person    TEXT,
    date_approved       TEXT,
    area_structure      INTEGER NOT NULL DEFAULT 0,
    area_policies       INTEGER NOT NULL DEFAULT 0,
    area_due_diligence  INTEGER NOT NULL DEFAULT 0,
    area_risk           INTEGER NOT NULL DEFAULT 0,
    area_effectiveness  INTEGER NOT NULL DEFAULT 0,
    area_training       INTEGER NOT NULL DEFAULT 0,
    group_submission    INTEGER NOT NULL DEFAULT 0,
    parent_name         TEXT,
    turnover_band       TEXT,
    sector_type         TEXT,
    sectors             TEXT,
    pdf_url             TEXT,
    last_updated        TEXT,
    imported_at         TEXT NOT NULL,
    UNIQUE (organisation_id, year, summary_url)
);
CREATE INDEX declarations_summary ON registry_declarations(summary_url);

-- The crawl queue: jobs are leased, never lost (an expired lease returns the job).
CREATE TABLE crawl_jobs (
    id               INTEGER PRIMARY KEY,
    organisation_id  INTEGER REFERENCES organisations(id) ON DELETE CASCADE,
    url              TEXT NOT NULL DEFAULT '',
    kind             TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending', -- pending | running | done | failed
    attempts         INTEGER NOT NULL DEFAULT 0,
    lease_owner      TEXT,
    lease_expires_at TEXT,
    next_attempt_at  TEXT NOT NULL,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
-- One job per kind, organisation and URL (organisation may be absent).
CREATE UNIQUE INDEX crawl_jobs_key ON crawl_jobs(kind, COALESCE(organisation_id, 0), url);
CREATE INDEX crawl_jobs_ready ON crawl_jobs(state, next_attempt_at);
CREATE INDEX crawl_jobs_lease ON crawl_jobs(state, lease_expires_at);

-- Per-host politeness shared by every crawl process.
CREATE TABLE host_slots (
    host            TEXT PRIMARY KEY,
    next_allowed_at TEXT NOT NULL
);

-- Full-text search over organisation names and their latest statement text.
CREATE VIRTUAL TABLE organisation_search USING fts5(name, statement_text, tokenize = 'porter unicode61 remove_diacritics 2');
