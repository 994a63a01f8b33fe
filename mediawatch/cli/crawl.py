"""``mediawatch crawl``: one crawl of the configured outlets, now."""

from __future__ import annotations

import click

from mediawatch.cli.common import AppContext, pass_app
from mediawatch.contact import contact_warning
from mediawatch.output import table
from warehouse.examples import run_failures


def register(cli: click.Group) -> None:
    @cli.command()
    @click.option("--outlet", "outlets", multiple=True, help="Only this outlet (repeatable).")
    @click.option("--timeout", type=float, default=None, help="Stop the crawl after N seconds.")
    @click.option(
        "--recrawl", is_flag=True,
        help="Re-fetch recent articles (ages in [schedule] recrawl_after_days) to record edits and deletions.",
    )  # fmt: skip
    @pass_app
    def crawl(
        app: AppContext, outlets: tuple[str, ...], timeout: float | None, recrawl: bool
    ) -> None:
        """Discover and fetch new articles from the outlets into the warehouse."""
        from spiders.runner import run_crawl

        config = app.config
        warning = contact_warning(config, list(outlets) or None)
        if warning:
            click.echo(warning, err=True)
        what = "re-crawling" if recrawl else "crawling"
        click.echo(
            f"{what} {len(outlets) or len(config.outlets)} outlet(s) into {config.warehouse_path}",
            err=True,
        )
        result = run_crawl(
            config, list(outlets) or None, timeout_s=timeout, log_level=app.log_level,
            mode="recrawl" if recrawl else "discover",
        )  # fmt: skip
        click.echo(format_result(result))
        raise SystemExit(exit_code(result))


def exit_code(result) -> int:
    """0 done (some failures allowed), 130 stopped by Ctrl-C or SIGTERM, 75 no outlet could
    be reached (may pass later), 1 failed or over its time limit."""
    if result.status == "interrupted":
        return 130
    if result.status == "failed" and (result.error or "").startswith("no outlet could be reached"):
        click.echo(f"error: {result.error}", err=True)
        click.echo("hint: check the address and your network, then crawl again", err=True)
        return 75
    if result.status in ("failed", "timeout"):
        return 1
    return 0


def format_result(result) -> str:
    rows = [
        (o.outlet, o.discovered, o.fetched, o.new, o.duplicate, o.failed, o.not_modified)
        for o in result.outlets
    ]
    cols = ["outlet", "discovered", "fetched", "new", "duplicate", "failed", "304"]
    lines = [table(cols, rows)]
    lines.append(
        f"run {result.run_id}: {result.status} in {result.seconds:.1f} s — "
        f"{result.new} new article(s), {result.failed} failure(s)"
        + (f" ({result.error})" if result.error else "")
    )
    if result.failed:
        lines.append(f'failures: mediawatch sql "{run_failures(result.run_id)}"')
    return "\n".join(lines)
