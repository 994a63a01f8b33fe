"""The long-running ``mediawatch run`` process: jobs, catch-up at start-up, clean stop on signals.

APScheduler (3.x, memory store) only fires triggers; everything that must survive a
restart is read from the warehouse at start-up. Stopping: no new job starts, running
crawls get SIGTERM (Scrapy stops and the ingestor flushes what it extracted), then
``shutdown_grace_s`` to finish, then SIGKILL; their runs are recorded as interrupted.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from mediawatch.config import Config
from schedules.catchup import abandon_stale_runs, first_interval_fire, last_started, overdue
from schedules.crawl_job import (
    BusyOutlets,
    CrawlFn,
    CrawlTask,
    default_crawl,
    default_recrawl,
    handles_stop,
)
from schedules.digest_job import CatchUpGate, Deliver, DigestJob, default_deliver
from schedules.events import LISTENED, EventLog, listener
from schedules.lock import SchedulerLock
from schedules.plan import Plan, build_plan, make_trigger
from spiders.signals import HeldSignals
from warehouse.connection import opened
from warehouse.migrate import migrate

log = logging.getLogger("mediawatch.scheduler")

DIGEST_JOB = "digest"
CRAWL_PROCESS_PREFIX = "mediawatch-crawl-"  # spiders.runner names its children so


def utc_now() -> datetime:
    return datetime.now(UTC)


class Service:
    def __init__(
        self,
        config: Config,
        *,
        outlets: Sequence[str] | None = None,
        digests: bool = True,
        crawl: CrawlFn = default_crawl,
        recrawl: CrawlFn = default_recrawl,
        deliver: Deliver = default_deliver,
        now: Callable[[], datetime] = utc_now,
        minute: timedelta = timedelta(minutes=1),
        tick_s: float = 60.0,
        events_flush_s: float = 0.5,
        log_level: str = "WARNING",
    ) -> None:
        self.config = config
        self.plan: Plan = build_plan(config, outlets, minute=minute)  # fails early on bad cron
        self.digests = digests and bool(self.plan.topics)
        self.crawl = crawl
        self.recrawl = recrawl
        self.deliver = deliver
        self.now = now
        self.tick_s = tick_s
        self.events_flush_s = events_flush_s
        self.log_level = log_level
        self.lock = SchedulerLock(config.warehouse_path)
        self.stopping = threading.Event()
        self.force = threading.Event()  # stop running crawls at once (a second Ctrl-C)
        self.busy = BusyOutlets()
        self._digest_running = threading.Lock()
        self._stop_requested = threading.Event()
        self._stop_reason = "stopped"
        self._scheduler: BackgroundScheduler | None = None
        self._events: EventLog | None = None
        self._task: CrawlTask | None = None

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        """Take the lock, catch up from the warehouse, start firing triggers."""
        self.lock.acquire()
        try:
            self._start()
        except BaseException:
            if self._events is not None:
                self._events.close()
            self.lock.release()
            raise

    def _start(self) -> None:
        config, plan = self.config, self.plan
        names = [n for spec in plan.crawls for n in spec.outlets]
        with opened(config.warehouse_path, timeout_s=config.warehouse.lock_timeout_s) as con:
            migrate(con)
            abandoned = abandon_stale_runs(con)
            last = {kind: last_started(con, names, kind) for kind in ("crawl", "recrawl")}
        self._events = events = EventLog(
            config.warehouse_path,
            lock_timeout_s=config.warehouse.lock_timeout_s,
            flush_every_s=self.events_flush_s,
            now=self.now,
        )
        if names:
            from spiders.runner import prepare_warehouse

            prepare_warehouse(config)  # registers outlets before the first crawl needs them
        for run_id in abandoned:
            events.record("scheduler", "skipped", f"run {run_id} was left running; now interrupted")
        if config.distributed is not None:
            self._start_loader(events)
        self._task = task = CrawlTask(
            config=config,
            events=events,
            busy=self.busy,
            stopping=self.stopping,
            force=self.force,
            timeout_s=plan.crawl_timeout_s,
            grace_s=plan.grace_s,
            crawl=self.crawl,
            recrawl=self.recrawl,
            log_level=self.log_level,
        )
        scheduler = BackgroundScheduler(
            timezone=plan.timezone,
            executors={"default": ThreadPoolExecutor(max_workers=2 * len(plan.crawls) + 2)},
            # misfire_grace_time must be a job default (a top-level argument is ignored);
            # None: a late run still runs, once (coalesce), instead of being dropped
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        scheduler.add_listener(listener(events, quiet={DIGEST_JOB}), LISTENED)
        now = self.now()
        # a digest due now waits for the catch-up crawls (digest_job.CatchUpGate)
        gate = CatchUpGate(timedelta(seconds=plan.crawl_timeout_s))
        scheduler.add_listener(gate.on_event, CatchUpGate.EVENTS)
        for spec in plan.crawls:
            history = last[spec.kind]
            due = overdue(spec, plan.timezone, history, now)
            if due and spec.kind == "crawl":
                gate.expect(f"catch-up {spec.job_id}", due)
            if due:
                # an outlet never crawled missed nothing: its first crawl is news, not a warning
                missed = [n for n in due if n in history]
                first = [n for n in due if n not in history]
                if missed:
                    events.record(spec.job_id, "missed", _missed_detail(missed, history))
                if first:
                    events.record(spec.job_id, "first-crawl", _missed_detail(first, history))
                scheduler.add_job(
                    task,
                    "date",
                    run_date=datetime.now(UTC),
                    id=f"catch-up {spec.job_id}",
                    args=(f"catch-up {spec.job_id}", tuple(due), "startup", spec.kind),
                )
            start = None
            if spec.schedule.interval is not None:
                start = first_interval_fire(spec, history, now, caught_up=bool(due))
                start += datetime.now(UTC) - now  # history is in the injected clock's time
            scheduler.add_job(
                task,
                make_trigger(
                    spec.schedule, plan.timezone, jitter_s=plan.jitter_s, start_date=start
                ),
                id=spec.job_id,
                name=spec.job_id,
                args=(spec.job_id, spec.outlets, "schedule", spec.kind),
            )
        if self.digests:
            digest = DigestJob(config, events, deliver=self.deliver, now=self.now, gate=gate)
            scheduler.add_job(
                self._digest_tick,
                "interval",
                args=(digest,),
                seconds=min(self.tick_s, digest.tick_s),
                id=DIGEST_JOB,
                next_run_time=datetime.now(UTC),  # at start-up: a digest due today goes out now
            )
        scheduler.start()
        self._scheduler = scheduler
        events.record("scheduler", "started", f"pid {os.getpid()}; " + self.describe_jobs())

    def describe_jobs(self) -> str:
        """Each job's next run, for the log (the digest: when it is due, not the next tick)."""
        if self._scheduler is None:
            return ""
        parts = [
            f"{job.id} ({len(job.args[1])} outlet(s)) next {job.next_run_time:%Y-%m-%d %H:%M:%S %Z}"
            for job in self._scheduler.get_jobs()
            if job.id != DIGEST_JOB and job.next_run_time is not None
        ]
        if self.digests:
            parts.append(f"digest daily at {self.plan.digest_time:%H:%M} {self.plan.timezone.key}")
        return "; ".join(parts)

    def _start_loader(self, events: EventLog) -> None:
        """Distributed mode: this process is the one warehouse writer, draining the workers' items."""
        from pipeline.loader import run_loader

        def loop() -> None:
            try:
                run_loader(self.config, stop=self.stopping)
            except Exception as exc:  # reported, and visible in 'mediawatch status'
                log.exception("loader stopped")
                events.record("loader", "error", str(exc))

        self._loader = threading.Thread(target=loop, name="mediawatch-loader", daemon=True)
        self._loader.start()

    def _digest_tick(self, digest: DigestJob) -> None:
        with self._digest_running:
            if not self.stopping.is_set():
                digest.tick()

    def stop(self, reason: str = "stopped") -> None:
        """No new job; running crawls get SIGTERM and the grace period, then SIGKILL."""
        if self._scheduler is None or self.stopping.is_set():
            return
        events = self._events
        assert events is not None and self._task is not None
        self.stopping.set()
        events.record("scheduler", "stopping", reason)
        self._scheduler.shutdown(wait=False)
        grace = self.plan.grace_s
        if self.busy:
            self._task.signalled.set()  # before the signal: the job must see it when run_crawl returns
            if not (handles_stop(self.crawl) and handles_stop(self.recrawl)):
                self._terminate_crawls(grace, skip_first_signal=_group_got(reason))
        wait_s = grace + self.config.warehouse.lock_timeout_s + 10
        if not self.busy.wait_idle(wait_s):
            events.record(
                "scheduler", "error", "a crawl job did not finish after its process ended"
            )
        if self._digest_running.acquire(timeout=wait_s):
            self._digest_running.release()
        loader = getattr(self, "_loader", None)
        if loader is not None:
            loader.join(wait_s)
        events.record("scheduler", "stopped", reason)
        events.close()
        self.lock.release()

    def _terminate_crawls(self, grace_s: float, skip_first_signal: bool) -> None:
        """SIGTERM every crawl process (also those starting during the grace), SIGKILL the rest."""
        signalled: set[int] = set()
        deadline = time.monotonic() + grace_s
        while self.busy and time.monotonic() < deadline:
            for child in _crawl_children():
                if child.pid is not None and child.pid not in signalled:
                    signalled.add(child.pid)
                    if not skip_first_signal:
                        _signal(child.pid, signal.SIGTERM)
            self.busy.wait_idle(0.1)
        for child in _crawl_children():
            if child.pid is not None:
                log.warning(
                    "crawl process %s ignored SIGTERM for %.0f s: killing it", child.pid, grace_s
                )
                _signal(child.pid, signal.SIGKILL)

    # -- the process ----------------------------------------------------------------------
    def request_stop(self, reason: str) -> None:
        """Thread- and signal-safe: the main loop in ``run`` does the stopping."""
        self._stop_reason = reason
        self._stop_requested.set()

    def run(self) -> int:
        """Run until SIGTERM or Ctrl-C (main thread only: it installs the signal handlers)."""

        def on_signal(signum: int, frame: FrameType | None) -> None:
            if self._stop_requested.is_set():
                self.force.set()  # a second Ctrl-C: running crawls stop at once
                sys.stderr.write("\nstopping at once: keeping what is already extracted\n")
                return
            self.request_stop(signal.Signals(signum).name)

        with HeldSignals({signal.SIGTERM: on_signal, signal.SIGINT: on_signal}):
            self.start()
            while not self._stop_requested.wait(1.0):
                pass
            self.stop(self._stop_reason)
        return 130 if self._stop_reason == "SIGINT" else 0


def _crawl_children() -> list[multiprocessing.process.BaseProcess]:
    return [p for p in multiprocessing.active_children() if p.name.startswith(CRAWL_PROCESS_PREFIX)]


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def _group_got(reason: str) -> bool:
    """Ctrl-C in a terminal already reached the crawl processes (same foreground group)."""
    if reason != "SIGINT":
        return False
    try:
        return os.tcgetpgrp(sys.stdin.fileno()) == os.getpgrp()
    except (OSError, ValueError):
        return False


def _missed_detail(due: list[str], last: dict[str, datetime]) -> str:
    parts = []
    for name in due:
        at = last.get(name)
        parts.append(
            f"{name} (last crawl {at:%Y-%m-%d %H:%M %Z})" if at else f"{name} (never crawled)"
        )
    return "running once now: " + ", ".join(parts)
