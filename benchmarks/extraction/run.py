"""Extraction quality on the shared corpus: full-corpus score, site-disjoint held-out score,
each rule family's part, and plain trafilatura beside them.

    python benchmarks/extraction/run.py [--corpus ../shared/corpus] [--folds 5]
        [--no-ablation] [--sources bbaw] [--every 3] [--baseline /tmp/base.jsonl]

The extractor gets only what a crawl gives it: the page's bytes and its URL. No charset
is passed (a crawl has only the HTTP Content-Type header; --header-charset passes the
corpus charset in that header, as tools/serve_outlets.py sends it).

Folds never share a host: pages are grouped by the host of their truth URL and the groups
dealt into --folds folds, largest first. The rules are hand-written, not learned, so the
held-out score is a nested selection over rule families (pipeline.extract.RULE_FAMILIES):
for each fold, every family is switched off in turn on the other folds, and a family whose
removal does not lower the score there is dropped; the fold is then extracted with the
families kept on the other folds. The full-corpus score has every family on. The gap is
full minus held-out, per field. The per-family table shows, fold by fold, how much the
score drops when that family is off (positive: the family helps).

Language truth comes from benchmarks/extraction/language_reference.json (two detectors
agreeing on the page's full text, disagreements checked by eye: language_reference.py).
Numeric thresholds inside the rules were set by hand and are not re-tuned per fold.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone
from multiprocessing import Pool
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pipeline.extract import (  # noqa: E402
    RULE_FAMILIES,
    ExtractOptions,
    Prepared,
    fuse,
    prepare,
)
from pipeline.items import Article, ExtractionFailure, FetchedPage, OutletHints  # noqa: E402

HERE = Path(__file__).resolve().parent
LANGUAGE_REFERENCE = HERE / "language_reference.json"
FIELDS = ("title", "date", "auth_f1", "body_f1", "snip_f1", "lang")
TEXT_RULES = frozenset({"text-standfirst", "text-recall-check"})  # change prepare()
NOW = datetime.now(UTC)

Config = frozenset[str]  # the rule families switched off


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


def load_truth(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _page(truth: dict[str, Any], pages: Path, header_charset: bool) -> FetchedPage:
    raw_path = pages / f"{truth['id']}.html"
    raw = (
        raw_path.read_bytes()
        if raw_path.exists()
        else gzip.decompress((pages / f"{truth['id']}.html.gz").read_bytes())
    )
    url = truth.get("url") or f"http://corpus.invalid/{truth['id']}"
    charset = truth.get("charset") if header_charset else None
    return FetchedPage(
        url=url,
        requested_url=url,
        outlet=urlsplit(url).hostname or "corpus.invalid",
        status=200,
        body=raw,
        fetched_at=NOW,
        content_type=f"text/html; charset={charset}" if charset else None,
    )


def _record(truth_id: str, url: str, result: Article | ExtractionFailure) -> dict[str, Any]:
    record: dict[str, Any] = {"id": truth_id, "url": url}
    if isinstance(result, Article):
        record.update(
            title=result.title,
            authors=result.authors,
            published=_published(result),
            text=result.text,
            language=result.language,
            language_declared=result.language_declared,
            language_detected=result.language_detected,
            sources=result.field_sources,
        )
    else:
        record.update(failure=result.reason, detail=result.detail)
    return record


def extract_configs(
    job: tuple[str, list[Config], bool],
) -> tuple[str, dict[Config, dict[str, Any]], float]:
    """One page under several rule configurations: prepared once per text-rule setting,
    fused once per configuration. Returns the ms of the first configuration's extraction."""
    truth_path, configs, header_charset = job
    path = Path(truth_path)
    truth = load_truth(path)
    page = _page(truth, path.parent.parent / "pages", header_charset)
    hints = OutletHints(name=page.outlet)
    out: dict[Config, dict[str, Any]] = {}
    prepared: dict[Config, Prepared | ExtractionFailure] = {}
    elapsed = 0.0
    for n, config in enumerate(configs):
        options = ExtractOptions(min_text_chars=0, disabled_rules=config)
        start = time.perf_counter()
        text_key = config & TEXT_RULES
        if text_key not in prepared:
            prepared[text_key] = _safe(
                lambda o=options: prepare(page, o, NOW, _failer(page))  # noqa: B023
            )
        ready = prepared[text_key]
        result = (
            ready
            if isinstance(ready, ExtractionFailure)
            else _safe(
                lambda r=ready, o=options: fuse(r, hints, o)  # noqa: B023
            )
        )
        if n == 0:
            elapsed = time.perf_counter() - start
        out[config] = _record(truth["id"], page.url, result)
    return truth["id"], out, elapsed


def _failer(page: FetchedPage) -> Any:
    return lambda reason, detail="": ExtractionFailure(page.url, page.outlet, reason, detail)


def _safe(call: Any) -> Any:
    try:
        return call()
    except Exception as exc:  # as extract_page: one page's library bug is that page's failure
        return ExtractionFailure("", "", "parser-error", f"{type(exc).__name__}: {exc}")


# ---------------------------------------------------------------- scoring


def load_scorer(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("corpus_score", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"error: cannot load the scorer {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def score(
    scorer: ModuleType, truths: dict[str, dict], records: dict[str, dict], ids: Iterable[str]
) -> dict[str, float | None]:
    acc = scorer.Acc()
    for tid in ids:
        rec = records.get(tid)
        pred = None
        if rec is not None and "failure" not in rec:
            pred = {
                "title": rec.get("title"),
                "authors": rec.get("authors"),
                "published": rec.get("published"),
                "text": rec.get("text"),
                "language": rec.get("language"),
            }
        elif rec is not None:
            pred = {}
        acc.add(truths[tid], pred, 4)
    metrics = acc.metrics()
    return {f: metrics[f] for f in FIELDS} | {
        "n_" + f: metrics.get("n_" + f.split("_")[0]) for f in FIELDS
    }


def objective(metrics: dict[str, float | None]) -> float:
    """The shared scorer's final score without crawl recall: mean of the fields present."""
    values = [v for f in FIELDS if (v := metrics[f]) is not None]
    return sum(values) / len(values) if values else 0.0


def host_folds(truths: dict[str, dict], k: int) -> list[list[str]]:
    """k folds of page ids, no host in two folds: host groups dealt largest first to the
    currently smallest fold (deterministic)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for tid, truth in truths.items():
        host = (urlsplit(truth.get("url") or "").hostname or tid).removeprefix("www.")
        groups[host].append(tid)
    folds: list[list[str]] = [[] for _ in range(k)]
    for host in sorted(groups, key=lambda h: (-len(groups[h]), h)):
        min(folds, key=len).extend(groups[host])
    return folds


def _minus(a: float | None, b: float | None) -> float | None:
    return a - b if a is not None and b is not None else None


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def print_table(rows: list[tuple[str, dict[str, float | None]]]) -> None:
    print(f"{'':<26}" + "".join(f"{f:>9}" for f in FIELDS) + f"{'mean':>9}")
    for label, metrics in rows:
        print(
            f"{label:<26}"
            + "".join(f"{_fmt(metrics.get(f)):>9}" for f in FIELDS)
            + f"{objective(metrics):>9.4f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--scorer", type=Path)
    parser.add_argument("--out", type=Path, default=Path("/tmp/mediawatch-extract.jsonl"))
    parser.add_argument("--baseline", type=Path, help="existing plain-trafilatura JSONL")
    parser.add_argument("--no-baseline", action="store_true", help="skip plain trafilatura")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--no-ablation", action="store_true", help="full-corpus score only")
    parser.add_argument("--sources", help="comma-separated corpus sources (default: all)")
    parser.add_argument("--every", type=int, default=1, help="every n-th page (a quick look)")
    parser.add_argument("--header-charset", action="store_true")
    parser.add_argument("--json", type=Path, help="write all figures as JSON here")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}: nothing to benchmark", file=sys.stderr)
        return 0
    tools = args.corpus.parent / "tools"
    scorer = load_scorer(args.scorer or tools / "score.py")
    wanted = set(args.sources.split(",")) if args.sources else None
    paths = sorted(args.corpus.glob("*/truth/*.json"))[:: args.every]
    truths: dict[str, dict] = {}
    truth_paths: dict[str, str] = {}
    reference = json.loads(LANGUAGE_REFERENCE.read_text(encoding="utf-8"))["languages"]
    for path in paths:
        truth = load_truth(path)
        if wanted and truth["source"] not in wanted:
            continue
        truth["language"] = truth.get("language") or reference.get(truth["id"])
        truths[truth["id"]] = truth
        truth_paths[truth["id"]] = str(path)
    full: Config = frozenset()
    families = [] if args.no_ablation else sorted(RULE_FAMILIES)
    configs = [full, *(frozenset({f}) for f in families)]

    def run(jobs: list[tuple[str, list[Config], bool]]) -> list[Any]:
        with Pool(args.processes) as pool:
            return pool.map(extract_configs, jobs, chunksize=4)

    start = time.perf_counter()
    results = run([(truth_paths[t], configs, args.header_charset) for t in truths])
    wall = time.perf_counter() - start
    records: dict[Config, dict[str, dict]] = defaultdict(dict)
    for tid, by_config, _ in results:
        for config, record in by_config.items():
            records[config][tid] = record
    ms = 1000 * sum(e for _, _, e in results) / max(1, len(results))
    failures = sum("failure" in r for r in records[full].values())
    with args.out.open("w", encoding="utf-8") as out:
        for record in records[full].values():
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(
        f"{len(truths)} pages, {len(configs)} rule configurations, {failures} failures, "
        f"{ms:.1f} ms/page (all rules, per process), {wall:.0f} s wall on "
        f"{args.processes} processes -> {args.out}"
    )
    figures: dict[str, Any] = {"pages": len(truths), "ms_per_page": ms}
    all_ids = list(truths)
    full_metrics = score(scorer, truths, records[full], all_ids)
    figures["full"] = full_metrics
    rows = [("full corpus, all rules", full_metrics)]
    if families:
        folds = host_folds(truths, args.folds)
        held, contributions, dropped = held_out(
            scorer, truths, records, folds, families, truth_paths, args, run
        )
        gap = {f: _minus(full_metrics[f], held[f]) for f in FIELDS}
        rows += [(f"held out, {args.folds} host folds", held)]
        figures |= {"held_out": held, "gap": gap, "contributions": contributions}
        figures["dropped"] = {str(i): sorted(d) for i, d in enumerate(dropped)}
    print("\n== mediawatch extract_page ==")
    print_table(rows)
    if families:
        print(f"{'gap (full - held out)':<26}" + "".join(f"{_fmt(gap[f]):>9}" for f in FIELDS))
        print("\n== each rule family: score drop when it is off, on each held-out fold ==")
        print(f"{'family':<30}" + "".join(f"{'f' + str(i):>8}" for i in range(args.folds)))
        for family in families:
            drops = contributions[family]
            kept = sum(family not in d for d in dropped)
            print(
                f"{family:<30}"
                + "".join(f"{d:>+8.4f}" for d in drops)
                + f"   kept in {kept}/{args.folds} folds"
            )
    if not args.no_baseline:
        base = baseline(args, tools, scorer, truths)
        figures["trafilatura"] = base
        print("\n== plain trafilatura, same pages ==")
        print_table([("plain trafilatura", base)])
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, default=str) + "\n", encoding="utf-8")
    return 0


def held_out(
    scorer: ModuleType,
    truths: dict[str, dict],
    records: dict[Config, dict[str, dict]],
    folds: list[list[str]],
    families: list[str],
    truth_paths: dict[str, str],
    args: argparse.Namespace,
    run: Any,
) -> tuple[dict[str, float | None], dict[str, list[float]], list[Config]]:
    """Nested selection: families chosen on the other folds, scored on the fold."""
    full: Config = frozenset()
    contributions: dict[str, list[float]] = {f: [] for f in families}
    dropped: list[Config] = []
    for i, fold in enumerate(folds):
        train = [t for j, other in enumerate(folds) if j != i for t in other]
        base = objective(score(scorer, truths, records[full], train))
        off = set()
        for family in families:
            without = objective(score(scorer, truths, records[frozenset({family})], train))
            if without >= base:  # no loss without it on the other folds: it goes
                off.add(family)
            on_fold = objective(score(scorer, truths, records[full], fold))
            off_fold = objective(score(scorer, truths, records[frozenset({family})], fold))
            contributions[family].append(on_fold - off_fold)
        dropped.append(frozenset(off))
    # each fold under the configuration chosen without it: one more pass where needed
    needed = {tid: config for fold, config in zip(folds, dropped, strict=True) for tid in fold}
    missing = [(tid, c) for tid, c in needed.items() if c not in records]
    if missing:
        for tid, by_config, _ in run(
            [(truth_paths[tid], [c], args.header_charset) for tid, c in missing]
        ):
            for config, record in by_config.items():
                records[config][tid] = record
    held_records = {tid: records[config][tid] for tid, config in needed.items()}
    return score(scorer, truths, held_records, list(truths)), contributions, dropped


def baseline(
    args: argparse.Namespace, tools: Path, scorer: ModuleType, truths: dict[str, dict]
) -> dict[str, float | None]:
    import subprocess

    path = args.baseline
    if path is None:
        path = args.out.with_name(args.out.stem + "-trafilatura.jsonl")
        subprocess.run(
            [
                sys.executable,
                str(tools / "extract_baseline.py"),
                str(args.corpus),
                "--engine",
                "trafilatura",
                "--out",
                str(path),
            ],
            check=True,
        )
    records = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rec = json.loads(line)
            records[rec["id"]] = rec
    return score(scorer, truths, records, list(truths))


if __name__ == "__main__":
    sys.exit(main())
