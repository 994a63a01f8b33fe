"""From fetched page to committed row, inside the crawl process.

Pages go to a pool of worker processes (extraction is the expensive part and must not
block the crawler); results come back to one writer thread that decides what each
result is (new article, copy of a story, alias of a known article, new version of it)
and commits them in short batched transactions.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import queue
import threading
import time
from collections.abc import Collection, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path

from mediawatch.errors import MediawatchError
from pipeline.decide import Decider, PageMeta, note_kind
from pipeline.items import Article, ExtractionFailure, FetchedPage, FetchFailure
from pipeline.worker import WorkerSetup, init_worker, process_page
from warehouse.connection import write_limited
from warehouse.runs import OutletRunStats
from warehouse.state import CrawlState
from warehouse.store import Batch, write_batch

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestSettings:
    warehouse: Path
    lock_timeout_s: float | None  # None: wait for readers as long as it takes
    run_id: int | None
    workers: int
    dedup_threshold: float
    num_perm: int
    batch_size: int = 5000  # at crawl speeds the interval flushes first
    # Each flush opens the file and checkpoints on close (~15 % of the crawl process's CPU
    # at 1 s); readers wait at most this long plus one write.
    flush_interval_s: float = 2.0


_STOP = object()


_TRANSIENT = (
    "unreachable", "timeout", "http-5", "http-429", "http-408", "connection", "dns",
    "worker-crashed", "truncated", "robots-unavailable",
)  # fmt: skip


def _transient(reason: str) -> bool:
    """A failure that may pass on the next run (so that run must rediscover the URL)."""
    return reason.startswith(_TRANSIENT)


class Ingestor:
    """The pipeline's engine for one crawl; spiders call ``submit`` and ``record_failure``."""

    def __init__(
        self,
        settings: IngestSettings,
        setup: WorkerSetup,
        state: CrawlState,
        outlet_domains: dict[str, Sequence[str]],
        stats: dict[str, OutletRunStats],
    ) -> None:
        self.settings = settings
        self.setup = setup
        self.state = state
        self.stats = stats
        self._queue: queue.Queue = queue.Queue()
        self._validators: dict[str, tuple[str, str | None, str | None]] = {}
        self._pool = self._new_pool()
        self._decider = Decider(
            state, outlet_domains, stats,
            run_id=settings.run_id, threshold=settings.dedup_threshold, num_perm=settings.num_perm,
        )  # fmt: skip
        self._thread = threading.Thread(target=self._write_loop, name="warehouse-writer")
        self._thread.start()
        self.committed = 0  # articles committed (new or updated), for progress
        # pages handed to the writer and pages it has decided on (new, edit, copy, failure):
        # equal once every extracted page is counted in ``stats`` (the progress lines wait)
        self.submitted = 0
        self.decided = 0
        self.pools_replaced = 0
        self.error: BaseException | None = None
        self._closing = False

    # -- called from the crawler's event loop ---------------------------------
    def is_known(self, canonical_url: str) -> bool:
        return canonical_url in self.state.seen_urls

    async def submit(self, page: FetchedPage) -> Article | ExtractionFailure:
        meta = PageMeta(
            page.requested_url, page.outlet, page.fetched_at, page.discovered_via,
            len(page.body), page.source,
        )  # fmt: skip
        result = await self._extract(page)
        self.submitted += 1
        self._queue.put((meta, result))
        return result

    async def _extract(self, page: FetchedPage) -> Article | ExtractionFailure:
        """Extract in the pool; if a worker dies, replace the pool once and try the page again.

        Every page in flight sees the broken pool, not only the one that killed it, so each
        gets one more try in the new pool; a page that kills that one too is recorded.
        """
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            pool = self._pool
            try:
                return await loop.run_in_executor(pool, process_page, page)
            except BrokenProcessPool:
                if self._closing:
                    break  # stopping at once: the workers were ended on purpose
                if self._pool is pool:  # the first to notice replaces it, the others reuse
                    log.error("an extraction worker died; starting a new worker pool")
                    self.pools_replaced += 1
                    self._pool = self._new_pool()
                    pool.shutdown(wait=False, cancel_futures=True)
                if attempt == 2:
                    break
        return ExtractionFailure(
            page.url, page.outlet, "worker-crashed", "an extraction worker died on this page"
        )

    def record_failure(self, failure: FetchFailure) -> None:
        self._queue.put((None, failure))

    def record_progress(self, progress: object) -> None:
        """A backfill's resume point (``warehouse.backfill.Progress``).

        Queued behind the results it covers, so the writer commits it in the same
        transaction as (or after) their articles, never before them.
        """
        self._queue.put((None, ("progress", progress)))

    def record_deletion(self, article_id: int, status: int) -> None:
        """A re-crawl found the article gone (404/410)."""
        self._queue.put((None, ("deleted", article_id, status)))

    def record_sitemap_probe(self, outlet: str, url: str, probed_at: datetime, found: bool) -> None:
        """What a usual sitemap path answered (``spiders.sitemap_probes``), kept for the next runs."""
        self._queue.put((None, ("sitemap-probe", outlet, url, probed_at, found)))

    def record_validators(
        self, outlet: str, url: str, etag: str | None, last_modified: str | None
    ) -> None:
        """Keep a feed's or sitemap's ETag/Last-Modified for the next conditional GET.

        They are written only when the run ends and only for outlets with no failed
        article: otherwise the next run would get a 304 and never retry what failed.
        """
        self._validators[url] = (outlet, etag, last_modified)

    def close(self, unfinished: Collection[str] = (), force: bool = False) -> None:
        """Flush everything and stop; safe to call twice.

        ``unfinished``: outlets whose listings were not all fetched (the crawl was stopped);
        like outlets with a transient failure, they keep no validators for the next run.
        ``force``: stop at once; pages still being extracted are dropped (their outlets
        must be in ``unfinished`` so that the next run fetches them again), and what
        already reached the writer is committed.
        """
        self._closing = True
        if force:
            self._end_workers()
        for url, (outlet, etag, last_modified) in self._validators.items():
            stats = self.stats.get(outlet)
            failed = stats is not None and any(_transient(r) for r in stats.failures_by_reason)
            if not failed and outlet not in unfinished:
                self._queue.put((None, ("validators", url, etag, last_modified, True)))
        self._validators.clear()
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self.error:
            raise MediawatchError(f"could not write to the warehouse: {self.error}")

    # -- worker pool ----------------------------------------------------------
    def _end_workers(self) -> None:
        """Kill the extraction workers now (they ignore SIGINT: their parent decides).

        Only called in the crawl process, whose only children are this pool's workers;
        shutting the pool down afterwards releases its queues and semaphores.
        """
        self._pool.shutdown(wait=False, cancel_futures=True)
        for child in multiprocessing.active_children():
            child.kill()
        self._pool.shutdown(wait=True)

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.settings.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=init_worker,
            initargs=(self.setup,),
        )

    # -- writer thread --------------------------------------------------------
    def _write_loop(self) -> None:
        pending = Batch()
        first_at = 0.0
        stopping = False
        while not stopping:
            timeout = self.settings.flush_interval_s
            try:
                item = self._queue.get(timeout=timeout)
            except queue.Empty:
                item = None
            if item is _STOP:
                stopping = True
            elif item is not None:
                if not len(pending):
                    first_at = time.monotonic()
                self._decider.decide(item, pending)
                if item[0] is not None:  # a page (not a failure, deletion or progress row)
                    self.decided += 1
            # A backfill's checkpoint is a promise to resume after it: commit it now, not
            # when the interval comes round (a short archive would otherwise commit once, at
            # the end, and a kill would lose the whole file's work).
            checkpoint = item is not None and item is not _STOP and note_kind(item[1]) == "progress"
            due = (
                checkpoint
                or len(pending) >= self.settings.batch_size
                or (len(pending) and time.monotonic() - first_at >= self.settings.flush_interval_s)
            )
            if len(pending) and (due or stopping) and self._flush(pending, final=stopping):
                pending = Batch()

    def _flush(self, batch: Batch, final: bool) -> bool:
        attempts = 0
        while True:
            attempts += 1
            try:
                write_limited(
                    self.settings.warehouse,
                    batch.payload_bytes(),
                    partial(write_batch, batch=batch),
                    timeout_s=self.settings.lock_timeout_s,
                )
                self.committed += len(batch.articles) + len(batch.updated)
                return True
            except Exception as exc:  # keep the batch; retry (disk full, lock held too long)
                log.error("warehouse write failed (attempt %d): %s", attempts, exc)
                if not final and attempts >= 3:
                    return False  # keep accumulating; the next flush retries this batch too
                if final and attempts >= 10:
                    self.error = exc
                    return False
                time.sleep(min(2.0**attempts * 0.1, 5.0))
