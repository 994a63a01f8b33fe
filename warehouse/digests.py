"""The SQL behind digests: what a window holds, and the delivery outbox.

``digests`` and ``schedules`` call these functions and never name a table or a column. An
article's moment is ``coalesce(published_at, first_seen_at)`` (the trend views' convention);
an article without a story counts as a story of its own, ``-id``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import duckdb

WHEN = "coalesce(a.published_at, a.first_seen_at)"
# the words as the article wrote them (migration 0010), else the query terms that matched:
# the same expression as the topic_articles view's matched_words
_WORDS = (
    "coalesce(list_distinct(list_transform(m.matched_forms, lambda f: lower(f.surface))),"
    " m.matched_terms)"
)


@dataclass(frozen=True)
class MatchRow:
    article_id: int
    story_id: int
    outlet: str
    at: datetime
    raw_terms: tuple[str, ...]  # words as written (or query terms); see digests.snippet
    first_seen_at: datetime


@dataclass(frozen=True)
class ArticleRow:
    title: str
    url: str | None
    language: str | None
    text: str
    precision: str | None  # second | minute | day | None
    at: datetime | None = None  # coalesce(published_at, first_seen_at)


@dataclass(frozen=True)
class OutboxRow:
    id: int
    topic: str
    kind: str
    day: date
    window_start: datetime
    window_end: datetime
    cutoff_at: datetime
    channel: str
    message_id: str
    payload: bytes | None
    status: str
    attempts: int
    next_attempt_at: datetime | None
    detail: str | None


def use_utc(con: duckdb.DuckDBPyConnection) -> None:
    """TIMESTAMPTZ values come back in UTC, whatever the machine's zone."""
    con.execute("SET TimeZone = 'UTC'")


def matches(
    con: duckdb.DuckDBPyConnection,
    topic: str,
    start: datetime,
    end: datetime,
    *,
    seen_before: datetime | None = None,
) -> list[MatchRow]:
    """Matches dated in ``[start, end)`` (and first seen before ``seen_before``, if given)."""
    sql = f"""
        SELECT a.id, coalesce(a.story_id, -a.id), a.outlet, {WHEN}, {_WORDS}, a.first_seen_at
        FROM topic_matches m JOIN articles a ON a.id = m.article_id
        WHERE m.topic = ? AND {WHEN} >= ? AND {WHEN} < ?
    """
    params: list[object] = [topic, start, end]
    if seen_before is not None:
        sql += " AND a.first_seen_at < ?"
        params.append(seen_before)
    return [_match(r) for r in con.execute(sql, params).fetchall()]


def late_matches(
    con: duckdb.DuckDBPyConnection,
    topic: str,
    dated_before: datetime,
    seen_from: datetime,
    seen_before: datetime,
) -> list[MatchRow]:
    """Matches dated before ``dated_before`` but first stored in ``[seen_from, seen_before)``:
    published before a window, found after the digest of their own window was built."""
    rows = con.execute(
        f"""
        SELECT a.id, coalesce(a.story_id, -a.id), a.outlet, {WHEN}, {_WORDS}, a.first_seen_at
        FROM topic_matches m JOIN articles a ON a.id = m.article_id
        WHERE m.topic = ? AND {WHEN} < ? AND a.first_seen_at >= ? AND a.first_seen_at < ?
        """,
        [topic, dated_before, seen_from, seen_before],
    ).fetchall()
    return [_match(r) for r in rows]


def _match(r: tuple) -> MatchRow:
    return MatchRow(r[0], r[1], r[2], r[3], tuple(r[4] or ()), r[5])


def stories_meta(
    con: duckdb.DuckDBPyConnection, story_ids: Sequence[int]
) -> dict[int, tuple[str | None, str | None, datetime | None, int | None]]:
    """story id -> (title, origin outlet, first published, first article id)."""
    rows = con.execute(
        "SELECT id, title, origin_outlet, first_published_at, first_article_id"
        " FROM stories WHERE list_contains(?, id)",
        [list(story_ids)],
    ).fetchall()
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}


def story_carriers(
    con: duckdb.DuckDBPyConnection, story_ids: Sequence[int], until: datetime
) -> list[tuple[int, str, datetime, datetime]]:
    """(story, outlet, first, latest) for every outlet carrying each story before ``until``."""
    return con.execute(
        f"""
        SELECT coalesce(a.story_id, -a.id), a.outlet, min({WHEN}), max({WHEN})
        FROM articles a
        WHERE list_contains(?, coalesce(a.story_id, -a.id)) AND {WHEN} < ?
        GROUP BY ALL
        """,
        [list(story_ids), until],
    ).fetchall()


def articles(con: duckdb.DuckDBPyConnection, ids: Sequence[int]) -> dict[int, ArticleRow]:
    rows = con.execute(
        "SELECT id, title, url, language, text, published_precision,"
        f" {WHEN} FROM articles a WHERE list_contains(?, id)",
        [list(ids)],
    ).fetchall()
    return {r[0]: ArticleRow(r[1] or "", r[2], r[3], r[4] or "", r[5], r[6]) for r in rows}


def first_time_outlets(
    con: duckdb.DuckDBPyConnection, topic: str, start: datetime, end: datetime
) -> list[str]:
    """Outlets whose first article on the topic is in ``[start, end)``."""
    rows = con.execute(
        f"""
        SELECT a.outlet FROM topic_matches m JOIN articles a ON a.id = m.article_id
        WHERE m.topic = ? AND {WHEN} < ?
        GROUP BY a.outlet HAVING min({WHEN}) >= ? ORDER BY a.outlet
        """,
        [topic, end, start],
    ).fetchall()
    return [r[0] for r in rows]


def outlet_runs(con: duckdb.DuckDBPyConnection, before: datetime) -> list[tuple]:
    """(outlet, started, fetched, new, failed, failures_by_reason), newest run first."""
    return con.execute(
        """
        SELECT o.outlet, r.started_at, o.fetched, o.new, o.failed, o.failures_by_reason
        FROM crawl_run_outlets o JOIN crawl_runs r ON r.id = o.run_id
        WHERE r.started_at < ? ORDER BY r.started_at DESC
        """,
        [before],
    ).fetchall()


def first_article_at(con: duckdb.DuckDBPyConnection) -> datetime | None:
    return con.execute(f"SELECT min({WHEN}) FROM articles a").fetchall()[0][0]


def crawled_since(
    con: duckdb.DuckDBPyConnection, outlets: Sequence[str], since: datetime
) -> set[str]:
    """The outlets with a crawl started at or after ``since`` that has finished (any outcome)."""
    rows = con.execute(
        "SELECT DISTINCT o FROM (SELECT unnest(outlets) AS o, status, started_at FROM crawl_runs)"
        " WHERE started_at >= ? AND status <> 'running' AND list_contains(?, o)",
        [since, list(outlets)],
    ).fetchall()
    return {r[0] for r in rows}


# -- the outbox ----------------------------------------------------------------------------
_OUTBOX_COLUMNS = (
    "id, topic, kind, day, window_start, window_end, cutoff_at, channel, message_id, payload,"
    " status, attempts, next_attempt_at, detail"
)


def _outbox(r: tuple) -> OutboxRow:
    payload = bytes(r[9]) if r[9] is not None else None
    return OutboxRow(
        id=r[0], topic=r[1], kind=r[2], day=r[3], window_start=r[4], window_end=r[5],
        cutoff_at=r[6], channel=r[7], message_id=r[8], payload=payload, status=r[10],
        attempts=r[11], next_attempt_at=r[12], detail=r[13],
    )  # fmt: skip


def enqueue(
    con: duckdb.DuckDBPyConnection,
    *,
    topic: str,
    kind: str,
    day: date,
    window: tuple[datetime, datetime],
    cutoff: datetime,
    now: datetime,
    items: Sequence[tuple[str, str, bytes | None, str]],
) -> list[int]:
    """Insert one row per (channel, message_id, payload, status); returns their ids.

    The caller commits this before any attempt: the row is the intent to send.
    """
    ids = []
    for channel, message_id, payload, status in items:
        [(row_id,)] = con.execute(
            "INSERT INTO digest_outbox (topic, kind, day, window_start, window_end, cutoff_at,"
            " channel, message_id, payload, status, attempts, created_at, next_attempt_at,"
            " sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?) RETURNING id",
            [
                topic, kind, day, window[0], window[1], cutoff, channel, message_id, payload,
                status, now, now if status == "pending" else None,
                now if status == "sent" else None,
            ],
        ).fetchall()  # fmt: skip
        ids.append(row_id)
    return ids


def copies(con: duckdb.DuckDBPyConnection, topic: str, kind: str, window_end: datetime) -> int:
    """How many rows a digest already has (a forced resend gets a new Message-ID from this)."""
    return con.execute(
        "SELECT count(*) FROM digest_outbox WHERE topic = ? AND kind = ? AND window_end = ?",
        [topic, kind, window_end],
    ).fetchall()[0][0]


def built(con: duckdb.DuckDBPyConnection, topic: str, kind: str, window_end: datetime) -> bool:
    return copies(con, topic, kind, window_end) > 0


def sent_channels(
    con: duckdb.DuckDBPyConnection, topic: str, kind: str, window: tuple[datetime, datetime]
) -> set[str]:
    rows = con.execute(
        "SELECT DISTINCT channel FROM digest_outbox WHERE topic = ? AND kind = ?"
        " AND window_start = ? AND window_end = ? AND status = 'sent'",
        [topic, kind, *window],
    ).fetchall()
    return {r[0] for r in rows}


def previous_scheduled(
    con: duckdb.DuckDBPyConnection, topic: str, before_end: datetime
) -> tuple[datetime, datetime] | None:
    """(window_end, cutoff) of the latest scheduled digest built before this one, if any."""
    rows = con.execute(
        "SELECT window_end, max(cutoff_at) FROM digest_outbox"
        " WHERE topic = ? AND kind = 'scheduled' AND window_end < ?"
        " GROUP BY window_end ORDER BY window_end DESC LIMIT 1",
        [topic, before_end],
    ).fetchall()
    return (rows[0][0], rows[0][1]) if rows else None


def pending(
    con: duckdb.DuckDBPyConnection, due_by: datetime, kind: str = "scheduled"
) -> list[OutboxRow]:
    """Rows waiting to be sent whose next attempt is due, oldest first."""
    rows = con.execute(
        f"SELECT {_OUTBOX_COLUMNS} FROM digest_outbox WHERE status = 'pending' AND kind = ?"
        " AND next_attempt_at <= ? ORDER BY id",
        [kind, due_by],
    ).fetchall()
    return [_outbox(r) for r in rows]


def next_attempt_at(con: duckdb.DuckDBPyConnection, kind: str = "scheduled") -> datetime | None:
    """When the outbox next has something to try (None: nothing pending)."""
    return con.execute(
        "SELECT min(next_attempt_at) FROM digest_outbox WHERE status = 'pending' AND kind = ?",
        [kind],
    ).fetchall()[0][0]


def rows_for(con: duckdb.DuckDBPyConnection, ids: Sequence[int]) -> list[OutboxRow]:
    rows = con.execute(
        f"SELECT {_OUTBOX_COLUMNS} FROM digest_outbox WHERE list_contains(?, id) ORDER BY id",
        [list(ids)],
    ).fetchall()
    return [_outbox(r) for r in rows]


def mark_attempt(con: duckdb.DuckDBPyConnection, row_id: int, now: datetime) -> None:
    con.execute(
        "UPDATE digest_outbox SET attempts = attempts + 1, last_attempt_at = ? WHERE id = ?",
        [now, row_id],
    )


def mark_sent(con: duckdb.DuckDBPyConnection, row_id: int, now: datetime) -> None:
    con.execute(
        "UPDATE digest_outbox SET status = 'sent', sent_at = ?, next_attempt_at = NULL,"
        " detail = NULL WHERE id = ?",
        [now, row_id],
    )


def mark_retry(con: duckdb.DuckDBPyConnection, row_id: int, next_at: datetime, detail: str) -> None:
    con.execute(
        "UPDATE digest_outbox SET next_attempt_at = ?, detail = ? WHERE id = ?",
        [next_at, detail, row_id],
    )


def mark_failed(
    con: duckdb.DuckDBPyConnection, row_id: int, now: datetime, detail: str | None
) -> None:
    """Given up: no further attempt; the next digest reports it."""
    con.execute(
        "UPDATE digest_outbox SET status = 'failed', given_up_at = ?, next_attempt_at = NULL,"
        " detail = coalesce(?, detail) WHERE id = ?",
        [now, detail, row_id],
    )


def give_up_before(
    con: duckdb.DuckDBPyConnection, kind: str, topic: str, window_end_before: datetime,
    now: datetime,
) -> int:  # fmt: skip
    """Pending rows of digests older than ``window_end_before`` stop being retried."""
    rows = con.execute(
        "UPDATE digest_outbox SET status = 'failed', given_up_at = ?, next_attempt_at = NULL"
        " WHERE status = 'pending' AND kind = ? AND topic = ? AND window_end < ? RETURNING id",
        [now, kind, topic, window_end_before],
    ).fetchall()
    return len(rows)


def undelivered(
    con: duckdb.DuckDBPyConnection, topic: str, window_end: datetime
) -> list[tuple[date, datetime, datetime, str, int, str | None]]:
    """The channels of the scheduled digest ending at ``window_end`` that were given up:
    (day, start, end, channel, attempts, detail). The next digest reports them, once."""
    rows = con.execute(
        "SELECT day, window_start, window_end, channel, attempts, detail FROM digest_outbox"
        " WHERE topic = ? AND kind = 'scheduled' AND status = 'failed' AND window_end = ?"
        " ORDER BY channel",
        [topic, window_end],
    ).fetchall()
    return [tuple(r) for r in rows]


def outbox_rows(con: duckdb.DuckDBPyConnection, topic: str | None = None) -> list[OutboxRow]:
    """Every row (for tests and 'mediawatch status'), oldest first."""
    rows = con.execute(
        f"SELECT {_OUTBOX_COLUMNS} FROM digest_outbox WHERE ? IS NULL OR topic = ? ORDER BY id",
        [topic, topic],
    ).fetchall()
    return [_outbox(r) for r in rows]
