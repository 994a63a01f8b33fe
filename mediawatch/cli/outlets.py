"""``mediawatch outlets``: list outlets and check what they expose."""

from __future__ import annotations

import click

from mediawatch.cli.common import AppContext, pass_app
from mediawatch.output import table


def register(cli: click.Group) -> None:
    @cli.group()
    def outlets() -> None:
        """Configured outlets: list them, check their feeds and sitemaps."""

    @outlets.command("list")
    @pass_app
    def list_outlets(app: AppContext) -> None:
        """The configured outlets and how each is discovered."""
        rows = [
            (o.name, o.language or "", len(o.feeds), len(o.sitemaps), ", ".join(o.modes),
             "yes" if o.enabled else "no")
            for o in app.config.outlets
        ]  # fmt: skip
        click.echo(table(["outlet", "lang", "feeds", "sitemaps", "discovery", "enabled"], rows))

    @outlets.command("check")
    @click.argument("names", nargs=-1)
    @pass_app
    def check(app: AppContext, names: tuple[str, ...]) -> None:
        """Find an outlet's feeds and sitemaps (homepage links, robots.txt, common paths)."""
        from spiders.check import check_outlets

        config = app.config
        chosen = [config.outlet(n) for n in names] or list(config.outlets)
        click.echo(f"checking {len(chosen)} outlet(s)…", err=True)
        for result in check_outlets(config, chosen):
            click.echo(
                f"\n{result.outlet}: homepage {result.homepage_status}, robots.txt {result.robots}"
            )
            for note in result.notes:
                click.echo(f"  found {note}")
            click.echo("paste into its [[outlets]] entry:")
            click.echo(result.toml())
