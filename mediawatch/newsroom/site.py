"""One outlet's URL space: maps a request path to rendered bytes.

Pure with respect to (newsroom, outlet, base URL, path, epoch), so the server can cache
responses and tests can render pages without a socket.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from datetime import datetime
from random import Random
from urllib.parse import parse_qs

from mediawatch.newsroom import boilerplate, content, feeds, pages, styles
from mediawatch.newsroom.generator import FEED_ITEMS, ArticleRecord, Newsroom

SECTION_PAGE_SIZE = 20
HOME_ITEMS = 30
UTM = "utm_source=rss&utm_medium=feed&utm_campaign=latest"

HTML_UTF8 = "text/html; charset=utf-8"
RAIL_ITEMS = (5, 10)  # teasers per sidebar of a heavy page


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes
    content_type: str
    last_modified: datetime | None = None


FULL_SITEMAP = "/sitemap-all.xml"


class Site:
    """Renders the pages of one outlet as served from ``base`` (e.g. http://127.0.1.3:41234).

    ``page_weight`` (default: the newsroom's) "real" wraps article pages in the chrome of
    a real news site; see ``boilerplate``.
    """

    def __init__(
        self, newsroom: Newsroom, outlet_key: str, base: str, page_weight: str | None = None
    ) -> None:
        self.newsroom = newsroom
        self.outlet = newsroom.outlet(outlet_key)
        self.base = base.rstrip("/")
        self.current = newsroom.articles_of(outlet_key)
        self.archive = newsroom.articles_of(outlet_key, archived=True)
        self._position = {a.id: i for i, a in enumerate(self.current)}
        self._position.update({a.id: i for i, a in enumerate(self.archive)})
        self.encoding = "cp1251" if self.outlet.style == "ru_cp1251" else "utf-8"
        self.html_type = "text/html" if self.encoding == "cp1251" else HTML_UTF8
        self.page_weight = boilerplate.check_weight(page_weight or newsroom.page_weight)
        self.chrome = (
            boilerplate.SiteChrome(newsroom.seed, self.outlet)
            if self.page_weight == "real"
            else None
        )

    # -- routing ---------------------------------------------------------------------------

    def cache_key(self, path: str, query: str, epoch: int) -> tuple[str, int, int] | None:
        """Key under which a response may be cached (None: do not cache)."""
        page = self._page_number(query) if path.startswith("/section/") else 1
        if page is None:
            return None
        return (path, page, min(epoch, 1))

    def render(self, path: str, query: str, epoch: int) -> Response:
        spec = self.outlet
        if path == "/robots.txt":
            return Response(
                200, pages.robots(spec, self.base).encode(), "text/plain; charset=utf-8"
            )
        if path == "/":
            recent = [] if spec.style == "wire" else self.current[:HOME_ITEMS]
            if spec.style == "portal":
                recent = self.current[:15]
            body = pages.home(spec, recent, self.archive)
            return self._html(body, self.current[0].published if self.current else None)
        if path == "/about/":
            return self._html(pages.static(spec, spec.name, f"{spec.name} is a demo outlet."))
        if path.startswith("/private/"):
            return self._html(pages.static(spec, "Staff area", "Sign in required."))
        if path == FULL_SITEMAP:
            return self._full_sitemap(epoch)
        if path in spec.feeds:
            return self._feed(path, epoch)
        if path in spec.sitemaps or path.startswith("/sitemaps/"):
            return self._sitemap(path, epoch)
        if spec.sections and path.startswith("/section/"):
            return self._section(path, query)
        art = self.newsroom.find(spec.key, path)
        if art is not None:
            return self._article(art, epoch, amp=path == art.amp_path and art.amp_path is not None)
        return self.not_found()

    def not_found(self) -> Response:
        return Response(404, pages.not_found(self.outlet).encode(self.encoding), self.html_type)

    # -- pages -------------------------------------------------------------------------------

    def _html(self, text: str, last_modified: datetime | None = None) -> Response:
        body = text.encode(self.encoding, errors="xmlcharrefreplace")
        return Response(200, body, self.html_type, last_modified)

    def _article(self, art: ArticleRecord, epoch: int, amp: bool) -> Response:
        revision = art.revision_at(epoch)
        modified = art.modified if revision > 0 else None
        rng = Random(f"{self.newsroom.seed}:{art.id}:page")
        comments = content.comments(rng, art.language)
        chrome = self._chrome(art)
        if chrome is not None:
            comments += chrome.comments
        view = styles.ArticleView(
            outlet=self.outlet,
            art=art,
            base=self.base,
            paragraphs=art.paragraphs(revision),
            modified=modified,
            related=self._related(art),
            comments=comments,
            ad=content.ad(rng, art.language),
            amp=amp,
            chrome=chrome,
        )
        return self._html(styles.render_article(view), modified or art.published)

    def _related(self, art: ArticleRecord) -> tuple[ArticleRecord, ...]:
        pool = self.archive if art.archived else self.current
        if len(pool) < 2:
            return ()
        i = self._position[art.id]
        picks = [pool[(i + k) % len(pool)] for k in (1, 2, 3, 5)]
        return tuple(dict.fromkeys(p for p in picks if p.id != art.id))

    def _chrome(self, art: ArticleRecord) -> boilerplate.Chrome | None:
        if self.chrome is None:
            return None
        recent = (self.archive if art.archived else self.current)[:200]
        pool = [a for a in recent if a.story != art.story]
        rng = Random(f"{self.newsroom.seed}:{art.id}:rails")
        k = rng.randint(*RAIL_ITEMS)
        most_read = rng.sample(pool, min(k, len(pool)))
        latest = [a for a in self.current if a.story != art.story][:k]
        return self.chrome.page(art, most_read, latest)

    def _section(self, path: str, query: str) -> Response:
        name = path.removeprefix("/section/").strip("/")
        page = self._page_number(query)
        if name not in self.outlet.sections or path != f"/section/{name}/" or page is None:
            return self.not_found()
        arts = [a for a in self.current if a.section == name]
        last = max(1, -(-len(arts) // SECTION_PAGE_SIZE))
        if page > last:
            return self.not_found()
        chunk = arts[(page - 1) * SECTION_PAGE_SIZE : page * SECTION_PAGE_SIZE]
        newest = chunk[0].published if chunk else None
        return self._html(pages.section(self.outlet, name, chunk, page, last), newest)

    @staticmethod
    def _page_number(query: str) -> int | None:
        values = parse_qs(query).get("page")
        if not values:
            return 1
        try:
            page = int(values[0])
        except ValueError:
            return None
        return page if page >= 1 else None

    # -- feeds and sitemaps ----------------------------------------------------------------------

    def _entry(self, art: ArticleRecord, epoch: int, summary: bool) -> feeds.Entry:
        revision = art.revision_at(epoch) if art.modified else 0
        link = self.base + art.path
        if self.outlet.style == "amp":  # Metro's feed mixes AMP and tracked links
            if art.id % 3 == 0:
                link = self.base + (art.amp_path or art.path)
            elif art.id % 2:
                link = f"{link}?{UTM}"
        return feeds.Entry(
            art=art,
            link=link,
            modified=art.modified if revision > 0 else None,
            summary=art.paragraphs(revision)[0] if summary else "",
        )

    def _feed(self, path: str, epoch: int) -> Response:
        entries = [self._entry(a, epoch, summary=True) for a in self.current[:FEED_ITEMS]]
        if self.outlet.style == "legacy":
            text, ctype = feeds.atom(self.outlet, self.base, path, entries), "application/atom+xml"
        else:
            text, ctype = feeds.rss(self.outlet, self.base, path, entries), "application/rss+xml"
        return Response(200, text.encode(), f"{ctype}; charset=utf-8", feeds.newest(entries))

    def _sitemap(self, path: str, epoch: int) -> Response:
        entries = [self._entry(a, epoch, summary=False) for a in self.current]
        xml = "application/xml; charset=utf-8"
        if self.outlet.style == "ru_cp1251" and path in self.outlet.sitemaps:
            text = feeds.news_sitemap(self.outlet, entries)
            return Response(200, text.encode(), xml, feeds.newest(entries))
        if self.outlet.style != "wire":
            return self.not_found()
        weeks = self._weeks(entries)
        if path in self.outlet.sitemaps:
            children = [(self.base + p, feeds.newest(es)) for p, es in weeks.items()]
            return Response(200, feeds.sitemap_index(children).encode(), xml, feeds.newest(entries))
        if path in weeks:
            data = gzip.compress(feeds.url_sitemap(weeks[path]).encode(), mtime=0)
            return Response(200, data, "application/x-gzip", feeds.newest(weeks[path]))
        return self.not_found()

    def _full_sitemap(self, epoch: int) -> Response:
        """Every article of the outlet, for benchmarks that must discover all of them.

        Not linked from robots.txt or any page, so the demo's discovery modes are unchanged.
        """
        entries = [self._entry(a, epoch, summary=False) for a in self.current]
        text = feeds.url_sitemap(entries)
        return Response(200, text.encode(), "application/xml; charset=utf-8", feeds.newest(entries))

    @staticmethod
    def _weeks(entries: list[feeds.Entry]) -> dict[str, list[feeds.Entry]]:
        """Child sitemaps, one per ISO week, newest week first."""
        weeks: dict[str, list[feeds.Entry]] = {}
        for e in entries:
            year, week, _ = e.art.published.isocalendar()
            weeks.setdefault(f"/sitemaps/wire-{year}-w{week:02d}.xml.gz", []).append(e)
        return weeks
