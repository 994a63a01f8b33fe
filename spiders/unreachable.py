"""Which download errors mean "the site could not be reached at all".

An outlet that cannot be reached (no DNS answer, connection refused, a TLS handshake that
fails, no answer in time) needs a different fix from one that refuses us (403, 429,
robots.txt: *blocked*) or one whose pages no longer extract (*broken*). Errors are told
apart by their type, Scrapy's and Twisted's public exception classes, never by names.
"""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
)
from twisted.internet import error as tx
from twisted.web.client import ResponseNeverReceived

REASON = "unreachable"  # fetch_failures.reason of every error below

# (exception types, what to tell the user), first match wins
_KINDS: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    ((CannotResolveHostError, tx.DNSLookupError), "DNS lookup failed"),
    ((DownloadConnectionRefusedError, tx.ConnectionRefusedError), "connection refused"),
    ((tx.SSLError,), "TLS handshake failed"),
    ((DownloadTimeoutError, tx.TimeoutError, tx.TCPTimedOutError), "no answer in time"),
    ((tx.NoRouteError, tx.ConnectError), "could not connect"),
)


def _tls_errors() -> tuple[type[BaseException], ...]:
    try:
        from OpenSSL.SSL import Error
    except ImportError:  # pragma: no cover - pyOpenSSL comes with Scrapy
        return ()
    return (Error,)


def unreachable_kind(exc: BaseException) -> str | None:
    """What kept us from the site, or None if this error is not about reaching it."""
    if isinstance(exc, ResponseNeverReceived):  # carries the underlying failures
        for reason in exc.reasons:
            kind = unreachable_kind(reason.value)
            if kind:
                return kind
        return None
    for types, kind in _KINDS:
        if isinstance(exc, types):
            return kind
    tls = _tls_errors()
    if tls and isinstance(exc, tls):
        return "TLS handshake failed"
    cause = exc.__cause__
    if cause is not None and cause is not exc:
        return unreachable_kind(cause)
    return None
