"""What a backfill reads: WARC files, CC-NEWS by month, Wayback Machine captures.

Each source is a list of independent work items (one WARC file, one outlet's captures),
each with a resume point: a byte offset into a WARC, or an index into a capture list.
"""

from __future__ import annotations

import gzip
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO
from urllib.parse import quote

from pipeline.urls import host_of
from spiders.backfill.http import ArchiveClient, ArchiveError
from spiders.backfill.warc import (
    HTML_TYPES,
    ArchivedPage,
    Record,
    Skipped,
    mime_and_charset,
    read_records,
)

MAX_LISTING_BYTES = 20 * 1024 * 1024  # a month's CC-NEWS path list is ~100 KB gzipped
_CCNEWS_FILE = re.compile(r"CC-NEWS-(\d{14})-\d+\.warc(\.gz)?$")


@dataclass(frozen=True)
class WarcItem:
    """A WARC file, on disk (``path``) or at an archive (``url``)."""

    source: str  # warc | ccnews
    key: str  # what progress is recorded under: the path or URL

    def records(
        self, client: ArchiveClient | None, position: int, max_bytes: int
    ) -> Iterator[Record]:
        stream = self._open(client, position)
        try:
            for record in read_records(stream, max_bytes):
                yield Record(record.offset + position, None, record.item)
        finally:
            stream.close()

    def _open(self, client: ArchiveClient | None, position: int) -> IO[bytes]:
        if self.source == "warc":
            handle = Path(self.key).open("rb")  # noqa: SIM115 (the caller closes it)
            handle.seek(position)
            return handle
        assert client is not None
        if position == 0:
            return client.open(self.key)
        stream = client.open(self.key, headers={"Range": f"bytes={position}-"})
        if getattr(stream, "status", 206) == 200:  # no range support: skip to the resume point
            _discard(stream, position)
        return stream


@dataclass(frozen=True)
class WaybackItem:
    """One outlet's HTML captures in a date range, from the CDX API."""

    host: str
    since: date
    until: date
    base_url: str
    max_captures: int

    source = "wayback"

    @classmethod
    def for_outlet(
        cls, homepage: str, since: date, until: date, base_url: str, max_captures: int
    ) -> WaybackItem:
        """The captures of an outlet's host, ``www.`` or not (a CDX prefix query)."""
        host = host_of(homepage)
        return cls(host.removeprefix("www."), since, until, base_url, max_captures)

    @property
    def key(self) -> str:
        return f"{self.host}:{self.since.isoformat()}:{self.until.isoformat()}"

    def records(
        self, client: ArchiveClient | None, position: int, max_bytes: int
    ) -> Iterator[Record]:
        assert client is not None
        captures = self.captures(client)
        for index in range(position, len(captures)):
            stamp, original = captures[index]
            yield Record(index, index + 1, self._fetch(client, stamp, original, max_bytes))

    def captures(self, client: ArchiveClient) -> list[tuple[str, str]]:
        """(timestamp, original URL) pairs, oldest first, one per distinct URL."""
        query = (
            f"{self.base_url}cdx/search/cdx?url={quote(self.host)}/&matchType=prefix"
            f"&from={self.since:%Y%m%d}&to={self.until:%Y%m%d}&output=json"
            "&fl=timestamp,original,mimetype,statuscode&filter=statuscode:200"
            f"&filter=mimetype:text/html&collapse=urlkey&limit={self.max_captures}"
        )
        rows = json.loads(client.read(query, MAX_LISTING_BYTES) or b"[]")
        if not isinstance(rows, list):
            raise ArchiveError(f"{query}: not a CDX JSON listing")
        out = []
        for row in rows[1:]:  # the first row names the fields
            if isinstance(row, list) and len(row) >= 2 and _STAMP.fullmatch(str(row[0])):
                out.append((str(row[0]), str(row[1])))
        return sorted(out)[: self.max_captures]

    def _fetch(
        self, client: ArchiveClient, stamp: str, original: str, max_bytes: int
    ) -> ArchivedPage | Skipped:
        # "id_" asks for the page as captured, without the archive's banner and rewriting
        url = f"{self.base_url}web/{stamp}id_/{original}"
        try:
            with client.open(url) as body:
                data = body.read(max_bytes + 1)
                content_type = body.headers.get("Content-Type")
        except ArchiveError as exc:
            return Skipped(original, f"archive-error: {exc}"[:200])
        if len(data) > max_bytes:
            return Skipped(original, "oversize")
        mime, charset = mime_and_charset(content_type)
        if mime and mime not in HTML_TYPES:
            return Skipped(original, "not-html")
        captured = datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        return ArchivedPage(original, captured, 200, data, content_type, charset, None)


_STAMP = re.compile(r"\d{14}")


def warc_items(paths: list[Path]) -> list[WarcItem]:
    return [WarcItem("warc", str(path.resolve())) for path in paths]


def ccnews_items(client: ArchiveClient, base_url: str, since: date, until: date) -> list[WarcItem]:
    """The CC-NEWS WARC files crawled between ``since`` and ``until`` (inclusive), in order.

    Common Crawl lists each month's files in ``crawl-data/CC-NEWS/YYYY/MM/warc.paths.gz``;
    a file's name carries the time its crawl started.
    """
    items = []
    lo = datetime.combine(since, datetime.min.time())
    hi = datetime.combine(until + timedelta(days=1), datetime.min.time())
    for year, month in _months(since, until):
        listing = f"{base_url}crawl-data/CC-NEWS/{year:04d}/{month:02d}/warc.paths.gz"
        try:
            raw = client.read(listing, MAX_LISTING_BYTES)
        except ArchiveError as exc:
            if "HTTP 404" in str(exc):
                continue  # a month without files (before CC-NEWS began, or not yet published)
            raise
        text = _gunzip_bounded(raw, MAX_LISTING_BYTES * 10).decode("utf-8", "replace")
        for line in text.splitlines():
            found = _CCNEWS_FILE.search(line.strip())
            if found and lo <= datetime.strptime(found[1], "%Y%m%d%H%M%S") < hi:
                items.append(WarcItem("ccnews", base_url + line.strip().lstrip("/")))
    return items


def _months(since: date, until: date) -> Iterator[tuple[int, int]]:
    year, month = since.year, since.month
    while (year, month) <= (until.year, until.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _gunzip_bounded(raw: bytes, limit: int) -> bytes:
    if not raw.startswith(b"\x1f\x8b"):
        return raw[:limit]
    with gzip.GzipFile(fileobj=io.BytesIO(raw)) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ArchiveError(f"a listing decompresses to more than {limit} bytes")
    return data


def _discard(stream: IO[bytes], count: int) -> None:
    while count > 0:
        chunk = stream.read(min(count, 1 << 20))
        if not chunk:
            return
        count -= len(chunk)
