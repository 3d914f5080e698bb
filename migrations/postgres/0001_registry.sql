-- The registry schema (PostgreSQL). Kept in step with migrations/sqlite:
-- same tables, columns and meanings; only types and search differ.

CREATE TABLE organisations (
    id                 BIGSERIAL PRIMARY KEY,
    name               TEXT NOT NULL,
    normalised_name    TEXT NOT NULL,
    website            TEXT,
    org_type           TEXT,
    sector             TEXT,
    turnover_gbp       BIGINT,
    budget_gbp         BIGINT,
    company_number     TEXT,
    financial_year_end TEXT,
    due_mmdd           TEXT NOT NULL,
    parent_id          BIGINT REFERENCES organisations(id) ON DELETE SET NULL,
    parent_name        TEXT,
    parent_normalised  TEXT,
    first_year         INTEGER,     -- first registry year with a version or a declaration
    in_scope           BOOLEAN,
    scope_reason       TEXT NOT NULL DEFAULT '',
    source             TEXT NOT NULL DEFAULT '',
    turnover_band      TEXT,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    -- Latest statement text for search (capped by the application).
    search_text        TEXT NOT NULL DEFAULT '',
    search             TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector('english', name), 'A') ||
        setweight(to_tsvector('english', search_text), 'B')
    ) STORED
);
CREATE UNIQUE INDEX organisations_company_number ON organisations(company_number) WHERE company_number IS NOT NULL;
CREATE INDEX organisations_normalised_name ON organisations(normalised_name);
CREATE INDEX organisations_parent ON organisations(parent_id);
CREATE INDEX organisations_sector ON organisations(sector);
CREATE INDEX organisations_org_type ON organisations(org_type);
CREATE INDEX organisations_search ON organisations USING GIN (search);

CREATE TABLE fetches (
    id              BIGSERIAL PRIMARY KEY,
    organisation_id BIGINT REFERENCES organisations(id) ON DELETE CASCADE,
    url             TEXT NOT NULL,
    final_url       TEXT,
    status          INTEGER,
    content_type    TEXT,
    size            BIGINT,
    duration_ms     BIGINT,
    robots          TEXT NOT NULL DEFAULT 'unknown',
    error_kind      TEXT,
    error_message   TEXT,
    document_sha256 TEXT,
    fetched_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX fetches_org ON fetches(organisation_id, fetched_at);

CREATE TABLE documents (
    sha256       TEXT PRIMARY KEY,
    content_type TEXT,
    size         BIGINT NOT NULL,
    compression  TEXT NOT NULL DEFAULT 'none',
    bytes        BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE statement_versions (
    id                  BIGSERIAL PRIMARY KEY,
    organisation_id     BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    document_sha256     TEXT NOT NULL REFERENCES documents(sha256),
    url                 TEXT NOT NULL,
    first_seen          TIMESTAMPTZ NOT NULL,
    last_seen           TIMESTAMPTZ NOT NULL,
    text                TEXT NOT NULL DEFAULT '',
    assessment          TEXT,
    fy_start            DATE,
    fy_end              DATE,
    registry_year       INTEGER,
    year_basis          TEXT NOT NULL DEFAULT 'statement',
    verdict             TEXT,
    score               INTEGER,
    status              TEXT,
    reasons             TEXT NOT NULL DEFAULT '',
    approval_present    BOOLEAN,
    approval_date       DATE,
    signature_present   BOOLEAN,
    signatory           TEXT,
    areas_covered       TEXT NOT NULL DEFAULT '',
    late                BOOLEAN,
    latest_in_year      BOOLEAN NOT NULL DEFAULT FALSE,
    homepage_link       BOOLEAN,
    found_via           TEXT,
    homepage_url        TEXT,
    link_anchor_text    TEXT,
    link_href           TEXT,
    link_region         TEXT,
    link_via_page       TEXT,
    blocks              TEXT,           -- JSON of the text's blocks (headings etc.), for rescoring
    fetch_id            BIGINT REFERENCES fetches(id) ON DELETE SET NULL
);
CREATE INDEX versions_org_url ON statement_versions(organisation_id, url, id);
CREATE INDEX versions_org_year ON statement_versions(organisation_id, registry_year, latest_in_year);
CREATE INDEX versions_year_latest ON statement_versions(registry_year, latest_in_year);

CREATE TABLE registry_declarations (
    id                  BIGSERIAL PRIMARY KEY,
    organisation_id     BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    year                INTEGER NOT NULL,
    summary_url         TEXT NOT NULL DEFAULT '',
    statement_url       TEXT,
    email_no_url        TEXT,
    period_start        DATE,
    period_end          DATE,
    approving_person    TEXT,
    date_approved       DATE,
    area_structure      BOOLEAN NOT NULL DEFAULT FALSE,
    area_policies       BOOLEAN NOT NULL DEFAULT FALSE,
    area_due_diligence  BOOLEAN NOT NULL DEFAULT FALSE,
    area_risk           BOOLEAN NOT NULL DEFAULT FALSE,
    area_effectiveness  BOOLEAN NOT NULL DEFAULT FALSE,
    area_training       BOOLEAN NOT NULL DEFAULT FALSE,
    group_submission    BOOLEAN NOT NULL DEFAULT FALSE,
    parent_name         TEXT,
    turnover_band       TEXT,
    sector_type         TEXT,
    sectors             TEXT,
    pdf_url             TEXT,
    last_updated        TEXT,
    imported_at         TIMESTAMPTZ NOT NULL,
    UNIQUE (organisation_id, year, summary_url)
);
CREATE INDEX declarations_summary ON registry_declarations(summary_url);

CREATE TABLE crawl_jobs (
    id               BIGSERIAL PRIMARY KEY,
    organisation_id  BIGINT REFERENCES organisations(id) ON DELETE CASCADE,
    url              TEXT NOT NULL DEFAULT '',
    kind             TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending',
    attempts         INTEGER NOT NULL DEFAULT 0,
    lease_owner      TEXT,
    lease_expires_at TIMESTAMPTZ,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    last_error       TEXT,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);
-- One job per kind, organisation and URL (organisation may be absent).
CREATE UNIQUE INDEX crawl_jobs_key ON crawl_jobs(kind, COALESCE(organisation_id, 0), url);
CREATE INDEX crawl_jobs_ready ON crawl_jobs(state, next_attempt_at);
CREATE INDEX crawl_jobs_lease ON crawl_jobs(state, lease_expires_at);

CREATE TABLE host_slots (
    host            TEXT PRIMARY KEY,
    next_allowed_at TIMESTAMPTZ NOT NULL
);
