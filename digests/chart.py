"""The 30-day volume chart as PNG bytes (matplotlib, headless)."""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Sequence
from datetime import date

from digests.data import DayVolume


def _pyplot():
    """Import pyplot lazily on the Agg backend; matplotlib writes a font cache on first import,
    so give it a writable folder when the user did not choose one."""
    if not os.environ.get("MPLCONFIGDIR"):
        os.environ["MPLCONFIGDIR"] = tempfile.mkdtemp(prefix="mediawatch-mpl-")
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def volume_chart(volume: Sequence[DayVolume], highlight: date | None = None) -> bytes:
    """Bars of stories per day over articles per day; ``highlight`` (today) in a strong colour."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.0, 2.6), dpi=100)
    try:
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
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_xlim(-0.6, len(volume) - 0.4)
        ax.set_ylim(bottom=0, top=max([1, *articles]) * 1.1)
        ax.legend(fontsize=10, frameon=False, loc="upper left")
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        return buf.getvalue()
    finally:
        plt.close(fig)
