"""Links on an outlet's pages: article candidates and section pages to crawl further."""

from __future__ import annotations

from collections.abc import Sequence

import lxml.html

from .htmldoc import document_base, iter_anchors, load_html
from .urls import absolute_http_url, on_domains
from .urlshape import looks_like_article, looks_like_section

MAX_LINKS = 5_000
MAX_SECTIONS = 200
_MAX_ANCHOR_TEXT = 300


def _anchor_text(anchor: lxml.html.HtmlElement) -> tuple[str, bool]:
    """(text, visible): the link's visible text, else its title/aria-label or image alt."""
    text = " ".join(anchor.text_content().split())
    if text:
        return text[:_MAX_ANCHOR_TEXT], True
    text = anchor.get("title") or anchor.get("aria-label") or ""
    if not text:
        alts = [img.get("alt") for img in anchor.iter("img") if img.get("alt")]
        text = alts[0] if alts else ""
    return " ".join(text.split())[:_MAX_ANCHOR_TEXT], False


def _on_site_links(
    html: bytes | str, base_url: str, domains: Sequence[str]
) -> list[tuple[str, lxml.html.HtmlElement]]:
    root = load_html(html)
    if root is None:
        return []
    base = document_base(root, base_url)
    out: list[tuple[str, lxml.html.HtmlElement]] = []
    for anchor in iter_anchors(root):
        url = absolute_http_url(anchor.get("href"), base)
        if url and on_domains(url, domains):
            out.append((url, anchor))
    return out


def article_links(
    html: bytes | str, base_url: str, domains: Sequence[str], limit: int = MAX_LINKS
) -> list[tuple[str, str]]:
    """(absolute URL, anchor text) of article-looking links on the outlet's domains.

    Deduplicated in page order; when a URL appears twice (teaser image, then headline),
    the first visible text wins over an image's alt or a title attribute.
    """
    found: dict[str, tuple[str, bool]] = {}
    for url, anchor in _on_site_links(html, base_url, domains):
        if url in found:
            if not found[url][1]:
                text, visible = _anchor_text(anchor)
                if visible or not found[url][0]:
                    found[url] = (text, visible)
            continue
        if len(found) >= limit or not looks_like_article(url, domains):
            continue
        found[url] = _anchor_text(anchor)
    return [(url, text) for url, (text, _visible) in found.items()]


def section_links(
    html: bytes | str,
    base_url: str,
    domains: Sequence[str],
    max_page: int = 3,
    limit: int = MAX_SECTIONS,
) -> list[str]:
    """Section/category index pages linked from the page, for depth-limited crawling.

    Pagination (``?page=N``, ``/page/N``) only up to ``max_page``; the page itself and
    the front page are left out.
    """
    here = absolute_http_url(base_url, base_url)
    out: list[str] = []
    seen: set[str] = set()
    for url, _anchor in _on_site_links(html, base_url, domains):
        if url in seen or url == here:
            continue
        seen.add(url)
        if looks_like_section(url, domains, max_page=max_page):
            out.append(url)
            if len(out) >= limit:
                break
    return out
