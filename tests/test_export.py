"""Export: day-partitioned Parquet/CSV that DuckDB and pyarrow read back whole."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import click
import duckdb
import pyarrow.dataset as ds
import pytest
from click.testing import CliRunner
from test_trends import insert, write_config

from mediawatch.cli import export as export_cli
from mediawatch.cli.common import AppContext
from mediawatch.errors import TerminalError
from warehouse.export import export_warehouse

START = datetime(2026, 2, 27, 22, tzinfo=UTC)


@pytest.fixture
def filled(warehouse: Path) -> tuple[Path, Counter]:
    """40 articles 5 hours apart (crossing UTC midnights), half matched by topic 'a'."""
    articles = [
        {
            "id": i,
            "outlet": f"o{i % 3}",
            "title": f"It's title {i}",  # a quote, to survive CSV
            "text": f"text, with comma {i}",
            "published_at": START + timedelta(hours=5 * i) if i % 4 else None,
            "first_seen_at": START + timedelta(hours=5 * i),
            "language": "en",
            "story_id": i,
        }
        for i in range(1, 41)
    ]
    insert(warehouse, articles, [("a", i, ["t", "u"]) for i in range(1, 41, 2)])
    per_day = Counter((START + timedelta(hours=5 * i)).date() for i in range(1, 41))
    return warehouse, per_day


def test_parquet_round_trip_with_duckdb_and_pyarrow(filled, tmp_path: Path) -> None:
    path, per_day = filled
    out = tmp_path / "export"
    result = export_warehouse(path, out)
    assert (result.articles, result.matches, result.days) == (40, 20, len(per_day))
    con = duckdb.connect()
    rows = con.execute(
        f"SELECT day, count(*) FROM read_parquet('{out}/articles/*/*.parquet',"
        " hive_partitioning=true) GROUP BY day"
    ).fetchall()
    assert {date.fromisoformat(str(d)): n for d, n in rows} == dict(per_day)
    back = con.execute(
        f"SELECT id, title, authors, published_at FROM read_parquet('{out}/articles/*/*.parquet',"
        " hive_partitioning=true) WHERE id = 5"
    ).fetchall()
    assert back[0][1] == "It's title 5" and back[0][3] == START + timedelta(hours=25)
    terms = con.execute(
        f"SELECT count(*), min(matched_terms) FROM read_parquet('{out}/topic_matches/*/*.parquet',"
        " hive_partitioning=true)"
    ).fetchall()
    assert terms == [(20, ["t", "u"])]
    table = ds.dataset(out / "articles", format="parquet", partitioning="hive").to_table()
    assert table.num_rows == 40 and "day" in table.column_names
    assert {p.name for p in (out / "articles").iterdir()} == {f"day={d}" for d in per_day}


def test_csv_and_since(filled, tmp_path: Path) -> None:
    path, per_day = filled
    since = sorted(per_day)[3]
    out = tmp_path / "csv"
    result = export_warehouse(path, out, fmt="csv", since=since)
    want = sum(n for d, n in per_day.items() if d >= since)
    assert result.articles == want
    rows = (
        duckdb.connect()
        .execute(
            f"SELECT count(*), min(day), max(title) FROM read_csv('{out}/articles/*/*.csv',"
            " hive_partitioning=true)"
        )
        .fetchall()
    )
    assert rows[0][0] == want and str(rows[0][1]) == since.isoformat()
    assert rows[0][2].startswith("It's title")


def test_refuses_a_non_empty_folder_unless_overwrite(filled, tmp_path: Path) -> None:
    path, _ = filled
    out = tmp_path / "busy"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(TerminalError, match="not empty"):
        export_warehouse(path, out)
    assert not (out / "articles").exists()
    export_warehouse(path, out, overwrite=True)
    second = export_warehouse(path, out, overwrite=True)  # replaces, does not duplicate
    assert second.files == len(list(out.rglob("*.parquet")))
    n = (
        duckdb.connect()
        .execute(f"SELECT count(*) FROM read_parquet('{out}/articles/*/*.parquet')")
        .fetchall()[0][0]
    )
    assert n == 40 and (out / "keep.txt").read_text() == "mine"


def test_export_command(filled, tmp_path: Path) -> None:
    path, _ = filled
    config = write_config(path.parent, {"a": "t"})

    @click.group()
    @click.option("--config", "config_path")
    @click.pass_context
    def cli(ctx: click.Context, config_path: str) -> None:
        ctx.obj = AppContext(config_path=config_path)

    export_cli.register(cli)
    out = tmp_path / "cli-out"
    runner = CliRunner()
    ok = runner.invoke(cli, ["--config", str(config), "export", "--format", "parquet", str(out)])
    assert ok.exit_code == 0, ok.output
    assert "wrote 40 article(s) and 20 topic match(es)" in ok.output
    again = runner.invoke(cli, ["--config", str(config), "export", str(out)])
    assert again.exit_code != 0 and "not empty" in str(again.exception)
    since = runner.invoke(
        cli, ["--config", str(config), "export", "--since", "2026-03-05", "--overwrite", str(out)]
    )
    assert since.exit_code == 0, since.output
    assert "wrote 0 article(s)" not in since.output
