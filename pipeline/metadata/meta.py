"""OpenGraph, Twitter, Dublin Core and plain <meta> tags, read once from the parsed tree."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml.html import HtmlElement

PUBLISHED_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "datepublished",
    "published_time",
    "article.published",
    "article_date_original",
    "publication_date",
    "publish-date",
    "publish_date",
    "publishdate",
    "pubdate",
    "date.available",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date.created",
    "dcterms.created",
    "dc.date",
    "dcterms.date",
    "date",
    "citation_publication_date",
    "cxenseparse:recs:publishtime",
)
MODIFIED_KEYS = (
    "article:modified_time",
    "og:updated_time",
    "og:article:modified_time",
    "datemodified",
    "last-modified",
    "lastmod",
    "dc.date.modified",
    "dcterms.modified",
    "article.updated",
)
AUTHOR_KEYS = (
    "author",
    "article:author",
    "og:article:author",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
    "dcterms.creator",
    "byl",
    "citation_author",
    "cxenseparse:author",
)
TITLE_KEYS = ("og:title", "twitter:title", "dc.title", "dcterms.title", "headline", "title")
DESCRIPTION_KEYS = ("og:description", "description", "twitter:description", "dc.description")
SITE_KEYS = ("og:site_name", "application-name", "publisher", "dc.publisher", "twitter:site")
SECTION_KEYS = ("article:section", "section", "parsely-section", "category", "articlesection")
TAG_KEYS = ("article:tag", "news_keywords", "keywords", "parsely-tags")
IMAGE_KEYS = ("og:image", "og:image:url", "og:image:secure_url", "twitter:image", "image")
LANG_KEYS = ("content-language", "og:locale", "language", "dc.language", "inlanguage")


@dataclass(slots=True)
class MetaData:
    """All <meta> values by lower-cased key, plus the few <head> elements we need."""

    values: dict[str, list[str]] = field(default_factory=dict)
    html_lang: str | None = None
    canonical: str | None = None
    title_tag: str | None = None
    h1: list[str] = field(default_factory=list)
    h2: list[str] = field(default_factory=list)
    time_published: list[str] = field(default_factory=list)
    # <time datetime> elements that show text: the page's visible dates in machine form
    time_shown: list[str] = field(default_factory=list)

    def first(self, keys: tuple[str, ...]) -> tuple[str, str] | None:
        """-> (key, value) of the first key present with a non-empty value."""
        for key in keys:
            for value in self.values.get(key, ()):
                if value:
                    return key, value
        return None

    def all(self, keys: tuple[str, ...]) -> list[str]:
        return [v for key in keys for v in self.values.get(key, ()) if v]


_KICKER = re.compile(
    r"kicker|dachzeile|overline|topline|roofline|eyebrow|supertitle|subtitle|titleheader|"
    r"hidden|sr-only|screen-reader",
    re.IGNORECASE,
)


def heading_text(elem: HtmlElement) -> str:
    """A heading's headline without its kicker line or screen-reader-only separators."""
    parts: list[str] = []
    # a list keeps the lxml proxies alive, so that identity comparison stays valid
    skip = [
        e
        for e in elem.iterdescendants()
        if isinstance(e.tag, str)
        and (_KICKER.search(e.get("class", "")) or e.get("aria-hidden") == "true")
    ]
    has_kicker = bool(skip)

    def walk(node: HtmlElement) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            if isinstance(child.tag, str) and not any(child is e for e in skip):
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(elem) if has_kicker else parts.extend(elem.itertext())
    return " ".join("".join(parts).split())


def parse_meta(tree: HtmlElement) -> MetaData:
    data = MetaData()
    for elem in tree.iter("meta"):
        content = elem.get("content")
        if content is None:
            continue
        content = " ".join(content.split())
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = elem.get(attr)
            if key:
                data.values.setdefault(key.strip().lower(), []).append(content)
    data.html_lang = tree.get("lang") or tree.get("xml:lang")
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "canonical" in rel and link.get("href") and not data.canonical:
            data.canonical = link.get("href", "").strip()
    title = tree.find(".//title")
    if title is not None:
        data.title_tag = " ".join(title.text_content().split()) or None
    for level, found in (("h1", data.h1), ("h2", data.h2)):
        for elem in tree.iter(level):
            text = heading_text(elem)
            if text and len(found) < 10:
                found.append(text)
    for elem in tree.xpath(
        './/*[@itemprop="datePublished" or @pubdate or @property="datePublished"]'
        "[@datetime or @content]"
    ):
        data.time_published.append((elem.get("datetime") or elem.get("content") or "").strip())
    for elem in tree.iter("time"):
        value = (elem.get("datetime") or "").strip()
        # a <time> inside a blockquote dates the quoted post (an embedded social post)
        if value and elem.text_content().strip() and not _quoted(elem):
            data.time_shown.append(value)
    return data


def _quoted(elem: HtmlElement) -> bool:
    return any(parent.tag == "blockquote" for parent in elem.iterancestors())
