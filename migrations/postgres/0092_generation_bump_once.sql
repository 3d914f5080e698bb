-- PostgreSQL only (SQLite's per-row triggers update one row in place).
-- The generation moved on every writing statement, so a transaction of many
-- statements (a generate, an import, a rescore batch) updated the one
-- counter row as many times: each update walks the row's chain of versions
-- made earlier in the same transaction, so the cost grew with the square of
-- the statements. It now moves once per writing transaction: the first
-- write marks the transaction (a setting that ends with it, and is undone
-- with a rolled-back savepoint together with the update it marks).
CREATE OR REPLACE FUNCTION registry_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('s54.generation_bumped', true) IS DISTINCT FROM 'on' THEN
        UPDATE registry_generation SET generation = generation + 1 WHERE id = 1;
        PERFORM set_config('s54.generation_bumped', 'on', true);
    END IF;
    RETURN NULL;
END
$$;
