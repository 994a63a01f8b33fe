"""``mediawatch run`` then ``mediawatch status``, as a user runs them: a first crawl is not a
"missed" warning, normal start and stop events are not listed as trouble, and an outlet
whose pages give only the day has a usual gap, not "0.0 h"."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from test_cli import MEDIAWATCH, no_traceback, run
from test_cli_demo import Watched

TROUBLE = "skipped, failed or missed"


def _events(warehouse: Path) -> list[tuple[str, str]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("SELECT job, event FROM scheduler_events ORDER BY event_at").fetchall()


def test_status_after_a_first_scheduled_crawl(newsroom_server, make_config, tmp_path: Path) -> None:
    # the demo's newsroom: two of its outlets give only the day of publication
    config = make_config(newsroom_server.outlet_config(), crawl={"extract_workers": 2})
    assert config.source is not None
    scheduler = Watched(
        str(MEDIAWATCH), "--config", str(config.source), "run", "--no-digest", cwd=tmp_path
    )
    try:
        scheduler.wait_for(lambda: re.search(r"crawl[^\n]*: finished", scheduler.stderr))
        code = scheduler.ctrl_c()
    finally:
        scheduler.kill()
    assert code == 130, scheduler.stderr
    no_traceback(scheduler.stderr)
    # never crawled: its first crawl is news (INFO), not a missed run (WARNING)
    assert not re.search(r"WARNING.*missed", scheduler.stderr), scheduler.stderr
    assert re.search(r"INFO \[mediawatch.scheduler\] .*: first-crawl \(running once now: ",
                     scheduler.stderr), scheduler.stderr  # fmt: skip
    events = {event for _, event in _events(config.warehouse_path)}
    assert {"first-crawl", "started", "finished", "stopping", "stopped"} <= events
    assert "missed" not in events

    status = run(config.source, "status")
    assert status.returncode == 0, status.stderr
    assert TROUBLE not in status.stdout, status.stdout  # starts and stops are the normal course
    outlets = status.stdout[status.stdout.index("\noutlets\n") :]
    gaps = re.findall(r"\s(\d+\.\d) ([hd])\s", outlets)
    assert len(gaps) == len(config.outlets), outlets
    assert all(float(value) > 0 for value, _ in gaps), outlets

    # an event that needs a look is still listed
    with duckdb.connect(str(config.warehouse_path)) as con:
        con.execute(
            "INSERT INTO scheduler_events VALUES (?, 'crawl every 1h', 'skipped', 'a test')",
            [datetime.now(UTC)],
        )
    status = run(config.source, "status")
    listed = status.stdout[status.stdout.index(TROUBLE) : status.stdout.index("\noutlets\n")]
    assert "skipped" in listed and "a test" in listed
    assert "stopped" not in listed and "first-crawl" not in listed
