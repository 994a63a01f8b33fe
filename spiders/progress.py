"""Progress of a running crawl, for people watching a terminal (and for logs otherwise)."""

from __future__ import annotations

import sys
import time

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import task
from twisted.internet.task import deferLater

# how long a spider's last line waits for the writer to count its last pages
_DRAIN_WAIT_S = 10.0


class Progress:
    """Prints fetched/new/failed counts every few seconds while a spider runs.

    The counters are the run's, shared by its spiders (feeds, then sitemaps, then the
    homepage): each line shows its own spider's share, so that "sitemaps 95 pages" is
    what the sitemaps fetched, not the feeds' pages as well. Pages fetched and failed are
    counted from the moment the spider opened; new articles by how they were found, and
    the last line waits (briefly) until the writer has decided on every page the spider
    handed over, so a mode's late articles are not counted under the next one.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.tty = sys.stderr.isatty()
        self.interval = 2.0 if self.tty else 30.0
        self.loop: task.LoopingCall | None = None
        self.started = time.monotonic()
        self.before = (0, 0)  # the run's fetched and failed when this spider opened

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider) -> None:
        self.started = time.monotonic()
        self.before = _fetched_failed(spider)
        self.loop = task.LoopingCall(self.report, spider, final=False)
        self.loop.start(self.interval, now=False)

    async def spider_closed(self, spider) -> None:
        if self.loop and self.loop.running:
            self.loop.stop()
        closed_at = time.monotonic()  # the rate is the spider's, not the writer's catching up
        await self._drained(spider)
        self.report(spider, final=True, now=closed_at)

    async def _drained(self, spider) -> None:
        """Returns once the writer has caught up with the pages handed over (or after a
        while, or at once when the crawl is being stopped)."""
        from twisted.internet import reactor

        ingestor = spider.session.ingestor
        deadline = time.monotonic() + _DRAIN_WAIT_S
        while not (
            getattr(ingestor, "decided", 0) >= getattr(ingestor, "submitted", 0)
            or spider.session.stopping
            or time.monotonic() >= deadline
        ):
            await maybe_deferred_to_future(deferLater(reactor, 0.05))

    def report(self, spider, final: bool, now: float | None = None) -> None:
        fetched_now, failed_now = _fetched_failed(spider)
        fetched = fetched_now - self.before[0]
        failed = failed_now - self.before[1]
        via = spider.mode.removesuffix("s")  # as spiders.base stamps discovered_via
        new = sum(s.new_by_via.get(via, 0) for s in spider.session.stats.values())
        elapsed = max((now or time.monotonic()) - self.started, 1e-6)
        rate = fetched / elapsed
        line = (
            f"  {spider.name:<9} {fetched:>6} pages fetched, {new:>6} new articles, "
            f"{failed:>4} failed  ({rate:.1f} pages/s)"
        )
        if self.tty and not final:
            sys.stderr.write("\r" + line)
        else:
            sys.stderr.write(("\r" if self.tty else "") + line + "\n")
        sys.stderr.flush()


def _fetched_failed(spider) -> tuple[int, int]:
    stats = spider.session.stats.values()
    return sum(s.fetched for s in stats), sum(s.failed for s in stats)
