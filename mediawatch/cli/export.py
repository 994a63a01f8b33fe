"""``mediawatch export``: articles and topic matches as day-partitioned Parquet or CSV."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from mediawatch.cli.common import AppContext, pass_app


def register(cli: click.Group) -> None:
    @cli.command()
    @click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
    @click.option("--format", "fmt", type=click.Choice(["parquet", "csv"]), default="parquet",
                  show_default=True)  # fmt: skip
    @click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                  help="Only articles from this UTC day on.")  # fmt: skip
    @click.option("--overwrite", is_flag=True, help="Replace an earlier export in DIRECTORY.")
    @pass_app
    def export(
        app: AppContext, directory: Path, fmt: str, since: datetime | None, overwrite: bool
    ) -> None:
        """Write articles and topic matches to DIRECTORY, one day=YYYY-MM-DD folder per day."""
        from warehouse.examples import count_exported
        from warehouse.export import export_warehouse

        config = app.config
        result = export_warehouse(
            config.warehouse_path, directory, fmt=fmt,  # type: ignore[arg-type]  # click.Choice gives one of Format's strings
            since=since.date() if since else None, overwrite=overwrite,
            timeout_s=config.warehouse.lock_timeout_s,
        )  # fmt: skip
        click.echo(
            f"wrote {result.articles} article(s) and {result.matches} topic match(es) over"
            f" {result.days} day(s) in {result.files} {result.fmt} file(s) to {result.directory}"
            f" ({result.seconds:.1f} s)"
        )
        pattern = f"{result.directory}/articles/*/*.{result.fmt}"
        # the duckdb Python module came with mediawatch; the DuckDB CLI may not be installed
        query = count_exported(pattern, result.fmt)
        click.echo(
            f'read it back: {sys.executable} -c "import duckdb; duckdb.sql(\\"{query}\\").show()"'
        )
