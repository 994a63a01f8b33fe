"""The crawl process: one Twisted reactor, the three discovery spiders in turn, one ingestor.

It runs in a child process (see ``spiders.runner``) so that a reactor is started once
per process, a hung crawl can be killed, and the parent (CLI or scheduler) survives.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime

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
from spiders.sitemaps import SitemapSpider
from warehouse.connection import opened
from warehouse.runs import OutletRunStats, measure_resources, record_outlet_stats, record_resources
from warehouse.state import load_crawl_state

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
    with opened(config.warehouse_path, timeout_s=config.warehouse.lock_timeout_s) as con:
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
        lock_timeout_s=config.warehouse.lock_timeout_s,
        run_id=job.run_id,
        workers=worker_count(config),
        dedup_threshold=config.dedup.threshold,
        num_perm=config.dedup.num_perm,
    )
    ingestor = Ingestor(settings, setup, state, {o.name: o.domains for o in outlets}, stats)
    return ingestor, due


def crawl_main(job: CrawlJob) -> None:
    """Entry point of the crawl process."""
    from scrapy.crawler import CrawlerProcess
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
    )
    spiders = (RecrawlSpider,) if job.mode == "recrawl" else SPIDERS
    process = CrawlerProcess(scrapy_settings(config.crawl, job.log_level))

    @defer.inlineCallbacks
    def crawl_in_turn():
        for spider in spiders:
            if spider is RecrawlSpider or session.outlets_for(spider.mode):
                yield process.crawl(spider, session=session)

    crawl_in_turn().addBoth(lambda _: _stop_reactor())
    try:
        process.start(stop_after_crawl=False)
    finally:
        ingestor.close(unfinished=session.unfinished)
        with opened(config.warehouse_path, timeout_s=config.warehouse.lock_timeout_s) as con:
            record_outlet_stats(con, job.run_id, stats, time.monotonic() - started)
            record_resources(con, job.run_id, measure_resources())


def _stop_reactor() -> None:
    from twisted.internet import reactor

    if reactor.running:
        reactor.stop()  # type: ignore[misc]  # zope interface methods are declared without self
