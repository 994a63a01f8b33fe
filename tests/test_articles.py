"""warehouse/articles.py: the reads other packages make of stored articles and matches."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from warehouse.articles import (
    articles_due_for_recrawl,
    latest_match_day,
    match_counts,
    stored_urls,
)
from warehouse.connection import opened

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)


def _article(con: duckdb.DuckDBPyConnection, aid: int, outlet: str, at: datetime) -> None:
    url = f"https://{outlet}.example/a/{aid}"
    con.execute(
        "INSERT INTO articles (id, url, canonical_url, outlet, title, published_at,"
        " first_seen_at, text, word_count, content_hash, story_id)"
        " VALUES (?, ?, ?, ?, 't', ?, ?, 'x', 1, ?, ?)",
        [aid, url, url, outlet, at, at, f"h{aid}", aid],
    )
    con.execute("INSERT INTO article_urls VALUES (?, ?, ?, 'canonical')", [url, aid, at])


def _match(con: duckdb.DuckDBPyConnection, topic: str, aid: int) -> None:
    con.execute(
        "INSERT INTO topic_matches (topic, article_id, matched_terms, snippet, matched_at)"
        " VALUES (?, ?, ['x'], 'x', ?)",
        [topic, aid, NOW],
    )


def test_matches_per_topic_and_the_newest_matched_day(warehouse: Path) -> None:
    with opened(warehouse) as con:
        _article(con, 1, "a", NOW - timedelta(days=3))
        _article(con, 2, "a", NOW - timedelta(days=1))
        _article(con, 3, "b", NOW + timedelta(days=2))  # dated in the future: not coverage
        for aid in (1, 2, 3):
            _match(con, "x", aid)
        _match(con, "y", 1)
        assert match_counts(con) == {"x": 3, "y": 1}
        assert latest_match_day(con, "x") == date(2026, 12, 3)
        assert latest_match_day(con, "y") == date(2026, 12, 1)
        assert latest_match_day(con, "none") is None


def test_stored_urls_come_in_chunks_and_need_the_schema(warehouse: Path, tmp_path: Path) -> None:
    with opened(warehouse) as con:
        for aid in range(5):
            _article(con, aid, "a", NOW)
        chunks = list(stored_urls(con, 2))
    assert [len(c) for c in chunks] == [2, 2, 1]
    assert {u for c in chunks for u in c} == {f"https://a.example/a/{i}" for i in range(5)}
    with opened(tmp_path / "empty.duckdb") as con:
        assert list(stored_urls(con, 2)) == []


def test_articles_due_for_recrawl(warehouse: Path) -> None:
    with opened(warehouse) as con:
        _article(con, 1, "a", NOW - timedelta(days=2))  # two days old, never re-fetched
        _article(con, 2, "a", NOW - timedelta(hours=2))  # too young
        _article(con, 3, "b", NOW - timedelta(days=2))  # another outlet
        day = 86_400 * 1_000_000
        due = articles_due_for_recrawl(con, ["a"], NOW - timedelta(days=1), day)
    assert due == [(1, "https://a.example/a/1", "a")]
