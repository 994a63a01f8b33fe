"""User SQL: read-only, sandboxed, bounded, and waiting briefly for a writer instead of failing.

A reader holds the warehouse file for as long as its query runs, and a writer (a crawl)
cannot open it meanwhile; DuckDB itself would let one query use 80 % of the machine's
memory, spill up to 90 % of the disk, and run for ever. So every query gets a memory
cap, a cap on spilled temp files, a time limit and a row limit (``[warehouse] sql_*``),
runs on a thread of its own, and is stopped with DuckDB's ``interrupt()`` when its time
is up or the user presses Ctrl-C: the connection is closed at once in both cases.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from mediawatch.errors import MediawatchError, TerminalError
from warehouse.connection import opened

# after interrupt(), how long the query thread may take to notice before we stop waiting
_STOP_GRACE_S = 5.0


@dataclass(frozen=True)
class SqlLimits:
    memory_mb: int = 1024
    temp_mb: int = 2048
    time_limit_s: float = 60.0
    max_rows: int = 100_000

    @classmethod
    def from_config(cls, warehouse: Any) -> SqlLimits:
        """From ``[warehouse]`` (``mediawatch.config.WarehouseConfig``)."""
        return cls(
            warehouse.sql_memory_mb,
            warehouse.sql_temp_mb,
            warehouse.sql_time_limit_s,
            warehouse.sql_max_rows,
        )

    def settings(self) -> dict[str, object]:
        """DuckDB settings; the sandbox locks them, so the query cannot raise them."""
        return {
            "memory_limit": f"{self.memory_mb}MB",
            "max_temp_directory_size": f"{self.temp_mb}MB",
        }


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple]
    truncated: bool = False  # more rows than ``max_rows``; only the first ones are here


class QueryRefused(TerminalError):
    """The SQL tried to write, read files or load extensions."""


class QueryTooLong(TerminalError):
    """The query ran past its time limit and was stopped."""


def one_statement(sql: str) -> str:
    """The single statement in ``sql``; none (``""``, ``";"``) or several are refused.

    DuckDB would run every statement of ``a; b`` and return only the last result, so
    the user would see one answer to several questions.
    """
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise MediawatchError(f"SQL error: {_first_line(exc)}") from None
    if not statements:
        raise TerminalError(
            "no SQL statement given",
            hint='for example: mediawatch sql "SELECT count(*) FROM articles"',
        )
    if len(statements) > 1:
        raise TerminalError(
            f"{len(statements)} statements given; mediawatch sql runs one at a time",
            hint="run each statement with its own mediawatch sql",
        )
    return sql


def run_user_sql(
    path: Path, sql: str, timeout_s: float = 30.0, limits: SqlLimits | None = None
) -> QueryResult:
    """Run one statement on a read-only connection that cannot touch files or extensions.

    ``timeout_s`` is how long to wait for a writer's lock; ``limits`` bound the query.
    Ctrl-C stops the query and is raised again as ``KeyboardInterrupt``.
    """
    limits = limits or SqlLimits()
    sql = one_statement(sql)
    with opened(
        path, read_only=True, timeout_s=timeout_s, sandboxed=True, limits=limits.settings()
    ) as con:
        return _bounded(con, sql, limits)


def _bounded(con: duckdb.DuckDBPyConnection, sql: str, limits: SqlLimits) -> QueryResult:
    """The query on its own thread; this thread waits, and interrupts it on time-out or Ctrl-C."""
    outcome: dict[str, Any] = {}
    # An Event, not Thread.join: a join interrupted by Ctrl-C may report the thread as
    # finished while it still runs (CPython), and the connection would be closed under it.
    done = threading.Event()

    def work() -> None:
        try:
            outcome["result"] = _fetch(con, sql, limits.max_rows)
        except BaseException as exc:  # handed to the waiting thread
            outcome["error"] = exc
        finally:
            done.set()

    threading.Thread(target=work, name="mediawatch-sql", daemon=True).start()
    try:
        finished = done.wait(limits.time_limit_s)
    except KeyboardInterrupt:
        _stop(con, done)
        raise
    if not finished:
        _stop(con, done)
        raise QueryTooLong(
            f"the query ran longer than {limits.time_limit_s:g} s and was stopped",
            hint="narrow it (WHERE, LIMIT), or raise [warehouse] sql_time_limit_s",
        )
    if "error" in outcome:
        _raise_as_user_error(outcome["error"], limits)
    return outcome["result"]


def _stop(con: duckdb.DuckDBPyConnection, done: threading.Event) -> None:
    con.interrupt()
    done.wait(_STOP_GRACE_S)


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, max_rows: int) -> QueryResult:
    cursor = con.execute(sql)
    if cursor is None or cursor.description is None:
        return QueryResult([], [])
    columns = [d[0] for d in cursor.description]
    rows = cursor.fetchmany(max_rows + 1)
    truncated = len(rows) > max_rows
    return QueryResult(columns, rows[:max_rows], truncated)


def _raise_as_user_error(exc: BaseException, limits: SqlLimits) -> None:
    if isinstance(exc, duckdb.PermissionException):
        raise QueryRefused(
            f"refused: {_first_line(exc)}",
            hint="mediawatch sql only reads the warehouse; use 'mediawatch export' to write files",
        ) from None
    if isinstance(exc, duckdb.OutOfMemoryException) or (
        isinstance(exc, duckdb.Error) and "temp" in str(exc).lower() and "size" in str(exc).lower()
    ):
        raise TerminalError(
            f"the query needs more than {limits.memory_mb} MB of memory and {limits.temp_mb} MB"
            f" of temporary files: {_first_line(exc)}"[:400],
            hint="narrow it (WHERE, fewer columns), or raise [warehouse] sql_memory_mb / sql_temp_mb",
        ) from None
    if isinstance(exc, duckdb.InvalidInputException):
        if "configuration has been locked" in str(exc):
            raise QueryRefused("refused: settings cannot be changed from mediawatch sql") from None
        if "read-only" in str(exc):
            raise QueryRefused(
                "refused: the warehouse is opened read-only for SQL; statements that change it are not allowed",
            ) from None
        raise MediawatchError(f"SQL error: {exc}") from None
    if isinstance(exc, duckdb.Error):
        raise MediawatchError(
            f"SQL error: {str(exc).strip()}", hint=_unknown_name_hint(exc)
        ) from None
    raise exc


def _unknown_name_hint(exc: duckdb.Error) -> str:
    """Where to look up names, only when the query named a table or column that is not there
    (a syntax error or a type mismatch is not helped by a list of tables)."""
    text = str(exc)
    if isinstance(exc, duckdb.CatalogException) and "does not exist" in text:
        return 'list tables with: mediawatch sql "SHOW TABLES"'
    if isinstance(exc, duckdb.BinderException) and (
        "Referenced column" in text or "does not have a column" in text
    ):
        return 'list a table\'s columns with: mediawatch sql "DESCRIBE articles" (or another table)'
    return ""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
