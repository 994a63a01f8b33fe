"""Where each backfill source stands: the resume point of every WARC file or archive query.

A progress row is written in the same transaction as the articles it covers
(``Batch.progress``), so after a kill -9 the next backfill starts exactly after the last
committed record: nothing is extracted twice and nothing is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from warehouse.connection import opened


@dataclass(frozen=True)
class Progress:
    source: str
    item: str
    position: int
    records: int
    articles: int
    status: str  # running | done | failed
    detail: str | None = None
    run_id: int | None = None
    updated_at: datetime | None = None

    def row(self, now: datetime) -> tuple:
        return (
            self.source, self.item, self.position, self.records, self.articles, self.status,
            self.detail, self.run_id, now,
        )  # fmt: skip


def save_progress(con: duckdb.DuckDBPyConnection, rows: list[tuple]) -> None:
    """Upsert progress rows (``Progress.row``) inside the caller's transaction."""
    con.executemany(
        "INSERT INTO backfill_progress (source, item, position, records, articles, status,"
        " detail, run_id, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (source, item) DO UPDATE SET position = excluded.position,"
        " records = excluded.records, articles = excluded.articles, status = excluded.status,"
        " detail = excluded.detail, run_id = excluded.run_id, updated_at = excluded.updated_at",
        rows,
    )


def load_progress(path: Path, source: str, timeout_s: float) -> dict[str, Progress]:
    """Every item of one source already started, by item."""
    with opened(path, timeout_s=timeout_s) as con:
        rows = con.execute(
            "SELECT source, item, position, records, articles, status, detail, run_id,"
            " updated_at FROM backfill_progress WHERE source = ?",
            [source],
        ).fetchall()
    return {row[1]: Progress(*row) for row in rows}


def backfill_summary(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Articles per source, for ``mediawatch backfill status`` and the README."""
    return con.execute(
        "SELECT coalesce(source, 'live') AS source, count(*) AS articles,"
        " min(published_at) AS first_published, max(published_at) AS last_published"
        " FROM articles GROUP BY ALL ORDER BY articles DESC"
    ).fetchall()
