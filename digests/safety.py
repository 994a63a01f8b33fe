"""Making web-sourced text safe where it lands: file names, mail headers and links."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

from mediawatch.errors import TerminalError

_SLUG_JUNK = re.compile(r"[^a-z0-9]+")
_MAX_SUBJECT = 200


def slugify(name: str, max_len: int = 60) -> str:
    """ASCII letters, digits and '-' only, so a topic name can never name another folder."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = _SLUG_JUNK.sub("-", ascii_name.lower()).strip("-")[:max_len].strip("-")
    return slug or "topic"


def safe_child(base: Path, *parts: str) -> Path:
    """``base/parts...``, refusing any result that resolves outside ``base`` (belt and braces)."""
    root = base.resolve()
    target = root.joinpath(*parts).resolve()
    if not target.is_relative_to(root):
        raise TerminalError(f"refusing to write outside {root}: {target}")
    return target


def strip_controls(text: str | None) -> str:
    """Drop control and format characters (CR, LF, NUL, bidi overrides) and squeeze spaces."""
    if not text:
        return ""
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    return " ".join(kept.split())


def clean_subject(text: str, max_len: int = _MAX_SUBJECT) -> str:
    """A one-line header value: no CR/LF (header injection), no controls, bounded length."""
    line = strip_controls(text)
    if len(line) > max_len:
        line = line[: max_len - 1].rstrip() + "…"
    return line


def safe_link(url: str | None) -> str | None:
    """The URL if it is a plain http(s) link with a host, else None (then shown as text only)."""
    if not url:
        return None
    url = url.strip()
    if any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1 or 'localhost': traffic that never leaves the machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
