"""RSS 2.0, Atom, Google News sitemaps, plain sitemaps and sitemap indexes, as text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from mediawatch.newsroom import timefmt
from mediawatch.newsroom.generator import ArticleRecord, OutletSpec


@dataclass(frozen=True, slots=True)
class Entry:
    """One listed article as a feed or sitemap shows it."""

    art: ArticleRecord
    link: str
    modified: datetime | None  # only once the updated revision is being served
    summary: str = ""

    @property
    def updated(self) -> datetime:
        return self.modified or self.art.published


def newest(entries: Sequence[Entry]) -> datetime | None:
    return max((e.updated for e in entries), default=None)


def rss(outlet: OutletSpec, base: str, self_path: str, entries: Sequence[Entry]) -> str:
    built = newest(entries)
    items = []
    for e in entries:
        creators = "".join(f"<dc:creator>{escape(a)}</dc:creator>" for a in e.art.authors)
        items.append(
            "<item>"
            f"<title>{escape(e.art.title)}</title>"
            f"<link>{escape(e.link)}</link>"
            f'<guid isPermaLink="false">{outlet.key}-{e.art.id}</guid>'
            f"<pubDate>{timefmt.rfc822(e.art.published)}</pubDate>"
            f"{creators}"
            f"<category>{escape(e.art.section)}</category>"
            f"<description>{escape(e.summary)}</description>"
            "</item>"
        )
    last_build = f"<lastBuildDate>{timefmt.rfc822(built)}</lastBuildDate>" if built else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>'
        f"<title>{escape(outlet.name)}</title>"
        f"<link>{escape(base)}/</link>"
        f"<description>{escape(outlet.name)}: latest news</description>"
        f"<language>{outlet.language}</language>"
        f'<atom:link href={quoteattr(base + self_path)} rel="self" type="application/rss+xml"/>'
        f"{last_build}\n" + "\n".join(items) + "\n</channel>\n</rss>\n"
    )


def atom(outlet: OutletSpec, base: str, self_path: str, entries: Sequence[Entry]) -> str:
    updated = newest(entries)
    parts = []
    for e in entries:
        authors = "".join(f"<author><name>{escape(a)}</name></author>" for a in e.art.authors)
        parts.append(
            "<entry>"
            f"<title>{escape(e.art.title)}</title>"
            f'<link rel="alternate" type="text/html" href={quoteattr(e.link)}/>'
            f"<id>tag:evening-courier,{e.art.published:%Y}:story-{e.art.id}</id>"
            f"<published>{timefmt.iso_local(e.art.published, outlet.timezone)}</published>"
            f"<updated>{timefmt.iso_local(e.updated, outlet.timezone)}</updated>"
            f"{authors}"
            f"<summary>{escape(e.summary)}</summary>"
            "</entry>"
        )
    feed_updated = timefmt.iso_utc(updated) if updated else "1970-01-01T00:00:00Z"
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">'
        f"<title>{escape(outlet.name)}</title>"
        f"<id>{escape(base)}/</id>"
        f'<link rel="self" href={quoteattr(base + self_path)}/>'
        f'<link rel="alternate" href={quoteattr(base + "/")}/>'
        f"<updated>{feed_updated}</updated>\n" + "\n".join(parts) + "\n</feed>\n"
    )


def news_sitemap(outlet: OutletSpec, entries: Sequence[Entry]) -> str:
    urls = []
    for e in entries:
        urls.append(
            "<url>"
            f"<loc>{escape(e.link)}</loc>"
            f"<lastmod>{timefmt.iso_local(e.updated, outlet.timezone)}</lastmod>"
            "<news:news><news:publication>"
            f"<news:name>{escape(outlet.name)}</news:name>"
            f"<news:language>{outlet.language}</news:language>"
            "</news:publication>"
            f"<news:publication_date>{timefmt.iso_local(e.art.published, outlet.timezone)}"
            "</news:publication_date>"
            f"<news:title>{escape(e.art.title)}</news:title>"
            "</news:news></url>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
        + "\n".join(urls)
        + "\n</urlset>\n"
    )


def url_sitemap(entries: Sequence[Entry]) -> str:
    urls = "\n".join(
        f"<url><loc>{escape(e.link)}</loc><lastmod>{timefmt.iso_utc(e.updated)}</lastmod>"
        "<changefreq>never</changefreq></url>"
        for e in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + urls + "\n</urlset>\n"
    )


def sitemap_index(children: Sequence[tuple[str, datetime | None]]) -> str:
    rows = "\n".join(
        f"<sitemap><loc>{escape(loc)}</loc>"
        + (f"<lastmod>{timefmt.iso_utc(lastmod)}</lastmod>" if lastmod else "")
        + "</sitemap>"
        for loc, lastmod in children
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + rows
        + "\n</sitemapindex>\n"
    )
