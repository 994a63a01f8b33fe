"""Nothing read from Redis can run code: items and queued requests are versioned JSON.

A payload crafted to run code when unpickled (it would create a canary file) is put
where workers and the loader read, on a real redis-server on loopback: it is refused,
dead-lettered with its reason, the canary never appears, and good items beside it load.
"""

from __future__ import annotations

import os
import pickle
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.items import Article, DatedValue, Evidence, FetchFailure, TopicMatch
from pipeline.wire import EnvelopeError, PageResult, decode, encode
from tests.redis_support import needs_redis_server as needs_redis

PREFIX = "mediawatch"


class _Canary:
    """Unpickling this runs ``touch <path>``: the proof that nothing was unpickled."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple:
        return (os.system, (f"touch {self.path}",))


def _article() -> Article:
    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    return Article(
        url="http://x.test/a/1", canonical_url="http://x.test/a/1", outlet="X", title="T",
        text="words " * 50, fetched_at=now, authors=["A"], published=DatedValue(now, "meta"),
        minhash=bytes(range(256)), topic_matches=[TopicMatch("t", ("w",), "s")],
        field_sources={"title": "meta"},
    )  # fmt: skip


def test_every_item_kind_round_trips_as_json() -> None:
    page = PageResult("http://x.test/a/1", "X", datetime.now(UTC), "feed", 10, _article(), 3, "w")
    raw = encode("page", page)
    assert raw.startswith(b"{") and b"pickle" not in raw
    assert decode(raw) == ("page", page)
    failure = (FetchFailure("http://x.test/b", "X", "timeout", "slow", None, "fetch"), 7)
    assert decode(encode("failure", failure)) == ("failure", failure)
    validators = ("http://x.test/feed", '"etag"', None)
    assert decode(encode("validators", validators)) == ("validators", validators)


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b"not json", "not a JSON item"),
        (b'{"v": 1, "kind": "page", "data": []}', "schema version 1"),
        (b'{"v": 2, "kind": "shell", "data": []}', "unknown item kind"),
        (b'{"v": 2, "kind": "failure", "data": [{"url": 1}, null]}', "invalid failure item"),
        (b'{"v": 2, "kind": "page", "data": [{"result": "rm -rf"}]}', "invalid page item"),
    ],
)
def test_malformed_items_are_refused_with_a_reason(raw: bytes, why: str) -> None:
    with pytest.raises(EnvelopeError, match=why):
        decode(raw)


@needs_redis
def test_a_crafted_pickle_for_the_loader_is_refused_recorded_and_never_run(
    make_config, redis_url: str, rc, tmp_path: Path
) -> None:
    from pipeline.loader import Loader
    from spiders.distributed import Keys

    canary = tmp_path / "loader-canary"
    config = make_config(
        [{"name": "X", "homepage": "http://x.test/"}], distributed={"redis_url": redis_url}
    )
    crafted = pickle.dumps({"v": 1, "kind": "page", "data": _Canary(canary)})
    rc.rpush(f"{PREFIX}:items", crafted)
    good = FetchFailure("http://x.test/ok", "X", "http-404", "", 404, "fetch")
    rc.rpush(f"{PREFIX}:items", encode("failure", (good, None)))
    loader = Loader(config, rc, Keys())
    assert loader.step(block_s=0.1) == 2
    assert not canary.exists(), "the loader unpickled a payload from Redis"
    assert loader.report.dead == 1 and "pickle is refused" in loader.report.refused[0]
    assert rc.lrange(f"{PREFIX}:items:dead", 0, -1) == [crafted]
    from tests.hostile.crawl import rows

    assert rows(config, "SELECT url, reason FROM fetch_failures") == [
        ("http://x.test/ok", "http-404")
    ]


def test_queued_requests_round_trip_as_json() -> None:
    from scrapy import Request

    from spiders.distributed import wire

    evidence = Evidence("feed", "T", "2026-12-04", None, ("A", "B"), "en", "http://x.test/f")
    request = Request(
        "http://x.test/a/1", headers={"If-None-Match": '"e"'}, priority=3, dont_filter=True,
        meta={"outlet": "X", "evidence": evidence, "stage": "fetch", "redirect_urls": ["u"]},
    )  # fmt: skip
    back = wire.loads(wire.dumps(request.to_dict()))
    assert back["meta"]["evidence"] == evidence
    assert back["headers"][b"If-None-Match"] == [b'"e"']
    assert back["priority"] == 3 and back["dont_filter"] is True


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"_class": "os.system"}, "class"),
        ({"callback": "close"}, "callback"),
        ({"errback": "__init__"}, "errback"),
        ({"meta": {"$pickle": "x"}}, "unknown value tag"),
    ],
)
def test_crafted_requests_are_refused(change: dict, why: str) -> None:
    import json

    from spiders.distributed import wire

    raw = json.loads(wire.dumps({"url": "http://x.test/", "meta": {}}))
    raw["request"].update(change)
    with pytest.raises(wire.RequestRefused, match=why):
        wire.loads(json.dumps(raw).encode())
    with pytest.raises(wire.RequestRefused, match="pickle is refused"):
        wire.loads(pickle.dumps({"url": "http://x.test/"}))


@needs_redis
def test_a_crafted_pickle_in_the_request_queue_is_refused_and_never_run(
    redis_url: str, rc, tmp_path: Path
) -> None:
    """The worker's queue pops it, refuses it, dead-letters it and ends its lease."""
    from scrapy import Request
    from scrapy.settings import Settings

    from spiders.distributed import wire
    from spiders.distributed.queue import OutletQueue

    canary = tmp_path / "queue-canary"

    class Spider:
        name = "mediawatch"
        settings = Settings({"MEDIAWATCH_INFLIGHT_KEY": f"{PREFIX}:inflight:w"})

        def parse_article(self, response: object) -> None: ...

    spider = Spider()
    queue = OutletQueue(rc, spider, f"{PREFIX}:requests", wire)
    rc.zadd(f"{PREFIX}:requests:q:X", {pickle.dumps(_Canary(canary)): 0})
    rc.rpush(f"{PREFIX}:requests:ring", "X")
    rc.sadd(f"{PREFIX}:requests:active", "X")
    assert queue.pop() is None
    assert not canary.exists(), "a worker unpickled a request from Redis"
    assert rc.llen(f"{PREFIX}:requests:dead") == 1
    assert rc.hlen(f"{PREFIX}:inflight:w") == 0
    good = Request("http://x.test/a/2", callback=spider.parse_article, meta={"outlet": "X"})
    queue.push(good)
    popped = queue.pop()
    assert popped is not None and popped.url == good.url
