"""A polite HTTP client for web archives: one request at a time, rate-limited, retried.

Archives (Common Crawl, the Wayback Machine) ask clients to go slowly and answer 429 or
503 when they do not; a backfill of months of news must survive both without hammering
them. Redirects are followed by hand so that each hop passes the address guard.
"""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from http.client import HTTPResponse
from urllib.parse import urljoin

from mediawatch.config import Config
from spiders.addresses import configured_endpoints, refuse_reason

log = logging.getLogger(__name__)

RETRY_STATUSES = (408, 429, 500, 502, 503, 504)


class ArchiveError(Exception):
    """An archive request that failed for good (after retries), with the reason."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # urllib's signature
        return None  # hand 3xx back to the caller, which checks the target first


@dataclass
class ArchiveClient:
    """Requests to the archive endpoints the config names, and nowhere else."""

    base_urls: tuple[str, ...]
    user_agent: str
    requests_per_second: float
    timeout_s: float = 60.0
    retries: int = 4
    max_redirects: int = 3
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    _last: float = field(default=-1e9, init=False)
    _opener: urllib.request.OpenerDirector = field(init=False)

    def __post_init__(self) -> None:
        self._opener = urllib.request.build_opener(_NoRedirects())
        self._allowed = configured_endpoints(self.base_urls)

    def open(self, url: str, headers: dict[str, str] | None = None) -> HTTPResponse:
        """A streaming response body (the caller closes it); raises ``ArchiveError``."""
        for attempt in range(self.retries + 1):
            try:
                return self._open_following(url, headers or {})
            except _Retry as exc:
                if attempt == self.retries:
                    raise ArchiveError(f"{url}: {exc.reason} after {attempt + 1} tries") from None
                wait = exc.after if exc.after is not None else min(2.0**attempt, 60.0)
                log.warning("%s: %s; retrying in %.0f s", url, exc.reason, wait)
                self.sleep(wait)
        raise AssertionError("the loop returns or raises")  # pragma: no cover

    def read(self, url: str, max_bytes: int) -> bytes:
        """A whole (small) response, such as a listing; larger than ``max_bytes`` is an error."""
        with self.open(url) as body:
            data = body.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise ArchiveError(f"{url}: larger than {max_bytes} bytes")
        return data

    def _open_following(self, url: str, headers: dict[str, str]) -> HTTPResponse:
        for _ in range(self.max_redirects + 1):
            refused = refuse_reason(url, self._allowed)
            if refused is not None:
                raise ArchiveError(f"{url}: refused: {refused}")
            self._wait_turn()
            request = urllib.request.Request(
                url, headers={"User-Agent": self.user_agent, **headers}
            )
            try:
                return self._opener.open(request, timeout=self.timeout_s)
            except urllib.error.HTTPError as exc:
                if exc.code in (301, 302, 303, 307, 308) and exc.headers.get("Location"):
                    url = urljoin(url, exc.headers["Location"])
                    exc.close()
                    continue
                exc.close()
                if exc.code in RETRY_STATUSES:
                    raise _Retry(f"HTTP {exc.code}", _retry_after(exc.headers)) from None
                raise ArchiveError(f"{url}: HTTP {exc.code}") from None
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                raise _Retry(f"unreachable ({exc})", None) from None
        raise ArchiveError(f"{url}: more than {self.max_redirects} redirects")

    def _wait_turn(self) -> None:
        if self.requests_per_second <= 0:
            return
        gap = 1.0 / self.requests_per_second - (self.clock() - self._last)
        if gap > 0:
            self.sleep(gap)
        self._last = self.clock()


def archive_client(config: Config) -> ArchiveClient:
    """The client for the archives ``[backfill]`` names, at its rate and timeouts."""
    cfg = config.backfill
    return ArchiveClient(
        base_urls=(cfg.ccnews_url, cfg.wayback_url),
        user_agent=config.crawl.user_agent,
        requests_per_second=cfg.requests_per_second,
        timeout_s=cfg.timeout_s,
        retries=cfg.retries,
    )


class _Retry(Exception):
    def __init__(self, reason: str, after: float | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.after = after


def _retry_after(headers: Message) -> float | None:
    value = headers.get("Retry-After")
    try:
        return min(float(value), 300.0) if value is not None else None
    except ValueError:
        return None
