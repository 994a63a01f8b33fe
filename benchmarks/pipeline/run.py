"""End-to-end pipeline benchmark: mediawatch against the extraction ceiling, on the same pages.

    python benchmarks/pipeline/run.py                       # 5k and 20k generated articles (+ corpus)
    python benchmarks/pipeline/run.py --articles 5000 --no-corpus
    python benchmarks/pipeline/run.py --quick               # CI smoke: tiny sizes, no claims

For each size it builds the demo newsroom at that size and, in one run, measures:
- the ceiling: plain trafilatura (the project's extraction options) over every article
  page, in 1 and in 2 processes, no crawling;
- mediawatch end to end (``mediawatch crawl`` against the newsroom served on loopback from
  another process): sitemap discovery, download, extraction, dedup, topic matching and
  warehouse writes;
and prints pages/s, the ratio to the 2-process ceiling, CPU seconds per page by stage and
peak memory. With ``../shared/corpus`` present it does the same on real news pages served
by ``../shared/tools/serve_outlets.py``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
import tomllib
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import tomli_w  # noqa: E402

from mediawatch.demo import DEMO_TOPIC, demo_config  # noqa: E402

SHARED = ROOT.parent / "shared"
CEILING_SAMPLE = 6000


# -- the ceiling ---------------------------------------------------------------------------
def _plain_extract(item: tuple[str, bytes]) -> bool:
    from trafilatura import bare_extraction

    url, body = item
    now = datetime.now(UTC)
    doc = bare_extraction(
        body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body,
        url=url,
        with_metadata=True,
        include_comments=False,
        date_extraction_params={
            "outputformat": "%Y-%m-%dT%H:%M:%S%z",
            "original_date": True,
            "extensive_search": True,
            "max_date": (now + timedelta(days=1)).strftime("%Y-%m-%d"),
        },
    )
    return doc is not None


def ceiling(pages: list[tuple[str, bytes]], processes: int) -> float:
    """Pages per second of plain trafilatura over ``pages``."""
    started = time.perf_counter()
    if processes == 1:
        for item in pages:
            _plain_extract(item)
    else:
        with get_context("spawn").Pool(processes) as pool:
            pool.map(_plain_extract, [("http://warmup/", b"<html><p>x</p></html>")] * processes)
            started = time.perf_counter()
            list(pool.imap_unordered(_plain_extract, pages, chunksize=8))
    return len(pages) / (time.perf_counter() - started)


# -- mediawatch end to end -------------------------------------------------------------------
def crawl(outlets: list[dict], workdir: Path, label: str) -> dict:
    """Run ``mediawatch crawl`` on a fresh warehouse; return timing and resource figures."""
    data = demo_config(outlets, workdir)
    data["crawl"].update(concurrency=32, per_domain_concurrency=16, max_pages_per_outlet=100_000)
    data["topics"] = [DEMO_TOPIC]
    path = workdir / "mediawatch.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "mediawatch", "--config", str(path), "crawl"],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    wall = time.perf_counter() - started
    if proc.returncode not in (0,):
        print(proc.stdout[-2000:], proc.stderr[-2000:], file=sys.stderr)
    query = (
        "SELECT r.cpu_crawl_s, r.cpu_extract_s, r.peak_rss_mb, r.extract_peak_rss_mb,"
        " (SELECT sum(fetched) FROM crawl_run_outlets), (SELECT count(*) FROM articles),"
        " epoch(r.finished_at - r.started_at),"
        " (SELECT epoch(quantile_cont(first_seen_at, 0.95) - quantile_cont(first_seen_at, 0.05))"
        "  FROM articles)"
        " FROM crawl_runs r ORDER BY id DESC LIMIT 1"
    )
    out = subprocess.run(
        [sys.executable, "-m", "mediawatch", "--config", str(path), "sql", query, "--format", "json"],
        capture_output=True, text=True, cwd=ROOT, check=True,
    ).stdout  # fmt: skip
    row = list(json.loads(out)[0].values())
    cpu_crawl, cpu_extract, rss, extract_rss, fetched, stored, seconds, middle = row
    return {
        "label": label,
        "wall_s": wall,
        "run_s": seconds,
        "fetched": fetched,
        "stored": stored,
        "pages_per_s": fetched / seconds if seconds else 0.0,
        # the middle 90 % of articles by the time they were stored: no start-up, no tail
        "steady_pages_per_s": 0.9 * stored / middle if middle else 0.0,
        "cpu_crawl_ms": 1000 * cpu_crawl / max(fetched, 1),
        "cpu_extract_ms": 1000 * cpu_extract / max(fetched, 1),
        "peak_rss_mb": rss,
        "extract_peak_rss_mb": extract_rss,
    }


# -- generated newsroom -----------------------------------------------------------------------
def newsroom_pages(n: int, seed: int, weight: str) -> list[tuple[str, bytes]]:
    from mediawatch.newsroom import build_newsroom
    from mediawatch.newsroom.site import Site

    newsroom = build_newsroom(seed=seed, n_articles=n, page_weight=weight)
    sites = {o.key: Site(newsroom, o.key, "http://bench.invalid") for o in newsroom.outlets}
    pages = []
    for art in newsroom.articles:
        if art.archived:
            continue
        response = sites[art.outlet].render(art.path, "", 0)
        pages.append(
            (sites[art.outlet].base + art.path, _decoded(response.body, response.content_type))
        )
    return pages


def _decoded(body: bytes, content_type: str) -> bytes:
    return body.decode("cp1251").encode() if "charset" not in content_type else body


def serve_newsroom(n: int, seed: int, weight: str) -> tuple[subprocess.Popen, list[dict]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "mediawatch.newsroom", "--articles", str(n), "--seed", str(seed),
         "--warm", "--page-weight", weight],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    assert proc.stdout is not None
    printed = []  # it prints the outlets as [[outlets]] TOML between its header and "Serving"
    for line in proc.stdout:
        if line.startswith("Serving"):
            break
        printed.append(line)
    start = next(i for i, line in enumerate(printed) if line.startswith("[[outlets]]"))
    outlets = tomllib.loads("".join(printed[start:]))["outlets"]
    for entry in outlets:
        base = entry["homepage"].rstrip("/")
        entry.update(sitemaps=[base + "/sitemap-all.xml"], feeds=[], discovery=["sitemaps"])
    return proc, outlets


# -- real corpus --------------------------------------------------------------------------------
def corpus_pages(corpus: Path) -> list[tuple[str, bytes]]:
    pages = []
    for truth in sorted(corpus.glob("*/truth/*.json")):
        rec = json.loads(truth.read_text(encoding="utf-8"))
        page = truth.parent.parent / "pages" / f"{rec['id']}.html.gz"
        if page.exists():
            raw = gzip.decompress(page.read_bytes())
            text = raw.decode(rec.get("charset") or "utf-8", errors="replace")
            pages.append((rec.get("url") or f"http://corpus.invalid/{rec['id']}", text.encode()))
    return pages


def serve_corpus(corpus: Path, workdir: Path) -> tuple[subprocess.Popen, list[dict]]:
    manifest = workdir / "manifest.json"
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, str(SHARED / "tools" / "serve_outlets.py"), str(corpus), "--port", str(port),
         "--manifest", str(manifest), "--quiet"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(200):
        if manifest.exists() and manifest.stat().st_size:
            break
        time.sleep(0.05)
    time.sleep(0.5)
    data = json.loads(manifest.read_text(encoding="utf-8"))
    outlets = [
        {
            "name": slug,
            "homepage": o["home"],
            "sitemaps": [o["sitemap"]],
            "feeds": [],
            "discovery": ["sitemaps"],
        }
        for slug, o in data["outlets"].items()
    ]
    return proc, outlets


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (Linux), for the share the loopback server takes."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- the alternatives, in their own environment ------------------------------------------------
def alternatives(alt_python: Path, pages: list[tuple[str, bytes]], workdir: Path, n: int) -> dict:
    folder = workdir / "alt-pages"
    folder.mkdir(exist_ok=True)
    listing = []
    for i, (url, body) in enumerate(pages[:n]):
        (folder / f"{i}.html").write_bytes(body)
        listing.append([url, f"{i}.html"])
    (folder / "pages.json").write_text(json.dumps(listing))
    proc = subprocess.run(
        [str(alt_python), str(Path(__file__).with_name("alternatives.py")), str(folder)],
        capture_output=True, text=True,
    )  # fmt: skip
    if proc.returncode != 0:
        print(f"  alternatives failed: {proc.stderr[-500:]}")
        return {}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- report -----------------------------------------------------------------------------------
def measure(
    label: str, pages: list[tuple[str, bytes]], serve, workdir: Path, alt_python: Path | None = None
) -> dict:
    print(f"\n== {label}: {len(pages)} article pages", flush=True)
    # pages of one newsroom cost alike: 6,000 of them measure the ceiling's rate as well as all
    one = ceiling(pages[:CEILING_SAMPLE], 1)
    two = ceiling(pages[:CEILING_SAMPLE], 2)
    print(
        f"  ceiling  plain trafilatura  1 process: {one:7.1f} pages/s   2 processes: {two:7.1f} pages/s"
    )
    alts = alternatives(alt_python, pages, workdir, 300) if alt_python else {}
    for name, figures in alts.items():
        print(
            f"  {name:<12} 1 process: {figures['ms_per_page']:6.1f} ms/page "
            f"({1000 / figures['ms_per_page']:.1f} pages/s; {figures['failures']} failures in "
            f"{figures['pages']}) vs plain trafilatura {1000 / one:.1f} ms/page"
        )
    proc, outlets = serve()
    try:
        before = _cpu_seconds(proc.pid)
        result = crawl(outlets, workdir, label)
        result["cpu_server_ms"] = (
            1000 * (_cpu_seconds(proc.pid) - before) / max(result["fetched"], 1)
        )
    finally:
        proc.terminate()
        proc.wait(10)
    ratio = result["pages_per_s"] / two if two else 0.0
    print(
        f"  mediawatch end to end: {result['pages_per_s']:7.1f} pages/s "
        f"({result['fetched']} fetched, {result['stored']} stored, {result['run_s']:.1f} s)  "
        f"= {ratio:.2f} x the 2-process ceiling"
    )
    steady = result["steady_pages_per_s"]
    print(
        f"  steady state (middle 90 % of articles stored): {steady:7.1f} pages/s "
        f"= {steady / two if two else 0.0:.2f} x the 2-process ceiling"
    )
    print(
        f"  CPU per page: crawler process {result['cpu_crawl_ms']:.1f} ms, extraction workers "
        f"{result['cpu_extract_ms']:.1f} ms;  peak memory: crawler {result['peak_rss_mb']:.0f} MB, "
        f"largest worker {result['extract_peak_rss_mb']:.0f} MB"
    )
    print(
        f"  the loopback outlets' server used {result['cpu_server_ms']:.1f} ms of CPU per page "
        "on the same two cores (a real outlet's server runs elsewhere)"
    )
    return {**result, "ceiling_1p": one, "ceiling_2p": two, "ratio": ratio, "pages": len(pages),
            "alternatives": alts}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--articles", default="5000,20000", help="comma-separated newsroom sizes ('' for none)"
    )
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus")
    ap.add_argument("--no-corpus", action="store_true")
    ap.add_argument("--quick", action="store_true", help="CI smoke: 150 articles, no corpus")
    ap.add_argument(
        "--page-weight", default="real",
        help="comma-separated: 'real' (article pages of 107-148 KB with the chrome of real "
        "news sites, trafilatura cost like real pages) and/or 'light' (the demo's 5 KB pages)",
    )  # fmt: skip
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument(
        "--alt-python", type=Path,
        help="python of a venv with newspaper4k and news-please (see alternatives.py)",
    )  # fmt: skip
    args = ap.parse_args()
    sizes = [150] if args.quick else [int(x) for x in args.articles.split(",") if x]
    print(f"machine: {os.cpu_count()} cores; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    weights = args.page_weight.split(",")
    results = []
    with tempfile.TemporaryDirectory(prefix="mw-bench-") as tmp:
        for weight in weights:
            for n in sizes:
                work = Path(tmp) / f"news-{weight}-{n}"
                work.mkdir()
                pages = newsroom_pages(n, args.seed, weight)
                results.append(measure(f"generated newsroom ({weight} pages), {n} articles", pages,
                                       lambda n=n, w=weight: serve_newsroom(n, args.seed, w), work,
                                       args.alt_python if n == sizes[0] else None))  # fmt: skip
                results[-1]["weight"] = weight
        if not args.quick and not args.no_corpus and args.corpus.is_dir():
            work = Path(tmp) / "corpus"
            work.mkdir()
            pages = corpus_pages(args.corpus)
            results.append(measure("real pages (../shared/corpus)", pages,
                                   lambda: serve_corpus(args.corpus, work), work,
                                   args.alt_python))  # fmt: skip
    if len(sizes) >= 2 and not args.quick:
        for weight in weights:
            a, b = [r for r in results if r.get("weight") == weight][:2]
            print(
                f"\npeak crawler memory {b['label']} / {a['label']}: "
                f"{b['peak_rss_mb'] / a['peak_rss_mb']:.2f}"
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
