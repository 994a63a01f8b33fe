-- Backfill: where each article came from (the live crawl or an archive) and when it was
-- captured, and how far each archive source has been read, so a killed backfill resumes.
ALTER TABLE articles ADD COLUMN source VARCHAR DEFAULT 'live';
ALTER TABLE articles ADD COLUMN captured_at TIMESTAMPTZ;
UPDATE articles SET captured_at = first_seen_at WHERE captured_at IS NULL;
CREATE TABLE backfill_progress (
    source      VARCHAR NOT NULL,      -- warc | ccnews | wayback
    item        VARCHAR NOT NULL,      -- a WARC path or URL, or outlet:from:to for the Wayback Machine
    position    BIGINT NOT NULL,       -- resume point: byte offset of the next WARC record, or capture index
    records     BIGINT NOT NULL,       -- records read so far
    articles    BIGINT NOT NULL,       -- records handed to extraction so far
    status      VARCHAR NOT NULL,      -- running | done | failed
    detail      VARCHAR,
    run_id      BIGINT,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source, item)
);
