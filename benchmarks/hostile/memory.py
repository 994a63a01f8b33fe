"""Peak memory of the crawl process with hostile outlets beside normal ones, vs without them.

    python benchmarks/hostile/memory.py                 # 300 articles, 2 rounds
    python benchmarks/hostile/memory.py --quick         # CI smoke: tiny, one round, no claims

In one run, alternating: the same crawl (``spiders.runner.run_crawl``) of the demo
newsroom's outlets on loopback, once alone and once with two hostile outlets of
``tests/hostile/server.py`` beside them: one feed of URLs that answer ``200`` and then
stream header lines forever (8 KB lines, tiny lines, one endless line; the issue-18 probe
saw 3.9 GB from two such URLs), one sitemap index of 10,001 children. Every process of
the crawl is sampled every 50 ms (``/proc/<pid>/status`` VmRSS); the figure is the
largest resident size seen in any of them (the crawl child).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import tomli_w  # noqa: E402

from mediawatch.config import load_config  # noqa: E402
from mediawatch.demo import demo_config  # noqa: E402
from mediawatch.newsroom import build_newsroom, serve  # noqa: E402
from spiders.runner import run_crawl  # noqa: E402
from tests.hostile.harness import MemoryWatch, hostile_server  # noqa: E402

FLOODS = ["/headers/endless", "/headers/many", "/headers/long-line"]


def crawl(directory: Path, outlets: list[dict], hostile_pid: int) -> tuple[int, float, int, str]:
    directory.mkdir()
    data = demo_config(outlets, directory)
    data["crawl"].update({"timeout_s": 10.0, "retries": 0, "extract_workers": 1})
    data["crawl"]["max_page_bytes"] = 4_000_000  # the 10,001-child index is parsed, not refused
    data["topics"] = []
    path = directory / "mediawatch.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    config = load_config(path)
    started = time.monotonic()
    with MemoryWatch() as memory:
        result = run_crawl(config, timeout_s=600)
    memory.peak.pop(hostile_pid, None)
    return memory.max_rss, time.monotonic() - started, result.new, result.status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.articles, args.rounds = 40, 1
    newsroom = build_newsroom(seed=7, n_articles=args.articles)
    with tempfile.TemporaryDirectory() as tmp, serve(newsroom) as room:
        base = Path(tmp)
        with hostile_server(base, hosts=2) as h:
            normal = room.outlet_config()
            hostile = [
                {
                    "name": "header-flood", "homepage": h.outlets[0] + "/",
                    "discovery": ["feeds"],
                    "feeds": [h.url(0, "/rss", link=[h.url(0, p, n=str(i)) for p in FLOODS
                                                     for i in range(2)])],
                },
                {
                    "name": "wide-index", "homepage": h.outlets[1] + "/",
                    "discovery": ["sitemaps"], "sitemaps": [h.url(1, "/wide-index", n="10001")],
                },
            ]  # fmt: skip
            runs: dict[str, list[tuple[int, float, int, str]]] = {"normal": [], "hostile": []}
            for r in range(args.rounds):
                runs["normal"].append(crawl(base / f"normal-{r}", normal, h.proc.pid))
                runs["hostile"].append(crawl(base / f"hostile-{r}", normal + hostile, h.proc.pid))
    print(f"{len(normal)} newsroom outlets, {args.articles} articles, {args.rounds} round(s)")
    for name, found in runs.items():
        peaks = [p // 2**20 for p, *_ in found]
        print(
            f"{name:8} peak {statistics.median(peaks):6.0f} MB (runs: {peaks}),"
            f" {statistics.median(s for _, s, _, _ in found):5.1f} s,"
            f" new articles {[n for *_, n, _ in found]}, status {[s for *_, s in found]}"
        )
    extra = statistics.median(p for p, *_ in runs["hostile"]) - statistics.median(
        p for p, *_ in runs["normal"]
    )
    print(f"hostile outlets add {extra / 2**20:+.0f} MB to the crawl's peak (limit: +100 MB)")


if __name__ == "__main__":
    main()
