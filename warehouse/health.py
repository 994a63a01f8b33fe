"""Outlet health from the run history: is an outlet stale, blocked or broken?"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb

BLOCKING_REASONS = ("http-401", "http-403", "http-429", "robots")
EXTRACTION_REASONS = ("too-short", "empty", "parser-error", "timeout", "not-html", "binary")


@dataclass(frozen=True)
class OutletHealth:
    outlet: str
    articles: int
    newest_seen_at: datetime | None
    last_run_at: datetime | None
    last_fetched: int
    last_new: int
    last_failed: int
    runs_without_new: int
    flags: tuple[str, ...]  # stale | blocked | broken | never-crawled

    @property
    def ok(self) -> bool:
        return not self.flags


def outlet_health(
    con: duckdb.DuckDBPyConnection,
    stale_runs: int = 3,
    stale_after: timedelta = timedelta(days=2),
    now: datetime | None = None,
) -> list[OutletHealth]:
    now = now or datetime.now(UTC)
    outlets = [r[0] for r in con.execute("SELECT name FROM outlets ORDER BY name").fetchall()]
    counts = dict(
        (o, (n, newest))
        for o, n, newest in con.execute(
            "SELECT outlet, count(*), max(first_seen_at) FROM articles GROUP BY outlet"
        ).fetchall()
    )
    history: dict[str, list[tuple]] = {}
    for row in con.execute(
        """
        SELECT o.outlet, r.started_at, o.fetched, o.new, o.failed, o.failures_by_reason,
               o.discovered, o.not_modified
        FROM crawl_run_outlets o JOIN crawl_runs r ON r.id = o.run_id
        ORDER BY r.started_at DESC
        """
    ).fetchall():
        history.setdefault(row[0], []).append(row[1:])
    result = []
    for outlet in outlets:
        n, newest = counts.get(outlet, (0, None))
        runs = history.get(outlet, [])
        flags: list[str] = []
        if not runs:
            flags.append("never-crawled")
            result.append(OutletHealth(outlet, n, newest, None, 0, 0, 0, 0, tuple(flags)))
            continue
        last_at, fetched, new, failed, reasons_json, discovered, not_modified = runs[0]
        reasons = json.loads(reasons_json or "{}")
        without_new = 0
        for run in runs:
            if run[2]:  # new > 0
                break
            without_new += 1
        if without_new >= stale_runs and (newest is None or now - newest > stale_after):
            flags.append("stale")
        attempts = fetched + failed
        blocked = sum(v for k, v in reasons.items() if k in BLOCKING_REASONS)
        if attempts and blocked / attempts >= 0.5:
            flags.append("blocked")
        broken = sum(v for k, v in reasons.items() if k in EXTRACTION_REASONS)
        if fetched and broken / fetched >= 0.5:
            flags.append("broken")
        result.append(
            OutletHealth(outlet, n, newest, last_at, fetched, new, failed, without_new, tuple(flags))
        )
    return result
