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
    history: dict[str, list[tuple]] = {}
    for row in con.execute(
        """
        SELECT o.outlet, r.started_at, o.fetched, o.new, o.failed, o.failures_by_reason
        FROM crawl_run_outlets o JOIN crawl_runs r ON r.id = o.run_id
        WHERE r.trigger <> 'recrawl'
        ORDER BY r.started_at DESC
        """
    ).fetchall():
        history.setdefault(row[0], []).append(row[1:])
    result = []
    for outlet in outlets:
        count, newest, gap = _publishing(con, outlet, now)
        runs = history.get(outlet, [])
        if not runs:
            result.append(
                OutletHealth(outlet, count, newest, gap, None, 0, 0, 0, 0, ("never-crawled",))
            )
            continue
        last_at, fetched, new, failed, reasons_json = runs[0]
        without_new = next((i for i, run in enumerate(runs) if run[2]), len(runs))
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


def _publishing(
    con: duckdb.DuckDBPyConnection, outlet: str, now: datetime
) -> tuple[int, datetime | None, timedelta | None]:
    """Article count, newest article time and the usual gap between articles (last 30 days)."""
    [(count, newest)] = con.execute(
        "SELECT count(*), max(coalesce(published_at, first_seen_at)) FROM articles"
        " WHERE outlet = ? AND coalesce(published_at, first_seen_at) <= ?",
        [outlet, now],
    ).fetchall()
    times = [
        r[0]
        for r in con.execute(
            "SELECT coalesce(published_at, first_seen_at) AS t FROM articles"
            " WHERE outlet = ? AND t BETWEEN ? AND ? ORDER BY t",
            [outlet, now - timedelta(days=30), now],
        ).fetchall()
    ]
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
    gap = timedelta(seconds=statistics.median(gaps)) if len(gaps) >= 2 else None
    return count, newest, gap


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
