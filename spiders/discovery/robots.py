"""Sitemap locations from robots.txt (``Sitemap:`` lines apply to every user agent).

Hand-parsed rather than through urllib.robotparser, which percent-decodes the value
and so changes URLs that carry encoded characters.
"""

from __future__ import annotations

from .urls import absolute_http_url

MAX_ROBOTS_CHARS = 512 * 1024  # Google reads 500 KiB of robots.txt; so do we
MAX_SITEMAPS = 100


def sitemaps_from_robots(text: str | bytes, base_url: str) -> list[str]:
    """Absolute, deduplicated sitemap URLs in file order; relative ones resolve on base_url."""
    if isinstance(text, bytes):
        text = text[:MAX_ROBOTS_CHARS].decode("utf-8", errors="replace")
    out: list[str] = []
    for line in text[:MAX_ROBOTS_CHARS].lstrip("\ufeff").splitlines():
        key, sep, value = line.partition(":")
        if not sep or key.strip().lower() not in ("sitemap", "site-map"):
            continue
        value = value.split("#", 1)[0].strip()
        url = absolute_http_url(value.split()[0] if value else None, base_url)
        if url and url not in out:
            out.append(url)
            if len(out) >= MAX_SITEMAPS:
                break
    return out
