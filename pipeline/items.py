"""The records that travel between the crawl, the pipeline and the warehouse.

They are plain frozen dataclasses so that they pickle cheaply into the extraction
worker processes and back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Evidence:
    """What discovery saw about an article before fetching it (feed item, sitemap entry, link).

    Kept because the page's own metadata may be missing; extraction uses it as the
    lowest-precedence source.
    """

    source: str  # "feed" | "sitemap" | "homepage"
    title: str | None = None
    published: str | None = None  # raw value as found (RFC 822, ISO 8601, ...)
    modified: str | None = None
    authors: tuple[str, ...] = ()
    language: str | None = None
    feed_url: str | None = None


@dataclass(frozen=True, slots=True)
class OutletHints:
    """What the config says about an outlet that helps extraction."""

    name: str
    language: str | None = None
    timezone: str | None = None
    site_names: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """A downloaded article page, as handed from a spider to the pipeline."""

    url: str  # final URL after redirects
    requested_url: str
    outlet: str
    status: int
    body: bytes
    fetched_at: datetime  # UTC
    content_type: str | None = None
    declared_encoding: str | None = None  # from the HTTP header, if any
    last_modified: str | None = None  # HTTP Last-Modified header, raw
    evidence: Evidence | None = None
    discovered_via: str = "homepage"
    source: str = "live"  # live | warc | ccnews | wayback (backfill reads archives)


@dataclass(frozen=True, slots=True)
class DatedValue:
    """A timestamp with where it came from and how precise it is."""

    value: datetime  # timezone-aware, UTC
    source: str  # json-ld | meta | url | text | feed | sitemap | http-header
    precision: str = "second"  # second | minute | day
    original_offset_minutes: int | None = None  # the page's own UTC offset, when it gave one


@dataclass(slots=True)
class Article:
    """One extracted article, ready for dedup and storage."""

    url: str
    canonical_url: str
    outlet: str
    title: str
    text: str
    fetched_at: datetime
    authors: list[str] = field(default_factory=list)
    published: DatedValue | None = None
    modified: DatedValue | None = None
    language: str | None = None
    description: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    image_url: str | None = None
    site_name: str | None = None
    paywalled: bool = False
    discovered_via: str = "homepage"
    # which source won each metadata field, e.g. {"title": "json-ld", "authors": "meta"}
    field_sources: dict[str, str] = field(default_factory=dict)
    # date candidates that were rejected (future, before 1990) with the reason
    date_flags: list[str] = field(default_factory=list)
    # the page's other titles as written (SEO variants), for dedup and search
    title_og: str | None = None
    title_html: str | None = None  # the <title> element
    # what the page declares and what its text is; `language` is the one believed
    language_declared: str | None = None
    language_detected: str | None = None
    # filled by later stages
    content_hash: str | None = None
    minhash: bytes | None = None  # serialised signature, computed in the worker
    topic_matches: list[TopicMatch] = field(default_factory=list)

    @property
    def word_count(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True, slots=True)
class MatchedForm:
    """One hit of a topic term: the query term, the words as written, what they matched as."""

    term: str  # as written in the query, e.g. гей or "rights group"
    surface: str  # as written in the article, e.g. Геев or rights groups
    normal: str  # the lemmas it was matched by, e.g. гей or right group


@dataclass(frozen=True, slots=True)
class TopicMatch:
    topic: str
    matched_terms: tuple[str, ...]
    snippet: str
    matched_forms: tuple[MatchedForm, ...] = ()


@dataclass(frozen=True, slots=True)
class ExtractionFailure:
    """A page that did not yield an article, with the reason (never dropped silently)."""

    url: str
    outlet: str
    reason: str  # not-html | too-short | parser-error | timeout | empty | binary
    detail: str = ""


@dataclass(frozen=True, slots=True)
class FetchFailure:
    """A request that failed before extraction (HTTP status, timeout, robots, oversize...)."""

    url: str
    outlet: str
    reason: str  # http-404 | timeout | robots | oversize | dns | connection | ssrf | ...
    detail: str = ""
    http_status: int | None = None
    stage: str = "fetch"  # fetch | feed | sitemap | homepage | extract | store
