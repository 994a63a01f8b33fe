"""Crawl-run bookkeeping: one ``crawl_runs`` row per run, one ``crawl_run_outlets`` row per outlet."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from warehouse.connection import transaction


@dataclass
class OutletRunStats:
    """Counters one outlet accumulates during a run (the basis of outlet health)."""

    discovered: int = 0
    fetched: int = 0
    new: int = 0
    duplicate: int = 0
    failed: int = 0
    not_modified: int = 0
    bytes: int = 0
    newest_published_at: datetime | None = None
    failures_by_reason: dict[str, int] = field(default_factory=dict)
    # listings (feeds, sitemaps, indexes, index pages) read, how many of them listed
    # nothing, and guessed locations (robots.txt, usual sitemap paths) that do not exist:
    # an outlet with nothing new is empty or absent, not failed
    listings_read: int = 0
    listings_empty: int = 0
    listings_absent: int = 0
    # new articles by how they were found (feed, sitemap, homepage): the crawl's progress
    # lines, one per discovery mode (not stored)
    new_by_via: dict[str, int] = field(default_factory=dict)

    def fail(self, reason: str) -> None:
        self.failed += 1
        self.failures_by_reason[reason] = self.failures_by_reason.get(reason, 0) + 1

    def saw_published(self, when: datetime | None) -> None:
        if when and (self.newest_published_at is None or when > self.newest_published_at):
            self.newest_published_at = when


def start_run(
    con: duckdb.DuckDBPyConnection, outlets: list[str], trigger: str, pid: int | None = None
) -> int:
    with transaction(con):
        row = con.execute(
            "INSERT INTO crawl_runs (started_at, status, trigger, outlets, pid)"
            " VALUES (?, 'running', ?, ?, ?) RETURNING id",
            [datetime.now(UTC), trigger, outlets, pid],
        ).fetchall()
    return int(row[0][0])


def finish_run(
    con: duckdb.DuckDBPyConnection, run_id: int, status: str, error: str | None = None
) -> None:
    with transaction(con):
        con.execute(
            "UPDATE crawl_runs SET finished_at = ?, status = ?, error = ? WHERE id = ?",
            [datetime.now(UTC), status, error, run_id],
        )


def record_outlet_stats(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    stats: dict[str, OutletRunStats],
    seconds: float,
) -> None:
    rows = [
        (
            run_id, name, s.discovered, s.fetched, s.new, s.duplicate, s.failed,
            s.not_modified, s.bytes, seconds, s.newest_published_at,
            json.dumps(s.failures_by_reason, sort_keys=True),
            s.listings_read, s.listings_empty, s.listings_absent,
        )
        for name, s in stats.items()
    ]  # fmt: skip
    with transaction(con):
        con.executemany(
            "INSERT OR REPLACE INTO crawl_run_outlets (run_id, outlet, discovered, fetched, new,"
            " duplicate, failed, not_modified, bytes, seconds, newest_published_at,"
            " failures_by_reason, listings_read, listings_empty, listings_absent)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def measure_resources() -> dict[str, float]:
    """CPU and peak memory of this (crawl) process and of its reaped children (the workers)."""
    import resource

    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "cpu_crawl_s": me.ru_utime + me.ru_stime,
        "cpu_extract_s": kids.ru_utime + kids.ru_stime,
        "peak_rss_mb": me.ru_maxrss / 1024,
        "extract_peak_rss_mb": kids.ru_maxrss / 1024,
    }


def record_resources(con: duckdb.DuckDBPyConnection, run_id: int, usage: dict[str, float]) -> None:
    with transaction(con):
        con.execute(
            "UPDATE crawl_runs SET cpu_crawl_s = ?, cpu_extract_s = ?, peak_rss_mb = ?,"
            " extract_peak_rss_mb = ? WHERE id = ?",
            [usage["cpu_crawl_s"], usage["cpu_extract_s"], usage["peak_rss_mb"],
             usage["extract_peak_rss_mb"], run_id],
        )  # fmt: skip


def run_summary(con: duckdb.DuckDBPyConnection, run_id: int) -> list[tuple]:
    return con.execute(
        "SELECT outlet, discovered, fetched, new, duplicate, failed, not_modified"
        " FROM crawl_run_outlets WHERE run_id = ? ORDER BY outlet",
        [run_id],
    ).fetchall()


def broken_outlets(con: duckdb.DuckDBPyConnection, run_id: int) -> list[str]:
    """Outlets of a run that really failed, not merely had nothing new.

    Failed: something went wrong (a recorded failure) and the outlet gave nothing, that is
    no article was fetched although some were found, or no listing, index page or 304
    answered at all. An outlet whose listings were read but empty, or whose guessed
    locations (robots.txt, usual sitemap paths) do not exist, did not fail.
    """
    rows = con.execute(
        "SELECT outlet FROM crawl_run_outlets WHERE run_id = ? AND failed > 0 AND fetched = 0"
        " AND (discovered > 0 OR (coalesce(listings_read, 0) = 0 AND not_modified = 0))"
        " ORDER BY outlet",
        [run_id],
    ).fetchall()
    return [r[0] for r in rows]


def recrawl_changes(con: duckdb.DuckDBPyConnection, run_id: int) -> dict[str, tuple[int, int]]:
    """Per outlet of a re-crawl run: (articles edited, articles gone) while it ran.

    The run held its outlets' crawl locks, so every version row and deletion of those
    outlets stamped inside its time window is its own."""
    rows = con.execute(
        """
        WITH run AS (
            SELECT started_at, coalesce(finished_at, now()) AS finished_at, outlets
            FROM crawl_runs WHERE id = $run
        ),
        edited AS (
            SELECT a.outlet, count(DISTINCT v.article_id) AS n
            FROM article_versions v JOIN articles a ON a.id = v.article_id, run
            WHERE v.seen_at BETWEEN run.started_at AND run.finished_at
              AND list_contains(run.outlets, a.outlet)
            GROUP BY a.outlet
        ),
        gone AS (
            SELECT a.outlet, count(*) AS n FROM articles a, run
            WHERE a.deleted_at BETWEEN run.started_at AND run.finished_at
              AND list_contains(run.outlets, a.outlet)
            GROUP BY a.outlet
        )
        SELECT outlet, coalesce(edited.n, 0), coalesce(gone.n, 0)
        FROM edited FULL JOIN gone USING (outlet)
        """,
        {"run": run_id},
    ).fetchall()
    return {r[0]: (int(r[1]), int(r[2])) for r in rows}


def failure_reasons(con: duckdb.DuckDBPyConnection, run_id: int) -> dict[str, int]:
    """How often each ``fetch_failures.reason`` occurred in a run."""
    rows = con.execute(
        "SELECT reason, count(*) FROM fetch_failures WHERE run_id = ? GROUP BY reason",
        [run_id],
    ).fetchall()
    return {str(r): int(n) for r, n in rows}


def first_failures(con: duckdb.DuckDBPyConnection, run_id: int, limit: int) -> list[tuple]:
    """(outlet, detail) of a run's first failures, for a one-line summary."""
    return con.execute(
        "SELECT outlet, detail FROM fetch_failures WHERE run_id = ? ORDER BY failed_at LIMIT ?",
        [run_id, limit],
    ).fetchall()
