"""Crontab lines as APScheduler triggers, with crontab's weekday numbering.

Below the config on purpose: ``mediawatch.config`` validates ``crawl_cron`` with the same
parser the scheduler runs, without importing the scheduler (no import cycle).
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from apscheduler.triggers.cron import CronTrigger

from mediawatch.errors import ConfigError

_DOW_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
CRON_HINT = "five fields: minute hour day-of-month month day-of-week, e.g. '*/30 * * * *'"


def parse_cron(
    expr: str, tz: tzinfo, *, jitter_s: int = 0, where: str = "crawl_cron"
) -> CronTrigger:
    """A standard crontab line as a trigger, or a ConfigError naming the field.

    APScheduler 3 counts weekdays from Monday = 0; crontab from Sunday = 0 (and 7).
    The weekday field is translated to names so that '1-5' means Monday to Friday.
    """
    fields = expr.split()
    try:
        if len(fields) != 5:
            raise ValueError(f"has {len(fields)} field(s)")
        minute, hour, day, month, dow = fields
        return WallClockCronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=_crontab_weekdays(dow),
            timezone=tz,
            jitter=jitter_s or None,
        )
    except ValueError as exc:
        raise ConfigError(
            f"{where}: invalid cron expression {expr!r}: {exc}", hint=CRON_HINT
        ) from None


class WallClockCronTrigger(CronTrigger):
    """A cron trigger that never fires a wall-clock time twice when clocks go back.

    APScheduler 3 fires '30 2 * * *' twice on the day DST ends (02:30 CEST and 02:30
    CET). Like cron, run a fixed time once: in the repeated hour, a wall-clock time
    that is not later than the previous fire is skipped. (In a DST gap, a time that
    does not exist fires at the first instant after the jump, once.)
    """

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        fire = super().get_next_fire_time(previous_fire_time, now)
        if fire is None or previous_fire_time is None:
            return fire
        last_wall = self._wall(previous_fire_time)
        if self._wall(fire) <= last_wall:
            # search again from the later occurrence of the previous wall-clock time
            after = (last_wall + timedelta(seconds=1)).replace(tzinfo=self.timezone, fold=1)
            fire = super().get_next_fire_time(None, max(after, now))
        return fire

    def _wall(self, instant: datetime) -> datetime:
        return instant.astimezone(self.timezone).replace(tzinfo=None)


def _crontab_weekdays(field: str) -> str:
    if field in ("*", "?"):
        return "*"
    days: set[int] = set()
    for part in field.lower().split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError(f"bad step in day-of-week {part!r}")
        if base == "*":
            lo, hi = 0, 6
        elif "-" in base:
            a, b = base.split("-", 1)
            lo, hi = _weekday(a), _weekday(b)
        else:
            lo = _weekday(base)
            hi = 6 if step_text else lo
        if hi == 0 and lo > 0:  # "5-7" or "fri-sun" ends on Sunday
            hi = 7
        if lo > hi:
            raise ValueError(f"day-of-week range {part!r} runs backwards")
        days.update(d % 7 for d in range(lo, hi + 1, step))
    return ",".join(_DOW_NAMES[d] for d in sorted(days))


def _weekday(text: str) -> int:
    if text in _DOW_NAMES:
        return _DOW_NAMES.index(text)
    if text.isdigit() and 0 <= int(text) <= 7:
        return int(text)  # 7 is Sunday too: kept as 7 so that '5-7' is a forward range
    raise ValueError(f"bad day of week {text!r} (0-7 or sun-sat)")
