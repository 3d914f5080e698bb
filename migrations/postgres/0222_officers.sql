-- Officers from the Companies House register (issue 22): every appointment
-- of every company in the registry, replaced whole on each fetch or import,
-- and one row per company whose list was loaded (what `s54 officers fetch`
-- resumes from). Kept in step with migrations/sqlite.
CREATE TABLE officers (
    id             BIGSERIAL PRIMARY KEY,
    company_number TEXT NOT NULL,
    name           TEXT NOT NULL,
    officer_role   TEXT NOT NULL,
    appointed_on   DATE,
    resigned_on    DATE
);
CREATE INDEX officers_company ON officers(company_number);

CREATE TABLE officer_lists (
    company_number TEXT PRIMARY KEY,
    outcome        TEXT NOT NULL,   -- found | not_found
    total_results  INTEGER NOT NULL,
    loaded_at      TIMESTAMPTZ NOT NULL
);
