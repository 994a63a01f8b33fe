"""One process crawls an outlet at a time: an OS file lock per outlet, next to the warehouse.

``crawl``, ``crawl --recrawl`` and the scheduler's crawls all take these locks before they
start a run, so two terminals (or a terminal and ``mediawatch run``) never fetch and store
the same outlet twice. ``flock`` locks die with their process, even on SIGKILL: a killed
crawl's lock blocks nothing. The pid inside a lock file is only there for the message.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from mediawatch.errors import TransientError
from warehouse.connection import make_folder


class OutletsBusy(TransientError):
    """Another process is crawling some of these outlets right now."""

    def __init__(self, holders: dict[str, str]) -> None:
        self.holders = holders
        named = ", ".join(f"{outlet!r} (pid {pid})" for outlet, pid in holders.items())
        pids = " ".join(sorted(set(holders.values())))
        super().__init__(
            f"already being crawled by another mediawatch process: {named}",
            hint=f"wait for it to finish, or stop it with 'kill -INT {pids}';"
            " one process crawls an outlet at a time",
        )


def locks_dir(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".locks")


def lock_file(warehouse: Path, outlet: str) -> Path:
    """A file name safe for any outlet name (spaces, Cyrillic, slashes) and unique per name."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", outlet).strip("-")[:40] or "outlet"
    digest = hashlib.sha1(outlet.encode("utf-8")).hexdigest()[:10]
    return locks_dir(warehouse) / f"{slug}-{digest}.lock"


class OutletLocks:
    """The locks one run holds; release them (or let the process end) when it is done."""

    def __init__(self, warehouse: Path) -> None:
        self.warehouse = warehouse
        self._held: dict[str, IO[str]] = {}

    @property
    def outlets(self) -> list[str]:
        return list(self._held)

    def acquire(self, outlets: Iterable[str], *, partial: bool = False) -> list[str]:
        """Lock every outlet, or raise ``OutletsBusy`` naming the holders.

        ``partial``: lock the free ones and return them; raise only if none is free.
        """
        make_folder(lock_file(self.warehouse, "x"))
        busy: dict[str, str] = {}
        for outlet in outlets:
            if outlet in self._held:
                continue
            handle = open(lock_file(self.warehouse, outlet), "a+", encoding="utf-8")  # noqa: SIM115
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                busy[outlet] = handle.read().strip() or "unknown"
                handle.close()
                continue
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            self._held[outlet] = handle
        if busy and (not partial or not self._held):
            self.release()
            raise OutletsBusy(busy)
        return list(self._held)

    def release(self) -> None:
        for handle in self._held.values():
            with contextlib.suppress(OSError):
                handle.truncate(0)
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            handle.close()
        self._held.clear()
