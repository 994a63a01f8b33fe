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
from apscheduler.triggers.interval import IntervalTrigger

from mediawatch.config import Config
from mediawatch.cron import parse_cron


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


def _format_interval(interval: timedelta) -> str:
    seconds = interval.total_seconds()
    if seconds % 3600 == 0:
        return f"{seconds / 3600:g}h"
    if seconds % 60 == 0:
        return f"{seconds / 60:g}m"
    return f"{seconds:g}s"
