"""The 30-day volume chart as PNG bytes (matplotlib's object API: no pyplot, no global state).

``Figure`` with an Agg canvas draws without touching matplotlib's backend or the process
environment, so importing this module changes nothing for a program that also plots.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from digests.data import DayVolume


def volume_chart(volume: Sequence[DayVolume], highlight: date | None = None) -> bytes:
    """Bars of stories per day over articles per day; ``highlight`` (today) in a strong colour."""
    fig = Figure(figsize=(6.0, 2.6), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    xs = range(len(volume))
    articles = [v.articles for v in volume]
    stories = [v.stories for v in volume]
    ax.bar(xs, articles, color="#c9d6e8", width=0.8, label="articles")
    colors = ["#d9480f" if v.day == highlight else "#1c5d99" for v in volume]
    ax.bar(xs, stories, color=colors, width=0.5, label="stories")
    step = max(1, len(volume) // 5)
    ticks = list(range(len(volume) - 1, -1, -step))[::-1]
    ax.set_xticks(ticks, [volume[i].day.strftime("%d %b") for i in ticks], fontsize=10)
    ax.tick_params(axis="y", labelsize=10)
    # the default locator is a MaxNLocator, which takes integer=; the stubs know only Locator
    ax.yaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_xlim(-0.6, len(volume) - 0.4)
    ax.set_ylim(bottom=0, top=max([1, *articles]) * 1.1)
    ax.legend(fontsize=10, frameon=False, loc="upper left")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()
