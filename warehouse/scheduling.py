"""What the scheduler reads and writes: run history per outlet, stale runs, scheduler events.

The scheduler decides (catch-up, adaptive polling, status); this module only knows where
those facts live in ``crawl_runs``, ``crawl_run_outlets`` and ``scheduler_events``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import duckdb

from warehouse.connection import transaction

EventRow = tuple[datetime, str, str, str | None]  # (event_at, job, event, detail)


def last_started(
    con: duckdb.DuckDBPyConnection, outlets: Sequence[str], recrawl: bool
) -> dict[str, datetime]:
    """Per outlet, when its last crawl (``recrawl=False``) or re-crawl started (UTC)."""
    rows = con.execute(
        "SELECT o, max(started_at) FROM"
        " (SELECT unnest(outlets) AS o, started_at FROM crawl_runs"
        "  WHERE (trigger = 'recrawl') = ?)"
        " WHERE o = ANY(?) GROUP BY o",
        [recrawl, list(outlets)],
    ).fetchall()
    return {name: at.astimezone(UTC) for name, at in rows}


def running_runs(con: duckdb.DuckDBPyConnection) -> list[tuple[int, int | None]]:
    """(run id, pid) of every run still marked 'running'."""
    return con.execute("SELECT id, pid FROM crawl_runs WHERE status = 'running'").fetchall()


def mark_interrupted(
    con: duckdb.DuckDBPyConnection, runs: Sequence[tuple[int, str]], at: datetime
) -> None:
    """Close each (run id, reason) as 'interrupted', in one transaction."""
    with transaction(con):
        for run_id, error in runs:
            con.execute(
                "UPDATE crawl_runs SET status = 'interrupted', finished_at = ?, error = ?"
                " WHERE id = ?",
                [at, error, run_id],
            )


def recent_outlet_runs(
    con: duckdb.DuckDBPyConnection, outlets: Sequence[str]
) -> list[tuple[str, datetime, int]]:
    """(outlet, started_at, new articles) of finished scheduled crawls, newest first.

    Re-crawls and failed runs are left out: they say nothing about how often an outlet
    publishes.
    """
    return con.execute(
        """
        SELECT o.outlet, r.started_at, o.new
        FROM crawl_run_outlets o JOIN crawl_runs r ON r.id = o.run_id
        WHERE o.outlet IN (SELECT unnest(?::VARCHAR[])) AND r.trigger <> 'recrawl'
          AND r.status IN ('ok', 'partial')
        ORDER BY r.started_at DESC
        """,
        [list(outlets)],
    ).fetchall()


def recent_runs(
    con: duckdb.DuckDBPyConnection, limit: int
) -> list[tuple[int, datetime, str, str, float | None, str | None]]:
    """The latest runs, newest first: (id, started_at, status, trigger, seconds, error)."""
    return con.execute(
        "SELECT id, started_at, status, trigger,"
        " round(epoch(finished_at - started_at), 1) AS seconds, error"
        " FROM crawl_runs ORDER BY id DESC LIMIT ?",
        [limit],
    ).fetchall()


def insert_events(con: duckdb.DuckDBPyConnection, rows: Sequence[EventRow]) -> None:
    with transaction(con):
        con.executemany(
            "INSERT INTO scheduler_events (event_at, job, event, detail) VALUES (?, ?, ?, ?)",
            list(rows),
        )


def recent_events(
    con: duckdb.DuckDBPyConnection, limit: int, kinds: Sequence[str] | None = None
) -> list[EventRow]:
    """The latest scheduler events, newest first; only those of ``kinds`` if given."""
    where = "WHERE list_contains($kinds, event)" if kinds is not None else ""
    params: dict[str, object] = {"limit": limit}
    if kinds is not None:
        params["kinds"] = list(kinds)
    return con.execute(
        f"SELECT event_at, job, event, detail FROM scheduler_events {where}"
        " ORDER BY event_at DESC LIMIT $limit",
        params,
    ).fetchall()
