"""Sanity limits on what is stored about an article, applied just before it is stored.

Extraction takes what a page or feed says; a hostile or broken source can say a 1 MB title
or a year-0001 date (which once became 2001-01-01 and made a digest say SPIKE). Too-long
fields are cut at a word and flagged; a published date before 1990 or more than a day
in the future (ahead of the moment it is stored) is dropped (the article keeps its first-seen time) and flagged. Flags
land in ``articles.field_flags`` and ``articles.date_flags``, so that nothing is cut silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

MAX_TITLE = 1_000
MAX_AUTHOR = 200
MAX_AUTHORS = 50
MAX_DESCRIPTION = 5_000
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
AHEAD = timedelta(days=1)


@dataclass(frozen=True)
class Checked:
    title: str
    authors: list[str]
    description: str | None
    published_at: datetime | None
    field_flags: list[str]
    date_flags: list[str]


def cut(text: str, limit: int) -> str:
    """At most ``limit`` characters, at a word boundary when one is near, with '…'."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    if space > limit * 0.8:
        head = head[:space]
    return head.rstrip() + "…"


def check(
    title: str,
    authors: Sequence[str],
    description: str | None,
    published_at: datetime | None,
    now: datetime,
) -> Checked:
    """The fields as they may be stored, and a flag for each change made.

    ``now`` is when the article is stored, not when the page was fetched: a page read from an
    archive was captured long ago, and its date is only impossible if it lies in our future.
    """
    flags: list[str] = []
    if len(title) > MAX_TITLE:
        flags.append(f"title cut from {len(title)} to {MAX_TITLE} characters")
        title = cut(title, MAX_TITLE)
    kept = list(authors)
    if len(kept) > MAX_AUTHORS:
        flags.append(f"authors cut from {len(kept)} to {MAX_AUTHORS} names")
        kept = kept[:MAX_AUTHORS]
    if any(len(a) > MAX_AUTHOR for a in kept):
        flags.append(f"author names cut to {MAX_AUTHOR} characters")
        kept = [cut(a, MAX_AUTHOR) for a in kept]
    if description is not None and len(description) > MAX_DESCRIPTION:
        flags.append(f"description cut from {len(description)} to {MAX_DESCRIPTION} characters")
        description = cut(description, MAX_DESCRIPTION)
    date_flags: list[str] = []
    if published_at is not None:
        if published_at < EARLIEST:
            date_flags.append(f"published {published_at.isoformat()} rejected: before 1990")
            published_at = None
        elif published_at > now + AHEAD:
            date_flags.append(
                f"published {published_at.isoformat()} rejected: more than a day in the future"
                f" (stored {now.isoformat(timespec='seconds')})"
            )
            published_at = None
    return Checked(title, kept, description, published_at, flags, date_flags)
