"""Chart geometry for server-rendered SVG: numbers in, rectangles out.

The templates draw the shapes (so every label goes through Jinja's escaping); this
module only decides where they go. No JavaScript: a bar is a link, so a click on a day
works with scripts off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from warehouse.trends import DayCount, Share


@dataclass(frozen=True)
class Bar:
    day: date
    x: float
    width: float
    y: float  # top of the stories bar
    height: float
    articles_y: float  # top of the (lighter) articles bar behind it
    articles_height: float
    stories: int
    articles: int
    spike: bool
    selected: bool


@dataclass(frozen=True)
class DailyChart:
    width: int
    height: int
    plot_top: int
    plot_bottom: int
    bars: list[Bar]
    max_value: int
    ticks: list[tuple[float, str, str]]  # (x, label, text-anchor) for a few days along the axis


@dataclass(frozen=True)
class ShareBar:
    name: str
    articles: int
    pct: float
    y: float
    width: float


@dataclass(frozen=True)
class ShareChart:
    width: int
    height: int
    label_width: int
    bars: list[ShareBar]
    bar_height: int


def daily_chart(
    days: list[DayCount], selected: date | None = None, width: int = 720, height: int = 200
) -> DailyChart:
    """Bars per day: stories in front, articles behind; spike days are flagged for colour."""
    top, bottom = 10, height - 24
    plot = bottom - top
    peak = max([d.articles for d in days] + [d.stories for d in days] + [1])
    step = width / max(len(days), 1)
    gap = min(2.0, step * 0.2)
    bars = []
    for i, d in enumerate(days):
        h_stories = plot * d.stories / peak
        h_articles = plot * d.articles / peak
        bars.append(
            Bar(
                day=d.day,
                x=round(i * step + gap / 2, 2),
                width=round(max(step - gap, 0.5), 2),
                y=round(bottom - h_stories, 2),
                height=round(h_stories, 2),
                articles_y=round(bottom - h_articles, 2),
                articles_height=round(h_articles, 2),
                stories=d.stories,
                articles=d.articles,
                spike=d.spike,
                selected=d.day == selected,
            )
        )
    every = max(1, len(days) // 6)
    ticks = []
    for i, d in enumerate(days):
        if i % every == 0:
            x = i * step + step / 2
            anchor = "start" if x < 20 else "end" if x > width - 20 else "middle"
            ticks.append(
                (round(max(x, 1.0) if anchor == "start" else x, 2), d.day.isoformat()[5:], anchor)
            )
    return DailyChart(width, height, top, bottom, bars, peak, ticks)


def share_chart(shares: list[Share], width: int = 360, label_width: int = 120) -> ShareChart:
    """Horizontal bars, one per outlet or language, scaled to the largest share."""
    bar_height = 18
    peak = max([s.pct for s in shares] + [1e-9])
    room = width - label_width - 60
    bars = [
        ShareBar(s.name, s.articles, s.pct, i * (bar_height + 4), round(room * s.pct / peak, 2))
        for i, s in enumerate(shares)
    ]
    return ShareChart(width, max(len(bars), 1) * (bar_height + 4), label_width, bars, bar_height)
