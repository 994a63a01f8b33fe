"""Trying a topic query on the page: the newest matches within a time budget.

Matching is the topic engine's own (:func:`pipeline.query.compile_query`, then
``CompiledQuery.match`` on each article, as ``mediawatch topics test`` does); articles are
read newest first in pages through :func:`warehouse.browse.newest_articles`. A page must
answer quickly, so the scan stops after ``budget_s`` and says how far it got; "search
further" gives it longer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import duckdb

from pipeline.query import CompiledQuery, MatchDoc
from warehouse.browse import SearchDoc, newest_articles, warehouse_totals

PAGE_ROWS = 400


@dataclass(frozen=True)
class Hit:
    doc: SearchDoc
    matched_terms: tuple[str, ...]
    snippet: str


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit]
    scanned: int
    total: int
    complete: bool  # every article was looked at


def search(
    con: duckdb.DuckDBPyConnection, query: CompiledQuery, limit: int, budget_s: float
) -> SearchResult:
    deadline = time.perf_counter() + budget_s
    total = warehouse_totals(con)[0]
    hits: list[Hit] = []
    scanned = 0
    after = None
    while len(hits) < limit:
        page = newest_articles(con, after, PAGE_ROWS)
        if not page:
            return SearchResult(hits, scanned, total, True)
        for doc in page:
            scanned += 1
            found = query.match(MatchDoc(doc.title, doc.text, doc.outlet, doc.language or "",
                                         doc.authors))  # fmt: skip
            if found is not None:
                hits.append(Hit(doc, found.matched_terms, found.snippet))
                if len(hits) >= limit:
                    break
        after = (doc.dated_at, doc.id)
        if time.perf_counter() > deadline:  # checked after a page: every search looks at some
            break
    return SearchResult(hits, scanned, total, scanned >= total)
