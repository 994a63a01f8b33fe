"""The daily digest, exactly once per local day, decided from ``digest_deliveries``.

A tick (every minute, and at start-up) asks: is it past ``digest_time`` today, local
time, and is today's delivery missing from the warehouse? Then deliver. No cron trigger
is involved, so a DST gap (02:30 that never happens) or fold (02:30 twice) and a
restart across the digest time all come down to the same warehouse check.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from mediawatch.config import Config
from schedules.events import EventLog
from warehouse.connection import opened

log = logging.getLogger("mediawatch.scheduler")


class Deliver(Protocol):
    def __call__(self, config: Config, topic: str, day: date, send: bool, force: bool) -> Any: ...


def default_deliver(config: Config, topic: str, day: date, send: bool, force: bool) -> Any:
    from digests import deliver

    return deliver(config, topic, day, send=send, force=force)


def due_at(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The first instant (UTC) at which the local clock shows ``at`` or later on ``day``.

    In a fold (02:30 happens twice) that is the first 02:30; in a gap (02:30 never
    happens) it is the moment the clocks jump past it.
    """
    wall = datetime.combine(day, at)
    first, second = (wall.replace(tzinfo=tz, fold=f).astimezone(UTC) for f in (0, 1))
    lo, hi = min(first, second), max(first, second)
    if _wall(lo, tz) == wall:
        return lo
    while hi - lo > timedelta(seconds=1):  # a gap: find the jump by bisection
        mid = lo + (hi - lo) / 2
        if _wall(mid, tz) >= wall:
            hi = mid
        else:
            lo = mid
    return hi.replace(microsecond=0)


def _wall(instant: datetime, tz: ZoneInfo) -> datetime:
    return instant.astimezone(tz).replace(tzinfo=None)


def required_channels(config: Config) -> set[str]:
    """The channels whose delivery makes a day done; the file alone if nothing is sent."""
    channels = set()
    if config.digest.smtp is not None:
        channels.add("smtp")
    if config.digest.webhook_url:
        channels.add("webhook")
    return channels or {"file"}


def pending_topics(config: Config, topics: tuple[str, ...], day: date, due: datetime) -> list[str]:
    """Topics without a recorded delivery (sent or failed) for ``day`` on every required channel.

    A file written before the digest time (a manual preview) does not count; a send,
    whenever it happened, does (``deliver`` would skip it anyway).
    """
    required = required_channels(config)
    with opened(config.warehouse_path, timeout_s=config.warehouse.lock_timeout_s) as con:
        rows = con.execute(
            "SELECT DISTINCT topic, channel FROM digest_deliveries"
            " WHERE day = ? AND (channel <> 'file' OR delivered_at >= ?)",
            [day, due],
        ).fetchall()
    done: dict[str, set[str]] = {}
    for topic, channel in rows:
        done.setdefault(topic, set()).add(channel)
    return [t for t in topics if not required <= done.get(t, set())]


@dataclass
class DigestJob:
    """Called by the scheduler's tick; ``now`` is injectable so tests can walk through DST days."""

    config: Config
    events: EventLog
    deliver: Deliver = default_deliver
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    retry_after: timedelta = timedelta(minutes=10)
    _done_day: date | None = field(default=None, init=False)
    _failed_at: dict[tuple[str, date], datetime] = field(default_factory=dict, init=False)
    # a second guard within one process, should recording a delivery ever fail
    _delivered: set[tuple[str, date]] = field(default_factory=set, init=False)

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.config.schedule.timezone or "UTC")

    def tick(self) -> list[str]:
        """Deliver today's digests if due and not yet recorded; returns the topics delivered."""
        now = self.now()
        tz = self.timezone
        day = now.astimezone(tz).date()
        due = due_at(day, self.config.schedule.digest_time, tz)
        topics = tuple(t.name for t in self.config.topics)
        if now < due or self._done_day == day or not topics:
            return []
        pending = [
            t
            for t in pending_topics(self.config, topics, day, due)
            if (t, day) not in self._delivered
            and now - self._failed_at.get((t, day), now - self.retry_after) >= self.retry_after
        ]
        delivered = [t for t in pending if self._deliver_one(t, day, now)]
        if all((t, day) in self._delivered for t in topics) or not pending_topics(
            self.config, topics, day, due
        ):
            self._done_day = day
        return delivered

    def _deliver_one(self, topic: str, day: date, now: datetime) -> bool:
        job = f"digest {topic}"
        self.events.record(job, "started", day.isoformat())
        try:
            report = self.deliver(self.config, topic, day, send=True, force=False)
        except Exception as exc:  # noqa: BLE001 - recorded and retried later; the scheduler goes on
            self._failed_at[(topic, day)] = now
            self.events.record(job, "error", f"{day}: {type(exc).__name__}: {exc}")
            return False
        channels = getattr(report, "channels", [])
        self._delivered.add((topic, day))
        summary = ", ".join(f"{c.channel} {c.status}" for c in channels) or "delivered"
        failed = [c for c in channels if getattr(c, "status", "") == "failed"]
        self.events.record(job, "error" if failed else "finished", f"{day}: {summary}")
        return True
