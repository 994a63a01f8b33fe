"""``mediawatch topics``: list the configured topics, try a query, recompute matches."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC
from typing import TYPE_CHECKING, Any

import click

from mediawatch.cli.common import AppContext, pass_app
from mediawatch.errors import TerminalError

if TYPE_CHECKING:
    from pipeline.query import CompiledQuery


def register(cli: click.Group) -> None:
    @cli.group()
    def topics() -> None:
        """Topic queries: list them, try one on the warehouse, recompute matches."""

    @topics.command("list")
    @click.option("--max-width", type=int, default=60, show_default=True, help="Table cell width.")
    @pass_app
    def list_topics(app: AppContext, max_width: int) -> None:
        """Configured topics with their queries and how many articles each matched so far."""
        from mediawatch.output import table
        from warehouse.connection import opened

        config = app.config
        counts: dict[str, int] = {}
        if config.warehouse_path.exists():
            with opened(config.warehouse_path, read_only=True,
                        timeout_s=config.warehouse.lock_timeout_s) as con:  # fmt: skip
                rows = con.execute("SELECT topic, count(*) FROM topic_matches GROUP BY topic")
                counts = dict(rows.fetchall())
        rows = [(t.name, t.query, counts.get(t.name, 0)) for t in config.topics]
        click.echo(table(["topic", "query", "matches"], rows, max_width=max_width))
        stale = sorted(set(counts) - {t.name for t in config.topics})
        if stale:
            click.echo(f"in the warehouse but not configured: {', '.join(stale)}")

    @topics.command("test")
    @click.argument("query")
    @click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True,
                  help="Show at most N matches, newest first.")  # fmt: skip
    @click.option("--max-width", type=int, default=60, show_default=True, help="Table cell width.")
    @pass_app
    def test_query(app: AppContext, query: str, limit: int, max_width: int) -> None:
        """Show what QUERY would match in the warehouse, without storing anything."""
        from mediawatch.output import table
        from pipeline.rematch import preview_matches
        from warehouse.connection import opened

        compiled = compile_or_explain(query)
        config = app.config
        timeout = config.warehouse.lock_timeout_s
        with (
            opened(config.warehouse_path, read_only=True, timeout_s=timeout) as con,
            progress_bar("scanning") as progress,
        ):
            result = preview_matches(con, compiled, limit=limit, progress=progress)
        rows = [
            (
                m.at.astimezone(UTC).date() if m.at else None,
                m.outlet,
                m.title,
                written_forms(m.matched_forms) or list(m.matched_terms),
                m.snippet,
            )
            for m in result.matches
        ]
        click.echo(
            table(["date", "outlet", "title", "terms", "snippet"], rows, max_width=max_width)
        )
        if result.complete:
            click.echo(f"{len(rows)} match(es) in all {result.total} articles")
        else:
            click.echo(
                f"the newest {len(rows)} match(es); scanned {result.scanned} of"
                f" {result.total} articles (raise --limit to see more)"
            )

    @topics.command("rematch")
    @click.argument("topic", required=False)
    @click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
                  help="Matching processes.")  # fmt: skip
    @pass_app
    def rematch(app: AppContext, topic: str | None, workers: int) -> None:
        """Recompute TOPIC's matches (all topics if omitted) after its query changed."""
        from pipeline.rematch import rematch_topic
        from warehouse.connection import opened
        from warehouse.migrate import migrate

        config = app.config
        chosen = [config.topic(topic)] if topic else list(config.topics)
        if not chosen:
            raise TerminalError(
                "no topics configured", hint="add a [[topics]] section to the config"
            )
        with opened(config.warehouse_path, timeout_s=config.warehouse.lock_timeout_s) as con:
            migrate(con)
            for item in chosen:
                with progress_bar(item.name) as progress:
                    result = rematch_topic(
                        con, item.name, compile_or_explain(item.query), workers=workers,
                        progress=progress,
                    )  # fmt: skip
                click.echo(
                    f"{result.topic}: {result.matched} match(es) in {result.scanned} articles"
                    f" (+{result.added} new, -{result.removed} gone) in {result.seconds:.1f} s"
                )


def written_forms(forms: tuple[tuple[str, str, str], ...]) -> str:
    """ "геев (гей), Кадыров": each hit as written, with the lemma it matched when different."""
    shown = []
    for _term, surface, normal in forms:
        folded = surface.casefold().replace("ё", "е")
        shown.append(surface if folded == normal else f"{surface} ({normal})")
    return ", ".join(dict.fromkeys(shown))


def compile_or_explain(query: str) -> CompiledQuery:
    """Compile a query, turning a syntax error into a message with a caret under the column."""
    from pipeline.query import QueryError, compile_query

    try:
        return compile_query(query)
    except QueryError as exc:
        caret = " " * (max(exc.column, 1) - 1) + "^"
        raise TerminalError(
            f"{exc}\n  {query}\n  {caret}",
            hint="see README 'Topic queries' for the syntax",
        ) from None


class _TerminalProgress:
    """Draws a click progress bar on stderr, created on the first call (when the total is known)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.done = 0
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=max(total, 1), label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A progress callback when stderr is a terminal; None (no output) otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    progress = _TerminalProgress(label)
    try:
        yield progress
    finally:
        progress.close()
