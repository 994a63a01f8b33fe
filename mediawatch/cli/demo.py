"""``mediawatch demo``: the whole job, offline, in one command."""

from __future__ import annotations

import sys
import threading
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
    @click.option(
        "--port",
        type=click.IntRange(0, 65535),
        default=0,
        show_default=True,
        help="Port of every demo outlet, each on its own loopback address (0: any free port).",
    )
    @click.option(
        "--serve",
        is_flag=True,
        help="Keep the demo outlets up after the demo, until Ctrl-C, so that 'outlets check'"
        " and 'crawl' work against them.",
    )
    @pass_app
    def demo(app: AppContext, directory: str, articles: int, port: int, serve: bool) -> None:
        """Crawl a generated newsroom on loopback into a warehouse and write a digest."""
        from mediawatch.demo import run_demo

        run_demo(
            Path(directory),
            articles=articles,
            echo=lambda s: click.echo(s, err=True),
            log_level=app.log_level,
            port=port,
            while_serving=serve_until_interrupted if serve else show_result,
        )


def show_result(result, serving: bool = False) -> None:
    """What the demo did, and the commands to try next."""
    from mediawatch.cli.crawl import format_result
    from mediawatch.demo import DEMO_TOPIC, EXAMPLE_QUERIES

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
    if not serving:
        click.echo(
            f"\nthe demo outlets stop with the demo; to check or crawl them again, keep them up:"
            f"\n  {program} demo --serve"
        )
    # the last line: the command to browse it (the README and its test take it from there)
    click.echo(
        f"\nbrowse it:\n  MEDIAWATCH_CONFIG={cfg} {program} serve   # http://127.0.0.1:8600/"
    )


def serve_until_interrupted(result) -> None:
    """``demo --serve``: the outlets keep answering until Ctrl-C (exit 130, one line)."""
    show_result(result, serving=True)
    cfg = result.config_path
    program = sys.argv[0] if "/" in sys.argv[0] else "mediawatch"
    click.echo(
        f"\nserving the demo outlets until Ctrl-C; in another terminal:\n"
        f"  MEDIAWATCH_CONFIG={cfg} {program} outlets check\n"
        f"  MEDIAWATCH_CONFIG={cfg} {program} crawl"
    )
    sys.stdout.flush()
    try:
        threading.Event().wait()  # Ctrl-C raises KeyboardInterrupt here, in the main thread
    except KeyboardInterrupt:
        click.echo("stopped serving the demo outlets", err=True)
        raise SystemExit(130) from None
