"""``mediawatch status``: recent runs and the health of every outlet."""

from __future__ import annotations

import click

from mediawatch.cli.common import AppContext, pass_app
from mediawatch.output import table


def register(cli: click.Group) -> None:
    @cli.command()
    @click.option("--runs", type=int, default=5, show_default=True, help="Recent runs to show.")
    @pass_app
    def status(app: AppContext, runs: int) -> None:
        """Show recent crawl runs and flag stale, unreachable, blocked or broken outlets."""
        from datetime import UTC, datetime

        from schedules.events import TROUBLE
        from schedules.status import next_runs, recent_events, scheduler_pid
        from warehouse.connection import opened
        from warehouse.examples import FAILURES_BY_OUTLET
        from warehouse.health import outlet_health
        from warehouse.scheduling import recent_runs

        config = app.config
        now = datetime.now(UTC)
        with opened(
            config.warehouse_path, read_only=True, timeout_s=config.warehouse.lock_timeout_s
        ) as con:
            recent = recent_runs(con, runs)
            health = outlet_health(con)
            upcoming = next_runs(config, now, con)
            events = recent_events(con, runs, TROUBLE)
        pid = scheduler_pid(config)
        click.echo(
            f"scheduler: running (pid {pid})" if pid else
            "scheduler: not running (start it with 'mediawatch run')"
        )  # fmt: skip
        click.echo("\nnext runs")
        click.echo(table(["job", "next run (UTC)"], upcoming))
        click.echo("\nrecent runs")
        click.echo(table(["run", "started", "status", "trigger", "seconds", "error"], recent))
        if events:
            click.echo("\nskipped, failed or missed")
            click.echo(table(["at", "job", "event", "detail"], events))
        click.echo("\noutlets")
        rows = [
            (h.outlet, h.articles, h.newest_at, _gap(h.usual_gap), h.last_fetched, h.last_new,
             h.last_failed, ", ".join(h.flags) or "ok")
            for h in health
        ]  # fmt: skip
        click.echo(
            table(
                [
                    "outlet",
                    "articles",
                    "newest article",
                    "usual gap",
                    "fetched",
                    "new",
                    "failed",
                    "health",
                ],
                rows,
            )  # fmt: skip
        )
        troubled = [h for h in health if h.flags]
        if troubled:
            click.echo(
                f"\n{len(troubled)} outlet(s) need attention. See why with:\n"
                f'  mediawatch sql "{FAILURES_BY_OUTLET}"'
            )


def _gap(gap) -> str:
    if gap is None:
        return ""
    hours = gap.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} d"
