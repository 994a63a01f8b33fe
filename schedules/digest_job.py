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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

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


@dataclass
class CatchUpGate:
    """The crawls started at start-up for outlets that were overdue; a due digest waits for
    them to finish (any outcome), but no longer than ``timeout``.

    Times are wall-clock UTC: crawl runs are recorded in real time.
    """

    outlets: tuple[str, ...]
    since: datetime
    timeout: timedelta
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    _open: bool = field(default=False, init=False)

    def waiting_for(self, config: Config) -> list[str]:
        """The outlets still being caught up; empty once they are done or the wait timed out."""
        if self._open or not self.outlets:
            return []
        if self.clock() - self.since >= self.timeout:
            self._open = True
            return []
        with opened(config.warehouse_path, timeout_s=config.warehouse.lock_timeout_s) as con:
            done = wh.crawled_since(con, self.outlets, self.since)
        missing = [o for o in self.outlets if o not in done]
        self._open = not missing
        return missing


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
        todo = self._unbuilt(topics, window) if window is not None else []
        if todo:
            waiting = self.gate.waiting_for(self.config) if self.gate else []
            if waiting:
                if not self._said_waiting:
                    self._said_waiting = True
                    self.events.record(
                        "digest", "skipped", "waiting for the catch-up crawl of " + ", ".join(waiting)
                    )
                todo = []
        for topic in todo:
            assert window is not None
            if self._build(topic, window, now):
                built.append(topic)
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
        try:
            results = self.flush(self.config, now, self.env)
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
                    "digest", "error", f"{r.channel} attempt {r.attempts} failed ({what}): {r.detail}"
                )
