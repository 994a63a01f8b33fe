"""Downloader middlewares that make the crawl safe and polite.

- ``AddressGuardMiddleware``: no request (first hop or redirect) to a non-public address
  unless the config names that host and port; download errors become typed failures.
- ``RedirectGuardMiddleware``: a redirect (3xx or meta refresh) to a refused address, a
  loop, or one hop too many is stopped and recorded *before* Scrapy follows it (Scrapy's
  own dupefilter would drop a loop silently).
- ``RobotsPolicyMiddleware``: RFC 9309 — robots.txt answering 5xx or not answering
  means "disallow for now"; 4xx means "allow".
- ``PoliteRetryMiddleware``: retries back off, and 429/503 ``Retry-After`` pauses the
  whole host, not just the one request.

Failures raised here carry ``failure_reason``, the ``fetch_failures.reason`` they stand for.
"""

from __future__ import annotations

import email.utils
import logging
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import HtmlResponse, Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import get_meta_refresh
from twisted.internet.defer import TimeoutError as DeferredTimeoutError
from twisted.internet.error import TCPTimedOutError
from twisted.internet.error import TimeoutError as TwistedTimeoutError

from spiders.addresses import (
    AddressGuard,
    IPAddress,
    parse_ip,
    resolve_all,
)
from spiders.scrapy_compat import (
    RobotsOutcomeMiddleware,
    hold_slot,
    is_data_loss,
    is_decompression_oversize,
)
from spiders.unreachable import unreachable_kind

REDIRECT_STATUSES = (301, 302, 303, 307, 308)


class CrawlRefusal(IgnoreRequest):
    """A request the crawl stopped on purpose; ``failure_reason`` names why."""

    failure_reason = "refused"


class RefusedAddress(CrawlRefusal):
    """The URL points at an address the crawl must not reach."""

    failure_reason = "refused-address"


class RedirectLoop(CrawlRefusal):
    failure_reason = "redirect-loop"


class TooManyRedirects(CrawlRefusal):
    failure_reason = "too-many-redirects"


class ListingCycle(CrawlRefusal):
    """A sitemap redirects back up the chain of listings that led to it."""

    failure_reason = "sitemap-cycle"


class ListingAlreadyRead(CrawlRefusal):
    """A sitemap redirects to one this run has read already: not fetched twice, not a failure."""

    failure_reason = "listing-read"
    silent = True


class Oversize(CrawlRefusal):
    """The body is larger than ``[crawl] max_page_bytes`` (announced, streamed or inflated)."""

    failure_reason = "oversize"


class Truncated(CrawlRefusal):
    """The connection ended before the announced body did; nothing of it is kept."""

    failure_reason = "truncated"


class Timeout(CrawlRefusal):
    """No answer in time: counted as *unreachable*, like DNS, refused and TLS failures."""

    failure_reason = "unreachable"


def _guard(crawler: Crawler) -> AddressGuard:
    """The spider's ``address_guard``, else one for its session's config (scheme, host, port).

    With neither, only public addresses are allowed (fail closed): bare host names
    (the old ``allowed_hosts``) opened every port of those hosts, and are not read.
    """
    spider = crawler.spider
    guard = getattr(spider, "address_guard", None)
    if isinstance(guard, AddressGuard):
        return guard
    session = getattr(spider, "session", None)
    config = getattr(session, "config", None)
    if config is not None and hasattr(config, "outlets"):
        return AddressGuard.for_config(config)
    return AddressGuard()  # nothing configured: public addresses only


class AddressGuardMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._resolved: dict[str, tuple[list[IPAddress], str]] = {}
        self._guard_cache: AddressGuard | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        return cls(crawler)

    def _guard(self) -> AddressGuard:
        if self._guard_cache is None:
            self._guard_cache = _guard(self.crawler)
        return self._guard_cache

    async def process_request(self, request: Request) -> None:
        _own_slot_after_redirect(request)
        guard = self._guard()
        reason = guard.refuse_reason(request.url)
        host = guard.lookup_host(request.url) if reason is None else None
        if host is not None:
            # a name the config does not name: every address it resolves to must be public;
            # no address (the lookup failed) is refused, never waved through
            addresses, error = await self._resolve(host, urlparse_cached(request).port or 80)
            reason = guard.refuse_resolved(request.url, addresses, error)
        if reason:
            raise RefusedAddress(f"refused address: {reason}")

    def process_response(self, request: Request, response: Response) -> Response:
        """A redirect Scrapy declined to follow (file:, ftp:, data:) is still an attack; and
        the address actually connected to must be one the guard allows (DNS may change)."""
        guard = self._guard()
        location = (
            response.headers.get(b"Location") if response.status in REDIRECT_STATUSES else None
        )
        if location:
            target = urljoin(response.url, location.decode("latin-1"))
            reason = guard.refuse_reason(target)
            if reason:
                raise RefusedAddress(f"refused redirect to {target[:200]}: {reason}")
        peer = parse_ip(str(response.ip_address)) if response.ip_address is not None else None
        if peer is not None and not guard.configured(response.url):
            reason = guard.refuse_resolved(response.url, [peer])
            if reason:
                raise RefusedAddress(f"connected to a refused address: {reason}")
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        """Last in the chain (after retries gave up): name download errors for the record."""
        typed = typed_download_error(exception)
        if typed is not None:
            raise typed from exception

    async def _resolve(self, host: str, port: int) -> tuple[list[IPAddress], str]:
        if host not in self._resolved:
            from twisted.internet.threads import deferToThread

            try:
                found = await maybe_deferred_to_future(deferToThread(resolve_all, host, port))
                self._resolved[host] = (list(found), "")
            except Exception as exc:  # fail closed: the request is refused
                self._resolved[host] = ([], f"{type(exc).__name__}: {exc}")
        return self._resolved[host]


def _own_slot_after_redirect(request: Request) -> None:
    """A redirect to another host must queue in that host's slot (and obey its pause).

    Scrapy copies ``meta`` into the redirected request, ``download_slot`` included.
    """
    hops = request.meta.get("redirect_urls")
    slot = request.meta.get("download_slot")
    if not hops or slot is None:
        return
    previous = (urlsplit(hops[-1]).hostname or "").lower()
    if slot == previous and slot != (urlparse_cached(request).hostname or "").lower():
        del request.meta["download_slot"]


def typed_download_error(exc: Exception) -> CrawlRefusal | None:
    """Scrapy's and Twisted's download errors as the failures we record, or None."""
    text = str(exc)
    if isinstance(exc, CrawlRefusal):
        return None
    if isinstance(exc, DownloadCancelledError) or is_decompression_oversize(exc):
        return Oversize(f"body over the size limit: {text[:300]}")
    if isinstance(exc, ResponseDataLossError) or is_data_loss(exc) or is_data_loss(exc.__cause__):
        return Truncated(f"connection closed before the body was complete: {text[:300]}")
    if isinstance(exc, _TIMEOUTS):
        return Timeout("no answer in time: " + (text[:300] or "download timed out"))
    return None


# Scrapy's own; Twisted's connection, user and Deferred timeouts; asyncio's (the builtin)
_TIMEOUTS = (
    DownloadTimeoutError,
    TwistedTimeoutError,
    TCPTimedOutError,
    DeferredTimeoutError,
    TimeoutError,
)


class RedirectGuardMiddleware:
    """Runs before Scrapy's redirect and meta-refresh middlewares see the response."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_redirects = crawler.settings.getint("REDIRECT_MAX_TIMES")
        self.max_meta_delay = crawler.settings.getint("METAREFRESH_MAXDELAY")
        self._guard_cache: AddressGuard | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectGuardMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get("dont_redirect"):
            return response
        target = self._target(response)
        if target is None:
            return response
        if self._guard_cache is None:
            self._guard_cache = _guard(self.crawler)
        reason = self._guard_cache.refuse_reason(target)
        if reason:
            raise RefusedAddress(f"refused redirect to {target[:200]}: {reason}")
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if _same(target) in {_same(u) for u in chain}:
            raise RedirectLoop(f"redirect loop back to {target[:200]} after {len(chain)} hop(s)")
        if len(chain) > self.max_redirects:
            raise TooManyRedirects(f"more than {self.max_redirects} redirects, next {target[:200]}")
        self._once_per_run(request, target)
        return response

    def _once_per_run(self, request: Request, target: str) -> None:
        """A sitemap (``meta["chain"]``, see ``spiders.listing_visits``) is fetched once a run."""
        listings = request.meta.get("chain")
        if listings is None:
            return
        if _same(target) in {_same(u) for u in listings}:
            raise ListingCycle(f"redirects to {target[:200]}, which led to it")
        visits = getattr(self.crawler.spider, "visits", None)
        if visits is not None and visits.seen(target, str(request.meta.get("round", "-"))):
            raise ListingAlreadyRead(f"redirects to {target[:200]}, read in this run")

    def _target(self, response: Response) -> str | None:
        if response.status in REDIRECT_STATUSES:
            location = response.headers.get(b"Location")
            return urljoin(response.url, location.decode("latin-1").strip()) if location else None
        if isinstance(response, HtmlResponse):
            delay, url = get_meta_refresh(response)
            if url and delay is not None and delay < self.max_meta_delay:
                return url
        return None


def _same(url: str) -> str:
    return url.split("#", 1)[0]


class _DisallowAll:
    """A robots parser for a host whose robots.txt could not be read (RFC 9309 §2.3.1.4)."""

    def __init__(self, why: str, unreachable: bool = False) -> None:
        self.why = why
        self.unreachable = unreachable

    def allowed(self, url: str, user_agent: str) -> bool:
        return False


class _AllowAll:
    def allowed(self, url: str, user_agent: str) -> bool:
        return True


class RobotsDisallowed(CrawlRefusal):
    failure_reason = "robots"


class RobotsUnavailable(CrawlRefusal):
    """robots.txt answered 5xx: the host is disallowed for this run (it answered: *blocked*)."""

    failure_reason = "robots-unavailable"


class HostUnreachable(CrawlRefusal):
    """robots.txt could not be fetched at all (DNS, refused, TLS, no answer): *unreachable*."""

    failure_reason = "unreachable"


class _QuietUnreachable(logging.Filter):
    """Scrapy logs a failed robots.txt download with its traceback; an unreachable host is
    recorded as a failure of each request instead, in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return exc is None or unreachable_kind(exc) is None


_QUIET = _QuietUnreachable()


class RobotsPolicyMiddleware(RobotsOutcomeMiddleware):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        robots_log = logging.getLogger("scrapy.downloadermiddlewares.robotstxt")  # its logger
        if _QUIET not in robots_log.filters:
            robots_log.addFilter(_QUIET)

    def robots_response(self, response: Response) -> _DisallowAll | _AllowAll | None:
        if response.status >= 500:
            return _DisallowAll(f"robots.txt answered HTTP {response.status}")
        if response.status >= 400:
            return _AllowAll()  # 4xx: no robots.txt, everything allowed
        return None  # Scrapy parses it

    def robots_unreachable(self, exc: Exception, netloc: str) -> None:
        kind = unreachable_kind(exc)
        if kind is not None:
            self.settle(netloc, _DisallowAll(f"{kind} ({exc})"[:300], unreachable=True))
        else:
            self.settle(netloc, _DisallowAll(f"robots.txt unreachable ({type(exc).__name__})"))

    def check(self, parser: Any, request: Request) -> None:
        if isinstance(parser, _DisallowAll):
            if parser.unreachable:
                raise HostUnreachable(parser.why)
            raise RobotsUnavailable(
                f"robots.txt unavailable, host disallowed for this run: {parser.why}"
            )
        try:
            super().check(parser, request)
        except CrawlRefusal:
            raise
        except IgnoreRequest as exc:
            raise RobotsDisallowed(str(exc)) from exc


class PoliteRetryMiddleware(RetryMiddleware):
    """Scrapy's retry, plus back-off and ``Retry-After`` that pause the host's download slot.

    A ``Retry-After`` longer than ``max_retry_after_s`` is not waited for: the request
    fails now (recorded with its status) and the next run tries again.
    """

    base_backoff_s = 1.0
    max_backoff_s = 60.0
    max_retry_after_s = 120.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._paused_until: dict[str, float] = {}

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retries = request.meta.get("retry_times", 0)
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is not None and wait > self.max_retry_after_s:
            return response
        if wait is None:
            wait = min(self.base_backoff_s * 2**retries, self.max_backoff_s)
        retry = get_retry_request(
            request,
            spider=self.crawler.spider,  # type: ignore[arg-type]  # set while requests flow
            reason=f"HTTP {response.status}",
            max_retry_times=request.meta.get("max_retry_times", self.max_retry_times),
            priority_adjust=request.meta.get("priority_adjust", self.priority_adjust),
        )
        if retry is None:
            return response
        self._pause_host(request, wait)
        return retry

    def process_exception(
        self, request: Request, exception: Exception, spider: Spider | None = None
    ) -> Request | Response | None:
        retry = super().process_exception(request, exception)
        if retry is not None:
            retries = request.meta.get("retry_times", 0)
            self._pause_host(request, min(self.base_backoff_s * 2**retries, self.max_backoff_s))
        return retry

    def _pause_host(self, request: Request, seconds: float) -> None:
        """No request goes to this host for ``seconds`` (other hosts are not held up)."""
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        slot = downloader.slots.get(key)
        if slot is None or seconds <= 0:
            return
        until = time.monotonic() + seconds
        if self._paused_until.get(key, 0.0) >= until and slot.latercall:
            return
        self._paused_until[key] = until
        hold_slot(downloader, slot, seconds)


def retry_after_seconds(value: bytes | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)
