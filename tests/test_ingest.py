"""The ingest engine survives a dying extraction worker: the pool is replaced, nothing is lost."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from pathlib import Path

from spiders.runner import run_crawl
from warehouse.query import run_user_sql


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            out += [int(c) for c in (task / "children").read_text().split()]
    return out


def _is_pool_worker(pid: int) -> bool:
    """A spawned pool worker, not multiprocessing's resource tracker."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"spawn_main" in cmdline and b"resource_tracker" not in cmdline


def test_killed_extraction_worker_is_replaced_and_no_page_is_lost(
    newsroom_server, make_config
) -> None:
    outlets = newsroom_server.outlet_config()[:3]
    config = make_config(outlets)
    outcome: dict = {}
    crawl = threading.Thread(target=lambda: outcome.setdefault("result", run_crawl(config)))
    crawl.start()
    killed: list[int] = []
    deadline = time.monotonic() + 60
    while crawl.is_alive() and not killed and time.monotonic() < deadline:
        for child in _children(os.getpid()):  # the crawl process ...
            workers = [p for p in _children(child) if _is_pool_worker(p)]  # ... its workers
            if workers and config.warehouse_path.exists():
                time.sleep(0.5)  # let extraction get going
                with contextlib.suppress(ProcessLookupError):
                    os.kill(workers[0], signal.SIGKILL)
                    killed.append(workers[0])
                break
        time.sleep(0.05)
    crawl.join(120)
    assert killed, "no extraction worker was seen"
    result = outcome["result"]
    assert result.status in ("ok", "partial"), result.error
    stored = run_user_sql(config.warehouse_path, "SELECT count(*) FROM articles").rows[0][0]
    crashed = run_user_sql(
        config.warehouse_path,
        "SELECT count(*) FROM fetch_failures WHERE reason = 'worker-crashed'",
    ).rows[0][0]
    assert crashed == 0  # pages in flight were retried in the new pool
    # every page fetched became an article (or was recognised as a copy): none was lost
    assert result.failed == 0
    duplicates = sum(o.duplicate for o in result.outlets)
    assert stored == result.new == result.fetched - duplicates > 100
