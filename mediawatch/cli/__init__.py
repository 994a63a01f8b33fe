"""The ``mediawatch`` command: parse arguments, load the config, call library functions.

Commands live one group per module; they hold no business logic. Heavy imports happen
inside commands so that quick ones (``sql``, ``status``) start fast.
"""

from __future__ import annotations

import sys

import click

from mediawatch.cli.common import AppContext, run_guarded
from mediawatch.errors import MediawatchError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    envvar=None,
    help="Config file (default: $MEDIAWATCH_CONFIG, then ./mediawatch.toml).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="mediawatch")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, verbose: int) -> None:
    """Monitor how the press covers your topics: crawl outlets, query the warehouse, get digests.

    Start with 'mediawatch demo' (offline) or 'mediawatch init' (a starter config).
    """
    ctx.obj = AppContext(config_path=config_path, verbose=verbose)


def _register() -> None:
    from mediawatch.cli import (
        backfill,
        crawl,
        demo,
        digest,
        distributed,
        export,
        init,
        outlets,
        run,
        serve,
        sql,
        status,
        topics,
        trends,
    )  # fmt: skip

    for module in (
        init, demo, crawl, backfill, sql, status, outlets, topics, trends, export, digest,
        distributed, run, serve,
    ):  # fmt: skip
        module.register(cli)


_register()


def main() -> None:
    try:
        run_guarded(cli)
    except MediawatchError as exc:  # pragma: no cover - run_guarded handles these
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
