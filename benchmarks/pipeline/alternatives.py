"""Per-page extraction time of popular alternatives, run in their own virtual environment.

    python3 -m venv .alt-venv && .alt-venv/bin/pip install newspaper4k news-please lxml_html_clean
    .alt-venv/bin/python benchmarks/pipeline/alternatives.py PAGES_DIR

PAGES_DIR holds ``pages.json`` (a list of [url, file name]) and the HTML files, written by
``benchmarks/pipeline/run.py``. Prints one JSON object: engine -> ms per page (1 process).
Imports nothing from mediawatch, so the alternatives' dependencies never meet ours.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path


def newspaper4k(url: str, html: str) -> None:
    from newspaper import Article

    article = Article(url, fetch_images=False)
    article.download(input_html=html)
    article.parse()


def news_please(url: str, html: str) -> None:
    from newsplease import NewsPlease

    NewsPlease.from_html(html, url=url, fetch_images=False)


def main() -> None:
    warnings.simplefilter("ignore")
    folder = Path(sys.argv[1])
    pages = [(url, (folder / name).read_text(encoding="utf-8", errors="replace"))
             for url, name in json.loads((folder / "pages.json").read_text())]  # fmt: skip
    results = {}
    for name, fn in (("newspaper4k", newspaper4k), ("news-please", news_please)):
        fn(*pages[0])  # warm-up: imports and lazy models
        failures = 0
        started = time.perf_counter()
        for url, html in pages:
            try:
                fn(url, html)
            except Exception:
                failures += 1
        took = time.perf_counter() - started
        results[name] = {
            "ms_per_page": 1000 * took / len(pages),
            "pages": len(pages),
            "failures": failures,
        }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
