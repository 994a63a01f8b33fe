"""From ``[schedule]`` and per-outlet overrides to job specs and APScheduler triggers.

Outlets that share a schedule are crawled by one job (one child process, one reactor,
one extraction pool): cheaper than a process per outlet, and a job never overlaps itself
(``max_instances=1``), so no outlet is ever crawled twice at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from mediawatch.config import Config
from mediawatch.errors import ConfigError

_DOW_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
CRON_HINT = "five fields: minute hour day-of-month month day-of-week, e.g. '*/30 * * * *'"


@dataclass(frozen=True)
class CrawlSchedule:
    """Either a fixed interval or a cron expression (evaluated in the [schedule] time zone)."""

    interval: timedelta | None = None
    cron: str | None = None

    @property
    def label(self) -> str:
        if self.cron is not None:
            return f"cron {self.cron}"
        assert self.interval is not None
        return f"every {_format_interval(self.interval)}"


@dataclass(frozen=True)
class CrawlSpec:
    job_id: str
    outlets: tuple[str, ...]
    schedule: CrawlSchedule
    kind: str = "crawl"  # crawl (discover new articles) | recrawl (re-fetch recent ones)


@dataclass(frozen=True)
class Plan:
    timezone: ZoneInfo
    crawls: tuple[CrawlSpec, ...]
    jitter_s: int
    crawl_timeout_s: float
    grace_s: float
    digest_time: time
    topics: tuple[str, ...]


def build_plan(
    config: Config,
    outlets: Sequence[str] | None = None,
    *,
    minute: timedelta = timedelta(minutes=1),
) -> Plan:
    """Validate the schedule and group outlets by schedule.

    ``minute`` is the length of a configured minute: tests shrink it to run the real
    scheduler with second-long intervals; nothing else should change it.
    """
    sc = config.schedule
    tz = ZoneInfo(sc.timezone or "UTC")
    if sc.crawl_cron is not None:
        parse_cron(sc.crawl_cron, tz, where="schedule.crawl_cron")
    chosen = [config.outlet(n) for n in outlets] if outlets else config.outlets
    groups: dict[CrawlSchedule, list[str]] = {}
    for i, outlet in enumerate(config.outlets):
        if outlet not in chosen or (not outlet.enabled and not outlets):
            continue
        if outlet.crawl_cron is not None:
            parse_cron(outlet.crawl_cron, tz, where=f"outlets[{i}] ({outlet.name}).crawl_cron")
            schedule = CrawlSchedule(cron=outlet.crawl_cron.strip())
        elif outlet.crawl_interval_minutes is not None:
            schedule = CrawlSchedule(interval=outlet.crawl_interval_minutes * minute)
        elif sc.crawl_cron is not None:
            schedule = CrawlSchedule(cron=sc.crawl_cron.strip())
        else:
            schedule = CrawlSchedule(interval=sc.crawl_interval_minutes * minute)
        groups.setdefault(schedule, []).append(outlet.name)
    crawls = tuple(
        CrawlSpec(f"crawl {schedule.label}", tuple(names), schedule)
        for schedule, names in groups.items()
    )
    every = recrawl_interval(sc.recrawl_after_days, minute)
    if every is not None and crawls:
        names = tuple(n for spec in crawls for n in spec.outlets)
        crawls += (CrawlSpec("recrawl", names, CrawlSchedule(interval=every), kind="recrawl"),)
    return Plan(
        timezone=tz,
        crawls=crawls,
        jitter_s=sc.jitter_seconds,
        crawl_timeout_s=sc.crawl_timeout_minutes * 60,
        grace_s=sc.shutdown_grace_s,
        digest_time=sc.digest_time,
        topics=tuple(t.name for t in config.topics),
    )


def recrawl_interval(ages_days: Sequence[float], minute: timedelta) -> timedelta | None:
    """Half the smallest re-crawl age, between an hour and a day: an article is re-fetched
    at most half its age late (1 day -> every 12 h)."""
    if not ages_days:
        return None
    hours = min(max(min(ages_days) * 24 / 2, 1.0), 24.0)
    return hours * 60 * minute


def make_trigger(
    schedule: CrawlSchedule,
    tz: ZoneInfo,
    *,
    jitter_s: int = 0,
    start_date: datetime | None = None,
) -> BaseTrigger:
    jitter = jitter_s or None
    if schedule.cron is not None:
        return parse_cron(schedule.cron, tz, jitter_s=jitter_s)
    assert schedule.interval is not None
    return IntervalTrigger(
        seconds=schedule.interval.total_seconds(), start_date=start_date, timezone=tz, jitter=jitter
    )


def parse_cron(
    expr: str, tz: ZoneInfo, *, jitter_s: int = 0, where: str = "crawl_cron"
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


def _format_interval(interval: timedelta) -> str:
    seconds = interval.total_seconds()
    if seconds % 3600 == 0:
        return f"{seconds / 3600:g}h"
    if seconds % 60 == 0:
        return f"{seconds / 60:g}m"
    return f"{seconds:g}s"
