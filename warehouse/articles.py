"""Reads of stored articles and their matches that other packages need, by purpose."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime

import duckdb


def articles_due_for_recrawl(
    con: duckdb.DuckDBPyConnection, outlets: Sequence[str], first_seen_by: datetime, age_us: int
) -> list[tuple[int, str, str]]:
    """(id, url, outlet) of live articles first seen by ``first_seen_by`` and not fetched
    again within ``age_us`` microseconds of first being seen."""
    return con.execute(
        """
        SELECT id, url, outlet FROM articles
        WHERE outlet IN (SELECT unnest(?::VARCHAR[]))
          AND deleted_at IS NULL
          AND first_seen_at <= ?
          AND coalesce(last_fetched_at, first_seen_at) < first_seen_at + to_microseconds(?)
        """,
        [list(outlets), first_seen_by, age_us],
    ).fetchall()


def next_recrawl_due(
    con: duckdb.DuckDBPyConnection, outlets: Sequence[str], ages_us: Sequence[int]
) -> datetime | None:
    """When the next live article of ``outlets`` reaches one of the re-crawl ages (as in
    :func:`articles_due_for_recrawl`), or None if none ever will."""
    if not ages_us:
        return None
    row = con.execute(
        """
        SELECT min(a.first_seen_at + to_microseconds(age.us))
        FROM articles AS a, (SELECT unnest(?::BIGINT[]) AS us) AS age
        WHERE a.outlet IN (SELECT unnest(?::VARCHAR[]))
          AND a.deleted_at IS NULL
          AND coalesce(a.last_fetched_at, a.first_seen_at) < a.first_seen_at + to_microseconds(age.us)
        """,
        [list(ages_us), list(outlets)],
    ).fetchall()
    return row[0][0] if row else None


def stored_urls(con: duckdb.DuckDBPyConnection, chunk: int) -> Iterator[list[str]]:
    """Every URL in ``article_urls`` (none before the first migration), ``chunk`` at a time."""
    tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
    if "article_urls" not in tables:
        return
    cursor = con.execute("SELECT url FROM article_urls")
    while rows := cursor.fetchmany(chunk):
        yield [r[0] for r in rows]


def match_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Stored matches per topic."""
    rows = con.execute("SELECT topic, count(*) FROM topic_matches GROUP BY topic").fetchall()
    return {topic: int(n) for topic, n in rows}


def latest_match_day(con: duckdb.DuckDBPyConnection, topic: str) -> date | None:
    """The newest day (published, else first seen; never in the future) with a match."""
    rows = con.execute(
        "SELECT max(CAST(coalesce(a.published_at, a.first_seen_at) AS DATE)) FROM articles a"
        " JOIN topic_matches m ON m.article_id = a.id"
        " WHERE m.topic = ? AND a.published_at <= now()",
        [topic],
    ).fetchall()
    return rows[0][0] if rows else None
