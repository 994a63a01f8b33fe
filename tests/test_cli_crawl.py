"""``mediawatch crawl`` and ``crawl --recrawl`` through the installed script: a progress line
per discovery mode that counts that mode's own pages, and a re-crawl reported in its own
words (due, edited, gone, unchanged), also when nothing is due."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, timedelta
from pathlib import Path

import duckdb
import pytest
from test_cli import no_traceback, run

PROGRESS = re.compile(
    r"^\s+(feeds|sitemaps|homepage|recrawl)\s+(\d+) pages fetched,\s+(\d+) new articles,"
    r"\s+(\d+) failed",
    re.M,
)


@pytest.fixture
def small_server() -> Iterator:
    from mediawatch.newsroom import build_newsroom, serve

    with serve(build_newsroom(seed=11, n_articles=120)) as server:
        yield server


def _query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def _table(stdout: str) -> tuple[list[str], list[list[str]]]:
    """The result table's heading and rows (columns split on runs of two spaces)."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("outlet "))
    heading = re.split(r"\s{2,}", lines[start].strip())
    rows = []
    for line in lines[start + 2 :]:
        if line.startswith("("):
            break
        rows.append(re.split(r"\s{2,}", line.strip()))
    return heading, rows


def test_each_progress_line_counts_its_own_mode(small_server, make_config) -> None:
    config = make_config(small_server.outlet_config(), crawl={"extract_workers": 2})
    done = run(config.source, "crawl")
    assert done.returncode == 0, done.stderr
    no_traceback(done.stderr)
    assert "placeholder" not in done.stderr  # loopback outlets: nobody to reach
    lines = [(m, int(f), int(n), int(x)) for m, f, n, x in PROGRESS.findall(done.stderr)]
    assert [line[0] for line in lines] == ["feeds", "sitemaps", "homepage"], done.stderr
    [(fetched, new, failed)] = _query(
        config.warehouse_path,
        "SELECT sum(fetched), sum(new), sum(failed) FROM crawl_run_outlets WHERE run_id = 1",
    )
    # cumulative lines would add up to more than the run did
    assert sum(line[1] for line in lines) == fetched
    assert sum(line[2] for line in lines) == new
    assert sum(line[3] for line in lines) == failed
    # and each mode's new articles are the ones stored as found by it
    found = dict(
        _query(config.warehouse_path, "SELECT discovered_via, count(*) FROM articles GROUP BY 1")
    )
    for mode, _, mode_new, _ in lines:
        assert mode_new == found.get(mode.removesuffix("s"), 0), (mode, found)
    assert all(line[1] > 0 for line in lines)


def test_a_recrawl_reports_due_edited_and_unchanged(small_server, make_config) -> None:
    newsroom = small_server.newsroom
    config = make_config(
        small_server.outlet_config(),
        crawl={"extract_workers": 2},
        schedule={"recrawl_after_days": [1.0]},
    )
    first = run(config.source, "crawl")
    assert first.returncode == 0, first.stderr
    warehouse = config.warehouse_path

    # nothing is a day old yet: said so, with when the first article will be
    idle = run(config.source, "crawl", "--recrawl")
    assert idle.returncode == 0, idle.stderr
    assert "nothing to re-crawl" in idle.stdout, idle.stdout
    assert "recrawl_after_days: 1 days" in idle.stdout
    [(oldest,)] = _query(warehouse, "SELECT min(first_seen_at) FROM articles")
    due_at = (oldest + timedelta(days=1)).astimezone(UTC)
    assert f"the next is due at {due_at:%Y-%m-%d %H:%M} UTC" in idle.stdout, idle.stdout

    # now every article is due after two seconds, and the outlets have edited some
    config.source.write_text(
        config.source.read_text(encoding="utf-8").replace(
            "recrawl_after_days = [\n    1.0,\n]", f"recrawl_after_days = [\n    {2 / 86_400},\n]"
        ),
        encoding="utf-8",
    )
    assert (
        "1.0" not in config.source.read_text(encoding="utf-8").split("recrawl_after_days")[1][:20]
    )
    small_server.set_revision_epoch(1)
    time.sleep(2.5)
    again = run(config.source, "crawl", "--recrawl")
    assert again.returncode == 0, again.stderr
    heading, rows = _table(again.stdout)
    assert heading == ["outlet", "due", "fetched", "edited", "gone", "unchanged", "failed", "304"]
    assert "duplicate" not in again.stdout
    column = {name: i for i, name in enumerate(heading)}
    total = {name: sum(int(r[column[name]]) for r in rows) for name in heading[1:]}
    [(stored,)] = _query(warehouse, "SELECT count(*) FROM articles")
    [(versions,)] = _query(warehouse, "SELECT count(DISTINCT article_id) FROM article_versions")
    assert total["due"] == stored
    assert total["edited"] == versions > 0
    assert versions <= len(newsroom.updated_articles)
    assert total["unchanged"] + total["edited"] + total["failed"] == total["fetched"]
    assert f"re-crawled {total['fetched']} article(s): {versions} edited" in again.stdout
    # the query it prints for the edits runs and lists them
    edits = next(x for x in again.stdout.splitlines() if x.startswith("edits: mediawatch sql "))
    query = edits.removeprefix("edits: mediawatch sql ").strip('"')
    shown = run(config.source, "sql", query, "--format", "csv")
    assert shown.returncode == 0, shown.stderr
    assert len(shown.stdout.strip().splitlines()) == 1 + min(versions, 20)
