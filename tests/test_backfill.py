"""Backfill (spiders/backfill): WARC files, CC-NEWS listings and the Wayback CDX API, read
through the installed ``mediawatch`` into a real warehouse, from loopback servers only."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path

import duckdb
import pytest
import tomli_w
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from mediawatch.demo import demo_config
from mediawatch.newsroom import build_newsroom
from mediawatch.newsroom.archive import ARCHIVE_END, write_archive, write_response
from spiders.backfill.warc import ArchivedPage, Skipped, TruncatedArchive, read_records

MEDIAWATCH = str(Path(sys.executable).with_name("mediawatch"))
ARCHIVE_ARTICLES = 120


@pytest.fixture(scope="module")
def archive_newsroom():
    return build_newsroom(seed=2017, n_articles=ARCHIVE_ARTICLES, end=ARCHIVE_END)


@pytest.fixture(scope="module")
def archive(archive_newsroom, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("archive") / "archive.warc.gz"
    write_archive(path, archive_newsroom)
    return path


def _config(directory: Path, outlets: list[dict], **backfill) -> Path:
    data = demo_config(outlets, directory)
    if backfill:
        data["backfill"] = backfill
    path = directory / "mediawatch.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def _mediawatch(config: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [MEDIAWATCH, "--config", str(config), *args],
        capture_output=True, text=True, timeout=timeout, env=_env(),
    )  # fmt: skip


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1"}


def _rows(config: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(config.parent / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def _expected_urls(path: Path) -> set[str]:
    with path.open("rb") as handle:
        return {r.item.url for r in read_records(handle, 10**7) if isinstance(r.item, ArchivedPage)}


def test_a_warc_file_is_stored_like_a_crawl_with_its_source_and_capture_time(
    archive, newsroom_server, tmp_path
):
    config = _config(tmp_path, newsroom_server.outlet_config())
    done = _mediawatch(config, "backfill", "warc", str(archive))
    assert done.returncode == 0, done.stderr
    assert f"{ARCHIVE_ARTICLES} new article(s)" in done.stdout
    progress = done.stderr.strip().splitlines()[-1]  # the progress line, rates included
    assert f"1/1 item(s) · {ARCHIVE_ARTICLES} records (" in progress and "/s) · " in progress
    rows = _rows(
        config,
        "SELECT source, count(*), count(DISTINCT outlet), min(published_at), max(published_at),"
        " count(*) FILTER (WHERE published_at <> captured_at) FROM articles GROUP BY ALL",
    )
    assert len(rows) == 1
    source, n, outlets, first, last, dated_by_page = rows[0]
    assert (source, n, outlets) == ("warc", ARCHIVE_ARTICLES, 7)
    assert first.year == 2017 and last <= ARCHIVE_END  # dates come from the pages
    assert dated_by_page == n  # the published date is the page's, not the capture time
    # backfilled days count in the trend views
    days = _rows(config, "SELECT count(*) FROM topic_daily WHERE year(day) = 2017")[0][0]
    assert days > 0
    # a second run reads nothing again: the file is done
    again = _mediawatch(config, "backfill", "warc", str(archive))
    assert again.returncode == 0 and "0 new article(s)" in again.stdout
    status = _mediawatch(config, "backfill", "status")
    assert "done" in status.stdout and str(archive) in status.stdout.replace("\n", "")


def test_all_hosts_keeps_the_other_hosts_under_their_host_names(archive, newsroom_server, tmp_path):
    outlets = newsroom_server.outlet_config()[:1]  # one outlet configured, seven archived
    config = _config(tmp_path, outlets)
    only = _mediawatch(config, "backfill", "warc", str(archive))
    assert only.returncode == 0, only.stderr
    assert "other-host" in only.stdout
    [(n_only,)] = _rows(config, "SELECT count(DISTINCT outlet) FROM articles")
    assert n_only == 1
    wide = tmp_path / "wide"
    wide.mkdir()
    config = _config(wide, outlets)
    every = _mediawatch(config, "backfill", "warc", "--all-hosts", str(archive))
    assert every.returncode == 0, every.stderr
    assert f"{ARCHIVE_ARTICLES} new article(s)" in every.stdout
    names = {r[0] for r in _rows(config, "SELECT DISTINCT outlet FROM articles")}
    assert outlets[0]["name"] in names and len(names) == 7
    assert {n for n in names if n != outlets[0]["name"]} <= {
        url.split("/")[2].split(":")[0] for url in _expected_urls(archive)
    }  # the others filed under their host


def _hostile_archive(path: Path, pages: list[tuple[str, bytes]], huge: int = 1 << 30) -> None:
    """Good pages around a revisit record, a PNG, a 404 and a record claiming 1 GB."""
    when = datetime(2017, 4, 2, 12, tzinfo=UTC)
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=False)
        write_response(writer, pages[0][0], pages[0][1], when)
        revisit = writer.create_revisit_record(
            pages[0][0], digest="sha1:AAAA", refers_to_uri=pages[0][0], refers_to_date="20170401"
        )
        writer.write_record(revisit)
        write_response(
            writer, pages[0][0] + "/logo.png", b"\x89PNG" + b"0" * 100, when, "image/png"
        )
        write_response(
            writer, pages[0][0] + "/gone", b"<html>gone</html>", when, status="404 Not Found"
        )
        handle.write(
            b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: " + pages[0][0].encode()
            + b"/huge\r\nWARC-Date: 2017-04-02T12:00:00Z\r\nContent-Type: application/http;"
            b" msgtype=response\r\nContent-Length: " + str(huge).encode() + b"\r\n\r\n"
        )  # fmt: skip
        handle.seek(huge, os.SEEK_CUR)  # a sparse GB: costs no disk, must cost no memory
        handle.write(b"\r\n\r\n")
        for url, body in pages[1:]:
            write_response(writer, url, body, when)


def _pages(newsroom, server, n: int) -> list[tuple[str, bytes]]:
    import urllib.request

    out = []
    for art in newsroom.articles[:n]:
        with urllib.request.urlopen(server.url_for(art), timeout=30) as response:
            out.append((server.url_for(art), response.read()))
    return out


def test_hostile_records_are_skipped_with_their_reasons_and_good_ones_kept(
    archive_newsroom, tmp_path
):
    from mediawatch.newsroom import serve

    with serve(archive_newsroom) as server:
        pages = _pages(archive_newsroom, server, 3)
        outlets = server.outlet_config()
    path = tmp_path / "hostile.warc"
    _hostile_archive(path, pages)
    with path.open("rb") as handle:
        items = [r.item for r in read_records(handle, 10 * 1024 * 1024)]
    reasons = [i.reason for i in items if isinstance(i, Skipped)]
    assert sorted(reasons) == ["http-404", "not-html", "oversize", "revisit"]
    assert [i.url for i in items if isinstance(i, ArchivedPage)] == [u for u, _ in pages]

    # through the command: the same records, with 20 MB in place of the GB (reading past a
    # GB twice would only make the suite slower)
    small = tmp_path / "small.warc"
    _hostile_archive(small, pages, huge=20 << 20)
    config = _config(tmp_path, outlets)
    done = _mediawatch(config, "backfill", "warc", str(small))
    assert done.returncode == 0, done.stderr
    assert "3 new article(s)" in done.stdout
    assert "oversize 1" in done.stdout and "revisit 1" in done.stdout


def test_a_truncated_gzip_member_keeps_the_records_before_it(archive, newsroom_server, tmp_path):
    data = archive.read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: len(data) // 2])
    with cut.open("rb") as handle:
        before = sum(1 for _ in _safe(read_records(handle, 10**7)))
    config = _config(tmp_path, newsroom_server.outlet_config())
    done = _mediawatch(config, "backfill", "warc", str(cut))
    assert done.returncode == 0, done.stderr
    assert "partial" in done.stdout and "truncated" in done.stderr
    stored = _rows(config, "SELECT count(*) FROM articles")[0][0]
    assert stored == before > 10
    assert _rows(config, "SELECT status FROM backfill_progress")[0][0] == "failed"


def _safe(records):
    from spiders.backfill.warc import TruncatedArchive

    try:
        yield from records
    except TruncatedArchive:
        return


def _committed(config: Path) -> int:
    """Records the backfill has committed so far (0 before its warehouse exists)."""
    if not (config.parent / "warehouse.duckdb").exists():
        return 0
    for _ in range(200):  # the writer holds the file only while it flushes
        try:
            return _rows(config, "SELECT coalesce(max(records), 0) FROM backfill_progress")[0][0]
        except duckdb.CatalogException:
            return 0  # not migrated yet
        except duckdb.Error:
            time.sleep(0.05)
    raise AssertionError("the warehouse stayed locked")


BIG = 250  # records: long enough for a kill to land mid-file


@pytest.fixture(scope="module")
def big_archive(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.warc.gz"
    write_archive(path, build_newsroom(seed=2018, n_articles=BIG, end=ARCHIVE_END))
    return path


def test_kill_9_during_a_backfill_then_a_restart_stores_every_article_once(
    big_archive, newsroom_server, tmp_path
):
    archive, total = big_archive, BIG
    config = _config(tmp_path, newsroom_server.outlet_config(), checkpoint_records=10)
    child = subprocess.Popen(
        [MEDIAWATCH, "--config", str(config), "-v", "backfill", "warc", str(archive)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env(), start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and _committed(config) == 0:
        time.sleep(0.1)
    os.killpg(child.pid, signal.SIGKILL)
    child.wait(10)
    committed = _committed(config)
    assert 0 < committed < total, "the kill should land mid-file"

    again = _mediawatch(config, "backfill", "warc", str(archive))
    assert again.returncode == 0, again.stderr
    assert f"resuming {archive} at record {committed}" in again.stderr
    urls = _expected_urls(archive)
    rows = _rows(config, "SELECT url FROM articles")
    assert sorted(r[0] for r in rows) == sorted(urls)  # every article, each once
    assert _rows(config, "SELECT records, status FROM backfill_progress") == [(total, "done")]


def test_ctrl_c_stops_a_backfill_that_the_same_command_resumes(
    big_archive, newsroom_server, tmp_path
):
    archive = big_archive
    config = _config(tmp_path, newsroom_server.outlet_config(), checkpoint_records=10)
    child = subprocess.Popen(
        [MEDIAWATCH, "--config", str(config), "backfill", "warc", str(archive)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(),
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _committed(config) == 0:
        time.sleep(0.1)
    os.killpg(child.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    out, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err
    assert "interrupted" in out
    again = _mediawatch(config, "backfill", "warc", str(archive))
    assert again.returncode == 0, again.stderr
    assert sorted(r[0] for r in _rows(config, "SELECT url FROM articles")) == sorted(
        _expected_urls(archive)
    )


class _Archive(BaseHTTPRequestHandler):
    """CC-NEWS (monthly path listings, WARC files with Range) and the Wayback CDX API."""

    files: dict[str, bytes] = {}
    log: list[str] = []
    throttle_once: set[str] = set()

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.log.append(self.path)
        route = self.path.split("?")[0]
        if route in self.throttle_once:
            self.throttle_once.discard(route)
            self._send(429, b"slow down", "text/plain", {"Retry-After": "1"})
            return
        body = self.files.get(self.path) or self.files.get(route)
        if body is None:
            self._send(404, b"not found", "text/plain")
            return
        ranged = self.headers.get("Range")
        if ranged and ranged.startswith("bytes="):
            start = int(ranged[6:].split("-")[0])
            self._send(206, body[start:], "application/octet-stream")
            return
        kind = "text/html; charset=utf-8" if "id_/" in route else "application/octet-stream"
        self._send(200, body, kind)

    def _send(self, status: int, body: bytes, kind: str, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def archive_server():
    _Archive.files, _Archive.log, _Archive.throttle_once = {}, [], set()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Archive)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/", _Archive
    server.shutdown()
    server.server_close()


def test_ccnews_reads_the_files_listed_for_the_months_in_range(
    archive, archive_server, newsroom_server, tmp_path
):
    base, handler = archive_server
    inside = "crawl-data/CC-NEWS/2017/04/CC-NEWS-20170415000000-00001.warc.gz"
    outside = "crawl-data/CC-NEWS/2017/04/CC-NEWS-20170301000000-00000.warc.gz"
    listing = gzip.compress(f"{outside}\n{inside}\n".encode())
    handler.files = {
        "/crawl-data/CC-NEWS/2017/04/warc.paths.gz": listing,
        "/" + inside: archive.read_bytes(),
        "/" + outside: archive.read_bytes(),
    }
    handler.throttle_once = {"/" + inside}  # the archive asks us to slow down once
    config = _config(
        tmp_path, newsroom_server.outlet_config(), ccnews_url=base, requests_per_second=20
    )
    done = _mediawatch(config, "backfill", "ccnews", "--from", "2017-04-01", "--to", "2017-04-30")
    assert done.returncode == 0, done.stderr
    assert "1 WARC file(s) in range" in done.stderr
    assert _rows(config, "SELECT source, count(*) FROM articles GROUP BY ALL") == [
        ("ccnews", ARCHIVE_ARTICLES)
    ]
    assert handler.log.count("/" + inside) == 2  # the 429, then the retry
    assert "/" + outside not in handler.log


def test_a_ccnews_file_resumes_with_a_range_request(archive, archive_server):
    from spiders.backfill.http import ArchiveClient
    from spiders.backfill.sources import WarcItem

    base, handler = archive_server
    handler.files = {"/a.warc.gz": archive.read_bytes()}
    client = ArchiveClient((base,), "test (+mailto:t@example.org)", requests_per_second=100)
    item = WarcItem("ccnews", base + "a.warc.gz")
    whole = list(item.records(client, 0, 10**7))
    resumed = list(item.records(client, whole[50].offset, 10**7))
    assert [r.offset for r in resumed] == [r.offset for r in whole[50:]]
    assert [r.item for r in resumed] == [r.item for r in whole[50:]]


def test_wayback_reads_an_outlets_captures_through_the_cdx_api(
    archive_newsroom, archive_server, tmp_path
):
    from mediawatch.newsroom import serve

    base, handler = archive_server
    with serve(archive_newsroom) as server:
        outlets = server.outlet_config()[:1]
        arts = archive_newsroom.articles_of(archive_newsroom.outlets[0].key)[:5]
        pages = {server.url_for(a): _fetch(server.url_for(a)) for a in arts}
    rows = [["timestamp", "original", "mimetype", "statuscode"]]
    for i, url in enumerate(pages):
        stamp = f"201704{10 + i:02d}120000"
        rows.append([stamp, url, "text/html", "200"])
        handler.files[f"/web/{stamp}id_/{url}"] = pages[url]
    handler.files["/cdx/search/cdx"] = json.dumps(rows).encode()
    config = _config(tmp_path, outlets, wayback_url=base, requests_per_second=50)
    done = _mediawatch(config, "backfill", "wayback", "--from", "2017-04-01", "--to", "2017-04-30")
    assert done.returncode == 0, done.stderr
    got = _rows(config, "SELECT source, url, captured_at FROM articles ORDER BY captured_at")
    assert [r[1] for r in got] == list(pages)
    assert {r[0] for r in got} == {"wayback"}
    assert got[0][2] == datetime(2017, 4, 10, 12, tzinfo=UTC)
    cdx = [p for p in handler.log if p.startswith("/cdx/")][0]
    assert "from=20170401" in cdx and "to=20170430" in cdx


def _fetch(url: str) -> bytes:
    import urllib.request

    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def test_archive_requests_go_only_to_the_configured_archive(archive_server):
    from spiders.backfill.http import ArchiveClient, ArchiveError

    base, handler = archive_server
    client = ArchiveClient((base,), "test (+mailto:t@example.org)", requests_per_second=100)
    with pytest.raises(ArchiveError, match="refused"):
        client.read("http://127.0.0.2:9/private", 1000)  # refused before any connection
    assert handler.log == []


def test_a_record_stream_of_bytes_is_read_with_bounded_memory():
    stream = BytesIO()
    writer = WARCWriter(stream, gzip=True)
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    record = writer.create_warc_record(
        "http://127.0.0.1/x", "response", payload=BytesIO(b"<p>" * 400_000), http_headers=http,
        warc_headers_dict={"WARC-Date": "2017-04-01T00:00:00Z"},
    )  # fmt: skip
    writer.write_record(record)
    stream.seek(0)
    (only,) = list(read_records(stream, max_bytes=100_000))
    assert only.item == Skipped("http://127.0.0.1/x", "oversize")


@pytest.mark.parametrize("gzip_members", [True, False], ids=["warc.gz", "warc"])
def test_a_file_cut_inside_its_last_record_is_truncated_never_a_short_page(gzip_members):
    """warcio ends quietly at a cut last record (a short body, or an undecodable member):
    the reader must say the file is truncated and never yield the cut page."""
    buffer = BytesIO()
    writer = WARCWriter(buffer, gzip=gzip_members)
    when = datetime(2017, 4, 2, 12, tzinfo=UTC)
    first = b"<html><body><p>" + b"first " * 800 + b"</p></body></html>"
    write_response(writer, "http://127.0.0.1:9/first", first, when)
    start = buffer.tell()
    last = b"<html><body><p>" + b"last " * 4000 + b"</p></body></html>"
    write_response(writer, "http://127.0.0.1:9/last", last, when)
    data = buffer.getvalue()
    # a cut inside the closing bytes (the gzip trailer, the blank lines) loses no data
    tail = 16 if gzip_members else 4  # gzip: the end of the deflate stream and its trailer
    for cut in [*range(start + 1, len(data) - tail, 7), *range(len(data) - tail, len(data))]:
        pages: list[ArchivedPage] = []
        try:
            for record in read_records(BytesIO(data[:cut]), 10**7):
                if isinstance(record.item, ArchivedPage):
                    pages.append(record.item)
        except TruncatedArchive:
            assert [p.body for p in pages] == [first], cut  # never the cut page
        else:
            assert cut >= len(data) - tail, f"cut at {cut} of {len(data)} went unnoticed"
            assert [p.body for p in pages] == [first, last], cut  # whole
    whole = [r.item for r in read_records(BytesIO(data), 10**7)]
    assert [len(p.body) for p in whole if isinstance(p, ArchivedPage)] == [len(first), len(last)]
