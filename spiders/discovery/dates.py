"""Date strings from feeds and sitemaps -> aware UTC datetimes.

Feeds use RFC 822 (with named zones), sitemaps W3C/ISO 8601 and, in the wild, anything
else; feedparser's date parser is the catch-all because it knows the odd formats.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from feedparser.datetimes import _parse_date as _feedparser_date

_MIN_YEAR = 1970  # anything older is a placeholder (0000-00-00, 1900-01-01), not a date
_MAX_LEN = 100  # a longer "date" is junk; don't spend parser time on it


def parse_date(raw: str | None) -> datetime | None:
    """Parse RFC 822, ISO 8601 or a bare date to UTC; None when it is not a usable date.

    A value without a zone is taken as UTC (sitemaps and feeds that omit it mostly mean it).
    """
    if not raw:
        return None
    text = raw.strip()
    if not text or len(text) > _MAX_LEN:
        return None
    value = _iso(text) or _rfc822(text) or _fallback(text)
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return value if value.year >= _MIN_YEAR else None


def _iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _rfc822(text: str) -> datetime | None:
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _fallback(text: str) -> datetime | None:
    try:
        parsed = _feedparser_date(text)
    except (ValueError, OverflowError, TypeError, IndexError):
        return None
    if parsed is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None
