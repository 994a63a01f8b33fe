"""Starting a crawl from the CLI or the scheduler: a child process per crawl, with a time limit.

A Twisted reactor cannot be restarted in one process, and a scheduler thread cannot
start one at all; a child process also lets us kill a hung crawl and still record it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from mediawatch.config import Config
from mediawatch.errors import TerminalError
from spiders.process import CrawlJob, crawl_main
from warehouse.connection import opened
from warehouse.migrate import migrate
from warehouse.runs import finish_run, run_summary, start_run
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
    with opened(config.warehouse_path, timeout_s=config.warehouse.lock_timeout_s) as con:
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
) -> CrawlResult:
    """Crawl the given outlets (default: all enabled) in a child process and record the run.

    ``mode="recrawl"`` re-fetches recent articles (``[schedule] recrawl_after_days``)
    instead of discovering new ones. Setting ``stop`` (the scheduler shutting down) ends
    the crawl cleanly: SIGTERM, a grace period to flush, then SIGKILL.
    """
    names = outlets or [o.name for o in config.outlets if o.enabled]
    if not names:
        raise TerminalError("no outlets to crawl", hint="add [[outlets]] to the config")
    for name in names:
        config.outlet(name)  # unknown names fail here, with the list of known ones
    prepare_warehouse(config)
    with opened(config.warehouse_path, timeout_s=config.warehouse.lock_timeout_s) as con:
        run_id = start_run(con, names, trigger if mode == "discover" else "recrawl", os.getpid())
    job = CrawlJob(
        config=config, outlets=tuple(names), run_id=run_id, log_level=log_level, mode=mode
    )
    ctx = multiprocessing.get_context("spawn")
    child = ctx.Process(target=crawl_main, args=(job,), name=f"mediawatch-crawl-{run_id}")
    started = datetime.now(UTC)
    status, error = "ok", None
    child.start()
    deadline = time.monotonic() + timeout_s if timeout_s else None
    try:
        while child.is_alive():
            child.join(0.2)
            if stop is not None and stop.is_set() and child.is_alive():
                status, error = "interrupted", "stopped: the scheduler is shutting down"
                _stop(child, grace_s)
            elif deadline is not None and time.monotonic() >= deadline and child.is_alive():
                status, error = "timeout", f"crawl exceeded its limit of {timeout_s:.0f} s"
                _stop(child, grace_s)
    except KeyboardInterrupt:
        status, error = "interrupted", "interrupted by the user"
        _stop(child, grace_s)
    if status == "ok" and child.exitcode != 0:
        status = "failed"
        error = f"crawl process exited with code {child.exitcode}"
    seconds = (datetime.now(UTC) - started).total_seconds()
    with opened(config.warehouse_path, timeout_s=config.warehouse.lock_timeout_s) as con:
        summary = [OutletSummary(*row) for row in run_summary(con, run_id)]
        if status == "ok" and summary and all(s.fetched == 0 and s.failed > 0 for s in summary):
            status = "failed"
            error = "every outlet failed"
        elif status == "ok" and any(s.failed for s in summary):
            status = "partial"
        finish_run(con, run_id, status, error)
    return CrawlResult(run_id, status, seconds, summary, error)


def run_recrawl(config: Config, outlets: list[str] | None = None, **kwargs) -> CrawlResult:
    """Re-fetch articles that reached a re-crawl age, recording edits and deletions."""
    return run_crawl(config, outlets, mode="recrawl", **kwargs)


def _stop(child: multiprocessing.process.BaseProcess, grace_s: float) -> None:
    """SIGTERM (Scrapy stops cleanly and the ingestor flushes), then SIGKILL after the grace period."""
    if child.pid and child.is_alive():
        os.kill(child.pid, signal.SIGTERM)
        child.join(grace_s)
    if child.is_alive():
        child.kill()
        child.join()
