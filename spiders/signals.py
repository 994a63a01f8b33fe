"""Signal handlers held for a block of work, then given back.

Ctrl-C and SIGTERM reach mediawatch as requests to stop cleanly, never as a
KeyboardInterrupt raised wherever the main thread happens to be. The crawl, the backfill
and the scheduler each decide what a first and a second request mean; this module only
holds their handlers for the block and restores the previous ones after it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Mapping
from types import FrameType
from typing import Any, Self

Handler = Callable[[int, FrameType | None], Any]


class HeldSignals:
    """A context manager that holds ``handlers`` for its block.

    Only the main thread can install handlers; elsewhere (a scheduler's job thread)
    nothing is installed and the caller's own events carry the same requests.
    """

    def __init__(self, handlers: Mapping[int, Handler]) -> None:
        self._handlers = dict(handlers)
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> Self:
        if threading.current_thread() is threading.main_thread():
            for signum, handler in self._handlers.items():
                self._previous[signum] = signal.signal(signum, handler)
        return self

    def __exit__(self, *exc: object) -> None:
        while self._previous:
            signum, handler = self._previous.popitem()
            # a saved handler is None when it was set from C: give back the default
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
