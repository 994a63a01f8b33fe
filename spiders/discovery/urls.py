"""URL helpers shared by the discovery parsers: absolutising and the outlet-domain test."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urljoin, urlsplit

from w3lib.url import safe_url_string

MAX_URL_LENGTH = 2048
_UNSAFE_CHARS = re.compile(r'[\x00-\x20\x7f<>"{}|\\^`]')


def absolute_http_url(href: str | None, base_url: str) -> str | None:
    """Resolve ``href`` against ``base_url``; None unless the result is a plain http(s) URL.

    Fragments are dropped (same document); javascript:, mailto:, data: and the like vanish.
    Non-ASCII or unsafe characters are percent-encoded the way Scrapy would send them.
    """
    if not href:
        return None
    href = href.strip()
    if not href or len(href) > MAX_URL_LENGTH:
        return None
    try:
        joined = href if href.startswith(("http://", "https://")) else urljoin(base_url, href)
        joined = joined.partition("#")[0]
        parts = urlsplit(joined)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if joined.isascii() and not _UNSAFE_CHARS.search(joined):
        return joined
    try:
        return safe_url_string(joined)
    except (ValueError, UnicodeError):
        return None


def normalise_domains(domains: Sequence[str]) -> tuple[str, ...]:
    """Lower-case bare hosts; a leading ``www.`` is dropped so it stays optional."""
    out: list[str] = []
    for domain in domains:
        host = domain.strip().lower().rstrip(".")
        if "://" in host:
            host = urlsplit(host).hostname or ""
        host = host.removeprefix("www.")
        if host and host not in out:
            out.append(host)
    return tuple(out)


def host_of(url: str) -> str | None:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.rstrip(".") if host else None


def on_domains(url: str, domains: Sequence[str]) -> bool:
    """True when the URL's host is one of ``domains`` or a subdomain of one.

    IP hosts (the loopback test outlets) match exactly; ports are ignored because the
    configured domains are host names.
    """
    host = host_of(url)
    if not host:
        return False
    bare = host.removeprefix("www.")
    for domain in normalise_domains(domains):
        if bare == domain or host == domain or host.endswith("." + domain):
            return True
    return False
