"""Is today's coverage of a topic a spike? (Until the warehouse grows a view for it.)"""

from __future__ import annotations

import math
from collections.abc import Sequence

SPIKE_WINDOW_DAYS = 28
SPIKE_MIN_STORIES = 5
SPIKE_MIN_Z = 3.0


def z_score(today: int, trailing: Sequence[int]) -> tuple[float, float, float]:
    """``(z, mean, std)`` of today against the trailing days (population std).

    A perfectly flat history (std 0) gives z = +inf when today is above it, 0 otherwise,
    so a topic that was silent for four weeks and suddenly has many stories still counts.
    """
    if not trailing:
        return (math.inf if today > 0 else 0.0), 0.0, 0.0
    mean = sum(trailing) / len(trailing)
    std = math.sqrt(sum((x - mean) ** 2 for x in trailing) / len(trailing))
    if std == 0:
        return (math.inf if today > mean else 0.0), mean, 0.0
    return (today - mean) / std, mean, std


def is_spike(
    today_stories: int,
    trailing_stories: Sequence[int],
    min_stories: int = SPIKE_MIN_STORIES,
    min_z: float = SPIKE_MIN_Z,
) -> bool:
    """A spike: at least ``min_stories`` distinct stories today and a z-score of at least
    ``min_z`` against the daily story counts of the trailing 28 days (days without coverage
    count as 0; today is not part of the baseline).

    Story counts, not article counts, so that one wire story reprinted everywhere is no spike.
    """
    if today_stories < min_stories:
        return False
    z, _, _ = z_score(today_stories, trailing_stories)
    return z >= min_z
