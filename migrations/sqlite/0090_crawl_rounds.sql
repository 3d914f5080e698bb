-- Crawler (additive): crawl rounds and the per-round fetch log. A restarted
-- crawl replays a URL already fetched in the open round from here instead of
-- fetching it again, so kill-and-resume loses and duplicates nothing.
CREATE TABLE crawl_rounds (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT
);
-- At most one open round.
CREATE UNIQUE INDEX crawl_rounds_one_open ON crawl_rounds((finished_at IS NULL)) WHERE finished_at IS NULL;

CREATE TABLE crawl_pages (
    round_id        INTEGER NOT NULL REFERENCES crawl_rounds(id) ON DELETE CASCADE,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    url             TEXT NOT NULL,
    fetch_id        INTEGER NOT NULL REFERENCES fetches(id) ON DELETE CASCADE,
    PRIMARY KEY (round_id, organisation_id, url)
);
