-- The registry's generation: a number that moves on every committed write to
-- what the public pages show (organisations, versions, documents,
-- declarations), in the writing transaction itself. The web app's page cache
-- keys rendered pages by it, so a page is never served from before a write,
-- whichever process made the write. Kept in step with migrations/postgres.
CREATE TABLE registry_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO registry_generation (id, generation) VALUES (1, 1);

CREATE TRIGGER organisations_gen_insert AFTER INSERT ON organisations
BEGIN UPDATE registry_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER organisations_gen_update AFTER UPDATE ON organisations
BEGIN UPDATE registry_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER organisations_gen_delete AFTER DELETE ON organisations
BEGIN UPDATE registry_generation SET generation = generation + 1 WHERE id = 1; END;

CREATE TRIGGER statement_versions_gen_insert AFTER INSERT ON statement_versions
BEGIN UPDATE registry_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER statement_versions_gen_update AFTER UPDATE ON statement_versions
BEGIN UPDATE registry_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER statement_versions_gen_delete AFTER DELETE ON statement_versions
BEGIN UPDATE registry_generation SET generation = generation + 1 WHERE id = 1; END;

CREATE TRIGGER documents_gen_insert AFTER INSERT ON documents
BEGIN UPDATE registry_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER documents_gen_update AFTER UPDATE ON documents
BEGIN UPDATE registry_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER documents_gen_delete AFTER DELETE ON documents
BEGIN UPDATE registry_generation SET generation = generation + 1 WHERE id = 1; END;

CREATE TRIGGER registry_declarations_gen_insert AFTER INSERT ON registry_declarations
BEGIN UPDATE registry_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER registry_declarations_gen_update AFTER UPDATE ON registry_declarations
BEGIN UPDATE registry_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER registry_declarations_gen_delete AFTER DELETE ON registry_declarations
BEGIN UPDATE registry_generation SET generation = generation + 1 WHERE id = 1; END;

-- The registry list sorts by name; with this index a page of a large search
-- is read in name order instead of sorting every match.
CREATE INDEX organisations_name ON organisations(name, id);
