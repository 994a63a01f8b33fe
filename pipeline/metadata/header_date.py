"""The date a page shows its readers next to the headline (dateline, byline, "Stand: ...").

Metadata dates are written by the CMS and are often an edit, a re-indexing or a server
time in another zone; the date printed under the headline is the one the newsroom meant.
Only a short stretch of visible text around the <h1> is read: walking it is cheap, and
further away dates belong to teasers, comments and the page's clock.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from lxml.html import HtmlElement

from pipeline.items import DatedValue
from pipeline.metadata import dates
from pipeline.metadata.titles import norm_text

AFTER_CHARS = 400  # the standfirst, byline and dateline follow the headline
BEFORE_CHARS = 120  # a kicker line with the date may precede it
SHORT_TEXT = 60  # a dateline or byline node; a longer one is a sentence
MAX_EARLIER_DAYS = 365
_SKIP = frozenset(["script", "style", "noscript", "template", "select", "button", "svg"])

_YEAR = r"((?:19|20)\d{2})"
_DAY = r"([0-3]?\d)(?:st|nd|rd|th|er|º)?"
_CLOCK = re.compile(
    r"^[\s,|/-]*(?:um|at|à|a las|alle|om|kl\.?|-)?\s*([0-2]?\d)[:.h]([0-5]\d)(?![\d.])"
    r"(?::[0-5]\d)?\s*(am|pm|a\.m\.|p\.m\.)?",
    re.I,
)


@lru_cache(maxsize=1)
def _months() -> dict[str, int]:
    """Month names from dateparser's locales (dates.month_names), read lazily: loading
    them costs a crawl worker half a second, once."""
    return {
        name: month for month, names in enumerate(dates.month_names(), start=1) for name in names
    }


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Full dates in text; a month name only counts between a day and a year."""
    month = "(" + "|".join(sorted(map(re.escape, _months()), key=len, reverse=True)) + r")\.?"
    return (
        (re.compile(r"(?<![\d.])" + _YEAR + r"-([01]?\d)-([0-3]?\d)(?!\d)"), "ymd"),
        (re.compile(r"(?<![\d.])([0-3]?\d)\.\s?([01]?\d)\.\s?" + _YEAR + r"(?!\d)"), "dmy"),
        (re.compile(r"(?<!\d)" + _YEAR + r"\s?年\s?([01]?\d)\s?月\s?([0-3]?\d)\s?日"), "ymd"),
        (re.compile(r"(?<![\d/])([0-3]?\d)/([0-3]?\d)/" + _YEAR + r"(?!\d)"), "slash"),
        (
            re.compile(
                r"(?<![\w.])"
                + _DAY
                + r"\.?\s*(?:de\s+|of\s+)?"
                + month
                + r",?\s*(?:de\s+)?"
                + _YEAR,
                re.I,
            ),
            "dmy",
        ),
        (re.compile(r"(?<!\w)" + month + r"\s+" + _DAY + r",?\s+" + _YEAR, re.I), "mdy"),
    )


@dataclass(frozen=True, slots=True)
class ShownDate:
    """A day as the page prints it: local, with the clock time when one follows."""

    day: date
    clock: tuple[int, int] | None  # local hour and minute when the page shows them
    raw: str


def _clock(rest: str) -> tuple[int, int] | None:
    match = _CLOCK.match(rest)
    if match is None:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2)), match.group(3)
    if half and hour <= 12:
        hour = hour % 12 + (12 if half[0] in "pP" else 0)
    return (hour, minute) if hour < 24 else None


def _day(kind: str, groups: tuple[str, ...]) -> date | None:
    try:
        if kind == "ymd":
            return date(int(groups[0]), int(groups[1]), int(groups[2]))
        if kind == "slash":
            first, second, year = (int(g) for g in groups)
            if first > 12:
                return date(year, second, first)
            if second > 12 or first == second:
                return date(year, first, second)
            return None  # 03/04/2020: day or month first is the reader's convention
        if kind == "mdy":
            return date(int(groups[2]), _months()[groups[0].casefold()], int(groups[1]))
        month = groups[1] if groups[1].isdigit() else _months()[groups[1].casefold()]
        return date(int(groups[2]), int(month), int(groups[0]))
    except (ValueError, KeyError):
        return None


def dates_in(text: str) -> list[tuple[int, ShownDate]]:
    """Every full date (day, month, year) written in the text, with its position."""
    found: list[tuple[int, ShownDate]] = []
    taken: list[tuple[int, int]] = []
    for pattern, kind in _patterns():
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(s < end and start < e for s, e in taken):
                continue
            day = _day(kind, match.groups())
            if day is None:
                continue
            taken.append((start, end))
            found.append((start, ShownDate(day, _clock(text[end : end + 20]), match.group(0))))
    return sorted(found, key=lambda item: item[0])


def _size(text: str) -> int:
    """Characters a reader sees: markup indentation does not count."""
    return len(" ".join(text.split()))


def _texts(elem: HtmlElement, out: list[str], budget: int) -> int:
    """Append the visible text of elem (not its tail) until budget characters are read."""
    if not isinstance(elem.tag, str) or elem.tag in _SKIP:
        return budget
    if elem.text:
        out.append(elem.text)
        budget -= _size(elem.text)
    for child in elem:
        if budget <= 0:
            return budget
        budget = _texts(child, out, budget)
        if child.tail:
            out.append(child.tail)
            budget -= _size(child.tail)
    return budget


def pieces_after(elem: HtmlElement, limit: int = AFTER_CHARS) -> list[str]:
    """Visible text nodes following elem in document order, about limit characters."""
    out: list[str] = []
    budget = limit
    node: HtmlElement | None = elem
    while node is not None and budget > 0 and node.tag not in ("body", "html"):
        if node.tail:
            out.append(node.tail)
            budget -= _size(node.tail)
        sibling = node.getnext()
        while sibling is not None and budget > 0:
            budget = _texts(sibling, out, budget)
            if sibling.tail:
                out.append(sibling.tail)
                budget -= _size(sibling.tail)
            sibling = sibling.getnext()
        node = node.getparent()
    return out


def text_after(elem: HtmlElement, limit: int = AFTER_CHARS) -> str:
    """Visible text following elem in document order, about limit characters of it."""
    return " ".join(" ".join(pieces_after(elem, limit)).split())


def _texts_back(elem: HtmlElement, out: list[str], budget: int) -> int:
    """Like _texts, from the end backwards: the pieces are appended in reverse order."""
    if not isinstance(elem.tag, str) or elem.tag in _SKIP:
        return budget
    for child in reversed(elem):
        if child.tail:
            out.append(child.tail)
            budget -= _size(child.tail)
        if budget <= 0:
            return budget
        budget = _texts_back(child, out, budget)
        if budget <= 0:
            return budget
    if elem.text:
        out.append(elem.text)
        budget -= _size(elem.text)
    return budget


def text_before(elem: HtmlElement, limit: int = BEFORE_CHARS) -> str:
    """Visible text right before elem, about limit characters of it, in reading order."""
    out: list[str] = []
    budget = limit
    node: HtmlElement | None = elem
    while node is not None and budget > 0 and node.tag not in ("body", "html"):
        sibling = node.getprevious()
        while sibling is not None and budget > 0:
            if sibling.tail:
                out.append(sibling.tail)
                budget -= _size(sibling.tail)
            budget = _texts_back(sibling, out, budget)
            sibling = sibling.getprevious()
        node = node.getparent()
        if node is not None and node.text:
            out.append(node.text)
            budget -= _size(node.text)
    text = " ".join(" ".join(reversed(out)).split())
    return text[-limit:]


def headline(tree: HtmlElement, title: str | None) -> HtmlElement | None:
    """The <h1> that carries the article's title; else the first one with text.

    A site-name <h1> is contained in a "Title | Outlet" title too: only an <h1> with most
    of the title's text counts as the headline.
    """
    key = norm_text(title or "")
    first = None
    for elem in tree.iter("h1"):
        text = norm_text(elem.text_content())
        if not text:
            continue
        if key and (key in text or (text in key and 2 * len(text) >= len(key))):
            return elem
        first = first if first is not None else elem
    return first


def header_dates(tree: HtmlElement, title: str | None) -> list[ShownDate]:
    """Dates shown around the headline: after it in reading order, then before it, nearest
    first. A date inside a long text node is part of a sentence (an event the article
    reports), not a dateline, and is left out."""
    h1 = headline(tree, title)
    if h1 is None:
        return []
    pieces = [p for p in (" ".join(raw.split()) for raw in pieces_after(h1)) if p]
    ends: list[int] = []
    size = -1
    for piece in pieces:
        size += len(piece) + 1
        ends.append(size)
    shown: list[ShownDate] = []
    for position, found in dates_in(" ".join(pieces)):
        if position > AFTER_CHARS:
            break
        index = bisect_right(ends, position)
        if index < len(pieces) and len(pieces[index]) <= SHORT_TEXT:
            shown.append(found)
    shown += [found for _, found in reversed(dates_in(text_before(h1)))]
    return shown


def _in_shown_zone(published: DatedValue, shown: ShownDate) -> DatedValue | None:
    """The instant written in UTC, shown as local time on the day before or after: keep
    the instant and record the page's offset, so that its local day is the shown one."""
    if published.precision == "day" or published.original_offset_minutes not in (0, None):
        return None
    utc = published.value.replace(second=0, microsecond=0, tzinfo=None)
    if shown.clock is not None:
        local = datetime.combine(shown.day, time(*shown.clock))
        diff = int((local - utc).total_seconds() // 60)
        if diff and diff % 15 == 0 and abs(diff) <= 14 * 60:
            return replace(published, original_offset_minutes=diff)
        return None
    parsed = dates.Parsed(published.value, published.precision, None)
    day = dates.Parsed(datetime(*shown.day.timetuple()[:3], tzinfo=UTC), "day", None)
    moved = dates.offset_from_url_day(parsed, day)
    if moved.offset_minutes is None:
        return None
    return replace(published, original_offset_minutes=moved.offset_minutes)


def reconcile(
    published: DatedValue | None,
    shown: list[ShownDate],
    metadata: list[tuple[str | None, str]],
    tz: str | None,
    now: datetime,
    flags: list[str],
) -> DatedValue | None:
    """The published date, checked against the date shown next to the headline.

    The chosen date stands when the header shows its day (or shows no date) and when it
    comes from the URL, minted at first publication. Otherwise the shown day wins, unless
    it is over MAX_EARLIER_DAYS before the chosen one: such a date is one the article
    mentions. The time comes from a metadata date on the shown day when there is one.
    """
    shown = [s for s in shown if dates.EARLIEST.date() <= s.day <= (now + timedelta(days=1)).date()]
    if not shown or (published is not None and published.source == "url"):
        return published
    first = shown[0]
    if published is not None:
        day = dates.local_day(published)
        if any(s.day == day for s in shown) or (day - first.day).days > MAX_EARLIER_DAYS:
            return published
        if abs((day - first.day).days) == 1 and (moved := _in_shown_zone(published, first)):
            flags.append(
                f"published {published.value.isoformat()}: offset from the shown {first.raw}"
            )
            return moved
        flags.append(
            f"published {published.value.isoformat()} from {published.source}: "
            f"the headline shows {first.raw}"
        )
    for raw, source in metadata:
        parsed = dates.parse_datetime(raw, tz)
        if parsed is None:
            continue
        value = DatedValue(parsed.value, source, parsed.precision, parsed.offset_minutes)
        if dates.local_day(value) == first.day:
            return value
    if first.clock is not None and tz:
        local = datetime.combine(first.day, time(*first.clock), ZoneInfo(tz))
        return DatedValue(local.astimezone(UTC), "text", "minute", None)
    return DatedValue(datetime(*first.day.timetuple()[:3], tzinfo=UTC), "text", "day", None)
