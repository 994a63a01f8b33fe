"""Loopback HTTP serving of the newsroom: one ThreadingHTTPServer per outlet.

Responses are rendered on first request and cached as bytes; every response carries an
ETag (and Last-Modified where known) and conditional GETs get 304, as a polite crawler
expects from real feeds.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import NamedTuple
from urllib.parse import urlsplit

from mediawatch.newsroom import timefmt
from mediawatch.newsroom.generator import ArticleRecord, Newsroom
from mediawatch.newsroom.site import Response, Site


class LogEntry(NamedTuple):
    outlet: str
    method: str
    path: str  # as requested, query string included
    status: int


class RequestLog:
    """Thread-safe record of every request the outlets answered."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[LogEntry] = []

    def append(self, entry: LogEntry) -> None:
        with self._lock:
            self._entries.append(entry)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    @property
    def entries(self) -> list[LogEntry]:
        with self._lock:
            return list(self._entries)

    def count(
        self, path_prefix: str | None = None, outlet: str | None = None, status: int | None = None
    ) -> int:
        return sum(
            1
            for e in self.entries
            if (path_prefix is None or e.path.startswith(path_prefix))
            and (outlet is None or e.outlet == outlet)
            and (status is None or e.status == status)
        )

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __iter__(self) -> Iterator[LogEntry]:
        return iter(self.entries)

    def __getitem__(self, index: int) -> LogEntry:
        with self._lock:
            return self._entries[index]


class _Cached(NamedTuple):
    response: Response
    etag: str


class _OutletApp:
    """The state one outlet's handler threads share: its site, cache and the server."""

    def __init__(self, owner: NewsroomServer, site: Site) -> None:
        self.owner = owner
        self.site = site
        self.cache: dict[tuple[str, int, int], _Cached] = {}

    def respond(self, raw_path: str) -> _Cached:
        parts = urlsplit(raw_path)
        path, query = parts.path or "/", parts.query
        epoch = self.owner.revision_epoch
        key = self.site.cache_key(path, query, epoch)
        if key is not None and key in self.cache:
            return self.cache[key]
        response = self.site.render(path, query, epoch)
        cached = _Cached(response, '"' + hashlib.sha1(response.body).hexdigest()[:20] + '"')
        if key is not None and response.status == 200:
            self.cache[key] = cached
        return cached


def _not_modified(handler: BaseHTTPRequestHandler, cached: _Cached) -> bool:
    inm = handler.headers.get("If-None-Match")
    if inm:
        tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
        return cached.etag in tags or "*" in tags
    ims = handler.headers.get("If-Modified-Since")
    last = cached.response.last_modified
    if ims and last is not None:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            return False
        return last.replace(microsecond=0) <= since
    return False


def _handler_for(app: _OutletApp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        outlet_app = app
        server_version = "NewsroomDemo/1.0"
        sys_version = ""

        def do_GET(self) -> None:  # noqa: N802 (stdlib naming)
            self._serve(send_body=True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._serve(send_body=False)

        def _serve(self, send_body: bool) -> None:
            try:
                cached = app.respond(self.path)
            except Exception:  # a rendering bug must show up as a 500, not a hung socket
                cached = _Cached(Response(500, b"internal error", "text/plain"), '"err"')
            response = cached.response
            status = response.status
            if status == 200 and _not_modified(self, cached):
                status = 304
            app.owner.request_log.append(
                LogEntry(app.site.outlet.key, self.command, self.path, status)
            )
            try:
                self.send_response(status)
                if status != 304:
                    self.send_header("Content-Type", response.content_type)
                    self.send_header("Content-Length", str(len(response.body)))
                if status in (200, 304):
                    self.send_header("ETag", cached.etag)
                    if response.last_modified is not None:
                        self.send_header("Last-Modified", timefmt.http_date(response.last_modified))
                self.end_headers()
                if send_body and status != 304:
                    self.wfile.write(response.body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            """Quiet: the request log replaces per-request stderr lines."""

    return Handler


class NewsroomServer:
    """All outlet servers of one newsroom, running in daemon threads."""

    def __init__(self, newsroom: Newsroom) -> None:
        self.newsroom = newsroom
        self.request_log = RequestLog()
        self.revision_epoch = 0
        self._servers: dict[str, ThreadingHTTPServer] = {}
        self._threads: list[threading.Thread] = []
        self._bases: dict[str, str] = {}

    def _start(self, host_prefix: str, port: int) -> None:
        for i, spec in enumerate(self.newsroom.outlets, start=1):
            # The handler needs the base URL, known only once the OS has picked the port.
            httpd = _bind(f"{host_prefix}{i}", port, BaseHTTPRequestHandler)
            host, bound_port = httpd.server_address[:2]
            assert isinstance(host, str)  # an AF_INET server: a str address, never bytes
            base = f"http://{host}:{bound_port}"
            httpd.RequestHandlerClass = _handler_for(
                _OutletApp(self, Site(self.newsroom, spec.key, base))
            )
            self._servers[spec.key] = httpd
            self._bases[spec.key] = base
            thread = threading.Thread(
                target=httpd.serve_forever,
                kwargs={"poll_interval": 0.05},  # quick stop(): shutdown waits one poll
                name=f"newsroom-{spec.key}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        for art in self.newsroom.articles:
            art.url = self._bases[art.outlet] + art.path

    # -- public API ---------------------------------------------------------------------------

    def base_url(self, outlet_key: str) -> str:
        return self._bases[outlet_key]

    def url_for(self, article: ArticleRecord) -> str:
        return self._bases[article.outlet] + article.path

    def warm(self) -> int:
        """Render every article page (and twin) now, so that serving costs only socket writes.

        Benchmarks call this so that the server's own CPU does not compete with the crawl.
        """
        apps = {key: httpd.RequestHandlerClass.outlet_app for key, httpd in self._servers.items()}  # type: ignore[attr-defined]  # _handler_for sets outlet_app on the class
        count = 0
        for art in self.newsroom.articles:
            for path in (art.path, art.amp_path):
                if path:
                    apps[art.outlet].respond(path)
                    count += 1
        return count

    def set_revision_epoch(self, epoch: int) -> None:
        """From now on serve revision ``min(epoch, latest)`` of updated articles."""
        self.revision_epoch = epoch

    def outlet_config(self) -> list[dict]:
        """Entries for the ``[[outlets]]`` section of mediawatch.toml."""
        out = []
        for spec in self.newsroom.outlets:
            base = self._bases[spec.key]
            out.append(
                {
                    "name": spec.name,
                    "homepage": base + "/",
                    "feeds": [base + p for p in spec.feeds],
                    "sitemaps": [base + p for p in spec.sitemaps],
                    "language": spec.language,
                    "timezone": spec.timezone,
                }
            )
        return out

    def stop(self) -> None:
        for httpd in self._servers.values():
            httpd.shutdown()
            httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> NewsroomServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """Client disconnects are routine for a crawler target; stay quiet."""


def _bind(host: str, port: int, handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    """Bind to ``host``; if that address (or its ``port``) is unavailable, fall back to
    127.0.0.1 on any free port: the outlet config printed or written says where it is."""
    try:
        return _QuietServer((host, port), handler)
    except OSError:
        return _QuietServer(("127.0.0.1", 0), handler)


def serve(newsroom: Newsroom, host_prefix: str = "127.0.1.", port: int = 0) -> NewsroomServer:
    """Start every outlet on its own loopback address (127.0.1.1, 127.0.1.2, ...)."""
    server = NewsroomServer(newsroom)
    try:
        server._start(host_prefix, port)
    except BaseException:
        server.stop()
        raise
    return server
