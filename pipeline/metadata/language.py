"""Language as ISO 639-1: what the page declares, else what its text looks like."""

from __future__ import annotations

import re

_CODE = re.compile(r"^([a-zA-Z]{2})(?:[-_][a-zA-Z0-9]+)*$")


def normalize_language(value: str | None) -> str | None:
    """'de-DE', 'en_US', 'RU' -> two letters; anything else -> None."""
    if not value:
        return None
    match = _CODE.match(value.strip().split(",")[0].strip())
    return match.group(1).lower() if match else None


def detect_language(text: str) -> str | None:
    """py3langid on up to 5,000 characters (enough, and keeps it at a few ms)."""
    if len(text.strip()) < 20:
        return None
    import py3langid

    code, _score = py3langid.classify(text[:5000])
    return normalize_language(code)
