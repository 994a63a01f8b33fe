"""Dates the page labels for its readers: "Erschienen am: 13.04.2021", "Updated May 9,
2020", "Von Eva Holm (2. Juni 2021)".

When a page has no metadata date, htmldate searches its text and takes a date by its own
heuristics: a related article's, a comment's, an image's. A date the page itself labels as
the publication (or, failing that, the last update) is the one its readers are told, so it
is read first. Only the label right before a date counts, and a byline only when it starts
a text node: "von" inside a sentence is prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from lxml.html import HtmlElement

from pipeline.metadata.header_date import dates_in

_SKIP = frozenset(["script", "style", "noscript", "template", "select", "option", "svg"])
_ON = r"(?:\s+(?:on|am|le|el|il|op|em|den|vom|du|del))?\s*[:\-–]?\s*$"
_PUBLISHED = re.compile(
    r"(?<!\w)(?:first published|published|posted|veröffentlicht|erschienen|publiziert|"
    r"publié|publicado|pubblicato|gepubliceerd|publicerad|udgivet)" + _ON,
    re.IGNORECASE,
)
_UPDATED = re.compile(
    r"(?<!\w)(?:last updated|updated|last modified|modified|aktualisiert|letzte änderung|"
    r"zuletzt geändert|geändert|mis à jour|actualizado|aggiornato|bijgewerkt)" + _ON,
    re.IGNORECASE,
)
# a byline that starts its text node and runs into the date: "Von Eva Holm (21. ...",
# "Posted by Jane Roe on May 3, 2024", "| Par / Jane Roe / | 3 mai 2024" (one node each)
_BYLINE = re.compile(
    r"(?:^|\n)[ \t|·•]*(?:(?:posted|written|geschrieben|verfasst|ein artikel)[ \t]+)?"
    r"(?:by|von|par|por|door)\s+(?P<name>[^\W\d_][\w'’.\-]*(?:[ \t]+"
    r"(?!(?-i:on|am|le|el|il|op)\b)[^\W\d_][\w'’.\-]*){0,2})"
    r"(?:[ \t]+(?-i:on|am|le|el|il|op))?\s*[|,(·•–—\-]?[ \t]*$",
    re.IGNORECASE,
)
_BEFORE = 60  # characters of label before a date


@dataclass(frozen=True)
class Labelled:
    """The days a page labels: published (or signed) first, then updated, in page order."""

    published: list[date]
    updated: list[date]


def _text_nodes(tree: HtmlElement) -> str:
    """Visible text nodes of the body, one a line."""
    body = tree.find(".//body")
    parts: list[str] = []

    def walk(elem: HtmlElement) -> None:
        if isinstance(elem.tag, str) and elem.tag not in _SKIP:
            if elem.text:
                parts.append(elem.text)
            for child in elem:
                walk(child)
                if child.tail:
                    parts.append(child.tail)

    walk(body if body is not None else tree)
    return "\n".join(" ".join(p.split()) for p in parts if not p.isspace())


def _signed(before: str) -> bool:
    """A byline of capitalised name words ends right before the date."""
    match = _BYLINE.search(before)
    words = match.group("name").split() if match else []
    return bool(words) and all(w[0].isupper() for w in words)


def labelled_dates(tree: HtmlElement) -> Labelled:
    """The full dates in the page's visible text that a label or a byline introduces."""
    text = _text_nodes(tree)
    published: list[date] = []
    updated: list[date] = []
    for position, found in dates_in(text):
        before = text[max(0, position - _BEFORE) : position]
        if _PUBLISHED.search(before) or _signed(before):
            published.append(found.day)
        elif _UPDATED.search(before):
            updated.append(found.day)
    return Labelled(published, updated)
