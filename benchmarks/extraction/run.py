"""Extraction quality and speed on the shared corpus, beside plain trafilatura.

    python benchmarks/extraction/run.py [--corpus ../shared/corpus] [--out /tmp/ours.jsonl]

Runs pipeline.extract.extract_page over every corpus page (FetchedPage built with the
truth URL and charset, as the outlet server would send them) on two processes, writes the
JSONL that the shared scorer reads, scores it, and prints plain trafilatura's table on the
same pages (its JSONL is produced by the shared baseline script unless --baseline is given).
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta, timezone
from multiprocessing import Pool
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pipeline.extract import ExtractOptions, extract_page  # noqa: E402
from pipeline.items import Article, FetchedPage, OutletHints  # noqa: E402


def _published(article: Article) -> str | None:
    if article.published is None:
        return None
    value = article.published
    if value.precision == "day":
        return value.value.date().isoformat()
    if value.original_offset_minutes is not None:  # as the page wrote it: its own day
        zone = timezone(timedelta(minutes=value.original_offset_minutes))
        return value.value.astimezone(zone).isoformat()
    return value.value.isoformat()


def _one(truth_path: str) -> tuple[dict, float]:
    truth = json.loads(Path(truth_path).read_text(encoding="utf-8"))
    pages = Path(truth_path).parent.parent / "pages"
    raw_path = pages / f"{truth['id']}.html"
    raw = (
        raw_path.read_bytes()
        if raw_path.exists()
        else gzip.decompress((pages / f"{truth['id']}.html.gz").read_bytes())
    )
    url = truth.get("url") or f"http://corpus.invalid/{truth['id']}"
    host = urlsplit(url).hostname or "corpus.invalid"
    page = FetchedPage(
        url=url,
        requested_url=url,
        outlet=host,
        status=200,
        body=raw,
        fetched_at=datetime.now(UTC),
        content_type="text/html",
        declared_encoding=truth.get("charset"),
    )
    hints = OutletHints(name=host)
    start = time.perf_counter()
    result = extract_page(page, hints, ExtractOptions(min_text_chars=0))
    elapsed = time.perf_counter() - start
    record: dict = {"id": truth["id"], "url": url}
    if isinstance(result, Article):
        record.update(
            title=result.title,
            authors=result.authors,
            published=_published(result),
            text=result.text,
            language=result.language,
            sources=result.field_sources,
        )
    else:
        record.update(failure=result.reason, detail=result.detail)
    return record, elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--scorer", type=Path)
    parser.add_argument("--out", type=Path, default=Path("/tmp/mediawatch-extract.jsonl"))
    parser.add_argument("--baseline", type=Path, help="existing plain-trafilatura JSONL")
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}: nothing to benchmark", file=sys.stderr)
        return 0
    tools = args.corpus.parent / "tools"
    scorer = args.scorer or tools / "score.py"
    truths = sorted(str(p) for p in args.corpus.glob("*/truth/*.json"))
    start = time.perf_counter()
    with Pool(args.processes) as pool:
        results = pool.map(_one, truths, chunksize=8)
    wall = time.perf_counter() - start
    failures = 0
    with args.out.open("w", encoding="utf-8") as out:
        for record, _ in results:
            failures += "failure" in record
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    cpu_ms = 1000 * sum(t for _, t in results) / len(results)
    print(
        f"ours: {len(results)} pages, {failures} failures, {cpu_ms:.1f} ms/page (per process), "
        f"{wall:.1f} s wall on {args.processes} processes -> {args.out}"
    )
    print("\n== mediawatch extract_page ==", flush=True)
    subprocess.run(
        [sys.executable, str(scorer), "--truth", str(args.corpus), "--extracted", str(args.out)],
        check=True,
    )
    baseline = args.baseline
    if baseline is None:
        baseline = args.out.with_name(args.out.stem + "-trafilatura.jsonl")
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                str(tools / "extract_baseline.py"),
                str(args.corpus),
                "--engine",
                "trafilatura",
                "--out",
                str(baseline),
            ],
            check=True,
        )
        base_ms = 1000 * (time.perf_counter() - start) / len(results)
        print(f"plain trafilatura: {base_ms:.1f} ms/page (1 process, includes language detection)")
    print("\n== plain trafilatura ==", flush=True)
    subprocess.run(
        [sys.executable, str(scorer), "--truth", str(args.corpus), "--extracted", str(baseline)],
        check=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
