"""Progress of a running crawl, for people watching a terminal (and for logs otherwise)."""

from __future__ import annotations

import sys
import time

from scrapy import signals
from scrapy.crawler import Crawler
from twisted.internet import task


class Progress:
    """Prints fetched/new/failed counts every few seconds while a spider runs."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.tty = sys.stderr.isatty()
        self.interval = 2.0 if self.tty else 30.0
        self.loop: task.LoopingCall | None = None
        self.started = time.monotonic()
        self.fetched_before = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider) -> None:
        self.started = time.monotonic()
        # counters are shared by the three spiders of a crawl: rate this spider's own pages
        self.fetched_before = sum(s.fetched for s in spider.session.stats.values())
        self.loop = task.LoopingCall(self.report, spider, final=False)
        self.loop.start(self.interval, now=False)

    def spider_closed(self, spider) -> None:
        if self.loop and self.loop.running:
            self.loop.stop()
        self.report(spider, final=True)

    def report(self, spider, final: bool) -> None:
        stats = spider.session.stats.values()
        fetched = sum(s.fetched for s in stats)
        new = sum(s.new for s in stats)
        failed = sum(s.failed for s in stats)
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = (fetched - self.fetched_before) / elapsed
        line = (
            f"  {spider.name:<9} {fetched:>6} pages fetched, {new:>6} new articles, "
            f"{failed:>4} failed  ({rate:.1f} pages/s)"
        )
        if self.tty and not final:
            sys.stderr.write("\r" + line)
        else:
            sys.stderr.write(("\r" if self.tty else "") + line + "\n")
        sys.stderr.flush()
