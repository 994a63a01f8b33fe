"""Page bytes -> Article (or an ExtractionFailure), on top of trafilatura and htmldate.

The page is decoded and parsed once; JSON-LD and <meta> are read from that tree, and the
same tree goes to trafilatura for the main text and its heuristic metadata. Fields are
fused with a fixed precedence, JSON-LD > meta tags > heuristics > feed/sitemap evidence,
and the winning source is recorded so that odd values can be traced. A few plausibility
rules bend the precedence, each recorded in date_flags: a published date the page does
not show yields to one of its metadata dates (or <time datetime> values) that it shows, a
JSON-LD time a day off the meta tags' only through a zone yields to it (dates.zone_conflict),
one long after the URL's date
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
from pipeline.metadata.authors import (
    choose_authors,
    dated_byline,
    dom_bylines,
    text_byline,
)
from pipeline.metadata.encoding import DecodeError, decode_html
from pipeline.metadata.jsonld import JsonLdData, parse_jsonld
from pipeline.metadata.labelled_date import labelled_dates
from pipeline.metadata.language import choose_language, detect, normalize_language
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


# The hand-written rules that bend trafilatura's and the metadata's answers, by family.
# benchmarks/extraction/run.py switches each off in turn on site-disjoint folds: a family
# stays only if the held-out score does not drop without it.
RULE_FAMILIES: dict[str, str] = {
    "title-visible-headline": "a later title candidate that is the visible <h1> wins",
    "title-heading-match": "a title that decorates a heading (kicker, tail) yields to it",
    "author-page-bylines": "bylines read from the page's markup",
    "author-text-byline": "a byline at the start or end of the main text",
    "author-signature": "a desk or handle when no person signs",
    "date-shown-on-page": "a metadata date the page never shows yields to one it shows",
    "date-header": "the date printed next to the headline wins",
    "date-url-guard": "a date long after the URL's day is an edit; the URL's day fixes the zone",
    "date-labelled": "with no metadata date, a date the page labels as published beats htmldate",
    "date-zone-conflict": "published times a day apart only by zone: the zoned, the earlier one",
    "text-standfirst": "the standfirst that trafilatura dropped is put back",
    "text-recall-check": "a short precise text yields to a recall run that kept much more",
    "language-text-over-declared": "a confident detection overrules the declared language",
}


@dataclass(frozen=True)
class ExtractOptions:
    """One extractor configuration, built from the config and passed to every call."""

    include_comments: bool = False
    min_text_chars: int = 200
    timeout_s: float = 20.0
    max_bytes: int = 10 * 1024 * 1024
    # rule families switched off (RULE_FAMILIES): the benchmark measures each one's part
    disabled_rules: frozenset[str] = frozenset()

    def rule(self, name: str) -> bool:
        """Whether a rule family is on; naming an unknown one is a programming error."""
        if name not in RULE_FAMILIES:
            raise KeyError(name)
        return name not in self.disabled_rules

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


@dataclass
class Prepared:
    """A page decoded, parsed and read once: what every field's rule works from."""

    page: FetchedPage
    now: datetime
    html: str
    tree: HtmlElement
    text: str
    doc: HeuristicMetadata
    jsonld: JsonLdData
    tags: meta.MetaData
    bylines: list[str]
    bios: list[str]  # full names opening author-box biographies
    dated: list[str]

    def meta_value(self, keys: tuple[str, ...]) -> str | None:
        found = self.tags.first(keys)
        return found[1] if found else None


def _extract(
    page: FetchedPage,
    hints: OutletHints,
    options: ExtractOptions,
    now: datetime,
    fail: Callable[[str, str], ExtractionFailure],
) -> Article | ExtractionFailure:
    prepared = prepare(page, options, now, fail)
    if isinstance(prepared, ExtractionFailure):
        return prepared
    return fuse(prepared, hints, options)


def prepare(
    page: FetchedPage,
    options: ExtractOptions,
    now: datetime,
    fail: Callable[[str, str], ExtractionFailure],
) -> Prepared | ExtractionFailure:
    """Decode, parse, read the metadata and find the main text: the costly part, which
    fuse() does not change (the benchmark fuses one preparation under several rule sets)."""
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
    bios: list[str] = []
    bylines = dom_bylines(tree, bios=bios)
    dated = dated_byline(tree)
    date_params = {
        "outputformat": "%Y-%m-%dT%H:%M:%S%z",
        "original_date": True,
        "extensive_search": True,
        "max_date": (now + timedelta(days=1)).strftime("%Y-%m-%d"),
    }
    doc, text = main_text(
        tree,
        page.url,
        options.include_comments,
        date_params,
        standfirst=options.rule("text-standfirst"),
        recall_check=options.rule("text-recall-check"),
    )
    if doc is None or not text:
        visible = len(" ".join(tree.text_content().split()))
        if visible < options.min_text_chars:
            return fail("too-short", f"{visible} visible characters < {options.min_text_chars}")
        return fail("empty", "no main text found")
    if len(text) < options.min_text_chars:
        return fail("too-short", f"{len(text)} characters < {options.min_text_chars}")
    return Prepared(page, now, decoded.text, tree, text, doc, jsonld, tags, bylines, bios, dated)


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


def _pick(sources: dict[str, str], name: str, *candidates: tuple[object, str]) -> object:
    value, source = _first(*candidates)
    if source is not None:
        sources[name] = source
    return value


def fuse(p: Prepared, hints: OutletHints, options: ExtractOptions) -> Article:
    """One Article from a prepared page: each field by its own rule, the winning source
    recorded in field_sources and every bent precedence in date_flags."""
    sources: dict[str, str] = {}
    flags: list[str] = []
    site_name, names = _site_names(p, hints, sources)
    keys = site_keys(names, p.page.url)
    title, alternatives = _title(p, keys, names, sources, options)
    authors = _authors(p, names, title, sources, options)
    published = _published(p, hints.timezone, title, flags, options)
    modified = _modified(p, hints.timezone, flags, options)
    if published:
        sources["published"] = published.source
    if modified:
        sources["modified"] = modified.source
    language, declared, detected = _language(p, sources, options)
    doc, jsonld = p.doc, p.jsonld
    canonical = _pick(
        sources,
        "canonical_url",
        (p.tags.canonical, "meta"),
        (p.meta_value(("og:url",)), "meta"),
        (p.page.url, "page"),
    )
    tag_list = jsonld.tags or [
        t.strip() for v in p.tags.all(meta.TAG_KEYS) for t in v.split(",") if t.strip()
    ]
    description = _pick(
        sources,
        "description",
        (jsonld.description, "json-ld"),
        (p.meta_value(meta.DESCRIPTION_KEYS), "meta"),
        (doc.description, "trafilatura"),
    )
    section = _pick(
        sources,
        "section",
        (jsonld.section, "json-ld"),
        (p.meta_value(meta.SECTION_KEYS), "meta"),
        (lambda: next(iter(doc.categories or []), None), "trafilatura"),
    )
    image = _pick(
        sources,
        "image_url",
        (jsonld.image, "json-ld"),
        (p.meta_value(meta.IMAGE_KEYS), "meta"),
        (doc.image, "trafilatura"),
    )
    return Article(
        url=p.page.url,
        canonical_url=urljoin(p.page.url, str(canonical)),
        outlet=p.page.outlet,
        title=title,
        text=p.text,
        fetched_at=p.page.fetched_at,
        authors=authors,
        published=published,
        modified=modified,
        language=language,
        description=description if isinstance(description, str) else None,
        section=section if isinstance(section, str) else None,
        tags=list(dict.fromkeys(tag_list or (doc.tags or []))),
        image_url=_absolute(p.page.url, image),
        site_name=site_name,
        paywalled=is_paywalled(jsonld.free, p.html, p.text),
        discovered_via=p.page.discovered_via,
        field_sources=sources,
        date_flags=flags,
        title_og=alternatives.get("og"),
        title_html=alternatives.get("html"),
        language_declared=declared,
        language_detected=detected,
    )


def _site_names(
    p: Prepared, hints: OutletHints, sources: dict[str, str]
) -> tuple[str | None, list[str]]:
    """The outlet's name as the page gives it, and every spelling it may use."""
    jsonld = p.jsonld
    site_name = _pick(
        sources,
        "site_name",
        (p.meta_value(("og:site_name",)), "meta"),
        (jsonld.publisher, "json-ld"),
        (jsonld.site_name, "json-ld"),
        (p.meta_value(meta.SITE_KEYS), "meta"),
        (p.doc.sitename, "trafilatura"),
        (hints.name, "config"),
    )
    names = [site_name, jsonld.publisher, jsonld.site_name, hints.name, *hints.site_names]
    names += [p.meta_value(("og:site_name",)), p.meta_value(("application-name",))]
    return (site_name if isinstance(site_name, str) else None), [
        n for n in names if isinstance(n, str)
    ]


def _title(
    p: Prepared,
    keys: set[str],
    names: list[str],
    sources: dict[str, str],
    options: ExtractOptions,
) -> tuple[str, dict[str, str]]:
    """The displayed headline, and the page's other titles (og:title, <title>) as written."""
    ev = p.page.evidence
    og = p.meta_value(("og:title",))
    html_title = p.tags.title_tag
    title, source = choose_title(
        [
            (p.jsonld.headline, "json-ld"),
            (p.meta_value(meta.TITLE_KEYS), "meta"),
            (p.doc.title, "trafilatura"),
            (html_title, "meta"),
            (ev.title if ev else None, _evidence_source(p.page)),
            *((h, "heading") for h in p.tags.h1[:1]),
        ],
        keys,
        names,
        p.tags,
        visible_first=options.rule("title-visible-headline"),
        match_headings=options.rule("title-heading-match"),
    )
    if source:
        sources["title"] = source
    alternatives = {
        kind: " ".join(raw.split()) for kind, raw in (("og", og), ("html", html_title)) if raw
    }
    return title, alternatives


def _authors(
    p: Prepared, names: list[str], title: str, sources: dict[str, str], options: ExtractOptions
) -> list[str]:
    ev = p.page.evidence
    name_keys = site_keys(names, None)  # not the host: a blog's host is its author
    bylines = p.bylines if options.rule("author-page-bylines") else []
    dated = p.dated if options.rule("author-page-bylines") else []
    in_text = text_byline(p.text, title) if options.rule("author-text-byline") else []
    candidates: list[tuple[list[str], str]] = [
        (p.jsonld.authors, "json-ld"),
        (p.tags.all(meta.AUTHOR_KEYS), "meta"),
        *(([b], "byline") for b in bylines),
        (in_text, "text"),
        (dated, "byline"),
        # after the bylines the page shows: trafilatura's guess may come from comments
        ((p.doc.author or "").split(";"), "trafilatura"),
        (list(ev.authors) if ev else [], _evidence_source(p.page)),
    ]
    return choose_authors(
        candidates,
        names,
        name_keys,
        sources,
        fallback=options.rule("author-signature"),
        fuller=p.bios if options.rule("author-page-bylines") else [],
    )


def _metadata_dates(p: Prepared, listed: list[str]) -> list[tuple[str | None, str]]:
    """The page's own published and modified dates, published first."""
    return [
        (p.meta_value(meta.PUBLISHED_KEYS), "meta"),
        (p.jsonld.published, "json-ld"),
        *((v, "meta") for v in listed),
        (p.jsonld.modified, "json-ld"),
        (p.meta_value(meta.MODIFIED_KEYS), "meta"),
        # a <time datetime> the page shows, when all of them name one day (several days
        # are a list of teasers or comments)
        *((v, "time") for v in dates.same_day_values(p.tags.time_shown)),
    ]


def _published(
    p: Prepared, tz: str | None, title: str, flags: list[str], options: ExtractOptions
) -> DatedValue | None:
    """Metadata > URL > the page's text > feed; then two checks against what the page
    shows its readers."""
    ev, jsonld = p.page.evidence, p.jsonld
    url_day = dates.url_date(p.page.url)
    listed = dates.same_day_values(p.tags.time_published)
    chooser = _DateRules(p.now, flags, tz, url_day, options)
    published = chooser.choose(
        "published",
        [
            (jsonld.published, "json-ld"),
            (p.meta_value(meta.PUBLISHED_KEYS), "meta"),
            *((v, "meta") for v in listed),
            (url_day, "url"),
            (lambda: p.doc.date, "text"),  # htmldate's search, only if reached
            (ev.published if ev else None, _evidence_source(p.page)),
        ],
    )
    if (
        options.rule("date-zone-conflict")
        and published is not None
        and published.source == "json-ld"
        and (other := dates.zone_conflict(jsonld.published, p.meta_value(meta.PUBLISHED_KEYS)))
    ):
        flags.append(f"published {jsonld.published} from json-ld: zone conflict with {other}")
        published = chooser.choose("published", [(other, "meta")]) or published
    if options.rule("date-labelled") and (published is None or published.source == "text"):
        published = _labelled(p, published, flags)
    metadata = _metadata_dates(p, listed)
    if (
        options.rule("date-shown-on-page")
        and published is not None
        and published.source in ("json-ld", "meta")
    ):
        # the page's readers see one date: a metadata date that the page never shows
        # yields to another of its own metadata dates that it does show
        shown = dates.shown_alternative(
            dates.local_day(published),
            metadata,
            dates.visible_text(p.tree),  # trafilatura works on a copy: the tree is intact
        )
        if shown is not None:
            flags.append(f"published {published.value.isoformat()}: not shown on the page")
            published = chooser.choose("published", [shown]) or published
    if not options.rule("date-header"):
        return published
    # the date printed next to the headline is the one the newsroom meant
    return header_date.reconcile(
        published,
        header_date.header_dates(p.tree, title),
        [metadata[1], metadata[0], *metadata[2:]],
        tz,
        p.now,
        flags,
    )


def _labelled(p: Prepared, found: DatedValue | None, flags: list[str]) -> DatedValue | None:
    """With no metadata date, the day the page labels as published (or signs) beats
    htmldate's search of the text; failing that, the day it labels as updated does: that
    is the date the page tells its readers, htmldate's may be any date on the page."""
    labelled = labelled_dates(p.tree)
    day = dates.local_day(found) if found is not None else None
    if labelled.published:
        chosen = labelled.published[0]
    elif labelled.updated:
        chosen = labelled.updated[0]
    else:
        return found
    if chosen == day:
        return found
    flags.append(f"published {day} from text: the page labels {chosen}")
    return DatedValue(datetime(chosen.year, chosen.month, chosen.day, tzinfo=UTC), "text", "day")


def _modified(
    p: Prepared, tz: str | None, flags: list[str], options: ExtractOptions
) -> DatedValue | None:
    ev, jsonld = p.page.evidence, p.jsonld
    chooser = _DateRules(p.now, flags, tz, None, options)
    return chooser.choose(
        "modified",
        [
            (jsonld.modified, "json-ld"),
            (p.meta_value(meta.MODIFIED_KEYS), "meta"),
            (ev.modified if ev else None, _evidence_source(p.page)),
            (p.page.last_modified, "http-header"),
        ],
    )


def _language(
    p: Prepared, sources: dict[str, str], options: ExtractOptions
) -> tuple[str | None, str | None, str | None]:
    """(language, declared, detected): the text overrules a template's declaration when
    the detection is confident (metadata/language.py)."""
    found, declared_source = _first(
        (normalize_language(p.tags.html_lang), "meta"),
        (normalize_language(p.jsonld.language), "json-ld"),
        (normalize_language(p.meta_value(meta.LANG_KEYS)), "meta"),
    )
    declared = found if isinstance(found, str) else None
    detected = detect(p.text)
    language, how = choose_language(
        declared, detected, trust_text=options.rule("language-text-over-declared")
    )
    ev = p.page.evidence
    if language is None and ev is not None and (language := normalize_language(ev.language)):
        how = _evidence_source(p.page)
    if language:
        sources["language"] = (declared_source or "meta") if how == "declared" else how
    return language, declared, detected.code if detected else None


def choose_title(
    candidates: list[tuple[str | None, str]],
    keys: set[str],
    names: list[str],
    tags: meta.MetaData,
    visible_first: bool = True,
    match_headings: bool = True,
) -> tuple[str, str | None]:
    """First cleaned candidate in precedence order, unless a later one is the visible <h1>."""
    h1, h2 = (tags.h1, tags.h2) if match_headings else ([], [])
    cleaned = [
        (title, source)
        for raw, source in candidates
        if (title := clean_title(raw, keys, h1, h2, names))
    ]
    if visible_first:
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


@dataclass(frozen=True)
class _DateRules:
    """Candidates in precedence order -> the first plausible date, each one checked
    against the URL's day, which also tells the zone of a time written in UTC."""

    now: datetime
    flags: list[str]
    tz: str | None
    url_day: dates.Parsed | None
    options: ExtractOptions

    def choose(self, label: str, candidates: list[tuple[object, str]]) -> DatedValue | None:
        chooser = dates.DateChooser(now=self.now, label=label, flags=self.flags)
        url_guard = self.options.rule("date-url-guard")
        for candidate, source in candidates:
            raw = candidate() if callable(candidate) else candidate
            if not raw:
                continue
            parsed = self._parse(raw, source)
            if url_guard and source != "url" and dates.implausible_after_url(parsed, self.url_day):
                self.flags.append(f"{label} {raw} from {source}: long after the URL's date")
                continue
            if parsed is not None and not self.tz and url_guard:
                parsed = dates.offset_from_url_day(parsed, self.url_day)
            if chooser.offer(parsed, source, raw if isinstance(raw, str) else ""):
                break
        return chooser.chosen

    def _parse(self, raw: object, source: str) -> dates.Parsed | None:
        if isinstance(raw, dates.Parsed):
            return raw
        if source == "text":
            return dates.parse_heuristic(str(raw), self.tz)
        return dates.parse_datetime(str(raw), self.tz)
