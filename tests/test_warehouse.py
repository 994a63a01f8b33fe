"""Warehouse: numbered migrations in transactions, idempotent batches, readers that wait for writers."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from mediawatch.errors import WarehouseBusy
from warehouse.connection import connect, opened, transaction, write_limited, writer_limits
from warehouse.migrate import Migration, available, migrate
from warehouse.query import QueryRefused, run_user_sql
from warehouse.store import Batch, write_batch


def article_row(aid: int, outlet: str = "A", story: int | None = None, hour: int = 12) -> dict:
    now = datetime(2026, 11, 20, hour, tzinfo=UTC)
    return {
        "id": aid, "url": f"http://a.test/{aid}", "canonical_url": f"http://a.test/{aid}",
        "outlet": outlet, "title": f"Title {aid}", "authors": ["Jane Roe"], "published_at": now,
        "published_source": "json-ld", "published_precision": "second",
        "published_offset_minutes": 0, "modified_at": None, "modified_source": None,
        "first_seen_at": now, "last_fetched_at": now, "language": "en", "description": None,
        "section": None, "tags": [], "image_url": None, "site_name": None, "paywalled": False,
        "text": "Some words here", "word_count": 3, "content_hash": f"h{aid}", "minhash": None,
        "story_id": story or aid, "discovered_via": "feed", "field_sources": "{}",
        "date_flags": [], "run_id": None,
    }  # fmt: skip


def test_migrations_are_numbered_recorded_and_idempotent(tmp_path: Path) -> None:
    versions = [m.version for m in available()]
    assert versions == sorted(versions) and versions[0] == 1
    with opened(tmp_path / "w.duckdb") as con:
        assert [m.version for m in migrate(con)] == versions
        assert migrate(con) == []
        recorded = [r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()]
    assert recorded == versions


def test_failed_migration_leaves_nothing_behind(tmp_path: Path, monkeypatch) -> None:
    import warehouse.migrate as mig

    bad = Migration(999, "broken", "CREATE TABLE half_done (a INTEGER);\nCREATE TABLE oops (;\n")
    monkeypatch.setattr(mig, "available", lambda: [*available(), bad])
    with opened(tmp_path / "w.duckdb") as con:
        with pytest.raises(duckdb.Error):
            mig.migrate(con)
        tables = {
            r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }
        assert "articles" in tables and "half_done" not in tables
        assert 999 not in {
            r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()
        }


def test_batches_never_store_an_article_twice(warehouse: Path) -> None:
    batch = Batch(
        articles=[article_row(1, hour=14), article_row(2, "B", story=1, hour=9)], stories={1}
    )
    with opened(warehouse) as con:
        write_batch(con, batch)
        write_batch(con, batch)  # replayed after a crash: no duplicates
        assert con.execute("SELECT count(*) FROM articles").fetchall() == [(2,)]
        story = con.execute("SELECT n_articles, n_outlets, origin_outlet FROM stories").fetchall()
    assert story == [(2, 2, "B")]  # the origin is the earliest published copy


def test_reader_waits_for_a_short_writer(warehouse: Path) -> None:
    script = textwrap.dedent(
        f"""
        import duckdb, time
        con = duckdb.connect({str(warehouse)!r})
        print("locked", flush=True)
        time.sleep(1.5)
        con.close()
        """
    )
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "locked"
    started = time.monotonic()
    result = run_user_sql(warehouse, "SELECT count(*) FROM articles", timeout_s=20)
    assert result.rows == [(0,)]
    assert time.monotonic() - started >= 0.5  # it really waited for the writer
    holder.wait(10)


def test_a_write_that_runs_out_of_memory_is_rolled_back_and_retried_with_more(
    warehouse: Path, caplog
) -> None:
    """The writer's memory cap keeps crawls flat; it must not cost a batch."""
    assert writer_limits(1000)["memory_limit"] == "32MB"
    assert writer_limits(1000, attempt=2)["memory_limit"] == "128MB"
    attempts = []

    def work(con: duckdb.DuckDBPyConnection) -> int:
        attempts.append(con.execute("SELECT current_setting('memory_limit')").fetchone()[0])  # type: ignore[index]  # the query returns one row
        with transaction(con):
            con.execute("INSERT INTO outlets (name, homepage) VALUES ('X', 'http://x.test/')")
            # a 3M-element list cannot spill to disk: needs more than 32 MB
            return con.execute("SELECT len(list(range)) FROM range(3000000)").fetchone()[0]  # type: ignore[index]  # the query returns one row

    assert write_limited(warehouse, 1000, work) == 3_000_000
    assert len(attempts) == 2 and attempts[0] != attempts[1]
    assert "ran out of memory" in caplog.text
    with opened(warehouse, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM outlets").fetchone()[0] == 1  # type: ignore[index]  # the query returns one row


def test_lock_held_too_long_is_a_transient_error(warehouse: Path) -> None:
    script = f"import duckdb, time\ncon = duckdb.connect({str(warehouse)!r})\nprint('locked', flush=True)\ntime.sleep(5)\n"
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(WarehouseBusy, match="stayed locked"):
            connect(warehouse, read_only=True, timeout_s=0.5)
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize(
    "sql",
    [
        "COPY articles TO '/tmp/mediawatch-test-x.csv'",
        "SELECT * FROM read_text('/etc/passwd')",
        "INSTALL fts",
        "DELETE FROM articles",
        "CREATE TABLE x (a INTEGER)",
        "ATTACH '/tmp/mediawatch-other.duckdb' AS other",
        "SET enable_external_access = true",
    ],
)
def test_user_sql_cannot_write_read_files_or_load_extensions(warehouse: Path, sql: str) -> None:
    with pytest.raises(QueryRefused) as err:
        run_user_sql(warehouse, sql)
    assert str(err.value).startswith("refused")
    assert not Path("/tmp/mediawatch-test-x.csv").exists()


def test_an_outlet_failed_only_when_it_had_a_failure_and_gave_nothing(warehouse: Path) -> None:
    """Empty and absent listings are not failures (issue 25); nor is a failure beside a
    listing that answered; articles found and none fetched, or nothing answered, is."""
    from warehouse.runs import OutletRunStats, broken_outlets, record_outlet_stats

    stats = OutletRunStats
    cases = {
        "empty": stats(listings_read=2, listings_empty=2),
        "absent": stats(listings_read=1, listings_absent=17),
        "read-and-a-cycle": stats(listings_read=3, failed=1),
        "unchanged-and-a-timeout": stats(not_modified=1, failed=1),
        "nothing-answered": stats(failed=2),
        "articles-all-failed": stats(listings_read=1, discovered=4, failed=4),
        "some-fetched": stats(listings_read=1, discovered=4, fetched=1, failed=3),
    }
    with opened(warehouse) as con:
        record_outlet_stats(con, 1, cases, 1.0)
        assert broken_outlets(con, 1) == ["articles-all-failed", "nothing-answered"]
        assert con.execute(
            "SELECT listings_read, listings_empty, listings_absent FROM crawl_run_outlets"
            " WHERE outlet = 'absent'"
        ).fetchall() == [(1, 0, 17)]
