"""``spiders.unreachable``: download errors that mean "the site could not be reached", by type."""

from __future__ import annotations

import pytest
from OpenSSL import SSL
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from twisted.internet import error as tx
from twisted.python.failure import Failure
from twisted.web.client import ResponseNeverReceived

from spiders.unreachable import unreachable_kind


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (CannotResolveHostError("no.such.host"), "DNS lookup failed"),
        (tx.DNSLookupError("no.such.host"), "DNS lookup failed"),
        (DownloadConnectionRefusedError("refused"), "connection refused"),
        (tx.ConnectionRefusedError(), "connection refused"),
        (tx.SSLError(), "TLS handshake failed"),
        (ResponseNeverReceived([Failure(SSL.Error("bad handshake"))]), "TLS handshake failed"),
        (DownloadTimeoutError("took longer than 20 s"), "no answer in time"),
        (tx.TCPTimedOutError(), "no answer in time"),
        (tx.NoRouteError(), "could not connect"),
    ],
)
def test_errors_that_never_reached_the_site(exc: BaseException, kind: str) -> None:
    assert unreachable_kind(exc) == kind


def test_a_wrapped_cause_counts() -> None:
    try:
        try:
            raise tx.ConnectionRefusedError()
        except tx.ConnectionRefusedError as inner:
            raise RuntimeError("download failed") from inner
    except RuntimeError as outer:
        assert unreachable_kind(outer) == "connection refused"


@pytest.mark.parametrize(
    "exc",
    [
        IgnoreRequest("Forbidden by robots.txt"),  # blocked, not unreachable
        DownloadFailedError("connection lost mid-body"),  # it answered
        ValueError("TimeoutError"),  # a name in the text is not a type
        ResponseNeverReceived([Failure(ValueError("x"))]),
    ],
)
def test_other_errors_are_not_unreachable(exc: BaseException) -> None:
    assert unreachable_kind(exc) is None
