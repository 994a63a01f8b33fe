"""Starting a crawl from the CLI or the scheduler: a child process per crawl, with a time limit.

A Twisted reactor cannot be restarted in one process, and a scheduler thread cannot
start one at all; a child process also lets us kill a hung crawl and still record it.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing import resource_tracker
from types import FrameType

from mediawatch.config import Config
from mediawatch.errors import TerminalError
from spiders.process import CrawlJob, crawl_main
from spiders.signals import HeldSignals
from warehouse.connection import opened
from warehouse.crawl_lock import OutletLocks
from warehouse.migrate import migrate
from warehouse.runs import (
    broken_outlets,
    failure_reasons,
    finish_run,
    first_failures,
    run_summary,
    start_run,
)
from warehouse.store import upsert_outlets


@dataclass(frozen=True)
class OutletSummary:
    outlet: str
    discovered: int
    fetched: int
    new: int
    duplicate: int
    failed: int
    not_modified: int


@dataclass(frozen=True)
class CrawlResult:
    run_id: int
    status: str  # ok | partial | failed | timeout | interrupted
    seconds: float
    outlets: list[OutletSummary]
    error: str | None = None
    skipped: tuple[str, ...] = ()  # outlets another process was crawling

    @property
    def new(self) -> int:
        return sum(o.new for o in self.outlets)

    @property
    def fetched(self) -> int:
        return sum(o.fetched for o in self.outlets)

    @property
    def failed(self) -> int:
        return sum(o.failed for o in self.outlets)


def prepare_warehouse(config: Config) -> None:
    """Create or upgrade the schema and register the configured outlets."""
    with opened(config.warehouse_path, timeout_s=None) as con:
        migrate(con)
        upsert_outlets(con, [(o.name, o.homepage, o.language, o.timezone) for o in config.outlets])


def run_crawl(
    config: Config,
    outlets: list[str] | None = None,
    *,
    trigger: str = "manual",
    timeout_s: float | None = None,
    grace_s: float = 30.0,
    log_level: str = "WARNING",
    mode: str = "discover",
    stop: threading.Event | None = None,
    force: threading.Event | None = None,
    skip_busy: bool = False,
) -> CrawlResult:
    """Crawl the given outlets (default: all enabled) in a child process and record the run.

    ``mode="recrawl"`` re-fetches recent articles (``[schedule] recrawl_after_days``)
    instead of discovering new ones. Setting ``stop`` (the scheduler shutting down) ends
    the crawl cleanly: SIGTERM, a grace period to flush, then SIGKILL; setting ``force``
    too ends it at once, keeping what the writer already has. Called from the main
    thread, Ctrl-C (and SIGTERM) do the same: the first stops cleanly, the second at once.

    Each outlet is locked for the run (``warehouse.crawl_lock``): an outlet another
    process is crawling raises ``OutletsBusy``, or with ``skip_busy`` is left out
    (``CrawlResult.skipped``) while the free ones are crawled.
    """
    names = outlets or [o.name for o in config.outlets if o.enabled]
    if not names:
        raise TerminalError("no outlets to crawl", hint="add [[outlets]] to the config")
    for name in names:
        config.outlet(name)  # unknown names fail here, with the list of known ones
    locks = OutletLocks(config.warehouse_path)
    held = locks.acquire(names, partial=skip_busy)  # OutletsBusy names the other pids
    skipped = tuple(n for n in names if n not in held)
    try:
        return _crawl_locked(
            config, held, skipped, trigger=trigger, timeout_s=timeout_s, grace_s=grace_s,
            log_level=log_level, mode=mode, stop=stop, force=force,
        )  # fmt: skip
    finally:
        locks.release()


def _crawl_locked(
    config: Config,
    names: list[str],
    skipped: tuple[str, ...],
    *,
    trigger: str,
    timeout_s: float | None,
    grace_s: float,
    log_level: str,
    mode: str,
    stop: threading.Event | None,
    force: threading.Event | None,
) -> CrawlResult:
    prepare_warehouse(config)
    with opened(config.warehouse_path, timeout_s=None) as con:
        run_id = start_run(con, names, trigger if mode == "discover" else "recrawl", os.getpid())
    job = CrawlJob(
        config=config, outlets=tuple(names), run_id=run_id, log_level=log_level, mode=mode
    )
    ctx = multiprocessing.get_context("spawn")
    child = ctx.Process(target=crawl_main, args=(job,), name=f"mediawatch-crawl-{run_id}")
    started = datetime.now(UTC)
    status, error = "ok", None
    with _UserSignals() as user:
        # The child (and through it every extraction worker) starts with SIGINT blocked,
        # then ignores it: Ctrl-C reaches the whole group, but only we decide what it does.
        # SIGTERM waits (blocked) until the child can stop cleanly.
        # (the resource tracker unblocks SIGINT whenever it starts: start it first)
        resource_tracker.ensure_running()
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            child.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        control = _ChildControl(child, grace_s)
        deadline = time.monotonic() + timeout_s if timeout_s else None
        while child.is_alive():
            child.join(0.2)
            if user.presses or user.terminated:
                if status != "interrupted":
                    status, error = "interrupted", "interrupted by the user"
                control.graceful()
                if user.presses >= 2:
                    control.at_once()
                if user.presses >= 3:
                    control.kill()
            if stop is not None and stop.is_set():
                if status != "interrupted":
                    status, error = "interrupted", "stopped: the scheduler is shutting down"
                control.graceful()
                if force is not None and force.is_set():
                    control.at_once()
            if deadline is not None and time.monotonic() >= deadline and status == "ok":
                status, error = "timeout", f"crawl exceeded its limit of {timeout_s:.0f} s"
                control.graceful()
            control.kill_if_overdue()
        child.join()
    if status == "ok" and child.exitcode != 0:
        status = "failed"
        error = f"crawl process exited with code {child.exitcode}"
    seconds = (datetime.now(UTC) - started).total_seconds()
    with opened(config.warehouse_path, timeout_s=None) as con:
        summary = [OutletSummary(*row) for row in run_summary(con, run_id)]
        # empty or absent listings are not failures; nor is a failure beside what was read
        broken = broken_outlets(con, run_id)
        if status == "ok" and summary and len(broken) == len(summary):
            status = "failed"
            error = "every outlet failed"
            reasons = failure_reasons(con, run_id)
            if reasons and set(reasons) <= {"unreachable"}:
                error = "no outlet could be reached: " + _first_detail(con, run_id)
        elif status == "ok" and any(s.failed for s in summary):
            status = "partial"
        finish_run(con, run_id, status, error)
    return CrawlResult(run_id, status, seconds, summary, error, skipped=skipped)


def _first_detail(con, run_id: int) -> str:
    rows = first_failures(con, run_id, 1)
    return f"{rows[0][0]}: {rows[0][1]}"[:300] if rows else "unreachable"


class _ChildControl:
    """Stopping the crawl process: SIGTERM (clean), SIGTERM again (at once), SIGKILL."""

    def __init__(self, child: multiprocessing.process.BaseProcess, grace_s: float) -> None:
        self.child = child
        self.grace_s = grace_s
        self.terms = 0
        self.kill_at: float | None = None

    def _term(self) -> None:
        if self.child.pid and self.child.is_alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.child.pid, signal.SIGTERM)
        self.terms += 1

    def graceful(self) -> None:
        if self.terms == 0:
            self._term()
            self.kill_at = time.monotonic() + self.grace_s

    def at_once(self) -> None:
        self.graceful()
        if self.terms == 1:
            self._term()
            # the child writes what it holds and exits; a reader may delay that write
            self.kill_at = min(self.kill_at or math.inf, time.monotonic() + self.grace_s)

    def kill(self) -> None:
        if self.child.is_alive():
            self.child.kill()

    def kill_if_overdue(self) -> None:
        if self.kill_at is not None and time.monotonic() >= self.kill_at:
            self.kill()


class _UserSignals(HeldSignals):
    """Count Ctrl-C presses (and note SIGTERM) instead of raising KeyboardInterrupt.

    In a scheduler's job thread nothing is installed: the ``stop`` and ``force`` events
    carry the same requests.
    """

    def __init__(self) -> None:
        super().__init__({signal.SIGINT: self._on_int, signal.SIGTERM: self._on_term})
        self.presses = 0
        self.terminated = False

    def _on_int(self, signum: int, frame: FrameType | None) -> None:
        self.presses += 1
        if self.presses == 1:
            sys.stderr.write(
                "\nstopping: storing what was fetched (Ctrl-C again to stop at once)\n"
            )
        elif self.presses == 2:
            sys.stderr.write("\nstopping at once: keeping what is already extracted\n")

    def _on_term(self, signum: int, frame: FrameType | None) -> None:
        self.terminated = True


def run_recrawl(config: Config, outlets: list[str] | None = None, **kwargs) -> CrawlResult:
    """Re-fetch articles that reached a re-crawl age, recording edits and deletions."""
    return run_crawl(config, outlets, mode="recrawl", **kwargs)
