"""Outlet health read from the newest runs only, with the publishing rhythm computed in SQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from warehouse.connection import opened
from warehouse.health import outlet_health

NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)


def test_health_counts_quiet_runs_and_the_median_gap(warehouse) -> None:
    with opened(warehouse) as con:
        con.execute("INSERT INTO outlets (name, homepage) VALUES ('a', 'https://a.example/'),"
                    " ('b', 'https://b.example/')")  # fmt: skip
        # articles of 'a' 1, 2 and 4 hours apart (median gap 2 h), the newest 3 days ago
        newest = NOW - timedelta(days=3)
        for i, hours in enumerate((7, 6, 4, 0)):
            at = newest - timedelta(hours=hours)
            con.execute(
                "INSERT INTO articles (id, url, canonical_url, outlet, title, published_at,"
                " first_seen_at, text, word_count, content_hash)"
                " VALUES (?, ?, ?, 'a', 't', ?, ?, 'x', 1, 'h')",
                [i, f"https://a.example/{i}", f"https://a.example/{i}", at, at],
            )
        # 20 runs, newest first: the three newest found nothing new; the newest was blocked
        for run in range(20):
            started = NOW - timedelta(hours=run)
            new = 0 if run < 3 else 1
            reasons = {"http-403": 9} if run == 0 else {}
            con.execute(
                "INSERT INTO crawl_runs (id, started_at, status, trigger) VALUES (?, ?, 'ok', 'schedule')",
                [run + 1, started],
            )
            con.execute(
                "INSERT INTO crawl_run_outlets (run_id, outlet, fetched, new, failures_by_reason)"
                " VALUES (?, 'a', 1, ?, ?), (?, 'b', 0, 0, '{}')",
                [run + 1, new, json.dumps(reasons), run + 1],
            )
    with opened(warehouse, read_only=True) as con:
        health = {h.outlet: h for h in outlet_health(con, now=NOW)}
    a = health["a"]
    assert a.articles == 4 and a.newest_at == newest
    assert a.usual_gap == timedelta(hours=2)
    assert a.runs_without_new == 3
    assert a.last_run_at == NOW and a.last_fetched == 1
    assert "stale" in a.flags and "blocked" in a.flags  # 3 days quiet > max(3 x 2 h, 12 h)
    b = health["b"]
    assert b.articles == 0 and b.usual_gap is None and b.runs_without_new == 20


def test_the_usual_gap_ignores_articles_sharing_a_time(warehouse) -> None:
    """Pages that give only the day (all at midnight) or batches at one minute: the gap is
    between publishing times, not zero."""
    with opened(warehouse) as con:
        con.execute("INSERT INTO outlets (name, homepage) VALUES ('d', 'https://d.example/')")
        day0 = datetime(2026, 6, 20, tzinfo=UTC)
        rows = [(day, n) for day in range(8) for n in range(5)]  # 5 articles a day, at 00:00
        for i, (day, _) in enumerate(rows):
            at = day0 + timedelta(days=day)
            con.execute(
                "INSERT INTO articles (id, url, canonical_url, outlet, title, published_at,"
                " first_seen_at, text, word_count, content_hash)"
                " VALUES (?, ?, ?, 'd', 't', ?, ?, 'x', 1, 'h')",
                [i, f"https://d.example/{i}", f"https://d.example/{i}", at, at],
            )
    with opened(warehouse, read_only=True) as con:
        [d] = outlet_health(con, now=NOW)
    assert d.articles == 40 and d.usual_gap == timedelta(days=1)
