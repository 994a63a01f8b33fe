"""Warehouse ingest rate through the project's own writer, and ``mediawatch sql`` start-up time.

    python benchmarks/warehouse/ingest.py                     # 200k articles
    python benchmarks/warehouse/ingest.py --articles 1000000
    python benchmarks/warehouse/ingest.py --quick             # CI smoke

Ingest goes through ``warehouse.store.write_batch`` under
``warehouse.connection.write_limited`` exactly as a crawl's writer thread does (one DuckDB
thread, memory capped at 32 MB or ten times the batch): one transaction per batch
(articles with 3 KB texts, their URLs, topic matches and story aggregates), opening and
closing the file for each batch so that readers can get in.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from warehouse.connection import opened, write_limited  # noqa: E402
from warehouse.migrate import migrate  # noqa: E402
from warehouse.store import Batch, write_batch  # noqa: E402

WORDS = [
    "the",
    "a",
    "of",
    "to",
    "in",
    "and",
    "said",
    "government",
    "report",
    "rights",
    "group",
    "outlet",
    "chechnya",
    "police",
]


def make_batch(start: int, size: int, rng: random.Random, now: datetime) -> Batch:
    batch = Batch()
    for i in range(start, start + size):
        text = " ".join(rng.choices(WORDS, k=500))  # ~3 KB
        story = i - i % 3 if i % 10 == 0 else i
        url = f"https://outlet{i % 50}.example/news/{i}"
        published = now - timedelta(minutes=i % 43_200)
        batch.articles.append(
            {
                "id": i, "url": url, "canonical_url": url, "outlet": f"outlet{i % 50}",
                "title": f"Article {i}", "authors": ["A. Writer"], "published_at": published,
                "published_source": "json-ld", "published_precision": "second",
                "published_offset_minutes": 0, "modified_at": None, "modified_source": None,
                "first_seen_at": now, "last_fetched_at": now, "language": "en",
                "description": None, "section": "world", "tags": ["x"], "image_url": None,
                "site_name": None, "paywalled": False, "text": text, "word_count": 500,
                "content_hash": f"{i:032x}", "minhash": bytes(519), "story_id": story,
                "discovered_via": "feed", "field_sources": "{}", "date_flags": [], "run_id": 1,
            }
        )  # fmt: skip
        batch.urls.append((url, i, now, "fetched"))
        batch.stories.add(story)
        if i % 8 == 0:
            batch.matches.append(("chechnya", i, ["chechnya"], text[:200], now, []))
    return batch


def ingest(path: Path, articles: int, batch_size: int) -> float:
    rng = random.Random(1)
    now = datetime.now(UTC)
    batches = [
        make_batch(start, min(batch_size, articles - start), rng, now)
        for start in range(0, articles, batch_size)
    ]
    started = time.perf_counter()
    for batch in batches:
        write_limited(path, batch.payload_bytes(), partial(write_batch, batch=batch))
    return articles / (time.perf_counter() - started)


def sql_startup(config: Path, runs: int) -> tuple[float, float]:
    """Median seconds of ``mediawatch sql "SELECT 1"`` and of a bare ``python -c pass``."""

    def timed(cmd: list[str]) -> float:
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    mw = timed([sys.executable, "-m", "mediawatch", "--config", str(config), "sql", "SELECT 1"])
    bare = timed([sys.executable, "-c", "pass"])
    return mw, bare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200_000)
    parser.add_argument("--batch-sizes", default="500,5000")
    parser.add_argument("--quick", action="store_true", help="5k articles, 3 start-ups")
    args = parser.parse_args()
    if args.quick:
        args.articles = 5_000
    with tempfile.TemporaryDirectory(prefix="mw-ingest-") as tmp:
        print(
            f"ingest of {args.articles:,} articles (3 KB text) through warehouse.store.write_batch"
        )
        for size in (int(x) for x in args.batch_sizes.split(",")):
            path = Path(tmp) / f"w{size}.duckdb"
            with opened(path) as con:
                migrate(con)
            rate = ingest(path, args.articles, size)
            print(f"  batch {size:>5}: {rate:>9,.0f} articles/s")
        config = Path(tmp) / "mediawatch.toml"
        config.write_text(f'[warehouse]\npath = "{path}"\n', encoding="utf-8")
        mw, bare = sql_startup(config, 3 if args.quick else 10)
        print(
            f'mediawatch sql "SELECT 1": {mw * 1000:.0f} ms (bare python start-up {bare * 1000:.0f} ms)'
        )


if __name__ == "__main__":
    main()
