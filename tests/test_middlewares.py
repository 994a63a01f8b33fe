"""Download errors become the failures the warehouse records, by exception class."""

from __future__ import annotations

import pytest
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.utils._compression import _DecompressionMaxSizeExceeded
from twisted.internet import defer, error
from twisted.python.failure import Failure
from twisted.web.client import ResponseFailed
from twisted.web.http import PotentialDataLoss, _DataLoss

from spiders.middlewares import Oversize, RefusedAddress, Timeout, Truncated, typed_download_error


def _caused_by(exc: Exception, cause: BaseException) -> Exception:
    exc.__cause__ = cause
    return exc


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (DownloadCancelledError("expected size larger than download max size"), Oversize),
        (_caused_by(IgnoreRequest("bomb"), _DecompressionMaxSizeExceeded(10, 5)), Oversize),
        (ResponseDataLossError(), Truncated),
        (PotentialDataLoss(), Truncated),
        (ResponseFailed([Failure(_DataLoss())]), Truncated),
        (_caused_by(DownloadFailedError("x"), ResponseFailed([Failure(_DataLoss())])), Truncated),
        (DownloadTimeoutError("took longer than 30 seconds"), Timeout),
        (error.TimeoutError(), Timeout),
        (error.TCPTimedOutError(), Timeout),
        (defer.TimeoutError(), Timeout),
        (TimeoutError(), Timeout),
    ],
)
def test_download_errors_by_class(exc: Exception, expected: type) -> None:
    assert isinstance(typed_download_error(exc), expected)


@pytest.mark.parametrize(
    "exc",
    [
        IgnoreRequest("filtered by a middleware"),
        DownloadFailedError("connection lost"),
        ResponseFailed([Failure(ValueError("bad header"))]),
        error.ConnectionRefusedError(),
        RefusedAddress("already typed"),
        ValueError("max size mentioned in a message is not a class"),
    ],
)
def test_other_errors_stay_as_they_are(exc: Exception) -> None:
    assert typed_download_error(exc) is None
