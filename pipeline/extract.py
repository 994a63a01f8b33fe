"""Page bytes -> Article (or an ExtractionFailure), on top of trafilatura and htmldate.

The page is decoded and parsed once; JSON-LD and <meta> are read from that tree, and the
same tree goes to trafilatura for the main text and its heuristic metadata. Fields are
fused with a fixed precedence, JSON-LD > meta tags > heuristics > feed/sitemap evidence,
and the winning source is recorded so that odd values can be traced. A few plausibility
rules bend the precedence, each recorded in date_flags: a published date the page does
not show yields to one of its metadata dates that it shows, one long after the URL's date
yields to the URL, and one whose day the dateline next to the headline does not show
yields to the day shown there (metadata/header_date.py).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from pipeline.items import Article, DatedValue, ExtractionFailure, FetchedPage, OutletHints
from pipeline.maintext import main_text
from pipeline.metadata import dates, header_date, meta
from pipeline.metadata.authors import choose_authors, dated_byline, dom_bylines, text_byline
from pipeline.metadata.encoding import DecodeError, decode_html
from pipeline.metadata.jsonld import JsonLdData, parse_jsonld
from pipeline.metadata.language import detect_language, normalize_language
from pipeline.metadata.paywall import is_paywalled
from pipeline.metadata.titles import (
    clean_title,
    norm_text,
    site_keys,
    strip_site_name,
)

if TYPE_CHECKING:
    from lxml.html import HtmlElement

    from mediawatch.config import CrawlConfig
    from pipeline.metadata.heuristics import HeuristicMetadata


@dataclass(frozen=True)
class ExtractOptions:
    """One extractor configuration, built from the config and passed to every call."""

    include_comments: bool = False
    min_text_chars: int = 200
    timeout_s: float = 20.0
    max_bytes: int = 10 * 1024 * 1024

    @classmethod
    def from_config(cls, crawl: CrawlConfig) -> ExtractOptions:
        return cls(timeout_s=crawl.extract_timeout_s, max_bytes=crawl.max_page_bytes)


class ExtractionTimeout(BaseException):
    """Raised by SIGALRM; a BaseException so that libraries' `except Exception` let it pass."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """SIGALRM-based limit; only the main thread may use signals, elsewhere there is none."""
    if (
        seconds <= 0
        or not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return

    def _alarm(signum: int, frame: object) -> None:
        raise ExtractionTimeout

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def extract_page(
    page: FetchedPage,
    hints: OutletHints,
    options: ExtractOptions,
    now: datetime | None = None,
) -> Article | ExtractionFailure:
    """Extract one page; every problem becomes an ExtractionFailure, never an exception."""
    now = now or datetime.now(UTC)

    def fail(reason: str, detail: str = "") -> ExtractionFailure:
        return ExtractionFailure(page.url, page.outlet, reason, detail)

    if len(page.body) > options.max_bytes:
        return fail("oversize", f"{len(page.body)} bytes > {options.max_bytes}")
    try:
        with time_limit(options.timeout_s):
            return _extract(page, hints, options, now, fail)
    except ExtractionTimeout:
        return fail("timeout", f"over {options.timeout_s:g} s")
    except DecodeError as exc:
        return fail(exc.reason, exc.detail)
    except RecursionError as exc:
        return fail("parser-error", f"recursion: {exc}")
    except Exception as exc:  # a library bug on one page must not stop the batch
        return fail("parser-error", f"{type(exc).__name__}: {exc}")


def _extract(
    page: FetchedPage,
    hints: OutletHints,
    options: ExtractOptions,
    now: datetime,
    fail: Callable[[str, str], ExtractionFailure],
) -> Article | ExtractionFailure:
    from trafilatura.utils import load_html

    decoded = decode_html(page.body, page.declared_encoding, page.content_type)
    try:
        tree = load_html(decoded.text)
    except (ValueError, TypeError) as exc:
        return fail("parser-error", str(exc))
    if tree is None:
        return fail("parser-error", "lxml produced no tree")
    jsonld = parse_jsonld(tree)
    tags = meta.parse_meta(tree)
    bylines = dom_bylines(tree)
    dated = dated_byline(tree)
    date_params = {
        "outputformat": "%Y-%m-%dT%H:%M:%S%z",
        "original_date": True,
        "extensive_search": True,
        "max_date": (now + timedelta(days=1)).strftime("%Y-%m-%d"),
    }

    doc, text = main_text(tree, page.url, options.include_comments, date_params)
    if doc is None or not text:
        visible = len(" ".join(tree.text_content().split()))
        if visible < options.min_text_chars:
            return fail("too-short", f"{visible} visible characters < {options.min_text_chars}")
        return fail("empty", "no main text found")
    if len(text) < options.min_text_chars:
        return fail("too-short", f"{len(text)} characters < {options.min_text_chars}")
    return _fuse(page, hints, now, decoded.text, text, doc, jsonld, tags, bylines, dated, tree)


def _first(*candidates: tuple[object, str]) -> tuple[object, str | None]:
    """The first truthy candidate; a callable one is a costly fallback, called only when
    every candidate before it is empty."""
    for value, source in candidates:
        if callable(value):
            value = value()
        if value:
            return value, source
    return None, None


def _evidence_source(page: FetchedPage) -> str:
    ev = page.evidence
    return ev.source if ev is not None and ev.source in ("feed", "sitemap") else "feed"


def _fuse(
    page: FetchedPage,
    hints: OutletHints,
    now: datetime,
    html: str,
    text: str,
    doc: HeuristicMetadata,
    jsonld: JsonLdData,
    tags: meta.MetaData,
    bylines: list[str],
    dated: list[str],
    tree: HtmlElement,
) -> Article:
    sources: dict[str, str] = {}
    ev = page.evidence
    ev_source = _evidence_source(page)

    def pick(name: str, *candidates: tuple[object, str]) -> object:
        value, source = _first(*candidates)
        if source is not None:
            sources[name] = source
        return value

    def meta_value(keys: tuple[str, ...]) -> str | None:
        found = tags.first(keys)
        return found[1] if found else None

    site_name = pick(
        "site_name",
        (meta_value(("og:site_name",)), "meta"),
        (jsonld.publisher, "json-ld"),
        (jsonld.site_name, "json-ld"),
        (meta_value(meta.SITE_KEYS), "meta"),
        (doc.sitename, "trafilatura"),
        (hints.name, "config"),
    )
    names = [site_name, jsonld.publisher, jsonld.site_name, hints.name, *hints.site_names]
    names += [meta_value(("og:site_name",)), meta_value(("application-name",))]
    keys = site_keys([n for n in names if isinstance(n, str)], page.url)

    title, title_source = _choose_title(
        [
            (jsonld.headline, "json-ld"),
            (meta_value(meta.TITLE_KEYS), "meta"),
            (doc.title, "trafilatura"),
            (tags.title_tag, "meta"),
            (ev.title if ev else None, ev_source),
            *((h, "heading") for h in tags.h1[:1]),
        ],
        keys,
        [n for n in names if isinstance(n, str)],
        tags,
    )
    if title_source:
        sources["title"] = title_source

    outlet_names = [n for n in names if isinstance(n, str)]
    name_keys = site_keys(outlet_names, None)  # not the host: a blog's host is its author
    author_sources: list[tuple[list[str], str]] = [
        (jsonld.authors, "json-ld"),
        (tags.all(meta.AUTHOR_KEYS), "meta"),
        *(([b], "byline") for b in bylines),
        (text_byline(text), "text"),
        (dated, "byline"),
        # after the bylines the page shows: trafilatura's guess may come from comments
        ((doc.author or "").split(";"), "trafilatura"),
        (list(ev.authors) if ev else [], ev_source),
    ]
    authors = choose_authors(author_sources, outlet_names, name_keys, sources)

    flags: list[str] = []
    raw_dates = [*jsonld.all_dates, *tags.all(meta.PUBLISHED_KEYS), *tags.time_published]
    url_day = dates.url_date(page.url)
    listed = dates.same_day_values(tags.time_published)
    published = _choose_dates(
        "published",
        now,
        flags,
        hints.timezone,
        raw_dates,
        [
            (jsonld.published, "json-ld"),
            (meta_value(meta.PUBLISHED_KEYS), "meta"),
            *((v, "meta") for v in listed),
            (url_day, "url"),
            (lambda: doc.date, "text"),  # htmldate's search, only if reached
            (ev.published if ev else None, ev_source),
        ],
        url_day,
    )
    if published is not None and published.source in ("json-ld", "meta"):
        # the page's readers see one date: a metadata date that the page never shows
        # yields to another of its own metadata dates that it does show
        shown = dates.shown_alternative(
            dates.local_day(published),
            [
                (meta_value(meta.PUBLISHED_KEYS), "meta"),
                (jsonld.published, "json-ld"),
                *((v, "meta") for v in listed),
                (jsonld.modified, "json-ld"),
                (meta_value(meta.MODIFIED_KEYS), "meta"),
            ],
            dates.visible_text(tree),  # trafilatura works on a copy: the tree is intact
        )
        if shown is not None:
            flags.append(f"published {published.value.isoformat()}: not shown on the page")
            published = (
                _choose_dates("published", now, flags, hints.timezone, raw_dates, [shown], url_day)
                or published
            )
    # the date printed next to the headline is the one the newsroom meant
    published = header_date.reconcile(
        published,
        header_date.header_dates(tree, title),
        [
            (jsonld.published, "json-ld"),
            (meta_value(meta.PUBLISHED_KEYS), "meta"),
            *((v, "meta") for v in listed),
            (jsonld.modified, "json-ld"),
            (meta_value(meta.MODIFIED_KEYS), "meta"),
        ],
        hints.timezone,
        now,
        flags,
    )
    modified = _choose_dates(
        "modified",
        now,
        flags,
        hints.timezone,
        [*jsonld.all_dates, *tags.all(meta.MODIFIED_KEYS)],
        [
            (jsonld.modified, "json-ld"),
            (meta_value(meta.MODIFIED_KEYS), "meta"),
            (ev.modified if ev else None, ev_source),
            (page.last_modified, "http-header"),
        ],
    )
    if published:
        sources["published"] = published.source
    if modified:
        sources["modified"] = modified.source

    declared = pick(
        "language",
        (normalize_language(tags.html_lang), "meta"),
        (normalize_language(jsonld.language), "json-ld"),
        (normalize_language(meta_value(meta.LANG_KEYS)), "meta"),
    )
    language = declared or detect_language(text) or normalize_language(ev.language if ev else None)
    if language and not declared:
        sources["language"] = "text"

    canonical = pick(
        "canonical_url",
        (tags.canonical, "meta"),
        (meta_value(("og:url",)), "meta"),
        (page.url, "page"),
    )
    tag_list = jsonld.tags or [
        t.strip() for v in tags.all(meta.TAG_KEYS) for t in v.split(",") if t.strip()
    ]
    return Article(
        url=page.url,
        canonical_url=urljoin(page.url, str(canonical)),
        outlet=page.outlet,
        title=title,
        text=text,
        fetched_at=page.fetched_at,
        authors=authors,
        published=published,
        modified=modified,
        language=language,  # type: ignore[arg-type]
        description=pick(  # type: ignore[arg-type]
            "description",
            (jsonld.description, "json-ld"),
            (meta_value(meta.DESCRIPTION_KEYS), "meta"),
            (doc.description, "trafilatura"),
        ),
        section=pick(  # type: ignore[arg-type]
            "section",
            (jsonld.section, "json-ld"),
            (meta_value(meta.SECTION_KEYS), "meta"),
            (lambda: next(iter(doc.categories or ()), None), "trafilatura"),
        ),
        tags=list(dict.fromkeys(tag_list or (doc.tags or []))),
        image_url=_absolute(
            page.url,
            pick(
                "image_url",
                (jsonld.image, "json-ld"),
                (meta_value(meta.IMAGE_KEYS), "meta"),
                (doc.image, "trafilatura"),
            ),
        ),
        site_name=site_name,  # type: ignore[arg-type]
        paywalled=is_paywalled(jsonld.free, html, text),
        discovered_via=page.discovered_via,
        field_sources=sources,
        date_flags=flags,
    )


def _choose_title(
    candidates: list[tuple[str | None, str]],
    keys: set[str],
    names: list[str],
    tags: meta.MetaData,
) -> tuple[str, str | None]:
    """First cleaned candidate in precedence order, unless a later one is the visible <h1>."""
    cleaned = [
        (title, source)
        for raw, source in candidates
        if (title := clean_title(raw, keys, tags.h1, tags.h2, names))
    ]
    visible = {norm_text(strip_site_name(h, keys, names)) for h in tags.h1}
    for title, source in cleaned[:3]:
        if norm_text(title) in visible:
            return title, source
    if cleaned:
        return cleaned[0]
    raw = next((r for r, _ in candidates if r), None)  # only the site's name: still a title
    return (" ".join(raw.split()), "trafilatura") if raw else ("", None)


def _absolute(base: str, value: object) -> str | None:
    return urljoin(base, value) if isinstance(value, str) and value else None


def _choose_dates(
    label: str,
    now: datetime,
    flags: list[str],
    tz: str | None,
    same_page: list[str],
    candidates: list[tuple[object, str]],
    url_day: dates.Parsed | None = None,
) -> DatedValue | None:
    chooser = dates.DateChooser(now=now, label=label, flags=flags)
    for candidate, source in candidates:
        raw = candidate() if callable(candidate) else candidate
        if not raw:
            continue
        if isinstance(raw, dates.Parsed):
            parsed: dates.Parsed | None = raw
        elif source == "text":
            parsed = dates.parse_heuristic(str(raw), tz)
        else:
            parsed = dates.parse_datetime(str(raw), tz)
        if source != "url" and dates.implausible_after_url(parsed, url_day):
            flags.append(f"{label} {raw} from {source}: long after the URL's date")
            continue
        if parsed is not None and not tz:
            parsed = dates.as_local_midnight(dates.infer_offset(parsed, same_page))
            parsed = dates.offset_from_url_day(parsed, url_day)
        if chooser.offer(parsed, source, raw if isinstance(raw, str) else ""):
            break
    return chooser.chosen
