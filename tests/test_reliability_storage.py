"""The warehouse under crashes, a full disk and many readers (see docs/reliability.md).

A small generated newsroom on loopback is crawled for real; the crawl (or the whole
``mediawatch crawl`` CLI) is killed with SIGKILL at random moments, the disk fills up
mid-write, ten readers query during a crawl. Afterwards nothing committed is lost,
nothing is stored twice, and the next full crawl completes the warehouse.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import tomli_w

from mediawatch.config import Config, load_config
from mediawatch.demo import demo_config
from spiders.runner import run_crawl
from tests.hostile.harness import ROOT, descendants

KILLS = 26


@pytest.fixture(scope="module")
def small_newsroom() -> Iterator:
    from mediawatch.newsroom import build_newsroom, serve

    with serve(build_newsroom(seed=11, n_articles=48), host_prefix="127.0.4.") as server:
        yield server


def _config(directory: Path, server, **crawl: object) -> Config:
    data = demo_config(server.outlet_config(), directory)
    data["crawl"] = {**data["crawl"], "extract_workers": 1, **crawl}
    data["warehouse"]["lock_timeout_s"] = 60.0
    path = directory / "mediawatch.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return load_config(path)


@pytest.fixture(scope="module")
def expected_ids(small_newsroom, tmp_path_factory) -> set[int]:
    """What an uninterrupted crawl stores: the reference for every scenario."""
    config = _config(tmp_path_factory.mktemp("reference"), small_newsroom)
    result = run_crawl(config, timeout_s=120)
    assert result.status == "ok", result.error
    ids = _ids(config.warehouse_path)
    assert len(ids) >= 30
    return ids


def _ids(path: Path) -> set[int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {i for (i,) in con.execute("SELECT id FROM articles").fetchall()}
    finally:
        con.close()


def _check_integrity(path: Path) -> set[int]:
    """The warehouse opens read-write (WAL replayed), and nothing is stored twice."""
    con = duckdb.connect(str(path))
    try:
        tables = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if "articles" not in tables:  # killed before the first migration committed
            return set()
        twice = con.execute("SELECT id FROM articles GROUP BY id HAVING count(*) > 1").fetchall()
        canon = con.execute(
            "SELECT canonical_url FROM articles GROUP BY canonical_url HAVING count(*) > 1"
        ).fetchall()
        urls = con.execute(
            "SELECT url FROM article_urls GROUP BY url HAVING count(*) > 1"
        ).fetchall()
        ids = {i for (i,) in con.execute("SELECT id FROM articles").fetchall()}
    finally:
        con.close()
    assert twice == [] and canon == [] and urls == []
    return ids


def _cli(config: Config, *args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "mediawatch", "--config", str(config.source), *args],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True, **kwargs,
    )  # fmt: skip


def _wait_gone(pids: list[int], timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not [p for p in pids if Path(f"/proc/{p}").exists() and _not_zombie(p)]:
            return
        time.sleep(0.05)
    for pid in pids:  # orphaned extraction workers: they are ours, end them
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _not_zombie(pid: int) -> bool:
    try:
        return " Z " not in Path(f"/proc/{pid}/stat").read_text().split(")", 1)[1][:4]
    except OSError:
        return False


# -- 11. kill -9 -------------------------------------------------------------------------------
@pytest.mark.timeout(480)
def test_kill_9_at_random_moments_loses_nothing_committed(
    small_newsroom, expected_ids: set[int], tmp_path: Path
) -> None:
    config = _config(tmp_path, small_newsroom)
    rng = random.Random(2024)
    committed: set[int] = set()
    kinds = []
    for i in range(KILLS):
        proc = _cli(config, "crawl")
        time.sleep(rng.uniform(0.5, 2.5))
        family = descendants(proc.pid)
        if i % 2 == 0:  # the crawl child only (the CLI survives and records the run)
            children = [p for p in family if p in _direct_children(proc.pid)]
            crawl_child = [p for p in children if b"spawn_main" in _cmdline(p)]
            target = crawl_child[:1] or [proc.pid]
            os.kill(target[0], signal.SIGKILL)
            kinds.append("child" if crawl_child else "cli")
        else:  # the whole CLI and everything it started
            os.killpg(proc.pid, signal.SIGKILL)
            kinds.append("cli")
        try:
            proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
        _wait_gone(family)
        if not config.warehouse_path.exists():
            continue
        ids = _check_integrity(config.warehouse_path)
        assert committed <= ids, f"iteration {i}: lost {len(committed - ids)} committed article(s)"
        committed = ids
    assert "child" in kinds and "cli" in kinds
    assert committed <= expected_ids
    result = run_crawl(config, timeout_s=120)  # the next full crawl fetches what was in flight
    assert result.status in ("ok", "partial"), result.error
    final = _check_integrity(config.warehouse_path)
    assert len(final) == len(expected_ids)


def _direct_children(pid: int) -> set[int]:
    out: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            out.update(int(c) for c in (task / "children").read_text().split())
    return out


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


# -- 12. disk full -----------------------------------------------------------------------------
@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "tmpfs"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root and mount(8) to make a small tmpfs")
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_disk_full_mid_write_is_reported_and_the_run_resumes(
    small_newsroom, expected_ids: set[int], small_tmpfs: Path
) -> None:
    config = _config(small_tmpfs, small_newsroom)
    proc = _cli(config, "crawl")
    lines: list[str] = []

    def read_stderr() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()

    def reported() -> bool:
        text = "".join(lines)
        return "No space left on device" in text or "not enough space" in text.lower()

    full_seen = False
    deadline = time.monotonic() + 90
    while proc.poll() is None and time.monotonic() < deadline:
        if not full_seen and len(lines) >= 2:  # the crawl is under way and has written
            # fill the disk: shrink it to what is used now (tmpfs cannot go below that)
            used = shutil.disk_usage(small_tmpfs).used
            subprocess.run(
                ["mount", "-o", f"remount,size={used // 4096 * 4096 + 8192}", str(small_tmpfs)],
                check=True,
            )
            full_seen = True
            # space comes back only after the writer has hit the wall and said so
            wall = time.monotonic() + 30
            while not reported() and proc.poll() is None and time.monotonic() < wall:
                time.sleep(0.05)
            subprocess.run(["mount", "-o", "remount,size=256m", str(small_tmpfs)], check=True)
        time.sleep(0.05)
    proc.communicate(timeout=120)
    reader.join(10)
    assert full_seen, "the crawl never got going"
    assert reported(), "".join(lines)[-2000:]
    ids = _check_integrity(config.warehouse_path)
    if ids != expected_ids:  # the run gave up before space came back: the next one completes
        result = run_crawl(config, timeout_s=120)
        assert result.status in ("ok", "partial"), result.error
        assert ids <= _check_integrity(config.warehouse_path)
    assert _check_integrity(config.warehouse_path) == expected_ids


# -- 13. concurrent readers --------------------------------------------------------------------
def test_ten_sql_readers_during_a_crawl_all_answer_and_nothing_is_lost(
    small_newsroom, expected_ids: set[int], tmp_path: Path
) -> None:
    config = _config(tmp_path, small_newsroom)
    run_crawl(config, outlets=[config.outlets[0].name], timeout_s=120)  # the warehouse exists
    outcome: dict = {}
    crawler = threading.Thread(
        target=lambda: outcome.setdefault("r", run_crawl(config, timeout_s=180))
    )
    answers: list[int] = []
    errors: list[str] = []
    lock = threading.Lock()

    def reader() -> None:
        while crawler.is_alive():
            proc = _cli(config, "sql", "SELECT count(*) AS n FROM articles", "--format", "csv")
            out, err = proc.communicate(timeout=120)
            with lock:
                if proc.returncode == 0:
                    answers.append(int(out.split()[1]))
                else:
                    errors.append(err[-500:])

    crawler.start()
    readers = [threading.Thread(target=reader) for _ in range(10)]
    for t in readers:
        t.start()
    crawler.join()
    for t in readers:
        t.join()
    assert errors == []
    assert len(answers) >= 10
    assert outcome["r"].status == "ok", outcome["r"].error
    assert _check_integrity(config.warehouse_path) == expected_ids
