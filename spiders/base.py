"""What every discovery spider shares: fetching article pages and recording failures."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from mediawatch.config import OutletConfig
from pipeline.items import Evidence, FetchedPage, FetchFailure
from spiders.backlog import Backlog
from spiders.discovery import select_recent
from spiders.session import CrawlSession
from spiders.unreachable import REASON as UNREACHABLE
from spiders.unreachable import unreachable_kind

if TYPE_CHECKING:
    from spiders.discovery import Discovered

HTML_TYPES = (b"text/html", b"application/xhtml+xml")


class OutletSpider(scrapy.Spider):
    """Base class: subclasses discover article URLs; this class downloads and hands them on."""

    mode: str = ""  # "feeds" | "sitemaps" | "homepage"
    # Listings' article URLs wait in a compact backlog; the distributed worker sets False
    # (its scheduler queue is in Redis, not in this process's memory).
    use_backlog: bool = True
    refill_size: int = 64  # requests handed to Scrapy each time its scheduler runs dry

    def __init__(self, session: CrawlSession, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.backlog = Backlog()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> OutletSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.use_backlog:
            crawler.signals.connect(spider._refill, signal=signals.scheduler_empty)
            crawler.signals.connect(spider._refill_or_close, signal=signals.spider_idle)
            crawler.signals.connect(spider._closed_with_backlog, signal=signals.spider_closed)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for outlet in self.session.outlets_for(self.mode):
            for request in self.discovery_requests(outlet):
                if self.session.stopping:
                    self.session.unfinished.add(outlet.name)
                    return
                yield request

    def discovery_requests(self, outlet: OutletConfig) -> Iterator[scrapy.Request]:
        raise NotImplementedError

    # -- articles ---------------------------------------------------------------
    def article_request(
        self, outlet: OutletConfig, url: str, evidence: Evidence | None = None
    ) -> scrapy.Request | None:
        if not self.session.claim(outlet, url, evidence):
            return None
        return self._fetch(outlet.name, url, evidence)

    def _fetch(self, outlet: str, url: str, evidence: Evidence | None) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.on_error,
            meta={"outlet": outlet, "evidence": evidence, "stage": "fetch"},
        )

    def article_requests(
        self, outlet: OutletConfig, entries: list[Discovered]
    ) -> Iterator[scrapy.Request]:
        """Claim a listing's recent articles, newest first (``entries`` is emptied): into
        the backlog, and its first share as requests.

        Without the backlog (distributed workers) every claimed entry is yielded and
        released as it is handed on: Scrapy drains a callback's output between downloads,
        so a 20,000-URL sitemap goes out over minutes, and it must not stay alive all that time.
        """
        recent = select_recent(entries, self.session.config.crawl.max_age_days, self.session.now)
        entries.clear()
        recent.reverse()
        while recent:
            entry = recent.pop()
            if not self.session.claim(outlet, entry.url, entry.evidence):
                continue
            if self.use_backlog:
                self.backlog.add(outlet.name, entry.url, entry.evidence)
            else:
                yield self._fetch(outlet.name, entry.url, entry.evidence)
        yield from self._from_backlog()

    # -- the backlog ------------------------------------------------------------
    def _from_backlog(self) -> Iterator[scrapy.Request]:
        for outlet, url, evidence in self.backlog.take(self.refill_size):
            yield self._fetch(outlet, url, evidence)

    def _refill(self) -> None:
        if self.session.stopping:
            return  # what waits in the backlog is fetched next run (no validators kept)
        engine = self.crawler.engine
        for request in self._from_backlog():
            engine.crawl(request)

    def _refill_or_close(self) -> None:
        if len(self.backlog) and not self.session.stopping:
            self._refill()
            raise DontCloseSpider

    def _closed_with_backlog(self, reason: str) -> None:
        """Stopped early: the listings of outlets with URLs left must not answer 304 next run."""
        self.session.unfinished.update(self.backlog.outlets())
        if reason != "finished":  # requests may also have been waiting in Scrapy's scheduler
            self.session.unfinished.update(o.name for o in self.session.outlets_for(self.mode))

    def parse_article(self, response: Response) -> Iterator[FetchedPage]:
        outlet = response.meta["outlet"]
        stats = self.session.stats_for(outlet)
        stats.fetched += 1
        stats.bytes += len(response.body)
        content_type = response.headers.get(b"Content-Type", b"") or b""
        if content_type and not content_type.lower().startswith(HTML_TYPES):
            self.fail(response.url, outlet, "not-html", content_type.decode("latin-1"), "extract")
            return
        last_modified = response.headers.get(b"Last-Modified")
        yield FetchedPage(
            url=response.url,
            requested_url=response.meta.get("redirect_urls", [response.url])[0],
            outlet=outlet,
            status=response.status,
            body=response.body,
            fetched_at=datetime.now(UTC),
            content_type=content_type.decode("latin-1") or None,
            declared_encoding=_charset(content_type),
            last_modified=last_modified.decode("latin-1") if last_modified else None,
            evidence=response.meta.get("evidence"),
            discovered_via=self.mode.removesuffix("s") if self.mode != "homepage" else "homepage",
        )

    # -- failures ---------------------------------------------------------------
    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]  # Scrapy sets .request on errback failures
        if getattr(failure.value, "silent", False):  # stopped on purpose, nothing failed
            self.logger.debug("%s: %s", request.url, failure.value)
            return
        reason, status, detail = classify_failure(failure)
        stage = request.meta.get("stage", "fetch")
        self.fail(request.url, request.meta.get("outlet"), reason, detail, stage, status)

    def fail(
        self,
        url: str,
        outlet: str | None,
        reason: str,
        detail: str = "",
        stage: str = "fetch",
        status: int | None = None,
    ) -> None:
        if outlet:
            self.session.stats_for(outlet).fail(reason)
        self.logger.warning("%s %s: %s %s", stage, url, reason, detail)
        self.session.ingestor.record_failure(
            FetchFailure(url, outlet or "", reason, detail[:500], status, stage)
        )


def classify_failure(failure: Failure) -> tuple[str, int | None, str]:
    """Map a download failure to (reason, HTTP status, detail) for ``fetch_failures``.

    By exception type only: ``unreachable`` (DNS, refused, TLS, no answer in time) is
    told apart from refusals (``http-403``, ``robots``) and extraction failures.
    """
    exc = failure.value
    reason = getattr(exc, "failure_reason", None)  # set by spiders.middlewares
    if isinstance(reason, str):
        return reason, None, str(exc)
    if isinstance(exc, HttpError):
        status = exc.response.status
        return f"http-{status}", status, ""
    kind = unreachable_kind(exc)
    if kind is not None:
        return UNREACHABLE, None, f"{kind}: {exc}"
    text = str(exc)
    if isinstance(exc, IgnoreRequest):
        # Scrapy's decompression guard says "over the size limit" only in its message
        if any(word in text.lower() for word in ("maxsize", "max size", "exceeds")):
            return "oversize", None, text
        return "ignored", None, text
    return type(exc).__name__.lower(), None, text


def _charset(content_type: bytes) -> str | None:
    for part in content_type.decode("latin-1").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ").lower()
    return None
