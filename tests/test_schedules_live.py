"""The scheduler for real: child-process crawls of the loopback newsroom, a hung outlet,
SIGTERM in the middle of a crawl, and a second ``mediawatch run`` on the same warehouse.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from mediawatch.config import Config
from schedules.service import Service
from spiders.runner import run_crawl
from warehouse.connection import opened

# ``mediawatch run`` whether or not the lead has registered it in mediawatch/cli/__init__.py yet
CLI = (
    "from mediawatch.cli import cli\n"
    "from mediawatch.cli.common import run_guarded\n"
    "if 'run' not in cli.commands:\n"
    "    from mediawatch.cli import run\n"
    "    run.register(cli)\n"
    "run_guarded(cli)\n"
)


@pytest.fixture(scope="module")
def small_newsroom() -> Iterator:
    from mediawatch.newsroom import build_newsroom, serve

    newsroom = build_newsroom(seed=7, n_articles=60)
    with serve(newsroom) as server:
        yield newsroom, server


@pytest.fixture
def blackhole() -> Iterator[str]:
    """A loopback server that accepts connections (kernel backlog) and never answers."""
    sock = socket.create_server(("127.0.0.1", 0), backlog=64)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/"
    sock.close()


def rows(config: Config, sql: str) -> list[tuple]:
    with opened(config.warehouse_path) as con:
        return con.execute(sql).fetchall()


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


class CountingCrawl:
    """The real run_crawl, counted in memory: polling the warehouse would slow the crawl's writes."""

    def __init__(self) -> None:
        self.started = 0
        self.finished = 0

    def __call__(self, config: Config, outlets: list[str], **kwargs: object):
        self.started += 1
        try:
            return run_crawl(config, outlets, **kwargs)  # type: ignore[arg-type]  # run_crawl's own keyword arguments
        finally:
            self.finished += 1


def runs(config: Config) -> list[tuple]:
    return rows(
        config,
        "SELECT id, status, trigger, started_at, finished_at, error FROM crawl_runs ORDER BY id",
    )


def test_crawls_run_on_schedule_one_at_a_time(small_newsroom, make_config) -> None:
    newsroom, server = small_newsroom
    name = next(o.name for o in newsroom.outlets if o.key == "severny")  # few articles: quick
    outlets = [o for o in server.outlet_config() if o["name"] == name]
    config = make_config(
        outlets,
        schedule={
            "crawl_interval_minutes": 1,
            "jitter_seconds": 0,
            "recrawl_after_days": [],
            "adaptive_polling": False,  # a 2-second "minute": polling would see 60 s intervals
        },
    )
    # a "minute" of 2 s: the schedule fires while the first crawl still runs
    crawl = CountingCrawl()
    service = Service(
        config, crawl=crawl, digests=False, minute=timedelta(seconds=2), events_flush_s=0.2
    )
    service.start()
    try:
        wait_for(lambda: crawl.finished >= 2, 60, "two crawls")
    finally:
        service.stop("test")
    done = runs(config)
    assert [r[1:3] for r in done[:2]] == [("ok", "startup"), ("ok", "schedule")]
    for earlier, later in zip(done, done[1:], strict=False):
        assert later[3] >= earlier[4], "two crawls of one outlet overlapped"
    [(articles,)] = rows(config, "SELECT count(*) FROM articles")
    assert articles >= 4
    events = rows(config, "SELECT job, event FROM scheduler_events")
    # a trigger that fired while a crawl of the outlet ran was refused, by APScheduler
    # (max-instances) or by the busy-outlet guard (skipped), depending on timing
    assert {e for j, e in events if j == "crawl every 2s"} & {"max-instances", "skipped"}
    assert ("catch-up crawl every 2s", "finished") in events


def test_a_hung_crawl_is_killed_at_its_limit_and_the_next_one_runs(blackhole, make_config) -> None:
    config = make_config(
        [{"name": "hangs", "homepage": blackhole, "feeds": [blackhole + "feed.xml"]}],
        crawl={"timeout_s": 300, "retries": 0},  # the crawl itself would wait for minutes
        schedule={
            "crawl_interval_minutes": 1,
            "jitter_seconds": 0,
            "crawl_timeout_minutes": 0.1,  # 6 s
            "shutdown_grace_s": 1,
            "recrawl_after_days": [],
        },
    )
    crawl = CountingCrawl()
    service = Service(
        config, crawl=crawl, digests=False, minute=timedelta(seconds=1), events_flush_s=0.2
    )
    started = time.monotonic()
    service.start()
    try:
        wait_for(lambda: crawl.started >= 2, 30, "the crawl after the hung one")
    finally:
        service.stop("test")
    first, second = runs(config)[:2]
    assert first[1:3] == ("timeout", "startup")
    assert "limit of 6 s" in first[5]
    assert 6 <= (first[4] - first[3]).total_seconds() < 15
    assert second[2] == "schedule" and second[3] >= first[4]
    assert second[1] == "interrupted"  # it hung too, and the scheduler was stopped
    assert time.monotonic() - started < 30
    events = rows(config, "SELECT job, event, detail FROM scheduler_events")
    assert any(e[1] == "timed-out" and "limit" in e[2] for e in events)


def article_paths_served(newsroom, server, outlet_key: str) -> set[str]:
    by_path = {a.path: a for a in newsroom.articles if a.outlet == outlet_key}
    by_path |= {a.amp_path: a for a in newsroom.articles if a.outlet == outlet_key and a.amp_path}
    served = set()
    for entry in server.request_log.entries:
        article = by_path.get(entry.path.split("?")[0])
        if article is not None and entry.status == 200 and entry.outlet == outlet_key:
            served.add(article.path)
    return served


def stored_paths(config: Config) -> set[str]:
    return {urlsplit(u).path for (u,) in rows(config, "SELECT canonical_url FROM articles")}


def test_sigterm_mid_crawl_keeps_every_extracted_article(small_newsroom, make_config) -> None:
    newsroom, server = small_newsroom
    spec = next(o for o in newsroom.outlets if o.key == "global_ledger")  # the most articles
    outlets = [o for o in server.outlet_config() if o["name"] == spec.name]
    config = make_config(
        outlets,
        crawl={"download_delay": 0.4, "per_domain_concurrency": 1, "autothrottle": False},
        schedule={"crawl_interval_minutes": 60, "shutdown_grace_s": 20, "recrawl_after_days": []},
    )
    server.request_log.clear()
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    argv = [sys.executable, "-c", CLI, "--config", str(config.source), "run", "--no-digest"]
    first = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True, env=env)
    try:
        wait_for(lambda: len(article_paths_served(newsroom, server, spec.key)) >= 4, 40, "articles")
        # a second scheduler on the same warehouse is refused, naming the first
        second = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60)
        assert second.returncode == 1
        assert f"(pid {first.pid}) is already scheduling" in second.stderr
        served_before = article_paths_served(newsroom, server, spec.key)
        first.send_signal(signal.SIGTERM)
        _, stderr = first.communicate(timeout=40)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, stderr
    [run] = runs(config)
    assert run[1:3] == ("interrupted", "startup"), run
    stored = stored_paths(config)
    assert served_before <= stored  # nothing that was fetched before the signal is lost
    [(reported,)] = rows(config, f"SELECT sum(new) FROM crawl_run_outlets WHERE run_id = {run[0]}")
    assert reported == len(stored)  # what the crawl reported committed is what is there
    assert "stopping (SIGTERM)" in stderr and "stopped" in stderr
    # the next crawl fetches the rest
    again = run_crawl(config, [spec.name])
    assert again.status == "ok"
    everything = stored_paths(config)
    assert stored < everything or len(stored) == len(everything)
    assert len(everything) >= len(article_paths_served(newsroom, server, spec.key)) - 2
