"""Re-running topic queries over the stored articles: after a query changes, or to try one.

Matching stays in Python (:mod:`pipeline.query`); the query never becomes SQL text, and
reading articles and swapping a topic's rows is :mod:`warehouse.matches`'s business. Articles are read as Arrow batches
and matched in worker processes (a :class:`~pipeline.query.CompiledQuery` pickles as its
source), with a bounded number of batches in flight so memory stays flat at any size.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb
import pyarrow as pa

from pipeline.query import CompiledQuery, MatchDoc, compile_query
from warehouse.matches import (
    FORMS_TYPE,
    article_batches,
    article_batches_between,
    article_count,
    article_span,
    forms_rows,
    replace_topic_matches,
)

__all__ = [
    "PreviewMatch",
    "PreviewResult",
    "RematchResult",
    "preview_matches",
    "rematch_topic",
]

Progress = Callable[[int, int], None]  # (articles scanned so far, articles in total)
# (row index in its batch, matched terms, snippet, (term, surface, normal) of each hit)
BatchHit = tuple[int, list[str], str, list[tuple[str, str, str]]]


@dataclass(frozen=True)
class RematchResult:
    topic: str
    scanned: int
    matched: int
    added: int  # articles that match now and did not before
    removed: int  # articles that matched before and no longer do
    seconds: float


@dataclass(frozen=True)
class PreviewMatch:
    article_id: int
    title: str
    outlet: str
    at: datetime | None
    matched_terms: tuple[str, ...]
    snippet: str
    matched_forms: tuple[tuple[str, str, str], ...] = ()  # (term, as written, normal form)


@dataclass(frozen=True)
class PreviewResult:
    matches: list[PreviewMatch]
    scanned: int
    total: int
    complete: bool  # every article was looked at and every match is in ``matches``


def match_batch(args: tuple[CompiledQuery, pa.RecordBatch]) -> list[BatchHit]:
    """Match one batch; runs in a worker, so it returns plain tuples, not the batch."""
    query, batch = args
    cols = batch.to_pydict()
    hits: list[BatchHit] = []
    rows = zip(
        cols["title"], cols["text"], cols["outlet"], cols["language"], cols["authors"], strict=True
    )
    for i, (title, text, outlet, language, authors) in enumerate(rows):
        doc = MatchDoc(title or "", text or "", outlet or "", language or "", tuple(authors or ()))
        found = query.match(doc)
        if found is not None:
            forms = [(f.term, f.surface, f.normal) for f in found.matched_forms]
            hits.append((i, list(found.matched_terms), found.snippet, forms))
    return hits


def scan_batches(
    batches: Iterable[pa.RecordBatch], query: CompiledQuery, workers: int = 2
) -> Iterator[tuple[pa.RecordBatch, list[BatchHit]]]:
    """Yield each batch with its hits, in input order.

    The batches are produced in this process (a DuckDB reader is not shared with threads
    or children) and at most ``2 * workers`` are in flight. Workers are spawned, not
    forked: the parent holds DuckDB's threads and locks, which a fork would copy.
    """
    if workers <= 1:
        for batch in batches:
            yield batch, match_batch((query, batch))
        return
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        pending: deque[tuple[pa.RecordBatch, multiprocessing.pool.AsyncResult]] = deque()
        for batch in batches:
            pending.append((batch, pool.apply_async(match_batch, ((query, batch),))))
            while len(pending) >= 2 * workers:
                done, result = pending.popleft()
                yield done, result.get()
        while pending:
            done, result = pending.popleft()
            yield done, result.get()


def _as_query(query: CompiledQuery | str) -> CompiledQuery:
    return query if isinstance(query, CompiledQuery) else compile_query(query)


def rematch_topic(
    con: duckdb.DuckDBPyConnection,
    topic: str,
    query: CompiledQuery | str,
    *,
    workers: int = 2,
    batch_rows: int = 4096,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> RematchResult:
    """Replace ``topic``'s rows in ``topic_matches`` with what ``query`` matches now.

    ``con`` must be read-write; holding it for the whole scan keeps a crawl from adding
    articles between the scan and the write. The swap is one transaction: readers see
    the old matches or the new ones, never a mix. Articles that still match keep their
    ``matched_at``; new matches get ``now``.
    """
    compiled = _as_query(query)
    started = time.perf_counter()
    now = now or datetime.now(UTC)
    total = article_count(con)
    reader = article_batches(con, batch_rows)
    ids: list[int] = []
    terms: list[list[str]] = []
    forms: list[list[dict[str, str]]] = []
    snippets: list[str] = []
    scanned = 0
    for batch, hits in scan_batches(reader, compiled, workers):
        batch_ids = batch.column("id")
        for index, matched_terms, snippet, matched_forms in hits:
            ids.append(batch_ids[index].as_py())
            terms.append(matched_terms)
            forms.append(forms_rows(matched_forms))
            snippets.append(snippet)
        scanned += batch.num_rows
        if progress is not None:
            progress(scanned, total)
    new = pa.table(
        {
            "article_id": pa.array(ids, pa.int64()),
            "matched_terms": pa.array(terms, pa.list_(pa.string())),
            "matched_forms": pa.array(forms, FORMS_TYPE),
            "snippet": pa.array(snippets, pa.string()),
        }
    )
    added, removed = replace_topic_matches(con, topic, new, now)
    return RematchResult(
        topic=topic,
        scanned=scanned,
        matched=new.num_rows,
        added=added,
        removed=removed,
        seconds=time.perf_counter() - started,
    )


def preview_matches(
    con: duckdb.DuckDBPyConnection,
    query: CompiledQuery | str,
    *,
    limit: int = 20,
    window_days: int = 7,
    batch_rows: int = 2048,
    progress: Progress | None = None,
) -> PreviewResult:
    """The newest ``limit`` articles ``query`` matches, without storing anything.

    Reads week by week backwards from the newest article and stops as soon as it has
    enough, so a common query answers at once; a rare one scans the whole warehouse
    (in this process: a preview should not pay for spawning workers).
    """
    compiled = _as_query(query)
    total, first, last = article_span(con)
    found: list[PreviewMatch] = []
    scanned = 0
    if not total or first is None or last is None:
        return PreviewResult(found, 0, total, not total)
    end = last + timedelta(microseconds=1)
    while end > first and len(found) < limit:
        start = end - timedelta(days=window_days)
        reader = article_batches_between(con, start, end, batch_rows)
        for batch, hits in scan_batches(reader, compiled, workers=1):
            scanned += batch.num_rows
            for index, terms, snippet, forms in hits:
                row = batch.slice(index, 1).to_pylist()[0]
                found.append(
                    PreviewMatch(
                        article_id=row["id"],
                        title=row["title"],
                        outlet=row["outlet"],
                        at=row["dated_at"],
                        matched_terms=tuple(terms),
                        snippet=snippet,
                        matched_forms=tuple(forms),
                    )
                )
            if progress is not None:
                progress(scanned, total)
            if len(found) >= limit:
                break
        end = start
    complete = scanned >= total and len(found) <= limit
    return PreviewResult(found[:limit], scanned, total, complete)
