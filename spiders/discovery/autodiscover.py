"""Finding an outlet's feeds and sitemaps when the config does not list them."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from .htmldoc import document_base, iter_anchors, load_html
from .urls import absolute_http_url, on_domains

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+json",
    "application/x-rss+xml",
    "application/x-atom+xml",
)
# tried in order when a page advertises no feed
COMMON_FEED_PATHS: tuple[str, ...] = (
    "/feed",
    "/rss",
    "/feed/",
    "/rss.xml",
    "/feed.xml",
    "/atom.xml",
    "/index.xml",
    "/feeds/all.atom.xml",
    "/index.rss",
    "/rss/index.xml",
    "/feed.json",
    "/?feed=rss2",
)
# where sites keep a sitemap that robots.txt does not name (the common CMS defaults)
COMMON_SITEMAP_PATHS: tuple[str, ...] = (
    "/sitemap.xml",
    "/sitemap_index.xml",
    "/sitemap-index.xml",
    "/news-sitemap.xml",
    "/sitemap-news.xml",
    "/sitemap_news.xml",
    "/wp-sitemap.xml",
    "/sitemap.xml.gz",
    "/sitemap_index.xml.gz",
    "/sitemap-index.xml.gz",
    "/sitemap_news.xml.gz",
    "/sitemap-news.xml.gz",
    "/.sitemap.xml",
    "/sitemap",
    "/sitemap/sitemap-index.xml",
    "/admin/config/search/xmlsitemap",
)
_FEED_HINTS = ("rss", "atom", "feed")
MAX_FEEDS = 20


def feeds_from_html(html: bytes | str, base_url: str) -> list[str]:
    """Feeds a page advertises with <link rel="alternate" type="application/rss+xml" ...>.

    Comment feeds are left out (their items are comments). When the page has no such
    <link>, <a> links whose path looks like a feed are offered instead, on the same site.
    """
    root = load_html(html)
    if root is None:
        return []
    base = document_base(root, base_url)
    found: list[str] = []
    for link in root.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        media = (link.get("type") or "").split(";")[0].strip().lower()
        if "alternate" not in rels or media not in FEED_TYPES:
            continue
        url = absolute_http_url(link.get("href"), base)
        if url and url not in found and not _is_comment_feed(url, link.get("title")):
            found.append(url)
    if not found:
        host = urlsplit(base_url).hostname or ""
        for anchor in iter_anchors(root):
            url = absolute_http_url(anchor.get("href"), base)
            if (
                url
                and url not in found
                and _looks_like_feed_url(url)
                and on_domains(url, [host])
                and not _is_comment_feed(url, anchor.get("title"))
            ):
                found.append(url)
    return found[:MAX_FEEDS]


def common_feed_urls(base_url: str) -> list[str]:
    """Conventional feed locations on the site of ``base_url``, most likely first."""
    return [urljoin(base_url, path) for path in COMMON_FEED_PATHS]


def common_sitemap_urls(base_url: str) -> list[str]:
    """Conventional sitemap locations, for sites whose robots.txt names none."""
    return [urljoin(base_url, path) for path in COMMON_SITEMAP_PATHS]


def _is_comment_feed(url: str, title: str | None) -> bool:
    path = urlsplit(url).path.lower()
    return "/comments/" in path + "/" or "comments" in (title or "").lower()


def _looks_like_feed_url(url: str) -> bool:
    parts = urlsplit(url)
    path = parts.path.lower().rstrip("/")
    last = path.rsplit("/", 1)[-1]
    if last in ("feed", "rss", "atom", "feed.json") or last.endswith((".rss", ".atom")):
        return True
    return last.endswith(".xml") and any(h in path for h in _FEED_HINTS)
