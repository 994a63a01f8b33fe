"""Paywall flag: declared by schema.org, or a short body next to paywall markup."""

from __future__ import annotations

import re

_MARKERS = re.compile(
    r"""(?:class|id)\s*=\s*["'][^"']*\b(?:paywall|pay-wall|piano-?(?:offer|paywall)|"""
    r"""subscriber-only|subscribers-only|premium-(?:content|article|teaser)|"""
    r"""article--locked|locked-content|regwall|metered-content|plus-teaser|"""
    r"""paid-content|tp-modal)\b""",
    re.IGNORECASE,
)
TRUNCATED_CHARS = 1500


def is_paywalled(free: bool | None, html: str, text: str) -> bool:
    if free is False:
        return True
    return len(text) < TRUNCATED_CHARS and _MARKERS.search(html) is not None
