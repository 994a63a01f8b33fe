"""Scrapy's HTTP/1.1 download handler with caps on the response's header section.

``DOWNLOAD_MAXSIZE`` counts only the body. Twisted's parser keeps every header line it
is sent until the blank line that ends them, so a server that answers ``200`` and then
streams 8 KB header lines forever grew a crawl process to 3.9 GB within its timeout.
Here the bytes and lines of the header section are counted as they arrive, and past
either cap the connection is aborted and the request fails with
``oversize-headers``: memory stays at the cap, whatever the server sends.

The hook is the connection pool's protocol factory, which Scrapy's own handler already
replaces (``_LenientHTTP11ClientFactory``) to parse lenient header lines; this module
subclasses that factory and protocol, so Scrapy's leniency is kept. Both are private
Scrapy names: ``tests/test_reliability_headers.py`` fails if they change.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from scrapy.core.downloader.handlers.http11 import (
    HTTP11DownloadHandler,
    _LenientHTTP11ClientFactory,
    _LenientHTTP11ClientProtocol,
)
from scrapy.crawler import Crawler
from twisted.python.failure import Failure

from spiders.middlewares import CrawlRefusal

# Chrome refuses responses whose headers exceed 256 KiB; real news sites send 5-30 KB
# (long Content-Security-Policy and Set-Cookie lines) and fewer than 100 header lines.
DEFAULT_MAX_HEADER_BYTES = 256 * 1024
DEFAULT_MAX_HEADERS = 256
# Twisted's line parser drops the connection on a line over 16 KiB with an anonymous
# error; stopping just before it names the cause.
MAX_HEADER_LINE = 16 * 1024 - 1
MAX_HEADER_BYTES_SETTING = "MEDIAWATCH_MAX_HEADER_BYTES"
MAX_HEADERS_SETTING = "MEDIAWATCH_MAX_HEADERS"


class OversizeHeaders(CrawlRefusal):
    """The header section passed a cap; the connection was aborted."""

    failure_reason = "oversize-headers"


@dataclass(frozen=True)
class HeaderLimits:
    max_bytes: int = DEFAULT_MAX_HEADER_BYTES
    max_lines: int = DEFAULT_MAX_HEADERS

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HeaderLimits:
        settings = crawler.settings
        return cls(
            settings.getint(MAX_HEADER_BYTES_SETTING, DEFAULT_MAX_HEADER_BYTES),
            settings.getint(MAX_HEADERS_SETTING, DEFAULT_MAX_HEADERS),
        )


class HeaderCounter:
    """Counts a response's header section as bytes arrive, until the blank line ends it.

    Interim ``1xx`` responses (``100 Continue``) count toward the same caps: a server
    could otherwise send them for ever, each one ending in a blank line.
    """

    def __init__(self, limits: HeaderLimits) -> None:
        self.limits = limits
        self.bytes = 0
        self.lines = 0
        self.done = False
        self._tail = b""  # the last bytes seen, for a blank line split across reads
        self._head = b""  # the start of the current block's status line
        self._line = 0  # bytes of the current, unfinished line

    def feed(self, data: bytes) -> str | None:
        """Why the response must be dropped, or None. Once the headers ended, always None."""
        while data and not self.done:
            if len(self._head) < 16:
                self._head += data[: 16 - len(self._head)]
            window = self._tail + data
            end = _header_end(window)
            used = end - len(self._tail) if end is not None else len(data)
            why = self._count(data[:used])
            if why is not None:
                return why
            if end is None:
                self._tail = window[-3:]
                return None
            if _INTERIM.match(self._head):  # another block follows: keep counting
                self._tail, self._head, self._line = b"", b"", 0
            else:
                self.done = True
            data = data[used:]
        return None

    def _count(self, piece: bytes) -> str | None:
        self.bytes += len(piece)
        pieces = piece.split(b"\n")
        self.lines += len(pieces) - 1
        longest = max([self._line + len(pieces[0]), *(len(p) for p in pieces[1:])])
        self._line = len(pieces[-1]) if len(pieces) > 1 else self._line + len(pieces[0])
        if longest > MAX_HEADER_LINE:
            return f"a response header line over {MAX_HEADER_LINE} bytes"
        if self.bytes > self.limits.max_bytes:
            return f"response headers over {self.limits.max_bytes} bytes"
        if self.lines > self.limits.max_lines + 1:  # the status line is not a header
            return f"more than {self.limits.max_lines} response header lines"
        return None


_INTERIM = re.compile(rb"HTTP/\d(?:\.\d)? 1\d\d")


def _header_end(data: bytes) -> int | None:
    """Index just past the blank line that ends the header section, if it is in ``data``."""
    ends = [i + n for i, n in ((data.find(b"\r\n\r\n"), 4), (data.find(b"\n\n"), 2)) if i >= 0]
    return min(ends) if ends else None


class _LimitedProtocol(_LenientHTTP11ClientProtocol):
    limits: HeaderLimits = HeaderLimits()

    def request(self, request: Any) -> Any:
        self._counter: HeaderCounter | None = HeaderCounter(self.limits)
        self._refusal: OversizeHeaders | None = None
        deferred = super().request(request)
        deferred.addErrback(self._explain)
        return deferred

    def dataReceived(self, data: bytes) -> None:  # noqa: N802 (Twisted's name)
        counter: HeaderCounter | None = getattr(self, "_counter", None)
        if counter is not None and not counter.done:
            why = counter.feed(data)
            if why is not None:
                self._refusal = OversizeHeaders(f"{why}; connection aborted")
                self._counter = None
                if self.transport is not None:
                    self.transport.abortConnection()
                return
        super().dataReceived(data)

    def _explain(self, failure: Failure) -> Failure:
        """The aborted connection's error, named for what caused it."""
        if self._refusal is not None:
            return Failure(self._refusal)
        return failure


class _LimitedFactory(_LenientHTTP11ClientFactory):
    def __init__(self, quiescentCallback: Any, metadata: Any, *, limits: HeaderLimits) -> None:  # noqa: N803
        super().__init__(quiescentCallback, metadata)
        self.limits = limits

    def buildProtocol(self, addr: Any) -> _LimitedProtocol:  # noqa: N802 (Twisted's name)
        protocol = _LimitedProtocol(self._quiescentCallback)
        protocol.limits = self.limits
        return protocol


class LimitedHTTP11DownloadHandler(HTTP11DownloadHandler):
    """``DOWNLOAD_HANDLERS`` for http and https: Scrapy's handler plus the header caps."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._pool._factory = functools.partial(  # type: ignore[assignment]
            _LimitedFactory, limits=HeaderLimits.from_crawler(crawler)
        )
