"""What a crawl needs to know from the warehouse when it starts (read once, then kept in memory)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import duckdb


@dataclass
class CrawlState:
    seen_urls: set[str] = field(default_factory=set)  # canonical URLs already stored
    article_hashes: dict[int, str] = field(default_factory=dict)  # article id -> content hash
    hash_to_article: dict[str, int] = field(default_factory=dict)  # exact-duplicate lookup
    outlet_of: dict[int, str] = field(default_factory=dict)  # article id -> outlet (window)
    story_of: dict[int, int] = field(default_factory=dict)  # article id -> story id (window)
    signatures: list[tuple[int, bytes]] = field(default_factory=list)  # (article id, minhash)
    validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    # (outlet, url) -> (probed_at, found): usual sitemap paths tried (``sitemap_probes``)
    sitemap_probes: dict[tuple[str, str], tuple[datetime, bool]] = field(default_factory=dict)


def load_crawl_state(con: duckdb.DuckDBPyConnection, window_days: int) -> CrawlState:
    state = CrawlState()
    state.seen_urls = {row[0] for row in con.execute("SELECT url FROM article_urls").fetchall()}
    since = datetime.now(UTC) - timedelta(days=window_days)
    # Dedup and version detection only look back over the window, so start-up cost and
    # memory follow the window, not the size of the archive.
    for aid, chash, story, sig, outlet in con.execute(
        "SELECT id, content_hash, story_id, minhash, outlet FROM articles"
        " WHERE first_seen_at >= ? ORDER BY first_seen_at, id",  # the story index wants oldest first
        [since],
    ).fetchall():
        state.article_hashes[aid] = chash
        state.hash_to_article.setdefault(chash, aid)
        state.story_of[aid] = story if story is not None else aid
        state.outlet_of[aid] = outlet
        if sig is not None:
            state.signatures.append((aid, bytes(sig)))
    state.validators = {
        url: (etag, lm)
        for url, etag, lm in con.execute(
            "SELECT url, etag, last_modified FROM fetch_validators"
        ).fetchall()
    }
    state.sitemap_probes = {
        (outlet, url): (probed_at.astimezone(UTC), bool(found))
        for outlet, url, probed_at, found in con.execute(
            "SELECT outlet, url, probed_at, found FROM sitemap_probes"
        ).fetchall()
    }
    return state
