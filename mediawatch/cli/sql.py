"""``mediawatch sql``: read-only SQL over the warehouse."""

from __future__ import annotations

import click

from mediawatch.cli.common import AppContext, pass_app


def register(cli: click.Group) -> None:
    @cli.command()
    @click.argument("query")
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(["table", "csv", "json"]),
        default="table",
        show_default=True,
    )
    @click.option("--max-width", type=int, default=60, show_default=True, help="Table cell width.")
    @pass_app
    def sql(app: AppContext, query: str, fmt: str, max_width: int) -> None:
        """Run one read-only SQL query (works while a crawl is writing; bounded in time and memory)."""
        from mediawatch import output
        from warehouse.query import SqlLimits, run_user_sql

        config = app.config
        limits = SqlLimits.from_config(config.warehouse)
        try:
            result = run_user_sql(
                config.warehouse_path,
                query,
                timeout_s=config.warehouse.lock_timeout_s,
                limits=limits,
            )
        except KeyboardInterrupt:
            # the query is stopped and the warehouse closed; one line, as after any Ctrl-C
            # (click would otherwise print an empty line and "aborted")
            click.echo("interrupted", err=True)
            raise SystemExit(130) from None
        if fmt == "csv":
            click.echo(output.to_csv(result.columns, result.rows), nl=False)
        elif fmt == "json":
            click.echo(output.to_json(result.columns, result.rows))
        else:
            click.echo(output.table(result.columns, result.rows, max_width=max_width))
        if result.truncated:
            click.echo(
                f"note: only the first {limits.max_rows} rows are shown; add a LIMIT, or raise"
                " [warehouse] sql_max_rows",
                err=True,
            )
