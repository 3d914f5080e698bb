-- PostgreSQL only. Every rescore rewrites each version's assessment JSON
-- (about 12 KB); compressing it with the default pglz was half of the
-- server's CPU in a 100,000-version rescore, lz4 a fraction of that for
-- about 17% more bytes (BENCHMARKS.md, "Registry on PostgreSQL"). Applies to
-- values written from now on. A server without lz4 (before PostgreSQL 14, or
-- built without it) keeps the default: slower, never wrong.
DO $$
BEGIN
    EXECUTE 'ALTER TABLE statement_versions ALTER COLUMN assessment SET COMPRESSION lz4';
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 's54: lz4 compression unavailable (%), assessments keep the default', SQLERRM;
END
$$;
