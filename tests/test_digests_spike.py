"""One spike definition: the digest's verdict and z are the ``spikes`` view's on the same warehouse."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from digests import build_digest, render
from digests.window import day_window, scheduled_window
from mediawatch.config import Config, parse_config
from mediawatch.demo import DEMO_TOPIC, spike_day
from warehouse.connection import opened, transaction
from warehouse.migrate import migrate
from warehouse.trends import window_scores

TOPIC = "Elections"
DAY = date(2026, 5, 30)


def config_for(tmp_path: Path, wh: Path, tz: str = "UTC", at: str = "00:00:00") -> Config:
    return parse_config(
        {
            "warehouse": {"path": str(wh)},
            "schedule": {"timezone": tz, "digest_time": at},
            "topics": [{"name": TOPIC, "query": "election"}],
            "digest": {"out_dir": str(tmp_path / "archive")},
        }
    )


def warehouse_with(tmp_path: Path, per_day: list[int]) -> Path:
    """``per_day[i]`` stories (one article each) on day DAY - len + 1 + i, at noon UTC."""
    wh = tmp_path / "warehouse.duckdb"
    with opened(wh) as con:
        migrate(con)
        with transaction(con):
            aid = 0
            first = DAY - timedelta(days=len(per_day) - 1)
            for i, n in enumerate(per_day):
                for k in range(n):
                    aid += 1
                    at = datetime.combine(first + timedelta(days=i), time(12, k), UTC)
                    url = f"https://x.example/{aid}"
                    con.execute(
                        "INSERT INTO articles (id, url, canonical_url, outlet, title, published_at,"
                        " first_seen_at, text, word_count, content_hash)"
                        " VALUES (?, ?, ?, 'X', 'Election', ?, ?, 'The election.', 2, ?)",
                        [aid, url, url, at, at, hashlib.sha1(url.encode()).hexdigest()],
                    )
                    con.execute(
                        "INSERT INTO topic_matches (topic, article_id, matched_terms, snippet, matched_at) VALUES (?, ?, ['election'], '', ?)",
                        [TOPIC, aid, at],
                    )
    return wh


def view_row(wh: Path, day: date) -> tuple[float | None, bool]:
    with opened(wh, read_only=True) as con:
        [(z,)] = con.execute(
            "SELECT z FROM topic_spike_scores WHERE topic = ? AND day = ?", [TOPIC, day]
        ).fetchall()
        spike = con.execute(
            "SELECT count(*) FROM spikes WHERE topic = ? AND day = ?", [TOPIC, day]
        ).fetchall()[0][0]
    return z, bool(spike)


@pytest.mark.parametrize(
    ("history", "today", "spike"),
    [
        ([2, 3] * 14, 5, False),  # the case: the old digest said spike, the view none
        ([2, 3] * 14, 9, True),
        ([1] + [0] * 27, 5, True),  # a quiet month: z = (5 - 0.04) / max(sd, 1)
        ([1] + [0] * 27, 4, False),  # fewer than 5 stories is never a spike
        ([1] + [0] * 4, 9, False),  # less than 7 days of history (the warehouse's first day)
        ([1] + [0] * 5 + [1], 9, True),  # 7 days of history
    ],
)
def test_digest_spike_is_the_views_spike(
    tmp_path: Path, history: list[int], today: int, spike: bool
) -> None:
    wh = warehouse_with(tmp_path, [*history, today])
    z, in_view = view_row(wh, DAY)
    assert in_view is spike
    for config, when in (
        (config_for(tmp_path, wh), DAY),  # mediawatch digest --date
        (config_for(tmp_path, wh), scheduled_window(DAY + timedelta(days=1), time(0), "UTC")),
    ):
        d = build_digest(config, TOPIC, when, cutoff=datetime(2027, 1, 1, tzinfo=UTC))
        assert (d.spike is not None) is spike
        if d.spike is not None:
            assert d.spike.z == pytest.approx(z)
            assert d.spike.stories == today


def test_window_scores_equal_the_view_on_the_demo_and_the_digest_agrees(crawled) -> None:
    config, _, _ = crawled
    topic = DEMO_TOPIC["name"]
    with opened(config.warehouse_path, read_only=True) as con:
        view = con.execute(
            "SELECT day, stories, baseline_days, z FROM topic_spike_scores WHERE topic = ?"
            " ORDER BY day",
            [topic],
        ).fetchall()
        spike_days = {
            r[0] for r in con.execute("SELECT day FROM spikes WHERE topic = ?", [topic]).fetchall()
        }
        days = [r[0] for r in view]
        windows = [(w.start, w.end) for w in (day_window(d, "UTC") for d in days)]
        scores = window_scores(con, topic, windows)
    assert len(days) > 20 and spike_days
    for (day, stories, baseline_days, z), s in zip(view, scores, strict=True):
        assert (s.stories, s.baseline_days) == (stories, baseline_days), day
        assert (s.z is None) == (z is None) and (z is None or s.z == pytest.approx(z)), day
        assert s.spike == (day in spike_days), day
    # the digest of the spike day and of a quiet day: verdict and z as the view says
    [spike] = sorted(spike_days)
    quiet = days[-1] if days[-1] != spike else days[-2]
    for day in (spike, quiet):
        d = build_digest(config, topic, day)
        z = dict((r[0], r[3]) for r in view)[day]
        assert (d.spike is not None) == (day in spike_days)
        if d.spike is not None:
            assert d.spike.z == pytest.approx(z)
            assert f"z = {z:.1f}" in render(d).text
    assert spike_day(config) == spike  # what `mediawatch demo` digests
