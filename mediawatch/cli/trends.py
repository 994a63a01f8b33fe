"""``mediawatch trends``: a topic's daily coverage as a table and a terminal chart."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import click

from mediawatch.cli.common import AppContext, pass_app
from mediawatch.errors import TerminalError

_SPARKS = "▁▂▃▄▅▆▇█"
_BAR_WIDTH = 30
SPIKE_MARK = "▲ spike"


def register(cli: click.Group) -> None:
    @cli.command()
    @click.argument("topic")
    @click.option("--days", type=click.IntRange(1, 3650), default=30, show_default=True,
                  help="How many days back from --until.")  # fmt: skip
    @click.option("--until", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                  help="Last day shown (UTC date, default: today).")  # fmt: skip
    @pass_app
    def trends(app: AppContext, topic: str, days: int, until: datetime | None) -> None:
        """Daily articles, stories and outlets for TOPIC, with spikes marked."""
        from mediawatch.names import did_you_mean
        from mediawatch.names import resolve as resolve_name
        from warehouse.connection import opened
        from warehouse.trends import daily_counts, ensure_trend_views, spikes, stored_topics

        config = app.config
        timeout = config.warehouse.lock_timeout_s
        ensure_trend_views(config.warehouse_path, timeout_s=timeout)
        with opened(config.warehouse_path, read_only=True, timeout_s=timeout) as con:
            known = {t.name for t in config.topics} | stored_topics(con)
            name = resolve_name(topic, known)  # `trends Chechnya` finds chechnya
            if name is None:
                raise TerminalError(
                    f"no topic named {topic!r}{did_you_mean(topic, known)}"
                    f" (known: {', '.join(sorted(known)) or 'none'})",
                    hint="list them with: mediawatch topics list",
                )
            topic = name
            counts = daily_counts(con, topic, days, until=until.date() if until else None)
            found = spikes(con, topic, since=counts[0].day) if counts else []
        click.echo(render(topic, counts, found))


def bar(value: int, peak: int, width: int = _BAR_WIDTH) -> str:
    """A horizontal bar with eighth-block resolution; any non-zero value shows."""
    if value <= 0 or peak <= 0:
        return ""
    eighths = max(1, round(value / peak * width * 8))
    return "█" * (eighths // 8) + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[eighths % 8]


def sparkline(values: Sequence[int]) -> str:
    """One character per value; zero is a space so quiet days stand out from small ones."""
    peak = max(values, default=0)
    if peak <= 0:
        return " " * len(values)
    return "".join(
        " " if v <= 0 else _SPARKS[min(len(_SPARKS) - 1, (v * len(_SPARKS) - 1) // peak)]
        for v in values
    )


def render(topic: str, counts: Sequence, found: Sequence) -> str:
    """The table (with a stories bar per day), a sparkline, and the spikes with their drivers."""
    from mediawatch.output import table

    peak = max((c.stories for c in counts), default=0)
    rows = [
        (
            c.day, c.articles, c.stories, c.outlets,
            None if c.z is None else round(c.z, 1),
            SPIKE_MARK if c.spike else "", bar(c.stories, peak),
        )
        for c in counts
    ]  # fmt: skip
    # the last column charts the stories column: its own heading, so no two columns share one
    lines = [table(["day", "articles", "stories", "outlets", "z", "spike", "stories chart"], rows)]
    if counts:
        first: date = counts[0].day
        last: date = counts[-1].day
        total = sum(c.articles for c in counts)
        lines.append("")
        lines.append(f"{topic}: {total} article(s) from {first} to {last}")
        lines.append(f"stories │{sparkline([c.stories for c in counts])}│ peak {peak}")
    for spike in found:
        terms = ", ".join(f"{name} ({n})" for name, n in spike.terms) or "-"
        outlets = ", ".join(f"{name} ({n})" for name, n in spike.top_outlets) or "-"
        lines.append(
            f"spike {spike.day}: {spike.stories} stories vs {spike.baseline_mean:.1f}"
            f" ± {spike.baseline_sd:.1f} usual (z = {spike.z:.1f})"
        )
        lines.append(f"  terms: {terms}")
        lines.append(f"  outlets: {outlets}")
    return "\n".join(lines)
