"""Guessing from a URL alone whether it is an article or a section index page.

Homepage discovery sees hundreds of links per page; fetching each to find out would
multiply the crawl. News CMSs give their articles recognisable shapes (a date in the path,
a long hyphenated slug, a numeric id, a .html page) and their listings short, wordy paths
(/world/, /section/politics, /category/x). Utility pages, static assets and feeds are
never articles. The heuristic is deliberately conservative on listing-like segments.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import parse_qsl, unquote, urlsplit

from .urls import on_domains


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


MAX_ARTICLE_URL_LENGTH = 500
MAX_DEPTH = 10

STATIC_EXTENSIONS = _words(
    "jpg jpeg png gif webp svg ico bmp tif tiff avif heic css js mjs map json xml rss "
    "atom rdf txt csv pdf doc docx xls xlsx ppt pptx odt zip gz tgz bz2 rar 7z mp3 mp4 "
    "m4a m4v mov avi wmv webm ogg oga wav flac woff woff2 ttf otf eot exe dmg apk msi iso "
    "swf"
)
PAGE_EXTENSIONS = _words("html htm shtml xhtml php asp aspx jsp cms ece")
# index pages listing many articles: never an article, sometimes worth crawling as a section
LISTING_SEGMENTS = _words(
    "tag tags topic topics author authors by category categories cat section sections "
    "page archive archives label labels keyword keywords series people profile profiles "
    "contributor contributors columnist columnists hub"
)
# listing kinds that explode a crawl (one per tag or author): not followed as sections
UNCRAWLED_LISTINGS = _words(
    "tag tags author authors by label labels keyword keywords people profile profiles "
    "contributor contributors columnist columnists archive archives"
)
# pages that are neither articles nor listings
UTILITY_SEGMENTS = _words(
    "login logout signin sign-in signup sign-up register registration account accounts "
    "my-account myaccount subscribe subscription subscriptions newsletter newsletters "
    "search feed feeds rss atom static assets wp-content wp-admin wp-includes wp-json "
    "wp-login.php xmlrpc.php cdn-cgi ajax api cart checkout shop store privacy "
    "privacy-policy terms terms-of-service terms-of-use terms-and-conditions cookies "
    "cookie-policy contact contact-us about about-us imprint impressum legal help faq "
    "sitemap advertise advertising careers jobs admin user users comments comment share "
    "oembed embed print corrections donate membership"
)
# query keys of searches, listings and session junk
LISTING_QUERY_KEYS = _words(
    "s q query search keyword keywords page paged tag author cat category replytocom "
    "share output format feed action"
)
ID_QUERY_KEYS = _words("p id article_id articleid story_id storyid")

_DATE_IN_PATH = re.compile(
    r"/(?:19|20)\d{2}/(?:0?[1-9]|1[0-2]|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
    r"(?:/(?:0?[1-9]|[12]\d|3[01]))?/"
    r"|(?<![0-9])(?:19|20)\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?![0-9])"
    r"|(?<![0-9])(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?![0-9])"
)
_LONG_NUMBER = re.compile(r"(?<![0-9])\d{5,}(?![0-9])")
_WORD = re.compile(r"[^\W\d_]{2,}")
_SECTION_SEGMENT = re.compile(r"[^\W\d_][\w-]{0,39}")
_INDEX_STEMS = _words("index default home main start")


def _segments(path: str) -> list[str]:
    return [unquote(s).lower() for s in path.split("/") if s]


def _extension(segment: str) -> str:
    stem, dot, ext = segment.rpartition(".")
    return ext if dot and stem else ""


def _is_slug(segment: str) -> bool:
    """A headline slug: at least three words joined by - or _, e.g. big-storm-hits-coast."""
    stem = segment.rsplit(".", 1)[0] if _extension(segment) in PAGE_EXTENSIONS else segment
    parts = [p for p in re.split(r"[-_+]", stem) if p]
    words = [p for p in parts if _WORD.search(p)]
    return len(parts) >= 3 and len(words) >= 2 and len(stem) >= 12


def _never_article(segments: list[str], query: list[tuple[str, str]]) -> bool:
    if any(s in UTILITY_SEGMENTS or s in LISTING_SEGMENTS for s in segments):
        return True
    if segments and _extension(segments[-1]) in STATIC_EXTENSIONS:
        return True
    return any(k.lower() in LISTING_QUERY_KEYS for k, _ in query)


def looks_like_article(url: str, domains: Sequence[str]) -> bool:
    """Article-URL heuristic: date in path, headline slug, numeric id or a named .html page.

    Never true off the outlet's domains, for the front page, listings (tag, author,
    section, page N), utility pages (login, search, about), feeds or static assets.
    """
    if len(url) > MAX_ARTICLE_URL_LENGTH or not on_domains(url, domains):
        return False
    try:
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https"):
        return False
    segments = _segments(parts.path)
    if len(segments) > MAX_DEPTH or _never_article(segments, query):
        return False
    if any(k.lower() in ID_QUERY_KEYS and v.isdigit() and len(v) >= 2 for k, v in query):
        return True
    if not segments:
        return False
    last = segments[-1]
    path = "/" + "/".join(segments) + "/"
    if _DATE_IN_PATH.search(path):
        # /2026/11/ or /2026/11/20/ alone is a date archive, not an article
        return bool(_WORD.search(last)) or bool(_LONG_NUMBER.search(last))
    if _is_slug(last):
        return True
    if _LONG_NUMBER.search(last) or (len(segments) > 1 and _LONG_NUMBER.search(segments[-2])):
        return True
    if _extension(last) in PAGE_EXTENSIONS:
        stem = last.rsplit(".", 1)[0]
        return stem not in _INDEX_STEMS and (len(stem) >= 8 or any(c.isdigit() for c in stem))
    return False


def section_page_number(url: str) -> int | None:
    """N for ``?page=N`` or ``/page/N`` pagination, None when the URL is not paginated."""
    parts = urlsplit(url)
    for key, value in parse_qsl(parts.query):
        if key.lower() in ("page", "paged") and value.isdigit():
            return int(value)
    segments = _segments(parts.path)
    if len(segments) >= 2 and segments[-2] == "page" and segments[-1].isdigit():
        return int(segments[-1])
    return None


def looks_like_section(url: str, domains: Sequence[str], max_page: int = 3) -> bool:
    """Section/category index pages (/world/, /section/politics, /category/x, page 2..N).

    Short paths of word-like segments without article signals; tag and author pages and
    pagination beyond ``max_page`` are excluded so that the crawl stays bounded.
    """
    if not on_domains(url, domains) or looks_like_article(url, domains):
        return False
    try:
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https"):
        return False
    segments = _segments(parts.path)
    page = section_page_number(url)
    if page is not None:
        if page < 1 or page > max_page:
            return False
        if len(segments) >= 2 and segments[-2] == "page":
            segments = segments[:-2]
    if any(k.lower() not in ("page", "paged") for k, _ in query):
        return False
    if not segments or len(segments) > 3:
        return False
    if any(s in UTILITY_SEGMENTS or s in UNCRAWLED_LISTINGS for s in segments):
        return False
    if segments[-1] in LISTING_SEGMENTS:
        return False  # /category/ alone lists categories, not articles
    return all(_SECTION_SEGMENT.fullmatch(s) and not _extension(s) for s in segments)
