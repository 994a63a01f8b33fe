"""A scheduled crawl: skip outlets already being crawled, call ``run_crawl``, report the outcome.

``run_crawl`` does the work (child process, wall-clock limit, ``crawl_runs`` row); this
only guards against overlap and turns the result into scheduler events.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from mediawatch.config import Config
from schedules.events import EventLog
from warehouse.connection import opened
from warehouse.crawl_lock import OutletsBusy
from warehouse.runs import finish_run

CrawlFn = Callable[..., Any]  # spiders.runner.run_crawl or a test double


@dataclass(frozen=True)
class Enqueued:
    """What a scheduled run is in distributed mode: a discovery round handed to the workers."""

    run_id: int | None
    status: str = "enqueued"
    error: str | None = None
    new: int = 0
    failed: int = 0


def default_crawl(
    config: Config, outlets: list[str], *, stop: threading.Event | None = None, **kwargs: Any
) -> Any:
    if config.distributed is not None:
        from spiders.distributed import enqueue_discovery

        enqueue_discovery(config, outlets)
        return Enqueued(run_id=None)
    if stop is not None and _accepts(_run_crawl(), "stop"):
        kwargs["stop"] = stop
    return _run_crawl()(config, outlets, **kwargs)


def default_recrawl(
    config: Config, outlets: list[str], *, stop: threading.Event | None = None, **kwargs: Any
) -> Any:
    from spiders.runner import run_recrawl

    if stop is not None and _accepts(_run_crawl(), "stop"):
        kwargs["stop"] = stop
    return run_recrawl(config, outlets, **kwargs)


def _run_crawl() -> Callable[..., Any]:
    from spiders.runner import run_crawl

    return run_crawl


def handles_stop(crawl: CrawlFn) -> bool:
    """Whether ``crawl`` stops its child itself when the ``stop`` event is set."""
    if crawl in (default_crawl, default_recrawl):
        return _accepts(_run_crawl(), "stop")
    return _accepts(crawl, "stop")


class BusyOutlets:
    """Outlets being crawled right now, across all jobs (a catch-up and a scheduled run too)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._busy: set[str] = set()
        self._idle = threading.Condition(self._lock)

    def claim(self, outlets: Iterable[str]) -> list[str]:
        with self._lock:
            free = [o for o in outlets if o not in self._busy]
            self._busy.update(free)
            return free

    def release(self, outlets: Iterable[str]) -> None:
        with self._lock:
            self._busy.difference_update(outlets)
            self._idle.notify_all()

    def wait_idle(self, timeout_s: float) -> bool:
        with self._lock:
            return self._idle.wait_for(lambda: not self._busy, timeout_s)

    def __bool__(self) -> bool:
        with self._lock:
            return bool(self._busy)


@dataclass
class CrawlTask:
    config: Config
    events: EventLog
    busy: BusyOutlets
    stopping: threading.Event
    timeout_s: float
    grace_s: float
    crawl: CrawlFn = default_crawl
    recrawl: CrawlFn = default_recrawl
    log_level: str = "WARNING"
    # set by the service when it had to signal crawl processes itself (see service.py)
    signalled: threading.Event = field(default_factory=threading.Event)
    # set by the service on a second Ctrl-C: running crawls stop at once
    force: threading.Event = field(default_factory=threading.Event)

    def __call__(
        self, job_id: str, outlets: tuple[str, ...], trigger: str, kind: str = "crawl"
    ) -> str:
        if self.stopping.is_set():
            self.events.record(job_id, "skipped", "the scheduler is stopping")
            return "skipped: stopping"
        free = self.busy.claim(outlets)
        if len(free) < len(outlets):
            busy = ", ".join(o for o in outlets if o not in free)
            self.events.record(job_id, "skipped", f"already being crawled: {busy}")
        if not free:
            return "skipped: every outlet is being crawled"
        if kind == "crawl" and trigger == "schedule":
            free = self._poll_adaptively(job_id, free)
            if not free:
                return "skipped: every outlet is polled less often for now"
        try:
            crawl = self.recrawl if kind == "recrawl" else self.crawl
            try:
                result = crawl(self.config, free, **self._kwargs(crawl, trigger))
            except OutletsBusy as exc:  # a 'mediawatch crawl' in a terminal has them
                self.events.record(job_id, "skipped", str(exc))
                return "skipped: another process is crawling these outlets"
            if getattr(result, "skipped", ()):
                self.events.record(
                    job_id, "skipped",
                    "another process is crawling: " + ", ".join(result.skipped),
                )  # fmt: skip
            status, error = result.status, result.error
            if self.signalled.is_set() and status not in ("interrupted", "timeout"):
                status, error = "interrupted", "the scheduler stopped during the crawl"
                self._relabel(result.run_id, status, error)
        finally:
            self.busy.release(free)
        if status == "enqueued":
            return f"discovery of {len(free)} outlet(s) queued for the workers"
        detail = f"run {result.run_id}: {status}, {result.new} new, {result.failed} failed"
        if status == "timeout":
            self.events.record(job_id, "timed-out", f"run {result.run_id}: {error}")
        elif status == "failed":
            self.events.record(job_id, "error", f"run {result.run_id}: {error}")
        return detail

    def _poll_adaptively(self, job_id: str, outlets: list[str]) -> list[str]:
        """Drop outlets whose backed-off interval has not passed (they stay claimed no longer)."""
        from datetime import UTC, datetime

        from schedules.polling import decide

        try:
            with opened(
                self.config.warehouse_path,
                read_only=True,
                timeout_s=self.config.warehouse.lock_timeout_s,
            ) as con:
                decisions = decide(con, self.config, outlets, datetime.now(UTC))
        except Exception as exc:  # polling is an optimisation: never let it stop a crawl
            self.events.record(job_id, "error", f"adaptive polling unavailable: {exc}")
            return outlets
        later = [d for d in decisions if not d.due]
        if later:
            self.busy.release(d.outlet for d in later)
            self.events.record(
                job_id, "skipped",
                "polled less often (nothing new lately): "
                + ", ".join(f"{d.outlet} every {d.interval}" for d in later),
            )  # fmt: skip
        return [d.outlet for d in decisions if d.due]

    def _kwargs(self, crawl: CrawlFn, trigger: str) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "trigger": trigger,
            "timeout_s": self.timeout_s,
            "grace_s": self.grace_s,
            "log_level": self.log_level,
        }
        if handles_stop(crawl):  # a runner that can stop on request does it best
            kwargs["stop"] = self.stopping
            if _accepts(_target(crawl), "force"):
                kwargs["force"] = self.force
            if _accepts(_target(crawl), "skip_busy"):
                kwargs["skip_busy"] = True  # crawl the outlets no other process holds
        return kwargs

    def _relabel(self, run_id: int, status: str, error: str) -> None:
        with opened(
            self.config.warehouse_path, timeout_s=self.config.warehouse.lock_timeout_s
        ) as con:
            finish_run(con, run_id, status, error)


def _target(crawl: CrawlFn) -> Callable[..., Any]:
    """The function whose parameters decide what a crawl callable is passed."""
    return _run_crawl() if crawl in (default_crawl, default_recrawl) else crawl


def _accepts(fn: Callable[..., Any], name: str) -> bool:
    try:
        parameters = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in parameters
