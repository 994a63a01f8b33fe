"""Read-only queries behind the web view (``mediawatch serve``): one function per thing a page shows.

The web package holds no SQL; every table and column name it needs is here. Each function
takes an open (read-only) connection and returns plain dataclasses, bounded in size, so a
page never turns a whole table into Python objects. User strings reach SQL only as bound
parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb

__all__ = [
    "ArticleDetail",
    "DayStory",
    "FailureCount",
    "RunSummary",
    "SearchDoc",
    "StoryCopy",
    "StoryDetail",
    "Version",
    "article",
    "topic_stories",
    "shares_in_range",
    "failures_by_reason",
    "newest_articles",
    "outlet_counts",
    "recent_runs",
    "story",
    "topic_article_counts",
    "warehouse_totals",
]

_WHEN = "coalesce(published_at, first_seen_at)"


@dataclass(frozen=True)
class DayStory:
    story_id: int | None  # None: an article that belongs to no story
    first_article_id: int
    title: str
    origin_outlet: str
    first_at: datetime
    articles: int
    outlets: int


@dataclass(frozen=True)
class Version:
    article_id: int
    seen_at: datetime
    title_changed: bool
    old_title: str | None
    words_added: int | None
    words_removed: int | None


@dataclass(frozen=True)
class StoryCopy:
    article_id: int
    outlet: str
    title: str
    url: str
    published_at: datetime | None
    published_source: str | None
    first_seen_at: datetime
    language: str | None
    deleted_at: datetime | None


@dataclass(frozen=True)
class StoryDetail:
    story_id: int
    title: str | None
    origin_outlet: str | None
    first_article_id: int | None
    first_published_at: datetime | None
    last_published_at: datetime | None
    copies: list[StoryCopy]  # first published first
    versions: list[Version]  # every edit of every copy, oldest first


@dataclass(frozen=True)
class ArticleDetail:
    fields: dict[str, object]  # every column but the MinHash signature
    urls: list[tuple[str, str, datetime]]  # (url, kind, first seen)
    topics: list[tuple[str, list[str], str | None]]  # (topic, matched terms, snippet)
    versions: list[Version]


@dataclass(frozen=True)
class RunSummary:
    id: int
    started_at: datetime
    finished_at: datetime | None
    status: str
    trigger: str
    outlets: int
    fetched: int
    new: int
    failed: int
    error: str | None


@dataclass(frozen=True)
class FailureCount:
    outlet: str | None
    stage: str
    reason: str
    failures: int
    last_at: datetime


def warehouse_totals(con: duckdb.DuckDBPyConnection) -> tuple[int, int, datetime | None]:
    """Articles, outlets with articles, and the newest article's time."""
    row = con.execute(
        f"SELECT count(*), count(DISTINCT outlet), max({_WHEN}) FROM articles"
    ).fetchall()[0]
    return int(row[0]), int(row[1]), row[2]


def topic_article_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Matched articles per topic, including topics no longer in the config."""
    rows = con.execute("SELECT topic, count(*) FROM topic_matches GROUP BY topic").fetchall()
    return {str(r[0]): int(r[1]) for r in rows}


@dataclass(frozen=True)
class SearchDoc:
    id: int
    dated_at: datetime
    title: str
    text: str
    outlet: str
    language: str | None
    authors: tuple[str, ...]


def newest_articles(
    con: duckdb.DuckDBPyConnection, after: tuple[datetime, int] | None, limit: int = 500
) -> list[SearchDoc]:
    """The next ``limit`` articles, newest first, after the (time, id) key of the last one seen.

    Two steps: the keys are sorted from two narrow columns, then only the chosen rows'
    text is read by primary key. One query sorting the text itself read every article's
    text first (seconds at 1M articles).
    """
    where, params = "", []
    if after is not None:
        where = f"WHERE {_WHEN} < ? OR ({_WHEN} = ? AND id > ?)"
        params = [after[0], after[0], after[1]]
    keys = con.execute(
        f"SELECT id, {_WHEN} AS dated_at FROM articles {where} ORDER BY dated_at DESC, id LIMIT ?",
        [*params, limit],
    ).fetchall()
    if not keys:
        return []
    rows = con.execute(
        "SELECT id, title, text, outlet, language, authors FROM articles"
        " WHERE id IN (SELECT unnest(?::BIGINT[]))",
        [[k[0] for k in keys]],
    ).fetchall()
    by_id = {r[0]: r for r in rows}
    out = []
    for article_id, dated_at in keys:
        r = by_id[article_id]
        out.append(SearchDoc(r[0], dated_at, r[1] or "", r[2] or "", r[3] or "", r[4],
                             tuple(r[5] or ())))  # fmt: skip
    return out


def topic_stories(
    con: duckdb.DuckDBPyConnection, topic: str, start: date, end: date, limit: int = 50
) -> list[DayStory]:
    """Stories ``topic`` matched from ``start`` to ``end`` (UTC days), the most widely carried first.

    The titles are read afterwards for the chosen stories only, by primary key: joining
    ``articles`` a second time for every match scanned the whole table again.
    """
    rows = con.execute(
        """
        SELECT story_id,
               arg_min(article_id, (dated_at, outlet)) AS first_id,
               arg_min(outlet, (dated_at, outlet)),
               min(dated_at) AS first_at,
               count(*) AS n,
               count(DISTINCT outlet) AS n_outlets
        FROM topic_articles
        WHERE topic = ? AND day BETWEEN ? AND ?
        GROUP BY story_id
        ORDER BY n_outlets DESC, n DESC, first_at, story_id
        LIMIT ?
        """,
        [topic, start, end, limit],
    ).fetchall()
    if not rows:
        return []
    heads = {
        r[0]: (r[1], r[2])
        for r in con.execute(
            "SELECT id, story_id, title FROM articles WHERE id IN (SELECT unnest(?::BIGINT[]))",
            [[r[1] for r in rows]],
        ).fetchall()
    }
    out = []
    for _story, first_id, origin, first_at, n, n_outlets in rows:
        story_id, title = heads.get(first_id, (None, ""))
        out.append(
            DayStory(story_id, int(first_id), title, origin, first_at, int(n), int(n_outlets))
        )
    return out


def shares_in_range(
    con: duckdb.DuckDBPyConnection, topic: str, start: date, end: date, limit: int = 30
) -> dict[str, list[tuple[str, int, float]]]:
    """Each outlet's and each language's part of the topic's articles in a range, in one scan:
    ``{"outlet": [(name, articles, pct), ...], "language": [...]}``, largest first."""
    rows = con.execute(
        """
        SELECT CASE WHEN outlet IS NULL THEN 'language' ELSE 'outlet' END AS kind,
               coalesce(outlet, language) AS name, count(*) AS n
        FROM topic_articles WHERE topic = ? AND day BETWEEN ? AND ?
        GROUP BY GROUPING SETS ((outlet), (language))
        """,
        [topic, start, end],
    ).fetchall()
    out: dict[str, list[tuple[str, int, float]]] = {"outlet": [], "language": []}
    totals = {kind: sum(r[2] for r in rows if r[0] == kind) for kind in out}
    for kind, name, n in rows:
        out[kind].append((str(name), int(n), 100.0 * n / totals[kind]))
    for kind in out:
        out[kind] = sorted(out[kind], key=lambda r: (-r[1], r[0]))[:limit]
    return out


def _versions(con: duckdb.DuckDBPyConnection, ids: list[int]) -> list[Version]:
    if not ids:
        return []
    rows = con.execute(
        "SELECT article_id, seen_at, title_changed, old_title, words_added, words_removed"
        " FROM article_versions WHERE list_contains(?, article_id) ORDER BY seen_at, article_id",
        [ids],
    ).fetchall()
    return [Version(int(r[0]), r[1], bool(r[2]), r[3], r[4], r[5]) for r in rows]


def story(con: duckdb.DuckDBPyConnection, story_id: int, limit: int = 500) -> StoryDetail | None:
    """A story with its copies across outlets and their edits; None if there is no such story."""
    head = con.execute(
        "SELECT title, origin_outlet, first_article_id, first_published_at, last_published_at"
        " FROM stories WHERE id = ?",
        [story_id],
    ).fetchall()
    rows = con.execute(
        f"""
        SELECT id, outlet, title, url, published_at, published_source, first_seen_at,
               language, deleted_at
        FROM articles WHERE story_id = ?
        ORDER BY {_WHEN}, outlet, id
        LIMIT ?
        """,
        [story_id, limit],
    ).fetchall()
    if not head and not rows:
        return None
    copies = [StoryCopy(int(r[0]), *r[1:]) for r in rows]
    title, origin, first_id, first_at, last_at = head[0] if head else (None,) * 5
    return StoryDetail(
        story_id=story_id,
        title=title,
        origin_outlet=origin,
        first_article_id=first_id,
        first_published_at=first_at,
        last_published_at=last_at,
        copies=copies,
        versions=_versions(con, [c.article_id for c in copies]),
    )


def article(con: duckdb.DuckDBPyConnection, article_id: int) -> ArticleDetail | None:
    """Everything stored about one article, or None."""
    cursor = con.execute("SELECT * EXCLUDE (minhash) FROM articles WHERE id = ?", [article_id])
    names = [d[0] for d in cursor.description or []]
    rows = cursor.fetchall()
    if not rows:
        return None
    urls = con.execute(
        "SELECT url, kind, first_seen_at FROM article_urls WHERE article_id = ?"
        " ORDER BY first_seen_at, url",
        [article_id],
    ).fetchall()
    topics = con.execute(
        "SELECT topic, matched_terms, snippet FROM topic_matches WHERE article_id = ?"
        " ORDER BY topic",
        [article_id],
    ).fetchall()
    return ArticleDetail(
        fields=dict(zip(names, rows[0], strict=True)),
        urls=[(r[0], r[1], r[2]) for r in urls],
        topics=[(r[0], list(r[1] or []), r[2]) for r in topics],
        versions=_versions(con, [article_id]),
    )


def outlet_counts(con: duckdb.DuckDBPyConnection, days: int = 7) -> dict[str, tuple[int, int]]:
    """Per outlet: articles in total and first seen in the ``days`` before the newest one."""
    rows = con.execute(
        """
        SELECT outlet, count(*),
               count(*) FILTER (WHERE first_seen_at >=
                   (SELECT max(first_seen_at) FROM articles) - to_days(CAST(? AS INTEGER)))
        FROM articles GROUP BY outlet
        """,
        [days],
    ).fetchall()
    return {str(r[0]): (int(r[1]), int(r[2])) for r in rows}


def recent_runs(con: duckdb.DuckDBPyConnection, limit: int = 15) -> list[RunSummary]:
    """The newest crawl runs with their totals over all outlets."""
    rows = con.execute(
        """
        SELECT r.id, r.started_at, r.finished_at, r.status, r.trigger,
               count(o.outlet), coalesce(sum(o.fetched), 0), coalesce(sum(o.new), 0),
               coalesce(sum(o.failed), 0), r.error
        FROM (SELECT * FROM crawl_runs ORDER BY started_at DESC, id DESC LIMIT ?) AS r
        LEFT JOIN crawl_run_outlets AS o ON o.run_id = r.id
        GROUP BY ALL
        ORDER BY r.started_at DESC, r.id DESC
        """,
        [limit],
    ).fetchall()
    return [
        RunSummary(
            int(r[0]), r[1], r[2], r[3], r[4], int(r[5]), int(r[6]), int(r[7]), int(r[8]), r[9]
        )
        for r in rows
    ]


def failures_by_reason(
    con: duckdb.DuckDBPyConnection, days: int = 7, limit: int = 100
) -> list[FailureCount]:
    """Failed fetches and extractions of the last ``days`` (before the newest), by outlet and reason."""
    rows = con.execute(
        """
        SELECT outlet, stage, reason, count(*) AS n, max(failed_at)
        FROM fetch_failures
        WHERE failed_at >= (SELECT max(failed_at) FROM fetch_failures) - to_days(CAST(? AS INTEGER))
        GROUP BY outlet, stage, reason
        ORDER BY n DESC, outlet, stage, reason
        LIMIT ?
        """,
        [days, limit],
    ).fetchall()
    return [FailureCount(r[0], r[1], r[2], int(r[3]), r[4]) for r in rows]
