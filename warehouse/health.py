"""Outlet health from the run history: is an outlet stale, blocked or broken?

- stale: nothing new for several of the outlet's usual publishing intervals (learned
  from its own articles), and the latest run found nothing new either;
- unreachable: most requests of the latest run never got an answer (DNS failure,
  connection refused, TLS handshake failed, no answer in time): check the address or
  the network, not the outlet's rules;
- blocked: most requests of the latest run were refused (401, 403, 429, robots.txt);
- broken: extraction fails on much of what is fetched, or more than it used to.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb

BLOCKING_REASONS = ("http-401", "http-403", "http-429", "robots", "robots-unavailable")
UNREACHABLE_REASONS = ("unreachable",)
_RUNS_READ = 6  # the latest run and the five before it (the extraction baseline)
EXTRACTION_REASONS = ("too-short", "empty", "parser-error", "timeout", "not-html", "binary")


@dataclass(frozen=True)
class OutletHealth:
    outlet: str
    articles: int
    newest_at: datetime | None  # newest article (published, else first seen)
    usual_gap: timedelta | None  # median time between its articles
    last_run_at: datetime | None
    last_fetched: int
    last_new: int
    last_failed: int
    runs_without_new: int
    flags: tuple[str, ...]  # stale | unreachable | blocked | broken | never-crawled

    @property
    def ok(self) -> bool:
        return not self.flags


def outlet_health(
    con: duckdb.DuckDBPyConnection,
    now: datetime | None = None,
    stale_intervals: float = 3.0,
    min_stale: timedelta = timedelta(hours=12),
) -> list[OutletHealth]:
    now = now or datetime.now(UTC)
    outlets = [r[0] for r in con.execute("SELECT name FROM outlets ORDER BY name").fetchall()]
    # Only the newest runs of each outlet are read (the latest, and the five before it for
    # the extraction baseline), plus one count: a history of hourly runs over a year is
    # 100k rows, and turning them into Python objects took seconds.
    history: dict[str, list[tuple]] = {}
    for row in con.execute(
        f"""
        SELECT o.outlet, r.started_at, o.fetched, o.new, o.failed, o.failures_by_reason
        FROM crawl_run_outlets o JOIN crawl_runs r ON r.id = o.run_id
        WHERE r.trigger <> 'recrawl'
        QUALIFY row_number() OVER (PARTITION BY o.outlet ORDER BY r.started_at DESC) <= {_RUNS_READ}
        ORDER BY r.started_at DESC
        """
    ).fetchall():
        history.setdefault(row[0], []).append(row[1:])
    quiet_runs = _runs_without_new(con)
    publishing = _publishing_all(con, now)
    result = []
    for outlet in outlets:
        count, newest, gap = publishing.get(outlet, (0, None, None))
        runs = history.get(outlet, [])
        if not runs:
            result.append(
                OutletHealth(outlet, count, newest, gap, None, 0, 0, 0, 0, ("never-crawled",))
            )
            continue
        last_at, fetched, new, failed, reasons_json = runs[0]
        without_new = quiet_runs.get(outlet, 0)
        flags = []
        quiet_for = now - newest if newest else None
        allowed = max(stale_intervals * (gap or timedelta(days=1)), min_stale)
        if without_new >= 1 and (quiet_for is None or quiet_for > allowed):
            flags.append("stale")
        reasons = json.loads(reasons_json or "{}")
        blocked = sum(reasons.get(r, 0) for r in BLOCKING_REASONS)
        unreachable = sum(reasons.get(r, 0) for r in UNREACHABLE_REASONS)
        attempts = fetched + blocked + unreachable
        if attempts and unreachable / attempts >= 0.5:
            flags.append("unreachable")
        elif attempts and blocked / attempts >= 0.5:
            flags.append("blocked")
        if _broken(runs):
            flags.append("broken")
        result.append(
            OutletHealth(
                outlet, count, newest, gap, last_at, fetched, new, failed, without_new, tuple(flags)
            )
        )
    return result


def _runs_without_new(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Per outlet: runs since the newest one that found something new (all runs if none did)."""
    rows = con.execute(
        """
        WITH runs AS (
            SELECT o.outlet, r.started_at, o.new
            FROM crawl_run_outlets o JOIN crawl_runs r ON r.id = o.run_id
            WHERE r.trigger <> 'recrawl'
        ),
        last_new AS (SELECT outlet, max(started_at) AS at FROM runs WHERE new > 0 GROUP BY outlet)
        SELECT runs.outlet, count(*) FILTER (WHERE last_new.at IS NULL OR runs.started_at > last_new.at)
        FROM runs LEFT JOIN last_new USING (outlet)
        GROUP BY runs.outlet
        """
    ).fetchall()
    return {r[0]: int(r[1]) for r in rows}


def _publishing_all(
    con: duckdb.DuckDBPyConnection, now: datetime
) -> dict[str, tuple[int, datetime | None, timedelta | None]]:
    """Per outlet: article count, newest article time and the median gap between its
    articles of the last 30 days (None with fewer than two gaps), computed in the database.

    Gaps are taken between distinct publishing times: an outlet whose pages give only the
    day (all at midnight), or that publishes in batches, would otherwise have a median gap
    of zero, shown as "usual gap 0.0 h" and making it stale after the 12 h floor."""
    rows = con.execute(
        """
        WITH dated AS (
            SELECT outlet, coalesce(published_at, first_seen_at) AS t FROM articles
            WHERE coalesce(published_at, first_seen_at) <= $now
        ),
        totals AS (SELECT outlet, count(*) AS n, max(t) AS newest FROM dated GROUP BY outlet),
        moments AS (SELECT DISTINCT outlet, t FROM dated WHERE t >= $since),
        recent AS (
            SELECT outlet, epoch(t) - epoch(lag(t) OVER (PARTITION BY outlet ORDER BY t)) AS gap
            FROM moments
        ),
        gaps AS (SELECT outlet, median(gap) AS gap, count(gap) AS n_gaps FROM recent GROUP BY outlet)
        SELECT totals.outlet, totals.n, totals.newest,
               CASE WHEN gaps.n_gaps >= 2 THEN gaps.gap END
        FROM totals LEFT JOIN gaps USING (outlet)
        """,
        {"now": now, "since": now - timedelta(days=30)},
    ).fetchall()
    return {
        r[0]: (int(r[1]), r[2], None if r[3] is None else timedelta(seconds=float(r[3])))
        for r in rows
    }


def _extraction_rate(run: tuple) -> float:
    _, fetched, _, _, reasons_json = run
    reasons = json.loads(reasons_json or "{}")
    broken = sum(reasons.get(r, 0) for r in EXTRACTION_REASONS)
    return broken / fetched if fetched else 0.0


def _broken(runs: list[tuple]) -> bool:
    if not runs[0][1]:  # nothing fetched: not an extraction problem
        return False
    rate = _extraction_rate(runs[0])
    before = [_extraction_rate(r) for r in runs[1:6] if r[1]]
    baseline = statistics.mean(before) if before else 0.0
    return rate >= 0.5 or (rate >= 0.2 and rate > 2 * baseline)
