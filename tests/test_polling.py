"""Adaptive polling: outlets with nothing new are polled less often, within bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mediawatch.config import parse_config
from schedules.polling import decide
from warehouse.connection import opened

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def config(**schedule):
    return parse_config(
        {
            "outlets": [
                {"name": "busy", "homepage": "https://busy.example/"},
                {"name": "quiet", "homepage": "https://quiet.example/"},
                {"name": "cron", "homepage": "https://cron.example/", "crawl_cron": "0 * * * *"},
            ],
            "schedule": {"crawl_interval_minutes": 60, "max_interval_minutes": 240, **schedule},
        }
    )


def history(warehouse, runs: list[tuple[float, dict[str, int]]]) -> None:
    """runs: (hours ago, {outlet: new articles})"""
    with opened(warehouse) as con:
        for i, (hours, news) in enumerate(runs, start=1):
            con.execute(
                "INSERT INTO crawl_runs (id, started_at, status, trigger) VALUES (?, ?, 'ok', 'schedule')",
                [i, NOW - timedelta(hours=hours)],
            )
            for outlet, new in news.items():
                con.execute(
                    "INSERT INTO crawl_run_outlets (run_id, outlet, new) VALUES (?, ?, ?)",
                    [i, outlet, new],
                )


def by_name(warehouse, cfg, now=NOW):
    with opened(warehouse, read_only=True) as con:
        return {d.outlet: d for d in decide(con, cfg, ["busy", "quiet", "cron"], now)}


def test_quiet_outlet_backs_off_and_busy_one_does_not(warehouse) -> None:
    history(warehouse, [(3, {"busy": 4, "quiet": 0, "cron": 0}), (2, {"busy": 2, "quiet": 0, "cron": 0}),
                        (1, {"busy": 1, "quiet": 0, "cron": 0})])  # fmt: skip
    d = by_name(warehouse, config())
    assert d["busy"].due and d["busy"].interval == timedelta(hours=1)
    assert d["quiet"].quiet_runs == 3
    assert d["quiet"].interval == timedelta(hours=4)  # 1 h * 2**3 = 8 h, capped at 4 h
    assert not d["quiet"].due  # last polled 1 h ago
    assert d["cron"].due  # cron schedules are exact


def test_backoff_is_bounded_and_resets_on_news(warehouse) -> None:
    history(warehouse, [(5, {"quiet": 0}), (4.5, {"quiet": 0})])
    assert by_name(warehouse, config())["quiet"].due  # 4.5 h > the 4 h cap
    with opened(warehouse) as con:  # news half an hour ago: back to the base interval
        con.execute(
            "INSERT INTO crawl_runs (id, started_at, status, trigger) VALUES (99, ?, 'ok', 'schedule')",
            [NOW - timedelta(minutes=30)],
        )
        con.execute("INSERT INTO crawl_run_outlets (run_id, outlet, new) VALUES (99, 'quiet', 3)")
    d = by_name(warehouse, config())
    assert d["quiet"].quiet_runs == 0 and d["quiet"].interval == timedelta(hours=1)
    assert not d["quiet"].due  # polled 30 min ago
    assert by_name(warehouse, config(), now=NOW + timedelta(minutes=30))["quiet"].due
    assert by_name(warehouse, config(adaptive_polling=False))["quiet"].due
