"""The daily digest: built once per scheduled window, sent through the outbox until it arrives.

A tick (every minute, or every ``[digest] retry_first_s`` if shorter, and at start-up)
asks the warehouse: is the digest time of today (local) past, and has this topic's
digest for the window ending then not been built? Then build it and record the intent to
send (``digests.enqueue_scheduled``), and send whatever is pending and due
(``digests.flush``). No cron trigger is involved, so a DST gap or fold and a restart across
the digest time all come down to the same warehouse check.

At start-up the scheduler first runs the crawls that were missed while it was down; a
digest that is due then waits for them (at most ``crawl_timeout_minutes``), so that it is
not built from a warehouse that the catch-up is about to fill.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobEvent

from digests.window import Window, due_at, scheduled_window
from mediawatch.config import Config
from schedules.events import EventLog
from warehouse import digests as wh
from warehouse.connection import opened

__all__ = ["CatchUpGate", "Deliver", "DigestJob", "default_deliver", "due_at"]

log = logging.getLogger("mediawatch.scheduler")


class Deliver(Protocol):
    """Builds one scheduled digest and records its outbox rows (``digests.enqueue_scheduled``)."""

    def __call__(self, config: Config, topic: str, window: Window, now: datetime) -> Any: ...


def default_deliver(config: Config, topic: str, window: Window, now: datetime) -> Any:
    from digests import enqueue_scheduled

    return enqueue_scheduled(config, topic, window, now)


def default_flush(config: Config, now: datetime, env: Mapping[str, str] | None) -> list[Any]:
    from digests import flush

    return flush(config, now, env)


class CatchUpGate:
    """The catch-up crawls started with the scheduler; a due digest waits until they have
    finished (any outcome), but no longer than ``timeout`` after the scheduler started.

    Fed by the scheduler's job events, so it knows about crawls however they are run.
    """

    EVENTS = EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED

    def __init__(self, timeout: timedelta, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, tuple[str, ...]] = {}
        self._clock = clock
        self._deadline = clock() + timeout.total_seconds()

    def expect(self, job_id: str, outlets: Sequence[str]) -> None:
        with self._lock:
            self._jobs[job_id] = tuple(outlets)

    def on_event(self, event: JobEvent) -> None:
        with self._lock:
            self._jobs.pop(event.job_id, None)

    def waiting_for(self) -> list[str]:
        """The outlets still being caught up; empty once they are done or the wait timed out."""
        with self._lock:
            if self._clock() >= self._deadline:
                self._jobs.clear()
            return [o for outlets in self._jobs.values() for o in outlets]


@dataclass
class DigestJob:
    """Called by the scheduler's tick; ``now`` is injectable so tests can walk through DST days."""

    config: Config
    events: EventLog
    deliver: Deliver = default_deliver
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    gate: CatchUpGate | None = None
    env: Mapping[str, str] | None = None
    flush: Callable[[Config, datetime, Mapping[str, str] | None], list[Any]] = default_flush
    _said_waiting: bool = field(default=False, init=False)
    # what the warehouse said last, so that most ticks need not open it
    _built_end: datetime | None = field(default=None, init=False)
    _flush_at: datetime | None = field(
        default_factory=lambda: datetime.min.replace(tzinfo=UTC), init=False
    )

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.config.schedule.timezone or "UTC")

    @property
    def tick_s(self) -> float:
        """How often to tick: every minute, or as often as the first retry needs."""
        return min(60.0, self.config.digest.retry_first_s)

    def due_window(self, now: datetime) -> Window | None:
        """Today's scheduled window once it has ended, else None.

        A day whose digest time passed while no scheduler ran gets no digest of its own:
        the next digest reaches back to the last one built (``digests.data``).
        """
        tz = self.timezone
        day = now.astimezone(tz).date()
        at = self.config.schedule.digest_time
        if now < due_at(day, at, tz):
            return None
        return scheduled_window(day, at, tz.key)

    def tick(self) -> list[str]:
        """Build the digests now due, then send what is pending; returns the topics built."""
        now = self.now()
        topics = tuple(t.name for t in self.config.topics)
        if not topics:
            return []
        window = self.due_window(now)
        built: list[str] = []
        todo = []
        if window is not None and window.end != self._built_end:
            todo = self._unbuilt(topics, window)
            if not todo:
                self._built_end = window.end
        if todo:
            waiting = self.gate.waiting_for() if self.gate else []
            if waiting:
                if not self._said_waiting:
                    self._said_waiting = True
                    self.events.record(
                        "digest",
                        "skipped",
                        "waiting for the catch-up crawl of " + ", ".join(waiting),
                    )
                todo = []
        for topic in todo:
            assert window is not None
            if self._build(topic, window, now):
                built.append(topic)
                self._flush_at = now
        if self._flush_at is not None and now >= self._flush_at:
            self._flush(now)
        return built

    def _unbuilt(self, topics: tuple[str, ...], window: Window) -> list[str]:
        config = self.config
        with opened(config.warehouse_path, timeout_s=config.warehouse.lock_timeout_s) as con:
            return [t for t in topics if not wh.built(con, t, "scheduled", window.end)]

    def _build(self, topic: str, window: Window, now: datetime) -> bool:
        job = f"digest {topic}"
        self.events.record(job, "started", window.label())
        try:
            self.deliver(self.config, topic, window, now)
        except Exception as exc:  # noqa: BLE001 - recorded and tried again at the next tick
            log.exception("digest %s could not be built", topic)
            self.events.record(job, "error", f"{window.label()}: {type(exc).__name__}: {exc}")
            return False
        self.events.record(job, "finished", f"{window.label()}: built")
        return True

    def _flush(self, now: datetime) -> None:
        config = self.config
        try:
            results = self.flush(config, now, self.env)
            with opened(config.warehouse_path, timeout_s=config.warehouse.lock_timeout_s) as con:
                self._flush_at = wh.next_attempt_at(con)
        except Exception as exc:  # noqa: BLE001 - the next tick tries again
            log.exception("digest outbox could not be flushed")
            self.events.record("digest", "error", f"outbox: {type(exc).__name__}: {exc}")
            return
        for r in results:
            if r.status == "sent":
                self.events.record("digest", "finished", f"{r.channel} sent {r.message_id}")
            else:
                what = "will retry" if r.status == "pending" else "given up"
                self.events.record(
                    "digest",
                    "error",
                    f"{r.channel} attempt {r.attempts} failed ({what}): {r.detail}",
                )
