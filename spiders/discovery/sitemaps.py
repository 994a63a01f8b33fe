"""Sitemap bodies -> article URLs (urlset) or child sitemaps (index).

Streams through lxml's iterparse so a 50 MB sitemap never becomes a full tree, and stops
at ``max_urls``. Google News extensions (news:publication_date, news:title,
news:language) become evidence. Plain-text sitemaps (one URL a line) and feeds served
as sitemaps are accepted too, as the sitemaps protocol allows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from pipeline.items import Evidence

from .clipped import CLIPPED, SOUND, TrustedElements, written_locs
from .dates import parse_date
from .entries import Discovered, select_recent
from .payload import (
    DEFAULT_MAX_UNCOMPRESSED,
    PayloadError,
    maybe_gunzip,
    normalise_references,
    strip_doctype,
    to_utf8,
)
from .urls import absolute_http_url

DEFAULT_MAX_URLS = 50_000  # the protocol's own limit per file


@dataclass(frozen=True, slots=True)
class SitemapResult:
    kind: str  # "index" | "urlset" | "unknown"
    entries: list[Discovered] = field(default_factory=list)  # urlset
    children: list[str] = field(default_factory=list)  # index: child sitemap URLs, in order
    error: str | None = None
    # index: child URL -> parsed <lastmod>, where given (see ``recent_children``)
    children_lastmod: dict[str, datetime] = field(default_factory=dict)
    truncated: bool = False  # more than max_urls entries; the rest were ignored
    # the document was clipped or broken: what was kept, and what left out (see ``clipped``)
    damage: str | None = None

    @property
    def empty(self) -> bool:
        """A sound sitemap (or index) that lists nothing: the site has nothing, nothing failed."""
        return self.error is None and not self.entries and not self.children


def parse_sitemap(
    body: bytes,
    url: str,
    max_urls: int = DEFAULT_MAX_URLS,
    max_uncompressed: int = DEFAULT_MAX_UNCOMPRESSED,
) -> SitemapResult:
    """Parse a sitemap or sitemap index; never raises on hostile or broken input."""
    try:
        data = maybe_gunzip(body, max_uncompressed)
    except PayloadError as exc:
        return SitemapResult("unknown", error=exc.reason)
    data = to_utf8(data)
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        return SitemapResult("unknown", error="empty body")
    if not stripped.startswith(b"<"):
        return _parse_text(stripped, url, max_urls)
    try:
        data = normalise_references(strip_doctype(data))
        return _parse_xml(data, url, max_urls)
    except PayloadError as exc:
        return SitemapResult("unknown", error=str(exc))
    except ValueError as exc:
        return SitemapResult("unknown", error=f"malformed sitemap: {exc}"[:300])


def recent_children(result: SitemapResult, max_age_days: int, now: datetime) -> list[str]:
    """Child sitemaps worth fetching: newest first, none older than the window.

    News sites keep years of monthly child sitemaps; only the recent ones can hold
    articles inside the age window. Children without a lastmod are kept (after the rest).
    """
    fake = [
        Discovered(child, Evidence(source="sitemap"), result.children_lastmod.get(child))
        for child in result.children
    ]
    return [d.url for d in select_recent(fake, max_age_days, now)]


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _parse_xml(data: bytes, url: str, max_urls: int) -> SitemapResult:
    kind = "unknown"
    entries: list[Discovered] = []
    children: list[str] = []
    seen_children: set[str] = set()
    lastmods: dict[str, datetime] = {}
    truncated = False
    dropped = 0  # entries a clipped or repaired document could not vouch for
    unusable = 0  # entries without an http(s) <loc>
    written: set[str] | None = None  # <loc> texts in the raw bytes, read once if needed
    tags = ("{*}url", "{*}sitemap", "{*}urlset", "{*}sitemapindex", "{*}rss", "{*}feed", "{*}RDF")
    reader = TrustedElements(data, tags)
    for element, trust in reader:
        name = _local(element.tag)
        if name in ("rss", "feed", "RDF"):
            return _from_feed(data, url)
        if name in ("urlset", "sitemapindex"):
            kind = "urlset" if name == "urlset" else "index"
            break
        if len(entries) + len(children) >= max_urls:
            truncated = True
            break
        kind = "urlset" if name == "url" else "index"
        raw_loc = _child_text(element, "loc")
        if trust != SOUND:
            if written is None:
                written = written_locs(data)
            if trust == CLIPPED or raw_loc not in written:
                dropped += 1  # cut off at the end, or pieced together by the repair
                _release(element)
                continue
        if name == "url":
            found = _url_entry(element, url)
            if found is not None:
                entries.append(found)
            else:
                unusable += 1
        else:
            loc = absolute_http_url(raw_loc, url)
            unusable += loc is None
            if loc and loc not in seen_children:
                seen_children.add(loc)
                children.append(loc)
                when = parse_date(_child_text(element, "lastmod"))
                if when is not None:
                    lastmods[loc] = when
        _release(element)
    damage = None
    if reader.damaged:
        damage = "clipped" if reader.clipped else "malformed"
        damage += f" sitemap: {len(entries) + len(children)} complete entries kept"
        damage += f", {dropped} left out" if dropped else ""
        damage += f" ({reader.error})" if reader.error else ""
    error: str | None = None
    if kind == "unknown":
        error = damage or "not a sitemap"
    elif not entries and not children and (dropped or reader.damaged):
        error = damage
    elif not entries and not children and unusable:
        error = f"sitemap has no usable URL ({unusable} without an http(s) <loc>)"
    return SitemapResult(kind, entries, children, error, lastmods, truncated, damage=damage)


def _release(element: etree._Element) -> None:
    """Free what has been read so far: memory stays flat on large sitemaps."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _child_text(element: etree._Element, name: str) -> str | None:
    for child in element:
        if _local(child.tag) == name:
            text = "".join(child.itertext()).strip()
            return text or None
    return None


def _url_entry(element: etree._Element, sitemap_url: str) -> Discovered | None:
    loc = absolute_http_url(_child_text(element, "loc"), sitemap_url)
    if loc is None:
        return None
    lastmod = _child_text(element, "lastmod")
    news_title = news_date = news_language = None
    for child in element:
        if _local(child.tag) == "news":
            news_title = _child_text(child, "title")
            news_date = _child_text(child, "publication_date")
            for pub in child:
                if _local(pub.tag) == "publication":
                    news_language = _child_text(pub, "language")
    evidence = Evidence(
        source="sitemap",
        title=" ".join(news_title.split())[:1000] if news_title else None,
        published=news_date,
        modified=lastmod,
        language=news_language[:35] if news_language else None,
        feed_url=sitemap_url,
    )
    return Discovered(loc, evidence, parse_date(news_date) or parse_date(lastmod))


def _parse_text(data: bytes, url: str, max_urls: int) -> SitemapResult:
    entries: list[Discovered] = []
    truncated = False
    for line in _lines(data):
        if not line.startswith(("http://", "https://")):
            continue
        if len(entries) >= max_urls:
            truncated = True
            break
        loc = absolute_http_url(line, url)
        if loc:
            entries.append(Discovered(loc, Evidence(source="sitemap", feed_url=url), None))
    if not entries:
        return SitemapResult("unknown", error="not a sitemap")
    return SitemapResult("urlset", entries, truncated=truncated)


def _lines(data: bytes) -> Iterable[str]:
    for raw in data.splitlines():
        line = raw.decode("utf-8", errors="replace").strip()
        if line:
            yield line


def _from_feed(data: bytes, url: str) -> SitemapResult:
    from .feeds import parse_feed

    feed = parse_feed(data, url)
    kind = "unknown" if feed.error and not feed.entries else "urlset"
    return SitemapResult(kind, feed.entries, error=feed.error, damage=feed.damage)
