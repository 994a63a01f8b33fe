"""Reading a possibly clipped or damaged XML document without inventing what it never said.

A sitemap cut off mid-``<loc>`` (a server that stopped writing, a proxy that cut the
body) still parses in lxml's recovery mode: at the end of the data the parser closes
whatever is open, so ``<url><loc>https://example.org/news/20`` comes out as a complete
entry with a URL nobody published. Recovery inside a document invents too: after a
stray ``<`` it reads ``<loc>a<b</loc>`` as ``a``, and it drops the ``&amp;`` of later
URLs. So a document is read strictly first; only when that fails is it read again with
recovery, and then each element is marked by how far it can be trusted:

- ``SOUND``: read before any damage, by the strict parser;
- ``REPAIRED``: after the damage, closed by an end tag that is in the document (its
  text may still be the repair's work: check it against the raw bytes, ``written_locs``);
- ``CLIPPED``: closed by the parser because the data ended; never complete.

Fed through a pull parser, end tags really in the document are reported while the data
is fed; what the parser closes on its own appears only once it is told the data ended.
"""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import Iterator
from typing import Any

from lxml import etree

SOUND, REPAIRED, CLIPPED = "sound", "repaired", "clipped"
_CHUNK = 64 * 1024
_SAFE: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "huge_tree": False,
    "load_dtd": False,
    "dtd_validation": False,
    "remove_comments": True,
    "remove_pis": True,
}


class TrustedElements:
    """End events of ``tags`` as ``(element, trust)`` pairs, in document order.

    After iteration, ``damaged`` says whether the strict parser failed, and ``clipped``
    whether the document ended with elements still open (its root included).
    """

    def __init__(self, data: bytes, tags: tuple[str, ...]) -> None:
        self.data = data
        self.tags = tags
        self.damaged = False
        self.clipped = False
        self.error: str | None = None  # the strict parser's complaint, for the record

    def __iter__(self) -> Iterator[tuple[etree._Element, str]]:
        sound = 0
        try:
            for element in self._strict():
                sound += 1
                yield element, SOUND
            return
        except etree.XMLSyntaxError as exc:
            self.damaged = True
            self.error = str(exc)[:200]
        # Read again with recovery; the first ``sound`` events were handed on already.
        for index, (element, closed_by_tag) in enumerate(self._recovering()):
            if index < sound:
                continue
            if not closed_by_tag:
                self.clipped = True
            yield element, REPAIRED if closed_by_tag else CLIPPED

    def _strict(self) -> Iterator[etree._Element]:
        parser = etree.XMLPullParser(events=("end",), tag=self.tags, recover=False, **_SAFE)
        for start in range(0, len(self.data), _CHUNK):
            parser.feed(self.data[start : start + _CHUNK])
            for _event, element in parser.read_events():
                yield element
        parser.close()
        for _event, element in parser.read_events():
            yield element

    def _recovering(self) -> Iterator[tuple[etree._Element, bool]]:
        parser = etree.XMLPullParser(events=("end",), tag=self.tags, recover=True, **_SAFE)
        for start in range(0, len(self.data), _CHUNK):
            parser.feed(self.data[start : start + _CHUNK])
            for _event, element in parser.read_events():
                yield element, True
        with contextlib.suppress(etree.XMLSyntaxError):
            parser.close()  # raises only when nothing at all could be recovered
        for _event, element in parser.read_events():
            yield element, False


def complete_tree(data: bytes, entry_tags: tuple[str, ...]) -> tuple[etree._Element | None, int]:
    """The document's tree without an entry (``entry_tags``) that a clipped end left open.

    Returns ``(root, dropped)``: the root is None when nothing could be read at all. A
    well-formed document is parsed once. A damaged one is repaired by lxml's recovery,
    as before; a pull parser then tells whether the data ended inside an entry, and if
    so that entry, the last one, is left out.
    """
    try:
        return etree.fromstring(data, etree.XMLParser(recover=False, **_SAFE)), 0
    except etree.XMLSyntaxError:
        pass
    try:
        root = etree.fromstring(data, etree.XMLParser(recover=True, **_SAFE))
    except etree.XMLSyntaxError:
        return None, 0
    if root is None or not _ends_inside(data, entry_tags):
        return root, 0
    entries = [el for el in root.iter(*entry_tags)]
    if not entries:
        return root, 0
    last = entries[-1]
    parent = last.getparent()
    if parent is None:
        return root, 0
    parent.remove(last)
    return root, 1


def _ends_inside(data: bytes, tags: tuple[str, ...]) -> bool:
    """True when the data ends while one of ``tags`` is still open."""
    parser = etree.XMLPullParser(events=("end",), tag=tags, recover=True, **_SAFE)
    for start in range(0, len(data), _CHUNK):
        parser.feed(data[start : start + _CHUNK])
        for _event in parser.read_events():
            pass
    with contextlib.suppress(etree.XMLSyntaxError):
        parser.close()
    return any(True for _event in parser.read_events())


_LOC_RE = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?loc\b[^>]*>(.*?)</(?:[A-Za-z_][\w.-]*:)?loc\s*>", re.S
)
_CDATA_RE = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)


def written_locs(data: bytes) -> set[str]:
    """Every ``<loc>`` text written out in full, open and end tag, in the raw bytes.

    For a document the parser had to repair: a recovered ``<loc>`` whose text is not
    among these was put together by the repair.
    """
    found: set[str] = set()
    for match in _LOC_RE.finditer(data):
        text = match.group(1).decode("utf-8", errors="replace")
        text = _CDATA_RE.sub(lambda m: m.group(1), text)
        found.add(html.unescape(text).strip())
    return found
