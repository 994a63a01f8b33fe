"""Turn page bytes into text the way a browser would, and refuse what is not a web page.

Precedence: BOM, HTTP header charset, <meta charset>/http-equiv, then detection, because a
header is what the server promised and detection is only a guess.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_MAGIC = (
    b"%PDF",
    b"\x89PNG",
    b"GIF87a",
    b"GIF89a",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"RIFF",
    b"OggS",
    b"ID3",
    b"fLaC",
    b"\x7fELF",
    b"\x00\x00\x01\x00",
    b"wOFF",
    b"wOF2",
    b"7z\xbc\xaf",
    b"Rar!",
)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE
)
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TAG = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9]*|!doctype|!--)", re.IGNORECASE)
_NOT_HTML_TYPES = ("image/", "audio/", "video/", "font/", "application/pdf", "application/zip")
_NOT_HTML_TYPES_TEXT = ("application/json", "text/css", "text/javascript", "application/javascript")
# WHATWG: labels that browsers decode with a superset codec
_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "ascii": "cp1252", "us-ascii": "cp1252"}


class DecodeError(Exception):
    """The bytes are not an HTML page; `reason` is an ExtractionFailure reason."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    charset: str
    source: str  # bom | header | meta | detected


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = re.search(r"charset\s*=\s*[\"']?([^\s;\"']+)", content_type, re.IGNORECASE)
    return match.group(1) if match else None


def _looks_binary(head: bytes) -> str | None:
    for magic in _MAGIC:
        if head.startswith(magic):
            return f"starts with {magic[:8]!r}"
    if head.count(b"\x00") > max(2, len(head) // 100):
        return "contains NUL bytes"
    controls = len(_CONTROL.findall(head))
    if controls > max(8, len(head) // 20):
        return f"{controls} control bytes in the first {len(head)}"
    return None


def _detect(body: bytes) -> str:
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    # mostly UTF-8 with a few broken bytes: keep UTF-8 rather than guess a legacy codec
    non_ascii = sum(1 for b in body[:262144] if b >= 0x80)
    broken = body[:262144].decode("utf-8", "replace").count("\ufffd")
    if non_ascii and broken <= non_ascii // 20:
        return "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(body[:65536]).best()
    codec = _codec(best.encoding) if best is not None else None
    return codec or "cp1252"


def decode_html(
    body: bytes, declared: str | None = None, content_type: str | None = None
) -> Decoded:
    """Decode a page or raise DecodeError(binary|not-html|empty)."""
    if not body or not body.strip():
        raise DecodeError("empty", "no bytes")
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype.startswith(_NOT_HTML_TYPES):
        raise DecodeError("not-html", f"content type {ctype}")
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le")):
        if body.startswith(bom):
            text, charset, source = body[len(bom) :].decode(codec, "replace"), codec, "bom"
            break
    else:
        if codecs.BOM_UTF16_BE and body.startswith(codecs.BOM_UTF16_BE):
            text, charset, source = body[2:].decode("utf-16-be", "replace"), "utf-16-be", "bom"
        else:
            head = body[:8192]
            if why := _looks_binary(head):
                raise DecodeError("binary", why)
            charset, source = _choose_charset(
                body, declared or charset_from_content_type(content_type)
            )
            text = body.decode(charset, "replace")
    text = _INVALID_XML.sub("", text)
    if ctype in _NOT_HTML_TYPES_TEXT or not _TAG.search(text[:65536]):
        raise DecodeError("not-html", f"no HTML markup (content type {ctype or 'unknown'})")
    return Decoded(text, charset, source)


def _choose_charset(body: bytes, declared: str | None) -> tuple[str, str]:
    if codec := _codec(declared):
        return codec, "header"
    match = _META_CHARSET.search(body[:4096])
    if match and (codec := _codec(match.group(1).decode("ascii", "replace"))):
        if codec.startswith("utf-16"):  # a page that was readable as ASCII is not UTF-16
            codec = "utf-8"
        if codec != "utf-8":
            return codec, "meta"
        try:
            body.decode("utf-8")
            return "utf-8", "meta"
        except UnicodeDecodeError:
            pass  # declared UTF-8 but is not: fall back to detection
    return _detect(body), "detected"
