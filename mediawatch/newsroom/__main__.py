"""``python -m mediawatch.newsroom``: serve the demo newsroom until Ctrl-C.

It prints the outlets as ``[[outlets]]`` TOML to paste into a config. With ``--port`` every
outlet listens on that port of its own loopback address (127.0.1.1, 127.0.1.2, …), so the
addresses stay the same from one start to the next (``mediawatch demo --port`` uses the same
ones): a config written once keeps working.
"""

from __future__ import annotations

import argparse
import signal
import threading

import tomli_w

from mediawatch.newsroom import build_newsroom, serve
from mediawatch.newsroom.boilerplate import PAGE_WEIGHTS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mediawatch.newsroom", description="Serve the offline demo newsroom."
    )
    parser.add_argument("--articles", type=int, default=360, help="number of articles")
    parser.add_argument("--seed", type=int, default=7, help="generator seed")
    parser.add_argument("--days", type=int, default=30, help="days of coverage")
    parser.add_argument("--host-prefix", default="127.0.1.", help="loopback address prefix")
    parser.add_argument(
        "--port",
        type=int,
        default=0,
        help="port of every outlet, each on its own address (default: any free port)",
    )
    parser.add_argument(
        "--warm", action="store_true", help="render every article before serving (benchmarks)"
    )
    parser.add_argument(
        "--page-weight",
        choices=PAGE_WEIGHTS,
        default="light",
        help="'real': article pages as heavy as real news pages (benchmarks)",
    )
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port {args.port}: not a port number (0-65535)")

    newsroom = build_newsroom(
        seed=args.seed, n_articles=args.articles, days=args.days, page_weight=args.page_weight
    )
    stop = threading.Event()
    # Ctrl-C works even when started with SIGINT ignored (as a background job); TERM too.
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with serve(newsroom, host_prefix=args.host_prefix, port=args.port) as server:
        if args.warm:
            print(f"rendered {server.warm()} pages", flush=True)
        for spec in newsroom.outlets:
            count = len(newsroom.articles_of(spec.key))
            print(f"{spec.name:<26} {server.base_url(spec.key)}/  ({count} articles)", flush=True)
        print(f"spike day: {newsroom.spike_day}  copies made: {newsroom.copies_made}")
        print("\n# the outlets, to paste into mediawatch.toml:")
        print(tomli_w.dumps({"outlets": server.outlet_config()}), flush=True)
        print("Serving; press Ctrl-C to stop.", flush=True)
        while not stop.wait(0.5):
            pass
        print("stopping", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
