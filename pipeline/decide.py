"""What each extraction result is: a new article, a copy in a story, an alias, an edit.

The decisions need the crawl's memory of what is stored (``CrawlState``) and the story
index; they fill a ``Batch`` that the caller commits. Shared by the crawl's writer thread
(``pipeline.ingest``) and the distributed loader (``pipeline.loader``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pipeline import limits
from pipeline.dedup import StoryIndex
from pipeline.items import Article, ExtractionFailure, FetchFailure
from pipeline.urls import canonicalize, choose_canonical, url_id
from warehouse.matches import forms_rows
from warehouse.runs import OutletRunStats
from warehouse.state import CrawlState
from warehouse.store import Batch, field_sources_json


@dataclass(frozen=True, slots=True)
class PageMeta:
    requested_url: str
    outlet: str
    fetched_at: datetime
    discovered_via: str
    bytes: int
    source: str = "live"  # live, or the archive a backfilled page came from


def note_kind(result: object) -> str | None:
    """The kind of a note queued beside the pages ("deleted", "progress", "sitemap-probe",
    "validators"), or None for a page's result (an Article or a failure)."""
    return result[0] if isinstance(result, tuple) and result else None


class Decider:
    """Turns results into rows; keeps the in-memory state in step with what it decided."""

    def __init__(
        self,
        state: CrawlState,
        outlet_domains: dict[str, Sequence[str]],
        stats: dict[str, OutletRunStats],
        *,
        run_id: int | None,
        threshold: float,
        num_perm: int,
    ) -> None:
        self.state = state
        self.stats = stats
        self.run_id = run_id
        self._domains = outlet_domains
        self._index = StoryIndex.rebuild(state.signatures, threshold=threshold, num_perm=num_perm)

    def decide(self, item: tuple, batch: Batch) -> None:
        """``item`` is (PageMeta | None, result) where result is an Article, a failure or a note."""
        self._decide(item, batch)

    def _decide(self, item: tuple, batch: Batch) -> None:
        meta, result = item
        now = datetime.now(UTC)
        run_id = self.run_id
        kind = note_kind(result)
        if kind == "deleted":
            batch.deletions.append((result[1], result[2], now))
            return
        if kind == "progress":
            batch.progress.append(result[1].row(now))
            return
        if kind == "sitemap-probe":
            _, outlet, url, probed_at, found = result
            batch.sitemap_probes.append((outlet, url, probed_at, found))
            return
        if kind == "validators":
            _, url, etag, lm, changed = result
            batch.validators.append((url, etag, lm, now, changed))
            return
        if isinstance(result, FetchFailure):
            batch.failures.append(
                (run_id, result.url, result.outlet, result.stage, result.reason, result.detail,
                 result.http_status, now)
            )  # fmt: skip
            return
        stats = self.stats.setdefault(meta.outlet, OutletRunStats())
        if isinstance(result, ExtractionFailure):
            stats.fail(result.reason)
            batch.failures.append(
                (
                    run_id,
                    result.url,
                    result.outlet,
                    "extract",
                    result.reason,
                    result.detail,
                    None,
                    now,
                )
            )
            return
        self._decide_article(meta, result, batch, stats, now)

    def _decide_article(
        self, meta: PageMeta, art: Article, batch: Batch, stats: OutletRunStats, now: datetime
    ) -> None:
        state = self.state
        assert art.content_hash is not None  # extraction hashes every article it returns
        domains = self._domains.get(art.outlet, ())
        canon = choose_canonical(art.url, art.canonical_url, domains)
        aid = url_id(canon)
        aliases = {canonicalize(meta.requested_url), canonicalize(art.url), canon}
        published = art.published.value if art.published else None
        stats.saw_published(published)

        known_hash = state.article_hashes.get(aid)
        if known_hash is not None:  # a known article fetched again (re-crawl, or a twin URL)
            if known_hash != art.content_hash:
                # An edit: the writer records a version row against the stored text.
                batch.updated.append(
                    {
                        "id": aid, "title": limits.cut(art.title, limits.MAX_TITLE),
                        "text": art.text,
                        "word_count": art.word_count, "content_hash": art.content_hash,
                        "minhash": art.minhash,
                        "modified_at": art.modified.value if art.modified else None,
                        "modified_source": art.modified.source if art.modified else None,
                        "last_fetched_at": meta.fetched_at,
                    }
                )  # fmt: skip
                state.article_hashes[aid] = art.content_hash
            else:
                batch.refetched.append((aid, meta.fetched_at))
                stats.duplicate += 1
            self._add_urls(batch, aliases, aid, now, "alias")
            return

        twin = state.hash_to_article.get(art.content_hash)
        if twin is not None and self.state.outlet_of.get(twin) == art.outlet:
            # The same text under another URL of the same outlet: one article, several URLs.
            stats.duplicate += 1
            self._add_urls(batch, aliases, twin, now, "exact-duplicate")
            return

        match = self._index.assign(aid, art.minhash) if art.minhash else None
        story_id = state.story_of.get(match[0], match[0]) if match else aid
        state.article_hashes[aid] = art.content_hash
        state.hash_to_article.setdefault(art.content_hash, aid)
        state.story_of[aid] = story_id
        self.state.outlet_of[aid] = art.outlet
        stats.new += 1
        stats.new_by_via[meta.discovered_via] = stats.new_by_via.get(meta.discovered_via, 0) + 1
        batch.articles.append(_row(aid, canon, art, meta, story_id, now, self.run_id))
        batch.stories.add(story_id)
        self._add_urls(batch, aliases, aid, now, "fetched")
        for m in art.topic_matches:
            forms = forms_rows((f.term, f.surface, f.normal) for f in m.matched_forms)
            batch.matches.append((m.topic, aid, list(m.matched_terms), m.snippet, now, forms))

    def _add_urls(self, batch: Batch, urls: set[str], aid: int, now: datetime, kind: str) -> None:
        for url in sorted(urls):
            if url not in self.state.seen_urls:
                self.state.seen_urls.add(url)
                batch.urls.append((url, aid, now, kind))


def _row(
    aid: int,
    canon: str,
    art: Article,
    meta: PageMeta,
    story_id: int,
    now: datetime,
    run_id: int | None,
) -> dict:
    pub, mod = art.published, art.modified
    # length limits and the date window (pipeline.limits), each change flagged
    ok = limits.check(art.title, art.authors, art.description, pub.value if pub else None, now)
    if ok.published_at is None:
        pub = None
    return {
        "id": aid,
        "url": art.url,
        "canonical_url": canon,
        "outlet": art.outlet,
        "title": ok.title,
        "authors": ok.authors,
        "published_at": pub.value if pub else None,
        "published_source": pub.source if pub else None,
        "published_precision": pub.precision if pub else None,
        "published_offset_minutes": pub.original_offset_minutes if pub else None,
        "modified_at": mod.value if mod else None,
        "modified_source": mod.source if mod else None,
        "first_seen_at": meta.fetched_at,
        "last_fetched_at": meta.fetched_at,
        "language": art.language,
        "description": ok.description,
        "section": art.section,
        "tags": list(art.tags),
        "image_url": art.image_url,
        "site_name": art.site_name,
        "paywalled": art.paywalled,
        "text": art.text,
        "word_count": art.word_count,
        "content_hash": art.content_hash,
        "minhash": art.minhash,
        "story_id": story_id,
        "discovered_via": meta.discovered_via,
        "field_sources": field_sources_json(art.field_sources),
        "date_flags": [*art.date_flags, *ok.date_flags],
        "run_id": run_id,
        "source": meta.source,
        # an archived page was captured long before we read it: its capture time is when it
        # was first seen, so that trends place it on its own day and no digest picks it up
        "captured_at": meta.fetched_at,
        "title_og": art.title_og,
        "title_html": art.title_html,
        "language_declared": art.language_declared,
        "language_detected": art.language_detected,
        "field_flags": ok.field_flags,
    }
