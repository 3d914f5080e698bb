-- Whether the crawler has looked for each organisation's statements
-- (issue 26): a year with no statement is `missing` only when the crawler
-- read the site after that year's due date, else `unchecked`. A failed look
-- (timeout, refused, too large, 5xx, …) is kept, with its time, to show on
-- the organisation's page; it is no evidence that no statement exists.
-- Kept in step with migrations/sqlite.
ALTER TABLE organisations ADD COLUMN looked_at TIMESTAMPTZ;     -- last complete read of the site
ALTER TABLE organisations ADD COLUMN looked_through INTEGER;    -- last registry year due by then
ALTER TABLE organisations ADD COLUMN crawl_failed_at TIMESTAMPTZ; -- last failed look (cleared by a complete one)
ALTER TABLE organisations ADD COLUMN crawl_error_kind TEXT;
ALTER TABLE organisations ADD COLUMN crawl_error TEXT;
