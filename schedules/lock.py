"""One scheduler per warehouse: an OS file lock next to it, released by the OS on any exit.

``flock`` dies with the process (even on SIGKILL), so a crashed scheduler never leaves a
stale lock behind; the pid inside the file is only there for the error message.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType
from typing import IO

from mediawatch.errors import TerminalError


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".scheduler.lock")


class SchedulerLock:
    def __init__(self, warehouse: Path) -> None:
        self.warehouse = warehouse
        self.path = lock_path(warehouse)
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release()
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise TerminalError(
                f"another 'mediawatch run' (pid {holder}) is already scheduling {self.warehouse}",
                hint=f"stop it first (kill {holder}); only one scheduler may run per warehouse",
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            self._file.truncate(0)
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def __enter__(self) -> SchedulerLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
