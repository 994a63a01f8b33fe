"""Page times of the web view (``mediawatch serve``) on the synthetic warehouse.

    python benchmarks/web/run.py --articles 1000000 --db /tmp/w.duckdb   # the full run (reuses --db)
    python benchmarks/web/run.py --quick                                  # CI smoke: 5k articles

The warehouse is the one ``benchmarks/warehouse`` builds (seeded articles, every topic
rematched), plus what the other pages read: stories aggregated from the articles, the
outlets, crawl runs with per-outlet counts, fetch failures and edits. The real
application then runs under uvicorn on a loopback port and every page is fetched over
HTTP: a warm-up, then ``--repeat`` requests; each time includes opening the warehouse
read-only, the queries, rendering and the transfer.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks" / "warehouse"))

import tomli_w  # noqa: E402
from synth import TOPICS, SynthSpec, generate  # noqa: E402

from mediawatch.config import load_config  # noqa: E402
from pipeline.rematch import rematch_topic  # noqa: E402
from warehouse.connection import opened, transaction  # noqa: E402
from warehouse.migrate import migrate  # noqa: E402
from web.server import start_background  # noqa: E402
from web.site import WebOptions  # noqa: E402

BUDGET_MS = 300
# The reference timed beside every page: docs/benchmarks.md ("Warehouse") measured it at
# 18.0 ms on a quiet machine at 1M articles. On a loaded machine the ratio page/reference
# says more than either time alone.
REFERENCE_QUIET_MS = 18.0

# What a crawl would have written beside the articles (benchmark set-up, not product SQL).
_FILL = [
    """INSERT INTO stories
       SELECT story_id, arg_min(id, coalesce(published_at, first_seen_at)),
              arg_min(outlet, coalesce(published_at, first_seen_at)),
              min(coalesce(published_at, first_seen_at)), max(coalesce(published_at, first_seen_at)),
              count(*), count(DISTINCT outlet), arg_min(title, coalesce(published_at, first_seen_at))
       FROM articles WHERE story_id IS NOT NULL GROUP BY story_id""",
    """INSERT INTO outlets (name, homepage, language)
       SELECT outlet, 'https://' || outlet || '.example/', any_value(language)
       FROM articles GROUP BY outlet""",
    """INSERT INTO crawl_runs (id, started_at, finished_at, status, trigger, outlets)
       SELECT i, (SELECT max(first_seen_at) FROM articles) - to_hours(CAST(i AS INTEGER)),
              (SELECT max(first_seen_at) FROM articles) + INTERVAL 10 MINUTE - to_hours(CAST(i AS INTEGER)),
              'ok', 'schedule', (SELECT list(name) FROM outlets)
       FROM range(1, 2001) AS t(i)""",
    """INSERT INTO crawl_run_outlets (run_id, outlet, discovered, fetched, new, failed,
                                      failures_by_reason)
       SELECT r.id, o.name, 60, 50, 40, 3, '{"http-404": 2, "too-short": 1}'
       FROM crawl_runs r, outlets o""",
    """INSERT INTO fetch_failures (run_id, url, outlet, stage, reason, http_status, failed_at)
       SELECT 1 + i % 2000, 'https://x.example/' || i, 'outlet-' || lpad(CAST(i % 12 AS VARCHAR), 2, '0'),
              CASE WHEN i % 3 = 0 THEN 'extract' ELSE 'fetch' END,
              CASE WHEN i % 3 = 0 THEN 'too-short' ELSE 'http-404' END, 404,
              (SELECT max(first_seen_at) FROM articles) - to_minutes(CAST(i AS INTEGER))
       FROM range(100000) AS t(i)""",
    """INSERT INTO article_versions
       SELECT id, first_seen_at + INTERVAL 1 DAY, content_hash, content_hash || 'x', id % 2 = 0,
              title, 12, 3
       FROM articles WHERE id % 100 = 0""",
]


def build(db: Path, articles: int) -> None:
    with opened(db) as con:
        migrate(con)
        if con.execute("SELECT count(*) FROM articles").fetchall()[0][0] == 0:
            print(f"generating {articles:,} articles …", flush=True)
            generate(con, SynthSpec(articles=articles))
        have = con.execute("SELECT count(*) FROM topic_matches").fetchall()[0][0]
        for name, (query, _words, _share) in TOPICS.items():
            if not have:
                print(f"rematching {name} …", flush=True)
                rematch_topic(con, name, query, workers=2)
        # the synthetic days end in the past; health and "last 7 days" look back from today
        [(behind,)] = con.execute(
            "SELECT current_date - CAST(max(first_seen_at) AS DATE) FROM articles"
        ).fetchall()
        if behind > 1:
            print(f"moving the articles {behind} days forward, to end today …", flush=True)
            with transaction(con):
                con.execute(
                    "UPDATE articles SET published_at = published_at + to_days(CAST(? AS INTEGER)),"
                    " first_seen_at = first_seen_at + to_days(CAST(? AS INTEGER))",
                    [behind - 1, behind - 1],
                )
        if con.execute("SELECT count(*) FROM stories").fetchall()[0][0] == 0:
            print("filling stories, outlets, runs, failures, edits …", flush=True)
            with transaction(con):
                for sql in _FILL:
                    con.execute(sql)
        con.execute("CHECKPOINT")


def write_config(db: Path, directory: Path) -> Path:
    with opened(db, read_only=True) as con:
        outlets = con.execute("SELECT name, homepage FROM outlets ORDER BY name").fetchall()
    data = {
        "warehouse": {"path": str(db)},
        "outlets": [{"name": n, "homepage": h} for n, h in outlets],
        "topics": [{"name": n, "query": q} for n, (q, _w, _s) in TOPICS.items()],
        "digest": {"out_dir": str(directory / "digests")},
    }
    path = directory / "mediawatch.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def pages(db: Path, topic: str) -> dict[str, str]:
    with opened(db, read_only=True) as con:
        [(spike_day,)] = con.execute(
            "SELECT coalesce(max(day), current_date) FROM spikes WHERE topic = ?", [topic]
        ).fetchall()
        [(story_id,)] = con.execute(
            "SELECT id FROM stories ORDER BY n_outlets DESC, id LIMIT 1"
        ).fetchall()
        [(article_id,)] = con.execute(
            "SELECT id FROM articles WHERE id % 100 = 0 ORDER BY id DESC LIMIT 1"
        ).fetchall()
        [(first, last)] = con.execute(
            "SELECT min(day), max(day) FROM topic_articles WHERE topic = ?", [topic]
        ).fetchall()
    sql = "SELECT outlet, count(*) AS articles FROM articles GROUP BY outlet ORDER BY articles DESC"
    return {
        "topics (index)": "/",
        f"topic {topic}, 30 days": f"/topics/{topic}",
        f"topic {topic}, whole range": f"/topics/{topic}?from={first}&to={last}",
        f"topic {topic}, a spike day's stories": f"/topics/{topic}?day={spike_day}",
        "story (most outlets)": f"/stories/{story_id}",
        "article": f"/articles/{article_id}",
        "outlets": "/outlets",
        "search, common query": "/search?q=" + quote("chechnya AND gay"),
        "search, rare query": "/search?q=" + quote('"nothing matches this" AND zzzz'),
        "sql page": "/sql?q=" + quote(sql),
        "sql csv download": "/sql.csv?q=" + quote(sql),
        "sql parquet download": "/sql.parquet?q=" + quote(sql),
        "digests": "/digests",
    }


_WRITER = """
import sys, time
from pathlib import Path
from warehouse.connection import opened, transaction
path, pause = Path(sys.argv[1]), float(sys.argv[2])
while True:
    with opened(path, timeout_s=60) as con, transaction(con):
        con.execute(
            "INSERT INTO fetch_failures (url, stage, reason, failed_at)"
            " SELECT 'https://w.example/' || i, 'fetch', 'timeout', now() FROM range(100) t(i)"
        )
    print("committed", flush=True)
    time.sleep(pause)
"""


def start_writer(db: Path, pause_s: float) -> subprocess.Popen[str]:
    """A process writing like a crawl's writer thread: open, one transaction, close, repeat."""
    return subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(db), str(pause_s)],
        cwd=ROOT,
        env={**os.environ},
        stdout=subprocess.PIPE,
        text=True,
    )


_REFERENCE = """
import sys, time
from pathlib import Path
from warehouse.connection import opened
from warehouse.trends import daily_counts
with opened(Path(sys.argv[1]), read_only=True) as con:
    [(last_day,)] = con.execute("SELECT max(day) FROM topic_daily").fetchall()
    daily_counts(con, sys.argv[2], 90, until=last_day)
    for _ in sys.stdin:
        started = time.perf_counter()
        daily_counts(con, sys.argv[2], 90, until=last_day)
        print(time.perf_counter() - started, flush=True)
"""


class Reference:
    """The reference query, timed in its own process (one process may not hold a plain and a
    sandboxed connection to one file at once, and the SQL page opens a sandboxed one)."""

    def __init__(self, db: Path, topic: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _REFERENCE, str(db), topic],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip

    def time(self) -> float:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        return float(self.proc.stdout.readline())

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait()


def fetch(port: int, path: str) -> tuple[int, float, int]:
    started = time.perf_counter()
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    con.request("GET", path)
    resp = con.getresponse()
    body = resp.read()
    con.close()
    return resp.status, time.perf_counter() - started, len(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="warehouse file to build or reuse")
    parser.add_argument("--topic", default="chechnya", choices=sorted(TOPICS))
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="5k articles, 2 repeats")
    parser.add_argument(
        "--writer-pause",
        type=float,
        default=None,
        help="also run a crawl-like writer (a transaction, then this many seconds' pause)",
    )
    args = parser.parse_args()
    if args.quick:
        args.articles, args.repeat = 5_000, 2
    tmp = tempfile.TemporaryDirectory(prefix="mw-web-bench-")
    directory = Path(tmp.name)
    db = args.db or directory / "warehouse.duckdb"
    build(db, args.articles)
    config = load_config(write_config(db, directory))
    with opened(db, read_only=True) as con:
        n = con.execute("SELECT count(*) FROM articles").fetchall()[0][0]
    server = start_background(config, WebOptions(port=0), echo=lambda s: None)
    port = int(server.url.rstrip("/").rsplit(":", 1)[1])
    urls = pages(db, args.topic)
    writer = None if args.writer_pause is None else start_writer(db, args.writer_pause)
    rows = []
    statuses: dict[int, int] = {}
    commits = 0
    try:
        reference = Reference(db, args.topic) if writer is None else None
        for label, path in urls.items():
            status, _, size = fetch(port, path)  # warm-up
            assert status == 200, (label, status)
            times, refs = [], []
            for _ in range(args.repeat):  # page and reference alternate, side by side
                status, took, _ = fetch(port, path)
                statuses[status] = statuses.get(status, 0) + 1
                times.append(took)
                refs.append(reference.time() if reference else float("nan"))
            ratio = statistics.median(t / r for t, r in zip(times, refs, strict=True))
            rows.append((label, statistics.median(times), max(times), size, ratio))
        if reference:
            reference.close()
    finally:
        if writer is not None:
            writer.kill()
            out, _ = writer.communicate()
            commits = out.count("committed")
        server.stop()
        tmp.cleanup()
    during = "" if writer is None else f", while a writer committed {commits} times"
    print(f"\n{n:,} synthetic articles, {args.repeat} requests per page after a warm-up{during}\n")
    width = max(len(r[0]) for r in rows)
    print(
        f"{'page':<{width}}  {'median ms':>10}  {'max ms':>8}  {'KB':>6}"
        f"  {'x reference':>11}  {'quiet estimate ms':>17}"
    )
    for label, median, worst, size, ratio in rows:
        print(
            f"{label:<{width}}  {median * 1000:>10.1f}  {worst * 1000:>8.1f}  {size / 1024:>6.0f}"
            f"  {ratio:>11.2f}  {ratio * REFERENCE_QUIET_MS:>17.0f}"
        )
    print(
        f"\nreference: trends.daily_counts (90 days), timed in another process after every"
        f" request; {REFERENCE_QUIET_MS} ms on a quiet machine (docs/benchmarks.md, Warehouse)"
    )
    print("responses by status:", ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
    over = [r[0] for r in rows if r[1] * 1000 > BUDGET_MS]
    print(f"pages over {BUDGET_MS} ms (median): {', '.join(over) if over else 'none'}")


if __name__ == "__main__":
    main()
