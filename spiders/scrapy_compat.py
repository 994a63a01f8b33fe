"""The few Scrapy and Twisted internals mediawatch needs, each behind one adapter.

Scrapy has no public hook for these, and each is needed for a promise of the crawl:

- robots.txt outcomes (RFC 9309: 5xx or unreachable means "disallow for now"):
  ``RobotsTxtMiddleware._parse_robots``, ``_robots_error`` and its ``_parsers`` cache;
- pausing one host's download slot for ``Retry-After``: ``Downloader._latercall``
  re-opens a slot after ``Slot.latercall`` fires;
- telling a decompression bomb from other ignored responses: Scrapy raises a plain
  ``IgnoreRequest`` from its private ``_DecompressionMaxSizeExceeded``;
- a body cut short inside Twisted's ``ResponseFailed``: ``twisted.web.http._DataLoss``.

Nothing else in the project touches them, except ``spiders/download_limits.py`` (issue 18's
header caps, which subclass Scrapy's private HTTP/1.1 client classes): the same test checks
the names it relies on. ``tests/test_scrapy_compat.py`` checks each
name and signature, so an upgrade that changes one fails there, loudly, by name.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.core.downloader import Downloader, Slot
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils._compression import _DecompressionMaxSizeExceeded
from scrapy.utils.asyncio import call_later
from twisted.internet.defer import Deferred
from twisted.web.client import ResponseFailed
from twisted.web.http import PotentialDataLoss, _DataLoss


class RobotsOutcomeMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware with two public hooks and one way to settle a host.

    Subclasses override ``robots_response`` (return a parser to use instead of parsing
    the body, or None to let Scrapy parse it), ``robots_unreachable`` and ``check``.
    """

    def robots_response(self, response: Response) -> Any | None:
        return None

    def robots_unreachable(self, exc: Exception, netloc: str) -> None:
        super()._robots_error(exc, netloc)

    def check(self, parser: Any, request: Request) -> None:
        """Raise ``IgnoreRequest`` to refuse ``request``; the default obeys ``parser``."""
        super().process_request_2(parser, request)

    def settle(self, netloc: str, parser: Any) -> None:
        """Use ``parser`` for ``netloc`` from now on, waking requests that wait for it."""
        pending = self._parsers[netloc]
        self._parsers[netloc] = parser
        if isinstance(pending, Deferred):
            pending.callback(parser)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        parser = self.robots_response(response)
        if parser is None:
            await super()._parse_robots(response, netloc, request)
        else:
            self.settle(netloc, parser)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        self.robots_unreachable(exc, netloc)

    def process_request_2(self, rp: Any, request: Request) -> None:
        self.check(rp, request)


def hold_slot(downloader: Downloader, slot: Slot, seconds: float) -> None:
    """No request leaves ``slot`` for ``seconds``; then the downloader resumes it."""
    if slot.latercall:
        slot.latercall.cancel()
    slot.latercall = call_later(seconds, downloader._latercall, slot)


def is_decompression_oversize(exc: BaseException) -> bool:
    """Scrapy ignored the response because it inflated past ``DOWNLOAD_MAXSIZE``."""
    return isinstance(exc, IgnoreRequest) and isinstance(
        exc.__cause__, _DecompressionMaxSizeExceeded
    )


def is_data_loss(exc: BaseException | None) -> bool:
    """Twisted reported a body that ended before its announced length."""
    if isinstance(exc, PotentialDataLoss):
        return True
    return isinstance(exc, ResponseFailed) and any(
        reason.check(_DataLoss, PotentialDataLoss) for reason in exc.reasons
    )
