"""Parse, validate and choose publication dates, keeping their source and precision.

The one date-parsing path of the project (pages, feeds, sitemaps, URLs): machine formats
(ISO 8601, RFC 822, epoch seconds) by the standard library, which is exact and fast;
everything else by dateparser (written dates in many languages), restricted to absolute
dates. Month names come from dateparser's locale data. htmldate searches a page's text
for its date (heuristics.py); its answer is parsed here too.

A date-only value stays a day (midnight UTC, precision "day"): inventing a time would
shift it across midnight when converted to UTC. Naive local times use the outlet's zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from lxml import etree
from lxml.html import HtmlElement

from pipeline.items import DatedValue

if TYPE_CHECKING:
    from dateparser.date import DateDataParser

EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
_MAX_CHARS = 100  # a longer "date" is a sentence: not worth a parser's time
_EPOCH = re.compile(r"^\d{10}(?:\d{3})?$")
_CLOCK = re.compile(r"\d{1,2}[:h]\d{2}")
_URL_DATES = (
    # "/2023/10/3-questions" is a slug starting with a number, not 3 October: a one-digit
    # day must end the path segment
    re.compile(r"/((?:19|20)\d{2})/([01]?\d)/([0-3]\d(?=[-_])|[0-3]?\d(?=/|$))"),
    re.compile(r"[/_-]((?:19|20)\d{2})-([01]\d)-([0-3]\d)(?:[/_.-]|$)"),
    re.compile(r"/((?:19|20)\d{2})([01]\d)([0-3]\d)(?:[/_.-]|$)"),
)
# languages whose month names pages are read for (day_forms, header_date)
MONTH_LANGUAGES = ("en", "de", "fr", "es", "it", "pt", "nl")
_MONTH_KEYS = (
    "january", "february", "march", "april", "may", "june", "july", "august",
    "september", "october", "november", "december",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Parsed:
    value: datetime  # UTC
    precision: str
    offset_minutes: int | None


def _finish(
    day: date,
    clock: tuple[int, int, int] | None,
    precision: str,
    offset: int | None,
    tz: str | None,
) -> Parsed | None:
    if clock is None:
        return Parsed(datetime(day.year, day.month, day.day, tzinfo=UTC), "day", None)
    hour, minute, second = clock
    if hour > 23 or minute > 59 or second > 59:
        return None
    naive = datetime(day.year, day.month, day.day, hour, minute, second)
    if offset is not None:
        aware = naive.replace(tzinfo=UTC) - timedelta(minutes=offset)
        return Parsed(aware, precision, offset)
    if tz:
        return Parsed(naive.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC), precision, None)
    return Parsed(naive.replace(tzinfo=UTC), precision, None)


def parse_datetime(raw: str | None, tz: str | None = None) -> Parsed | None:
    """Any absolute date a page, feed or sitemap writes -> Parsed; None if it is none."""
    if not raw:
        return None
    text = " ".join(str(raw).split())
    if not text or len(text) > _MAX_CHARS:
        return None
    if _EPOCH.match(text):
        return Parsed(datetime.fromtimestamp(int(text[:10]), UTC), "second", 0)
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00", 1) if text[-1:] == "Z" else text)
    except ValueError:
        value = None
    if value is not None:
        return _from_datetime(value, _precision(text.partition("T")[2] or text[10:]), tz)
    try:
        value = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        value = None
    if value is not None:
        return _from_datetime(value, "second", tz)
    return _written(text, tz)


def _precision(clock: str) -> str:
    """How much of a time of day the text gave: none, minutes or seconds."""
    colons = clock.split("+")[0].split("-")[0].count(":")
    return "day" if not _CLOCK.search(clock) else "second" if colons >= 2 else "minute"


def _from_datetime(value: datetime, precision: str, tz: str | None) -> Parsed | None:
    if precision == "day":
        return _finish(value.date(), None, "day", None, tz)
    if value.tzinfo is not None:
        offset = value.utcoffset()
        minutes = int(offset.total_seconds() // 60) if offset is not None else 0
        return Parsed(value.astimezone(UTC), precision, minutes)
    return _finish(value.date(), (value.hour, value.minute, value.second), precision, None, tz)


@lru_cache(maxsize=2)
def _date_parser(day_first: bool) -> DateDataParser:
    from dateparser.date import DateDataParser

    settings: dict[str, object] = {
        "PARSERS": ["timestamp", "absolute-time"],  # "2 days ago" is no publication date
        "PREFER_DAY_OF_MONTH": "first",
        "REQUIRE_PARTS": ["day", "month", "year"],
    }
    if day_first:
        settings["DATE_ORDER"] = "DMY"
    return DateDataParser(settings=settings)


def _written(text: str, tz: str | None) -> Parsed | None:
    """A date in words or local numerals ("16. Oktober 2019, 10:30 Uhr", "16.10.2019"):
    dotted numerals are day-first wherever they are written."""
    try:
        found = _date_parser("." in text.split(" ")[0]).get_date_data(text)
    except (ValueError, TypeError, OverflowError, KeyError):
        return None
    value = found.date_obj if found is not None else None
    if value is None:
        return None
    precision = "day"
    if _CLOCK.search(text) or value.time() != time(0, 0):
        precision = "second" if value.second else "minute"
    return _from_datetime(value, precision, tz)


def url_date(url: str) -> Parsed | None:
    """A /2024/05/17/-style date in the URL path (day precision)."""
    path = url.split("?", 1)[0]
    for pattern in _URL_DATES:
        if match := pattern.search(path):
            try:
                day = date(*(int(g) for g in match.groups()))
            except ValueError:
                continue
            return Parsed(datetime(day.year, day.month, day.day, tzinfo=UTC), "day", None)
    return None


@dataclass(slots=True)
class DateChooser:
    """Takes candidates in precedence order and keeps the first plausible one."""

    now: datetime
    label: str  # "published" | "modified"
    flags: list[str]
    chosen: DatedValue | None = None

    def offer(self, parsed: Parsed | None, source: str, raw: str = "") -> bool:
        if self.chosen is not None or parsed is None:
            return self.chosen is not None
        if parsed.value > self.now + timedelta(days=1):
            self.flags.append(
                f"{self.label} {raw or parsed.value.isoformat()} from {source}: future"
            )
            return False
        if parsed.value < EARLIEST:
            self.flags.append(
                f"{self.label} {raw or parsed.value.isoformat()} from {source}: before 1990"
            )
            return False
        self.chosen = DatedValue(parsed.value, source, parsed.precision, parsed.offset_minutes)
        return True


def parse_heuristic(raw: str, tz: str | None) -> Parsed | None:
    """A date that htmldate found in the page's text: naive midnight means only a day.

    Checked before the outlet's zone applies: converted to UTC, midnight in Berlin is 23:00
    the day before and would pass for a real time of "second" precision.
    """
    parsed = parse_datetime(raw)
    if parsed is None:
        return None
    day = as_day_if_midnight(parsed)
    if day.precision == "day" or not tz:
        return day
    return parse_datetime(raw, tz)


def as_day_if_midnight(parsed: Parsed) -> Parsed:
    """Heuristic dates come back as naive midnight when only the day was found."""
    value = parsed.value
    if parsed.offset_minutes is None and (value.hour, value.minute, value.second) == (0, 0, 0):
        return Parsed(value, "day", None)
    return parsed


def offset_from_url_day(parsed: Parsed, url_day: Parsed | None) -> Parsed:
    """A UTC-written time one day off the URL's /yyyy/mm/dd/ was published in another zone.

    The URL carries the local day; the smallest whole-hour offset that puts the instant
    on that day is kept as an estimate, so that the article's local day is right.
    """
    if url_day is None or parsed.offset_minutes not in (0, None) or parsed.precision == "day":
        return parsed
    value = parsed.value
    delta = (url_day.value.date() - value.date()).days
    if delta == -1:
        hours = -(value.hour + 1)  # back across midnight
    elif delta == 1:
        hours = 24 - value.hour  # forward across midnight
    else:
        return parsed
    if -10 <= hours <= 13:  # UTC-11/-12 and +14 hold a few islands, not newsrooms
        return Parsed(value, parsed.precision, hours * 60)
    return parsed


def same_day_values(raws: list[str]) -> list[str]:
    """Dates marked as "published" on several different days belong to a list of items
    (comments, teasers, an archive), not to the article: none of them is kept."""
    days = {p.value.date() for raw in raws if (p := parse_datetime(raw)) is not None}
    return raws if len(days) <= 1 else []


def implausible_after_url(parsed: Parsed | None, url_day: Parsed | None, days: int = 31) -> bool:
    """A metadata date long after the day in the URL is a re-publication or an edit date:
    the URL was minted when the article first appeared."""
    if parsed is None or url_day is None:
        return False
    return (parsed.value.date() - url_day.value.date()).days > days


@lru_cache(maxsize=1)
def month_names() -> tuple[tuple[str, ...], ...]:
    """Twelve tuples of case-folded month names and abbreviations in MONTH_LANGUAGES,
    from dateparser's locale data."""
    from dateparser.languages.loader import default_loader

    locales = [default_loader.get_locale(code) for code in MONTH_LANGUAGES]
    return tuple(
        tuple(
            dict.fromkeys(
                name.casefold().rstrip(".") for locale in locales for name in locale.info[key]
            )
        )
        for key in _MONTH_KEYS
    )


# script and style hold only text in HTML: the parent test equals the ancestor one, and
# plain strings spare lxml a back-reference object per text node
_VISIBLE_TEXT = etree.XPath(".//text()[not(parent::script or parent::style)]", smart_strings=False)


def visible_text(tree: HtmlElement) -> str:
    """The body's text as readers see it (no scripts or styles), case-folded, one line."""
    body = tree.find("body")
    if body is None:
        return ""
    return " ".join(" ".join(_VISIBLE_TEXT(body)).split()).casefold()


def day_forms(day: date) -> list[str]:
    """The usual ways a page writes a day: numeric orders and month names (case-folded)."""
    y, m, d = day.year, day.month, day.day
    forms = [
        f"{d:02d}.{m:02d}.{y}",
        f"{d}.{m}.{y}",
        f"{d:02d}.{m:02d}.{y % 100:02d}",
        f"{y}-{m:02d}-{d:02d}",
        f"{d:02d}/{m:02d}/{y}",
        f"{m:02d}/{d:02d}/{y}",
        f"{m}/{d}/{y}",
        f"{d}/{m}/{y}",
    ]
    for name in month_names()[m - 1]:
        forms += [
            f"{d}. {name} {y}",
            f"{d:02d}. {name} {y}",
            f"{name} {d}, {y}",
            f"{name}. {d}, {y}",
            f"{name} {d} {y}",
            f"{d} {name} {y}",
            f"{d}. {name}. {y}",
            f"{d} de {name} de {y}",
        ]
    return forms


def is_shown(day: date, text: str) -> bool:
    return any(form in text for form in day_forms(day))


def local_day(value: DatedValue) -> date:
    """The calendar day as the page wrote it (its own offset), else the UTC day."""
    if value.precision != "day" and value.original_offset_minutes is not None:
        return (value.value + timedelta(minutes=value.original_offset_minutes)).date()
    return value.value.date()


def shown_alternative(
    chosen: date, candidates: list[tuple[str | None, str]], text: str
) -> tuple[str, str] | None:
    """The first other date of the page's metadata that the page shows, when the chosen
    one is not shown; None when the chosen day is shown or no other one is."""
    if not text or is_shown(chosen, text):
        return None
    for raw, source in candidates:
        parsed = parse_datetime(raw) if raw else None
        if parsed is None:
            continue
        offset = parsed.offset_minutes if parsed.precision != "day" else None
        day = (parsed.value + timedelta(minutes=offset or 0)).date()
        if day != chosen and is_shown(day, text):
            return raw, source  # type: ignore[return-value]  # parse_datetime(None) never parses
    return None


def zone_conflict(first: str | None, second: str | None) -> str | None:
    """The second of two published times when the pair disagrees on the day only through
    a zone: None when the first stands.

    A time written with no zone was read in a guessed one, so a time that names its zone
    wins. Two zoned times with the same minutes and seconds, whole hours apart, are one
    instant written once as a local clock reading labelled UTC: a page cannot have been
    published after its earliest claim, so the earlier instant wins.
    """
    one, two = parse_datetime(first), parse_datetime(second)
    if one is None or two is None or "day" in (one.precision, two.precision):
        return None
    if _written_day(one) == _written_day(two):
        return None
    if one.offset_minutes is None:
        return second if two.offset_minutes is not None else None
    if two.offset_minutes is None:
        return None
    hours, rest = divmod(int((one.value - two.value).total_seconds()), 3600)
    return second if rest == 0 and 0 < hours <= 14 else None


def _written_day(parsed: Parsed) -> date:
    return (parsed.value + timedelta(minutes=parsed.offset_minutes or 0)).date()
