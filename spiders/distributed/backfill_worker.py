"""A worker's side of distributed backfill: read one leased WARC file into Redis.

The file is read by the same ``ItemReader`` as a local backfill (same record checks,
outlet matching, checkpoints); its pages go through the worker's extraction pool (the
same extraction, fingerprinting and topic matching) and are pushed as JSON for the
loader, which stores them with the crawl's de-duplication. Each checkpoint is pushed
behind the pages it covers, so the loader commits it in the same transaction as (or
after) their articles; pushing it also moves the job's resume point in the lease, in one
Redis transaction. A worker killed mid-file thus leaves its job at its last pushed
checkpoint; the worker that takes it next re-reads only the records after it, and the
loader recognises the few pages pushed twice as already stored (same URL, same text).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from mediawatch.config import Config
from pipeline.items import FetchedPage
from pipeline.queue_keys import Keys
from pipeline.wire import PageResult, encode
from spiders.backfill.http import archive_client
from spiders.backfill.run import Counters, ItemReader, OutletMatcher
from spiders.backfill.sources import WarcItem
from spiders.distributed.backfill_jobs import BackfillJob, JobRefused
from warehouse.backfill import Progress

if TYPE_CHECKING:
    import redis

    from spiders.distributed.worker import Extractor

log = logging.getLogger(__name__)


class RemoteSink:
    """``PageSink`` over Redis: extract in the worker's pool, push results for the loader."""

    def __init__(
        self,
        server: redis.Redis,
        keys: Keys,
        worker_id: str,
        extractor: Extractor,
        job: BackfillJob,
        token: str,
    ) -> None:
        self.server = server
        self.keys = keys
        self.worker_id = worker_id
        self.extractor = extractor
        self.job = job
        self.token = token
        self.final: str | None = None  # done | failed, once the last checkpoint is pushed

    async def submit(self, page: FetchedPage) -> object:
        result = await self.extractor.extract(page)
        record = PageResult(
            page.requested_url, page.outlet, page.fetched_at, page.discovered_via,
            len(page.body), result, None, self.worker_id, page.source,
        )  # fmt: skip
        stats = self.keys.worker_stats(self.worker_id)
        pipe = self.server.pipeline(transaction=True)
        pipe.rpush(self.keys.items, encode("page", record))
        pipe.hincrby(stats, "pages", 1)
        pipe.hincrby(stats, "pushed", 1)
        pipe.execute()
        return result

    def record_progress(self, progress: object) -> None:
        """Push the checkpoint and, in the same transaction, move the lease's resume point
        to it (or end the lease when the file is done or failed)."""
        assert isinstance(progress, Progress)
        inflight = self.keys.backfill_inflight(self.worker_id)
        pipe = self.server.pipeline(transaction=True)
        pipe.rpush(self.keys.items, encode("progress", progress))
        pipe.hincrby(self.keys.worker_stats(self.worker_id), "pushed", 1)
        if progress.status in ("done", "failed"):
            pipe.hdel(inflight, self.token)
        else:
            self.job = replace(
                self.job, position=progress.position, records=progress.records,
                articles=progress.articles,
            )  # fmt: skip
            pipe.hset(inflight, self.token, self.job.dumps())
        pipe.execute()
        if progress.status in ("done", "failed"):
            self.final = progress.status


class BackfillRunner:
    """The backfill job a worker is reading (at most one), as a task in the crawler's loop.

    Crawl work goes on beside it: the spider keeps taking discovery jobs while it runs.
    """

    def __init__(
        self, config: Config, server: redis.Redis, keys: Keys, worker_id: str, extractor: Extractor
    ) -> None:
        self.config = config
        self.server = server
        self.keys = keys
        self.worker_id = worker_id
        self.extractor = extractor
        self._task: asyncio.Task[None] | None = None
        self._stop = threading.Event()  # read by the reader between records

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self, token: str, raw: bytes) -> None:
        """Start reading a leased job; a job that does not read back is dropped with the reason."""
        try:
            job = BackfillJob.loads(raw)
        except JobRefused as exc:
            log.error("refused a backfill job %r: %s", raw[:200], exc)
            self.server.hdel(self.keys.backfill_inflight(self.worker_id), token)
            return
        self._task = asyncio.get_running_loop().create_task(self._run(job, token))

    async def stop(self) -> None:
        """Finish the pages in flight and push a checkpoint; the job stays leased, at that
        checkpoint, for ``requeue_inflight`` to put back in the queue."""
        self._stop.set()
        if self._task is not None:
            await asyncio.wait([self._task])

    async def _run(self, job: BackfillJob, token: str) -> None:
        sink = RemoteSink(self.server, self.keys, self.worker_id, self.extractor, job, token)
        client = archive_client(self.config) if job.source == "ccnews" else None
        reader = ItemReader(
            self.config, job.source, OutletMatcher(self.config, job.all_hosts), sink, client,
            Counters(items_total=1), None, lambda line: log.info("%s", line), self._stop,
        )  # fmt: skip
        before = None
        if job.position or job.records:
            before = Progress(job.source, job.item, job.position, job.records, job.articles,
                              "running")  # fmt: skip
        log.info("backfill %s from record %d", job.item, job.records)
        try:
            status = await reader.read_item(WarcItem(job.source, job.item), before)
        except Exception as exc:  # Redis gone, or a bug: report it, and let the others go on
            log.exception("backfill %s: worker error", job.item)
            self._fail(sink, job, f"worker error: {type(exc).__name__}: {exc}"[:300])
            return
        # (a failed file was logged by the reader, with its name and the reason)
        log.info("backfill %s: %s after %d record(s)", job.item, status, reader.counters.records)

    def _fail(self, sink: RemoteSink, job: BackfillJob, detail: str) -> None:
        try:
            sink.record_progress(
                Progress(job.source, job.item, sink.job.position, sink.job.records,
                         sink.job.articles, "failed", detail, None, datetime.now(UTC))
            )  # fmt: skip
        except Exception:  # Redis itself is gone: the lease ends with the worker
            log.exception("backfill %s: could not report the failure", job.item)
