"""``topic_matches``: the table's columns, and replacing one topic's rows after a rematch.

The pipeline decides what matches (:mod:`pipeline.query`); this module owns how a match is
stored: the query terms that hit (``matched_terms``), each hit's words as written and the
lemmas they were matched by (``matched_forms``, migration 0010), a snippet and a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import duckdb
import pyarrow as pa

from warehouse.connection import transaction

__all__ = [
    "FORMS_TYPE",
    "FORM_TYPE",
    "article_batches",
    "article_batches_between",
    "article_count",
    "article_span",
    "forms_rows",
    "replace_topic_matches",
]

FORM_TYPE = pa.struct([("term", pa.string()), ("surface", pa.string()), ("normal", pa.string())])
FORMS_TYPE = pa.list_(FORM_TYPE)

# what matching reads of an article (pipeline.query.MatchDoc), and the date it is filed under
_MATCH_COLUMNS = "id, title, text, outlet, language, authors"
_WHEN = "coalesce(published_at, first_seen_at)"


def article_count(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT count(*) FROM articles").fetchall()[0][0])


def article_span(con: duckdb.DuckDBPyConnection) -> tuple[int, datetime | None, datetime | None]:
    """(articles, first date, last date) of the warehouse."""
    total, first, last = con.execute(
        f"SELECT count(*), min({_WHEN}), max({_WHEN}) FROM articles"
    ).fetchall()[0]
    return int(total), first, last


def article_batches(con: duckdb.DuckDBPyConnection, batch_rows: int) -> pa.RecordBatchReader:
    """Every article's matching columns as Arrow batches (memory stays flat at any size)."""
    return con.sql(f"SELECT {_MATCH_COLUMNS} FROM articles").to_arrow_reader(batch_rows)


def article_batches_between(
    con: duckdb.DuckDBPyConnection, start: datetime, end: datetime, batch_rows: int
) -> pa.RecordBatchReader:
    """Articles dated in ``[start, end)``, newest first, with their date as ``dated_at``."""
    return con.sql(
        f"SELECT {_MATCH_COLUMNS}, {_WHEN} AS dated_at FROM articles"
        f" WHERE {_WHEN} >= $start AND {_WHEN} < $end ORDER BY dated_at DESC, id",
        params={"start": start, "end": end},
    ).to_arrow_reader(batch_rows)


def forms_rows(forms: Iterable[Sequence[str]]) -> list[dict[str, str]]:
    """``(term, surface, normal)`` triples as the rows of a ``matched_forms`` list."""
    return [{"term": f[0], "surface": f[1], "normal": f[2]} for f in forms]


def replace_topic_matches(
    con: duckdb.DuckDBPyConnection, topic: str, new: pa.Table, now: datetime
) -> tuple[int, int]:
    """Make ``new`` (article_id, matched_terms, matched_forms, snippet) ``topic``'s matches.

    One transaction: readers see the old matches or the new ones, never a mix. Articles
    that still match keep their ``matched_at``; new ones get ``now``. Returns (added, removed).
    """
    con.register("_rematch_new", new)
    try:
        with transaction(con):
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _rematch_rows AS"
                " SELECT n.article_id, n.matched_terms, n.matched_forms, n.snippet,"
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
                "INSERT INTO topic_matches"
                " (topic, article_id, matched_terms, matched_forms, snippet, matched_at)"
                " SELECT ?, article_id, matched_terms, matched_forms, snippet, matched_at"
                " FROM _rematch_rows",
                [topic],
            )
            con.execute("DROP TABLE _rematch_rows")
    finally:
        con.unregister("_rematch_new")
    kept = new.num_rows - added
    return added, before - kept
