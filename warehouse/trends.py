"""Topic trends read from the views of migration 0002: daily counts, share of voice, spikes.

The views hold the definitions (so ``mediawatch sql`` users see the same numbers); these
functions add what a view cannot take: thresholds as parameters, zero-filled days up to
today, and the drivers of each spike. User strings reach SQL only as bound parameters.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Literal

import duckdb

from warehouse.connection import opened

__all__ = [
    "DayCount",
    "Share",
    "Spike",
    "SpikeRule",
    "daily_counts",
    "ensure_trend_views",
    "share_of_voice",
    "spikes",
    "window_scores",
]


@dataclass(frozen=True)
class SpikeRule:
    """When a day counts as a spike; the ``spikes`` view uses these defaults.

    This is the one spike definition: the views (migration 0002), ``mediawatch trends`` and
    the digests (``window_scores``) all score a period as ``(stories - mean) / max(sd, 1)``
    against the 28 periods before it that the warehouse covers, and call it a spike at
    ``min_stories`` stories, ``z >= min_z`` and ``min_baseline_days`` periods of history.
    """

    min_stories: int = 5
    min_z: float = 3.0
    min_baseline_days: int = 7
    baseline_periods: int = 28  # the views' window; fixed there, so not a knob here

    def sql(self) -> tuple[str, list[object]]:
        return (
            "stories >= ? AND z >= ? AND baseline_days >= ?",
            [self.min_stories, self.min_z, self.min_baseline_days],
        )


@dataclass(frozen=True)
class DayCount:
    day: date
    articles: int
    stories: int
    outlets: int
    z: float | None  # None when there is no baseline (the warehouse's first day, or later)
    spike: bool


@dataclass(frozen=True)
class Spike:
    topic: str
    day: date
    articles: int
    stories: int
    outlets: int
    baseline_mean: float
    baseline_sd: float
    z: float
    terms: tuple[tuple[str, int], ...]  # (matched term, articles that day), most first
    top_outlets: tuple[tuple[str, int], ...]  # (outlet, articles that day), most first


@dataclass(frozen=True)
class WindowScore:
    start: datetime
    end: datetime
    articles: int
    stories: int
    outlets: int
    baseline_mean: float | None
    baseline_sd: float | None
    baseline_days: int
    z: float | None
    spike: bool


@dataclass(frozen=True)
class Share:
    name: str
    articles: int
    pct: float


def ensure_trend_views(path: Path, timeout_s: float = 30.0) -> None:
    """Apply pending migrations if this warehouse predates the trend views.

    Read-only commands call this first: the check is read-only, and only an old
    warehouse is opened for writing, once.
    """
    with opened(path, read_only=True, timeout_s=timeout_s) as con:
        found = con.execute(
            "SELECT count(*) FROM duckdb_views() WHERE view_name = 'topic_spike_scores'"
        ).fetchall()[0][0]
    if found:
        return
    from warehouse.migrate import migrate

    with opened(path, timeout_s=timeout_s) as con:
        migrate(con)


def stored_topics(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Topics with matches in the warehouse (a topic since removed from the config still has
    its history)."""
    return {r[0] for r in con.execute("SELECT DISTINCT topic FROM topic_matches").fetchall()}


def daily_counts(
    con: duckdb.DuckDBPyConnection,
    topic: str,
    days: int = 30,
    *,
    until: date | None = None,
    rule: SpikeRule = SpikeRule(),
) -> list[DayCount]:
    """One row per day for the ``days`` days ending at ``until`` (default: today, UTC).

    Days without a match are there with zeros, also past the newest article.
    """
    until = until or datetime.now(UTC).date()
    start = until - timedelta(days=days - 1)
    where, params = rule.sql()
    rows = con.execute(
        f"SELECT day, articles, stories, outlets, z, coalesce({where}, false)"
        " FROM topic_spike_scores WHERE topic = ? AND day BETWEEN ? AND ?",
        [*params, topic, start, until],
    ).fetchall()
    by_day = {r[0]: r for r in rows}
    out = []
    for i in range(days):
        day = start + timedelta(days=i)
        row = by_day.get(day)
        if row is None:
            out.append(DayCount(day, 0, 0, 0, None, False))
        else:
            z = None if row[4] is None else float(row[4])
            out.append(DayCount(day, row[1], row[2], row[3], z, bool(row[5])))
    return out


def spikes(
    con: duckdb.DuckDBPyConnection,
    topic: str | None = None,
    *,
    since: date | None = None,
    rule: SpikeRule = SpikeRule(),
    top: int = 5,
) -> list[Spike]:
    """Spike days (oldest first) with the ``top`` terms and outlets that drove each."""
    where, params = rule.sql()
    conditions = [where]
    if topic is not None:
        conditions.append("topic = ?")
        params.append(topic)
    if since is not None:
        conditions.append("day >= ?")
        params.append(since)
    found = con.execute(
        "SELECT topic, day, articles, stories, outlets, baseline_mean, baseline_sd, z"
        f" FROM topic_spike_scores WHERE {' AND '.join(conditions)} ORDER BY topic, day",
        params,
    ).fetchall()
    if not found:
        return []
    keys = [(r[0], r[1]) for r in found]
    drivers = _drivers(con, keys, top)
    return [
        Spike(
            topic=r[0],
            day=r[1],
            articles=r[2],
            stories=r[3],
            outlets=r[4],
            baseline_mean=float(r[5]),
            baseline_sd=float(r[6]),
            z=float(r[7]),
            terms=tuple(drivers[(r[0], r[1], "term")]),
            top_outlets=tuple(drivers[(r[0], r[1], "outlet")]),
        )
        for r in found
    ]


def _drivers(
    con: duckdb.DuckDBPyConnection, keys: list[tuple[str, date]], top: int
) -> dict[tuple[str, date, str], list[tuple[str, int]]]:
    """Terms and outlets by articles on each (topic, day); the same counting as ``spike_drivers``."""
    topics = sorted({k[0] for k in keys})
    days = sorted({k[1] for k in keys})
    rows = con.execute(
        """
        WITH picked AS (
            SELECT topic, day, outlet, matched_words FROM topic_articles
            WHERE list_contains(?, topic) AND list_contains(?, day)
        ),
        counted AS (
            SELECT topic, day, 'term' AS kind, name, count(*) AS articles
            FROM (SELECT topic, day, unnest(matched_words) AS name FROM picked)
            GROUP BY ALL
            UNION ALL
            SELECT topic, day, 'outlet', outlet, count(*) FROM picked GROUP BY ALL
        )
        SELECT topic, day, kind, name, articles FROM counted
        QUALIFY row_number() OVER (PARTITION BY topic, day, kind ORDER BY articles DESC, name)
                <= ?
        ORDER BY topic, day, kind, articles DESC, name
        """,
        [topics, days, top],
    ).fetchall()
    wanted = set(keys)
    out: dict[tuple[str, date, str], list[tuple[str, int]]] = defaultdict(list)
    for topic, day, kind, name, articles in rows:
        if (topic, day) in wanted:
            out[(topic, day, kind)].append((name, articles))
    return out


def window_scores(
    con: duckdb.DuckDBPyConnection,
    topic: str,
    windows: list[tuple[datetime, datetime]],
    rule: SpikeRule = SpikeRule(),
) -> list[WindowScore]:
    """``topic_spike_scores`` over consecutive windows of the caller's choosing, oldest first.

    The digest's periods run from one digest time to the next in the local time zone, not
    over UTC days; the counting, the baseline and the z-score are those of the view (the
    same SQL expressions): a window exists once the warehouse has an article before its end,
    as a view day exists from the warehouse's first day. With UTC midnight windows the
    result is the view's, row for row (tests/test_digests_spike.py checks it).
    """
    where, params = rule.sql()
    starts = [w[0] for w in windows]
    ends = [w[1] for w in windows]
    rows = con.execute(
        f"""
        WITH bounds AS (
            SELECT min(coalesce(published_at, first_seen_at)) AS first_at FROM articles
        ),
        calendar AS (
            SELECT unnest(?::TIMESTAMPTZ[]) AS start, unnest(?::TIMESTAMPTZ[]) AS stop
        ),
        counted AS (
            SELECT c.start, c.stop,
                   count(t.article_id) AS articles,
                   count(DISTINCT t.story_id) AS stories,
                   count(DISTINCT t.outlet) AS outlets
            FROM calendar AS c
            LEFT JOIN topic_articles AS t
              ON t.topic = ? AND t.dated_at >= c.start AND t.dated_at < c.stop
            GROUP BY c.start, c.stop
        ),
        dense AS (
            SELECT counted.* FROM counted, bounds WHERE counted.stop > bounds.first_at
        ),
        scored AS (
            SELECT *,
                   avg(stories) OVER w AS baseline_mean,
                   coalesce(stddev_pop(stories) OVER w, 0) AS baseline_sd,
                   count(*) OVER w AS baseline_days
            FROM dense
            WINDOW w AS (ORDER BY start ROWS BETWEEN {int(rule.baseline_periods)} PRECEDING
                         AND 1 PRECEDING)
        ),
        z_scored AS (
            SELECT *, (stories - baseline_mean) / greatest(baseline_sd, 1.0) AS z FROM scored
        )
        SELECT start, stop, articles, stories, outlets, baseline_mean, baseline_sd,
               baseline_days, z, coalesce({where}, false)
        FROM z_scored ORDER BY start
        """,
        [starts, ends, topic, *params],
    ).fetchall()
    found = {r[0]: r for r in rows}
    out = []
    for start, end in windows:
        r = found.get(start)
        if r is None:  # before the warehouse's first article: no such period in the views
            out.append(WindowScore(start, end, 0, 0, 0, None, None, 0, None, False))
            continue
        out.append(
            WindowScore(
                start, end, r[2], r[3], r[4],
                None if r[5] is None else float(r[5]),
                None if r[6] is None else float(r[6]),
                int(r[7]),
                None if r[8] is None else float(r[8]),
                bool(r[9]),
            )
        )  # fmt: skip
    return out


def share_of_voice(
    con: duckdb.DuckDBPyConnection, topic: str, by: Literal["outlet", "language"] = "outlet"
) -> list[Share]:
    """Each outlet's (or language's) part of the topic's articles, largest first."""
    view = {"outlet": "topic_share_outlet", "language": "topic_share_language"}[by]
    rows = con.execute(
        f"SELECT {by}, articles, pct FROM {view} WHERE topic = ? ORDER BY articles DESC, {by}",
        [topic],
    ).fetchall()
    return [Share(r[0], r[1], float(r[2])) for r in rows]
