-- Digests are delivered through an outbox: the intent (with its Message-ID and the exact bytes
-- to send) is committed before the first attempt and marked sent after it, so a crash between
-- the two resends the same message at most once. One row per digest and channel; the 'file'
-- row of a scheduled digest records that it was built and up to when articles were counted.
CREATE SEQUENCE digest_outbox_ids START 1;

CREATE TABLE digest_outbox (
    id              BIGINT NOT NULL DEFAULT nextval('digest_outbox_ids'),
    topic           VARCHAR NOT NULL,
    kind            VARCHAR NOT NULL,              -- scheduled | manual
    day             DATE NOT NULL,                 -- local date the digest is filed under
    window_start    TIMESTAMPTZ NOT NULL,
    window_end      TIMESTAMPTZ NOT NULL,
    cutoff_at       TIMESTAMPTZ NOT NULL,          -- articles first seen before this were counted
    channel         VARCHAR NOT NULL,              -- file | smtp | webhook
    message_id      VARCHAR NOT NULL,
    payload         BLOB,                          -- the .eml or the webhook JSON, sent as is
    status          VARCHAR NOT NULL,              -- pending | sent | failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      TIMESTAMPTZ NOT NULL,
    next_attempt_at TIMESTAMPTZ,
    last_attempt_at TIMESTAMPTZ,
    sent_at         TIMESTAMPTZ,
    given_up_at     TIMESTAMPTZ,
    detail          VARCHAR
);

-- which stored fields were cut to their length limit or rejected (pipeline.limits), and why
ALTER TABLE articles ADD COLUMN field_flags VARCHAR[];
