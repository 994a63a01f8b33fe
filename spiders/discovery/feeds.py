"""Feed bodies -> article URLs with evidence: RSS 0.9x/2.0, RSS 1.0 (RDF), Atom, JSON Feed.

XML flavours go through feedparser, which knows the many date, author and namespace
variants, but only ever on well-formed XML without a DOCTYPE: its pure-Python loose
fallback parser expands declared entities without limit (a 56 KB feed became a 100 MB
title in a trial) and needs about a minute for 10 MB of broken markup. So the DOCTYPE is
stripped, entity references are normalised and lxml repairs what is still broken. The
bytes go in as a stream: given raw bytes, feedparser treats them as a file name.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import feedparser
import lxml.html
from feedparser.encodings import convert_to_utf8
from lxml import etree

from pipeline.items import Evidence

from .clipped import complete_tree
from .dates import parse_date
from .entries import Discovered
from .payload import (
    DEFAULT_MAX_UNCOMPRESSED,
    PayloadError,
    maybe_gunzip,
    normalise_references,
    strip_doctype,
)
from .urls import absolute_http_url

DEFAULT_MAX_ENTRIES = 5_000
_MAX_TITLE = 1_000
_MAX_AUTHORS = 20
_MAX_ELEMENTS_PER_ENTRY = 40
_MAX_TEXT = 4_000
# the children of an item/entry that evidence is made of; the rest is pruned before parsing
_ENTRY_FIELDS = frozenset(
    {
        "title",
        "link",
        "guid",
        "id",
        "pubdate",
        "published",
        "updated",
        "issued",
        "modified",
        "created",
        "date",
        "creator",
        "author",
        "contributor",
        "language",
    }
)

# feedparser's version codes -> our kinds; RSS 0.90 is RDF-based like 1.0
_KINDS = {
    "rss090": "rss1",
    "rss10": "rss1",
    "rss091n": "rss2",
    "rss091u": "rss2",
    "rss092": "rss2",
    "rss093": "rss2",
    "rss094": "rss2",
    "rss20": "rss2",
    "rss": "rss2",
    "atom01": "atom",
    "atom02": "atom",
    "atom03": "atom",
    "atom10": "atom",
    "atom": "atom",
}


@dataclass(frozen=True, slots=True)
class FeedResult:
    entries: list[Discovered]
    kind: str  # "rss2" | "rss1" | "atom" | "jsonfeed" | "unknown"
    # set when the body is not a feed, is broken, or yields no entry (reported, never silent)
    error: str | None = None
    title: str | None = None  # the feed's own title, for logs
    skipped: int = field(default=0)  # items without a usable http(s) link, or over the cap
    # the document was clipped or broken: what was kept, and what left out (see ``clipped``)
    damage: str | None = None

    @property
    def empty(self) -> bool:
        """A sound feed with no items: the outlet has nothing to list, nothing failed."""
        return self.error is None and not self.entries


def parse_feed(
    body: bytes,
    url: str,
    max_entries: int = DEFAULT_MAX_ENTRIES,
    max_uncompressed: int = DEFAULT_MAX_UNCOMPRESSED,
) -> FeedResult:
    """Parse any common feed flavour; never raises on hostile or broken input."""
    try:
        data = maybe_gunzip(body, max_uncompressed)
    except PayloadError as exc:
        return FeedResult([], "unknown", exc.reason if exc.reason == "oversize" else str(exc))
    if not data.strip():
        return FeedResult([], "unknown", "empty body")
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return _parse_json_feed(data, url, max_entries)
    try:
        return _parse_xml_feed(data, url, max_entries)
    except PayloadError as exc:
        return FeedResult([], "unknown", str(exc))
    except Exception as exc:  # feedparser on hostile bytes: report, don't crash the crawl
        return FeedResult([], "unknown", f"parser-error: {type(exc).__name__}: {exc}"[:300])


def _parse_xml_feed(data: bytes, url: str, max_entries: int) -> FeedResult:
    # feedparser's own encoding rules (declaration, then UTF-8, then windows-1252) so that
    # lxml below sees correct UTF-8 and does not cut a mis-declared feed short
    scratch: dict[str, Any] = {}
    utf8 = convert_to_utf8({}, data, scratch)
    root, clipped = complete_tree(
        normalise_references(strip_doctype(utf8)), ("{*}item", "{*}entry")
    )
    if root is None:
        return FeedResult([], "unknown", "not a feed (not-xml)")
    dropped = _prune(root, max_entries)
    if sum(1 for _ in root.iter()) > _MAX_ELEMENTS_PER_ENTRY * max_entries + 1_000:
        return FeedResult([], "unknown", "not a feed (too many elements)")
    parsed = feedparser.parse(
        io.BytesIO(etree.tostring(root, encoding="utf-8", xml_declaration=True)),
        response_headers={"content-location": url, "content-type": "application/xml"},
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    kind = _KINDS.get(parsed.get("version") or "", "unknown")
    entries: list[Discovered] = []
    skipped = dropped
    language = _clean(parsed.feed.get("language"), 35)
    for item in parsed.entries:
        if len(entries) >= max_entries:
            skipped += 1
            continue
        found = _from_feedparser_entry(item, url, language)
        if found is None:
            skipped += 1
        else:
            entries.append(found)
    title = _clean(parsed.feed.get("title"), _MAX_TITLE)
    error = None
    if not entries:
        if kind == "unknown":
            reason = _bozo_reason(parsed)
            error = "not a feed" + (f" ({reason})" if reason else "")
        elif parsed.get("bozo") and _bozo_reason(parsed):
            error = f"malformed feed: {_bozo_reason(parsed)}"
        elif skipped:
            error = f"no entry with an http(s) link ({skipped} skipped)"
        elif clipped:
            error = f"clipped feed: no complete entry ({clipped} cut off at the end)"
    damage = f"clipped feed: {clipped} entry cut off at the end left out" if clipped else None
    return FeedResult(entries, kind, error, title, skipped, damage)


def _prune(root: etree._Element, max_entries: int) -> int:
    """Keep only what evidence needs: entries past the cap and their bodies go.

    feedparser spends ~50 µs per element, so content, summaries and media would dominate
    on big feeds, and a hostile feed of tiny elements could stall the crawl. Returns how
    many entries were dropped over the cap.
    """
    entries = [
        el for el in root.iter() if isinstance(el.tag, str) and _local(el.tag) in ("item", "entry")
    ]
    for extra in entries[max_entries:]:
        parent = extra.getparent()
        if parent is not None:
            parent.remove(extra)
    for entry in entries[:max_entries]:
        for child in list(entry):
            if not isinstance(child.tag, str) or _local(child.tag) not in _ENTRY_FIELDS:
                entry.remove(child)
    # expat reports text in pieces split at every reference: cap what is left to keep
    # a megabyte "title" of &amp;s from costing seconds
    for el in root.iter():
        if el.text and len(el.text) > _MAX_TEXT:
            el.text = el.text[:_MAX_TEXT]
        if el.tail and len(el.tail) > _MAX_TEXT:
            el.tail = el.tail[:_MAX_TEXT]
    return max(0, len(entries) - max_entries)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2].lower()


def _bozo_reason(parsed: Mapping[str, Any]) -> str:
    exc = parsed.get("bozo_exception")
    if exc is None or isinstance(exc, feedparser.CharacterEncodingOverride):
        return ""
    return f"{type(exc).__name__}: {exc}"[:200]


def _from_feedparser_entry(
    item: dict[str, Any], feed_url: str, language: str | None
) -> Discovered | None:
    link = _entry_link(item, feed_url)
    if link is None:
        return None
    # dict.get: FeedParserDict answers "updated" with "published" when there is none
    published_raw = _clean(dict.get(item, "published"), 100)
    modified_raw = _clean(dict.get(item, "updated"), 100)
    authors = _authors(
        [a.get("name") or a.get("email") for a in item.get("authors") or () if a],
        item.get("author"),
    )
    evidence = Evidence(
        source="feed",
        title=_plain(_clean(item.get("title"), _MAX_TITLE)),
        # Atom feeds often carry only <updated>: it is the best publication hint there is
        published=published_raw or modified_raw,
        modified=modified_raw,
        authors=authors,
        language=_clean(item.get("language"), 35) or language,
        feed_url=feed_url,
    )
    when = parse_date(published_raw) or parse_date(modified_raw)
    return Discovered(link, evidence, when)


_HTML_TYPES = frozenset({"", "text/html", "application/xhtml+xml"})


def _entry_link(item: Mapping[str, Any], feed_url: str) -> str | None:
    """The article link: the first HTML ``rel=alternate`` link, in document order.

    feedparser's ``entry.link`` is the *last* alternate, so an Atom entry with a plain
    ``<link href>`` (alternate by default) and a later ``rel="alternate"`` variant
    (``?alt``, an AMP copy) would be stored under the variant. Where the entry's
    ``<id>`` is itself one of its HTML alternates, that one is taken (they agree).
    Without an HTML alternate: ``entry.link`` (RSS), other alternates, then a permalink
    guid or Atom id.
    """
    guid = item.get("id")
    guid_url = (
        absolute_http_url(guid, feed_url)
        if isinstance(guid, str) and guid.startswith(("http://", "https://"))
        else None
    )
    html_links: list[str] = []
    other_alternates: list[str | None] = []
    for link in item.get("links") or ():
        if (link.get("rel") or "alternate") != "alternate":
            continue
        media = (link.get("type") or "").split(";")[0].strip().lower()
        href = absolute_http_url(link.get("href"), feed_url)
        if href and media in _HTML_TYPES:
            html_links.append(href)
        else:
            other_alternates.append(link.get("href"))
    if guid_url and guid_url in html_links:
        return guid_url
    if html_links:
        return html_links[0]
    for candidate in (item.get("link"), *other_alternates, guid_url):
        if isinstance(candidate, str):
            absolute = absolute_http_url(candidate, feed_url)
            if absolute:
                return absolute
    return None


def _parse_json_feed(data: bytes, url: str, max_entries: int) -> FeedResult:
    try:
        doc = json.loads(data.decode("utf-8-sig", errors="replace"))
    except (ValueError, RecursionError) as exc:
        return FeedResult([], "unknown", f"malformed JSON: {exc}"[:200])
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        return FeedResult([], "unknown", "not a feed (JSON without an items list)")
    version = doc.get("version")
    if not (isinstance(version, str) and "jsonfeed.org" in version):
        return FeedResult([], "unknown", "not a feed (JSON without a jsonfeed.org version)")
    language = _clean(doc.get("language"), 35)
    feed_authors = _json_authors(doc)
    entries: list[Discovered] = []
    skipped = 0
    for item in doc["items"]:
        if len(entries) >= max_entries or not isinstance(item, dict):
            skipped += 1
            continue
        link = None
        for key in ("url", "external_url", "id"):
            value = item.get(key)
            if not isinstance(value, str):
                continue
            if key == "id" and not value.startswith(("http://", "https://")):
                continue  # an id is opaque unless it is itself a URL
            if link := absolute_http_url(value, url):
                break
        if link is None:
            skipped += 1
            continue
        published_raw = _clean(item.get("date_published"), 100)
        modified_raw = _clean(item.get("date_modified"), 100)
        evidence = Evidence(
            source="feed",
            title=_clean(item.get("title"), _MAX_TITLE),
            published=published_raw or modified_raw,
            modified=modified_raw,
            authors=_json_authors(item) or feed_authors,
            language=_clean(item.get("language"), 35) or language,
            feed_url=url,
        )
        when = parse_date(published_raw) or parse_date(modified_raw)
        entries.append(Discovered(link, evidence, when))
    error = "no usable entry" if skipped and not entries else None  # no items at all: empty
    return FeedResult(entries, "jsonfeed", error, _clean(doc.get("title"), _MAX_TITLE), skipped)


def _json_authors(obj: Mapping[str, Any]) -> tuple[str, ...]:
    """JSON Feed 1.1 ``authors`` list, or 1.0's single ``author`` object."""
    names: list[Any] = []
    listed = obj.get("authors")
    if isinstance(listed, list):
        names += [a.get("name") for a in listed if isinstance(a, dict)]
    single = obj.get("author")
    if isinstance(single, dict):
        names.append(single.get("name"))
    return _authors(names, None)


def _authors(names: Iterable[Any], single: Any) -> tuple[str, ...]:
    out: list[str] = []
    for name in [*names, single]:
        cleaned = _clean(name, 200)
        if cleaned and cleaned not in out:
            out.append(cleaned)
        if len(out) >= _MAX_AUTHORS:
            break
    return tuple(out)


def _plain(title: str | None) -> str | None:
    """Titles of type="html" keep their markup (sanitising is off for speed): drop the tags."""
    if not title or "<" not in title:
        return title
    try:
        text = lxml.html.fragment_fromstring(title, create_parent="div").text_content()
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return title
    return " ".join(text.split()) or None


def _clean(value: Any, limit: int) -> str | None:
    """Collapse whitespace and bound the length; None for empty or non-strings."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text[:limit] or None
