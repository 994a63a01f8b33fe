"""What was missed while no scheduler ran, decided from ``crawl_runs`` (APScheduler forgets).

An outlet is overdue when a scheduled time has passed since its last crawl started (any
trigger, any outcome: a failed crawl was not missed) or when it was never crawled.
Overdue outlets are crawled once at start-up, however many runs were missed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb

from mediawatch.cron import parse_cron
from schedules.plan import CrawlSpec
from warehouse.scheduling import last_started as runs_started
from warehouse.scheduling import mark_interrupted, running_runs


def last_started(
    con: duckdb.DuckDBPyConnection, outlets: Sequence[str], kind: str = "crawl"
) -> dict[str, datetime]:
    """Per outlet, when its last crawl (or re-crawl, by ``kind``) started."""
    return runs_started(con, outlets, recrawl=kind == "recrawl")


def overdue(spec: CrawlSpec, tz: ZoneInfo, last: dict[str, datetime], now: datetime) -> list[str]:
    """The outlets of ``spec`` whose next run after their last start is already due.

    A never-crawled outlet is due at once; a never re-crawled one is not (a re-crawl only
    revisits what earlier crawls found, so it can wait for its first interval).
    """
    due = []
    for name in spec.outlets:
        previous = last.get(name)
        if previous is None:
            if spec.kind == "crawl":
                due.append(name)
        elif next_after(spec, tz, previous) <= now:
            due.append(name)
    return due


def next_after(spec: CrawlSpec, tz: ZoneInfo, previous: datetime) -> datetime:
    """The first scheduled time strictly after ``previous`` (no jitter)."""
    schedule = spec.schedule
    if schedule.interval is not None:
        return previous + schedule.interval
    assert schedule.cron is not None
    # started_at is a little after the fire time it belongs to: look from the next second
    trigger = parse_cron(schedule.cron, tz)
    after = previous.astimezone(tz) + timedelta(seconds=1)
    fire = trigger.get_next_fire_time(None, after)
    assert fire is not None
    return fire.astimezone(UTC)


def first_interval_fire(
    spec: CrawlSpec, last: dict[str, datetime], now: datetime, caught_up: bool
) -> datetime:
    """An interval job's first run: one interval after a catch-up, else after its oldest run.

    Anchoring on the history keeps the rhythm across restarts instead of restarting the
    interval every time the scheduler starts.
    """
    assert spec.schedule.interval is not None
    starts = [last[n] for n in spec.outlets if n in last]
    if caught_up or not starts:
        return now + spec.schedule.interval
    return min(starts) + spec.schedule.interval


def abandon_stale_runs(con: duckdb.DuckDBPyConnection, now: datetime | None = None) -> list[int]:
    """Runs still 'running' whose process is gone (a killed scheduler) become 'interrupted'."""
    stale = [
        (run_id, pid) for run_id, pid in running_runs(con) if pid is not None and not _alive(pid)
    ]
    if stale:
        mark_interrupted(
            con,
            [(run_id, f"abandoned: its process (pid {pid}) is gone") for run_id, pid in stale],
            now or datetime.now(UTC),
        )
    return [run_id for run_id, _ in stale]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
