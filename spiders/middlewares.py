"""Downloader middlewares that make the crawl safe and polite.

- ``AddressGuardMiddleware``: no request (first hop or redirect) to a non-public address
  unless the config names that host.
- ``RobotsPolicyMiddleware``: RFC 9309 — robots.txt answering 5xx or not answering
  means "disallow for now"; 4xx means "allow".
- ``PoliteRetryMiddleware``: retries back off, and 429/503 ``Retry-After`` pauses the
  whole host, not just the one request.
"""

from __future__ import annotations

import email.utils
import time
from datetime import UTC, datetime

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached

from spiders.addresses import parse_ip, refuse_reason


class RefusedAddress(IgnoreRequest):
    """The URL points at an address the crawl must not reach."""


class AddressGuardMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._resolved: dict[str, object] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        return cls(crawler)

    def _allowed_hosts(self) -> frozenset[str]:
        spider = self.crawler.spider
        return getattr(getattr(spider, "session", None), "allowed_hosts", frozenset())

    async def process_request(self, request: Request) -> None:
        allowed = self._allowed_hosts()
        reason = refuse_reason(request.url, allowed)
        if reason is None:
            host = (urlparse_cached(request).hostname or "").lower()
            if host and host not in allowed and parse_ip(host) is None:
                reason = refuse_reason(request.url, allowed, await self._resolve(host))
        if reason:
            raise RefusedAddress(f"refused address: {reason}")

    async def _resolve(self, host: str):
        if host not in self._resolved:
            from twisted.internet import reactor

            try:
                address = await maybe_deferred_to_future(reactor.resolve(host))  # type: ignore[attr-defined]
            except Exception:
                return None  # the download itself will fail with a DNS error and be recorded
            self._resolved[host] = parse_ip(address)
        return self._resolved[host]


class _DisallowAll:
    """A robots parser for a host whose robots.txt could not be read (RFC 9309 §2.3.1.4)."""

    def __init__(self, why: str) -> None:
        self.why = why

    def allowed(self, url: str, user_agent: str) -> bool:
        return False


class _AllowAll:
    def allowed(self, url: str, user_agent: str) -> bool:
        return True


class RobotsPolicyMiddleware(RobotsTxtMiddleware):
    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status >= 500:
            self._settle(netloc, _DisallowAll(f"robots.txt answered HTTP {response.status}"))
        elif response.status >= 400:
            self._settle(netloc, _AllowAll())  # 4xx: no robots.txt, everything allowed
        else:
            await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        self._settle(netloc, _DisallowAll(f"robots.txt unreachable ({type(exc).__name__})"))

    def _settle(self, netloc: str, parser) -> None:
        pending = self._parsers[netloc]
        self._parsers[netloc] = parser
        if hasattr(pending, "callback"):
            pending.callback(parser)

    def process_request_2(self, rp, request: Request) -> None:
        if isinstance(rp, _DisallowAll):
            raise IgnoreRequest(f"robots.txt unavailable, host disallowed for this run: {rp.why}")
        super().process_request_2(rp, request)


class PoliteRetryMiddleware(RetryMiddleware):
    """Scrapy's retry, plus back-off and ``Retry-After`` that pause the host's download slot."""

    base_backoff_s = 1.0
    max_backoff_s = 60.0

    def process_response(self, request: Request, response: Response, spider: Spider | None = None):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retries = request.meta.get("retry_times", 0)
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is None:
            wait = min(self.base_backoff_s * 2**retries, self.max_backoff_s)
        wait = min(wait, self.max_backoff_s * 5)
        retry = self._retry(request, f"HTTP {response.status}")
        if retry is None:
            return response
        self._pause_host(request, wait)
        return retry

    def process_exception(self, request: Request, exception: Exception, spider: Spider | None = None):
        retry = super().process_exception(request, exception)
        if retry is not None:
            self._pause_host(request, min(self.base_backoff_s * 2 ** request.meta.get("retry_times", 0), self.max_backoff_s))
        return retry

    def _pause_host(self, request: Request, seconds: float) -> None:
        """No request goes to this host for ``seconds`` (other hosts are not held up)."""
        downloader = self.crawler.engine.downloader  # type: ignore[union-attr]
        key = downloader.get_slot_key(request)
        slot = downloader.slots.get(key)
        if slot is None or seconds <= 0:
            return
        until = time.monotonic() + seconds
        if getattr(slot, "_mediawatch_paused_until", 0) >= until:
            return
        if slot.latercall:
            slot.latercall.cancel()
        slot._mediawatch_paused_until = until  # type: ignore[attr-defined]
        slot.latercall = call_later(seconds, downloader._latercall, slot)


def retry_after_seconds(value: bytes | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)
