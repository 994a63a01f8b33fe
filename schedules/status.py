"""What ``mediawatch status`` shows about the scheduler: next runs and recent events.

Computed from the config and the warehouse, not from a running scheduler, so it also
answers when none is running (and says so through the lock).
"""

from __future__ import annotations

import fcntl
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import duckdb

from mediawatch.config import Config
from schedules.catchup import first_interval_fire, last_started, overdue
from schedules.digest_job import due_at
from schedules.lock import lock_path
from schedules.plan import build_plan, make_trigger
from warehouse.scheduling import recent_events as stored_events


def next_runs(
    config: Config, now: datetime, con: duckdb.DuckDBPyConnection | None = None
) -> list[tuple[str, datetime]]:
    """Each job and its next run (UTC, before jitter); with ``con``, anchored on the run history.

    Without ``con`` an interval job shows one interval from ``now``.
    """
    plan = build_plan(config)
    now = now.astimezone(UTC)
    out: list[tuple[str, datetime]] = []
    for spec in plan.crawls:
        last = last_started(con, spec.outlets, spec.kind) if con is not None else {}
        if con is not None and overdue(spec, plan.timezone, last, now):
            out.append((spec.job_id, now))
            continue
        if spec.schedule.interval is not None and con is not None:
            nxt = first_interval_fire(spec, last, now, caught_up=False)
        elif spec.schedule.interval is not None:
            nxt = now + spec.schedule.interval
        else:
            fire = make_trigger(spec.schedule, plan.timezone).get_next_fire_time(None, now)
            assert fire is not None
            nxt = fire.astimezone(UTC)
        out.append((spec.job_id, nxt))
    if plan.topics:
        today = now.astimezone(plan.timezone).date()
        due = due_at(today, plan.digest_time, plan.timezone)
        if due <= now:
            due = due_at(today + timedelta(days=1), plan.digest_time, plan.timezone)
        out.append(("digest", due))
    return sorted(out, key=lambda item: item[1])


def recent_events(
    con: duckdb.DuckDBPyConnection, limit: int = 20, kinds: Sequence[str] | None = None
) -> list[tuple[datetime, str, str, str | None]]:
    """The latest scheduler events, newest first: (event_at, job, event, detail); only
    those of ``kinds`` if given (``schedules.events.TROUBLE``: what needs a look)."""
    return stored_events(con, limit, kinds)


def scheduler_pid(config: Config) -> int | None:
    """The pid of the running ``mediawatch run`` for this warehouse, or None if none runs."""
    path = lock_path(config.warehouse_path)
    if not path.exists():
        return None
    with open(path, "r+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = handle.read().strip()
            return int(text) if text.isdigit() else -1
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    return None
