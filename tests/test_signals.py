"""spiders.signals: handlers held for a block, given back after it, main thread only."""

from __future__ import annotations

import os
import signal
import threading

from spiders.signals import HeldSignals


def test_handlers_are_held_for_the_block_and_the_previous_ones_given_back() -> None:
    seen: list[int] = []
    before = signal.signal(signal.SIGUSR1, signal.SIG_IGN)
    try:
        with HeldSignals({signal.SIGUSR1: lambda signum, frame: seen.append(signum)}):
            os.kill(os.getpid(), signal.SIGUSR1)
        assert seen == [signal.SIGUSR1]
        assert signal.getsignal(signal.SIGUSR1) is signal.SIG_IGN
        os.kill(os.getpid(), signal.SIGUSR1)  # ignored again, not seen
        assert seen == [signal.SIGUSR1]
    finally:
        signal.signal(signal.SIGUSR1, before)


def test_a_worker_thread_installs_nothing() -> None:
    installed: list[object] = []

    def work() -> None:
        with HeldSignals({signal.SIGUSR1: lambda signum, frame: None}):
            installed.append(signal.getsignal(signal.SIGUSR1))

    before = signal.getsignal(signal.SIGUSR1)
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert installed == [before]


def test_a_handler_set_from_c_comes_back_as_the_default() -> None:
    held = HeldSignals({signal.SIGUSR2: lambda signum, frame: None})
    before = signal.getsignal(signal.SIGUSR2)
    try:
        with held:
            held._previous[signal.SIGUSR2] = None  # what signal.signal returns for a C handler
        assert signal.getsignal(signal.SIGUSR2) is signal.SIG_DFL
    finally:
        signal.signal(signal.SIGUSR2, before)
