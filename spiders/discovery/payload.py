"""Turning hostile downloaded bytes into something safe to hand to a parser.

Two dangers: compressed bombs (a few hundred KB that inflate to gigabytes) and XML
entity tricks (billion laughs, quadratic blow-up, external entities reading local files).
Decompression is capped, and the DOCTYPE (the only place entities can be declared) is
removed before any parser sees the document, so no parser's own limits are relied on.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from html.entities import html5
from typing import IO

from feedparser.encodings import convert_to_utf8
from lxml import etree

GZIP_MAGIC = b"\x1f\x8b"
DEFAULT_MAX_UNCOMPRESSED = 50 * 1024 * 1024
_CHUNK = 256 * 1024


class PayloadError(ValueError):
    """The body cannot be used; ``reason`` is a short machine-readable word."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def is_gzip(body: bytes) -> bool:
    return body[:2] == GZIP_MAGIC


def gunzip_capped(body: bytes, max_uncompressed: int = DEFAULT_MAX_UNCOMPRESSED) -> bytes:
    """Inflate gzip (also concatenated members) but never past ``max_uncompressed`` bytes.

    Raises PayloadError("oversize") as soon as the cap is crossed, so memory stays near
    the cap however large the bomb, and PayloadError("bad-gzip") on corrupt data.
    """
    out: list[bytes] = []
    total = 0
    data = body
    try:
        while data:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            while data:
                # ask for at most one byte past the cap: enough to detect the overflow
                chunk = inflater.decompress(data, min(_CHUNK, max_uncompressed - total + 1))
                total += len(chunk)
                if total > max_uncompressed:
                    raise PayloadError("oversize", f"more than {max_uncompressed} bytes inflated")
                out.append(chunk)
                data = inflater.unconsumed_tail
                if inflater.eof:
                    break
            if not inflater.eof:
                tail = inflater.flush()
                total += len(tail)
                if total > max_uncompressed:
                    raise PayloadError("oversize", f"more than {max_uncompressed} bytes inflated")
                out.append(tail)
                break
            data = inflater.unused_data
            if data and not is_gzip(data):
                break  # trailing garbage after the last member, as gzip(1) tolerates
    except zlib.error as exc:
        raise PayloadError("bad-gzip", str(exc)) from None
    return b"".join(out)


def maybe_gunzip(body: bytes, max_uncompressed: int = DEFAULT_MAX_UNCOMPRESSED) -> bytes:
    """Decompress when the bytes are gzip (by magic, not by name); enforce the size cap."""
    if is_gzip(body):
        body = gunzip_capped(body, max_uncompressed)
        if is_gzip(body):  # .xml.gz served with Content-Encoding: gzip on top, seen in the wild
            body = gunzip_capped(body, max_uncompressed)
        return body
    if len(body) > max_uncompressed:
        raise PayloadError("oversize", f"body is {len(body)} bytes")
    return body


# A DOCTYPE with an optional internal subset; quoted strings may contain ']' or '>'.
# The alternatives start with distinct characters, so matching is linear.
_DOCTYPE_RE = re.compile(
    rb"""<!DOCTYPE\s[^\[>]*(?:\[(?:[^\]"']|"[^"]*"|'[^']*')*\]\s*)?>""", re.IGNORECASE
)
_DOCTYPE_START_RE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_FIRST_ELEMENT_RE = re.compile(rb"<[A-Za-z_]")
_ENTITY_DECL_RE = re.compile(rb"<!ENTITY", re.IGNORECASE)


def to_utf8(data: bytes) -> bytes:
    """Re-encode a UTF-16/32 XML document to UTF-8; other bytes are returned unchanged.

    The byte-level DOCTYPE scan works on any ASCII-compatible encoding, but would miss
    a declaration spelled in two- or four-byte units.
    """
    head = data[:4]
    if not (head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head):
        return data
    scratch: dict[str, object] = {}
    try:
        converted = convert_to_utf8({}, data, scratch)
    except (LookupError, ValueError):
        return data
    return converted if scratch.get("encoding") else data


def strip_doctype(data: bytes) -> bytes:
    """Remove the prolog's DOCTYPE, and with it every entity declaration.

    Feeds and sitemaps never need a DTD; undeclared entity references that remain are
    left unexpanded (or dropped) by the parsers. If an entity declaration survives
    anywhere (odd quoting fooled the scan), the document is refused rather than trusted.
    Expects ASCII-compatible bytes (see ``to_utf8``).
    """
    start = _DOCTYPE_START_RE.search(data)
    element = _FIRST_ELEMENT_RE.search(data)
    if start is not None and (element is None or start.start() < element.start()):
        match = _DOCTYPE_RE.match(data, start.start())
        if match is None:
            raise PayloadError("unsafe-xml", "DOCTYPE that cannot be removed safely")
        data = data[: match.start()] + data[match.end() :]
    if _ENTITY_DECL_RE.search(data):
        raise PayloadError("unsafe-xml", "entity declaration outside a removable DOCTYPE")
    return data


_XML_PREDEFINED = frozenset({"amp", "lt", "gt", "quot", "apos"})
# a CDATA section (left alone), or an ampersand with whatever reference follows it
_CDATA_OR_AMP_RE = re.compile(
    rb"<!\[CDATA\[.*?(?:\]\]>|\Z)"
    rb"|&(#[0-9]{1,8};|#x[0-9A-Fa-f]{1,8};|[A-Za-z][A-Za-z0-9._-]{0,31};)?",
    re.DOTALL,
)


def _fix_reference(match: re.Match[bytes]) -> bytes:
    whole = match.group(0)
    ref = match.group(1)
    if whole.startswith(b"<!"):
        return whole
    if ref is None:
        return b"&amp;"  # a bare & (a?b=1&c=2), the commonest reason a feed is not XML
    if ref.startswith(b"#"):
        return whole
    name = ref[:-1].decode("ascii")
    if name in _XML_PREDEFINED:
        return whole
    text = html5.get(name + ";")
    if text is None:
        return b"&amp;" + ref  # unknown entity: keep it visible as text
    return "".join(f"&#{ord(ch)};" for ch in text).encode("ascii")


def normalise_references(data: bytes) -> bytes:
    """Make entity references well-formed without any DTD.

    HTML named entities (&eacute;, &nbsp;, common in RSS 0.9x) become character
    references, bare ampersands and unknown entities become text. Undefined entities and
    bare ``&`` are why real feeds fail strict XML parsing; after this they parse strictly.
    CDATA sections are left as they are.
    """
    return _CDATA_OR_AMP_RE.sub(_fix_reference, data)


def safe_xml_parser(recover: bool = True) -> etree.XMLParser:
    """lxml parser that never expands entities, loads a DTD, reads a file or the network."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        recover=recover,
        remove_comments=True,
        remove_pis=True,
    )


def safe_iterparse(
    source: IO[bytes], tags: tuple[str, ...], recover: bool = True
) -> Iterator[tuple[str, etree._Element]]:
    """``iterparse`` over ``source`` with the same guarantees as ``safe_xml_parser``."""
    return etree.iterparse(
        source,
        events=("end",),
        tag=tags,
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        recover=recover,
        remove_comments=True,
        remove_pis=True,
    )


def parse_tree(data: bytes) -> etree._Element:
    """Parse XML with the safe parser, repairing what is broken (lxml recovery, in C).

    Recovery runs in linear time; feedparser's pure-Python loose parser, the alternative,
    needs about a minute for 10 MB of broken markup and blocks the crawl meanwhile.
    Raises PayloadError("not-xml") when nothing can be recovered.
    """
    try:
        root = etree.fromstring(data, safe_xml_parser(recover=True))
    except etree.XMLSyntaxError as exc:
        raise PayloadError("not-xml", str(exc)[:200]) from None
    if root is None:
        raise PayloadError("not-xml")
    return root
