"""Near-duplicate benchmark: pairwise precision/recall and time per article at several sizes.

    python benchmarks/dedup/run.py                 # 10k and 100k side by side
    python benchmarks/dedup/run.py --sizes 1000,20000
    python benchmarks/dedup/run.py --quick         # CI smoke: 1k articles, seconds

Signatures are computed in a Pool(2) as the extraction workers would; candidate search
and insert run in this process as the single dedup stage does. "index" time must stay
flat as the index grows: it is reported overall and for the last 10 % of arrivals.
"""

from __future__ import annotations

import argparse
import sys
import time
from multiprocessing import Pool
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import generate, pairwise_scores  # noqa: E402

from pipeline.dedup import StoryIndex, content_hash, signature  # noqa: E402


def _sign(args: tuple[str, int, int]) -> bytes:
    text, num_perm, shingle_words = args
    return signature(text, num_perm=num_perm, shingle_words=shingle_words)


def run_size(n: int, threshold: float, num_perm: int, shingle_words: int, workers: int) -> dict:
    docs = generate(n)
    texts = [d.text for d in docs]
    started = time.perf_counter()
    if workers > 1:
        with Pool(workers) as pool:
            sigs = pool.map(_sign, [(t, num_perm, shingle_words) for t in texts], chunksize=256)
    else:
        sigs = [_sign((t, num_perm, shingle_words)) for t in texts]
    sign_s = time.perf_counter() - started

    index = StoryIndex(threshold, num_perm)
    story_of: dict[int, int] = {}
    by_hash: dict[str, int] = {}
    tail_from = int(n * 0.9)
    started = time.perf_counter()
    tail_started = started
    for i, (doc, sig) in enumerate(zip(docs, sigs, strict=True)):
        if i == tail_from:
            tail_started = time.perf_counter()
        exact = by_hash.setdefault(content_hash(doc.text), doc.doc_id)
        match = index.assign(doc.doc_id, sig)
        if exact != doc.doc_id:
            story_of[doc.doc_id] = story_of[exact]
        elif match is not None:
            story_of[doc.doc_id] = story_of[match[0]]
        else:
            story_of[doc.doc_id] = doc.doc_id
    ended = time.perf_counter()
    index_s = ended - started
    tail_s = ended - tail_started

    precision, recall, true_pairs, pred_pairs = pairwise_scores(
        [d.story for d in docs], [story_of[d.doc_id] for d in docs]
    )
    same_event = _same_event_merges(docs, story_of)
    return {
        "n": n,
        "precision": precision,
        "recall": recall,
        "true_pairs": true_pairs,
        "pred_pairs": pred_pairs,
        "same_event_merges": same_event,
        "sign_ms": 1000 * sign_s / n,
        "index_ms": 1000 * index_s / n,
        "tail_index_ms": 1000 * tail_s / max(1, n - tail_from),
        "total_ms": 1000 * (sign_s + index_s) / n,
    }


def _same_event_merges(docs: list, story_of: dict[int, int]) -> int:
    """Predicted clusters that join different stories of one event (the "must not merge")."""
    stories: dict[int, set[int]] = {}
    event_of_story = {d.story: d.event for d in docs}
    for d in docs:
        stories.setdefault(story_of[d.doc_id], set()).add(d.story)
    return sum(
        1
        for members in stories.values()
        if len(members) > 1 and len({event_of_story[s] for s in members}) < len(members)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--quick", action="store_true", help="1k articles (CI smoke)")
    parser.add_argument("--threshold", type=float, default=0.7)
    parser.add_argument("--num-perm", type=int, default=128)
    parser.add_argument("--shingle-words", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    sizes = [1000] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]

    rows = [
        run_size(n, args.threshold, args.num_perm, args.shingle_words, args.workers) for n in sizes
    ]
    print(
        f"threshold={args.threshold} num_perm={args.num_perm} "
        f"shingle_words={args.shingle_words} workers={args.workers}"
    )
    header = (
        f"{'articles':>9} {'precision':>9} {'recall':>7} {'true pairs':>10} {'pred pairs':>10} "
        f"{'event merges':>12} {'sign ms':>8} {'index ms':>8} {'last10% ms':>10} {'total ms':>8}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['n']:>9} {r['precision']:>9.4f} {r['recall']:>7.4f} {r['true_pairs']:>10} "
            f"{r['pred_pairs']:>10} {r['same_event_merges']:>12} {r['sign_ms']:>8.3f} "
            f"{r['index_ms']:>8.3f} {r['tail_index_ms']:>10.3f} {r['total_ms']:>8.3f}"
        )
    print("sign ms: wall time per article over the worker pool; index ms: candidate search,")
    print("verification and insert per article; total = sign + index (both per article).")
    ok = all(r["precision"] >= 0.99 and r["recall"] >= 0.95 for r in rows)
    print("targets (precision >= 0.99, recall >= 0.95):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
