"""Date strings from feeds and sitemaps -> aware UTC datetimes.

Feeds use RFC 822 (with named zones), sitemaps W3C/ISO 8601 and, in the wild, anything
else: all go through the project's one date parser (pipeline.metadata.dates), so that a
feed and the page it links to read the same string the same way.
"""

from __future__ import annotations

from datetime import datetime

from pipeline.metadata.dates import parse_datetime

_MIN_YEAR = 1970  # anything older is a placeholder (0000-00-00, 1900-01-01), not a date


def parse_date(raw: str | None) -> datetime | None:
    """Parse RFC 822, ISO 8601 or a written date to UTC; None when it is not a usable date.

    A value without a zone is taken as UTC (sitemaps and feeds that omit it mostly mean it).
    """
    parsed = parse_datetime(raw)
    if parsed is None or parsed.value.year < _MIN_YEAR:
        return None
    return parsed.value
