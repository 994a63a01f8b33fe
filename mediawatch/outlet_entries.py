"""New ``[[outlets]]`` entries from what a check found, or from collections.

Only a site that answered becomes an entry: one never reached (or refused by the address
guard) teaches nothing about itself, so nothing is written for it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from pydantic import ValidationError

from mediawatch.collections import Collection
from mediawatch.config import Config, OutletConfig
from mediawatch.config_edit import NewOutlet
from mediawatch.errors import ConfigError, TerminalError, TransientError
from spiders.check import OK, REFUSED, UNREACHABLE, OutletCheck


def candidate(
    url: str, name: str | None, language: str | None, timezone: str | None
) -> OutletConfig:
    """The outlet to check for ``outlets add URL``; bad options fail before any request."""
    try:
        return OutletConfig(
            name=name or default_name(url), homepage=url, language=language, timezone=timezone
        )
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = ".".join(str(p) for p in first["loc"])
        msg = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{field}: {msg}") from None


def default_name(url: str) -> str:
    host = (urlsplit(url.strip()).hostname or url).lower()
    return host.removeprefix("www.")


def from_check(
    check: OutletCheck, name: str | None, language: str | None, timezone: str | None
) -> NewOutlet:
    """The entry for a checked site, or an error saying why there is none."""
    if check.state == UNREACHABLE:
        raise TransientError(
            f"{check.url}: unreachable ({check.reason}); nothing was added",
            hint="check the address (try it in a browser), or run the command again later",
        )
    if check.state == REFUSED:
        raise TerminalError(
            f"{check.url}: refused by the address guard ({check.reason}); nothing was added",
            hint="the crawl would refuse it too; add the outlet's final address instead",
        )
    if check.state != OK and not check.feeds and not check.sitemaps:
        raise TerminalError(
            f"{check.url}: {check.reason}, and no feed or sitemap was found; nothing was added",
            hint="if the outlet publishes a feed, add its [[outlets]] entry by hand with feeds = [...]",
        )
    homepage = check.final_url if check.state == OK and check.final_url else check.url
    fields = {
        "name": name or check.site_name or default_name(homepage),
        "homepage": homepage,
        "feeds": list(check.feeds),
        "sitemaps": list(check.sitemaps),
        "language": language or check.language,
        "timezone": timezone,
    }
    _validate(fields)
    day = datetime.now(UTC).date().isoformat()
    comments = [
        f"added by `mediawatch outlets add {check.url}` on {day}:"
        f" {len(check.feeds)} feed(s), {len(check.sitemaps)} sitemap(s) found"
    ]
    comments += [f"skipped {item}" for item in check.skipped]
    return NewOutlet(fields, tuple(comments))


def from_collections(
    config: Config, collections: list[Collection]
) -> tuple[list[NewOutlet], list[str]]:
    """Entries for every collection outlet not yet configured, and what was left out."""
    names = {o.name for o in config.outlets}
    homepages = {o.homepage.rstrip("/") for o in config.outlets}
    entries: list[NewOutlet] = []
    left_out: list[str] = []
    for collection in collections:
        for entry in collection.outlets:
            fields = collection.outlet_fields(entry)
            if entry.name in names or entry.homepage.rstrip("/") in homepages:
                left_out.append(f"{entry.name} ({collection.code}): already configured")
                continue
            _validate(fields)
            names.add(entry.name)
            homepages.add(entry.homepage.rstrip("/"))
            note = f"; {entry.note}" if entry.note else ""
            comment = (
                f"from collection {collection.code}: {entry.source},"
                f" retrieved {entry.retrieved.isoformat()}{note}"
            )
            entries.append(NewOutlet(fields, (comment,)))
    return entries, left_out


def _validate(fields: dict) -> None:
    try:
        OutletConfig.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"outlet {fields.get('name')!r}: {where}: {first['msg']}") from None
