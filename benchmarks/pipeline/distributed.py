"""Distributed mode: crawl + extraction throughput with 1 and 2 workers, then the loader.

    python benchmarks/pipeline/distributed.py [--articles 600] [--workers 1,2]

Starts a private redis-server on loopback and the generated newsroom on loopback, then for
each worker count: queues one discovery round, runs N ``mediawatch worker`` processes
(each with ``--extract-workers`` extraction processes) until the queue is drained, and
runs one ``mediawatch load``. Reports pages/s (wall clock from worker start, and steady
state from first to last page) and CPU seconds (workers, their extraction processes and
the loader, from ``getrusage``). Needs ``redis-server`` and the redis/scrapy-redis packages.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import tomli_w

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

CLI = (
    "from mediawatch.cli import cli; from mediawatch.cli import distributed;"
    " distributed.register(cli); from mediawatch.cli.common import run_guarded; run_guarded(cli)"
)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _redis(port: int) -> subprocess.Popen:
    return subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_once(outlets: list[dict], url: str, workers: int, extract: int, articles: int) -> dict:
    import redis

    from mediawatch.demo import demo_config

    client = redis.Redis.from_url(url)
    client.flushdb()
    directory = Path(tempfile.mkdtemp(prefix=f"mw-dist-{workers}-"))
    data = demo_config(outlets, directory)
    data["crawl"]["extract_workers"] = extract
    data["distributed"] = {"redis_url": url}
    config = directory / "mediawatch.toml"
    config.write_text(tomli_w.dumps(data), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    base = [sys.executable, "-c", CLI, "--config", str(config)]
    subprocess.run([*base, "enqueue"], check=True, env=env, capture_output=True)

    cpu0, t0 = _cpu(), time.monotonic()
    procs = [
        subprocess.Popen(
            [*base, "worker", "--id", f"w{i}", "--idle-exit", "2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for i in range(workers)
    ]
    first = last = None
    pages = 0
    while any(p.poll() is None for p in procs):
        now_pages = sum(
            int(client.hget(f"mediawatch:stats:w{i}", "pages") or 0) for i in range(workers)
        )
        now = time.monotonic()
        if now_pages and first is None:
            first = now
        if now_pages != pages:
            pages, last = now_pages, now
        time.sleep(0.05)
    per_worker = [int(client.hget(f"mediawatch:stats:w{i}", "pages") or 0) for i in range(workers)]
    crawl_cpu = _cpu() - cpu0
    crawl_wall = (last or time.monotonic()) - t0

    cpu1, t1 = _cpu(), time.monotonic()
    subprocess.run([*base, "load", "--idle-exit", "0.5"], check=True, env=env, capture_output=True)
    load_wall, load_cpu = time.monotonic() - t1, _cpu() - cpu1
    shutil.rmtree(directory, ignore_errors=True)
    steady = (pages - 1) / (last - first) if first and last and last > first else float("nan")
    return {
        "workers": workers,
        "pages": pages,
        "per_worker": per_worker,
        "wall_s": crawl_wall,
        "pages_per_s": pages / crawl_wall,
        "steady_pages_per_s": steady,
        "cpu_s": crawl_cpu,
        "cpu_ms_per_page": 1000 * crawl_cpu / max(pages, 1),
        "cpu_use": crawl_cpu / crawl_wall / (os.cpu_count() or 1),
        "load_s": load_wall,
        "load_cpu_s": load_cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=600)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--extract-workers", type=int, default=1, help="per worker")
    args = parser.parse_args()
    if shutil.which("redis-server") is None:
        sys.exit("redis-server not found (apt-get install -y redis-server)")
    from mediawatch.newsroom import build_newsroom, serve

    port = _free_port()
    server = _redis(port)
    url = f"redis://127.0.0.1:{port}/0"
    time.sleep(0.3)
    try:
        newsroom = build_newsroom(seed=7, n_articles=args.articles)
        with serve(newsroom) as site:
            rows = [
                run_once(site.outlet_config(), url, int(n), args.extract_workers, args.articles)
                for n in args.workers.split(",")
            ]
    finally:
        server.terminate()
        server.wait(10)
    print(f"{os.cpu_count()} core(s); load average before: {os.getloadavg()[0]:.2f}")
    print(
        f"{'workers':>7} {'pages':>6} {'per worker':>14} {'wall s':>7} {'pages/s':>8}"
        f" {'steady/s':>9} {'CPU s':>7} {'CPU ms/page':>11} {'CPU use':>8} {'load s':>7}"
    )
    for r in rows:
        print(
            f"{r['workers']:>7} {r['pages']:>6} {'/'.join(map(str, r['per_worker'])):>14}"
            f" {r['wall_s']:>7.1f} {r['pages_per_s']:>8.1f} {r['steady_pages_per_s']:>9.1f}"
            f" {r['cpu_s']:>7.1f} {r['cpu_ms_per_page']:>11.1f} {r['cpu_use']:>7.0%}"
            f" {r['load_s']:>7.1f}"
        )


if __name__ == "__main__":
    main()
