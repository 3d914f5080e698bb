-- PostgreSQL only. The generation's row was locked from a transaction's
-- first write until its commit, so concurrent writers (two crawlers on one
-- database) queued behind each other for their whole transactions, and a
-- writer holding that lock could wait for a row another writer (itself
-- waiting for the lock) had just written: a deadlock. The bump now runs at
-- commit, as the transaction's last write: deferred constraint triggers
-- (row-level: PostgreSQL has no statement-level ones), of which the first
-- moves the generation and the rest of the transaction's see it marked
-- (0092). A write undone with its savepoint takes its queued bump with it.
DROP TRIGGER organisations_gen ON organisations;
DROP TRIGGER statement_versions_gen ON statement_versions;
DROP TRIGGER documents_gen ON documents;
DROP TRIGGER registry_declarations_gen ON registry_declarations;

CREATE CONSTRAINT TRIGGER organisations_gen AFTER INSERT OR UPDATE OR DELETE ON organisations
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION registry_generation_bump();
CREATE CONSTRAINT TRIGGER statement_versions_gen AFTER INSERT OR UPDATE OR DELETE ON statement_versions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION registry_generation_bump();
CREATE CONSTRAINT TRIGGER documents_gen AFTER INSERT OR UPDATE OR DELETE ON documents
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION registry_generation_bump();
CREATE CONSTRAINT TRIGGER registry_declarations_gen AFTER INSERT OR UPDATE OR DELETE ON registry_declarations
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION registry_generation_bump();

-- TRUNCATE has no row events; s54 never truncates, but whoever does moves
-- the generation at once.
CREATE TRIGGER organisations_gen_truncate AFTER TRUNCATE ON organisations
    FOR EACH STATEMENT EXECUTE FUNCTION registry_generation_bump();
CREATE TRIGGER statement_versions_gen_truncate AFTER TRUNCATE ON statement_versions
    FOR EACH STATEMENT EXECUTE FUNCTION registry_generation_bump();
CREATE TRIGGER documents_gen_truncate AFTER TRUNCATE ON documents
    FOR EACH STATEMENT EXECUTE FUNCTION registry_generation_bump();
CREATE TRIGGER registry_declarations_gen_truncate AFTER TRUNCATE ON registry_declarations
    FOR EACH STATEMENT EXECUTE FUNCTION registry_generation_bump();
