"""``mediawatch demo``: the whole job, offline, in one command."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mediawatch.cli.common import AppContext, pass_app


def register(cli: click.Group) -> None:
    @cli.command()
    @click.option(
        "--dir",
        "directory",
        type=click.Path(file_okay=False),
        default="demo",
        show_default=True,
        help="Where the demo's config, warehouse and digests go.",
    )
    @click.option(
        "--articles",
        type=int,
        default=360,
        show_default=True,
        help="Articles in the generated newsroom.",
    )
    @pass_app
    def demo(app: AppContext, directory: str, articles: int) -> None:
        """Crawl a generated newsroom on loopback into a warehouse and write a digest."""
        from mediawatch.cli.crawl import format_result
        from mediawatch.demo import DEMO_TOPIC, EXAMPLE_QUERIES, run_demo

        result = run_demo(
            Path(directory),
            articles=articles,
            echo=lambda s: click.echo(s, err=True),
            log_level=app.log_level,
        )
        click.echo(format_result(result.crawl))
        click.echo("\ndigest:")
        for path in result.digest_files:
            click.echo(f"  {path}")
        cfg = result.config_path
        program = sys.argv[0] if "/" in sys.argv[0] else "mediawatch"
        click.echo(f"\nconfig: {cfg}\nwarehouse: {result.config.warehouse_path}\n\ntry:")
        for query in EXAMPLE_QUERIES:
            click.echo(f'  MEDIAWATCH_CONFIG={cfg} {program} sql "{query}"')
        click.echo(f"  MEDIAWATCH_CONFIG={cfg} {program} status")
        click.echo(f"  MEDIAWATCH_CONFIG={cfg} {program} trends {DEMO_TOPIC['name']}")
        if result.archive is not None:
            click.echo(
                f"\nbackfill 2017 from a web archive the demo wrote:\n"
                f"  MEDIAWATCH_CONFIG={cfg} {program} backfill warc {result.archive}"
            )
        click.echo(
            f"\nbrowse it:\n  MEDIAWATCH_CONFIG={cfg} {program} serve   # http://127.0.0.1:8600/"
        )
