"""``mediawatch worker``: a Scrapy process that takes requests from Redis and extracts pages.

The discovery spiders' callbacks are reused as they are; what changes is where requests,
the seen-URL filter and results live (Redis, through scrapy-redis) and who writes the
warehouse (not the worker: it pushes extracted articles for ``mediawatch load``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import os
import socket
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from typing import Any, cast

import redis
import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy_redis.pipelines import RedisPipeline
from scrapy_redis.spiders import RedisSpider
from twisted.internet import task
from twisted.python.failure import Failure

from mediawatch.config import Config, OutletConfig
from pipeline.extract import ExtractOptions
from pipeline.items import ExtractionFailure, FetchedPage, FetchFailure, OutletHints
from pipeline.loader import PageResult, encode
from pipeline.queue_keys import (
    ROUND_TTL_S,
    Keys,
    connect,
    crawl_pending,
    redis_url,
    url_fingerprint,
)
from pipeline.urls import canonicalize, in_domains
from pipeline.worker import WorkerSetup, init_worker, process_page
from spiders.distributed.backfill_jobs import pop_jobs
from spiders.distributed.backfill_worker import BackfillRunner
from spiders.distributed.queue import TOKEN, recover_dead_workers, requeue_inflight
from spiders.feeds import FeedSpider
from spiders.homepage import HomepageSpider
from spiders.session import CrawlSession
from spiders.settings import scrapy_settings
from spiders.sitemaps import SitemapSpider

log = logging.getLogger(__name__)

TICK_S = 0.5
_TRANSIENT = ("unreachable", "timeout", "http-5", "http-429", "http-408", "connection", "dns")


def worker_setup(config: Config) -> WorkerSetup:
    return WorkerSetup(
        options=ExtractOptions.from_config(config.crawl),
        hints={
            o.name: OutletHints(
                name=o.name, language=o.language, timezone=o.timezone, domains=o.domains
            )
            for o in config.outlets
        },
        topics=tuple((t.name, t.query) for t in config.topics),
        num_perm=config.dedup.num_perm,
        shingle_words=config.dedup.shingle_words,
    )


class Extractor:
    """Extraction processes beside the crawler (trafilatura must not block the reactor)."""

    def __init__(self, setup: WorkerSetup, workers: int) -> None:
        self._setup = setup
        self._workers = workers
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self._workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=init_worker,
            initargs=(self._setup,),
        )

    async def extract(self, page: FetchedPage) -> Any:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, process_page, page)
        except BrokenProcessPool:
            log.error("extraction worker died on %s; restarting the worker pool", page.url)
            self._pool = self._new_pool()
            return ExtractionFailure(
                page.url, page.outlet, "worker-crashed", "the extraction worker died"
            )

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class RedisValidators:
    """Feed/sitemap ETags shared by all workers; an outlet's are void after a transient failure.

    (Otherwise the next round gets a 304 and never rediscovers the article that failed.)
    """

    def __init__(self, server: redis.Redis, keys: Keys) -> None:
        self.server = server
        self.keys = keys

    def get(self, url: str, default: tuple[None, None] = (None, None)) -> Any:
        raw = self.server.hget(self.keys.validators, url)
        if not raw:
            return default
        outlet, epoch, etag, last_modified = json.loads(raw)
        current = int(self.server.hget(self.keys.validator_epochs, outlet) or 0)
        return (etag, last_modified) if epoch == current else default

    def put(self, outlet: str, url: str, etag: str | None, last_modified: str | None) -> None:
        epoch = int(self.server.hget(self.keys.validator_epochs, outlet) or 0)
        self.server.hset(
            self.keys.validators, url, json.dumps([outlet, epoch, etag, last_modified])
        )

    def void(self, outlet: str) -> None:
        self.server.hincrby(self.keys.validator_epochs, outlet, 1)


@dataclass
class _RemoteState:
    validators: RedisValidators


class RemoteIngestor:
    """What the spiders call ``session.ingestor``, backed by Redis instead of the warehouse."""

    def __init__(self, server: redis.Redis, keys: Keys, worker_id: str) -> None:
        self.server = server
        self.keys = keys
        self.worker_id = worker_id
        self.state = _RemoteState(RedisValidators(server, keys))

    def is_known(self, canonical_url: str) -> bool:
        return bool(self.server.sismember(self.keys.seen, url_fingerprint(canonical_url)))

    def record_failure(self, failure: FetchFailure, run_id: int | None = None) -> None:
        self.push(encode("failure", (failure, run_id)))

    def record_validators(
        self, outlet: str, url: str, etag: str | None, last_modified: str | None
    ) -> None:
        self.state.validators.put(outlet, url, etag, last_modified)
        self.push(encode("validators", (url, etag, last_modified)))

    def push(self, data: bytes) -> None:
        """One item for the loader, counted in the worker's stats in the same transaction."""
        pipe = self.server.pipeline(transaction=True)
        pipe.rpush(self.keys.items, data)
        pipe.hincrby(self.keys.worker_stats(self.worker_id), "pushed", 1)
        pipe.execute()

    def forget(self, urls: Iterable[str]) -> None:
        """A page that failed is not known: the next round may discover and try it again."""
        fingerprints = {url_fingerprint(canonicalize(u)) for u in urls}
        if fingerprints:
            self.server.srem(self.keys.seen, *fingerprints)


@dataclass
class WorkerSession(CrawlSession):
    """A worker's session: all configured outlets; no per-run memory (the worker outlives runs)."""

    worker_id: str = ""
    keys: Keys = field(default_factory=Keys)
    extractor: Extractor | None = None
    backfill: BackfillRunner | None = None  # the WARC file this worker is reading, if any
    lease_s: float = 30.0
    idle_exit_s: float | None = None

    def claim(self, outlet: OutletConfig, url: str, evidence: Any = None) -> bool:
        """Cheap pre-check; the scheduler's ``SeenFilter`` decides atomically across workers."""
        if not in_domains(url, outlet.domains) or self.ingestor.is_known(canonicalize(url)):
            return False
        self.stats_for(outlet.name).discovered += 1
        return True


@dataclass(frozen=True, slots=True)
class WorkItem:
    """A fetched page with the lease of the request that fetched it."""

    page: FetchedPage
    token: str | None
    run_id: int | None


class WorkMiddleware:
    """Carries round and run ids to follow-up requests, applies page budgets, ends leases.

    A request's lease ends once everything its callback produced is in Redis: follow-up
    requests are queued synchronously while the output is consumed; a page's lease is
    ended by ``PushPipeline`` together with pushing its result.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WorkMiddleware:
        return cls(crawler)

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        spider: WorkerSpider = self.crawler.spider  # type: ignore[assignment]  # only the worker's crawler runs this
        meta = response.meta
        handed_on = False
        async for out in result:
            if isinstance(out, scrapy.Request):
                for key in ("round", "run_id"):
                    if key in meta:
                        out.meta.setdefault(key, meta[key])
                if out.meta.get("stage") == "fetch" and not spider.within_budget(out):
                    continue
            elif isinstance(out, FetchedPage):
                handed_on = True
                out = WorkItem(out, meta.get(TOKEN), meta.get("run_id"))
            yield out
        if not handed_on:
            spider.ack(response.request)  # type: ignore[arg-type]  # set on every response

    def process_spider_exception(self, response: Response, exception: Exception) -> None:
        self.crawler.spider.ack(response.request)  # type: ignore[union-attr]  # the worker's crawler runs a WorkerSpider


class PushPipeline(RedisPipeline):
    """Extracts a page and pushes the result to ``<prefix>:items``, ending the page's lease."""

    crawler: Crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PushPipeline:
        pipeline = cls.from_settings(crawler.settings)
        pipeline.crawler = crawler
        return pipeline

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, WorkItem):
            return item
        spider: WorkerSpider = self.crawler.spider  # type: ignore[assignment]  # only the worker's crawler runs this
        session: WorkerSession = spider.session  # type: ignore[assignment]  # a WorkerSpider's session is a WorkerSession
        page = item.page
        result = await session.extractor.extract(page)  # type: ignore[union-attr]  # run_worker sets the extractor first
        record = PageResult(
            page.requested_url, page.outlet, page.fetched_at, page.discovered_via,
            len(page.body), result, item.run_id, session.worker_id,
        )  # fmt: skip
        keys = session.keys
        pipe = self.server.pipeline(transaction=True)
        pipe.rpush(self.key, encode("page", record))
        if item.token:
            pipe.hdel(keys.inflight(session.worker_id), item.token)
        pipe.hincrby(keys.worker_stats(session.worker_id), "pages", 1)
        pipe.hincrby(keys.worker_stats(session.worker_id), "pushed", 1)
        pipe.execute()
        spider.last_busy = time.monotonic()
        if isinstance(result, ExtractionFailure):
            session.stats_for(page.outlet).fail(result.reason)
            session.ingestor.forget({page.requested_url, page.url})  # type: ignore[attr-defined]  # a worker's ingestor is a RemoteIngestor
            return {"url": page.url, "outcome": result.reason}
        return {"url": page.url, "outcome": "extracted"}


class WorkerSpider(RedisSpider, SitemapSpider, HomepageSpider):
    """All discovery callbacks in one spider, fed by discovery jobs from Redis."""

    name = "mediawatch"
    mode = "distributed"
    use_backlog = False  # requests go straight to the shared queue in Redis

    def __init__(self, session: WorkerSession, **kwargs: Any) -> None:
        super().__init__(session=session, **kwargs)
        self.last_busy = time.monotonic()
        self._ticks = 0
        self._loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> WorkerSpider:
        spider = cast("WorkerSpider", super().from_crawler(crawler, *args, **kwargs))
        crawler.signals.connect(spider._opened, signal=signals.spider_opened)
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        return spider

    @property
    def wsession(self) -> WorkerSession:
        return self.session  # type: ignore[return-value]  # a WorkerSpider's session is a WorkerSession

    async def start(self) -> AsyncIterator[scrapy.Request]:
        """Nothing at start: discovery jobs are taken from Redis whenever the spider idles."""
        return
        yield  # pragma: no cover

    # -- discovery jobs -------------------------------------------------------------------
    def pop_list_queue(self, redis_key: str, batch_size: int) -> list[bytes]:
        """scrapy-redis's job pop, with backfill jobs among the discovery jobs: one is leased
        and read beside the crawl (at most one at a time), the rest become requests."""
        s = self.wsession
        runner = s.backfill
        jobs, leased = pop_jobs(
            self.server, s.keys, s.worker_id, batch_size, runner is not None and not runner.busy
        )
        if leased is not None and runner is not None:
            runner.start(*leased)
            self.last_busy = time.monotonic()
        return jobs

    def make_request_from_data(self, data: bytes) -> list[scrapy.Request]:
        try:
            job = json.loads(data)
            outlet = self.session.config.outlet(job["outlet"])
        except Exception as exc:  # a job for an outlet this worker's config does not know
            self.logger.error("skipping discovery job %r: %s", data[:200], exc)
            return []
        if not outlet.enabled:
            return []
        extra = {"round": job.get("round", "-"), "run_id": job.get("run_id")}
        requests: list[scrapy.Request] = []
        for mode, spider_cls in (
            ("feeds", FeedSpider), ("sitemaps", SitemapSpider), ("homepage", HomepageSpider)
        ):  # fmt: skip
            if mode in outlet.modes:
                for request in spider_cls.discovery_requests(self, outlet):
                    request.meta.update(extra)
                    requests.append(request)
        self.last_busy = time.monotonic()
        return requests

    def within_budget(self, request: scrapy.Request) -> bool:
        """The outlet's page budget holds per discovery round, across all workers."""
        outlet = self.session.config.outlet(request.meta["outlet"])
        key = self.wsession.keys.round_budget(str(request.meta.get("round", "-")))
        pipe = self.server.pipeline(transaction=False)
        pipe.hincrby(key, outlet.name, 1)
        pipe.expire(key, ROUND_TTL_S)
        count, _ = pipe.execute()
        return count <= self.session.budget(outlet)

    # -- articles and failures --------------------------------------------------------------
    def parse_article(self, response: Response) -> Iterator[FetchedPage]:
        """As before, but how the URL was found comes from its evidence, not the spider."""
        for page in super().parse_article(response):
            via = page.evidence.source if page.evidence else "homepage"
            yield replace(page, discovered_via=via)

    def fail(
        self,
        url: str,
        outlet: str | None,
        reason: str,
        detail: str = "",
        stage: str = "fetch",
        status: int | None = None,
    ) -> None:
        super().fail(url, outlet, reason, detail, stage, status)
        if stage in ("fetch", "extract"):
            ingestor: RemoteIngestor = self.session.ingestor  # type: ignore[assignment]  # a worker's ingestor is a RemoteIngestor
            ingestor.forget([url])
            if outlet and reason.startswith(_TRANSIENT):
                ingestor.state.validators.void(outlet)

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]  # Scrapy sets .request on errback failures
        try:
            super().on_error(failure)
            if request.meta.get("stage") == "fetch":
                self.session.ingestor.forget(request.meta.get("redirect_urls", []))  # type: ignore[attr-defined]  # a worker's ingestor is a RemoteIngestor
        finally:
            self.ack(request)

    def ignore_probe(self, failure: Failure) -> None:
        super().ignore_probe(failure)
        self.ack(failure.request)  # type: ignore[attr-defined]  # Scrapy sets .request on errback failures

    def ack(self, request: scrapy.Request) -> None:
        token = request.meta.pop(TOKEN, None)
        if token:
            self.server.hdel(self.wsession.keys.inflight(self.wsession.worker_id), token)
        self.last_busy = time.monotonic()

    # -- liveness -------------------------------------------------------------------------
    def _opened(self, spider: scrapy.Spider) -> None:
        self._renew_lease()
        self._loop = task.LoopingCall(self._tick)
        self._loop.start(TICK_S, now=False)

    async def _closed(self, spider: scrapy.Spider) -> None:
        if self._loop and self._loop.running:
            self._loop.stop()
        runner = self.wsession.backfill
        if runner is not None and runner.busy:  # finish its pages in flight, then checkpoint
            await runner.stop()

    def _renew_lease(self) -> None:
        s = self.wsession
        self.server.set(s.keys.lease(s.worker_id), str(os.getpid()), px=int(s.lease_s * 1000))

    def _tick(self) -> None:
        """Renew the lease, recover dead workers' requests, and look for new work promptly.

        (Scrapy's engine otherwise polls an empty scheduler only every 5 s.)
        """
        s = self.wsession
        self._ticks += 1
        try:
            if self._ticks % max(int(s.lease_s / 3 / TICK_S), 1) == 0:
                self._renew_lease()
            if self._ticks % max(int(s.lease_s / TICK_S), 1) == 0:
                recover_dead_workers(self.server, s.keys, alive=s.worker_id)
        except redis.RedisError as exc:
            self.logger.error("redis: %s", exc)
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None and slot.closing is None:
            slot.nextcall.schedule()

    def spider_idle(self) -> None:
        """Take discovery jobs; stay open (or close after ``idle_exit_s`` with no work left)."""
        s = self.wsession
        try:
            self.server.sadd(s.keys.ready, s.worker_id)
            self.schedule_next_requests()
        except Exception:  # a bad job or a Redis hiccup must not end a long-running worker
            self.logger.exception("could not take discovery jobs")
            raise DontCloseSpider from None
        if s.idle_exit_s is None:
            raise DontCloseSpider
        if crawl_pending(self.server, s.keys) or (s.backfill is not None and s.backfill.busy):
            self.last_busy = time.monotonic()
        if time.monotonic() - self.last_busy < s.idle_exit_s:
            raise DontCloseSpider


def worker_settings(config: Config, worker_id: str, keys: Keys, log_level: str) -> dict[str, Any]:
    settings = scrapy_settings(config.crawl, log_level)
    settings.pop("SCHEDULER_PRIORITY_QUEUE", None)
    settings.update(
        {
            "SCHEDULER": "spiders.distributed.queue.LeasedScheduler",
            "SCHEDULER_QUEUE_CLASS": "spiders.distributed.queue.OutletQueue",
            "SCHEDULER_SERIALIZER": "spiders.distributed.wire",  # JSON, never pickle
            "SCHEDULER_QUEUE_KEY": keys.requests,
            "DUPEFILTER_CLASS": "spiders.distributed.queue.SeenFilter",
            "SCHEDULER_DUPEFILTER_KEY": keys.seen,
            "SCHEDULER_PERSIST": True,
            "REDIS_URL": redis_url(config),
            "REDIS_PARAMS": {"socket_timeout": 30, "socket_connect_timeout": 10},
            "REDIS_ITEMS_KEY": keys.items,
            "REDIS_START_URLS_KEY": keys.discovery,
            "MEDIAWATCH_INFLIGHT_KEY": keys.inflight(worker_id),
            "ITEM_PIPELINES": {"spiders.distributed.worker.PushPipeline": 100},
            "SPIDER_MIDDLEWARES": {"spiders.distributed.worker.WorkMiddleware": 950},
        }
    )
    return settings


class _HideSettings(logging.Filter):
    """Scrapy logs overridden settings at INFO; REDIS_URL may carry a password."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Overridden settings")


@dataclass(frozen=True)
class WorkerReport:
    worker_id: str
    pages: int  # pages extracted and pushed by this worker
    seconds: float


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def run_worker(
    config: Config,
    *,
    worker_id: str | None = None,
    idle_exit_s: float | None = None,
    lease_s: float = 30.0,
    log_level: str = "WARNING",
) -> WorkerReport:
    """Crawl from Redis until stopped (SIGTERM/Ctrl-C) or idle for ``idle_exit_s`` seconds."""
    from scrapy.crawler import CrawlerProcess

    from spiders.process import worker_count

    keys = Keys()
    worker_id = worker_id or default_worker_id()
    server = connect(config)
    requeue_inflight(server, keys, worker_id)  # a previous life of this id left work behind
    server.sadd(keys.workers, worker_id)
    server.set(keys.lease(worker_id), str(os.getpid()), px=int(lease_s * 1000))
    recover_dead_workers(server, keys, alive=worker_id)
    extractor = Extractor(worker_setup(config), worker_count(config))
    session = WorkerSession(
        config=config,
        outlets=list(config.outlets),
        ingestor=RemoteIngestor(server, keys, worker_id),  # type: ignore[arg-type]  # RemoteIngestor duck-types Ingestor over Redis
        stats={},
        worker_id=worker_id,
        keys=keys,
        extractor=extractor,
        backfill=BackfillRunner(config, server, keys, worker_id, extractor),
        lease_s=lease_s,
        idle_exit_s=idle_exit_s,
    )
    hide = _HideSettings()
    logging.getLogger("scrapy.crawler").addFilter(hide)
    started = time.monotonic()
    process = CrawlerProcess(worker_settings(config, worker_id, keys, log_level))
    process.crawl(WorkerSpider, session=session)
    try:
        process.start()
    finally:
        extractor.close()
        logging.getLogger("scrapy.crawler").removeFilter(hide)
        requeue_inflight(server, keys, worker_id)  # anything not finished goes back
        server.srem(keys.ready, worker_id)
        server.srem(keys.workers, worker_id)
        server.delete(keys.lease(worker_id))
    pages = int(server.hget(keys.worker_stats(worker_id), "pages") or 0)
    return WorkerReport(worker_id, pages, time.monotonic() - started)
