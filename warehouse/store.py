"""Batched, transactional writes: one short transaction per batch, idempotent on replay.

A batch that is committed is complete (articles, their URLs, matches, story
aggregates); a batch interrupted by a crash leaves nothing, and its pages are
fetched again by the next crawl because their URLs were never recorded.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import pyarrow as pa

from warehouse.backfill import save_progress
from warehouse.connection import transaction
from warehouse.matches import FORMS_TYPE

ARTICLE_COLUMNS = (
    "id", "url", "canonical_url", "outlet", "title", "authors", "published_at",
    "published_source", "published_precision", "published_offset_minutes", "modified_at",
    "modified_source", "first_seen_at", "last_fetched_at", "language", "description",
    "section", "tags", "image_url", "site_name", "paywalled", "text", "word_count",
    "content_hash", "minhash", "story_id", "discovered_via", "field_sources", "date_flags",
    "run_id", "source", "captured_at", "title_og", "title_html", "language_declared",
    "language_detected", "field_flags",
)  # fmt: skip

ARTICLE_SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("url", pa.string()),
        ("canonical_url", pa.string()),
        ("outlet", pa.string()),
        ("title", pa.string()),
        ("authors", pa.list_(pa.string())),
        ("published_at", pa.timestamp("us", tz="UTC")),
        ("published_source", pa.string()),
        ("published_precision", pa.string()),
        ("published_offset_minutes", pa.int32()),
        ("modified_at", pa.timestamp("us", tz="UTC")),
        ("modified_source", pa.string()),
        ("first_seen_at", pa.timestamp("us", tz="UTC")),
        ("last_fetched_at", pa.timestamp("us", tz="UTC")),
        ("language", pa.string()),
        ("description", pa.string()),
        ("section", pa.string()),
        ("tags", pa.list_(pa.string())),
        ("image_url", pa.string()),
        ("site_name", pa.string()),
        ("paywalled", pa.bool_()),
        ("text", pa.string()),
        ("word_count", pa.int32()),
        ("content_hash", pa.string()),
        ("minhash", pa.binary()),
        ("story_id", pa.int64()),
        ("discovered_via", pa.string()),
        ("field_sources", pa.string()),
        ("date_flags", pa.list_(pa.string())),
        ("run_id", pa.int64()),
        ("source", pa.string()),
        ("captured_at", pa.timestamp("us", tz="UTC")),
        ("title_og", pa.string()),
        ("title_html", pa.string()),
        ("language_declared", pa.string()),
        ("language_detected", pa.string()),
        ("field_flags", pa.list_(pa.string())),
    ]
)


_URL_SCHEMA = pa.schema(
    [
        ("url", pa.string()),
        ("article_id", pa.int64()),
        ("first_seen_at", pa.timestamp("us", tz="UTC")),
        ("kind", pa.string()),
    ]
)
_MATCH_SCHEMA = pa.schema(
    [
        ("topic", pa.string()),
        ("article_id", pa.int64()),
        ("matched_terms", pa.list_(pa.string())),
        ("snippet", pa.string()),
        ("matched_at", pa.timestamp("us", tz="UTC")),
        ("matched_forms", FORMS_TYPE),
    ]
)


def _insert_rows(
    con: duckdb.DuckDBPyConnection, table: str, schema: pa.Schema, rows: list[tuple], conflict: str
) -> None:
    """Insert many rows through Arrow: ~10x faster than executemany in DuckDB."""
    columns = list(zip(*rows, strict=True))
    data = pa.Table.from_arrays(
        [pa.array(col, type=field.type) for col, field in zip(columns, schema, strict=True)],
        schema=schema,
    )
    con.register("_rows", data)
    try:
        names = ", ".join(schema.names)
        con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM _rows {conflict}")
    finally:
        con.unregister("_rows")


@dataclass
class Batch:
    """Everything one flush writes, in one transaction."""

    articles: list[dict] = field(default_factory=list)  # keys: ARTICLE_COLUMNS
    urls: list[tuple[str, int, datetime, str]] = field(default_factory=list)
    # (topic, article_id, matched_terms, snippet, matched_at, matched_forms rows)
    matches: list[tuple[str, int, list[str], str, datetime, list[dict[str, str]]]] = field(
        default_factory=list
    )
    failures: list[tuple] = field(default_factory=list)  # fetch_failures columns in order
    refetched: list[tuple[int, datetime]] = field(default_factory=list)  # (article_id, when)
    deletions: list[tuple[int, int, datetime]] = field(default_factory=list)  # (id, status, when)
    updated: list[dict] = field(default_factory=list)  # new text of an existing article
    stories: set[int] = field(default_factory=set)  # story ids whose aggregates changed
    validators: list[tuple[str, str | None, str | None, datetime, bool]] = field(
        default_factory=list
    )  # (url, etag, last_modified, checked_at, changed)
    # backfill_progress rows, written in the same transaction as the articles they cover
    progress: list[tuple] = field(default_factory=list)
    sitemap_probes: list[tuple[str, str, datetime, bool]] = field(
        default_factory=list
    )  # (outlet, url, probed_at, found)

    def payload_bytes(self) -> int:
        """About what the insert holds in memory: the texts dominate."""
        rows = [*self.articles, *self.updated]
        return sum(len(r["text"]) + len(r.get("title") or "") + 512 for r in rows)

    def __len__(self) -> int:
        return (
            len(self.articles) + len(self.failures) + len(self.refetched) + len(self.updated)
            + len(self.urls) + len(self.validators) + len(self.deletions) + len(self.progress)
            + len(self.sitemap_probes)
        )  # fmt: skip


def write_batch(con: duckdb.DuckDBPyConnection, batch: Batch) -> None:
    with transaction(con):
        apply_batch(con, batch)


def apply_batch(con: duckdb.DuckDBPyConnection, batch: Batch) -> None:
    """``write_batch`` inside the caller's transaction (the loader adds its batch marker)."""
    if batch.articles:
        table = pa.Table.from_pylist(batch.articles, schema=ARTICLE_SCHEMA)
        con.register("_new_articles", table)
        try:
            cols = ", ".join(ARTICLE_COLUMNS)
            con.execute(
                f"INSERT INTO articles ({cols}) SELECT {cols} FROM _new_articles "
                "ON CONFLICT (id) DO NOTHING"
            )
        finally:
            con.unregister("_new_articles")
    if batch.urls:
        _insert_rows(con, "article_urls", _URL_SCHEMA, batch.urls, "ON CONFLICT (url) DO NOTHING")
    if batch.matches:
        _insert_rows(
            con, "topic_matches", _MATCH_SCHEMA, batch.matches,
            "ON CONFLICT (topic, article_id) DO UPDATE SET matched_terms = excluded.matched_terms,"
            " snippet = excluded.snippet, matched_at = excluded.matched_at,"
            " matched_forms = excluded.matched_forms",
        )  # fmt: skip
    if batch.failures:
        con.executemany(
            "INSERT INTO fetch_failures VALUES (?, ?, ?, ?, ?, ?, ?, ?)", batch.failures
        )
    if batch.refetched:
        con.executemany(
            "UPDATE articles SET last_fetched_at = ? WHERE id = ?",
            [(when, aid) for aid, when in batch.refetched],
        )
    if batch.deletions:
        con.executemany(
            "UPDATE articles SET deleted_at = ?, deleted_status = ?, last_fetched_at = ?"
            " WHERE id = ? AND deleted_at IS NULL",
            [(when, status, when, aid) for aid, status, when in batch.deletions],
        )
    for row in batch.updated:
        _record_version(con, row)
        con.execute(
            "UPDATE articles SET title = ?, text = ?, word_count = ?, content_hash = ?,"
            " minhash = ?, modified_at = coalesce(?, modified_at),"
            " modified_source = coalesce(?, modified_source), last_fetched_at = ? WHERE id = ?",
            [
                row["title"], row["text"], row["word_count"], row["content_hash"],
                row["minhash"], row["modified_at"], row["modified_source"],
                row["last_fetched_at"], row["id"],
            ],
        )  # fmt: skip
    if batch.stories:
        refresh_stories(con, batch.stories)
    if batch.validators:
        con.executemany(
            "INSERT INTO fetch_validators VALUES (?, ?, ?, ?, CASE WHEN ? THEN ? END)"
            " ON CONFLICT (url) DO UPDATE SET etag = excluded.etag,"
            " last_modified = excluded.last_modified, checked_at = excluded.checked_at,"
            " changed_at = coalesce(excluded.changed_at, fetch_validators.changed_at)",
            [(u, e, lm, at, ch, at) for u, e, lm, at, ch in batch.validators],
        )
    if batch.progress:
        save_progress(con, batch.progress)
    if batch.sitemap_probes:
        con.executemany(
            "INSERT INTO sitemap_probes VALUES (?, ?, ?, ?) ON CONFLICT (outlet, url)"
            " DO UPDATE SET probed_at = excluded.probed_at, found = excluded.found",
            batch.sitemap_probes,
        )


def _record_version(con: duckdb.DuckDBPyConnection, row: dict) -> None:
    """An article's text changed: keep what changed, not a second article."""
    old = con.execute(
        "SELECT title, text, content_hash FROM articles WHERE id = ?", [row["id"]]
    ).fetchall()
    if not old or old[0][2] == row["content_hash"]:
        return
    old_title, old_text, old_hash = old[0]
    added, removed = word_changes(old_text, row["text"])
    con.execute(
        "INSERT INTO article_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [row["id"], row["last_fetched_at"], old_hash, row["content_hash"],
         old_title != row["title"], old_title, added, removed],
    )  # fmt: skip


def word_changes(old: str, new: str) -> tuple[int, int]:
    """Words added and removed between two texts (as multisets: cheap and order-blind)."""
    before, after = Counter(old.split()), Counter(new.split())
    return sum((after - before).values()), sum((before - after).values())


def refresh_stories(con: duckdb.DuckDBPyConnection, story_ids: set[int]) -> None:
    """Recompute story aggregates; the origin is the earliest published copy.

    A date known only to the day may be any time that day, so for ordering it counts as
    the day's last moment: a copy with an exact earlier time is the safer origin.
    """
    con.execute(
        """
        INSERT OR REPLACE INTO stories
        WITH copies AS (
            SELECT story_id, id, outlet, title,
                   coalesce(published_at, first_seen_at) AS seen,
                   CASE WHEN published_precision = 'day'
                        THEN published_at + INTERVAL 1 DAY - INTERVAL 1 MICROSECOND
                        ELSE coalesce(published_at, first_seen_at) END AS latest_possible
            FROM articles
            WHERE story_id IN (SELECT unnest(?::BIGINT[]))
        )
        SELECT story_id,
               arg_min(id, (latest_possible, id)),
               arg_min(outlet, (latest_possible, id)),
               min(seen), max(seen),
               count(*), count(DISTINCT outlet),
               arg_min(title, (latest_possible, id))
        FROM copies
        GROUP BY story_id
        """,
        [sorted(story_ids)],
    )


def upsert_outlets(
    con: duckdb.DuckDBPyConnection, outlets: list[tuple[str, str, str | None, str | None]]
) -> None:
    with transaction(con):
        con.executemany(
            "INSERT INTO outlets (name, homepage, language, timezone) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET homepage = excluded.homepage,"
            " language = excluded.language, timezone = excluded.timezone",
            outlets,
        )


def field_sources_json(sources: dict[str, str]) -> str:
    return json.dumps(sources, sort_keys=True)
