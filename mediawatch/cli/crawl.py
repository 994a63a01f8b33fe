"""``mediawatch crawl``: one crawl of the configured outlets, now."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import click

from mediawatch.cli.common import AppContext, pass_app
from mediawatch.contact import contact_warning
from mediawatch.output import table
from warehouse.examples import RECENT_EDITS, run_failures


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
        if recrawl:
            changes, upcoming = recrawl_details(config, result)
            ages = config.schedule.recrawl_after_days
            click.echo(format_recrawl(result, changes, upcoming, ages))
        else:
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


def recrawl_details(config, result) -> tuple[dict[str, tuple[int, int]], datetime | None]:
    """What a re-crawl changed per outlet (edited, gone), and when the next article is due."""
    from warehouse.articles import next_recrawl_due
    from warehouse.connection import opened
    from warehouse.runs import recrawl_changes

    ages_us = [int(d * 86_400 * 1_000_000) for d in config.schedule.recrawl_after_days]
    with opened(
        config.warehouse_path, read_only=True, timeout_s=config.warehouse.lock_timeout_s
    ) as con:
        changes = recrawl_changes(con, result.run_id)
        upcoming = next_recrawl_due(con, [o.outlet for o in result.outlets], ages_us)
    return changes, upcoming


def format_recrawl(
    result,
    changes: dict[str, tuple[int, int]],
    upcoming: datetime | None = None,
    ages_days: Sequence[float] = (),
) -> str:
    """A re-crawl's own words: articles due, and of those fetched, edited, unchanged or gone
    (a normal crawl's "duplicate" would call an unchanged article a copy)."""
    if sum(o.discovered for o in result.outlets) == 0 and result.status != "interrupted":
        when = (
            f"; the next is due at {upcoming.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
            if upcoming is not None
            else "; none of the stored articles will be"
        )
        ages = ", ".join(f"{d:g}" for d in ages_days)
        return (
            f"run {result.run_id}: nothing to re-crawl: no stored article has reached a re-crawl"
            f" age ([schedule] recrawl_after_days: {ages} days) since it was last fetched" + when
        )
    rows = [
        (o.outlet, o.discovered, o.fetched, *changes.get(o.outlet, (0, 0)), o.duplicate,
         o.failed, o.not_modified)
        for o in result.outlets
    ]  # fmt: skip
    cols = ["outlet", "due", "fetched", "edited", "gone", "unchanged", "failed", "304"]
    edited = sum(e for e, _ in changes.values())
    gone = sum(g for _, g in changes.values())
    lines = [table(cols, rows)]
    lines.append(
        f"run {result.run_id}: {result.status} in {result.seconds:.1f} s — re-crawled"
        f" {result.fetched} article(s): {edited} edited, {gone} gone, {result.failed} failure(s)"
        + (f" ({result.error})" if result.error else "")
    )
    if edited:
        lines.append(f'edits: mediawatch sql "{RECENT_EDITS}"')
    if result.failed:
        lines.append(f'failures: mediawatch sql "{run_failures(result.run_id)}"')
    return "\n".join(lines)


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
