-- Three outcomes for an outlet's listings, not two: read (some may list nothing: empty),
-- absent (a guessed location such as robots.txt or /sitemap.xml that does not exist),
-- and failed (fetch_failures, as before). Only failures make a run fail.
ALTER TABLE crawl_run_outlets ADD COLUMN listings_read INTEGER DEFAULT 0;
ALTER TABLE crawl_run_outlets ADD COLUMN listings_empty INTEGER DEFAULT 0;
ALTER TABLE crawl_run_outlets ADD COLUMN listings_absent INTEGER DEFAULT 0;
-- The usual sitemap paths a crawl tried for an outlet whose robots.txt names no sitemap:
-- each path at most once a day; a path that answered with a sitemap is read every run.
CREATE TABLE sitemap_probes (
    outlet     VARCHAR NOT NULL,
    url        VARCHAR NOT NULL,
    probed_at  TIMESTAMPTZ NOT NULL,
    found      BOOLEAN NOT NULL,
    PRIMARY KEY (outlet, url)
);
