"""A web archive of the demo newsroom: its pages as a WARC file, captured in the past.

The demo's second line backfills from it, and the tests and the backfill benchmark use
it, so that archive reading is shown on real WARC records that nothing downloads.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from mediawatch.newsroom.generator import ArticleRecord, Newsroom
from mediawatch.newsroom.server import serve

ARCHIVE_END = datetime(2017, 4, 30, tzinfo=UTC)  # the example topic's key reporting is from 2017


def write_archive(path: Path, newsroom: Newsroom, *, gzip: bool = True) -> int:
    """Serve ``newsroom`` on loopback, fetch every article page, write one response record
    each (captured an hour after publication); return the number of records."""
    count = 0
    with serve(newsroom) as server, path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=gzip)
        for article in _articles(newsroom):
            url = server.url_for(article)
            with urllib.request.urlopen(url, timeout=30) as response:  # loopback only
                body = response.read()
                content_type = response.headers.get("Content-Type", "text/html")
            write_response(writer, url, body, article.published + timedelta(hours=1), content_type)
            count += 1
    return count


def write_response(
    writer: WARCWriter,
    url: str,
    body: bytes,
    captured_at: datetime,
    content_type: str = "text/html; charset=utf-8",
    status: str = "200 OK",
) -> None:
    """One WARC ``response`` record, as a crawler archiving ``url`` would write it."""
    http = StatusAndHeaders(
        status, [("Content-Type", content_type), ("Content-Length", str(len(body)))],
        protocol="HTTP/1.1",
    )  # fmt: skip
    record = writer.create_warc_record(
        url, "response", payload=BytesIO(body), http_headers=http,
        warc_headers_dict={"WARC-Date": captured_at.strftime("%Y-%m-%dT%H:%M:%SZ")},
    )  # fmt: skip
    writer.write_record(record)


def _articles(newsroom: Newsroom) -> Iterable[ArticleRecord]:
    for spec in newsroom.outlets:
        yield from newsroom.articles_of(spec.key, archived=None)
