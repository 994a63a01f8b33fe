"""The discovery record handed to the spiders, and the age window applied to it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pipeline.items import Evidence


@dataclass(frozen=True, slots=True)
class Discovered:
    """An article URL found by discovery, with what the source said about it."""

    url: str  # absolute, as found (the lead canonicalises)
    evidence: Evidence
    # parsed UTC time (published, else modified) for the age window and newest-first order
    published: datetime | None = None


def select_recent(
    entries: Iterable[Discovered], max_age_days: int, now: datetime
) -> list[Discovered]:
    """Newest first, dropping dated entries older than the window (0 = no limit).

    Undated entries are kept after the dated ones (in their original order): a feed that
    omits dates still lists current articles, and the page's own date decides later.
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    cutoff = now - timedelta(days=max_age_days) if max_age_days > 0 else None
    dated: list[Discovered] = []
    undated: list[Discovered] = []
    for entry in entries:
        if entry.published is None:
            undated.append(entry)
        elif cutoff is None or entry.published >= cutoff:
            dated.append(entry)
    dated.sort(key=lambda e: e.published or now, reverse=True)
    return dated + undated
