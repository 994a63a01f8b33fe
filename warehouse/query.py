"""User SQL: read-only, sandboxed, and waiting briefly for a writer instead of failing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from mediawatch.errors import MediawatchError, TerminalError
from warehouse.connection import opened


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple]


class QueryRefused(TerminalError):
    """The SQL tried to write, read files or load extensions."""


def run_user_sql(path: Path, sql: str, timeout_s: float = 30.0) -> QueryResult:
    """Run one statement on a read-only connection that cannot touch files or extensions."""
    with opened(path, read_only=True, timeout_s=timeout_s, sandboxed=True) as con:
        try:
            cursor = con.execute(sql)
            if cursor.description is None:
                return QueryResult([], [])
            columns = [d[0] for d in cursor.description]
            return QueryResult(columns, cursor.fetchall())
        except duckdb.PermissionException as exc:
            raise QueryRefused(
                f"refused: {_first_line(exc)}",
                hint="mediawatch sql only reads the warehouse; use 'mediawatch export' to write files",
            ) from None
        except duckdb.InvalidInputException as exc:
            if "configuration has been locked" in str(exc):
                raise QueryRefused(
                    "refused: settings cannot be changed from mediawatch sql"
                ) from None
            if "read-only" in str(exc):
                raise QueryRefused(
                    "refused: the warehouse is opened read-only for SQL; statements that change it are not allowed",
                ) from None
            raise MediawatchError(f"SQL error: {exc}") from None
        except duckdb.Error as exc:
            raise MediawatchError(
                f"SQL error: {str(exc).strip()}",
                hint='list tables with: mediawatch sql "SHOW TABLES"',
            ) from None


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]
