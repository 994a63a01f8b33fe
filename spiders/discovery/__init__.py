"""Discovery parsing: feeds, sitemaps, robots.txt and HTML pages -> article URLs with evidence.

Pure, synchronous functions on downloaded bytes, independent of Scrapy, safe on hostile
input (entity tricks, compression bombs, oversized documents): the spiders fetch, these
functions read.
"""

from .autodiscover import (
    COMMON_FEED_PATHS,
    COMMON_SITEMAP_PATHS,
    common_feed_urls,
    common_sitemap_urls,
    feeds_from_html,
)
from .dates import parse_date
from .entries import Discovered, select_recent
from .feeds import FeedResult, parse_feed
from .links import article_links, section_links
from .robots import sitemaps_from_robots
from .sitemaps import SitemapResult, parse_sitemap, recent_children
from .urls import on_domains
from .urlshape import looks_like_article, looks_like_section

__all__ = [
    "COMMON_FEED_PATHS",
    "COMMON_SITEMAP_PATHS",
    "Discovered",
    "FeedResult",
    "SitemapResult",
    "article_links",
    "common_feed_urls",
    "common_sitemap_urls",
    "feeds_from_html",
    "looks_like_article",
    "looks_like_section",
    "on_domains",
    "parse_date",
    "parse_feed",
    "parse_sitemap",
    "recent_children",
    "section_links",
    "select_recent",
    "sitemaps_from_robots",
]
