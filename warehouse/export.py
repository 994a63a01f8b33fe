"""Exporting articles and topic matches as day-partitioned Parquet or CSV for other tools.

The layout is Hive-style (``DIR/articles/day=YYYY-MM-DD/data_0.parquet``), which DuckDB,
pandas/pyarrow and Spark read as one table with a ``day`` column. The day is the UTC date
of coalesce(published_at, first_seen_at), as in the trend views. Export uses a normal
read-only connection: the sandbox of ``mediawatch sql`` forbids writing files.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from mediawatch.errors import TerminalError
from warehouse.connection import opened

__all__ = ["ExportResult", "export_warehouse", "TABLES"]

Format = Literal["parquet", "csv"]
TABLES = ("articles", "topic_matches")
_DAY = "CAST(timezone('UTC', coalesce(a.published_at, a.first_seen_at)) AS DATE)"

# minhash is a binary signature only dedup can use; everything else goes out as stored
_ARTICLE_COLUMNS = (
    "id", "url", "canonical_url", "outlet", "title", "authors", "published_at",
    "published_source", "published_precision", "published_offset_minutes", "modified_at",
    "modified_source", "first_seen_at", "last_fetched_at", "language", "description",
    "section", "tags", "image_url", "site_name", "paywalled", "text", "word_count",
    "content_hash", "story_id", "discovered_via", "field_sources", "date_flags", "run_id",
)  # fmt: skip


@dataclass(frozen=True)
class ExportResult:
    directory: Path
    fmt: Format
    articles: int
    matches: int
    days: int
    files: int
    seconds: float


# List columns. Parquet keeps them as lists; CSV has no list type and DuckDB would write
# ``[a, b]``, which no reader can split back when a name holds a comma: CSV gets JSON arrays
# (``["a","b"]``, README "Export").
_LIST_COLUMNS = frozenset({"authors", "tags", "date_flags", "matched_terms"})


def _column(alias: str, name: str, fmt: Format) -> str:
    if fmt == "csv" and name in _LIST_COLUMNS:
        return f"CAST(to_json({alias}.{name}) AS VARCHAR) AS {name}"
    return f"{alias}.{name}"


def _sources(since: date | None, fmt: Format = "parquet") -> dict[str, str]:
    # ``since`` is a date object, so its ISO form is safe to inline (COPY takes no parameters)
    where = f"WHERE {_DAY} >= DATE '{since.isoformat()}'" if since else ""
    cols = ", ".join(_column("a", c, fmt) for c in _ARTICLE_COLUMNS)
    match_cols = ", ".join(
        _column("m", c, fmt)
        for c in ("topic", "article_id", "matched_terms", "snippet", "matched_at")
    )
    return {
        "articles": f"SELECT {cols}, {_DAY} AS day FROM articles AS a {where}",
        "topic_matches": (
            f"SELECT {match_cols}, {_DAY} AS day"
            f" FROM topic_matches AS m JOIN articles AS a ON a.id = m.article_id {where}"
        ),
    }


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def check_target(directory: Path, overwrite: bool) -> None:
    """Refuse a non-empty folder unless told to overwrite; never write over a file."""
    if directory.exists() and not directory.is_dir():
        raise TerminalError(f"{directory}: exists and is not a folder")
    if directory.is_dir() and any(directory.iterdir()) and not overwrite:
        raise TerminalError(
            f"{directory}: folder is not empty",
            hint="choose an empty or new folder, or pass --overwrite to replace its export",
        )


def export_warehouse(
    path: Path,
    directory: Path,
    *,
    fmt: Format = "parquet",
    since: date | None = None,
    overwrite: bool = False,
    timeout_s: float = 30.0,
) -> ExportResult:
    """Write ``articles`` and ``topic_matches`` under ``directory``, one folder per day.

    With ``overwrite`` only the two table folders are replaced; other files stay.
    """
    if fmt not in ("parquet", "csv"):
        raise TerminalError(f"unknown export format {fmt!r} (use parquet or csv)")
    check_target(directory, overwrite)
    started = time.perf_counter()
    directory.mkdir(parents=True, exist_ok=True)
    for table in TABLES:
        target = directory / table
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    options = "FORMAT parquet, COMPRESSION zstd" if fmt == "parquet" else "FORMAT csv, HEADER true"
    counts: dict[str, int] = {}
    with opened(path, read_only=True, timeout_s=timeout_s) as con:
        con.execute("SET enable_progress_bar = false")  # DuckDB's own bar would go to stdout
        for table, query in _sources(since, fmt).items():
            written = con.execute(
                f"COPY ({query}) TO {_literal(directory / table)} ({options}, PARTITION_BY (day))"
            ).fetchall()
            counts[table] = written[0][0] if written else 0
    files = [p for table in TABLES for p in (directory / table).rglob(f"*.{fmt}")]
    days = {p.parent.name for p in files if p.parent.name.startswith("day=")}
    return ExportResult(
        directory=directory,
        fmt=fmt,
        articles=counts["articles"],
        matches=counts["topic_matches"],
        days=len(days),
        files=len(files),
        seconds=time.perf_counter() - started,
    )
