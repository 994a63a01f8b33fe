"""``mediawatch trends`` through the installed script: topic names ignore case (or the error
suggests the right one), and no two columns share a heading."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from test_cli import one_error_line, run
from test_trends import insert, write_config


def _config(warehouse: Path) -> Path:
    start = datetime(2026, 3, 1, 9, tzinfo=UTC)
    articles = [
        {"id": i, "outlet": f"o{i % 2}", "first_seen_at": start + timedelta(hours=11 * i),
         "story_id": i}
        for i in range(1, 21)
    ]  # fmt: skip
    insert(warehouse, articles, [("Chechnya", i, ["gay"]) for i in range(1, 21)])
    return write_config(warehouse.parent, {"Chechnya": "gay", "other": "x"})


def test_topic_names_ignore_case_and_headings_are_unique(warehouse: Path) -> None:
    config = _config(warehouse)
    exact = run(config, "trends", "Chechnya", "--until", "2026-03-10", "--days", "10")
    assert exact.returncode == 0, exact.stderr
    for typed in ("chechnya", "CHECHNYA"):
        folded = run(config, "trends", typed, "--until", "2026-03-10", "--days", "10")
        assert folded.returncode == 0, folded.stderr
        assert folded.stdout == exact.stdout  # the same topic, the same table
    assert "Chechnya: 20 article(s)" in exact.stdout
    header = exact.stdout.splitlines()[0].split("  ")
    headings = [h.strip() for h in header if h.strip()]
    assert len(headings) == len(set(headings)) == 7, headings


def test_an_unknown_topic_suggests_the_nearest(warehouse: Path) -> None:
    config = _config(warehouse)
    done = run(config, "trends", "chechnia")
    assert done.returncode == 1
    line = one_error_line(done.stderr)
    assert "no topic named 'chechnia' (did you mean 'Chechnya'?)" in line, line


def test_other_commands_take_topic_names_ignoring_case(warehouse: Path, tmp_path: Path) -> None:
    config = _config(warehouse)
    done = run(config, "digest", "--topic", "CHECHNYA", "--date", "2026-03-03", "--out",
               str(tmp_path / "d"))  # fmt: skip
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "d" / "2026-03-03" / "chechnya.txt").read_text(encoding="utf-8")
    assert text.startswith("[mediawatch] Chechnya · 2026-03-03: 2 stories, 2 articles")
    wrong = run(config, "topics", "rematch", "chechnia")
    assert "did you mean 'Chechnya'?" in one_error_line(wrong.stderr)
