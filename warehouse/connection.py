"""Opening the warehouse file: short connections, retried while another process holds the lock."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from mediawatch.errors import TerminalError, WarehouseBusy

log = logging.getLogger(__name__)
T = TypeVar("T")

# Offline, extension downloads can only fail; never let a query try.
_BASE_CONFIG = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}

# Long-running writers (a crawl's writer thread, the distributed loader) open the file for
# every batch. One DuckDB thread leaves the other core to extraction.
WRITER_THREADS = 1
# A writer that waits for readers says so this often (seconds).
PATIENT_NOTICE_S = 30.0


def writer_limits(payload_bytes: int, attempt: int = 1) -> dict[str, object]:
    """Settings for a writer's connection.

    Each open, insert and checkpoint pulls blocks of the file into DuckDB's buffer pool up
    to its limit, and a checkpoint re-reads the table's last row group, so with a loose cap
    a crawl's peak grew with the table: appending 20,000 articles 100 at a time, a writer
    peaked 45 MB higher at the end than at 5,000 under 64 MB, 7 MB higher under 32 MB. The
    insert itself needs memory in proportion to the batch (5,000 articles of 3 KB failed
    under a flat 64 MB): at least 32 MB, ten times the batch's payload. 32 MB still wrote
    100-article batches into a warehouse of 1M articles; 16 MB did not. Each retry after
    running out of memory gets four times more (``write_limited``).
    """
    mb = max(32, 10 * payload_bytes // 2**20 + 1) * 4 ** (attempt - 1)
    return {"memory_limit": f"{mb}MB", "threads": WRITER_THREADS}


def write_limited(
    path: Path,
    payload_bytes: int,
    work: Callable[[duckdb.DuckDBPyConnection], T],
    *,
    timeout_s: float | None = 30.0,
) -> T:
    """Run ``work`` (one transaction) on a writer connection under ``writer_limits``.

    The cap keeps a long crawl's memory flat; it must never lose a batch, so a write that
    runs out of memory is rolled back and tried again with more.
    """
    for attempt in (1, 2, 3):
        try:
            with opened(
                path, timeout_s=timeout_s, limits=writer_limits(payload_bytes, attempt)
            ) as con:
                return work(con)
        except duckdb.OutOfMemoryException:
            if attempt == 3:
                raise
            log.warning("%s: the write ran out of memory; retrying with more", path)
    raise AssertionError("unreachable")


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc)
    if "different configuration than existing connections" in text:
        return True  # this process holds the file the other way round: wait for it to close
    return "lock" in text.lower() and ("Conflicting" in text or "Could not set lock" in text)


def connect(
    path: Path,
    *,
    read_only: bool = False,
    timeout_s: float | None = 30.0,
    sandboxed: bool = False,
    limits: dict[str, object] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open ``path``, waiting with back-off while another process holds a conflicting lock.

    ``timeout_s=None`` waits as long as it takes: a crawl's writes use it, so that a
    reader holding the file (a long ``mediawatch sql``) delays a crawl but never fails it
    nor costs it its ``crawl_runs`` record. Readers are the ones bounded in time.

    ``sandboxed`` (for user SQL) also forbids reading or writing files and installing
    extensions: the connection can only see the warehouse itself.

    ``limits`` are DuckDB settings such as ``writer_limits(...)``.
    """
    config: dict[str, Any] = dict(_BASE_CONFIG)  # DuckDB settings: str, bool, int or float
    config.update(limits or {})
    if sandboxed:
        config["enable_external_access"] = False
        config["allow_community_extensions"] = False
        config["lock_configuration"] = True
    if read_only and not path.exists():
        raise TerminalError(
            f"{path}: no warehouse here yet",
            hint="run 'mediawatch crawl' (or 'mediawatch demo') first, or check [warehouse] path",
        )
    if not read_only:
        make_folder(path)
    started = time.monotonic()
    deadline = None if timeout_s is None else started + timeout_s
    told = started
    delay = 0.02
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=config)
        except (duckdb.IOException, duckdb.ConnectionException) as exc:
            if not _is_lock_error(exc):
                raise TerminalError(f"{path}: cannot open warehouse: {exc}") from exc
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                raise WarehouseBusy(
                    f"{path}: the warehouse stayed locked by another process for {timeout_s:.0f} s",
                    hint="another mediawatch process holds it (a crawl writing, or a long"
                    " 'mediawatch sql' reading); retry when it is done",
                ) from exc
            if deadline is None and now - told >= PATIENT_NOTICE_S:
                told = now
                log.warning(
                    "%s: waiting %.0f s so far for another process to release the warehouse"
                    " (a long 'mediawatch sql'?); nothing is lost meanwhile",
                    path,
                    now - started,
                )
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.5)


def make_folder(path: Path) -> None:
    """Create the warehouse's folder, or say in one line why it cannot be."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        if isinstance(exc, FileExistsError | NotADirectoryError):
            reason = "a part of the path is a file, not a folder"
        raise TerminalError(
            f"{path}: cannot create the warehouse's folder {path.parent}: {reason}",
            hint="set [warehouse] path in the config to a file in a folder you can write",
        ) from exc


@contextmanager
def opened(
    path: Path,
    *,
    read_only: bool = False,
    timeout_s: float | None = 30.0,
    sandboxed: bool = False,
    limits: dict[str, object] | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(
        path,
        read_only=read_only,
        timeout_s=timeout_s,
        sandboxed=sandboxed,
        limits=limits,
    )
    try:
        yield con
    finally:
        con.close()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Explicit BEGIN/COMMIT: DuckDB 2 runs multi-statement strings in auto-commit otherwise."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
