"""The crawl process (``spiders.process``): a stop honoured in every phase of its start-up.

The parent's SIGTERM (a user's Ctrl-C) can land at any moment. Two moments once left the
process running until the parent's grace ran out and it was killed (losing its workers'
semaphores): while Scrapy's crawler was being built, and while a spider was opening.
The wrapped constructor and method only place the signal in those windows deterministically.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import duckdb
import pytest

RUN = textwrap.dedent(
    """
    import os, signal, sys
    from mediawatch.config import load_config
    from spiders.process import CrawlJob, crawl_main
    from spiders.runner import prepare_warehouse
    from warehouse.connection import opened
    from warehouse.runs import start_run

    def stop_me():
        os.kill(os.getpid(), signal.SIGTERM)

    {wrap}

    config = load_config(sys.argv[1])
    prepare_warehouse(config)
    names = tuple(o.name for o in config.outlets)
    with opened(config.warehouse_path) as con:
        run_id = start_run(con, list(names), "test")
    crawl_main(CrawlJob(config=config, outlets=names, run_id=run_id))
    """
)

WHILE_BUILDING = """
import scrapy.crawler
build = scrapy.crawler.CrawlerProcess.__init__
def building(self, *args, **kwargs):
    stop_me()
    build(self, *args, **kwargs)
scrapy.crawler.CrawlerProcess.__init__ = building
"""

WHILE_OPENING = """
from scrapy.core.engine import ExecutionEngine
from scrapy.utils.defer import maybe_deferred_to_future
opening = ExecutionEngine.open_spider_async
async def slow_opening(self, *args, **kwargs):
    from twisted.internet import reactor, task  # (Scrapy's reactor is installed by now)
    stop_me()
    await maybe_deferred_to_future(task.deferLater(reactor, 0.3, lambda: None))  # the stop runs
    await opening(self, *args, **kwargs)
ExecutionEngine.open_spider_async = slow_opening
"""


@pytest.mark.parametrize("wrap", [WHILE_BUILDING, WHILE_OPENING], ids=["building", "opening"])
def test_a_stop_during_start_up_ends_the_process(make_config, newsroom_server, wrap) -> None:
    config = make_config(newsroom_server.outlet_config()[:2])
    done = subprocess.run(
        [sys.executable, "-c", RUN.format(wrap=wrap),
         str(config.source)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    with duckdb.connect(str(config.warehouse_path), read_only=True) as con:
        # it stopped before fetching an article, and still recorded its counts
        [(outlets, fetched)] = con.execute(
            "SELECT count(*), sum(fetched) FROM crawl_run_outlets"
        ).fetchall()
    assert outlets == 2 and fetched == 0


BROKEN_FEEDS = """
from spiders.feeds import FeedSpider
build = FeedSpider.__init__
def broken(self, *args, **kwargs):
    if type(self) is FeedSpider:  # (other spiders share its constructor)
        raise ValueError("a bug in the feed spider")
    build(self, *args, **kwargs)
FeedSpider.__init__ = broken
"""


def test_a_discovery_mode_that_fails_is_reported_and_the_others_still_run(
    make_config, newsroom_server
) -> None:
    outlets = newsroom_server.outlet_config()
    by_feed = next(o for o in outlets if o["feeds"])
    by_sitemap = next(o for o in outlets if o["sitemaps"])
    config = make_config([by_feed, by_sitemap])
    done = subprocess.run(
        [sys.executable, "-c", RUN.format(wrap=BROKEN_FEEDS), str(config.source)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1  # so that the parent records the run as failed
    assert "error: the feeds crawl failed: ValueError: a bug in the feed spider" in done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    with duckdb.connect(str(config.warehouse_path), read_only=True) as con:
        fetched = dict(con.execute("SELECT outlet, fetched FROM crawl_run_outlets").fetchall())
        kept = {r[0] for r in con.execute("SELECT url FROM fetch_validators").fetchall()}
    assert fetched[by_sitemap["name"]] > 0  # the sitemaps were crawled all the same
    assert fetched[by_feed["name"]] == 0
    assert not kept & set(by_feed["feeds"])  # the next run reads the feed in full
