-- The registry's generation: a number that moves on every committed write to
-- what the public pages show (organisations, versions, documents,
-- declarations), in the writing transaction itself. The web app's page cache
-- keys rendered pages by it, so a page is never served from before a write,
-- whichever process made the write. Kept in step with migrations/sqlite
-- (statement-level triggers here: one bump per statement, not per row).
CREATE TABLE registry_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO registry_generation (id, generation) VALUES (1, 1);

CREATE FUNCTION registry_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE registry_generation SET generation = generation + 1 WHERE id = 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER organisations_gen AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON organisations
    FOR EACH STATEMENT EXECUTE FUNCTION registry_generation_bump();
CREATE TRIGGER statement_versions_gen AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON statement_versions
    FOR EACH STATEMENT EXECUTE FUNCTION registry_generation_bump();
CREATE TRIGGER documents_gen AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON documents
    FOR EACH STATEMENT EXECUTE FUNCTION registry_generation_bump();
CREATE TRIGGER registry_declarations_gen AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON registry_declarations
    FOR EACH STATEMENT EXECUTE FUNCTION registry_generation_bump();

-- The registry list sorts by name; with this index a page of a large search
-- is read in name order instead of sorting every match.
CREATE INDEX organisations_name ON organisations(name, id);
