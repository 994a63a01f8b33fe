"""The hostile server: every way a web server can hurt a crawler, on loopback addresses.

Run as ``python -m tests.hostile.server --log FILE [--hosts N] [--robots IDX=MODE ...]``.
It binds ``N`` outlet addresses 127.0.3.1..N, a spare listener on the first outlet
address (another service on an allowed host), and "internal services" on 127.0.0.2 and
127.0.0.1 that the crawl must never reach. It prints its base URLs as one JSON line on
stdout, appends every connection and request to FILE as JSON lines (the crawler never
sees the log), and exits when stdin closes or ``--lifetime`` seconds have passed.

Routes are chosen by path, on every address; what the test wants is in the query:
``/rss?link=URL&link=URL`` is a feed whose items link to those URLs, and so on.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import socket
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit
from xml.sax.saxutils import escape

WORDS = [
    "council",
    "budget",
    "river",
    "harbour",
    "minister",
    "school",
    "vote",
    "report",
    "court",
    "trial",
    "bridge",
    "farmers",
    "election",
    "hospital",
    "energy",
    "prices",
    "winter",
    "storm",
    "festival",
    "museum",
    "railway",
    "police",
    "inquiry",
    "league",
    "coach",
    "season",
    "museum",
    "library",
    "mayor",
    "district",
    "tax",
    "water",
    "forest",
    "mine",
    "strike",
    "union",
    "factory",
    "export",
    "market",
    "bank",
    "loan",
    "housing",
    "rent",
    "students",
    "teachers",
    "doctors",
    "nurses",
    "ferry",
    "airport",
    "road",
    "tunnel",
    "climate",
    "drought",
    "flood",
    "rescue",
    "volunteers",
    "village",
    "island",
    "mountain",
]

_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + "]>\n"
)


def article_html(slug: str, charset: str = "utf-8", meta_charset: str | None = None) -> str:
    """A plausible news article whose text is unique to ``slug`` (so dedup keeps it)."""
    rng = random.Random(hashlib.sha256(slug.encode()).digest())
    title = " ".join(rng.choice(WORDS) for _ in range(6)).capitalize()
    paragraphs = [
        " ".join(rng.choice(WORDS) for _ in range(45)).capitalize() + "." for _ in range(6)
    ]
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    meta = f'<meta charset="{meta_charset or charset}">'
    return (
        f'<!DOCTYPE html><html lang="en"><head>{meta}<title>{title}</title>'
        f'<meta property="article:published_time" content="2024-05-01T10:00:00+00:00">'
        f"</head><body><article><h1>{title}</h1>\n{body}</article></body></html>"
    )


def _rss(links: list[str], title: str = "Hostile feed") -> bytes:
    items = "".join(
        f"<item><title>Item {i}</title><link>{escape(u)}</link>"
        f"<pubDate>Wed, 01 May 2024 10:00:00 GMT</pubDate></item>"
        for i, u in enumerate(links)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>http://example.invalid/</link>{items}</channel></rss>"
    ).encode()


def _urlset(links: list[str]) -> bytes:
    locs = "".join(f"<url><loc>{escape(u)}</loc></url>" for u in links)
    return (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{locs}</urlset>"
    ).encode()


def _index(children: list[str]) -> bytes:
    locs = "".join(f"<sitemap><loc>{escape(u)}</loc></sitemap>" for u in children)
    return (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{locs}</sitemapindex>"
    ).encode()


def _html_links(links: list[str], title: str = "Index") -> bytes:
    anchors = "".join(f'<li><a href="{escape(u)}">{escape(u)}</a></li>' for u in links)
    return (
        f"<html><head><title>{title}</title></head><body><ul>{anchors}</ul></body></html>".encode()
    )


class Log:
    """Append-only JSON-lines log shared by all handler threads."""

    def __init__(self, path: str) -> None:
        self._lock = threading.Lock()
        self._file = open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115

    def write(self, **entry: object) -> None:
        entry["t"] = time.time()
        with self._lock:
            self._file.write(json.dumps(entry) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: HostileServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def setup(self) -> None:
        super().setup()
        host, port = self.server.server_address[:2]
        self.server.log.write(event="connect", host=host, port=port, role=self.server.role)

    # -- plumbing --------------------------------------------------------------
    def _send(
        self,
        status: int,
        body: bytes = b"",
        ctype: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _sleep(self, seconds: float) -> None:
        time.sleep(min(seconds, self.server.lifetime))

    def _base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def do_GET(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        host, port = self.server.server_address[:2]
        self.server.log.write(
            event="request", host=host, port=port, role=self.server.role, path=self.path,
            ua=self.headers.get("User-Agent", ""),
        )  # fmt: skip
        if self.server.role != "outlet":
            self._send(200, b"<html><body>internal service: secret data</body></html>")
            return
        query = parse_qs(parts.query)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.route(parts.path, query)

    do_HEAD = do_GET

    # -- routes ----------------------------------------------------------------
    def route(self, path: str, q: dict[str, list[str]]) -> None:  # noqa: C901, PLR0911, PLR0912
        links = q.get("link", [])
        if path == "/robots.txt":
            return self.robots()
        if path.startswith(("/a/", "/private/", "/news/")):
            return self._send(200, article_html(path).encode())
        if path == "/rss":
            return self._send(200, _rss(links), "application/rss+xml")
        if path == "/sitemap":
            return self._send(200, _urlset(links), "application/xml")
        if path == "/sitemap-index":
            return self._send(200, _index(links), "application/xml")
        if path == "/links":
            return self._send(200, _html_links(links))
        if path == "/redirect":
            code = int(q.get("code", ["302"])[0])
            return self._send(code, b"", headers={"Location": q["to"][0]})
        if path == "/redirect/loop":
            return self._send(302, b"", headers={"Location": "/redirect/loop"})
        if path == "/redirect/pingpong":
            return self._send(302, b"", headers={"Location": "/redirect/pong"})
        if path == "/redirect/pong":
            return self._send(302, b"", headers={"Location": "/redirect/pingpong"})
        if path.startswith("/redirect/chain/"):
            n = int(path.rsplit("/", 1)[1])
            target = f"/redirect/chain/{n - 1}" if n > 0 else "/a/end-of-chain.html"
            return self._send(301, b"", headers={"Location": target})
        if path == "/meta-refresh":
            to = escape(q["to"][0], {'"': "&quot;"})
            return self._send(
                200,
                f'<html><head><meta http-equiv="refresh" content="0; url={to}"></head></html>'.encode(),
            )
        if path == "/meta-loop":
            return self._send(
                200,
                b'<html><head><meta http-equiv="refresh" content="0; url=/meta-loop"></head></html>',
            )
        if path.startswith("/status/"):
            return self.status(int(path.rsplit("/", 1)[1]), q)
        if path.startswith("/bomb/"):
            return self.bomb(path.removeprefix("/bomb/"))
        if path.startswith("/slow/"):
            return self.slow(path.removeprefix("/slow/"))
        if path.startswith("/truncated/"):
            return self.truncated(path.removeprefix("/truncated/"))
        if path.startswith("/xml/"):
            return self.xml(path.removeprefix("/xml/"), q)
        if path.startswith("/x/"):
            return self.extraction(path.removeprefix("/x/"), q)
        if path.startswith("/trap/"):
            return self.trap(path.removeprefix("/trap/"), q)
        if path.startswith("/headers/"):
            return self.endless_headers(path.removeprefix("/headers/"))
        if path.startswith("/flip/"):
            return self.flip(path, q)
        if path == "/wide-index":
            return self.wide_index(int(q.get("n", ["10001"])[0]))
        if path.startswith("/wide-child/"):
            return self.wide_child(path.removeprefix("/wide-child/").removesuffix(".xml"))
        return self._send(404, b"<html><body>not found</body></html>")

    def robots(self) -> None:
        mode = self.server.robots_mode
        if mode == "503":
            return self._send(503, b"busy", "text/plain")
        if mode == "500":
            return self._send(500, b"broken", "text/plain")
        if mode == "404":
            return self._send(404, b"none", "text/plain")
        if mode == "hang":
            self._sleep(3600)
            return None
        return self._send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")

    def status(self, code: int, q: dict[str, list[str]]) -> None:
        headers = {}
        if "retry_after" in q:
            headers["Retry-After"] = q["retry_after"][0]
        self._send(code, f"<html><body>status {code}</body></html>".encode(), headers=headers)

    def bomb(self, kind: str) -> None:
        if kind in ("gzip", "deflate", "br"):
            body = self.server.bomb(kind)
            self._send(200, body, headers={"Content-Encoding": kind})
        elif kind == "sitemap.xml.gz":
            self._send(200, self.server.bomb("sitemap-gzip"), "application/x-gzip")
        elif kind == "huge-length":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(2 * 1024**3))
            self.end_headers()
            chunk = b"<p>" + b"x" * 65_536 + b"</p>"
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                self.wfile.write(chunk)
        elif kind == "endless":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"<p>" + b"y" * 65_536 + b"</p>"
            frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                self.wfile.write(frame)

    def endless_headers(self, kind: str) -> None:
        """``200`` and then header lines that never end: 8 KB lines, tiny lines, one huge line;
        or ``100 Continue`` blocks for ever."""
        deadline = time.monotonic() + min(60.0, self.server.lifetime)
        if kind == "continue":  # interim responses for ever, each a complete header block
            block = b"HTTP/1.1 100 Continue\r\n\r\n" * 2048
            while time.monotonic() < deadline:
                self.wfile.write(block)
            return
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
        if kind == "long-line":
            self.wfile.write(b"X-Long: ")
            while time.monotonic() < deadline:
                self.wfile.write(b"z" * 65_536)
            return
        line = b"X-Pad: " + b"h" * 8_184 + b"\r\n" if kind == "endless" else b"X-N: 1\r\n"
        block = line * max(1, 65_536 // len(line))
        while time.monotonic() < deadline:
            self.wfile.write(block)

    def flip(self, path: str, q: dict[str, list[str]]) -> None:
        """An article the first time, a redirect to ``to`` ever after (what a re-crawl meets)."""
        with self.server.flip_lock:
            first = path not in self.server.flipped
            self.server.flipped.add(path)
        if first:
            return self._send(200, article_html(path).encode())
        return self._send(302, b"", headers={"Location": q["to"][0]})

    def wide_index(self, n: int) -> None:
        """A sitemap index of ``n`` children, newest first by lastmod (a day apart)."""
        now = time.time()
        parts = [b'<?xml version="1.0" encoding="UTF-8"?>\n']
        parts.append(b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">')
        for i in range(n):
            day = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - i * 3600))
            parts.append(
                f"<sitemap><loc>{self._base()}/wide-child/{i}.xml</loc>"
                f"<lastmod>{day}</lastmod></sitemap>".encode()
            )
        parts.append(b"</sitemapindex>")
        self._send(200, b"".join(parts), "application/xml")

    def wide_child(self, name: str) -> None:
        links = [f"{self._base()}/a/wide-{name}-{j}.html" for j in range(3)]
        self._send(200, _urlset(links), "application/xml")

    def slow(self, kind: str) -> None:
        if kind == "silent":
            self._sleep(3600)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        if kind == "drip":
            self.send_header("Content-Length", "100000")
        self.end_headers()
        self.wfile.flush()
        if kind == "headers":
            self._sleep(3600)
            return
        for _ in range(3600):  # drip: one byte a second
            self.wfile.write(b"x")
            self.wfile.flush()
            time.sleep(1)

    def truncated(self, kind: str) -> None:
        body = article_html("/truncated/" + kind).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if kind == "length":
            self.send_header("Content-Length", str(len(body) + 5000))
            self.end_headers()
            self.wfile.write(body)
        else:  # broken chunking: a chunk announced larger than what is sent, then EOF
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(f"{len(body) + 5000:x}\r\n".encode() + body)
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True

    def xml(self, kind: str, q: dict[str, list[str]]) -> None:  # noqa: C901
        base = self._base()
        links = q.get("link", [])
        ctype = "application/xml"
        if kind == "laughs-sitemap":
            body = _LAUGHS + (
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<url><loc>{base}/a/laughs-&lol9;.html</loc></url></urlset>"
            )
        elif kind == "xxe-sitemap":
            body = (
                f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY file SYSTEM "file://{q["file"][0]}">'
                f'<!ENTITY net SYSTEM "{q["net"][0]}">]>'
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<url><loc>{base}/a/xxe-&file;.html</loc></url>"
                f"<url><loc>{base}/a/xxenet-&net;.html</loc></url></urlset>"
            )
        elif kind == "laughs-feed":
            body = _LAUGHS + (
                '<rss version="2.0"><channel><title>&lol9;</title>'
                f"<item><title>&lol9;</title><link>{base}/a/laughs-feed.html</link></item>"
                "</channel></rss>"
            )
        elif kind == "xxe-feed":
            body = (
                f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY file SYSTEM "file://{q["file"][0]}">'
                f'<!ENTITY net SYSTEM "{q["net"][0]}">]>'
                '<rss version="2.0"><channel><title>&file;</title>'
                f"<item><title>&net;</title><link>{base}/a/xxefeed-&file;.html</link></item>"
                "</channel></rss>"
            )
        elif kind == "self-index":
            return self._send(200, _index([f"{base}/xml/self-index"]), ctype)
        elif kind.startswith("nest-"):
            n = int(kind.removeprefix("nest-"))
            if n >= 50:
                return self._send(200, _urlset([f"{base}/a/nest-bottom.html"]), ctype)
            return self._send(200, _index([f"{base}/xml/nest-{n + 1}"]), ctype)
        elif kind == "big-sitemap":
            n = int(q.get("n", ["100000"])[0])
            return self._send(200, _urlset([f"{base}/a/big-{i}.html" for i in range(n)]), ctype)
        elif kind == "malformed-feed":
            body = '<?xml version="1.0"?><rss version="2.0"><channel><item><title>broken</ti'
        elif kind == "garbage-feed":
            return self._send(200, os.urandom(4000), "application/rss+xml")
        elif kind == "empty-feed":
            body = (
                '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
            )
        elif kind == "html-feed":
            body = "<html><body><p>this is not a feed at all</p></body></html>"
        else:
            return self._send(404)
        del links
        self._send(200, body.encode(), ctype)

    def extraction(self, kind: str, q: dict[str, list[str]]) -> None:
        if kind == "nested":
            n = int(q.get("n", ["5000"])[0])
            inner = article_html("/x/nested/" + str(n))
            body = ("<div>" * n + inner + "</div>" * n).encode()
            return self._send(200, body)
        if kind == "big":
            mb = int(q.get("mb", ["20"])[0])
            para = "<p>" + " ".join(WORDS) + "</p>\n"
            count = mb * 1024 * 1024 // len(para)
            body = ("<html><body><article>" + para * count + "</article></body></html>").encode()
            return self._send(200, body)
        if kind == "binary":
            return self._send(200, random.Random(5).randbytes(200_000), "text/html")
        if kind == "badutf8":
            body = article_html("/x/badutf8").encode().replace(b"<p>", b"<p>\xff\xfe\xc3(", 6)
            return self._send(200, body)
        if kind == "nul":
            body = article_html("/x/nul").encode().replace(b" ", b"\x00 ", 40)
            return self._send(200, body)
        if kind == "charset":
            text = article_html("/x/charset", meta_charset="windows-1251")
            text = text.replace("<h1>", "<h1>Наводнение в столице ")
            return self._send(200, text.encode("utf-8"), "text/html; charset=utf-8")
        return self._send(404)

    def trap(self, kind: str, q: dict[str, list[str]]) -> None:
        sid = "".join(random.choice("abcdef0123456789") for _ in range(16))
        if kind.startswith("calendar/"):
            year, month = (int(x) for x in kind.split("/")[1:3])
            nxt = (year + (month == 12), month % 12 + 1)
            links = [
                f"/trap/calendar/{nxt[0]}/{nxt[1]:02d}?sid={sid}",
                f"/news/{year}/{month:02d}/story-{year}-{month}.html?sid={sid}",
            ]
        elif kind.startswith("page/"):
            n = int(kind.split("/")[1])
            links = [f"/trap/page/{n + 1}?PHPSESSID={sid}", f"/news/2024/05/page-story-{n}.html"]
        elif kind.startswith("deep"):
            links = [f"/{kind}/deeper/?sid={sid}", f"/news/2024/05/deep-{kind.count('/')}.html"]
        else:
            return self._send(404)
        links.append(f"/news/2024/05/shared-story.html?sid={sid}")  # one article, many sids
        self._send(200, _html_links(links, title=f"trap {kind}"))


class HostileServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], role: str, log: Log, robots: str, lifetime: float):
        super().__init__(address, Handler)
        self.role = role
        self.log = log
        self.robots_mode = robots
        self.lifetime = lifetime
        self.bombs: dict[str, bytes] = {}
        self.flipped: set[str] = set()
        self.flip_lock = threading.Lock()

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the crawler hanging up on a bomb or a drip is the expected outcome

    def bomb(self, kind: str) -> bytes:
        if kind not in self.bombs:
            self.bombs.update(make_bombs())
        return self.bombs[kind]


# Expanded sizes: what fits under a 200 kB compressed body (deflate tops out near 1:1000,
# brotli goes much further), and far above any page limit.
BOMB_SIZES = {
    "gzip": 128 * 1024**2,
    "deflate": 128 * 1024**2,
    "sitemap-gzip": 128 * 1024**2,
    "br": 512 * 1024**2,
}


def make_bombs() -> dict[str, bytes]:
    """Built once at start-up (about 2 s): a lazy build would stall the first request."""
    kinds = [k for k in BOMB_SIZES if k != "br" or _has_brotli()]
    return {kind: _make_bomb(kind, BOMB_SIZES[kind]) for kind in kinds}


def _has_brotli() -> bool:
    try:
        import brotli  # noqa: F401
    except ImportError:
        return False
    return True


def _make_bomb(kind: str, size: int) -> bytes:
    block = b"<p>" + b"a" * (1024 * 1024 - 7) + b"</p>"
    if kind == "br":
        import brotli

        compressor = brotli.Compressor(quality=1)
        parts = [compressor.process(b"<html><body>")]
        parts += [compressor.process(block) for _ in range(size // len(block))]
        return b"".join(parts) + compressor.finish()
    if kind == "sitemap-gzip":
        head = b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        block = b"<!-- " + b"z" * (1024 * 1024 - 9) + b" -->"
        prefix = head
    else:
        prefix = b"<html><body>"
    wbits = zlib.MAX_WBITS if kind == "deflate" else 31  # 31: gzip framing
    comp = zlib.compressobj(9, zlib.DEFLATED, wbits)
    out = [comp.compress(prefix)]
    for _ in range(size // len(block)):
        out.append(comp.compress(block))
    out.append(comp.flush())
    return b"".join(out)


def _serve(server: HostileServer) -> None:
    threading.Thread(target=server.serve_forever, daemon=True).start()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--log", required=True)
    parser.add_argument("--hosts", type=int, default=4)
    parser.add_argument("--robots", action="append", default=[], help="IDX=ok|404|500|503|hang")
    parser.add_argument("--lifetime", type=float, default=600)
    parser.add_argument("--bombs", action="store_true", help="build compression bombs first")
    args = parser.parse_args(argv)
    log = Log(args.log)
    bombs = make_bombs() if args.bombs else {}
    robots = dict(item.split("=", 1) for item in args.robots)
    outlets = []
    for i in range(args.hosts):
        server = HostileServer(
            (f"127.0.3.{i + 1}", 0), "outlet", log, robots.get(str(i), "ok"), args.lifetime
        )
        server.bombs = bombs
        _serve(server)
        outlets.append(f"http://127.0.3.{i + 1}:{server.server_address[1]}")
    spare = HostileServer(("127.0.3.1", 0), "spare", log, "ok", args.lifetime)
    internal = HostileServer(("127.0.0.2", 0), "internal", log, "ok", args.lifetime)
    local = HostileServer(("127.0.0.1", 0), "internal-localhost", log, "ok", args.lifetime)
    for server in (spare, internal, local):
        _serve(server)
    print(
        json.dumps(
            {
                "outlets": outlets,
                "spare": f"http://127.0.3.1:{spare.server_address[1]}",
                "internal": f"http://127.0.0.2:{internal.server_address[1]}",
                "internal_port": internal.server_address[1],
                "localhost": f"http://localhost:{local.server_address[1]}",
                "pid": os.getpid(),
                "brotli": "br" in bombs,
            }
        ),
        flush=True,
    )
    deadline = time.monotonic() + args.lifetime
    watcher = threading.Thread(target=lambda: sys.stdin.read(), daemon=True)
    watcher.start()
    while watcher.is_alive() and time.monotonic() < deadline:
        watcher.join(0.5)
    os._exit(0)  # handler threads may be sleeping or streaming: do not wait for them


def q(url: str) -> str:
    """Quote a URL for use as a query value (helper for tests building routes)."""
    return quote(url, safe="")


if __name__ == "__main__":
    main()
