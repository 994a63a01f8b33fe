"""The period a digest covers.

A scheduled digest runs from the previous digest time to this one, in the configured time
zone: 24 hours, or 23 and 25 on the days the clocks change, so consecutive scheduled
digests tile time and every article falls in exactly one of them. ``mediawatch digest
--date D`` means the local calendar day D; ``--since/--until`` any period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SCHEDULED, DAY, RANGE = "scheduled", "day", "range"


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


def local_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants where a local day starts and ends (23 or 25 hours on DST days)."""
    return due_at(day, time(0), tz), due_at(day + timedelta(days=1), time(0), tz)


@dataclass(frozen=True)
class Window:
    """``[start, end)`` in UTC; ``day`` names the archive folder (the local date of ``end``
    for a scheduled digest, the day itself for a calendar day)."""

    start: datetime
    end: datetime
    day: date
    kind: str
    timezone: str
    at: time | None = None  # the digest time, for scheduled windows

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def earlier(self, n: int) -> Window:
        """The window ``n`` periods before this one (of the nominal length for its kind)."""
        if self.kind == SCHEDULED and self.at is not None:
            return scheduled_window(self.day - timedelta(days=n), self.at, self.timezone)
        if self.kind == DAY:
            return day_window(self.day - timedelta(days=n), self.timezone)
        span = self.end - self.start
        return Window(self.start - n * span, self.end - n * span, self.day, RANGE, self.timezone)

    def with_start(self, start: datetime) -> Window:
        return Window(start, self.end, self.day, self.kind, self.timezone, self.at)

    @property
    def is_calendar_day(self) -> bool:
        return self.kind == DAY

    def label(self) -> str:
        """For the subject and header: the day, or 'Sun 29 Mar 07:00 – Mon 30 Mar 07:00 CEST'."""
        if self.kind == DAY:
            return self.day.isoformat()
        tz = self.tz
        a, b = self.start.astimezone(tz), self.end.astimezone(tz)
        left = a.strftime("%a %d %b %H:%M")
        if a.tzname() != b.tzname():
            left += f" {a.tzname()}"
        return f"{left} – {b.strftime('%a %d %b %H:%M')} {b.tzname()}"

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


def scheduled_window(day: date, at: time, timezone: str) -> Window:
    """From the digest time on the day before ``day`` to the digest time on ``day``."""
    tz = ZoneInfo(timezone)
    return Window(
        due_at(day - timedelta(days=1), at, tz), due_at(day, at, tz), day, SCHEDULED, timezone, at
    )


def day_window(day: date, timezone: str) -> Window:
    start, end = local_bounds(day, ZoneInfo(timezone))
    return Window(start, end, day, DAY, timezone)


def range_window(since: datetime, until: datetime, timezone: str) -> Window:
    """An explicit period; naive datetimes are local time in ``timezone``."""
    tz = ZoneInfo(timezone)
    start = (since if since.tzinfo else since.replace(tzinfo=tz)).astimezone(UTC)
    end = (until if until.tzinfo else until.replace(tzinfo=tz)).astimezone(UTC)
    last_day = (end - timedelta(microseconds=1)).astimezone(tz).date()
    return Window(start, end, last_day, RANGE, timezone)
