"""Rematching a topic after its query changed, previews, and the ``topics`` commands."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from test_trends import MATCHED_AT, insert, write_config

from mediawatch.cli import topics as topics_cli
from mediawatch.cli.common import AppContext
from pipeline.query import MatchDoc, compile_query
from pipeline.rematch import preview_matches, rematch_topic
from warehouse.connection import opened

OLD = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 5, 1, tzinfo=UTC)
WORDS = ["chechnya", "gay", "election", "fraud", "weather", "чечне", "геи", "lgbtq"]


def corpus() -> list[dict]:
    """60 articles, each with a seeded random subset of WORDS."""
    rows = []
    for i in range(1, 61):
        rng = random.Random(i)
        words = [w for w in WORDS if rng.random() < 0.4]
        rows.append(
            {
                "id": i,
                "outlet": f"o{i % 3}",
                "title": f"Story {i} {' '.join(words[:1])}",
                "text": "Some filler. " + " and ".join(words) + " were in the news.",
                "first_seen_at": OLD + timedelta(hours=i),
                "language": "ru" if i % 4 == 0 else "en",
                "story_id": i,
            }
        )
    return rows


def expected(rows: list[dict], query: str) -> set[int]:
    compiled = compile_query(query)
    return {
        r["id"]
        for r in rows
        if compiled.match(MatchDoc(r["title"], r["text"], r["outlet"], r["language"])) is not None
    }


@pytest.fixture
def stocked(warehouse: Path) -> tuple[Path, list[dict]]:
    rows = corpus()
    # 'chechnya' was matched with an older, narrower query; 'elections' is another topic
    old = expected(rows, "chechnya AND gay")
    elections = expected(rows, "election AND fraud")
    insert(
        warehouse,
        rows,
        [("chechnya", i, ["chechnya", "gay"]) for i in sorted(old)]
        + [("elections", i, ["election"]) for i in sorted(elections)],
    )
    return warehouse, rows


def matches(path: Path, topic: str) -> dict[int, tuple]:
    with opened(path, read_only=True) as con:
        rows = con.execute(
            "SELECT article_id, matched_terms, snippet, matched_at FROM topic_matches WHERE topic = ?",
            [topic],
        ).fetchall()
    return {r[0]: r[1:] for r in rows}


@pytest.mark.parametrize("workers", [1, 2])
def test_rematch_replaces_only_that_topic(stocked, workers: int) -> None:
    path, rows = stocked
    new_query = "(chechnya OR чечн*) AND (gay OR lgbt* OR гей*)"
    before = matches(path, "chechnya")
    others = matches(path, "elections")
    with opened(path) as con:
        result = rematch_topic(con, "chechnya", new_query, workers=workers, batch_rows=7, now=NOW)
    after = matches(path, "chechnya")
    want = expected(rows, new_query)
    assert want > set(before) and set(after) == want
    assert matches(path, "elections") == others
    assert (result.scanned, result.matched) == (60, len(want))
    assert result.added == len(want - set(before)) and result.removed == 0
    for aid, (terms, snippet, matched_at) in after.items():
        assert matched_at == (MATCHED_AT if aid in before else NOW)  # kept rows keep their time
        assert terms and snippet


def test_rematch_to_a_narrower_query_removes_matches(stocked) -> None:
    path, rows = stocked
    before = set(matches(path, "chechnya"))
    with opened(path) as con:
        result = rematch_topic(con, "chechnya", "chechnya AND gay AND outlet:o1", workers=1)
    after = set(matches(path, "chechnya"))
    assert after == expected(rows, "chechnya AND gay AND outlet:o1") and after < before
    assert result.removed == len(before - after) and result.added == 0


def test_preview_is_newest_first_limited_and_stores_nothing(stocked) -> None:
    path, rows = stocked
    query = "(chechnya OR чечн*) AND (gay OR lgbt* OR гей*)"
    want = sorted(expected(rows, query), reverse=True)  # ids grow with time
    before = matches(path, "chechnya")
    with opened(path, read_only=True) as con:
        some = preview_matches(con, query, limit=3, window_days=1)
        every = preview_matches(con, query, limit=1000)
    assert [m.article_id for m in some.matches] == want[:3] and not some.complete
    assert [m.article_id for m in every.matches] == want and every.complete
    assert all(m.matched_terms and m.snippet for m in every.matches)
    assert matches(path, "chechnya") == before


def make_cli() -> click.Group:
    @click.group()
    @click.option("--config", "config_path")
    @click.pass_context
    def cli(ctx: click.Context, config_path: str) -> None:
        ctx.obj = AppContext(config_path=config_path)

    topics_cli.register(cli)
    return cli


def test_topics_commands(stocked) -> None:
    path, rows = stocked
    query = "(chechnya OR чечн*) AND (gay OR lgbt* OR гей*)"
    config = write_config(path.parent, {"chechnya": query, "elections": "election AND fraud"})
    runner, cli = CliRunner(), make_cli()

    listed = runner.invoke(cli, ["--config", str(config), "topics", "list"])
    assert listed.exit_code == 0, listed.output
    n_old = len(expected(rows, "chechnya AND gay"))
    assert any(
        line.startswith("chechnya") and line.endswith(f" {n_old}")
        for line in listed.output.splitlines()
    )

    tested = runner.invoke(cli, ["--config", str(config), "topics", "test", query, "--limit", "2"])
    assert tested.exit_code == 0, tested.output
    newest = max(expected(rows, query))
    assert f"Story {newest} " in tested.output and "the newest 2 match(es)" in tested.output
    assert len(matches(path, "chechnya")) == n_old  # nothing stored

    redone = runner.invoke(cli, ["--config", str(config), "topics", "rematch", "chechnya"])
    assert redone.exit_code == 0, redone.output
    assert set(matches(path, "chechnya")) == expected(rows, query)
    assert f"chechnya: {len(expected(rows, query))} match(es) in 60 articles" in redone.output


def test_topics_test_explains_a_bad_query(stocked) -> None:
    path, _ = stocked
    config = write_config(path.parent, {"chechnya": "chechnya"})
    result = CliRunner().invoke(
        make_cli(), ["--config", str(config), "topics", "test", "gay AND (x"]
    )
    assert result.exit_code != 0
    message = str(result.exception)
    assert "query error at column" in message and "^" in message.splitlines()[-1]


def test_rematch_stores_the_forms_as_written(stocked) -> None:
    path, rows = stocked
    with opened(path) as con:
        rematch_topic(con, "chechnya", "чечня AND гей", workers=1, now=NOW)
        stored = con.execute(
            "SELECT article_id, matched_terms, matched_forms FROM topic_matches"
            " WHERE topic = 'chechnya'"
        ).fetchall()
    assert stored and {aid for aid, _, _ in stored} == expected(rows, "чечня AND гей")
    for _, terms, forms in stored:
        assert terms == ["чечня", "гей"]
        assert [(f["surface"], f["normal"]) for f in forms] == [("чечне", "чечня"), ("геи", "гей")]
