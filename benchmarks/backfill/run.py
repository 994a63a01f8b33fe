"""WARC backfill throughput against plain trafilatura on the same records, side by side.

A backfill has no download to wait for, so it should come close to the extraction
ceiling: plain trafilatura (``bare_extraction``) over the same WARC records in a pool of
as many processes as the backfill's extraction workers. The backfill also dedups,
matches topics and commits to DuckDB; the ratio says what that costs.

    python benchmarks/backfill/run.py --articles 2000 --page-weight real

The WARC is written from the demo newsroom (``--page-weight real`` makes pages as heavy
as real news pages). Prints pages/s for both and their ratio (target >= 0.8).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import tomli_w


def _plain(item: tuple[str, bytes]) -> bool:
    import trafilatura

    url, body = item
    doc = trafilatura.bare_extraction(
        body.decode("utf-8", "replace"), url=url, with_metadata=True, include_comments=False
    )
    return doc is not None


def plain_rate(warc: Path, workers: int) -> tuple[int, float]:
    from spiders.backfill.warc import ArchivedPage, read_records

    started = time.perf_counter()
    with warc.open("rb") as handle:
        pages = [
            (r.item.url, r.item.body)
            for r in read_records(handle, 10 * 1024 * 1024)
            if isinstance(r.item, ArchivedPage)
        ]
    with ProcessPoolExecutor(workers) as pool:
        done = sum(pool.map(_plain, pages, chunksize=8))
    return done, time.perf_counter() - started


def backfill_rate(
    warc: Path, outlets: list[dict], directory: Path, workers: int
) -> tuple[int, float]:
    from mediawatch.config import load_config
    from mediawatch.demo import demo_config
    from spiders.backfill.run import run_backfill
    from spiders.backfill.sources import warc_items

    data = demo_config(outlets, directory)
    data["crawl"]["extract_workers"] = workers
    path = directory / "mediawatch.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    config = load_config(path)
    started = time.perf_counter()
    result = run_backfill(config, "warc", warc_items([warc]), None)
    return result.counters.pages, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--page-weight", choices=("light", "real"), default="real")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()

    from mediawatch.newsroom import build_newsroom, serve
    from mediawatch.newsroom.archive import ARCHIVE_END, write_archive

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        newsroom = build_newsroom(
            seed=11, n_articles=args.articles, end=ARCHIVE_END, page_weight=args.page_weight
        )
        warc = directory / "bench.warc.gz"
        records = write_archive(warc, newsroom)
        with serve(newsroom) as server:
            outlets = server.outlet_config()
        size = warc.stat().st_size / 1e6
        print(f"{records} records, {size:.1f} MB gzipped, {args.workers} extraction processes")
        plain_n, plain_s = plain_rate(warc, args.workers)
        ours_n, ours_s = backfill_rate(warc, outlets, directory, args.workers)
    plain, ours = plain_n / plain_s, ours_n / ours_s
    print(
        f"plain trafilatura, {args.workers} processes: {plain_n} pages in {plain_s:.1f} s = {plain:.1f} pages/s"
    )
    print(
        f"mediawatch backfill warc:            {ours_n} pages in {ours_s:.1f} s = {ours:.1f} pages/s"
    )
    print(f"ratio backfill / plain: {ours / plain:.2f} (target >= 0.8)")


if __name__ == "__main__":
    main()
