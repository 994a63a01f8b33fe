"""Adaptive polling: an outlet that keeps publishing nothing new is polled less often.

Each scheduled run that finds nothing new for an outlet doubles its effective interval,
up to ``[schedule] max_interval_minutes``; one new article brings it back to the base
interval. Outlets crawled by cron expressions keep their exact schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

from mediawatch.config import Config, OutletConfig
from warehouse.scheduling import recent_outlet_runs


@dataclass(frozen=True)
class PollDecision:
    outlet: str
    due: bool
    quiet_runs: int  # consecutive recent runs with nothing new
    interval: timedelta  # the effective interval now
    last_started: datetime | None


def base_interval(config: Config, outlet: OutletConfig) -> timedelta | None:
    if outlet.crawl_cron or (outlet.crawl_interval_minutes is None and config.schedule.crawl_cron):
        return None  # cron: exact times the user asked for
    return timedelta(
        minutes=outlet.crawl_interval_minutes or config.schedule.crawl_interval_minutes
    )


def decide(
    con: duckdb.DuckDBPyConnection, config: Config, outlets: list[str], now: datetime
) -> list[PollDecision]:
    history: dict[str, list[tuple[datetime, int]]] = {}
    for outlet, started, new in recent_outlet_runs(con, outlets):
        runs = history.setdefault(outlet, [])
        if len(runs) < 16:
            runs.append((started, new))
    cap = timedelta(minutes=config.schedule.max_interval_minutes)
    decisions = []
    for name in outlets:
        base = base_interval(config, config.outlet(name))
        runs = history.get(name, [])
        quiet = next((i for i, (_, new) in enumerate(runs) if new), len(runs))
        last = runs[0][0] if runs else None
        if base is None or not config.schedule.adaptive_polling or last is None:
            decisions.append(PollDecision(name, True, quiet, base or timedelta(0), last))
            continue
        interval = min(base * 2**quiet, max(cap, base))
        # a little slack so that a run scheduled exactly one base interval later is not skipped
        due = now - last >= interval - min(base / 10, timedelta(minutes=5))
        decisions.append(PollDecision(name, due, quiet, interval, last))
    return decisions
