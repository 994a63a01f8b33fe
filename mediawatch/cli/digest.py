"""``mediawatch digest``: write (or send) the daily digest of each topic."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from digests.window import Window, range_window
from mediawatch.cli.common import AppContext, pass_app
from mediawatch.config import Config
from mediawatch.errors import ConfigError, TerminalError, TransientError


def parse_day(value: str | None, timezone: str | None) -> date:
    """YYYY-MM-DD, 'today' or 'yesterday' (in the configured time zone); default today.

    A day after today has no coverage yet: that is an error, not an empty digest.
    """
    today = datetime.now(ZoneInfo(timezone or "UTC")).date()
    if value is None or value == "today":
        return today
    if value == "yesterday":
        return today - timedelta(days=1)
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date; use YYYY-MM-DD, 'today' or 'yesterday'",
            param_hint="--date",
        ) from None
    if day > today:
        raise TerminalError(
            f"--date {day.isoformat()} is in the future (today is {today.isoformat()}"
            f" in {timezone or 'UTC'}), so there is nothing to digest yet",
            hint="use a day up to today, e.g. --date yesterday",
        )
    return day


def parse_moment(value: str, option: str) -> datetime:
    """YYYY-MM-DD or YYYY-MM-DDTHH:MM (local time in the [schedule] time zone)."""
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date or time; use YYYY-MM-DD or YYYY-MM-DDTHH:MM",
            param_hint=option,
        ) from None


def parse_window(
    day_text: str | None, since: str | None, until: str | None, timezone: str | None
) -> date | Window:
    """--date D (a local calendar day), or --since/--until (any period; --until default now)."""
    if since is None and until is None:
        return parse_day(day_text, timezone)
    if day_text is not None:
        raise click.UsageError("--date does not go with --since/--until: use one or the other")
    if since is None:
        raise click.UsageError("--until needs --since")
    tz = timezone or "UTC"
    now = datetime.now(ZoneInfo(tz)).replace(tzinfo=None, microsecond=0)
    start = parse_moment(since, "--since")
    end = parse_moment(until, "--until") if until is not None else now
    if end <= start:
        raise TerminalError(
            f"--until {end:%Y-%m-%d %H:%M} is not after --since {start:%Y-%m-%d %H:%M}",
            hint="give a period that ends after it starts",
        )
    if start > now:
        raise TerminalError(
            f"--since {start:%Y-%m-%d %H:%M} is in the future ({tz}), so there is nothing to digest",
            hint="give a period that starts before now",
        )
    return range_window(start, end, tz)


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
        help="The local calendar day 00:00-24:00 in the [schedule] time zone"
        " (default: today; also 'yesterday').",
    )
    @click.option(
        "--since",
        metavar="YYYY-MM-DD[THH:MM]",
        help="Start of an explicit period (local time), instead of --date.",
    )
    @click.option(
        "--until",
        metavar="YYYY-MM-DD[THH:MM]",
        help="End of the period (exclusive; default: now).",
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
        since: str | None,
        until: str | None,
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
        period = parse_window(day_text, since, until, config.schedule.timezone)
        if not config.warehouse_path.exists():
            raise TerminalError(
                f"{config.warehouse_path}: no warehouse yet, so there is nothing to digest",
                hint="run 'mediawatch crawl' (or 'mediawatch demo') first",
            )
        from digests import deliver
        from digests.render import plural

        failed = 0
        for name in names:
            report = deliver(config, name, period, send=send, force=force, out_dir=out_dir)
            d = report.digest
            summary = (
                "no coverage"
                if d is None or d.no_coverage
                else f"{plural(d.headline.today.stories, 'story')},"
                f" {plural(d.headline.today.articles, 'article')}"
            )
            label = d.period if d is not None else str(period)
            click.echo(f"{name} ({label}): {summary}")
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
                f"{failed} deliver{'y' if failed == 1 else 'ies'} failed (recorded in digest_outbox)",
                hint="check [digest.smtp] / webhook_url and retry with --send",
            )
