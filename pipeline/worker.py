"""The CPU-bound part of the pipeline, run in worker processes (one per core).

Each page is extracted, fingerprinted and matched against every topic here, so that
the crawler's event loop never waits on trafilatura and both cores are used.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from pipeline.dedup import content_hash, signature
from pipeline.extract import ExtractOptions, extract_page
from pipeline.items import Article, ExtractionFailure, FetchedPage, OutletHints
from pipeline.query import CompiledQuery, MatchDoc, compile_query, match_topics


@dataclass(frozen=True)
class WorkerSetup:
    """Everything a worker needs, sent once when the worker starts."""

    options: ExtractOptions
    hints: dict[str, OutletHints]
    topics: tuple[tuple[str, str], ...]  # (name, query source)
    num_perm: int = 128
    shingle_words: int = 5


@dataclass(frozen=True)
class _Context:
    setup: WorkerSetup
    topics: tuple[tuple[str, CompiledQuery], ...]


# Process-local: set once by the pool initializer in each worker process, never shared.
_context: list[_Context] = []


def init_worker(setup: WorkerSetup) -> None:
    """Set up a pool worker: ready to extract, deaf to Ctrl-C.

    A terminal's Ctrl-C reaches every process of its group; a worker that died of it
    would break the pool and lose the pages in flight. The crawl process started us with
    SIGINT ignored already (so even our imports are safe); this keeps it so when a pool
    is started elsewhere. The parent ends its workers itself (shutdown, kill, or we notice
    it is gone).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _context[:] = [_Context(setup, tuple((name, compile_query(src)) for name, src in setup.topics))]
    threading.Thread(
        target=_exit_with_parent, args=(os.getppid(),), name="parent-watch", daemon=True
    ).start()


def _exit_with_parent(parent: int, every_s: float = 1.0) -> None:
    """Leave when the crawl or worker that started us is gone (kill -9, the OOM killer).

    Otherwise the pool's processes wait for work forever, each holding its memory.
    """
    while os.getppid() == parent:
        time.sleep(every_s)
    os._exit(0)


def process_page(page: FetchedPage) -> Article | ExtractionFailure:
    """Extract, fingerprint and match one page; never raises for a bad page."""
    ctx = _context[0]
    return process_with(ctx.setup, ctx.topics, page)


def process_with(
    setup: WorkerSetup,
    topics: tuple[tuple[str, CompiledQuery], ...],
    page: FetchedPage,
) -> Article | ExtractionFailure:
    hints = setup.hints.get(page.outlet) or OutletHints(name=page.outlet)
    try:
        result = extract_page(page, hints, setup.options, now=datetime.now(UTC))
    except Exception as exc:  # a bug or a pathological page must not kill the worker
        return ExtractionFailure(
            page.url, page.outlet, "parser-error", f"{type(exc).__name__}: {exc}"
        )
    if isinstance(result, ExtractionFailure):
        return result
    result.content_hash = content_hash(result.text)
    result.minhash = signature(
        result.text, num_perm=setup.num_perm, shingle_words=setup.shingle_words
    )
    if topics:
        doc = MatchDoc(
            title=result.title,
            text=result.text,
            outlet=result.outlet,
            language=result.language or "",
            authors=tuple(result.authors),
        )
        result.topic_matches = match_topics(topics, doc)
    return result
