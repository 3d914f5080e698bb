-- Registry years from a statement's own dates (issue 22): the publication
-- date its server (Last-Modified) or PDF (/CreationDate) gave, and a
-- fingerprint of its words without its dates, so that a version repeating an
-- earlier year's text is shown as "copied from" that year. Kept in step with
-- migrations/sqlite.
ALTER TABLE statement_versions ADD COLUMN published DATE;
ALTER TABLE statement_versions ADD COLUMN published_source TEXT;
ALTER TABLE statement_versions ADD COLUMN text_fingerprint TEXT;
CREATE INDEX versions_org_fingerprint ON statement_versions(organisation_id, text_fingerprint, registry_year);
