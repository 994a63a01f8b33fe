"""Loading downloaded HTML into an lxml tree for link extraction, safely and tolerantly."""

from __future__ import annotations

from collections.abc import Iterator

import lxml.html
from lxml import etree
from w3lib.encoding import html_to_unicode

from .urls import absolute_http_url

MAX_HTML_CHARS = 20 * 1024 * 1024  # beyond this a "homepage" is not one; cut, don't choke


def load_html(html: bytes | str) -> lxml.html.HtmlElement | None:
    """Parse HTML (bytes decoded the way Scrapy does: BOM, meta charset, then UTF-8 guess).

    None for empty or unparseable input; never raises.
    """
    if isinstance(html, bytes):
        _encoding, text = html_to_unicode(None, html[:MAX_HTML_CHARS])
    else:
        text = html[:MAX_HTML_CHARS]
    text = text.replace("\x00", "")
    if not text.strip():
        return None
    parser = lxml.html.HTMLParser(
        no_network=True, huge_tree=False, remove_comments=True, remove_pis=True
    )
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None
    return root


def document_base(root: lxml.html.HtmlElement, page_url: str) -> str:
    """The URL relative links resolve against: <base href> when present and valid."""
    for base in root.iter("base"):
        href = base.get("href")
        resolved = absolute_http_url(href, page_url) if href else None
        if resolved:
            return resolved
        break
    return page_url


def iter_anchors(root: lxml.html.HtmlElement) -> Iterator[lxml.html.HtmlElement]:
    """<a href> and <area href> elements in document order."""
    for element in root.iter("a", "area"):
        if element.get("href"):
            yield element
