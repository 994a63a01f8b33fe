"""A backfill: archived pages through the same extraction, dedup and matching as a crawl.

Work items (WARC files, an outlet's Wayback captures) are read in order; their pages go
to the crawl's ``Ingestor`` (worker pool + one writer thread), so a backfilled article is
stored exactly as a crawled one, with its ``source`` and capture time. Every
``checkpoint_records`` records the reader waits for the pages in flight and queues a
progress row behind them: it is committed with (never before) their articles, so a
killed backfill resumes after the last committed record.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import FrameType
from typing import Protocol

from mediawatch.config import Config
from mediawatch.errors import TerminalError
from pipeline.items import FetchedPage
from pipeline.urls import host_of, in_domains
from spiders.backfill.http import ArchiveClient, ArchiveError
from spiders.backfill.warc import ArchivedPage, Record, Skipped, TruncatedArchive
from spiders.process import CrawlJob, build_ingestor
from spiders.signals import HeldSignals
from warehouse.backfill import Progress, load_progress
from warehouse.connection import opened
from warehouse.runs import OutletRunStats, finish_run, record_outlet_stats, start_run

log = logging.getLogger(__name__)


class PageSink(Protocol):
    """Where a reader's pages and resume points go: the crawl's ``Ingestor`` (one machine),
    or a distributed worker's pushes to Redis for the loader."""

    async def submit(self, page: FetchedPage) -> object: ...

    def record_progress(self, progress: object) -> None: ...


class WorkItem(Protocol):
    @property
    def source(self) -> str: ...  # read-only: the items are frozen dataclasses

    @property
    def key(self) -> str: ...

    def records(
        self, client: ArchiveClient | None, position: int, max_bytes: int
    ) -> Iterator[Record]: ...


@dataclass
class Counters:
    """What a backfill has done so far, for progress lines and the summary."""

    items_total: int = 0
    items_done: int = 0
    records: int = 0
    pages: int = 0  # handed to extraction
    skipped: dict[str, int] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def skip(self, reason: str) -> None:
        key = reason.split(":")[0]
        self.skipped[key] = self.skipped.get(key, 0) + 1


@dataclass(frozen=True)
class BackfillResult:
    run_id: int
    status: str  # ok | partial | interrupted | failed
    seconds: float
    counters: Counters
    new: int
    duplicate: int
    failed_items: list[tuple[str, str]]


class OutletMatcher:
    """Which configured outlet a record belongs to: the crawl's own rule (``in_domains``:
    an outlet's hosts, ``www.`` or not, and their subdomains), remembered per host."""

    def __init__(self, config: Config, all_hosts: bool) -> None:
        self.domains = {o.name: o.domains for o in config.outlets}
        self.all_hosts = all_hosts
        self._by_host: dict[str, str | None] = {}

    def __call__(self, url: str) -> str | None:
        host = host_of(url)
        if host not in self._by_host:
            found = next((n for n, d in self.domains.items() if in_domains(url, d)), None)
            self._by_host[host] = found or (host if self.all_hosts and host else None)
        return self._by_host[host]


def run_backfill(
    config: Config,
    source: str,
    items: Sequence[WorkItem],
    client: ArchiveClient | None,
    *,
    all_hosts: bool = False,
    report: Callable[[Counters, bool], None] = lambda c, final: None,
    say: Callable[[str], None] = lambda line: None,
) -> BackfillResult:
    """Read every item not already done, store its pages, record progress; never raises
    for a bad record or a bad item (they are counted and recorded)."""
    from spiders.runner import prepare_warehouse

    matcher = OutletMatcher(config, all_hosts)
    names = sorted(matcher.domains)
    if not names and not all_hosts:
        raise TerminalError(
            "no outlets to backfill", hint="add [[outlets]] to the config, or pass --all-hosts"
        )
    stop = threading.Event()
    with _StopRequests(stop):
        prepare_warehouse(config)
        timeout = config.warehouse.lock_timeout_s
        with opened(config.warehouse_path, timeout_s=timeout) as con:
            run_id = start_run(con, names, "backfill", os.getpid())
        done = load_progress(config.warehouse_path, source, timeout)
        stats: dict[str, OutletRunStats] = {}
        job = CrawlJob(config=config, outlets=tuple(names), run_id=run_id)
        ingestor, _ = build_ingestor(job, stats)
        counters = Counters(items_total=len(items))
        reader = ItemReader(config, source, matcher, ingestor, client, counters, run_id, say, stop)
        started = time.monotonic()
        status = "ok"
        try:
            status = asyncio.run(reader.read_all(items, done, report))
        finally:
            ingestor.close()  # a Ctrl-C during the last writes waits for them too
            report(counters, True)
            with opened(config.warehouse_path, timeout_s=timeout) as con:
                if stats:
                    record_outlet_stats(con, run_id, stats, time.monotonic() - started)
                if status == "ok" and reader.failed_items:
                    status = "partial"
                finish_run(con, run_id, status, _error(status, reader.failed_items))
    new = sum(s.new for s in stats.values())
    duplicate = sum(s.duplicate for s in stats.values())
    seconds = time.monotonic() - started
    return BackfillResult(run_id, status, seconds, counters, new, duplicate, reader.failed_items)


def _error(status: str, failed: list[tuple[str, str]]) -> str | None:
    if status == "interrupted":
        return "interrupted by the user"
    if failed:
        return f"{len(failed)} item(s) failed: " + "; ".join(f"{k}: {r}" for k, r in failed)[:500]
    return None


class ItemReader:
    """Reads work items record by record into a ``PageSink``, checkpointing as it goes."""

    def __init__(
        self,
        config: Config,
        source: str,
        outlet_of: OutletMatcher,
        sink: PageSink,
        client: ArchiveClient | None,
        counters: Counters,
        run_id: int | None,
        say: Callable[[str], None],
        stop: threading.Event,
    ) -> None:
        self.say = say
        self.config = config
        self.source = source
        self.outlet_of = outlet_of
        self.sink = sink
        self.client = client
        self.counters = counters
        self.run_id = run_id
        self.failed_items: list[tuple[str, str]] = []
        # set by a signal handler (Ctrl-C, SIGTERM), or a stopping worker; read between records
        self.stop = stop
        backfill = config.backfill
        self.checkpoint_every = backfill.checkpoint_records
        self.max_bytes = config.crawl.max_page_bytes
        self.in_flight = max(2, 2 * (config.crawl.extract_workers or os.cpu_count() or 1))

    async def read_all(
        self,
        items: Sequence[WorkItem],
        done: dict[str, Progress],
        report: Callable[[Counters, bool], None],
    ) -> str:
        ticker = asyncio.create_task(self._tick(report))
        try:
            for item in items:
                before = done.get(item.key)
                if before is not None and before.status == "done":
                    self.counters.items_done += 1
                    continue
                await self.read_item(item, before)
                if self.stop.is_set():
                    return "interrupted"
                self.counters.items_done += 1
            return "ok"
        finally:
            ticker.cancel()

    async def _tick(self, report: Callable[[Counters, bool], None]) -> None:
        while True:
            await asyncio.sleep(2.0)
            report(self.counters, False)

    async def read_item(self, item: WorkItem, before: Progress | None) -> str:
        """Read one item from its resume point; returns its status (done, failed, or
        running when ``stop`` was set: the last checkpoint is where it resumes)."""
        position = before.position if before else 0
        records = before.records if before else 0
        pages = before.articles if before else 0
        if before is not None and before.records:
            self.say(f"resuming {item.key} at record {before.records}")
        pending: set[asyncio.Task] = set()
        since_checkpoint = 0
        iterator = item.records(self.client, position, self.max_bytes)
        status, detail = "done", None
        while True:
            try:
                record = await asyncio.to_thread(next, iterator, None)
            except TruncatedArchive as exc:
                status, detail = "failed", f"truncated: {exc}"
                break
            except ArchiveError as exc:
                status, detail = "failed", str(exc)
                break
            except OSError as exc:  # a file that is missing or unreadable (on this machine)
                status, detail = "failed", f"cannot read: {exc}"[:300]
                break
            if record is None:
                break
            if since_checkpoint >= self.checkpoint_every or self.stop.is_set():
                await _drain(pending)
                self._checkpoint(item, record.offset, records, pages, "running", None)
                since_checkpoint = 0
                if self.stop.is_set():
                    return "running"
            since_checkpoint += 1
            records += 1
            self.counters.records += 1
            position = record.next_offset if record.next_offset is not None else record.offset
            page = self._page(record.item)
            if page is None:
                continue
            pages += 1
            self.counters.pages += 1
            while len(pending) >= self.in_flight:
                _, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            pending.add(asyncio.create_task(self.sink.submit(page)))
        await _drain(pending)
        if status == "failed":
            self.failed_items.append((item.key, detail or ""))
            log.error("%s: %s (the records before it are kept)", item.key, detail)
        self._checkpoint(item, position, records, pages, status, detail)
        return status

    def _page(self, found: ArchivedPage | Skipped) -> FetchedPage | None:
        if isinstance(found, Skipped):
            self.counters.skip(found.reason)
            return None
        outlet = self.outlet_of(found.url)
        if outlet is None:
            self.counters.skip("other-host")
            return None
        return FetchedPage(
            url=found.url,
            requested_url=found.url,
            outlet=outlet,
            status=found.status,
            body=found.body,
            fetched_at=found.captured_at,
            content_type=found.content_type,
            declared_encoding=found.charset,
            last_modified=found.last_modified,
            discovered_via=self.source,
            source=self.source,
        )

    def _checkpoint(
        self,
        item: WorkItem,
        position: int,
        records: int,
        pages: int,
        status: str,
        detail: str | None,
    ) -> None:
        self.sink.record_progress(
            Progress(self.source, item.key, position, records, pages, status, detail, self.run_id,
                     datetime.now(UTC))
        )  # fmt: skip


class _StopRequests(HeldSignals):
    """Ctrl-C and SIGTERM ask the backfill to stop after the pages in flight, from the first
    step to the last write: held for the whole run, not only while records are read,
    so a signal during start-up or the final flush is never a KeyboardInterrupt traceback.
    A second Ctrl-C leaves at once: what is committed is safe, the rest is read again.
    """

    def __init__(self, stop: threading.Event) -> None:
        super().__init__({signal.SIGINT: self._requested, signal.SIGTERM: self._requested})
        self.stop = stop

    def _requested(self, signum: int, frame: FrameType | None) -> None:
        if self.stop.is_set():
            os._exit(130)
        sys.stderr.write(
            "\nstopping: finishing the pages in flight (Ctrl-C again to leave at once)\n"
        )
        self.stop.set()


async def _drain(pending: set[asyncio.Task]) -> None:
    if pending:
        await asyncio.gather(*pending)
        pending.clear()
