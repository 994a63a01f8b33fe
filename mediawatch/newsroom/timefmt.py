"""Date formats as the fake outlets write them (locale-independent on purpose)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from zoneinfo import ZoneInfo

EN_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EN_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
RU_MONTHS_GEN = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip


def local(dt: datetime, tz: str) -> datetime:
    return dt.astimezone(ZoneInfo(tz))


def iso_utc(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_local(dt: datetime, tz: str) -> str:
    return local(dt, tz).isoformat(timespec="seconds")


def rfc822(dt: datetime) -> str:
    return format_datetime(dt.astimezone(UTC))


def http_date(dt: datetime) -> str:
    return format_datetime(dt.astimezone(UTC), usegmt=True)


def en_long(dt: datetime, tz: str) -> str:
    """'Tuesday 3 November 2026, 14:05 GMT' (British order, as the Courier prints it)."""
    d = local(dt, tz)
    return (
        f"{EN_DAYS[d.weekday()]} {d.day} {EN_MONTHS[d.month - 1]} {d.year}, {d:%H:%M} {d.tzname()}"
    )


def en_us_day(dt: datetime, tz: str) -> str:
    """'Friday, November 20, 2026' (day only)."""
    d = local(dt, tz)
    return f"{EN_DAYS[d.weekday()]}, {EN_MONTHS[d.month - 1]} {d.day}, {d.year}"


def en_short(dt: datetime, tz: str) -> str:
    d = local(dt, tz)
    return f"{EN_MONTHS[d.month - 1][:3]} {d.day}, {d.year} {d:%I:%M %p}"


def ru_long(dt: datetime, tz: str) -> str:
    """'14 ноября 2026, 14:05'."""
    d = local(dt, tz)
    return f"{d.day} {RU_MONTHS_GEN[d.month - 1]} {d.year}, {d:%H:%M}"


def ru_numeric(dt: datetime, tz: str) -> str:
    return f"{local(dt, tz):%d.%m.%Y %H:%M}"
