"""Trend views and topic rematch on a synthetic warehouse: how long each takes for one topic.

    python benchmarks/warehouse/run.py                        # 100k articles
    python benchmarks/warehouse/run.py --articles 1000000     # the full run
    python benchmarks/warehouse/run.py --quick                # CI smoke: 5k articles
    python benchmarks/warehouse/run.py --db /tmp/w.duckdb     # keep (and reuse) the file

Seeded: the same arguments give the same warehouse and the same matches. Every topic is
rematched first (that fills topic_matches, as the crawl would have), then each view is
queried for one topic, best of ``--repeat`` runs after a warm-up.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import TOPICS, SynthSpec, generate  # noqa: E402

from pipeline.rematch import rematch_topic  # noqa: E402
from warehouse.connection import opened  # noqa: E402
from warehouse.migrate import migrate  # noqa: E402
from warehouse.trends import daily_counts, share_of_voice, spikes  # noqa: E402

VIEWS = (
    "topic_daily",
    "topic_share_outlet",
    "topic_share_language",
    "topic_share_outlet_daily",
    "topic_share_language_daily",
    "story_coverage",
    "topic_spike_scores",
    "spikes",
    "spike_drivers",
)


def _time(fn, repeat: int) -> tuple[float, int]:
    fn()  # warm-up: the first run pays for loading columns
    times, rows = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        rows = fn()
        times.append(time.perf_counter() - started)
    return min(times), rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--topic", default="chechnya", choices=sorted(TOPICS))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--db", type=Path, help="warehouse file to build or reuse")
    parser.add_argument("--quick", action="store_true", help="5k articles, 2 repeats")
    parser.add_argument(
        "--views-only", action="store_true", help="reuse --db's matches: time only the views"
    )
    args = parser.parse_args()
    if args.quick:
        args.articles, args.repeat = 5_000, 2
    tmp = None
    if args.db is None:
        tmp = tempfile.TemporaryDirectory(prefix="mw-bench-")
        args.db = Path(tmp.name) / "warehouse.duckdb"
    results: list[tuple[str, float, str]] = []
    with opened(args.db) as con:
        migrate(con)
        have = con.execute("SELECT count(*) FROM articles").fetchall()[0][0]
        if have == 0:
            started = time.perf_counter()
            generate(con, SynthSpec(articles=args.articles, seed=args.seed))
            took = time.perf_counter() - started
            results.append(("generate articles", took, f"{args.articles / took:,.0f} rows/s"))
        elif have != args.articles:
            sys.exit(f"{args.db} holds {have} articles, not {args.articles}: use another --db")
        n = con.execute("SELECT count(*) FROM articles").fetchall()[0][0]
        for name, (query, _words, _share) in TOPICS.items():
            if args.views_only:
                break
            res = rematch_topic(con, name, query, workers=args.workers)
            note = f"{res.matched:,} matches, {res.scanned / res.seconds:,.0f} articles/s"
            results.append((f"topics rematch {name}", res.seconds, note))
        con.execute("CHECKPOINT")
    with opened(args.db, read_only=True) as con:
        for view in VIEWS:
            sql = f"SELECT * FROM {view} WHERE topic = ?"
            # the view's latency: computed and delivered as a columnar (Arrow) result
            took, rows = _time(
                lambda sql=sql: con.sql(sql, params=[args.topic]).to_arrow_table().num_rows,
                args.repeat,
            )
            # and as Python tuples, which adds the client's per-row object creation
            as_tuples, _ = _time(
                lambda sql=sql: len(con.execute(sql, [args.topic]).fetchall()), args.repeat
            )
            results.append(
                (f"view {view}", took, f"{rows:,} rows; {as_tuples * 1000:.1f} ms as Python tuples")
            )
        last_day = con.execute("SELECT max(day) FROM topic_daily").fetchall()[0][0]
        calls = {
            "trends.daily_counts (90 days)": lambda: len(
                daily_counts(con, args.topic, 90, until=last_day)
            ),
            "trends.spikes (with drivers)": lambda: len(spikes(con, args.topic)),
            "trends.share_of_voice": lambda: len(share_of_voice(con, args.topic)),
        }
        for label, fn in calls.items():
            took, rows = _time(fn, args.repeat)
            results.append((label, took, f"{rows:,} rows"))
        found = spikes(con, args.topic)
    print(f"\n{n:,} synthetic articles, topic {args.topic!r}, best of {args.repeat}\n")
    width = max(len(r[0]) for r in results)
    print(f"{'step':<{width}}  {'ms':>10}  notes")
    for label, took, note in results:
        print(f"{label:<{width}}  {took * 1000:>10.1f}  {note}")
    print(
        "\nspikes found:", ", ".join(f"{s.day} (z={s.z:.1f}, {s.stories} stories)" for s in found)
    )
    view_times = [t for label, t, _ in results if label.startswith("view ")]
    print(
        f"views: median {statistics.median(view_times) * 1000:.1f} ms, max {max(view_times) * 1000:.1f} ms"
    )
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
