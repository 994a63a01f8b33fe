"""Distributed backfill: WARC files as jobs on the crawl's Redis queue, read by ``mediawatch
worker`` processes and stored by ``mediawatch load``, all through the installed console
script against a real redis-server on loopback and real WARC files the tests write."""

from __future__ import annotations

import contextlib
import gzip
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest
import tomli_w
from warcio.warcwriter import WARCWriter

from mediawatch.demo import demo_config
from mediawatch.newsroom import build_newsroom, serve
from mediawatch.newsroom.archive import ARCHIVE_END, write_response
from spiders.backfill.warc import ArchivedPage, TruncatedArchive, read_records
from tests.redis_support import needs_redis_server, redis

pytestmark = needs_redis_server

MEDIAWATCH = str(Path(sys.executable).with_name("mediawatch"))
PREFIX = "mediawatch"


def _write_warcs(seed: int, articles: int, paths: list[Path]) -> list[dict]:
    """The articles of one generated newsroom, fetched from loopback and written round-robin
    into ``paths`` (one response record each); returns the newsroom's outlet config."""
    newsroom = build_newsroom(seed=seed, n_articles=articles, end=ARCHIVE_END)
    handles = [p.open("wb") for p in paths]
    writers = [WARCWriter(h, gzip=True) for h in handles]
    try:
        with serve(newsroom) as server:
            outlets = server.outlet_config()
            arts = [a for o in newsroom.outlets for a in newsroom.articles_of(o.key, archived=None)]
            for i, art in enumerate(arts):
                url = server.url_for(art)
                with urllib.request.urlopen(url, timeout=30) as response:  # loopback only
                    body = response.read()
                captured = art.published + timedelta(hours=1)
                write_response(writers[i % len(paths)], url, body, captured)
    finally:
        for handle in handles:
            handle.close()
    return outlets


@pytest.fixture(scope="module")
def warcs(tmp_path_factory) -> tuple[list[Path], list[dict]]:
    """Three WARC files of 40 archived articles each."""
    directory = tmp_path_factory.mktemp("warcs")
    paths = [directory / f"part-{i}.warc.gz" for i in range(3)]
    return paths, _write_warcs(2019, 120, paths)


@pytest.fixture(scope="module")
def big_warc(tmp_path_factory) -> tuple[list[Path], list[dict]]:
    """A file long enough for a kill to land mid-file, and a short one."""
    directory = tmp_path_factory.mktemp("big")
    big, small = directory / "big.warc.gz", directory / "small.warc.gz"
    outlets = _write_warcs(2020, 200, [big])
    _write_warcs(2021, 30, [small])
    return [big, small], outlets


def _config(directory: Path, outlets: list[dict], redis_url: str, **backfill) -> Path:
    data = demo_config(outlets, directory)
    data["distributed"] = {"redis_url": redis_url}
    data["crawl"] = {**data.get("crawl", {}), "extract_workers": 1}
    data["backfill"] = {"checkpoint_records": 10, **backfill}
    path = directory / "mediawatch.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1"}


def _run(config: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [MEDIAWATCH, "--config", str(config), *args],
        capture_output=True, text=True, timeout=120, env=_env(),
    )  # fmt: skip


def _start(config: Path, *args: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [MEDIAWATCH, "--config", str(config), *args],
        stdout=subprocess.PIPE, stderr=log.open("w"), text=True, env=_env(),
        start_new_session=True,  # its own process group: kill -9 reaches its extraction pool
    )  # fmt: skip


def _worker(config: Path, name: str, lease: int = 10) -> subprocess.Popen:
    """A worker that leaves 3 s after the last work anywhere. The lease is short only where
    a test kills a worker: a long one keeps a busy, slow machine from looking dead."""
    log = config.parent / f"worker-{name}.log"
    args = ("--id", name, "--idle-exit", "3", "--lease", str(lease))
    return _start(config, "worker", *args, log=log)


def _loader(config: Path) -> subprocess.Popen:
    log = config.parent / "loader.log"
    return _start(config, "load", "--idle-exit", "2", "--batch-size", "25", log=log)


def _finish(proc: subprocess.Popen, timeout: float = 180) -> str:
    out, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, out
    return out


def _wait_for(predicate, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _rows(config: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(config.parent / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def _records(path: Path) -> list:
    """The records a reader gets out of ``path``: all of them, or those before the damage."""
    out = []
    with path.open("rb") as handle, contextlib.suppress(TruncatedArchive):
        for record in read_records(handle, 10**7):
            out.append(record)
    return out


def _urls(paths: list[Path]) -> list[str]:
    return [r.item.url for p in paths for r in _records(p) if isinstance(r.item, ArchivedPage)]


def _pages(rc: redis.Redis, worker: str) -> int:
    return int(rc.hget(f"{PREFIX}:stats:{worker}", "pages") or 0)


def _assert_drained(rc: redis.Redis) -> None:
    assert rc.llen(f"{PREFIX}:discovery") == 0
    assert rc.llen(f"{PREFIX}:items") == 0
    assert rc.llen(f"{PREFIX}:loader:main:processing") == 0
    assert all(rc.hlen(k) == 0 for k in rc.keys(f"{PREFIX}:inflight:*"))


def _assert_stored_once(config: Path, paths: list[Path]) -> None:
    expected = _urls(paths)
    assert len(expected) == len(set(expected)) > 0
    rows = _rows(config, "SELECT url, source, captured_at FROM articles")
    assert sorted(r[0] for r in rows) == sorted(expected)  # every article, each once
    assert {r[1] for r in rows} == {"warc"} and all(r[2] is not None for r in rows)
    progress = _rows(config, "SELECT item, status, records FROM backfill_progress ORDER BY item")
    assert progress == sorted((str(p), "done", len(_records(p))) for p in paths)


def test_two_workers_and_the_loader_store_every_warc_article_once(
    warcs, redis_url: str, rc, tmp_path: Path
) -> None:
    paths, outlets = warcs
    config = _config(tmp_path, outlets, redis_url)
    workers = {name: _worker(config, name) for name in ("a", "b")}
    _wait_for(lambda: {b"a", b"b"} <= set(rc.smembers(f"{PREFIX}:ready")), "both workers ready")
    queued = _run(config, "backfill", "warc", "--distributed", *map(str, paths))
    assert queued.returncode == 0, queued.stderr
    assert "3 WARC file(s) queued for the workers" in queued.stdout
    loader = _loader(config)
    for proc in workers.values():
        assert "page(s) extracted" in _finish(proc)
    assert "new article(s)" in _finish(loader)

    _assert_stored_once(config, paths)
    assert _pages(rc, "a") + _pages(rc, "b") == len(_urls(paths))  # each page read once
    _assert_drained(rc)
    status = _run(config, "backfill", "status")
    assert status.returncode == 0, status.stderr
    assert status.stdout.count("done") == 3
    assert "distributed: 0 file(s) waiting, 0 being read" in status.stdout
    again = _run(config, "backfill", "warc", "--distributed", *map(str, paths))
    assert "0 WARC file(s) queued for the workers (3 already done" in again.stdout


def test_a_worker_killed_mid_file_is_taken_over_and_every_article_stored_once(
    big_warc, redis_url: str, rc, tmp_path: Path
) -> None:
    paths, outlets = big_warc
    big = str(paths[0])
    config = _config(tmp_path, outlets, redis_url)
    queued = _run(config, "backfill", "warc", "--distributed", *map(str, paths))
    assert queued.returncode == 0, queued.stderr
    assert "2 WARC file(s) queued" in queued.stdout
    # the files are jobs on the queue that crawl work uses; queued once however often asked
    assert rc.llen(f"{PREFIX}:discovery") == 2
    twice = _run(config, "backfill", "warc", "--distributed", *map(str, paths))
    assert (
        "0 WARC file(s) queued for the workers (0 already done, 2 already queued)" in twice.stdout
    )
    assert rc.llen(f"{PREFIX}:discovery") == 2
    status = _run(config, "backfill", "status")
    assert status.stdout.count("queued") == 2 and "2 file(s) waiting" in status.stdout

    from spiders.distributed.backfill_jobs import BackfillJob

    def held(worker: str) -> list[BackfillJob]:
        return [BackfillJob.loads(v) for v in rc.hvals(f"{PREFIX}:inflight:{worker}:backfill")]

    a = _worker(config, "a", lease=2)
    _wait_for(lambda: any(j.item == big and j.records >= 10 for j in held("a")), "a checkpoint")
    os.killpg(a.pid, signal.SIGKILL)
    a.wait(10)
    [job] = held("a")  # killed mid-file: the job is still leased to the dead worker
    total = len(_records(paths[0]))
    assert job.item == big and 10 <= job.records < total, "the kill should land mid-file"
    status = _run(config, "backfill", "status")
    assert "1 being read" in status.stdout and big in status.stdout.replace("\n", "")

    # A new worker takes the job over once the dead worker's lease runs out, and goes on
    # from its last checkpoint. Stopped with SIGTERM, it checkpoints and puts the job back.
    b = _worker(config, "b", lease=2)
    _wait_for(
        lambda: any(j.item == big and j.records >= job.records + 10 for j in held("b")),
        "b to go on with the file",
    )
    os.kill(b.pid, signal.SIGTERM)
    _finish(b)
    assert held("b") == []
    queue = [BackfillJob.loads(raw) for raw in rc.lrange(f"{PREFIX}:discovery", 0, -1)]
    [back] = [j for j in queue if j.item == big]
    assert job.records + 10 <= back.records < total

    c = _worker(config, "c")
    loader = _loader(config)
    _finish(c)
    _finish(loader)
    _assert_stored_once(config, paths)
    # each went on from the last checkpoint instead of the start of the file
    assert _pages(rc, "b") <= len(_urls(paths)) - job.records
    assert _pages(rc, "c") <= len(_urls(paths)) - back.records
    _assert_drained(rc)


def test_a_bad_warc_is_reported_with_its_name_and_reason_and_the_others_go_on(
    warcs, redis_url: str, rc, tmp_path: Path
) -> None:
    paths, outlets = warcs
    good = paths[0]
    damaged = tmp_path / "damaged.warc.gz"  # ten good records, then 200 flipped bytes
    data, at = paths[1].read_bytes(), _records(paths[1])[10].offset + 200
    damaged.write_bytes(data[:at] + bytes(b ^ 0xFF for b in data[at : at + 200]) + data[at + 200 :])
    garbage = tmp_path / "garbage.warc.gz"
    garbage.write_bytes(b"\x1f\x8b\x08\x00" + bytes(range(256)) * 20)
    config = _config(tmp_path, outlets, redis_url)
    # a crafted job on the queue is refused, never run
    rc.rpush(f"{PREFIX}:discovery", b'{"kind": "backfill", "v": 1, "source": "evil"}')
    queued = _run(
        config, "backfill", "warc", "--distributed", str(good), str(damaged), str(garbage)
    )
    assert queued.returncode == 0, queued.stderr
    worker, loader = _worker(config, "a"), _loader(config)
    _finish(worker)
    _finish(loader)

    log = (tmp_path / "worker-a.log").read_text()
    assert f"{damaged}: truncated: ArchiveLoadFailed: Invalid WARC record" in log
    assert f"{garbage}: truncated: ArchiveLoadFailed: Unknown archive format" in log
    assert "refused a backfill job" in log and "unknown backfill source 'evil'" in log
    rows = {
        r[0]: r[1:] for r in _rows(config, "SELECT item, status, detail FROM backfill_progress")
    }
    assert rows[str(good)] == ("done", None)
    assert rows[str(damaged)][0] == rows[str(garbage)][0] == "failed"
    assert "Invalid WARC record" in rows[str(damaged)][1]
    stored = sorted(r[0] for r in _rows(config, "SELECT url FROM articles"))
    assert len(_urls([damaged])) == 10
    assert stored == sorted(_urls([good, damaged]))  # the good file, and the records before
    status = _run(config, "backfill", "status")
    assert status.stdout.count("failed") == 2 and "Invalid WARC record" in status.stdout
    _assert_drained(rc)


def test_backfill_jobs_read_back_strictly() -> None:
    import pickle

    from spiders.distributed.backfill_jobs import BackfillJob, JobRefused

    job = BackfillJob("ccnews", "https://archive.test/a.warc.gz", 1024, 7, 5, all_hosts=True)
    assert BackfillJob.loads(job.dumps()) == job
    cases: list[tuple[bytes | str, str]] = [
        (pickle.dumps(job), "pickle is refused"),
        (job.dumps().replace('"ccnews"', '"wayback"'), "unknown backfill source"),
        (job.dumps().replace('"position": 1024', '"position": -1'), "counts"),
        (job.dumps().replace('"v": 1', '"v": 9'), "version"),
        (job.dumps().replace("true", '"yes"'), "all_hosts"),
    ]
    for raw, why in cases:
        with pytest.raises(JobRefused, match=why):
            BackfillJob.loads(raw)


class _CCNews(BaseHTTPRequestHandler):
    """CC-NEWS on loopback: a month's gzipped path listing and the WARC files it names."""

    files: dict[str, bytes] = {}

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = self.files.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args: object) -> None:
        return


def test_ccnews_files_are_jobs_that_workers_download(
    warcs, redis_url: str, rc, tmp_path: Path
) -> None:
    paths, outlets = warcs
    names = [f"crawl-data/CC-NEWS/2017/04/CC-NEWS-2017041{i}000000-0000{i}.warc.gz" for i in (1, 2)]
    listing = gzip.compress("\n".join(names).encode())
    _CCNews.files = {"/crawl-data/CC-NEWS/2017/04/warc.paths.gz": listing}
    _CCNews.files.update({"/" + n: p.read_bytes() for n, p in zip(names, paths, strict=False)})
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CCNews)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}/"
        config = _config(tmp_path, outlets, redis_url, ccnews_url=base, requests_per_second=50)
        queued = _run(
            config, "backfill", "ccnews", "--distributed", "--from", "2017-04-01", "--to",
            "2017-04-30",
        )  # fmt: skip
        assert queued.returncode == 0, queued.stderr
        assert "2 WARC file(s) queued for the workers" in queued.stdout
        worker, loader = _worker(config, "a"), _loader(config)
        _finish(worker)
        _finish(loader)
    finally:
        server.shutdown()
        server.server_close()
    rows = _rows(config, "SELECT url, source FROM articles")
    assert sorted(r[0] for r in rows) == sorted(_urls(paths[:2]))
    assert {r[1] for r in rows} == {"ccnews"}
    progress = _rows(config, "SELECT item, status FROM backfill_progress ORDER BY item")
    assert progress == [(base + n, "done") for n in names]
    _assert_drained(rc)
