"""Extraction worker processes leave with the process that started them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PARENT = """
import multiprocessing, os, sys
from concurrent.futures import ProcessPoolExecutor
from pipeline.extract import ExtractOptions
from pipeline.worker import WorkerSetup, init_worker

setup = WorkerSetup(ExtractOptions(), {}, ())
pool = ProcessPoolExecutor(
    1, mp_context=multiprocessing.get_context("spawn"), initializer=init_worker, initargs=(setup,)
)
print(pool.submit(os.getpid).result(), flush=True)
sys.stdin.read()
"""


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan may wait for a reaper that never comes)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def test_a_worker_exits_when_its_parent_is_killed() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert _running(child)
    parent.kill()  # SIGKILL: no chance to shut the pool down
    parent.wait()
    deadline = time.monotonic() + 15
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    outlived = _running(child)
    if outlived:
        os.kill(child, signal.SIGKILL)
    assert not outlived, "the extraction worker outlived its killed parent"
