-- Turnover per organisation and registry year, from Companies House
-- accounts (`s54 accounts import`). Kept in step with migrations/sqlite.
-- `source` names the filing (the Accounts Data Product member) the figure
-- came from; `in_scope` is that year's verdict on the £36m threshold of
-- s.54(2) (NULL when the figure is not in pounds and cannot be compared).
CREATE TABLE organisation_turnovers (
    id              BIGSERIAL PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    year            INTEGER NOT NULL,
    period_start    DATE,
    period_end      DATE NOT NULL,
    turnover        BIGINT NOT NULL,
    currency        TEXT NOT NULL,
    consolidated    BOOLEAN NOT NULL DEFAULT FALSE,
    dormant         BOOLEAN NOT NULL DEFAULT FALSE,
    employees       BIGINT,
    in_scope        BOOLEAN,
    source          TEXT NOT NULL,
    imported_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (organisation_id, period_end)
);
CREATE INDEX organisation_turnovers_year ON organisation_turnovers(year, in_scope);

CREATE CONSTRAINT TRIGGER organisation_turnovers_gen AFTER INSERT OR UPDATE OR DELETE ON organisation_turnovers
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION registry_generation_bump();
CREATE TRIGGER organisation_turnovers_gen_truncate AFTER TRUNCATE ON organisation_turnovers
    FOR EACH STATEMENT EXECUTE FUNCTION registry_generation_bump();
