"""``mediawatch export --format csv`` and ``sql --format csv`` through the installed script:
list columns come out as JSON arrays, and the read-back line it prints runs without the
DuckDB command-line program."""

from __future__ import annotations

import csv
import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from test_cli import env, run
from test_trends import insert, write_config

from warehouse.connection import opened

AUTHORS = ["Roe, Jane", 'Ives "the elder"', "Анна Светлова"]  # a comma, quotes, Cyrillic


def _filled(warehouse: Path) -> Path:
    start = datetime(2026, 3, 1, 9, tzinfo=UTC)
    articles = [
        {"id": i, "outlet": "o", "first_seen_at": start + timedelta(hours=7 * i), "story_id": i}
        for i in range(1, 11)
    ]
    insert(warehouse, articles, [("wave", i, ["gay", "chechen*"]) for i in range(1, 11, 3)])
    with opened(warehouse) as con:
        con.execute("UPDATE articles SET authors = ?, tags = ['a, b', 'c'] WHERE id = 1", [AUTHORS])
        con.execute("UPDATE articles SET authors = [] WHERE id = 2")
    return write_config(warehouse.parent, {"wave": "gay"})


def _rows(pattern: str, folder: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted(folder.glob(pattern)):
        with path.open(encoding="utf-8", newline="") as handle:
            rows += list(csv.DictReader(handle))
    return rows


def test_csv_export_writes_lists_as_json_arrays(warehouse: Path, tmp_path: Path) -> None:
    config = _filled(warehouse)
    out = tmp_path / "out"
    done = run(config, "export", "--format", "csv", str(out))
    assert done.returncode == 0, done.stderr
    articles = {int(r["id"]): r for r in _rows("articles/*/*.csv", out)}
    assert len(articles) == 10
    assert json.loads(articles[1]["authors"]) == AUTHORS
    assert json.loads(articles[1]["tags"]) == ["a, b", "c"]
    assert json.loads(articles[2]["authors"]) == []
    assert articles[3]["authors"] == ""  # no value (NULL) stays an empty cell, unlike []
    matches = _rows("topic_matches/*/*.csv", out)
    assert len(matches) == 4
    assert all(json.loads(m["matched_terms"]) == ["gay", "chechen*"] for m in matches)

    # the read-back line runs as printed (duckdb's Python module, not its CLI)
    line = next(x for x in done.stdout.splitlines() if x.startswith("read it back: "))
    assert "duckdb -c" not in line
    back = subprocess.run(
        ["bash", "-c", line.removeprefix("read it back: ")],
        capture_output=True, text=True, timeout=60, env=env(), cwd=tmp_path,
    )  # fmt: skip
    assert back.returncode == 0, back.stderr
    assert "10" in back.stdout.split()


def test_sql_csv_writes_lists_as_json_arrays(warehouse: Path) -> None:
    config = _filled(warehouse)
    done = run(config, "sql", "SELECT id, authors FROM articles WHERE id = 1", "--format", "csv")
    assert done.returncode == 0, done.stderr
    [row] = list(csv.DictReader(done.stdout.splitlines()))
    assert json.loads(row["authors"]) == AUTHORS
