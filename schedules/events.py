"""Every scheduler event goes to the log at once and to ``scheduler_events`` shortly after.

Rows are written by one background thread in batches (open, one transaction, close), so
that an event never blocks the scheduler's thread behind a crawl holding the file lock.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    EVENT_JOB_SUBMITTED,
    JobEvent,
    JobExecutionEvent,
    JobSubmissionEvent,
)

from mediawatch.errors import MediawatchError
from warehouse.connection import opened
from warehouse.scheduling import insert_events

log = logging.getLogger("mediawatch.scheduler")

LISTENED = (
    EVENT_JOB_SUBMITTED
    | EVENT_JOB_EXECUTED
    | EVENT_JOB_ERROR
    | EVENT_JOB_MISSED
    | EVENT_JOB_MAX_INSTANCES
)
_LEVELS = {
    "error": logging.ERROR,
    "timed-out": logging.WARNING,
    "missed": logging.WARNING,
    "max-instances": logging.WARNING,
    "skipped": logging.WARNING,
}

# what `mediawatch status` lists under "skipped, failed or missed": the events that need a
# look (starting, finishing, stopping and a first crawl are the normal course)
TROUBLE = tuple(_LEVELS)

Row = tuple[datetime, str, str, str | None]


class EventLog:
    """Log now, store soon; ``close()`` writes whatever is still queued."""

    def __init__(
        self,
        warehouse: Path,
        *,
        lock_timeout_s: float = 30.0,
        flush_every_s: float = 0.5,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.warehouse = warehouse
        self.lock_timeout_s = lock_timeout_s
        self.flush_every_s = flush_every_s
        self.now = now
        self._queue: queue.Queue[Row] = queue.Queue()
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="scheduler-events", daemon=True)
        self._thread.start()

    def record(self, job: str, event: str, detail: str | None = None) -> None:
        log.log(
            _LEVELS.get(event, logging.INFO),
            "%s: %s%s",
            job,
            event,
            f" ({detail})" if detail else "",
        )
        self._queue.put((self.now(), job, event, detail))

    def close(self, timeout_s: float = 60.0) -> None:
        self._closing.set()
        self._thread.join(timeout_s)

    def _loop(self) -> None:
        pending: list[Row] = []
        while True:
            closing = self._closing.wait(self.flush_every_s)
            pending += _drain(self._queue)
            if pending:
                pending = self._write(pending, final=closing)
            if closing and self._queue.empty():
                return

    def _write(self, rows: list[Row], final: bool) -> list[Row]:
        """Returns the rows still to write (kept for the next round if the file stayed busy)."""
        try:
            with opened(self.warehouse, timeout_s=self.lock_timeout_s) as con:
                insert_events(con, rows)
        except (MediawatchError, duckdb.Error, OSError) as exc:
            log.warning("could not store %d scheduler event(s): %s", len(rows), exc)
            return [] if final else rows
        return []


def _drain(q: queue.Queue[Row]) -> list[Row]:
    rows = []
    while True:
        try:
            rows.append(q.get_nowait())
        except queue.Empty:
            return rows


def listener(events: EventLog, quiet: set[str]) -> Callable[[JobEvent], None]:
    """APScheduler job events as rows; ``quiet`` jobs (the digest tick) report errors only."""

    def on_event(event: JobEvent) -> None:
        kind, detail = describe(event)
        if event.job_id in quiet and kind != "error":
            return
        events.record(event.job_id, kind, detail)

    return on_event


def describe(event: JobEvent) -> tuple[str, str | None]:
    if event.code == EVENT_JOB_SUBMITTED:
        assert isinstance(event, JobSubmissionEvent)
        return "started", _times(event.scheduled_run_times)
    if event.code == EVENT_JOB_MAX_INSTANCES:
        assert isinstance(event, JobSubmissionEvent)
        return "max-instances", "still running; this run is skipped: " + _times(
            event.scheduled_run_times
        )
    assert isinstance(event, JobExecutionEvent)
    if event.code == EVENT_JOB_EXECUTED:
        return "finished", str(event.retval) if event.retval is not None else None
    if event.code == EVENT_JOB_MISSED:
        return "missed", f"scheduled for {event.scheduled_run_time:%Y-%m-%d %H:%M:%S %Z}"
    return "error", f"{type(event.exception).__name__}: {event.exception}"


def _times(times: list[datetime]) -> str:
    return ", ".join(f"{t:%Y-%m-%d %H:%M:%S %Z}" for t in times)
