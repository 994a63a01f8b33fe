"""``mediawatch outlets add / check / collections`` through the installed console script.

Every site is a real HTTP server on loopback; the config files are written as a user
writes them (comments, spacing, order) and must keep every byte they had.
"""

from __future__ import annotations

import gzip
import os
import socket
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest

from mediawatch.config import load_config

MEDIAWATCH = str(Path(sys.executable).parent / "mediawatch")

USER_CONFIG = """\
# My monitoring setup — notes I keep here.
# (a comment with odd spacing)     and 'quotes' "too"

[warehouse]
path   =   "warehouse.duckdb"     # aligned the way I like

[crawl]
user_agent = 'tester (+mailto:tester@example.org)'
download_delay = 0.0
per_domain_concurrency = 8
max_pages_per_outlet = 5          # keeps the test crawl short
extract_workers = 1
max_age_days = 0
max_page_bytes = {max_page_bytes}            # small, so that a big feed is over the limit
timeout_s = 5
retries = 0
{outlets}
# ---- topics below ----

[[topics]]
name = "anything"
query = "the OR и"   # matches most pages

[schedule]
timezone = "UTC"
"""


def write_config(directory: Path, outlets: str = "", max_page_bytes: int = 20_000) -> Path:
    path = directory / "mediawatch.toml"
    text = USER_CONFIG.format(outlets=outlets, max_page_bytes=max_page_bytes)
    path.write_text(text, encoding="utf-8")
    return path


def run(config: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [MEDIAWATCH, "--config", str(config), *args],
        capture_output=True, text=True, timeout=timeout, env=dict(os.environ),
    )  # fmt: skip


def assert_kept(old: str, new: str) -> str:
    """``new`` is ``old`` with one block inserted: every old byte kept, in order. Returns it."""
    start = 0
    while start < len(old) and old[start] == new[start]:
        start += 1
    inserted = new[start : len(new) - (len(old) - start)]
    assert new == old[:start] + inserted + old[start:], "the user's text was changed"
    return inserted


def assert_one_line_error(proc: subprocess.CompletedProcess, code: int) -> None:
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, proc.stderr


# -- loopback sites ---------------------------------------------------------------------


@dataclass
class Site:
    """A loopback web server answering fixed routes, logging every request it gets."""

    server: ThreadingHTTPServer
    routes: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"


@contextmanager
def site(host: str = "127.0.0.1") -> Iterator[Site]:
    holder: list[Site] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            me = holder[0]
            me.log.append(self.path)
            status, headers, body = me.routes.get(self.path, (404, {}, b"not found"))
            self.send_response(status)
            for key, value in {"Content-Length": str(len(body)), **headers}.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer((host, 0), Handler)
    holder.append(Site(server))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss(base: str, n: int = 3, pad: int = 0) -> bytes:
    items = "".join(
        f"<item><title>Story {i}</title><link>{base}/news/{i}.html</link>"
        f"<description>{'x' * pad}</description>"
        f"<pubDate>Fri, 04 Dec 2026 10:0{i % 10}:00 +0000</pubDate></item>"
        for i in range(n)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        f"<link>{base}/</link>{items}</channel></rss>"
    ).encode()


def homepage(feed_hrefs: list[str], lang: str = "en", site_name: str = "") -> bytes:
    links = "".join(
        f'<link rel="alternate" type="application/rss+xml" href="{h}">' for h in feed_hrefs
    )
    meta = f'<meta property="og:site_name" content="{site_name}">' if site_name else ""
    return f'<html lang="{lang}"><head>{links}{meta}</head><body>home</body></html>'.encode()


XML = {"Content-Type": "application/rss+xml"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
TEXT = {"Content-Type": "text/plain"}


# -- outlets add URL ----------------------------------------------------------------------


def test_add_writes_a_config_that_loads_and_crawls(newsroom, newsroom_server, tmp_path) -> None:
    spec = next(s for s in newsroom.outlets if s.feeds)
    base = newsroom_server.base_url(spec.key)
    config = write_config(tmp_path, max_page_bytes=10_000_000)
    old = config.read_text(encoding="utf-8")

    proc = run(config, "outlets", "add", base + "/", "--name", "Added outlet", "--timezone", "UTC")
    assert proc.returncode == 0, proc.stderr
    assert f"found {base}{spec.feeds[0]}" in proc.stdout
    assert "added 'Added outlet'" in proc.stdout

    inserted = assert_kept(old, config.read_text(encoding="utf-8"))
    assert inserted.lstrip("\n").startswith("[[outlets]]\n# added by `mediawatch outlets add")
    outlet = load_config(config).outlet("Added outlet")
    assert outlet.homepage == base + "/"
    assert f"{base}{spec.feeds[0]}" in outlet.feeds
    assert outlet.language == spec.language and outlet.timezone == "UTC"

    crawl = run(config, "crawl", timeout=180)
    assert crawl.returncode == 0, crawl.stderr
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        (stored,) = con.execute(
            "SELECT count(*) FROM articles WHERE outlet = 'Added outlet'"
        ).fetchone()
    served = sum(1 for a in newsroom.articles if a.outlet == spec.key)
    assert 0 < stored <= min(served, 5)

    again = run(config, "outlets", "add", base + "/", "--name", "Added outlet")
    assert_one_line_error(again, 1)
    assert "already configured as outlet 'Added outlet'" in again.stderr
    renamed = run(config, "outlets", "add", base + "/static/", "--name", "Added outlet")
    assert_one_line_error(renamed, 1)
    assert "an outlet named 'Added outlet' is already configured" in renamed.stderr


def test_add_unreachable_site_writes_nothing(tmp_path) -> None:
    config = write_config(tmp_path)
    old = config.read_bytes()
    proc = run(config, "outlets", "add", f"http://127.0.0.1:{closed_port()}/")
    assert_one_line_error(proc, 75)
    assert "unreachable (connection refused)" in proc.stderr
    assert "discovery" not in proc.stdout + proc.stderr  # no advice about a site never reached
    assert config.read_bytes() == old


@contextmanager
def silent_listener() -> Iterator[int]:
    """A port that accepts connections (the kernel does) and never says a word."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield s.getsockname()[1]


@pytest.mark.parametrize("kind", ["refused", "tls", "timeout"])
def test_check_reports_an_unreachable_site_without_advice(tmp_path, kind: str) -> None:
    config = write_config(tmp_path)  # timeout_s = 5
    with site() as plain, silent_listener() as silent:
        url, reason = {
            "refused": (f"http://127.0.0.1:{closed_port()}/", "connection refused"),
            "tls": (plain.base.replace("http:", "https:") + "/", "TLS handshake failed"),
            "timeout": (f"http://127.0.0.1:{silent}/", "timed out"),
        }[kind]
        proc = run(config, "outlets", "check", url)
    assert proc.returncode == 75, proc.stderr
    assert f"unreachable ({reason})" in proc.stdout
    assert "never reached, so nothing is advised" in proc.stdout
    assert "paste" not in proc.stdout and "discovery" not in proc.stdout
    assert "Traceback" not in proc.stderr and "ERROR" not in proc.stderr


def test_add_refuses_a_redirect_to_another_host(tmp_path) -> None:
    with site("127.0.0.1") as outlet, site("127.0.0.2") as elsewhere:
        elsewhere.routes["/"] = (200, HTML, homepage(["/rss.xml"]))
        elsewhere.routes["/rss.xml"] = (200, XML, rss(elsewhere.base))
        outlet.routes["/robots.txt"] = (200, TEXT, b"User-agent: *\nAllow: /\n")
        outlet.routes["/"] = (302, {"Location": elsewhere.base + "/"}, b"")
        config = write_config(tmp_path)
        old = config.read_bytes()
        proc = run(config, "outlets", "add", outlet.base + "/")
        assert_one_line_error(proc, 1)
        assert "refused by the address guard" in proc.stderr
        checked = run(config, "outlets", "check", outlet.base + "/")
        assert checked.returncode == 1, checked.stderr
        assert f"refused by the address guard (refused redirect to {elsewhere.base}/" in (
            checked.stdout
        )
        assert elsewhere.log == []  # the guard stopped both before any connection
        assert config.read_bytes() == old


def test_add_records_huge_feeds_as_skipped(tmp_path) -> None:
    with site() as outlet:
        outlet.routes["/robots.txt"] = (200, TEXT, b"User-agent: *\nAllow: /\n")
        outlet.routes["/"] = (200, HTML, homepage(["/huge.xml", "/small.xml"], site_name="Loop"))
        outlet.routes["/huge.xml"] = (200, XML, rss(outlet.base, n=50, pad=4000))  # ~200 KB
        outlet.routes["/small.xml"] = (200, XML, rss(outlet.base))
        bomb = gzip.compress(rss(outlet.base, n=400, pad=3000))  # 6 KB, 1.2 MB inflated
        outlet.routes["/bomb.xml"] = (200, {**XML, "Content-Encoding": "gzip"}, bomb)
        outlet.routes["/"] = (
            200, HTML, homepage(["/huge.xml", "/bomb.xml", "/small.xml"], site_name="Loop")
        )  # fmt: skip
        config = write_config(tmp_path)
        old = config.read_text(encoding="utf-8")
        proc = run(config, "outlets", "add", outlet.base + "/")
        assert proc.returncode == 0, proc.stderr
        inserted = assert_kept(old, config.read_text(encoding="utf-8"))
        for path in ("/huge.xml", "/bomb.xml"):
            line = f"skipped {outlet.base}{path}: over the size limit"
            assert line in proc.stdout
            assert f"# {line}" in inserted  # recorded in the file
        added = load_config(config).outlet("Loop")  # the site's own name
        assert added.feeds == [outlet.base + "/small.xml"]


def test_check_never_reaches_another_port_of_an_outlet_host(tmp_path) -> None:
    """Issue 18 item 3: robots ``Sitemap:`` and ``<link rel=alternate>`` on another port."""
    with site() as outlet, site() as other_port:
        other = other_port.base
        other_port.routes["/feed.xml"] = (200, XML, rss(other))
        other_port.routes["/sitemap.xml"] = (200, XML, b"<urlset/>")
        outlet.routes["/robots.txt"] = (200, TEXT, f"Sitemap: {other}/sitemap.xml\n".encode())
        outlet.routes["/"] = (200, HTML, homepage([f"{other}/feed.xml", "/rss.xml"]))
        outlet.routes["/home"] = outlet.routes["/"]
        outlet.routes["/rss.xml"] = (200, XML, rss(outlet.base))
        entry = f'[[outlets]]\nname = "Mine"\nhomepage = "{outlet.base}/home"\n'
        config = write_config(tmp_path, outlets=entry)
        proc = run(config, "outlets", "check", "Mine")
        assert proc.returncode == 0, proc.stderr
        assert f'feeds = ["{outlet.base}/rss.xml"]' in proc.stdout
        for url in (f"{other}/feed.xml", f"{other}/sitemap.xml"):
            assert f"skipped {url}: refused address" in proc.stdout
        old = config.read_text(encoding="utf-8")
        proc = run(config, "outlets", "add", outlet.base + "/", "--language", "de")
        assert proc.returncode == 0, proc.stderr
        inserted = assert_kept(old, config.read_text(encoding="utf-8"))
        assert f"# skipped {other}/feed.xml: refused address" in inserted
        added = load_config(config).outlet("127.0.0.1")  # no site name: named after its host
        assert added.feeds == [f"{outlet.base}/rss.xml"] and added.sitemaps == []
        assert added.language == "de"  # the page says "en": the option wins
        assert other_port.log == []


# -- collections --------------------------------------------------------------------------


def test_collections_listed_and_added_keep_the_file(tmp_path) -> None:
    listed = run(write_config(tmp_path), "outlets", "collections")
    assert listed.returncode == 0, listed.stderr
    shipped = Path(__file__).parents[1] / "mediawatch" / "collections"
    codes = sorted(p.stem for p in shipped.glob("*.toml"))
    assert {"ru", "gb", "us"} <= set(codes)
    for code in codes:
        assert f"\n{code} " in "\n" + listed.stdout

    mine = (
        '[[outlets]]\nname = "Mine"\nhomepage = "http://127.0.0.1:1/"\n\n'
        '[[outlets]]\nname = "K"\nhomepage = "https://www.kommersant.ru"\n# enabled = false\n'
    )
    config = write_config(tmp_path, outlets=mine)
    old = config.read_text(encoding="utf-8")
    proc = run(config, "outlets", "add", "--collection", ",".join(codes))  # every one validates
    assert proc.returncode == 0, proc.stderr
    new = config.read_text(encoding="utf-8")
    inserted = assert_kept(old, new)
    assert "# from collection gb: fundus src/fundus/publishers/uk/__init__.py @ " in inserted
    assert "# from collection ru: mediawatch starter config" in inserted
    # right after the existing entry and its own comment, before the user's next section
    assert new.index("# enabled = false") < new.index(inserted) < new.index("# ---- topics")
    assert "left out Kommersant (ru): already configured" in proc.stderr  # same homepage
    loaded = load_config(config)
    assert [o.name for o in loaded.outlets[:2]] == ["Mine", "K"]
    loaded = loaded.model_copy(update={"outlets": loaded.outlets[2:]})
    expected = [
        o["name"]
        for code in codes
        for o in tomllib.loads((shipped / f"{code}.toml").read_text(encoding="utf-8"))["outlets"]
    ]
    assert [o.name for o in loaded.outlets] == [n for n in expected if n != "Kommersant"]
    assert all(o.timezone and o.language for o in loaded.outlets)
    # feeds and news sitemaps are kept; a whole-site sitemap only when there is neither
    reuters = loaded.outlet("Reuters")
    assert reuters.sitemaps == [
        "https://www.reuters.com/arc/outboundfeeds/news-sitemap-index/?outputType=xml"
    ]
    assert loaded.outlet("TASS").feeds == ["https://tass.ru/rss/v2.xml"]
    assert loaded.outlet("Evening Standard").sitemaps == []
    assert loaded.outlet("i").sitemaps == ["https://inews.co.uk/sitemap.xml"]

    again = run(config, "outlets", "add", "--collection", "ru")
    assert again.returncode == 0 and "nothing to add" in again.stdout
    unknown = run(config, "outlets", "add", "--collection", "xx")
    assert_one_line_error(unknown, 1)
    assert "no collection 'xx'" in unknown.stderr


def test_check_collection_reports_each_entry(tmp_path) -> None:
    with site() as good, site("127.0.0.2") as stale:
        good.routes["/robots.txt"] = (200, TEXT, b"User-agent: *\nAllow: /\n")
        good.routes["/"] = (200, HTML, homepage([]))
        good.routes["/rss.xml"] = (200, XML, rss(good.base))
        stale.routes["/"] = (200, HTML, homepage([]))  # its listed feed is gone (404)
        closed = f"http://127.0.0.1:{closed_port()}"
        collection = tmp_path / "loop.toml"
        collection.write_text(
            '[collection]\ncode = "loop"\ntitle = "Loopback stand-in"\ntimezone = "UTC"\n'
            + "".join(
                f'\n[[outlets]]\nname = "{name}"\nhomepage = "{base}/"\nlanguage = "en"\n'
                f'feeds = ["{base}/rss.xml"]\nsource = "test"\nretrieved = 2026-12-04\n'
                for name, base in (("Good", good.base), ("Stale", stale.base), ("Gone", closed))
            ),
            encoding="utf-8",
        )
        config = write_config(tmp_path)
        proc = run(config, "outlets", "check", "--collection", str(collection))
        assert proc.returncode == 75, proc.stderr  # one entry could not be reached
        assert "Traceback" not in proc.stderr
        rows = {line.split()[0]: line for line in proc.stdout.splitlines() if line.strip()}
        assert " ok " in rows["Good"] and "1/1" in rows["Good"]
        assert " ok " in rows["Stale"] and "0/1" in rows["Stale"]
        assert f"{stale.base}/rss.xml: HTTP 404" in proc.stdout
        assert "unreachable" in rows["Gone"] and "connection refused" in rows["Gone"]
        assert good.log.count("/rss.xml") == 1  # checks the listed feed, probes nothing else
        assert set(good.log) == {"/robots.txt", "/", "/rss.xml"}

        added = run(config, "outlets", "add", "--collection", str(collection))
        assert added.returncode == 0, added.stderr
        assert [o.name for o in load_config(config).outlets] == ["Good", "Stale", "Gone"]


@pytest.mark.parametrize(
    "bad",
    [
        "add ftp://127.0.0.1/",
        "add http://127.0.0.1:1/ --language english",
        "add http://127.0.0.1:1/ --timezone Mars/Olympus",
        "add",
        "check",  # no outlets configured yet
    ],
)
def test_add_rejects_bad_input_before_any_request(tmp_path, bad: str) -> None:
    config = write_config(tmp_path)
    old = config.read_bytes()
    proc = run(config, "outlets", *bad.split())
    if bad == "add":  # a usage error: click's own message, exit 2
        assert proc.returncode == 2 and "give a URL or --collection" in proc.stderr
    else:
        assert_one_line_error(proc, 1)
    assert config.read_bytes() == old
