"""``mediawatch sql`` is bounded: memory, temp files, time, rows, one statement, Ctrl-C.

Every case runs the installed console script in a subprocess against a real warehouse
file, as a user would; the limits come from ``[warehouse] sql_*`` in its config.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
import tomli_w

from tests.hostile.harness import MemoryWatch
from warehouse.connection import opened
from warehouse.migrate import migrate

MEDIAWATCH = shutil.which("mediawatch", path=str(Path(sys.executable).parent)) or "mediawatch"
ENDLESS = "SELECT count(*) FROM range(10000000000000)"
BIG_DISTINCT = (
    "SELECT count(DISTINCT x) FROM (SELECT (random() * 1e12)::BIGINT AS x FROM range(300000000))"
)


def _config(tmp_path: Path, **sql: object) -> Path:
    warehouse = tmp_path / "warehouse.duckdb"
    if not warehouse.exists():
        with opened(warehouse) as con:
            migrate(con)
    path = tmp_path / "mediawatch.toml"
    data = {"warehouse": {"path": str(warehouse), "lock_timeout_s": 5.0, **sql}}
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def _sql(config: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MEDIAWATCH, "--config", str(config), "sql", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    lines = proc.stderr.strip().splitlines()
    assert "Traceback" not in proc.stderr, proc.stderr
    assert lines and lines[0].startswith("error: "), proc.stderr
    assert len([ln for ln in lines if not ln.startswith("hint: ")]) == 1, proc.stderr
    return lines[0]


@pytest.mark.parametrize("query", ["", "  ", ";", " ; ;", "/* only a comment */"])
def test_empty_sql_is_one_line_error(tmp_path: Path, query: str) -> None:
    proc = _sql(_config(tmp_path), query)
    assert proc.returncode == 1
    assert "no SQL statement" in _one_error_line(proc)


def test_several_statements_are_refused_not_half_shown(tmp_path: Path) -> None:
    proc = _sql(_config(tmp_path), "SELECT 1 AS a; SELECT 2 AS b")
    assert proc.returncode == 1
    assert "2 statements" in _one_error_line(proc)
    assert proc.stdout == ""
    assert _sql(_config(tmp_path), "SELECT 2 AS b;").returncode == 0  # one, with its ';'


def test_a_query_past_its_time_limit_is_stopped_and_releases_the_warehouse(
    tmp_path: Path,
) -> None:
    config = _config(tmp_path, sql_time_limit_s=2)
    started = time.monotonic()
    proc = _sql(config, ENDLESS)
    assert proc.returncode == 1
    assert "longer than 2 s" in _one_error_line(proc)
    assert time.monotonic() - started < 30  # unbounded before: > 40 s, and for ever


def test_no_reader_holds_the_warehouse_longer_than_its_time_limit(tmp_path: Path) -> None:
    """A writer that must wait for a runaway reader gets the file once the limit is up."""
    config = _config(tmp_path, sql_time_limit_s=3)
    reader = subprocess.Popen(
        [MEDIAWATCH, "--config", str(config), "sql", ENDLESS],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(1.5)  # the reader has the file open
        started = time.monotonic()
        with opened(tmp_path / "warehouse.duckdb", timeout_s=60) as con:
            con.execute("CREATE TABLE writer_was_here (x INTEGER)")
        waited = time.monotonic() - started
    finally:
        reader.wait(30)
    assert reader.returncode == 1, reader.stderr
    assert waited < 20, waited


def test_memory_and_temp_space_are_capped(tmp_path: Path) -> None:
    config = _config(tmp_path, sql_memory_mb=64, sql_temp_mb=16)
    with MemoryWatch() as memory:
        proc = _sql(config, BIG_DISTINCT, timeout=120)
    assert proc.returncode == 1
    assert "sql_memory_mb" in proc.stderr and "64 MB" in _one_error_line(proc)
    # DuckDB's cap plus Python and the library; the uncapped query reached 4.1 GB
    assert memory.max_rss < 400 * 2**20, memory.max_rss // 2**20
    assert not list(tmp_path.glob("**/*.tmp/*")), "spilled temp files were left behind"


def test_rows_are_capped_and_the_cap_is_said(tmp_path: Path) -> None:
    proc = _sql(
        _config(tmp_path, sql_max_rows=5), "SELECT * FROM range(1000000)", "--format", "csv"
    )
    assert proc.returncode == 0
    assert len(proc.stdout.strip().splitlines()) == 1 + 5  # the header and five rows
    assert "only the first 5 rows" in proc.stderr


def test_ctrl_c_stops_the_query_with_one_line_and_exit_130(tmp_path: Path) -> None:
    config = _config(tmp_path)
    proc = subprocess.Popen(
        [MEDIAWATCH, "--config", str(config), "sql", ENDLESS],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    time.sleep(2.5)
    os.killpg(proc.pid, signal.SIGINT)  # a terminal's Ctrl-C: the whole process group
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert err.strip() == "interrupted", err
    # and the warehouse is free at once
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.close()
