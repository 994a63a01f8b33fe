"""Round two of the hostile web (issue 18): header floods, names the guard cannot resolve.

Two real crawls (``spiders.runner.run_crawl``) of the hostile server side by side: one of
normal outlets only, one with the hostile outlets beside them. The tests compare the
crawl processes' peak memory, and check the warehouse and the server's request log.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from spiders.download_limits import HeaderCounter, HeaderLimits
from spiders.runner import CrawlResult, run_crawl
from tests.hostile.crawl import article_urls, failures, reasons_by_url, write_config
from tests.hostile.harness import Hostile, MemoryWatch, hostile_server, outlet

HEADER_FLOODS = ["/headers/endless", "/headers/many", "/headers/long-line", "/headers/continue"]
NORMAL_ARTICLES = 12


@dataclass
class Run:
    config: object
    result: CrawlResult
    peak: int  # the largest resident size of any process of the crawl
    seconds: float


@dataclass
class Crawls:
    hostile: Hostile
    normal: Run
    mixed: Run


def _crawl(directory: Path, h: Hostile, hostile: bool) -> Run:
    def feed(host: int, *paths: str) -> list[str]:
        return [h.url(host, "/rss", link=[p if "://" in p else h.url(host, p) for p in paths])]

    port = h.internal.rsplit(":", 1)[1]
    outlets = [
        outlet(
            f"normal-{i}",
            h.outlets[i] + "/",
            feeds=feed(i, *(f"/a/normal-{i}-{j}.html" for j in range(NORMAL_ARTICLES))),
        )
        for i in (1, 2)
    ]
    if hostile:
        outlets += [
            outlet("header-flood", h.outlets[0] + "/", feeds=feed(0, *HEADER_FLOODS)),
            outlet(
                "unresolvable",
                h.outlets[0] + "/",
                feeds=feed(
                    0,
                    *(
                        h.url(0, "/redirect", to=target)
                        for target in (
                            f"http://127.0.0.2.:{port}/dot-ip",
                            f"http://localhost.:{port}/dot-name",
                            f"http://LOCALHOST.:{port}/dot-upper",
                            h.spare.replace(":", ".:", 2).replace("http.:", "http:") + "/dot-spare",
                        )
                    ),
                ),
            ),
        ]
    directory.mkdir()
    # a long timeout: the header floods must be stopped by the caps, not by the timeout
    config = write_config(directory, outlets, timeout_s=10.0, retries=0)
    started = time.monotonic()
    with MemoryWatch() as memory:
        result = run_crawl(config, timeout_s=120)
    memory.peak.pop(h.proc.pid, None)
    return Run(config, result, memory.max_rss, time.monotonic() - started)


@pytest.fixture(scope="module")
def crawls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawls]:
    directory = tmp_path_factory.mktemp("hostile-limits")
    with hostile_server(directory, hosts=3) as h:
        normal = _crawl(directory / "normal", h, hostile=False)
        mixed = _crawl(directory / "mixed", h, hostile=True)
        yield Crawls(h, normal, mixed)


# -- endless response headers ---------------------------------------------------------------
@pytest.mark.parametrize("path", HEADER_FLOODS)
def test_endless_headers_are_cut_off_and_recorded(crawls: Crawls, path: str) -> None:
    by_path = {
        "/" + url.split("/", 3)[3]: reasons
        for url, reasons in reasons_by_url(crawls.mixed.config, "header-flood").items()
    }
    assert by_path.get(path) == {"oversize-headers"}, by_path


def test_header_floods_end_well_before_the_timeout(crawls: Crawls) -> None:
    """Cut off at the cap (≈ 256 KB, milliseconds), not by the 10 s download timeout."""
    assert crawls.mixed.result.status in ("ok", "partial"), crawls.mixed.result.error
    assert crawls.mixed.seconds < crawls.normal.seconds + 8, (
        crawls.mixed.seconds,
        crawls.normal.seconds,
    )


def test_header_floods_keep_the_crawl_within_its_normal_peak_plus_100_mb(crawls: Crawls) -> None:
    assert crawls.normal.peak > 0 and crawls.mixed.peak > 0
    assert crawls.mixed.peak < crawls.normal.peak + 100 * 2**20, (
        crawls.mixed.peak // 2**20,
        crawls.normal.peak // 2**20,
    )


def test_normal_outlets_beside_the_floods_lose_nothing(crawls: Crawls) -> None:
    for run in (crawls.normal, crawls.mixed):
        for i in (1, 2):
            assert len(article_urls(run.config, f"normal-{i}")) == NORMAL_ARTICLES


def test_header_counter_allows_normal_headers_and_stops_at_each_cap() -> None:
    limits = HeaderLimits(max_bytes=1000, max_lines=5)
    ok = HeaderCounter(limits)
    assert ok.feed(b"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r") is None
    assert ok.feed(b"\n\r\n" + b"body" * 1000) is None and ok.done  # the body is not counted
    too_long = HeaderCounter(limits)
    assert too_long.feed(b"HTTP/1.1 200 OK\r\nX: " + b"y" * 1000) is not None
    long_line = HeaderCounter(HeaderLimits())
    assert long_line.feed(b"HTTP/1.1 200 OK\r\nX: ") is None
    assert long_line.feed(b"y" * 20_000) is not None
    too_many = HeaderCounter(limits)
    assert too_many.feed(b"HTTP/1.1 200 OK\r\n" + b"N: 1\r\n" * 6) is not None
    interim = HeaderCounter(limits)  # 1xx blocks count toward the caps
    assert interim.feed(b"HTTP/1.1 100 Continue\r\n\r\n" * 2) is None and not interim.done
    assert interim.feed(b"HTTP/1.1 100 Continue\r\n\r\n" * 2) is not None
    final = HeaderCounter(HeaderLimits())
    assert final.feed(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nA: 1\r\n\r\nbody") is None
    assert final.done and final.lines == 5


# -- the guard fails closed -----------------------------------------------------------------
def test_names_the_guard_cannot_resolve_are_refused_and_nothing_is_downloaded(
    crawls: Crawls,
) -> None:
    found = failures(crawls.mixed.config, "unresolvable")
    by_marker = {
        marker: {f.reason for f in found if marker in f.url + " " + f.detail}
        for marker in ("dot-ip", "dot-name", "dot-upper", "dot-spare")
    }
    assert by_marker == {m: {"refused-address"} for m in by_marker}, found
    assert crawls.hostile.forbidden_contacts() == []


def _failing_resolver(host: str, port: int) -> list:
    raise OSError(f"lookup of {host} failed")


def test_the_guard_refuses_a_name_whose_lookup_fails() -> None:
    """Fail closed: no address, no download (checked with an injected resolver, no DNS)."""
    from spiders.addresses import AddressGuard

    guard = AddressGuard()
    for url in ("http://news.example/a", "http://unknown-host.example:8080/"):
        reason = guard.check(url, _failing_resolver)
        assert reason is not None and "could not be resolved" in reason
        assert guard.refuse_resolved(url, []) is not None
    # the trailing dot of a fully qualified name is the same host: judged without any lookup
    for url in ("http://127.0.0.2./x", "http://localhost./x", "http://LOCALHOST.:6379/"):
        assert guard.check(url, _failing_resolver) is not None


def test_the_guard_refuses_a_name_with_any_internal_address() -> None:
    from ipaddress import ip_address

    from spiders.addresses import AddressGuard

    guard = AddressGuard()
    mixed = [ip_address("93.184.216.34"), ip_address("::1")]
    assert guard.check("http://rebind.example/", lambda h, p: mixed) is not None
    assert guard.check("http://public.example/", lambda h, p: mixed[:1]) is None


def test_the_guard_matches_scheme_host_and_port() -> None:
    """One outlet at http://127.0.3.1:8000 opens exactly that; what `outlets check` met
    (a robots ``Sitemap:`` line and a ``<link rel=alternate>`` to another port) is refused."""
    from spiders.addresses import AddressGuard

    guard = AddressGuard.for_urls(["http://127.0.3.1:8000/"], ["intranet.example"])
    assert guard.check("http://127.0.3.1:8000/feed.xml", _failing_resolver) is None
    assert guard.check("http://127.0.3.1.:8000/feed.xml", _failing_resolver) is None
    for refused in (
        "https://127.0.3.1:8000/feed.xml",  # another scheme
        "http://127.0.3.1:8001/sitemap.xml",  # another port (the robots Sitemap: line)
        "http://127.0.3.1/alternate.rss",  # the default port
        "http://127.0.3.2:8000/",  # another host
        "ftp://127.0.3.1:8000/",
    ):
        assert guard.check(refused, _failing_resolver) is not None, refused
    # allowed_domains open http:80 and https:443 of that name, without a lookup
    assert guard.check("https://intranet.example/", _failing_resolver) is None
    assert guard.check("http://intranet.example:8080/", _failing_resolver) is not None


def test_every_fetching_command_uses_the_one_guard() -> None:
    """crawl, --recrawl and workers all download through the guard middleware, which builds
    the scheme+host+port guard from the config."""
    from mediawatch.config import parse_config
    from spiders.distributed.keys import Keys
    from spiders.distributed.worker import worker_settings
    from spiders.middlewares import _guard
    from spiders.settings import scrapy_settings

    config = parse_config(
        {"outlets": [{"name": "a", "homepage": "http://127.0.3.1:8000/"}],
         "distributed": {"redis_url": "redis://127.0.0.1:1/0"}}
    )  # fmt: skip
    for settings in (scrapy_settings(config.crawl), worker_settings(config, "w", Keys(), "INFO")):
        assert "spiders.middlewares.AddressGuardMiddleware" in settings["DOWNLOADER_MIDDLEWARES"]
        assert "LimitedHTTP11DownloadHandler" in settings["DOWNLOAD_HANDLERS"]["https"]

    class Session:
        pass

    class Spider:
        session = Session()

    class Crawler:
        spider = Spider()

    Spider.session.config = config  # type: ignore[attr-defined]
    guard = _guard(Crawler())  # type: ignore[arg-type]
    assert guard.endpoints == frozenset({("http", "127.0.3.1", 8000)})


def test_a_recrawl_is_guarded_like_a_crawl(tmp_path: Path) -> None:
    """``crawl --recrawl``: stored articles that now redirect to another port of the
    outlet's host, or to a name with a trailing dot, are refused and recorded."""
    from spiders.runner import run_recrawl

    with hostile_server(tmp_path, hosts=1) as h:
        port = h.internal.rsplit(":", 1)[1]
        targets = {
            "flip-spare": h.spare + "/a/recrawl-spare.html",
            "flip-dot": f"http://localhost.:{port}/recrawl-dot",
        }
        links = [h.url(0, f"/flip/{name}", to=target) for name, target in targets.items()]
        config = write_config(
            tmp_path, [outlet("flips", h.outlets[0] + "/", feeds=[h.url(0, "/rss", link=links)])]
        )
        config = config.model_copy(
            update={"schedule": config.schedule.model_copy(update={"recrawl_after_days": [1e-5]})}
        )
        first = run_crawl(config, timeout_s=60)
        assert first.new == 2, first
        time.sleep(1.5)  # the articles reach the re-crawl age (~0.9 s)
        again = run_recrawl(config, timeout_s=60)
        assert again.fetched == 0 and again.failed == 2, again  # both refused, nothing else
        found = {
            name: {
                f.reason
                for f in failures(config, "flips")
                if target.rsplit("/", 1)[1] in f.url + " " + f.detail
            }
            for name, target in targets.items()
        }
        assert found == {name: {"refused-address"} for name in targets}, failures(config)
        assert h.forbidden_contacts() == []
