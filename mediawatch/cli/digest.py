"""``mediawatch digest``: write (or send) the daily digest of each topic."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from mediawatch.cli.common import AppContext, pass_app
from mediawatch.config import Config
from mediawatch.errors import ConfigError, TerminalError, TransientError


def parse_day(value: str | None, timezone: str | None) -> date:
    """YYYY-MM-DD, 'today' or 'yesterday' (in the configured time zone); default today."""
    today = datetime.now(ZoneInfo(timezone or "UTC")).date()
    if value is None or value == "today":
        return today
    if value == "yesterday":
        return today - timedelta(days=1)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date; use YYYY-MM-DD, 'today' or 'yesterday'",
            param_hint="--date",
        ) from None


def selected_topics(config: Config, topic: str | None) -> list[str]:
    if not config.topics:
        raise ConfigError(
            "no topics configured, so there is nothing to digest",
            hint="add a [[topics]] section with a name and a query to the config",
        )
    if topic is not None:
        return [config.topic(topic).name]  # raises with the list of known topics
    return [t.name for t in config.topics]


def register(cli: click.Group) -> None:
    @cli.command()
    @click.option("--topic", "-t", help="Only this topic (default: every configured topic).")
    @click.option(
        "--date",
        "day_text",
        metavar="YYYY-MM-DD",
        help="The day, in the [schedule] time zone (default: today; also 'yesterday').",
    )
    @click.option("--send", is_flag=True, help="Deliver by SMTP/webhook as configured (+archive).")
    @click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Write the files here instead of the configured digest folder.",
    )
    @click.option("--force", is_flag=True, help="Send again even if already sent for that day.")
    @pass_app
    def digest(
        app: AppContext,
        topic: str | None,
        day_text: str | None,
        send: bool,
        out_dir: Path | None,
        force: bool,
    ) -> None:
        """Build the daily digest per topic: write HTML, text, Markdown, .eml and chart files,
        or with --send also mail them and post to the webhook."""
        if send and out_dir is not None:
            raise click.UsageError(
                "--send and --out do not go together (--send archives to the digest folder)"
            )
        app.setup_logging()
        config = app.config
        names = selected_topics(config, topic)
        day = parse_day(day_text, config.schedule.timezone)
        if not config.warehouse_path.exists():
            raise TerminalError(
                f"{config.warehouse_path}: no warehouse yet, so there is nothing to digest",
                hint="run 'mediawatch crawl' (or 'mediawatch demo') first",
            )
        from digests import deliver

        failed = 0
        for name in names:
            report = deliver(config, name, day, send=send, force=force, out_dir=out_dir)
            d = report.digest
            summary = (
                "no coverage"
                if d is None or d.no_coverage
                else f"{d.headline.today.stories} stories, {d.headline.today.articles} articles"
            )
            click.echo(f"{name} ({day.isoformat()}): {summary}")
            for path in report.files:
                click.echo(f"  {path}")
            for result in report.channels:
                if result.channel == "file":
                    continue
                line = f"  {result.channel}: {result.status}"
                if result.attempts > 1:
                    line += f" after {result.attempts} attempts"
                if result.detail:
                    line += f" ({result.detail})"
                click.echo(line, err=result.status == "failed")
                failed += result.status == "failed"
        if failed:
            raise TransientError(
                f"{failed} deliver{'y' if failed == 1 else 'ies'} failed (recorded in digest_deliveries)",
                hint="check [digest.smtp] / webhook_url and retry with --send",
            )
