"""Re-running topic queries over the stored articles: after a query changes, or to try one.

Matching stays in Python (:mod:`pipeline.query`); the query never becomes SQL text and
the topic name reaches SQL only as a bound parameter. Articles are read as Arrow batches
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
from warehouse.connection import transaction

__all__ = [
    "PreviewMatch",
    "PreviewResult",
    "RematchResult",
    "preview_matches",
    "rematch_topic",
]

Progress = Callable[[int, int], None]  # (articles scanned so far, articles in total)
BatchHit = tuple[int, list[str], str]  # (row index in its batch, matched terms, snippet)

_MATCH_COLUMNS = "id, title, text, outlet, language, authors"
_WHEN = "coalesce(published_at, first_seen_at)"


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
            hits.append((i, list(found.matched_terms), found.snippet))
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
    total = con.execute("SELECT count(*) FROM articles").fetchall()[0][0]
    reader = con.sql(f"SELECT {_MATCH_COLUMNS} FROM articles").to_arrow_reader(batch_rows)
    ids: list[int] = []
    terms: list[list[str]] = []
    snippets: list[str] = []
    scanned = 0
    for batch, hits in scan_batches(reader, compiled, workers):
        batch_ids = batch.column("id")
        for index, matched_terms, snippet in hits:
            ids.append(batch_ids[index].as_py())
            terms.append(matched_terms)
            snippets.append(snippet)
        scanned += batch.num_rows
        if progress is not None:
            progress(scanned, total)
    new = pa.table(
        {
            "article_id": pa.array(ids, pa.int64()),
            "matched_terms": pa.array(terms, pa.list_(pa.string())),
            "snippet": pa.array(snippets, pa.string()),
        }
    )
    added, removed = _swap(con, topic, new, now)
    return RematchResult(
        topic=topic,
        scanned=scanned,
        matched=new.num_rows,
        added=added,
        removed=removed,
        seconds=time.perf_counter() - started,
    )


def _swap(
    con: duckdb.DuckDBPyConnection, topic: str, new: pa.Table, now: datetime
) -> tuple[int, int]:
    con.register("_rematch_new", new)
    try:
        with transaction(con):
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _rematch_rows AS"
                " SELECT n.article_id, n.matched_terms, n.snippet,"
                " coalesce(o.matched_at, ?::TIMESTAMPTZ) AS matched_at,"
                " o.article_id IS NULL AS is_new"
                " FROM _rematch_new AS n"
                " LEFT JOIN topic_matches AS o ON o.topic = ? AND o.article_id = n.article_id",
                [now, topic],
            )
            before = con.execute(
                "SELECT count(*) FROM topic_matches WHERE topic = ?", [topic]
            ).fetchall()[0][0]
            added = con.execute("SELECT count(*) FROM _rematch_rows WHERE is_new").fetchall()[0][0]
            con.execute("DELETE FROM topic_matches WHERE topic = ?", [topic])
            con.execute(
                "INSERT INTO topic_matches (topic, article_id, matched_terms, snippet, matched_at)"
                " SELECT ?, article_id, matched_terms, snippet, matched_at FROM _rematch_rows",
                [topic],
            )
            con.execute("DROP TABLE _rematch_rows")
    finally:
        con.unregister("_rematch_new")
    kept = new.num_rows - added
    return added, before - kept


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
    total, first, last = con.execute(
        f"SELECT count(*), min({_WHEN}), max({_WHEN}) FROM articles"
    ).fetchall()[0]
    found: list[PreviewMatch] = []
    scanned = 0
    if not total:
        return PreviewResult(found, 0, 0, True)
    end = last + timedelta(microseconds=1)
    while end > first and len(found) < limit:
        start = end - timedelta(days=window_days)
        reader = con.sql(
            f"SELECT {_MATCH_COLUMNS}, {_WHEN} AS dated_at FROM articles"
            f" WHERE {_WHEN} >= $start AND {_WHEN} < $end ORDER BY dated_at DESC, id",
            params={"start": start, "end": end},
        ).to_arrow_reader(batch_rows)
        for batch, hits in scan_batches(reader, compiled, workers=1):
            scanned += batch.num_rows
            for index, terms, snippet in hits:
                row = batch.slice(index, 1).to_pylist()[0]
                found.append(
                    PreviewMatch(
                        article_id=row["id"],
                        title=row["title"],
                        outlet=row["outlet"],
                        at=row["dated_at"],
                        matched_terms=tuple(terms),
                        snippet=snippet,
                    )
                )
            if progress is not None:
                progress(scanned, total)
            if len(found) >= limit:
                break
        end = start
    complete = scanned >= total and len(found) <= limit
    return PreviewResult(found[:limit], scanned, total, complete)
