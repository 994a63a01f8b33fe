"""``mediawatch init``: write a commented starter config."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import click

from mediawatch.config import CONFIG_FILENAME, load_config
from mediawatch.contact import placeholder_contact
from mediawatch.errors import TerminalError


def starter_config_text() -> str:
    return resources.files("mediawatch.templates").joinpath("starter.toml").read_text("utf-8")


def register(cli: click.Group) -> None:
    @cli.command()
    @click.argument("path", required=False, type=click.Path(dir_okay=False))
    @click.option("--force", is_flag=True, help="Overwrite an existing file.")
    def init(path: str | None, force: bool) -> None:
        """Write a starter config (default: ./mediawatch.toml) to edit."""
        target = Path(path or CONFIG_FILENAME)
        if target.exists() and not force:
            raise TerminalError(f"{target} already exists", hint="use --force to overwrite it")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(starter_config_text(), encoding="utf-8")
        config = load_config(target)  # the starter must itself be valid
        click.echo(
            f"wrote {target}: {len(config.outlets)} outlets, {len(config.topics)} topic(s).\n"
            f"next: edit it, then run 'mediawatch crawl' (or try 'mediawatch demo' first, offline)."
        )
        placeholder = placeholder_contact(config.crawl.user_agent)
        if placeholder:
            click.echo(
                f"warning: [crawl] user_agent names the placeholder contact {placeholder!r}:"
                f" replace it in {target} with your own e-mail or URL before crawling",
                err=True,
            )
