"""The download layer against a hostile web: one real crawl, many hostile outlets.

The crawl (``spiders.runner.run_crawl``, a child process with the three spiders) runs
once against ``tests/hostile/server.py``; each test checks one row of the catalogue in
docs/reliability.md against the warehouse and the server's own request log.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pytest

from mediawatch.config import Config
from spiders.addresses import classify, parse_ip, refuse_reason
from spiders.runner import CrawlResult, run_crawl
from tests.hostile.crawl import FAST_CRAWL, article_urls, failures, reasons_by_url, write_config
from tests.hostile.harness import Hostile, MemoryWatch, hostile_server, outlet

MAX_CRAWL_RSS = 400 * 1024**2  # per process; the brotli bomb expands to 512 MiB


@dataclass
class Crawl:
    hostile: Hostile
    config: Config
    result: CrawlResult
    memory: MemoryWatch
    seconds: float
    canary: Path
    ssrf_starts: dict[str, str]
    ssrf_markers: dict[str, str]


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    directory = tmp_path_factory.mktemp("hostile-download")
    with hostile_server(
        directory, hosts=5, robots={2: "503", 3: "hang", 4: "404"}, bombs=True
    ) as h:
        canary = directory / "canary.html"
        canary.write_text("<html><body><p>CANARY-7f3a " + "word " * 100 + "</p></body></html>")
        port = h.internal.rsplit(":", 1)[1]
        # every target carries a unique marker, found again in the failure's URL or detail
        targets = {
            "loopback": h.internal + "/ssrf-loopback",
            "localhost-name": h.localhost + "/ssrf-localhost",
            "decimal-ip": f"http://2130706434:{port}/ssrf-decimal",
            "ipv4-mapped-ipv6": f"http://[::ffff:127.0.0.2]:{port}/ssrf-mapped",
            "other-port-of-outlet-host": h.spare + "/a/ssrf-spare.html",
            "file": canary.as_uri(),
            "ftp": "ftp://127.0.0.2/ssrf-ftp",
            "data": "data:text/html,<p>ssrf-data</p>",
            "javascript": "javascript:alert('ssrf-js')",
        }
        ssrf = {name: h.url(0, "/redirect", to=t) for name, t in targets.items()}
        ssrf["meta-refresh"] = h.url(0, "/meta-refresh", to=h.internal + "/ssrf-meta")
        ssrf["second-hop"] = h.url(
            0, "/redirect", to=h.url(1, "/redirect", to=h.internal + "/ssrf-hop2")
        )
        markers = {
            **{name: t.rsplit("/", 1)[-1] for name, t in targets.items()},
            "data": "ssrf-data", "javascript": "ssrf-js",
            "meta-refresh": "ssrf-meta", "second-hop": "ssrf-hop2",
        }  # fmt: skip
        bombs = ["gzip", "deflate", "huge-length", "endless"] + (["br"] if h.brotli else [])

        def feed(host: int, *paths: str) -> list[str]:
            links = [p if "://" in p else h.url(host, p) for p in paths]
            return [h.url(host, "/rss", link=links)]

        home = h.outlets[0] + "/"
        outlets = [
            outlet("ssrf", home, feeds=feed(0, *ssrf.values(), h.internal + "/direct.html")),
            outlet("oversize", home, feeds=feed(0, *(f"/bomb/{b}" for b in bombs))),
            outlet("sitemap-bomb", home, discovery=["sitemaps"], sitemaps=[h.url(0, "/bomb/sitemap.xml.gz")]),
            outlet("timeouts", home, feeds=feed(0, "/slow/drip", "/slow/headers", "/slow/silent")),
            outlet("statuses", home, feeds=feed(0, *(f"/status/{c}" for c in (500, 502, 503, 504, 408, 403, 404, 410)))),
            outlet("retry-after", h.outlets[1] + "/", feeds=feed(1, h.url(1, "/status/429", retry_after="3"))),
            outlet("redirects", home, feeds=feed(0, "/redirect/loop", "/redirect/pingpong", "/meta-loop", "/redirect/chain/10", "/redirect/chain/2")),
            outlet("truncated", home, feeds=feed(0, "/truncated/length", "/truncated/chunked")),
            outlet("robots-503", h.outlets[2] + "/", feeds=feed(2, "/a/r503.html")),
            outlet("robots-hang", h.outlets[3] + "/", feeds=feed(3, "/a/rhang.html")),
            outlet("robots-404", h.outlets[4] + "/", feeds=feed(4, "/a/r404.html")),
            outlet("robots-private", home, feeds=feed(0, "/private/secret.html", "/a/public.html")),
        ]  # fmt: skip
        config = write_config(directory, outlets)
        started = time.monotonic()
        with MemoryWatch() as memory:
            result = run_crawl(config, timeout_s=120)
        seconds = time.monotonic() - started
        memory.peak.pop(h.proc.pid, None)
        yield Crawl(h, config, result, memory, seconds, canary, ssrf, markers)


def _by_path(crawl: Crawl, outlet_name: str) -> dict[str, set[str]]:
    return {
        "/" + url.split("/", 3)[3]: reasons
        for url, reasons in reasons_by_url(crawl.config, outlet_name).items()
    }


# -- 6. SSRF -------------------------------------------------------------------------------
def test_ssrf_no_connection_ever_reaches_an_internal_listener(crawl: Crawl) -> None:
    assert crawl.result.status in ("ok", "partial"), crawl.result.error
    assert crawl.hostile.forbidden_contacts() == []


@pytest.mark.parametrize(
    "case",
    [
        "loopback", "localhost-name", "decimal-ip", "ipv4-mapped-ipv6",
        "other-port-of-outlet-host", "file", "ftp", "data", "meta-refresh", "second-hop",
    ],
)  # fmt: skip
def test_ssrf_every_hop_is_refused_and_recorded(crawl: Crawl, case: str) -> None:
    marker = crawl.ssrf_markers[case]
    found = [f for f in failures(crawl.config, "ssrf") if marker in unquote(f.url) + " " + f.detail]
    assert {f.reason for f in found} == {"refused-address"}, found


def test_ssrf_javascript_redirect_is_refused_not_a_crash(crawl: Crawl) -> None:
    start = crawl.ssrf_starts["javascript"]
    assert {f.reason for f in failures(crawl.config, "ssrf") if f.url == start} == {
        "refused-address"
    }


def test_ssrf_feed_items_off_the_outlet_are_never_fetched_and_no_file_is_read(crawl: Crawl) -> None:
    assert not [u for u in article_urls(crawl.config) if "127.0.0.2" in u or "spare" in u]
    text = " ".join(r for r in _all_text(crawl.config))
    assert "CANARY-7f3a" not in text and "internal service" not in text


def _all_text(config) -> list[str]:
    from tests.hostile.crawl import rows

    return [t or "" for (t,) in rows(config, "SELECT text FROM articles")] + [
        d or "" for (d,) in rows(config, "SELECT detail FROM fetch_failures")
    ]


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://10.1.2.3/", "private"),
        ("http://172.16.0.1/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://100.64.0.1/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[fe80::1]/", "link-local"),
        ("http://[fd00::1]/", "private"),
        ("http://[::ffff:10.0.0.1]/", "private"),
        ("http://[::ffff:169.254.169.254]/", "link-local"),
        ("http://[::1]/", "loopback"),
        ("http://0x7f.0.0.1/", "loopback"),
        ("http://0177.0.0.1/", "loopback"),
        ("http://127.1/", "loopback"),
        ("http://3232235777/", "private"),  # 192.168.1.1 as one decimal number
        ("http://0.0.0.0/", "unspecified"),
        ("http://224.0.0.1/", "multicast"),
    ],
)
def test_address_classifier_refuses_private_and_link_local_ranges(url: str, kind: str) -> None:
    """Checked with the classifier, never by connecting to these ranges."""
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname or ""
    ip = parse_ip(host)
    assert ip is not None and classify(ip) == kind
    assert refuse_reason(url, frozenset()) is not None
    assert refuse_reason("http://93.184.216.34/", frozenset()) is None  # a public address


def test_address_classifier_allows_only_the_configured_endpoint() -> None:
    allowed = frozenset({"127.0.3.1:8000"})
    assert refuse_reason("http://127.0.3.1:8000/feed", allowed) is None
    assert refuse_reason("http://127.0.3.1:6379/", allowed) is not None
    assert refuse_reason("http://127.0.3.2:8000/", allowed) is not None
    for url in ("file:///etc/passwd", "ftp://x/", "data:,x", "javascript:alert(1)", "gopher://x/"):
        assert refuse_reason(url, allowed) is not None
    # a name that resolved to a private address is refused on the resolved address
    assert refuse_reason("http://intranet.example/", allowed, parse_ip("10.0.0.5")) is not None


# -- 7. robots.txt ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("host", "name", "reason"),
    [(2, "robots-503", "robots-unavailable"), (3, "robots-hang", "unreachable")],
)
def test_robots_unavailable_disallows_the_host_for_the_run(
    crawl: Crawl, host: int, name: str, reason: str
) -> None:
    """A 5xx robots.txt answered (the host is *blocked* for the run); one that never answers
    is *unreachable*; either way nothing else is requested from the host."""
    h = crawl.hostile
    assert [e.path for e in h.requests(host) if e.path != "/robots.txt"] == []
    assert {f.reason for f in failures(crawl.config, name)} == {reason}
    assert article_urls(crawl.config, name) == set()


def test_robots_404_allows_and_disallowed_path_is_never_requested(crawl: Crawl) -> None:
    assert len(article_urls(crawl.config, "robots-404")) == 1
    assert crawl.hostile.requests(0, "/private/") == []
    assert {f.reason for f in failures(crawl.config, "robots-private")} == {"robots"}
    assert len(article_urls(crawl.config, "robots-private")) == 1


# -- 3. statuses, back-off, Retry-After ---------------------------------------------------------
@pytest.mark.parametrize("code", [500, 502, 503, 504, 408, 403, 404, 410])
def test_status_matrix_retried_or_not(crawl: Crawl, code: int) -> None:
    attempts = [e.t for e in crawl.hostile.requests(0, f"/status/{code}")]
    retried = code >= 500 or code == 408
    assert len(attempts) == (1 + FAST_CRAWL["retries"] if retried else 1), attempts
    if retried:
        assert attempts[1] - attempts[0] >= 0.9  # back-off before the retry
    assert _by_path(crawl, "statuses")[f"/status/{code}"] == {f"http-{code}"}


def test_retry_after_pauses_the_host(crawl: Crawl) -> None:
    attempts = [e.t for e in crawl.hostile.requests(1, "/status/429")]
    assert len(attempts) == 1 + FAST_CRAWL["retries"]
    assert attempts[1] - attempts[0] >= 3.0, attempts
    # Nothing else went to that host meanwhile, except requests already on the wire when the
    # 429 arrived (sent within a moment of it, before the crawler could read the answer).
    in_flight = 0.3
    later = [
        (e.path, round(e.t - attempts[0], 3))
        for e in crawl.hostile.requests(1)
        if attempts[0] + in_flight < e.t < attempts[0] + 3.0
    ]
    assert later == []
    assert {f.reason for f in failures(crawl.config, "retry-after")} == {"http-429"}


# -- 1. size limits -----------------------------------------------------------------------------
def test_bombs_and_endless_bodies_stop_at_the_size_limit(crawl: Crawl) -> None:
    found = _by_path(crawl, "oversize")
    expected = {"/bomb/gzip", "/bomb/deflate", "/bomb/huge-length", "/bomb/endless"}
    if crawl.hostile.brotli:  # the `brotli` package is importable: the brotli bomb is served too
        expected.add("/bomb/br")
    assert set(found) == expected
    assert all(reasons == {"oversize"} for reasons in found.values()), found
    assert all(len(crawl.hostile.requests(0, p)) == 1 for p in expected)  # never retried
    assert article_urls(crawl.config, "oversize") == set()


def test_gzipped_sitemap_bomb_is_recorded_as_oversize(crawl: Crawl) -> None:
    [failure] = failures(crawl.config, "sitemap-bomb")
    assert failure.reason == "oversize" or (
        failure.reason == "bad-sitemap" and failure.detail.startswith("oversize")
    ), failure


def test_crawl_memory_stays_bounded(crawl: Crawl) -> None:
    assert crawl.memory.peak, "no crawl process was observed"
    assert crawl.memory.max_rss < MAX_CRAWL_RSS, {
        pid: rss // 2**20 for pid, rss in crawl.memory.peak.items()
    }


# -- 2. timeouts -------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/slow/drip", "/slow/headers", "/slow/silent"])
def test_slow_servers_time_out_with_bounded_retries(crawl: Crawl, path: str) -> None:
    assert len(crawl.hostile.requests(0, path)) == 1 + FAST_CRAWL["retries"]
    assert _by_path(crawl, "timeouts")[path] == {"unreachable"}


def test_the_whole_hostile_crawl_is_bounded_in_time(crawl: Crawl) -> None:
    # timeouts x attempts + back-off + Retry-After, with margin; never the servers' 1 h sleeps
    assert crawl.seconds < 60, crawl.seconds


# -- 4. redirects ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("hops", "reason"),
    [
        (["/redirect/loop"], "redirect-loop"),
        (["/redirect/pingpong", "/redirect/pong"], "redirect-loop"),
        (["/meta-loop"], "redirect-loop"),
        ([f"/redirect/chain/{n}" for n in range(10, 6, -1)], "too-many-redirects"),
    ],
)
def test_redirect_loops_and_long_chains_are_stopped_and_recorded(
    crawl: Crawl, hops: list[str], reason: str
) -> None:
    """Recorded once, against the hop where the crawl stopped."""
    found = _by_path(crawl, "redirects")
    assert [found[p] for p in hops if p in found] == [{reason}]
    assert len(crawl.hostile.requests(0, "/redirect/chain/")) <= 4 + 3  # 10..7, then 2..0


def test_short_redirect_chain_is_followed(crawl: Crawl) -> None:
    assert {u.rsplit("/", 1)[1] for u in article_urls(crawl.config, "redirects")} == {
        "end-of-chain.html"
    }


# -- 5. truncated bodies -----------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/truncated/length", "/truncated/chunked"])
def test_truncated_bodies_are_never_stored(crawl: Crawl, path: str) -> None:
    assert article_urls(crawl.config, "truncated") == set()
    assert _by_path(crawl, "truncated")[path] == {"truncated"}
