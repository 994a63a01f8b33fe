"""SQL that mediawatch shows to users (examples and hints), kept next to the schema it names.

A renamed table or column must break these too, so they live here and not in the CLI.
"""

from __future__ import annotations

FAILURES_BY_OUTLET = (
    "SELECT outlet, reason, count(*) FROM fetch_failures GROUP BY ALL ORDER BY 3 DESC"
)


def demo_queries(topic: str) -> tuple[str, ...]:
    """What ``mediawatch demo`` suggests trying on its warehouse."""
    quoted = "'" + topic.replace("'", "''") + "'"
    return (
        "SELECT outlet, count(*) AS articles, count(DISTINCT story_id) AS stories"
        " FROM articles GROUP BY outlet ORDER BY articles DESC",
        "SELECT date_trunc('day', published_at) AS day, count(*) AS articles FROM articles a"
        f" JOIN topic_matches m ON m.article_id = a.id WHERE m.topic = {quoted}"
        " GROUP BY day ORDER BY day",
        "SELECT s.n_outlets, s.origin_outlet, s.title FROM stories s"
        " WHERE s.n_articles > 1 ORDER BY s.n_outlets DESC LIMIT 5",
    )


def run_failures(run_id: int) -> str:
    """One run's failures by outlet, stage and reason."""
    return (
        "SELECT outlet, stage, reason, count(*) FROM fetch_failures"
        f" WHERE run_id = {int(run_id)} GROUP BY ALL ORDER BY 4 DESC"
    )


# the latest edits a re-crawl recorded (`mediawatch crawl --recrawl` prints it)
RECENT_EDITS = (
    "SELECT a.outlet, a.title, v.seen_at, v.words_added, v.words_removed, v.title_changed"
    " FROM article_versions v JOIN articles a ON a.id = v.article_id ORDER BY v.seen_at DESC LIMIT 20"
)


def count_exported(pattern: str, fmt: str) -> str:
    """Counts an export's articles back with DuckDB's own reader."""
    reader = "read_parquet" if fmt == "parquet" else "read_csv"
    return f"SELECT count(*) FROM {reader}('{pattern}', hive_partitioning=true)"
