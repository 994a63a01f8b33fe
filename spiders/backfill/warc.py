"""Read archived pages out of a WARC stream, with the crawl's limits.

Archives are input we do not control: a truncated gzip member, a record that claims to
be 1 GB long, a revisit record with no body, a PDF. Each is counted and skipped with its
reason; the records before it are kept, and memory stays bounded by ``max_bytes``.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True, slots=True)
class ArchivedPage:
    """One archived HTTP response that may be an article."""

    url: str
    captured_at: datetime  # UTC, from WARC-Date
    status: int
    body: bytes
    content_type: str | None
    charset: str | None
    last_modified: str | None


@dataclass(frozen=True, slots=True)
class Skipped:
    """A record that is not a page: why, so that the run can count it."""

    url: str | None
    reason: str  # not-response | revisit | not-html | http-NNN | oversize | no-date


@dataclass(frozen=True, slots=True)
class Record:
    """What the reader yields: the record's offset (the resume point) and what it held."""

    offset: int
    next_offset: int | None  # offset of the record after this one, when the reader knows it
    item: ArchivedPage | Skipped


class TruncatedArchive(Exception):
    """The archive ends in the middle of a record (a cut download, a damaged file)."""


def read_records(stream: IO[bytes], max_bytes: int) -> Iterator[Record]:
    """Every record of a WARC (or WARC.gz) stream, in order.

    Raises ``TruncatedArchive`` at the first unreadable member; everything yielded before
    it is good. A record longer than ``max_bytes`` is skipped without being read into memory.
    """
    counting = _Counting(stream)
    records = ArchiveIterator(counting, ensure_http_headers=False)
    previous = None
    try:
        for record in records:
            _check_whole(previous)  # warcio has read past it by now
            offset = records.offset  # where this record starts (read before its content)
            if record.rec_headers.get_header("Content-Length") is None:
                raise TruncatedArchive(f"record at byte {offset} has no Content-Length (cut off?)")
            item = _page_or_skip(record, max_bytes)
            yield Record(offset, None, item)
            previous = record
        _check_whole(previous)
        if counting.position > records.offset:
            # warcio ends quietly at a member it cannot decode: a cut .warc.gz
            left = counting.position - records.offset
            raise TruncatedArchive(f"{left} byte(s) after the last whole record (cut off?)")
    except TruncatedArchive:
        raise
    except (ArchiveLoadFailed, zlib.error, EOFError, OSError, ValueError) as exc:
        raise TruncatedArchive(f"{type(exc).__name__}: {exc}"[:300]) from exc
    except Exception as exc:  # warcio parsing garbage: AttributeError, IndexError, ...
        raise TruncatedArchive(f"unreadable record ({type(exc).__name__}: {exc})"[:300]) from exc


class _Counting(io.RawIOBase):
    """A stream that knows how far it has been read, for offsets in unseekable downloads."""

    def __init__(self, inner: IO[bytes]) -> None:
        self.inner = inner
        self.position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # io's buffer type (a writable bytes-like object)
        data = self.inner.read(len(buffer))
        buffer[: len(data)] = data
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position


def _page_or_skip(record, max_bytes: int) -> ArchivedPage | Skipped:
    url = record.rec_headers.get_header("WARC-Target-URI")
    if record.rec_type == "revisit":
        return Skipped(url, "revisit")  # a pointer to an earlier capture, with no body
    if record.rec_type != "response" or not url:
        return Skipped(url, "not-response")
    declared = _int(record.rec_headers.get_header("Content-Length"))
    if declared is not None and declared > max_bytes:
        return Skipped(url, "oversize")
    http = record.http_headers
    if http is None:
        return Skipped(url, "not-response")
    status = _int(http.get_statuscode()) or 0
    if status != 200:
        return Skipped(url, f"http-{status}")
    content_type = http.get_header("Content-Type")
    mime, charset = mime_and_charset(content_type)
    if mime and mime not in HTML_TYPES:
        return Skipped(url, "not-html")
    body = record.content_stream().read(max_bytes + 1)  # decodes chunked and gzip bodies
    if len(body) > max_bytes:
        return Skipped(url, "oversize")
    _check_whole(record)  # a body cut short must not be stored as the page
    captured = _warc_date(record.rec_headers.get_header("WARC-Date"))
    if captured is None:
        return Skipped(url, "no-date")
    return ArchivedPage(
        url=url,
        captured_at=captured,
        status=status,
        body=body,
        content_type=content_type,
        charset=charset,
        last_modified=http.get_header("Last-Modified"),
    )


def _check_whole(record) -> None:
    """Raise if ``record``'s block ended before its Content-Length: the file was cut there.

    warcio reads a short record to its end without complaint; its length reader still
    holds the bytes it never got.
    """
    missing = getattr(getattr(record, "raw_stream", None), "limit", 0) if record else 0
    if missing:
        url = record.rec_headers.get_header("WARC-Target-URI")
        raise TruncatedArchive(f"record {url} is {missing} byte(s) short (cut off?)")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def mime_and_charset(content_type: str | None) -> tuple[str | None, str | None]:
    """``text/html; charset=UTF-8`` -> (``text/html``, ``UTF-8``); Nones when absent."""
    if not content_type:
        return None, None
    parts = [p.strip() for p in content_type.split(";")]
    charset = None
    for part in parts[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'")
    return parts[0].lower() or None, charset


def _warc_date(value: str | None) -> datetime | None:
    """WARC-Date is W3C ISO 8601 in UTC (``2017-04-01T12:00:00Z``, maybe with fractions)."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
