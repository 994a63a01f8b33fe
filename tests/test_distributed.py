"""Distributed mode against a real redis-server on loopback and the loopback newsroom.

Needs ``redis-server`` (Debian: ``apt-get install -y redis-server``) and the ``redis`` and
``scrapy-redis`` packages; skipped with that reason where they are missing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mediawatch.config import Config
from mediawatch.errors import TerminalError
from tests.redis_support import needs_redis_server, redis

pytestmark = needs_redis_server

ROOT = Path(__file__).resolve().parent.parent
# The installed console script, as users run it (the commands must be registered there).
MEDIAWATCH = Path(sys.executable).parent / "mediawatch"
PREFIX = "mediawatch"


@pytest.fixture
def dist_config(make_config, newsroom_server, redis_url: str) -> Config:
    return make_config(
        newsroom_server.outlet_config(),
        crawl={"extract_workers": 1},
        distributed={"redis_url": redis_url},
    )


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def start(config: Config, *args: str, log: Path | None = None) -> subprocess.Popen:
    out = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115
    return subprocess.Popen(
        [str(MEDIAWATCH), "--config", str(config.source), *args],
        stdout=subprocess.PIPE, stderr=out, text=True, env=_env(), cwd=ROOT,
    )  # fmt: skip


def worker(config: Config, name: str, tmp: Path) -> subprocess.Popen:
    return start(
        config, "worker", "--id", name, "--idle-exit", "5", "--lease", "2", log=tmp / f"{name}.log"
    )


def finish(proc: subprocess.Popen, timeout: float = 120) -> str:
    out, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, out
    return out


def wait_for(predicate, timeout: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def stat(rc: redis.Redis, worker_id: str, name: str = "pages") -> int:
    return int(rc.hget(f"{PREFIX}:stats:{worker_id}", name) or 0)


def stored(config: Config) -> tuple[list[str], int]:
    from warehouse.connection import opened

    with opened(config.warehouse_path, read_only=True) as con:
        urls = [r[0] for r in con.execute("SELECT canonical_url FROM articles").fetchall()]
        loaded = con.execute("SELECT coalesce(sum(items), 0) FROM distributed_batches").fetchall()
    return urls, int(loaded[0][0])


@pytest.fixture(scope="module")
def by_outlet(crawled) -> dict[str, set[str]]:
    """What one single-machine crawl of the same newsroom stores, per outlet."""
    from warehouse.connection import opened

    config, result, _ = crawled
    assert result.status in ("ok", "partial")
    out: dict[str, set[str]] = {}
    with opened(config.warehouse_path, read_only=True) as con:
        for outlet, url in con.execute("SELECT outlet, canonical_url FROM articles").fetchall():
            out.setdefault(outlet, set()).add(url)
    return out


@pytest.fixture(scope="module")
def expected(by_outlet) -> set[str]:
    return set().union(*by_outlet.values())


def assert_drained(rc: redis.Redis) -> None:
    assert rc.llen(f"{PREFIX}:items") == 0
    assert rc.llen(f"{PREFIX}:loader:main:processing") == 0
    assert not rc.keys(f"{PREFIX}:inflight:*") or all(
        rc.hlen(k) == 0 for k in rc.keys(f"{PREFIX}:inflight:*")
    )
    assert rc.llen(f"{PREFIX}:requests:ring") == 0


def pushed(rc: redis.Redis) -> int:
    return sum(int(rc.hget(k, "pushed") or 0) for k in rc.keys(f"{PREFIX}:stats:*"))


# -- end to end ---------------------------------------------------------------------------
def test_two_workers_and_loader_store_each_article_once(
    dist_config: Config, rc, by_outlet: dict[str, set[str]], newsroom_server, tmp_path: Path
) -> None:
    from spiders.distributed import enqueue_discovery

    # Three outlets (feeds, sitemaps, homepage only) keep this quick; the next test does all.
    outlets = [o.name for o in dist_config.outlets][::3]
    expected = set().union(*(by_outlet[o] for o in outlets))
    from spiders.distributed import Keys

    workers = [worker(dist_config, name, tmp_path) for name in ("a", "b")]
    # both crawlers must be up before there is work, or the first could do it all alone
    wait_for(lambda: {b"a", b"b"} <= set(rc.smembers(Keys().ready)), what="both workers ready")
    first = enqueue_discovery(dist_config, outlets)
    assert first.outlets == tuple(outlets)
    loader = start(dist_config, "load", "--idle-exit", "2", "--batch-size", "50")
    for proc in workers:
        finish(proc)
    assert "loaded" in finish(loader)

    urls, loaded = stored(dist_config)
    assert len(urls) == len(set(urls))
    assert set(urls) == expected
    assert stat(rc, "a") > 0 and stat(rc, "b") > 0, "both workers should have extracted pages"
    assert stat(rc, "a") + stat(rc, "b") >= len(expected)
    assert loaded == pushed(rc)  # every pushed item consumed exactly once
    assert_drained(rc)

    # A fresh Redis (lost, flushed) is seeded from the warehouse: the archive is not re-crawled.
    rc.flushdb()
    newsroom_server.request_log.clear()
    second = enqueue_discovery(dist_config, outlets)
    assert second.seeded >= len(expected)
    finish(worker(dist_config, "c", tmp_path))
    assert stat(rc, "c") == 0
    fetched = {e.path for e in newsroom_server.request_log.entries}
    article_paths = {u.split("/", 3)[3] for u in expected}
    assert not {p.lstrip("/") for p in fetched} & article_paths


def test_kill_9_of_a_worker_and_of_the_loader_loses_and_duplicates_nothing(
    dist_config: Config, rc, expected: set[str], tmp_path: Path
) -> None:
    from spiders.distributed import enqueue_discovery

    enqueue_discovery(dist_config)
    a, b = worker(dist_config, "a", tmp_path), worker(dist_config, "b", tmp_path)
    wait_for(lambda: stat(rc, "a") >= 5, what="worker a to extract pages")
    os.kill(a.pid, signal.SIGKILL)
    a.wait()
    assert rc.hlen(f"{PREFIX}:inflight:a") > 0  # it died holding leased requests

    loader = start(dist_config, "load", "--batch-size", "10")
    processing = f"{PREFIX}:loader:main:processing"
    wait_for(lambda: rc.llen(processing) > 0, what="the loader to take a batch")
    os.kill(loader.pid, signal.SIGKILL)
    loader.wait()
    assert rc.llen(processing) > 0  # killed mid-batch

    a2 = worker(dist_config, "a2", tmp_path)
    loader = start(dist_config, "load", "--idle-exit", "2", "--batch-size", "10")
    finish(b)
    finish(a2)
    out = finish(loader)
    assert "recovered" in out

    urls, loaded = stored(dist_config)
    assert len(urls) == len(set(urls))
    assert set(urls) == expected
    assert loaded == pushed(rc)
    assert_drained(rc)


# -- the loader's acknowledgement protocol, step by step -------------------------------------
def _push_failures(config: Config, rc, n: int) -> None:
    from pipeline.items import FetchFailure
    from pipeline.loader import encode

    outlet = config.outlets[0].name
    for i in range(n):
        failure = FetchFailure(f"http://x.test/{i}", outlet, "http-404", "", 404)
        rc.rpush(f"{PREFIX}:items", encode("failure", (failure, None)))


def _failures(config: Config) -> int:
    from warehouse.connection import opened

    with opened(config.warehouse_path, read_only=True) as con:
        return con.execute("SELECT count(*) FROM fetch_failures").fetchall()[0][0]


@pytest.mark.parametrize("crash_in", ["_commit", "_ack"])
def test_loader_restart_after_crash_writes_once(
    make_config, redis_url: str, rc, monkeypatch, crash_in: str
) -> None:
    from pipeline.loader import Loader
    from spiders.distributed import Keys

    config = make_config(
        [{"name": "X", "homepage": "http://x.test/"}], distributed={"redis_url": redis_url}
    )
    _push_failures(config, rc, 12)
    loader = Loader(config, rc, Keys(), batch_size=5)
    assert loader.step(block_s=0.1) == 5

    def crash(*args, **kwargs):
        raise SystemExit("killed")

    monkeypatch.setattr(Loader, crash_in, crash)
    with pytest.raises(SystemExit):
        loader.step(block_s=0.1)
    monkeypatch.undo()
    assert rc.llen(f"{PREFIX}:loader:main:processing") == 5
    assert _failures(config) == (10 if crash_in == "_ack" else 5)

    restarted = Loader(config, rc, Keys(), batch_size=5)
    while restarted.step(block_s=0.1):
        pass
    assert restarted.report.recovered == 5
    assert _failures(config) == 12
    assert rc.llen(f"{PREFIX}:items") == 0
    assert rc.llen(f"{PREFIX}:loader:main:processing") == 0


def test_unreadable_items_go_to_the_dead_letter_list(make_config, redis_url: str, rc) -> None:
    from pipeline.loader import Loader
    from spiders.distributed import Keys

    config = make_config(
        [{"name": "X", "homepage": "http://x.test/"}], distributed={"redis_url": redis_url}
    )
    rc.rpush(f"{PREFIX}:items", b"not a pickle")
    _push_failures(config, rc, 1)
    loader = Loader(config, rc, Keys())
    assert loader.step(block_s=0.1) == 2
    assert loader.report.dead == 1
    assert rc.lrange(f"{PREFIX}:items:dead", 0, -1) == [b"not a pickle"]
    assert _failures(config) == 1


# -- single-machine mode is untouched -----------------------------------------------------
def test_default_path_works_without_redis_installed() -> None:
    """Single-machine mode imports neither (datasketch alone may import redis when present)."""
    code = (
        "import sys; sys.modules['redis'] = None; sys.modules['scrapy_redis'] = None;"
        " import mediawatch.cli, mediawatch.cli.distributed, spiders.runner, spiders.process,"
        " pipeline.ingest, pipeline.queue_keys, spiders.distributed.enqueue"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=_env(), cwd=ROOT)


def test_distributed_commands_need_the_section(make_config) -> None:
    from spiders.distributed import enqueue_discovery

    config = make_config([{"name": "X", "homepage": "http://x.test/"}])
    with pytest.raises(TerminalError, match="distributed"):
        enqueue_discovery(config)


@pytest.mark.parametrize("kind", ["sitemap", "feed"])
def test_a_listing_keeps_its_validators_only_once_all_its_requests_are_handed_on(
    make_config, redis_url: str, rc, kind: str
) -> None:
    """A worker killed half-way through a listing must not get a 304 for it next round."""
    from datetime import UTC, datetime

    from scrapy.http import Request, XmlResponse

    from spiders.distributed import Keys
    from spiders.distributed.worker import RemoteIngestor, WorkerSession
    from spiders.sitemaps import SitemapSpider

    config = make_config(
        [{"name": "X", "homepage": "http://x.test/"}], distributed={"redis_url": redis_url}
    )
    today = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    urls = [f"http://x.test/story-{i}" for i in range(3)]
    if kind == "sitemap":
        body = '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + "".join(
            f"<url><loc>{u}</loc><lastmod>{today}</lastmod></url>" for u in urls
        )
        body += "</urlset>"
    else:
        body = "<rss version='2.0'><channel><title>X</title>" + "".join(
            f"<item><link>{u}</link><title>t</title></item>" for u in urls
        )
        body += "</channel></rss>"
    listing = f"http://x.test/{kind}.xml"
    ingestor = RemoteIngestor(rc, Keys(), "t")
    session = WorkerSession(
        config=config,
        outlets=list(config.outlets),
        ingestor=ingestor,  # type: ignore[arg-type]  # duck-types Ingestor over Redis
        stats={},
    )
    spider = SitemapSpider(session=session)
    meta = {"outlet": "X", "depth": 0}
    response = XmlResponse(
        listing,
        body=body.encode(),
        headers={"ETag": '"v1"'},
        request=Request(listing, meta=meta),
    )
    parse = spider.parse_sitemap if kind == "sitemap" else spider.parse_feed
    output = parse(response)
    first = next(output)
    assert first.url in urls
    assert ingestor.state.validators.get(listing) == (None, None)
    rest = list(output)
    assert sorted([first.url, *(r.url for r in rest)]) == urls
    assert ingestor.state.validators.get(listing) == ('"v1"', None)
