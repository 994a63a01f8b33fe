"""Sitemap and feed quirks that real sites have, crawled through the installed console script.

Each case is a small site on 127.0.0.1 (a thread of this process serving fixed bytes and
logging every request), crawled by ``mediawatch --config X crawl`` in a subprocess; the
tests read the warehouse (articles, ``fetch_failures``, ``crawl_run_outlets``,
``sitemap_probes``), the site's request log and the exit code (issue 25):

1. a sitemap at a usual path that robots.txt does not name (or no robots.txt at all) is
   found, each usual path is asked at most once a day, and what was found is remembered;
2. an empty feed or sitemap and a missing robots.txt are *empty* or *absent*, not failed:
   the run exits 0; a listing that is really broken still makes it exit 1;
3. an index that lists itself, a ring of indexes and a child redirecting back to the
   root are each fetched once and recorded as ``sitemap-cycle``, not as too deep;
4. an Atom entry is stored under its first HTML alternate link, not feedparser's last;
5. a clipped sitemap gives its complete entries, never the URL cut off at the end.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest

from spiders.discovery import COMMON_SITEMAP_PATHS
from spiders.listing_visits import ListingVisits, chain_of
from spiders.sitemap_probes import SitemapProbes
from tests.hostile.crawl import write_config
from tests.hostile.server import article_html
from tests.test_cli import no_traceback, run

XML = "application/xml"
TODAY = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Site:
    """A loopback site: path (with query) -> (status, headers, body); 404 for the rest."""

    routes: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    base: str = ""

    def page(self, path: str, body: str | bytes, ctype: str = "text/html; charset=utf-8") -> None:
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = (200, {"Content-Type": ctype}, data)

    def article(self, path: str) -> str:
        self.page(path, article_html(path))
        return self.base + path

    def redirect(self, path: str, to: str) -> None:
        self.routes[path] = (301, {"Location": to}, b"")

    def asked(self, path: str) -> int:
        return self.log.count(path)


@pytest.fixture
def site() -> Iterator[Site]:
    state = Site()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802  # the http.server API
            state.log.append(self.path)
            status, headers, body = state.routes.get(self.path, (404, {}, b"not found"))
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    state.page("/", "<html><body><p>Front page without links.</p></body></html>")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def urlset(locs: list[str]) -> str:
    urls = "".join(f"<url><loc>{u}</loc><lastmod>{TODAY}</lastmod></url>\n" for u in locs)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n'
    )


def index(locs: list[str]) -> str:
    items = "".join(f"<sitemap><loc>{u}</loc></sitemap>\n" for u in locs)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{items}'
        "</sitemapindex>\n"
    )


@dataclass
class Crawl:
    config_path: Path
    warehouse: Path
    code: int
    stdout: str
    stderr: str

    def rows(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql).fetchall()

    def articles(self) -> set[str]:
        return {u for (u,) in self.rows("SELECT url FROM articles")}

    def failures(self) -> list[tuple[str, str, str]]:
        return self.rows("SELECT url, reason, detail FROM fetch_failures ORDER BY url, reason")


def crawl(tmp_path: Path, outlets: list[dict], again: Crawl | None = None) -> Crawl:
    """``mediawatch --config X crawl`` as a user runs it; ``again`` reuses that warehouse."""
    if again is None:
        config = write_config(tmp_path, outlets, retries=0, timeout_s=5.0)
        assert config.source is not None
        path, warehouse = config.source, config.warehouse_path
    else:
        path, warehouse = again.config_path, again.warehouse
    proc = run(path, "crawl", timeout=120)
    no_traceback(proc.stderr)
    return Crawl(path, warehouse, proc.returncode, proc.stdout, proc.stderr)


def homepage_outlet(site: Site, name: str = "quirky") -> dict:
    """Only a homepage: robots.txt, the usual paths and the front page are all there is."""
    return {"name": name, "homepage": site.base + "/", "language": "en", "timezone": "UTC"}


# -- 1. the usual sitemap paths ------------------------------------------------------------
def test_a_sitemap_robots_txt_does_not_name_is_found_and_asked_once_a_day(
    site: Site, tmp_path: Path
) -> None:
    stories = [site.article(f"/2026/story-{i}.html") for i in range(3)]
    site.page("/sitemap_index.xml", index([site.base + "/sitemap-posts.xml"]), XML)
    site.page("/sitemap-posts.xml", urlset(stories), XML)
    # no robots.txt at all: the site's 404
    first = crawl(tmp_path, [homepage_outlet(site)])
    assert first.code == 0, first.stderr
    assert first.articles() == set(stories)
    assert first.failures() == []
    probes = dict(first.rows("SELECT url, found FROM sitemap_probes WHERE outlet = 'quirky'"))
    assert probes[site.base + "/sitemap_index.xml"] is True
    assert probes[site.base + "/sitemap.xml"] is False
    assert set(probes) == {site.base + p for p in COMMON_SITEMAP_PATHS}
    assert all(site.asked(p) == 1 for p in COMMON_SITEMAP_PATHS)

    # the same day: the sitemap found is read again, the paths that had none are not asked
    second = crawl(tmp_path, [], again=first)
    assert second.code == 0, second.stderr
    assert site.asked("/sitemap_index.xml") == 2
    assert site.asked("/sitemap.xml") == 1 and site.asked("/wp-sitemap.xml") == 1

    # a day later every usual path is asked again
    with duckdb.connect(str(first.warehouse)) as con:
        con.execute("UPDATE sitemap_probes SET probed_at = probed_at - INTERVAL 25 HOUR")
    third = crawl(tmp_path, [], again=first)
    assert third.code == 0, third.stderr
    assert site.asked("/sitemap.xml") == 2


def test_a_robots_txt_without_sitemap_lines_leads_to_the_usual_paths(
    site: Site, tmp_path: Path
) -> None:
    story = site.article("/news/only-story.html")
    site.page("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    site.page("/sitemap.xml", urlset([story]), XML)
    done = crawl(tmp_path, [homepage_outlet(site)])
    assert done.code == 0, done.stderr
    assert done.articles() == {story}
    assert done.failures() == []


# -- 2. empty, absent and failed -------------------------------------------------------------
EMPTY_RSS = '<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title></channel></rss>'
EMPTY_ATOM = (
    '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
    f"<title>Quiet</title><id>urn:quiet</id><updated>{TODAY}</updated></feed>"
)


def test_empty_feeds_and_a_missing_robots_txt_are_not_failures(site: Site, tmp_path: Path) -> None:
    site.page("/rss.xml", EMPTY_RSS, "application/rss+xml")
    site.page("/atom.xml", EMPTY_ATOM, "application/atom+xml")
    site.page("/empty-sitemap.xml", urlset([]), XML)
    outlets = [
        {**homepage_outlet(site, "rss"), "feeds": [site.base + "/rss.xml"]},
        {**homepage_outlet(site, "atom"), "feeds": [site.base + "/atom.xml"]},
        {**homepage_outlet(site, "sitemap"), "sitemaps": [site.base + "/empty-sitemap.xml"]},
        homepage_outlet(site, "nothing"),  # robots.txt 404, no usual path, no links
    ]
    done = crawl(tmp_path, outlets)
    assert done.code == 0, (done.stdout, done.stderr)
    assert done.failures() == []
    assert done.rows("SELECT status, error FROM crawl_runs") == [("ok", None)]
    counts = dict(
        (outlet, rest)
        for outlet, *rest in done.rows(
            "SELECT outlet, listings_read, listings_empty, listings_absent, failed"
            " FROM crawl_run_outlets"
        )
    )
    assert counts["rss"] == [1, 1, 0, 0] and counts["atom"] == [1, 1, 0, 0]
    assert counts["sitemap"] == [1, 1, 0, 0]
    read, _empty, absent, failed = counts["nothing"]
    assert failed == 0 and read >= 1  # its front page (and /rss.xml, a usual feed path)
    assert absent >= 1 + len(COMMON_SITEMAP_PATHS)  # robots.txt and every usual path


def test_empty_feeds_robots_txt_names_as_sitemaps_are_empty_not_failed(
    site: Site, tmp_path: Path
) -> None:
    """robots.txt may name RSS and Atom feeds as sitemaps; empty ones are not bad sitemaps."""
    site.page("/rss.xml", EMPTY_RSS, "application/rss+xml")
    site.page("/atom.xml", EMPTY_ATOM, "application/atom+xml")
    site.page(
        "/robots.txt",
        f"User-agent: *\nSitemap: {site.base}/rss.xml\nSitemap: {site.base}/atom.xml\n",
        "text/plain",
    )
    outlets = [{**homepage_outlet(site, "listed"), "discovery": ["sitemaps"]}]
    done = crawl(tmp_path, outlets)
    assert done.code == 0, (done.stdout, done.stderr)
    assert done.failures() == []
    assert done.rows("SELECT status FROM crawl_runs") == [("ok",)]
    assert done.rows("SELECT listings_read, listings_empty, failed FROM crawl_run_outlets") == [
        (2, 2, 0)
    ]
    assert site.asked("/sitemap.xml") == 0  # robots.txt names sitemaps: nothing to guess


def test_a_listing_that_is_really_broken_still_fails_the_run(site: Site, tmp_path: Path) -> None:
    site.page("/feed.xml", "<html><body>Not a feed</body></html>")
    outlets = [{**homepage_outlet(site, "broken"), "feeds": [site.base + "/feed.xml"]}]
    done = crawl(tmp_path, outlets)
    assert done.code == 1, (done.stdout, done.stderr)
    assert [r[1] for r in done.failures()] == ["bad-feed"]
    assert done.rows("SELECT status, error FROM crawl_runs") == [("failed", "every outlet failed")]


# -- 3. cycles -----------------------------------------------------------------------------
def test_index_cycles_are_fetched_once_and_recorded_as_cycles(site: Site, tmp_path: Path) -> None:
    stories = [site.article(f"/2026/ring-{i}.html") for i in range(2)]
    b = site.base
    site.page("/root.xml", index([b + "/root.xml", b + "/ring-b.xml", b + "/back.xml"]), XML)
    site.page("/ring-b.xml", index([b + "/ring-c.xml"]), XML)
    site.page("/ring-c.xml", index([b + "/root.xml", b + "/posts.xml"]), XML)
    site.redirect("/back.xml", b + "/root.xml")
    site.page("/posts.xml", urlset(stories), XML)
    outlets = [{**homepage_outlet(site, "ring"), "sitemaps": [b + "/root.xml"]}]
    done = crawl(tmp_path, outlets)
    assert done.code == 0, (done.stdout, done.stderr)
    assert done.articles() == set(stories)
    for path in ("/root.xml", "/ring-b.xml", "/ring-c.xml", "/back.xml", "/posts.xml"):
        assert site.asked(path) == 1, (path, site.log)
    found = done.failures()
    assert {r[1] for r in found} == {"sitemap-cycle"}, found
    cycles = {url: detail for url, _, detail in found}
    assert "itself" in cycles[b + "/root.xml"]  # root lists itself
    assert b + "/root.xml" in cycles[b + "/ring-c.xml"]  # the ring back to the root
    assert "redirects to " + b + "/root.xml" in cycles[b + "/back.xml"]
    assert done.rows("SELECT status FROM crawl_runs") == [("partial",)]


# -- 4. Atom links ---------------------------------------------------------------------------
def test_an_atom_entry_is_stored_under_its_first_html_alternate(site: Site, tmp_path: Path) -> None:
    b = site.base
    entries = ""
    plain = []
    for i in range(2):
        plain.append(site.article(f"/atom/story-{i}.html"))
        site.article(f"/atom/story-{i}.html?alt")  # served too: taking it would store it
        entries += (
            f"<entry><title>Story {i}</title>"
            f'<link href="{b}/atom/story-{i}.html"/>'
            f'<link rel="alternate" type="text/html" href="{b}/atom/story-{i}.html?alt"/>'
            f'<link rel="edit" href="{b}/atom/story-{i}.html?edit"/>'
            f"<id>{b}/atom/story-{i}.html</id><updated>{TODAY}</updated></entry>"
        )
    site.page(
        "/atom.xml",
        '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f'<title>Atom</title><link href="{b}/atom.xml" rel="self"/><link href="{b}/"/>'
        f"<id>{b}/</id><updated>{TODAY}</updated>{entries}</feed>",
        "application/atom+xml",
    )
    outlets = [{**homepage_outlet(site, "atom"), "feeds": [b + "/atom.xml"]}]
    done = crawl(tmp_path, outlets)
    assert done.code == 0, (done.stdout, done.stderr)
    assert done.articles() == set(plain)
    assert not [p for p in site.log if "?alt" in p or "?edit" in p]
    assert done.failures() == []


# -- 5. clipped XML --------------------------------------------------------------------------
def test_a_clipped_sitemap_keeps_its_complete_entries_and_invents_no_url(
    site: Site, tmp_path: Path
) -> None:
    stories = [site.article(f"/2026/kept-{i}.html") for i in range(3)]
    site.article("/2026/kept-3.html")  # the entry cut off at the end names this page...
    body = urlset(stories).removesuffix("</urlset>\n")
    body += f"<url><loc>{site.base}/2026/kept-3.ht"  # ...but only part of its address
    site.page("/clipped.xml", body, XML)
    outlets = [{**homepage_outlet(site, "clipped"), "sitemaps": [site.base + "/clipped.xml"]}]
    done = crawl(tmp_path, outlets)
    assert done.code == 0, (done.stdout, done.stderr)
    assert done.articles() == set(stories)
    assert not [p for p in site.log if p.startswith("/2026/kept-3")]
    found = done.failures()
    assert [(url, reason) for url, reason, _ in found] == [
        (site.base + "/clipped.xml", "damaged-listing")
    ]
    assert "3 complete entries kept, 1 left out" in found[0][2]


# -- the spiders' bookkeeping (logic only) -------------------------------------------------
def test_listing_visits_note_each_url_once_per_round() -> None:
    visits = ListingVisits()
    assert visits.add("http://a/x.xml") and not visits.add("http://a/x.xml")
    assert visits.seen("http://a/x.xml") and not visits.seen("http://a/x.xml", "r2")
    for i in range(10):
        visits.add("u", f"round-{i}")
    assert len(visits._seen) <= 4
    assert chain_of({"chain": ["r", "a"]}, "a", "b") == ["r", "a", "b"]
    assert chain_of({}, "x") == ["x"]


def test_sitemap_probes_ask_again_after_a_day_and_always_read_what_was_found() -> None:
    now = datetime(2026, 12, 5, 12, tzinfo=UTC)
    written: list[tuple] = []
    probes = SitemapProbes(recorder=lambda *row: written.append(row))
    assert probes.wanted("o", "http://a/sitemap.xml", now)
    probes.remember("o", "http://a/sitemap.xml", False, now)
    probes.remember("o", "http://a/sitemap_index.xml", True, now)
    later = now + timedelta(hours=23)
    assert not probes.wanted("o", "http://a/sitemap.xml", later)
    assert probes.wanted("o", "http://a/sitemap_index.xml", later)
    assert probes.wanted("o", "http://a/sitemap.xml", now + timedelta(days=1))
    assert probes.wanted("other", "http://a/sitemap.xml", later)  # per outlet
    assert written == [
        ("o", "http://a/sitemap.xml", now, False),
        ("o", "http://a/sitemap_index.xml", now, True),
    ]
