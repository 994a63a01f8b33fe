"""``mediawatch run``: the scheduler, in the foreground, until SIGTERM or Ctrl-C."""

from __future__ import annotations

import logging
import os

import click

from mediawatch.cli.common import AppContext, pass_app
from mediawatch.cli.serve import serve_options, start_beside
from mediawatch.contact import contact_warning
from mediawatch.errors import TerminalError


def register(cli: click.Group) -> None:
    @cli.command()
    @click.option(
        "--outlet", "outlets", multiple=True, help="Only schedule this outlet (repeatable)."
    )
    @click.option("--no-digest", is_flag=True, help="Schedule crawls only, no daily digest.")
    @click.option("--serve", is_flag=True, help="Also serve the web view (see 'mediawatch serve').")
    @serve_options
    @pass_app
    def run(
        app: AppContext, outlets: tuple[str, ...], no_digest: bool, serve: bool, **web: object
    ) -> None:
        """Crawl on schedule and send the daily digests, until stopped (SIGTERM or Ctrl-C).

        Runs missed while it was down are run once at start-up; only one 'mediawatch run'
        may use a warehouse at a time. Every event is logged and stored in scheduler_events.
        """
        from schedules.service import Service

        level = logging.DEBUG if app.verbose >= 2 else logging.INFO
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s [%(name)s] %(message)s")
        if app.verbose < 2:
            logging.getLogger("apscheduler").setLevel(logging.WARNING)
        config = app.config
        service = Service(
            config, outlets=list(outlets) or None, digests=not no_digest, log_level=app.log_level
        )
        if not service.plan.crawls and not service.digests:
            raise TerminalError(
                "nothing to schedule: no enabled outlets and no digest topics",
                hint="add [[outlets]] and [[topics]] to the config",
            )
        click.echo(
            f"scheduling {sum(len(s.outlets) for s in service.plan.crawls if s.kind == 'crawl')}"
            " outlet(s) and"
            f" {len(service.plan.topics) if service.digests else 0} digest(s)"
            f" on {config.warehouse_path} (pid {os.getpid()}); Ctrl-C stops",
            err=True,
        )
        warning = contact_warning(config, list(outlets) or None)
        if warning:
            click.echo(warning, err=True)
        pages = start_beside(config, **web) if serve else None  # type: ignore[arg-type]  # web_options() built these keyword arguments
        try:
            raise SystemExit(service.run())
        finally:
            if pages is not None:
                pages.stop()
