-- Turnover per organisation and registry year, from Companies House
-- accounts (`s54 accounts import`). Kept in step with migrations/postgres.
-- `source` names the filing (the Accounts Data Product member) the figure
-- came from; `in_scope` is that year's verdict on the £36m threshold of
-- s.54(2) (NULL when the figure is not in pounds and cannot be compared).
CREATE TABLE organisation_turnovers (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    year            INTEGER NOT NULL,
    period_start    TEXT,
    period_end      TEXT NOT NULL,
    turnover        INTEGER NOT NULL,
    currency        TEXT NOT NULL,
    consolidated    INTEGER NOT NULL DEFAULT 0,
    dormant         INTEGER NOT NULL DEFAULT 0,
    employees       INTEGER,
    in_scope        INTEGER,
    source          TEXT NOT NULL,
    imported_at     TEXT NOT NULL,
    UNIQUE (organisation_id, period_end)
);
CREATE INDEX organisation_turnovers_year ON organisation_turnovers(year, in_scope);

CREATE TRIGGER organisation_turnovers_gen_insert AFTER INSERT ON organisation_turnovers
BEGIN UPDATE registry_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER organisation_turnovers_gen_update AFTER UPDATE ON organisation_turnovers
BEGIN UPDATE registry_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER organisation_turnovers_gen_delete AFTER DELETE ON organisation_turnovers
BEGIN UPDATE registry_generation SET generation = generation + 1 WHERE id = 1; END;
