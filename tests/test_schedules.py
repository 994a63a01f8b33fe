"""The scheduler's decisions: plan, DST, catch-up, exactly-once digests, lock, overlap.

Time is injected (``now``) and triggers are asked directly, so DST days need no waiting;
the service tests run the real APScheduler with second-long intervals and fake jobs.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from digests.window import day_window
from mediawatch.config import Config
from mediawatch.errors import ConfigError, TerminalError
from schedules.catchup import abandon_stale_runs, last_started, overdue
from schedules.digest_job import DigestJob, due_at
from schedules.events import EventLog
from schedules.lock import SchedulerLock
from schedules.plan import build_plan, parse_cron
from schedules.service import Service
from schedules.status import next_runs, recent_events, scheduler_pid
from warehouse import digests as digest_outbox
from warehouse.connection import opened, transaction
from warehouse.migrate import migrate

BERLIN = ZoneInfo("Europe/Berlin")
DEAD = "http://127.0.0.1:9/"  # never contacted: these tests use fake crawls


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def outlet(name: str, **extra: object) -> dict:
    return {"name": name, "homepage": DEAD, **extra}


def rows(config: Config, sql: str, params: list | None = None) -> list[tuple]:
    with opened(config.warehouse_path) as con:
        migrate(con)
        return con.execute(sql, params or []).fetchall()


# -- plan ----------------------------------------------------------------------------------


def test_outlets_are_grouped_by_schedule_with_overrides(make_config) -> None:
    config = make_config(
        [
            outlet("a"),
            outlet("b"),
            outlet("c", crawl_interval_minutes=15),
            outlet("d", crawl_cron="0 6 * * 1-5"),
            outlet("off", enabled=False),
        ],
        schedule={"crawl_interval_minutes": 30, "recrawl_after_days": [1.0, 7.0]},
    )
    plan = build_plan(config)
    groups = {spec.job_id: spec.outlets for spec in plan.crawls}
    assert groups == {
        "crawl every 30m": ("a", "b"),
        "crawl every 15m": ("c",),
        "crawl cron 0 6 * * 1-5": ("d",),
        "recrawl": ("a", "b", "c", "d"),
    }
    recrawl = next(s for s in plan.crawls if s.kind == "recrawl")
    assert recrawl.schedule.interval == timedelta(hours=12)  # half of the smallest age
    assert build_plan(config, ["off"]).crawls[0].outlets == ("off",)  # asked for by name
    with pytest.raises(ConfigError, match="no outlet named 'zz'"):
        build_plan(config, ["zz"])


def test_default_cron_applies_to_outlets_without_override(make_config) -> None:
    config = make_config(
        [outlet("a"), outlet("b", crawl_interval_minutes=5)],
        schedule={"crawl_cron": "*/20 * * * *", "recrawl_after_days": []},
    )
    assert {s.job_id: s.outlets for s in build_plan(config).crawls} == {
        "crawl cron */20 * * * *": ("a",),
        "crawl every 5m": ("b",),
    }


@pytest.mark.parametrize(
    ("expr", "where"),
    [
        ("61 * * * *", "outlets[1] (b).crawl_cron"),
        ("* * * *", "outlets[1] (b).crawl_cron"),
        ("0 6 * * 8", "outlets[1] (b).crawl_cron"),
    ],
)
def test_bad_cron_fails_at_config_load_naming_the_field(make_config, expr, where) -> None:
    with pytest.raises(ConfigError) as info:
        make_config([outlet("a"), outlet("b", crawl_cron=expr)])
    message = str(info.value)
    assert f"mediawatch.toml: {where}: invalid cron expression {expr!r}" in message
    assert "minute hour" in message and "\n" not in message


def test_bad_default_cron_names_schedule_section(make_config) -> None:
    with pytest.raises(ConfigError, match=r"mediawatch\.toml: schedule\.crawl_cron: invalid cron"):
        make_config([outlet("a")], schedule={"crawl_cron": "every hour"})


def test_crontab_weekdays_count_from_sunday() -> None:
    # 2026-11-29 is a Sunday; APScheduler 3 alone would read '0' as Monday
    sunday = utc(2026, 11, 29, 12)
    assert parse_cron("0 6 * * 0", UTC).get_next_fire_time(None, utc(2026, 11, 26)).date() == (
        sunday.date()
    )
    assert parse_cron("0 6 * * 7", UTC).get_next_fire_time(None, utc(2026, 11, 26)).date() == (
        sunday.date()
    )
    weekdays = parse_cron("0 6 * * 1-5", UTC)
    fires, t = [], weekdays.get_next_fire_time(None, utc(2026, 11, 28))  # a Saturday
    for _ in range(5):
        fires.append(t.strftime("%a"))
        t = weekdays.get_next_fire_time(t, t)
    assert fires == ["Mon", "Tue", "Wed", "Thu", "Fri"]
    assert parse_cron("0 6 * * 5-7", UTC).fields[4].expressions  # Friday to Sunday parses


# -- DST -----------------------------------------------------------------------------------


def fire_times(expr: str, start: datetime, end: datetime) -> list[datetime]:
    """Walk a trigger the way APScheduler 3 does (previous fire time, then now = that time)."""
    trigger = parse_cron(expr, BERLIN)
    out = []
    fire = trigger.get_next_fire_time(None, start)
    while fire is not None and fire < end:
        out.append(fire.astimezone(UTC))
        fire = trigger.get_next_fire_time(fire, fire)
    return out


@pytest.mark.parametrize(
    ("day", "expected_utc"),
    [
        (date(2026, 3, 29), utc(2026, 3, 29, 1, 30)),  # 02:30 does not exist: 03:30 CEST
        (date(2026, 10, 25), utc(2026, 10, 25, 0, 30)),  # 02:30 twice: only the first
    ],
)
def test_a_daily_crawl_cron_fires_once_on_dst_days(day, expected_utc) -> None:
    start = datetime.combine(day - timedelta(days=1), datetime.min.time(), BERLIN)
    fires = fire_times("30 2 * * *", start, start + timedelta(days=3))
    local_days = [f.astimezone(BERLIN).date() for f in fires]
    assert local_days == [day - timedelta(days=1), day, day + timedelta(days=1)]
    assert fires[1] == expected_utc


def test_a_half_hourly_cron_keeps_going_across_dst() -> None:
    spring = fire_times("*/30 * * * *", utc(2026, 3, 28, 23), utc(2026, 3, 29, 3))
    assert len(spring) == len(set(spring)) == 8  # 4 h of UTC, one local hour skipped by clocks
    autumn = fire_times("*/30 * * * *", utc(2026, 10, 24, 22), utc(2026, 10, 25, 3))
    assert autumn == sorted(set(autumn))
    assert max(b - a for a, b in zip(autumn, autumn[1:], strict=False)) <= timedelta(
        hours=1, minutes=30
    )


def test_digest_due_time_on_dst_days() -> None:
    t = datetime.strptime("02:30", "%H:%M").time()
    assert due_at(date(2026, 3, 28), t, BERLIN) == utc(2026, 3, 28, 1, 30)
    assert due_at(date(2026, 3, 29), t, BERLIN) == utc(2026, 3, 29, 1, 0)  # the jump to 03:00
    assert due_at(date(2026, 10, 25), t, BERLIN) == utc(2026, 10, 25, 0, 30)  # first 02:30
    assert due_at(date(2026, 10, 26), t, BERLIN) == utc(2026, 10, 26, 1, 30)


@dataclass
class Clock:
    at: datetime

    def __call__(self) -> datetime:
        return self.at


@dataclass
class RecordingDeliver:
    """Stands in for digests.enqueue_scheduled: records the call and the outbox row it writes."""

    clock: Callable[[], datetime]
    calls: list[tuple[str, date, datetime]] = field(default_factory=list)

    def __call__(self, config: Config, topic: str, window, now: datetime, kind: str = "scheduled"):
        self.calls.append((topic, window.day, self.clock()))
        with opened(config.warehouse_path) as con, transaction(con):
            digest_outbox.enqueue(
                con, topic=topic, kind=kind, day=window.day, window=(window.start, window.end),
                cutoff=now, now=now, items=[("file", f"<{topic}.{window.end}>", None, "sent")],
            )  # fmt: skip
        return SimpleNamespace(channels=[])


@pytest.fixture
def berlin_config(make_config) -> Config:
    config = make_config(
        [outlet("a")], schedule={"timezone": "Europe/Berlin", "digest_time": "02:30:00"}
    )
    with opened(config.warehouse_path) as con:
        migrate(con)
    return config


@pytest.mark.parametrize("dst_day", [date(2026, 3, 29), date(2026, 10, 25)])
def test_digest_at_0230_berlin_goes_out_once_per_day_across_dst_and_restarts(
    berlin_config, dst_day
) -> None:
    clock = Clock(datetime.combine(dst_day - timedelta(days=1), datetime.min.time(), UTC))
    deliver = RecordingDeliver(clock)
    events = EventLog(berlin_config.warehouse_path, flush_every_s=0.05, now=clock)
    job = DigestJob(berlin_config, events, deliver=deliver, now=clock)
    end = clock.at + timedelta(days=3)
    step = 0
    while clock.at < end:
        job.tick()
        clock.at += timedelta(minutes=5)
        step += 1
        if step % 97 == 0:  # a restart now and then: the warehouse, not memory, decides
            job = DigestJob(berlin_config, events, deliver=deliver, now=clock)
    events.close()
    days = [d for _, d, _ in deliver.calls]
    assert days == [dst_day - timedelta(days=1), dst_day, dst_day + timedelta(days=1)]
    sent_at = {d: at for _, d, at in deliver.calls}
    t = berlin_config.schedule.digest_time
    for day, at in sent_at.items():
        assert due_at(day, t, BERLIN) <= at < due_at(day, t, BERLIN) + timedelta(minutes=5)
    # on the DST day itself: 03:00 CEST in spring, the first 02:30 (CEST) in autumn
    assert sent_at[dst_day].astimezone(BERLIN).strftime("%H:%M %Z") in ("03:00 CEST", "02:30 CEST")
    assert [r[0] for r in rows(berlin_config, "SELECT count(*) FROM digest_outbox")] == [3]


def test_manual_preview_before_digest_time_does_not_count(berlin_config) -> None:
    day = date(2026, 6, 1)
    clock = Clock(utc(2026, 5, 31, 22, 0))  # 00:00 in Berlin
    deliver = RecordingDeliver(clock)
    preview = day_window(day, "Europe/Berlin")  # like 'mediawatch digest --send' at 00:00
    deliver(berlin_config, "chechnya", preview, clock.at, kind="manual")
    deliver.calls.clear()
    events = EventLog(berlin_config.warehouse_path, flush_every_s=0.05, now=clock)
    job = DigestJob(berlin_config, events, deliver=deliver, now=clock)
    assert job.tick() == []  # not yet 02:30
    clock.at = utc(2026, 6, 1, 0, 31)  # 02:31 CEST
    assert job.tick() == ["chechnya"]
    assert job.tick() == []
    events.close()


# -- catch-up from the warehouse -------------------------------------------------------------


def insert_run(config: Config, outlets: list[str], started: datetime, **extra: object) -> None:
    with opened(config.warehouse_path) as con:
        migrate(con)
    with opened(config.warehouse_path) as con, transaction(con):
        con.execute(
            "INSERT INTO crawl_runs (started_at, status, trigger, outlets, pid)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                started,
                extra.get("status", "ok"),
                extra.get("trigger", "schedule"),
                outlets,
                extra.get("pid"),
            ],
        )


def test_overdue_outlets_come_from_the_run_history(make_config) -> None:
    config = make_config(
        [outlet("a"), outlet("b"), outlet("c"), outlet("d", crawl_cron="0 6 * * *")],
        schedule={"crawl_interval_minutes": 60, "recrawl_after_days": [1.0]},
    )
    now = utc(2026, 6, 1, 12, 0)
    insert_run(config, ["a"], now - timedelta(minutes=30))
    insert_run(config, ["b"], now - timedelta(minutes=90), status="failed")  # ran, but long ago
    insert_run(config, ["a", "b"], now - timedelta(hours=2), trigger="recrawl")
    insert_run(config, ["d"], utc(2026, 6, 1, 6, 0, 2))  # today's 06:00 run happened
    plan = build_plan(config)
    with opened(config.warehouse_path) as con:
        crawl_last = last_started(con, ["a", "b", "c", "d"])
        recrawl_last = last_started(con, ["a", "b", "c", "d"], "recrawl")
    interval, cron, recrawl = plan.crawls
    assert overdue(interval, plan.timezone, crawl_last, now) == ["b", "c"]  # c never ran
    assert overdue(cron, plan.timezone, crawl_last, now) == []
    assert overdue(cron, plan.timezone, crawl_last, utc(2026, 6, 2, 6, 0, 1)) == ["d"]
    assert overdue(recrawl, plan.timezone, recrawl_last, now) == []  # 2 h < 12 h; c waits
    assert overdue(recrawl, plan.timezone, recrawl_last, now + timedelta(hours=11)) == ["a", "b"]


def test_runs_left_running_by_a_dead_process_become_interrupted(make_config) -> None:
    import os
    import subprocess

    config = make_config([outlet("a")])
    dead = subprocess.Popen(["true"])
    dead.wait()
    insert_run(config, ["a"], utc(2026, 6, 1), status="running", pid=dead.pid)
    insert_run(config, ["a"], utc(2026, 6, 1), status="running", pid=os.getpid())
    with opened(config.warehouse_path) as con:
        assert abandon_stale_runs(con) == [1]
    assert rows(config, "SELECT id, status FROM crawl_runs ORDER BY id") == [
        (1, "interrupted"),
        (2, "running"),
    ]


# -- lock ------------------------------------------------------------------------------------


def test_second_scheduler_on_one_warehouse_is_refused_with_the_pid(tmp_path: Path) -> None:
    import os

    warehouse = tmp_path / "w.duckdb"
    held = rf"\(pid {os.getpid()}\) is already scheduling"
    with SchedulerLock(warehouse), pytest.raises(TerminalError, match=held):
        SchedulerLock(warehouse).acquire()
    with SchedulerLock(warehouse):  # released: free again
        pass


# -- the real APScheduler with fake jobs ------------------------------------------------------


class FakeCrawl:
    """Counts concurrent crawls per outlet; each crawl takes ``seconds``."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.lock = threading.Lock()
        self.running: dict[str, int] = {}
        self.max_running: dict[str, int] = {}
        self.calls: list[tuple[tuple[str, ...], str]] = []

    def __call__(self, config: Config, outlets: list[str], **kwargs: object):
        with self.lock:
            self.calls.append((tuple(outlets), str(kwargs["trigger"])))
            for o in outlets:
                self.running[o] = self.running.get(o, 0) + 1
                self.max_running[o] = max(self.max_running.get(o, 0), self.running[o])
        time.sleep(self.seconds)
        with self.lock:
            for o in outlets:
                self.running[o] -= 1
        return SimpleNamespace(run_id=len(self.calls), status="ok", error=None, new=0, failed=0)


def wait_for(condition: Callable[[], bool], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def test_overlapping_triggers_for_one_outlet_produce_one_run(make_config) -> None:
    config = make_config(
        [outlet("a")],
        schedule={"crawl_interval_minutes": 1, "jitter_seconds": 0, "recrawl_after_days": []},
    )
    crawl = FakeCrawl(seconds=1.0)
    service = Service(
        config, crawl=crawl, digests=False, minute=timedelta(seconds=0.2), events_flush_s=0.1
    )
    service.start()
    try:
        # the catch-up at start-up and the 0.2 s schedule all want 'a' at once
        wait_for(lambda: len(crawl.calls) >= 3, 10)
    finally:
        service.stop("test")
    assert crawl.max_running == {"a": 1}
    assert crawl.calls[0] == (("a",), "startup")
    assert ("a",) in [c[0] for c in crawl.calls[1:]] and crawl.calls[1][1] == "schedule"
    events = {e for _, e in rows(config, "SELECT job, event FROM scheduler_events")}
    assert {"max-instances", "skipped", "first-crawl", "started", "finished"} <= events


@dataclass
class WebhookSink:
    posts: list[dict] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def webhook() -> Iterator[WebhookSink]:
    sink = WebhookSink()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            sink.posts.append(json.loads(body or b"{}"))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    sink.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield sink
    server.shutdown()
    server.server_close()


def test_restart_across_the_digest_time_sends_the_digest_once(make_config, webhook) -> None:
    """The real digests.deliver, posting to a loopback webhook; the clock is injected."""
    config = make_config(
        [outlet("a")],
        schedule={"timezone": "Europe/Berlin", "digest_time": "07:00:00"},
        digest={"out_dir": "digests", "webhook_url": webhook.url},
    )
    clock = Clock(utc(2026, 6, 1, 4, 55))  # 06:55 in Berlin
    crawl = FakeCrawl(0.0)

    def run_for(seconds: float) -> None:
        service = Service(
            config,
            crawl=crawl,
            now=clock,
            tick_s=0.1,
            events_flush_s=0.1,
            minute=timedelta(hours=1),
        )
        service.start()
        time.sleep(seconds)
        service.stop("test")

    run_for(0.5)  # before 07:00: nothing
    assert webhook.posts == []
    clock.at = utc(2026, 6, 1, 5, 20)  # the scheduler was down at 07:00; back at 07:20
    run_for(1.0)
    assert len(webhook.posts) == 1
    clock.at = utc(2026, 6, 1, 8, 0)  # restarted again the same day
    run_for(0.5)
    assert len(webhook.posts) == 1
    deliveries = rows(
        config, "SELECT day, channel, status FROM digest_outbox WHERE channel = 'webhook'"
    )
    assert deliveries == [(date(2026, 6, 1), "webhook", "sent")]
    clock.at = utc(2026, 6, 2, 5, 1)  # next day, 07:01
    run_for(1.0)
    assert len(webhook.posts) == 2


def test_status_reports_next_runs_and_events(make_config) -> None:
    config = make_config(
        [outlet("a"), outlet("b", crawl_cron="0 6 * * *")],
        schedule={
            "crawl_interval_minutes": 60,
            "timezone": "Europe/Berlin",
            "digest_time": "07:00:00",
            "recrawl_after_days": [],
        },
    )
    now = utc(2026, 6, 1, 12, 0)
    assert next_runs(config, now) == [
        ("crawl every 1h", utc(2026, 6, 1, 13, 0)),
        ("crawl cron 0 6 * * *", utc(2026, 6, 2, 4, 0)),
        ("digest", utc(2026, 6, 2, 5, 0)),
    ]
    insert_run(config, ["a"], now - timedelta(minutes=20))
    with opened(config.warehouse_path) as con:
        anchored = dict(next_runs(config, now, con))
    assert anchored["crawl every 1h"] == now + timedelta(minutes=40)
    assert anchored["crawl cron 0 6 * * *"] == now  # never crawled: due now
    events = EventLog(config.warehouse_path, flush_every_s=0.05)
    events.record("crawl every 1h", "timed-out", "run 3: crawl exceeded its limit")
    events.close()
    with opened(config.warehouse_path) as con:
        [(_, job, event, detail)] = recent_events(con, 5)
    assert (job, event) == ("crawl every 1h", "timed-out") and "limit" in (detail or "")
    assert scheduler_pid(config) is None
