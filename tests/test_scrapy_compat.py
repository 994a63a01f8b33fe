"""The Scrapy and Twisted internals behind ``spiders.scrapy_compat`` are still there.

Each test names the internal it checks: after an upgrade, a failure here says which
adapter to rewrite, instead of robots.txt or Retry-After silently changing behaviour.
"""

from __future__ import annotations

import inspect

import scrapy
from scrapy.core.downloader import Downloader, Slot
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure
from twisted.web.client import ResponseFailed
from twisted.web.http import PotentialDataLoss

from spiders import scrapy_compat
from spiders.middlewares import RobotsPolicyMiddleware

UPGRADE = f"Scrapy {scrapy.__version__} changed an internal that spiders/scrapy_compat.py uses"


def _params(function: object) -> list[str]:
    return list(inspect.signature(function).parameters)  # type: ignore[arg-type]  # any callable


def test_robots_middleware_hooks_keep_their_signatures() -> None:
    parse = RobotsTxtMiddleware._parse_robots
    assert inspect.iscoroutinefunction(parse), UPGRADE + ": _parse_robots is no longer async"
    assert _params(parse) == ["self", "response", "netloc", "request"], UPGRADE
    assert _params(RobotsTxtMiddleware._robots_error) == ["self", "exc", "netloc"], UPGRADE
    assert _params(RobotsTxtMiddleware.process_request_2) == ["self", "rp", "request"], UPGRADE


def test_robots_middleware_keeps_its_parser_cache() -> None:
    crawler = get_crawler(settings_dict={"ROBOTSTXT_OBEY": True})
    middleware = RobotsPolicyMiddleware(crawler)
    assert isinstance(middleware._parsers, dict), UPGRADE + ": RobotsTxtMiddleware._parsers"
    middleware._parsers["example.test"] = None
    middleware.settle("example.test", "parser")
    assert middleware._parsers["example.test"] == "parser"


def test_downloader_reopens_slots_through_latercall() -> None:
    assert _params(Downloader._latercall) == ["self", "slot"], UPGRADE + ": Downloader._latercall"
    assert "latercall" in {f.name for f in Slot.__dataclass_fields__.values()}, UPGRADE
    assert Slot(concurrency=1, delay=0).latercall is None, UPGRADE


def test_decompression_bombs_are_told_apart_from_other_ignored_responses() -> None:
    from scrapy.utils._compression import _DecompressionMaxSizeExceeded

    bomb = IgnoreRequest("exceeded DOWNLOAD_MAXSIZE during decompression")
    bomb.__cause__ = _DecompressionMaxSizeExceeded(10, 5)
    assert scrapy_compat.is_decompression_oversize(bomb), UPGRADE
    assert not scrapy_compat.is_decompression_oversize(IgnoreRequest("filtered"))


def test_twisted_data_loss_is_recognised() -> None:
    from twisted.web.http import _DataLoss

    assert scrapy_compat.is_data_loss(PotentialDataLoss())
    assert scrapy_compat.is_data_loss(ResponseFailed([Failure(_DataLoss())])), UPGRADE
    assert not scrapy_compat.is_data_loss(ResponseFailed([Failure(ValueError())]))
    assert not scrapy_compat.is_data_loss(None)


def test_header_limits_still_find_the_http11_internals() -> None:
    """spiders/download_limits.py subclasses Scrapy's private HTTP/1.1 client classes and
    swaps the connection pool's factory: the second (and last) module on internals."""
    from scrapy.core.downloader.handlers import http11
    from twisted.web.client import HTTPConnectionPool

    assert hasattr(http11, "_LenientHTTP11ClientFactory"), UPGRADE + ": _LenientHTTP11ClientFactory"
    assert hasattr(http11, "_LenientHTTP11ClientProtocol"), UPGRADE
    assert hasattr(HTTPConnectionPool, "_factory"), "Twisted's HTTPConnectionPool._factory moved"
    init = inspect.signature(http11._LenientHTTP11ClientFactory.__init__)
    assert list(init.parameters)[:3] == ["self", "quiescentCallback", "metadata"], UPGRADE
