"""trafilatura's heuristic metadata, with its costly searches run only when read.

bare_extraction(with_metadata=True) runs trafilatura's extract_metadata on every page:
htmldate's find_date (a deep copy of the tree and an extensive search, the priciest part),
the category and tag link searches and a licence search. The fusion in extract.py reads
those fields only as fallbacks behind JSON-LD, <meta> and the URL, so the date and the
categories and tags are computed on first read here, and the licence (unused) never.
Every field read equals extract_metadata's (same steps, same order, same trimming), so
the fallbacks behave exactly as before; test_maintext checks that against trafilatura.

trafilatura's extract_author (on about half the pages: those whose <meta> and JSON-LD
name nobody) deep-copies the tree, prunes it with two XPaths and runs three more, all
calling back into Python's re for every class and id: about 8 ms. author_from_dom finds
the same in one pass over the intact tree, about 3x faster, with the same result on every
page of the corpus; when it cannot be sure (a <rel> element, a comment inside a byline) it
runs trafilatura's. Likewise the category and tag searches (ten XPaths, re:test again)
become one pass that finds their containers, usually none.
"""

from __future__ import annotations

import re
from contextlib import suppress
from functools import cached_property
from html import unescape
from typing import TYPE_CHECKING, Any

from lxml import etree

if TYPE_CHECKING:
    from lxml.html import HtmlElement
    from trafilatura.settings import Document


def _trimmed(value: str | None) -> str | None:
    """Document.clean_and_trim for one field."""
    from trafilatura.utils import line_processing

    if not isinstance(value, str):
        return value
    if len(value) > 10000:
        value = value[:9999] + "…"
    return line_processing(unescape(value))


# trafilatura.xpaths.AUTHOR_DISCARD_XPATHS, then AUTHOR_XPATHS' three expressions
_DISCARD_TAGS = frozenset(("a", "div", "section", "span"))
_DISCARD_ID = re.compile("^comments|comment-?list|ProductReviews")
_DISCARD_CLASS = re.compile(
    "^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram|"
    "article-(?:share|support)|print|category|meta-date|meta-reviewer"
)
_TAGS_0 = frozenset(("a", "address", "div", "link", "p", "span", "strong"))
_CLASS_0 = re.compile("author-?name|AuthorName|authorName")
_TAGS_1 = frozenset(("a", "div", "h3", "h4", "p", "span"))
_ID_1 = re.compile("author|zuozhe|bianji|xiaobian")
_CLASS_1 = re.compile(
    "author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name"
)
_ID_2 = re.compile("[Aa]uthor")
_CLASS_2 = re.compile("[Aa]uthor|screenname|writer|[Bb]yline")


class _Unsure(Exception):
    """The one-pass emulation might differ from trafilatura's XPaths on this tree."""


def _scan(tree: HtmlElement) -> tuple[set[HtmlElement], list[list[HtmlElement]]]:
    """The elements the pruning removes (with their subtrees), and each author XPath's
    matches in document order; attribute tests as lxml's re:test does them (re.search on
    the value, "" when absent)."""
    discarded: set[HtmlElement] = set()  # holds the proxies: identity tests stay valid
    found: list[list[HtmlElement]] = [[], [], []]
    for elem in tree.iter(etree.Element):
        tag = elem.tag
        if tag == "rel":
            raise _Unsure  # the first XPath tests a <rel> child's text
        if tag in ("time", "figure"):
            discarded.add(elem)
        if tag == "author":
            found[0].append(elem)
        attrib = elem.attrib
        if not attrib:
            continue
        cls = attrib.get("class")
        ident = attrib.get("id")
        itemprop = attrib.get("itemprop") or ""
        component = attrib.get("data-component") or ""
        if tag in _DISCARD_TAGS and (
            ident == "comments"
            or cls in ("comments", "title", "date")
            or _DISCARD_ID.search(ident or "")
            or _DISCARD_CLASS.search(cls or "")
            or "Figure" in component
        ):
            discarded.add(elem)
        if tag in _TAGS_0 and (
            attrib.get("rel") == "author"
            or ident == "author"
            or cls == "author"
            or itemprop == "author name"
            or attrib.get("data-testid") in ("AuthorCard", "AuthorURL")
            or _CLASS_0.search(cls or "")
        ):
            found[0].append(elem)
        if tag in _TAGS_1 and (
            cls in ("byline", "username", "byl", "BBL")
            or "author" in itemprop
            or _ID_1.search(ident or "")
            or _CLASS_1.search(cls or "")
        ):
            found[1].append(elem)
        if (
            "Byline" in component
            or "author" in itemprop
            or _ID_2.search(ident or "")
            or _CLASS_2.search(cls or "")
        ):
            found[2].append(elem)
    return discarded, found


def _pruned_text(elem: HtmlElement, discarded: set[HtmlElement], out: list[str]) -> None:
    """itertext() of `elem` once `discarded` is deleted: trafilatura's delete_element
    joins a deleted element's tail to the text before it, so no separator goes between."""
    current = elem.text
    for child in elem:
        if not isinstance(child.tag, str):
            raise _Unsure
        if child in discarded:
            if child.tail:
                current = (current or "") + child.tail
            continue
        if current is not None:
            out.append(current)
        _pruned_text(child, discarded, out)
        current = child.tail
    if current is not None:
        out.append(current)


def author_from_dom(tree: HtmlElement) -> str | None:
    """trafilatura.metadata.extract_author without copying and pruning the tree."""
    from trafilatura.metadata import extract_author, normalize_authors
    from trafilatura.utils import trim

    try:
        discarded, found = _scan(tree)
        for matches in found:
            for elem in matches:
                if elem in discarded or any(a in discarded for a in elem.iterancestors()):
                    continue
                chunks: list[str] = []
                _pruned_text(elem, discarded, chunks)
                content = trim(" ".join(chunks))
                if content and 2 < len(content) < 120:
                    return normalize_authors(None, content)
    except (_Unsure, RecursionError):
        return extract_author(tree)
    return None


_POST_META = re.compile("^(?:post-?info|post-?meta|meta|entry-meta|entry-info|entry-utility)")
_TAG_META = re.compile("^(?:tag|postmeta|meta)")
_CATEGORY_XPATHS = 6  # CATEGORIES_XPATHS, then the four TAGS_XPATHS


def _link_lists(tree: HtmlElement) -> list[list[HtmlElement]]:
    """For each of trafilatura's CATEGORIES_XPATHS and TAGS_XPATHS ("container//a[@href]"),
    the links it selects: below one of its containers, in document order, once each."""
    boxes: list[list[HtmlElement]] = [[] for _ in range(10)]
    for elem in tree.iter(etree.Element):
        attrib = elem.attrib
        if not attrib:
            continue  # every container test needs a class or an id
        tag, cls, ident = elem.tag, attrib.get("class") or "", attrib.get("id") or ""
        if cls == "entry-meta" or "topics" in cls or "tags-links" in cls:
            boxes[9].append(elem)
        if tag == "div":
            if _POST_META.match(cls) or ident.startswith("postpath"):
                boxes[0].append(elem)
            if cls in ("row", "tags"):
                boxes[5].append(elem)
            if cls == "tags":
                boxes[6].append(elem)
            if cls in ("row", "jp-relatedposts", "entry-utility") or _TAG_META.match(cls):
                boxes[8].append(elem)
        elif tag == "p":
            if (
                cls.startswith(("postmeta", "entry-categories"))
                or cls == "postinfo"
                or ident == "filedunder"
            ):
                boxes[1].append(elem)
            if cls.startswith("entry-tags"):
                boxes[7].append(elem)
        elif tag == "footer":
            if cls.startswith(("entry-meta", "entry-footer")):
                boxes[2].append(elem)
        elif tag in ("li", "span"):
            if cls in ("post-category", "postcategory", "entry-category") or "cat-links" in cls:
                boxes[3].append(elem)
        elif tag == "header" and cls == "entry-header":
            boxes[4].append(elem)
    return [
        list(
            dict.fromkeys(
                a for box in found for a in box.iter("a") if a is not box and "href" in a.attrib
            )
        )
        for found in boxes
    ]


class HeuristicMetadata:
    """The fields of trafilatura's Document that extraction reads; date, categories and
    tags lazily. The tree must stay unchanged until those are read."""

    def __init__(self, tree: HtmlElement, url: str | None, date_params: dict[str, Any]) -> None:
        from trafilatura.metadata import (
            META_URL,
            examine_meta,
            extract_meta_json,
            extract_sitename,
            extract_title,
            extract_url,
        )

        self._tree = tree
        self._date_params = date_params
        found: Document = examine_meta(tree)
        if found.author and " " not in found.author:
            found.author = None
        with suppress(Exception):  # as extract_metadata: bugs in trafilatura's JSON-LD reader
            found = extract_meta_json(tree, found)
        if not found.title:
            found.title = extract_title(tree)
        if not found.author:
            found.author = author_from_dom(tree)
        if not found.url:
            found.url = extract_url(tree, url)
        if not found.sitename:
            found.sitename = extract_sitename(tree)
        if found.sitename:
            found.sitename = found.sitename.lstrip("@")
            if found.sitename and "." not in found.sitename and not found.sitename[0].isupper():
                found.sitename = found.sitename.title()
        elif found.url and (match := META_URL.match(found.url)):
            found.sitename = match[1]
        self.url: str | None = found.url
        self.title = _trimmed(found.title)
        self.author = _trimmed(found.author)
        self.sitename = _trimmed(found.sitename)
        self.description = _trimmed(found.description)
        self.image = _trimmed(found.image)
        self._categories: list[str] | None = found.categories
        self._tags: list[str] | None = found.tags

    @cached_property
    def date(self) -> str | None:
        from htmldate import find_date

        return _trimmed(find_date(self._tree, **{**self._date_params, "url": self.url}))

    @cached_property
    def categories(self) -> list[str]:
        return self._categories or self._catstags("category")

    @cached_property
    def tags(self) -> list[str]:
        return self._tags or self._catstags("tag")

    @cached_property
    def _links(self) -> list[list[HtmlElement]]:
        return _link_lists(self._tree)

    def _catstags(self, metatype: str) -> list[str]:
        """trafilatura.metadata.extract_catstags on the links _link_lists found."""
        from trafilatura.baseline import block_text
        from trafilatura.utils import line_processing

        results: list[str] = []
        regexpr = "/" + metatype.rstrip("y") + "(?:y|ies|s)?/"
        lists = (
            self._links[:_CATEGORY_XPATHS]
            if metatype == "category"
            else self._links[_CATEGORY_XPATHS:]
        )
        for links in lists:
            results.extend(block_text(a) for a in links if re.search(regexpr, a.attrib["href"]))
            if results:
                break
        if metatype == "category" and not results:
            results.extend(
                element.attrib["content"]
                for element in self._tree.xpath(
                    './/head//meta[@property="article:section" or contains(@name, "subject")]'
                    "[@content]"
                )
            )
        return [r for r in dict.fromkeys(line_processing(x) for x in results if x) if r]
