"""Extraction speed: mediawatch's extract_page against plain trafilatura, interleaved.

    python benchmarks/extraction/speed.py [--corpus ../shared/corpus] [--every 1] [--rounds 1]

The machine is shared, so the two are timed page by page in one process, alternating which
goes first, on the same bytes: the ratio is what to read, the absolute numbers drift with
the load. Plain trafilatura is what the shared baseline script runs (bare_extraction with
metadata, no comments, plus py3langid on the text), from the decoded page.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pipeline.extract import ExtractOptions, extract_page  # noqa: E402
from pipeline.items import FetchedPage, OutletHints  # noqa: E402


def _plain(html: str, url: str) -> None:
    import py3langid
    from trafilatura import bare_extraction

    doc = bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    if doc is not None and doc.text:
        py3langid.classify(doc.text)


def _ours(raw: bytes, url: str, charset: str | None) -> None:
    page = FetchedPage(
        url=url,
        requested_url=url,
        outlet=urlsplit(url).hostname or "corpus.invalid",
        status=200,
        body=raw,
        fetched_at=datetime.now(UTC),
        content_type="text/html",
        declared_encoding=None,  # a crawl has no charset beyond the HTTP header
    )
    extract_page(page, OutletHints(name=page.outlet), ExtractOptions(min_text_chars=0))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--every", type=int, default=1, help="take every n-th page")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}: nothing to measure", file=sys.stderr)
        return 0
    pages = []
    for path in sorted(args.corpus.glob("*/truth/*.json"))[:: args.every]:
        truth = json.loads(path.read_text(encoding="utf-8"))
        raw = gzip.decompress(
            (path.parent.parent / "pages" / f"{truth['id']}.html.gz").read_bytes()
        )
        url = truth.get("url") or f"http://corpus.invalid/{truth['id']}"
        pages.append((raw, url, truth.get("charset") or "utf-8"))
    _ours(*pages[0]), _plain(pages[0][0].decode(pages[0][2], "replace"), pages[0][1])  # warm-up
    spent = {"ours": 0.0, "plain": 0.0}
    for round_ in range(args.rounds):
        for i, (raw, url, charset) in enumerate(pages):
            order = ["ours", "plain"] if (i + round_) % 2 == 0 else ["plain", "ours"]
            for name in order:
                start = time.perf_counter()
                if name == "ours":
                    _ours(raw, url, charset)
                else:
                    _plain(raw.decode(charset, "replace"), url)
                spent[name] += time.perf_counter() - start
    ours, plain = spent["ours"], spent["plain"]
    n = len(pages) * args.rounds
    print(
        f"{n} extractions each: ours {1000 * ours / n:.1f} ms/page, "
        f"plain trafilatura {1000 * plain / n:.1f} ms/page, ratio {ours / plain:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
