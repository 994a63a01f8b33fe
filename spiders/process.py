"""The crawl process: one Twisted reactor, the three discovery spiders in turn, one ingestor.

It runs in a child process (see ``spiders.runner``) so that a reactor is started once
per process, a hung crawl can be killed, and the parent (CLI or scheduler) survives.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import FrameType
from typing import TYPE_CHECKING

from mediawatch.config import Config
from pipeline.extract import ExtractOptions
from pipeline.ingest import Ingestor, IngestSettings
from pipeline.items import OutletHints
from pipeline.worker import WorkerSetup
from spiders.feeds import FeedSpider
from spiders.homepage import HomepageSpider
from spiders.recrawl import RecrawlSpider, due_for_recrawl
from spiders.session import CrawlSession
from spiders.settings import scrapy_settings
from spiders.sitemap_probes import SitemapProbes
from spiders.sitemaps import SitemapSpider
from warehouse.connection import opened
from warehouse.runs import OutletRunStats, measure_resources, record_outlet_stats, record_resources
from warehouse.state import load_crawl_state

if TYPE_CHECKING:
    from scrapy.crawler import CrawlerProcess

logger = logging.getLogger(__name__)

SPIDERS = (FeedSpider, SitemapSpider, HomepageSpider)


@dataclass(frozen=True)
class CrawlJob:
    """What the parent asks the crawl process to do (pickled across the process boundary)."""

    config: Config
    outlets: tuple[str, ...]
    run_id: int
    log_level: str = "WARNING"
    mode: str = "discover"  # discover | recrawl


def worker_count(config: Config) -> int:
    return config.crawl.extract_workers or max(os.cpu_count() or 1, 1)


def build_ingestor(
    job: CrawlJob, stats: dict[str, OutletRunStats]
) -> tuple[Ingestor, list[tuple[int, str, str]]]:
    config = job.config
    due: list[tuple[int, str, str]] = []
    with opened(config.warehouse_path, timeout_s=None) as con:  # waits out readers
        state = load_crawl_state(con, config.dedup.window_days)
        if job.mode == "recrawl":
            due = due_for_recrawl(
                con, list(job.outlets), config.schedule.recrawl_after_days, datetime.now(UTC)
            )
    outlets = [config.outlet(name) for name in job.outlets]
    setup = WorkerSetup(
        options=ExtractOptions.from_config(config.crawl),
        hints={
            o.name: OutletHints(
                name=o.name, language=o.language, timezone=o.timezone, domains=o.domains
            )
            for o in outlets
        },
        topics=tuple((t.name, t.query) for t in config.topics),
        num_perm=config.dedup.num_perm,
        shingle_words=config.dedup.shingle_words,
    )
    settings = IngestSettings(
        warehouse=config.warehouse_path,
        lock_timeout_s=None,  # a reader delays the writer, never fails it
        run_id=job.run_id,
        workers=worker_count(config),
        dedup_threshold=config.dedup.threshold,
        num_perm=config.dedup.num_perm,
    )
    ingestor = Ingestor(settings, setup, state, {o.name: o.domains for o in outlets}, stats)
    return ingestor, due


def crawl_main(job: CrawlJob) -> None:
    """Entry point of the crawl process.

    Ctrl-C reaches every process of the terminal's group at once. This process and its
    extraction workers ignore SIGINT (the parent started us with it blocked, so not even
    start-up can be interrupted) and answer only to the parent's SIGTERM: the first stops
    the crawl gracefully, a second stops at once, keeping what the writer already has.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # inherited by the pool's workers
    stopper = _Stopper()
    signal.signal(signal.SIGTERM, stopper.on_sigterm)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})

    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.reactor import install_reactor
    from twisted.internet import defer

    started = time.monotonic()
    stats: dict[str, OutletRunStats] = {name: OutletRunStats() for name in job.outlets}
    ingestor, due = build_ingestor(job, stats)
    config = job.config
    session = CrawlSession(
        config=config,
        outlets=[config.outlet(name) for name in job.outlets],
        ingestor=ingestor,
        stats=stats,
        recrawl_due=due,
        sitemap_probes=SitemapProbes(ingestor.state.sitemap_probes, ingestor.record_sitemap_probe),
    )
    spiders = (RecrawlSpider,) if job.mode == "recrawl" else SPIDERS
    stopper.session = session

    def finish() -> None:
        """Flush, then record the run's counts; runs once, on any way out."""
        if stopper.finished:
            return
        stopper.finished = True
        if stopper.forced:
            session.unfinished.update(job.outlets)  # nothing of this run may answer 304 next time
        try:
            ingestor.close(unfinished=session.unfinished, force=stopper.forced)
        finally:
            with opened(config.warehouse_path, timeout_s=None) as con:
                record_outlet_stats(con, job.run_id, stats, time.monotonic() - started)
                record_resources(con, job.run_id, measure_resources())

    def force() -> None:
        finish()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)

    if stopper.stopping:  # stopped while starting up: nothing fetched, nothing to wait for
        finish()
        return
    process = CrawlerProcess(scrapy_settings(config.crawl, job.log_level))
    # Scrapy installs the reactor with the first crawler; one that fails before that
    # would leave the next discovery mode without a reactor. Install it now, once.
    install_reactor(process.settings["TWISTED_REACTOR"], process.settings["ASYNCIO_EVENT_LOOP"])
    stopper.graceful = lambda: _call_in_reactor(lambda: _stop_crawls(process))
    stopper.force = lambda: _call_in_reactor(force)

    failed: list[str] = []

    @defer.inlineCallbacks
    def crawl_in_turn():
        for spider in spiders:
            if stopper.stopping:
                break  # a spider not started fetched no listing: it keeps no validators
            if spider is RecrawlSpider or session.outlets_for(spider.mode):
                try:
                    yield process.crawl(spider, session=session)
                except Exception as exc:  # a bug; the other discovery modes still run
                    failed.append(spider.mode)
                    session.unfinished.update(o.name for o in session.outlets_for(spider.mode))
                    logger.debug("the %s crawl failed", spider.mode, exc_info=True)
                    sys.stderr.write(
                        f"error: the {spider.mode} crawl failed: {type(exc).__name__}: {exc}"
                        " (run with -vv for the traceback)\n"
                    )

    crawl_in_turn().addBoth(lambda _: _stop_reactor())
    try:
        process.start(stop_after_crawl=False, install_signal_handlers=False)
    finally:
        finish()
    if failed:
        sys.exit(1)  # the parent records the run as failed


class _Stopper:
    """SIGTERM handling of the crawl process: first graceful, then at once.

    The handler only sets flags and hands work to the reactor's thread: a signal can
    arrive while the main thread holds a lock the stopping code needs.
    """

    def __init__(self) -> None:
        self.stopping = False
        self.forced = False
        self.finished = False
        self.session: CrawlSession | None = None
        self.graceful: Callable[[], object] | None = None
        self.force: Callable[[], object] | None = None

    def on_sigterm(self, signum: int, frame: FrameType | None) -> None:
        if self.session is not None:
            self.session.stopping = True  # spiders start no new request
        if not self.stopping:
            self.stopping = True
            if self.graceful is not None:
                self.graceful()
        elif not self.forced:
            self.forced = True
            if self.force is not None:
                self.force()


def _stop_crawls(process: CrawlerProcess) -> None:
    """``process.stop()``, except for a crawler still opening its spider.

    Scrapy's stop marks such a crawler stopped without stopping its engine (nothing runs
    yet); when its spider later closes, the crawler, no longer "crawling", does not stop
    the engine either, and the crawl never ends. Left alone, it opens a spider that sees
    ``session.stopping``, asks for nothing, and closes as idle.
    """
    from scrapy.utils.defer import deferred_from_coro

    for crawler in list(process.crawlers):
        try:
            engine = crawler.engine
        except RuntimeError:  # not created yet (newer Scrapy raises instead of giving None)
            continue
        if engine is not None and engine.running:
            deferred_from_coro(crawler.stop_async())


def _call_in_reactor(fn: Callable[[], object]) -> None:
    from twisted.internet import reactor

    reactor.callFromThread(fn)


def _stop_reactor() -> None:
    """Stop the reactor, or, when the crawl ended before it ran, as soon as it starts.

    A stop that lands while the crawler is being built ends ``crawl_in_turn`` before
    ``process.start``; a stop ignored then would leave the reactor running for ever.
    """
    from twisted.internet import reactor

    if reactor.running:
        reactor.stop()  # type: ignore[misc]  # zope interface methods are declared without self
    else:
        reactor.callWhenRunning(reactor.stop)  # type: ignore[misc]  # (as above)
