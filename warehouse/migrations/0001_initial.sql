-- The spine: outlets, articles with their URLs, stories, crawl runs and failures.

CREATE TABLE outlets (
    name          VARCHAR PRIMARY KEY,
    homepage      VARCHAR NOT NULL,
    language      VARCHAR,
    timezone      VARCHAR,
    first_seen_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE articles (
    id                       BIGINT PRIMARY KEY,   -- stable hash of canonical_url (pipeline.urls.url_id)
    url                      VARCHAR NOT NULL,     -- the URL it was fetched from (after redirects)
    canonical_url            VARCHAR NOT NULL,
    outlet                   VARCHAR NOT NULL,
    title                    VARCHAR NOT NULL,
    authors                  VARCHAR[],
    published_at             TIMESTAMPTZ,
    published_source         VARCHAR,              -- json-ld | meta | url | text | feed | sitemap | http-header
    published_precision      VARCHAR,              -- second | minute | day
    published_offset_minutes INTEGER,              -- the page's own UTC offset, when it gave one
    modified_at              TIMESTAMPTZ,
    modified_source          VARCHAR,
    first_seen_at            TIMESTAMPTZ NOT NULL,
    last_fetched_at          TIMESTAMPTZ,
    language                 VARCHAR,
    description              VARCHAR,
    section                  VARCHAR,
    tags                     VARCHAR[],
    image_url                VARCHAR,
    site_name                VARCHAR,
    paywalled                BOOLEAN,
    text                     VARCHAR NOT NULL,
    word_count               INTEGER NOT NULL,
    content_hash             VARCHAR NOT NULL,
    minhash                  BLOB,
    story_id                 BIGINT,
    discovered_via           VARCHAR,              -- feed | sitemap | homepage
    field_sources            JSON,
    date_flags               VARCHAR[],
    run_id                   BIGINT
);

-- every URL under which an article was found (tracking variants, AMP twins, copies with the same text)
CREATE TABLE article_urls (
    url           VARCHAR PRIMARY KEY,             -- canonicalised
    article_id    BIGINT NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    kind          VARCHAR NOT NULL                 -- canonical | fetched | alias | exact-duplicate
);

CREATE TABLE stories (
    id                 BIGINT PRIMARY KEY,
    first_article_id   BIGINT NOT NULL,            -- the earliest published copy (the origin)
    origin_outlet      VARCHAR NOT NULL,
    first_published_at TIMESTAMPTZ,
    last_published_at  TIMESTAMPTZ,
    n_articles         INTEGER NOT NULL,
    n_outlets          INTEGER NOT NULL,
    title              VARCHAR
);

CREATE SEQUENCE crawl_run_ids START 1;

CREATE TABLE crawl_runs (
    id          BIGINT PRIMARY KEY DEFAULT nextval('crawl_run_ids'),
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    status      VARCHAR NOT NULL,                  -- running | ok | partial | failed | timeout | interrupted
    trigger     VARCHAR NOT NULL DEFAULT 'manual', -- manual | schedule | demo | startup
    outlets     VARCHAR[],
    pid         INTEGER,
    error       VARCHAR
);

CREATE TABLE crawl_run_outlets (
    run_id              BIGINT NOT NULL,
    outlet              VARCHAR NOT NULL,
    discovered          INTEGER NOT NULL DEFAULT 0,
    fetched             INTEGER NOT NULL DEFAULT 0,
    new                 INTEGER NOT NULL DEFAULT 0,
    duplicate           INTEGER NOT NULL DEFAULT 0,
    failed              INTEGER NOT NULL DEFAULT 0,
    not_modified        INTEGER NOT NULL DEFAULT 0,
    bytes               BIGINT NOT NULL DEFAULT 0,
    seconds             DOUBLE,
    newest_published_at TIMESTAMPTZ,
    failures_by_reason  JSON,
    PRIMARY KEY (run_id, outlet)
);

CREATE TABLE fetch_failures (
    run_id      BIGINT,
    url         VARCHAR NOT NULL,
    outlet      VARCHAR,
    stage       VARCHAR NOT NULL,                  -- fetch | feed | sitemap | homepage | robots | extract | store
    reason      VARCHAR NOT NULL,
    detail      VARCHAR,
    http_status INTEGER,
    failed_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE topic_matches (
    topic         VARCHAR NOT NULL,
    article_id    BIGINT NOT NULL,
    matched_terms VARCHAR[],
    snippet       VARCHAR,
    matched_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (topic, article_id)
);

CREATE TABLE article_versions (
    article_id      BIGINT NOT NULL,
    seen_at         TIMESTAMPTZ NOT NULL,
    old_hash        VARCHAR NOT NULL,
    new_hash        VARCHAR NOT NULL,
    title_changed   BOOLEAN NOT NULL,
    old_title       VARCHAR,
    words_added     INTEGER,
    words_removed   INTEGER
);

-- conditional GET validators for feeds and sitemaps
CREATE TABLE fetch_validators (
    url           VARCHAR PRIMARY KEY,
    etag          VARCHAR,
    last_modified VARCHAR,
    checked_at    TIMESTAMPTZ NOT NULL,
    changed_at    TIMESTAMPTZ
);

CREATE TABLE digest_deliveries (
    topic        VARCHAR NOT NULL,
    day          DATE NOT NULL,
    channel      VARCHAR NOT NULL,                 -- file | smtp | webhook
    status       VARCHAR NOT NULL,                 -- sent | failed
    attempts     INTEGER NOT NULL DEFAULT 1,
    detail       VARCHAR,
    delivered_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE scheduler_events (
    event_at TIMESTAMPTZ NOT NULL,
    job     VARCHAR NOT NULL,
    event   VARCHAR NOT NULL,                      -- started | finished | missed | error | timed-out | max-instances | skipped
    detail  VARCHAR
);
