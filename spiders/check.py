"""``mediawatch outlets check`` and ``outlets add``: what a site exposes, and whether it answers.

Runs a small spider in a child process (like every crawl). Per site it asks robots.txt
first: a site that never answers (DNS, refused, TLS, timeout) is reported *unreachable*
after one request, and nothing is advised about it, since nothing was learned. A site that
answers has its homepage read for ``<link rel="alternate">`` feeds, its robots.txt
``Sitemap:`` lines used, and common feed and sitemap paths probed. Every request passes
the crawl's own address guard and size limits (the check's config names the sites being
checked exactly as a crawl's config would), so the check reaches nothing a crawl refuses.
"""

from __future__ import annotations

import multiprocessing
import queue
import re
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

from mediawatch.config import Config, OutletConfig
from mediawatch.errors import TransientError

# states of a checked site
OK, BLOCKED, ERROR, UNREACHABLE, REFUSED = "ok", "blocked", "error", "unreachable", "refused"
_BLOCKING_STATUSES = (401, 403, 407, 429, 451)


@dataclass
class OutletCheck:
    outlet: str
    url: str
    state: str = UNREACHABLE
    reason: str = "no answer before the check ended"
    homepage_status: int | None = None
    final_url: str | None = None  # the homepage after redirects
    robots: str | None = None  # "ok", "missing (HTTP 404)", or why it could not be read
    site_name: str | None = None
    language: str | None = None
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "url: why" for refused or oversized
    listed: dict[str, str] = field(default_factory=dict)  # configured feed/sitemap -> "ok" | why
    index: int = 0  # position among the checked outlets

    @property
    def reached(self) -> bool:
        """The site answered at least once: what it said may be advised on."""
        return self.state in (OK, BLOCKED, ERROR)

    def summary(self) -> str:
        if self.state == UNREACHABLE:
            return f"unreachable ({self.reason})"
        if self.state == REFUSED:
            return f"refused by the address guard ({self.reason})"
        head = f"homepage HTTP {self.homepage_status}" if self.homepage_status else "homepage"
        if self.state != OK:
            head += f" — {self.state}: {self.reason}"
        return f"{head}, robots.txt {self.robots or 'not read'}"

    def toml(self) -> str | None:
        """Lines to paste into the outlet's entry; None for a site never reached."""
        if not self.reached:
            return None
        import tomlkit  # quotes and escapes whatever a hostile site put in a URL

        lines = [f"# {self.outlet}"]
        found = {"feeds": self.feeds, "sitemaps": self.sitemaps}
        lines += [tomlkit.dumps({k: v}).rstrip("\n") for k, v in found.items() if v]
        if not self.feeds and not self.sitemaps:
            lines.append('# no feed or sitemap found: discovery = ["homepage"]')
        return "\n".join(lines)


def unreachable_reason(exc: BaseException) -> str | None:
    """Why no connection was made (DNS, refused, TLS, timeout), or None if one was.

    Looks through the exception's causes: Scrapy wraps Twisted's errors, and the address
    guard retypes timeouts.
    """
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            break
        name, text = type(seen).__name__, str(seen)
        if name in ("CannotResolveHostError", "DNSLookupError") or "DNS lookup failed" in text:
            return "DNS lookup failed"
        if name in ("DownloadConnectionRefusedError", "ConnectionRefusedError"):
            return "connection refused"
        if re.search(r"\b(SSL|TLS|certificate)\b", text, re.I) or "SSL" in name:
            return "TLS handshake failed"
        if name in ("DownloadTimeoutError", "TimeoutError", "TCPTimedOutError", "Timeout"):
            return "timed out"
        if name in ("ConnectError", "NoRouteError", "ConnectionLost", "ResponseNeverReceived"):
            return f"connection failed ({text[:120] or name})"
        seen = seen.__cause__ or seen.__context__
    return None


def time_limit(outlets: int) -> float:
    """Seconds a check of this many outlets may take before it reports what it has."""
    return float(min(120 + 5 * outlets, 1800))


def check_outlets(
    config: Config,
    outlets: list[OutletConfig],
    timeout_s: float | None = None,
    probe: bool = True,
    log_level: str = "CRITICAL",
) -> list[OutletCheck]:
    """Check each outlet in a child process; ``probe`` also looks for feeds and sitemaps.

    Outlets not in ``config`` (a URL, a collection entry) are named to the address guard
    the way a config names them: their homepage's scheme, host and port, nothing more.
    """
    timeout_s = timeout_s or time_limit(len(outlets))
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    args = (config, outlets, probe, timeout_s, log_level, results)
    child = ctx.Process(target=_check_main, args=args)
    child.start()
    deadline = time.monotonic() + timeout_s + 30  # the spider closes itself at timeout_s
    try:
        # read before joining: a child cannot exit while its result is still in the pipe
        while True:
            try:
                found: list[OutletCheck] = results.get(timeout=0.5)
                break
            except queue.Empty:
                if not child.is_alive() and results.empty():
                    raise TransientError(
                        f"outlet check failed (exit code {child.exitcode})"
                    ) from None
                if time.monotonic() > deadline:
                    raise TransientError(
                        f"outlet check did not finish within {timeout_s:.0f} s"
                    ) from None
        child.join(30)
        return found
    finally:
        if child.is_alive():  # Ctrl-C, a time-out: the check leaves nothing behind
            child.kill()
            child.join()


def guard_config(config: Config, outlets: list[OutletConfig]) -> Config:
    """``config`` with ``outlets`` added: what the crawl's address guard reads.

    Only their addresses matter to the guard, so a name shared with a configured outlet
    is no reason to leave one out.
    """
    return config.model_copy(update={"outlets": [*config.outlets, *outlets]})


@dataclass
class _Session:
    """What the address guard middleware reads from a spider's ``session``."""

    config: Config


def _over_a_limit(exc: BaseException) -> bool:
    """Refused by the guard or a limit (size, also once decompressed), not a plain miss."""
    from scrapy.exceptions import IgnoreRequest

    from spiders.middlewares import CrawlRefusal

    text = str(exc).lower()
    if isinstance(exc, CrawlRefusal):
        return True
    return isinstance(exc, IgnoreRequest) and "size" in text and "max" in text


def _failure_reason(exc: BaseException) -> str:
    if _over_a_limit(exc) and "size" in str(exc).lower():
        return "over the size limit ([crawl] max_page_bytes, also after decompression)"
    status = getattr(getattr(exc, "response", None), "status", None)
    return f"HTTP {status}" if status else (str(exc)[:200] or type(exc).__name__)


def _check_main(
    config: Config,
    outlets: list[OutletConfig],
    probe: bool,
    timeout_s: float,
    log_level: str,
    results: Any,
) -> None:
    import scrapy
    from scrapy.crawler import CrawlerProcess
    from scrapy.http import Response

    from spiders.discovery import (
        common_feed_urls,
        common_sitemap_urls,
        feeds_from_html,
        parse_feed,
        parse_sitemap,
        sitemaps_from_robots,
    )
    from spiders.middlewares import CrawlRefusal, RefusedAddress
    from spiders.settings import scrapy_settings

    # keyed by position: two checked sites may share a name (a URL and a configured outlet)
    checks = {i: OutletCheck(o.name, o.homepage, index=i) for i, o in enumerate(outlets)}
    asked: set[tuple[int, str]] = set()  # (outlet, url): a URL found twice is fetched once
    answering = list(range(400, 600))  # statuses the callbacks see (redirects still followed)

    class CheckSpider(scrapy.Spider):
        name = "check"
        session = _Session(guard_config(config, outlets))

        def _request(self, url: str, callback: Any, outlet: int, **meta: Any) -> scrapy.Request:
            asked.add((outlet, url))
            return scrapy.Request(
                url, callback, errback=self.probe_failed, dont_filter=True,
                meta={"outlet": outlet, **meta},
            )  # fmt: skip

        async def start(self) -> AsyncIterator[scrapy.Request]:
            for i, o in enumerate(outlets):
                base = "/".join(o.homepage.split("/", 3)[:3])
                request = self._request(base + "/robots.txt", self.robots, i)
                request.meta.update(dont_obey_robotstxt=True, handle_httpstatus_list=answering)
                yield request.replace(errback=self.robots_failed)

        def robots(self, response: Response) -> Iterator[scrapy.Request]:
            check = checks[response.meta["outlet"]]
            if response.status < 300:
                check.robots = "ok"
                if probe:
                    for url in sitemaps_from_robots(response.text, response.url):
                        yield from self._probe(url, self.probe_sitemap, check.index, linked=True)
            elif response.status < 500:
                check.robots = f"missing (HTTP {response.status})"
            else:
                check.robots = f"HTTP {response.status}: the crawl will not fetch this host for now"
            yield from self._homepage(check)

        def robots_failed(self, failure: Any) -> Iterator[scrapy.Request]:
            check = checks[failure.request.meta["outlet"]]
            if self._unreached(check, failure.value):
                return
            check.robots = _failure_reason(failure.value)
            yield from self._homepage(check)

        def _unreached(self, check: OutletCheck, exc: BaseException) -> bool:
            """Record a site that was never reached (or must not be); True if so."""
            why = unreachable_reason(exc)
            if why:
                check.state, check.reason = UNREACHABLE, why
            elif isinstance(exc, RefusedAddress):
                check.state, check.reason = REFUSED, str(exc).removeprefix("refused address: ")
            return bool(why) or isinstance(exc, RefusedAddress)

        def _homepage(self, check: OutletCheck) -> Iterator[scrapy.Request]:
            request = self._request(check.url, self.homepage, check.index)
            request.meta["handle_httpstatus_list"] = answering
            yield request.replace(errback=self.homepage_failed)

        def homepage(self, response: Response) -> Iterator[scrapy.Request]:
            check = checks[response.meta["outlet"]]
            check.homepage_status, check.final_url = response.status, response.url
            if response.status in _BLOCKING_STATUSES:
                check.state, check.reason = BLOCKED, f"the homepage answered HTTP {response.status}"
            elif response.status >= 400:
                check.state, check.reason = ERROR, f"the homepage answered HTTP {response.status}"
            else:
                check.state, check.reason = OK, ""
                if isinstance(response, scrapy.http.TextResponse):
                    name = response.xpath("//meta[@property='og:site_name']/@content").get()
                    check.site_name = (name or "").strip()[:100] or None
                    lang = (response.xpath("/html/@lang").get() or "")[:2].lower()
                    check.language = lang if re.fullmatch("[a-z]{2}", lang) else None
                    if probe:
                        for url in feeds_from_html(response.body, response.url):
                            yield from self._probe(url, self.probe_feed, check.index, linked=True)
            yield from self._follow_ups(check)

        def homepage_failed(self, failure: Any) -> Iterator[scrapy.Request]:
            check = checks[failure.request.meta["outlet"]]
            if self._unreached(check, failure.value):
                return
            kind = BLOCKED if not isinstance(failure.value, CrawlRefusal) else ERROR
            check.state, check.reason = kind, _failure_reason(failure.value)
            yield from self._follow_ups(check)

        def _follow_ups(self, check: OutletCheck) -> Iterator[scrapy.Request]:
            """The site answered: verify its listed feeds and sitemaps, probe common paths."""
            outlet = outlets[check.index]
            for url in outlet.feeds:
                yield self._request(url, self.probe_feed, check.index, listed=True)
            for url in outlet.sitemaps:
                yield self._request(url, self.probe_sitemap, check.index, listed=True)
            if probe:
                base = check.final_url if check.state == OK and check.final_url else check.url
                for url in common_feed_urls(base):
                    yield from self._probe(url, self.probe_feed, check.index)
                for url in common_sitemap_urls(base):
                    yield from self._probe(url, self.probe_sitemap, check.index)

        def _probe(
            self, url: str, callback: Any, outlet: int, linked: bool = False
        ) -> Iterator[scrapy.Request]:
            """``linked``: the site names this URL (not a guess), so a failure is news."""
            if (outlet, url) not in asked:
                yield self._request(url, callback, outlet, linked=linked)

        def probe_feed(self, response: Response) -> None:
            result = parse_feed(response.body, response.url)
            ok = not result.error and bool(result.entries)
            self._found(response, ok, result.error or "no entries", "feeds",
                        f"{result.kind}, {len(result.entries)} entries")  # fmt: skip

        def probe_sitemap(self, response: Response) -> None:
            result = parse_sitemap(response.body, response.url)
            size = len(result.children) if result.kind == "index" else len(result.entries)
            ok = not result.error and bool(size)
            self._found(response, ok, result.error or "no entries", "sitemaps",
                        f"sitemap {result.kind}, {size} entries")  # fmt: skip

        def _found(self, response: Response, ok: bool, error: str, kind: str, note: str) -> None:
            check = checks[response.meta["outlet"]]
            requested = response.request.url if response.request else response.url
            if response.meta.get("listed"):
                check.listed[requested] = "ok" if ok else error
            found = getattr(check, kind)
            if ok and response.url not in found:
                found.append(response.url)
                check.notes.append(f"{response.url}: {note}")

        def probe_failed(self, failure: Any) -> None:
            check = checks[failure.request.meta["outlet"]]
            reason = unreachable_reason(failure.value) or _failure_reason(failure.value)
            meta = failure.request.meta
            if meta.get("listed"):
                check.listed[failure.request.url] = reason
            elif meta.get("linked") or _over_a_limit(failure.value):
                check.skipped.append(f"{failure.request.url}: {reason}")

    settings = scrapy_settings(config.crawl, log_level=log_level)
    settings["ITEM_PIPELINES"] = {}
    settings["EXTENSIONS"] = {"scrapy.extensions.logstats.LogStats": None}
    settings["RETRY_TIMES"] = min(config.crawl.retries, 1)
    settings["CLOSESPIDER_TIMEOUT"] = timeout_s
    process = CrawlerProcess(settings)
    process.crawl(CheckSpider)
    process.start()
    results.put(list(checks.values()))
