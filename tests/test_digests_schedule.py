"""Scheduled digests over simulated days with an injected clock: windows from one digest time
to the next across both DST changes, every matched article in exactly one digest (also those
a crawl finds late, and across a scheduler outage), the catch-up gate, retries and give-up.

The digests are the real ones (``digests.enqueue_scheduled`` and ``flush`` on a real
DuckDB file); only the clock is injected. What the console script does with the same code is
in tests/test_digests_run.py.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from digests import enqueue_scheduled, flush
from digests.data import Digest
from digests.window import Window, due_at, scheduled_window
from mediawatch.config import Config, parse_config
from schedules.digest_job import CatchUpGate, DigestJob
from schedules.events import EventLog
from warehouse import digests as wh
from warehouse.connection import opened, transaction
from warehouse.migrate import migrate

TOPIC = "Elections"


@dataclass
class Clock:
    at: datetime

    def __call__(self) -> datetime:
        return self.at


def make_config(tmp_path: Path, tz: str, at: str, **digest: object) -> Config:
    path = tmp_path / "warehouse.duckdb"
    with opened(path) as con:
        migrate(con)
    return parse_config(
        {
            "warehouse": {"path": str(path)},
            "schedule": {"timezone": tz, "digest_time": at},
            "topics": [{"name": TOPIC, "query": "election"}],
            "digest": {"out_dir": str(tmp_path / "archive"), **digest},
        }
    )


def store(config: Config, articles: list[tuple[int, datetime, datetime]]) -> None:
    """(id, published, first seen): what a crawl would have stored by then."""
    with opened(config.warehouse_path) as con, transaction(con):
        for aid, published, seen in articles:
            url = f"https://wire.example/{aid}"
            con.execute(
                "INSERT INTO articles (id, url, canonical_url, outlet, title, published_at,"
                " first_seen_at, text, word_count, content_hash, story_id)"
                " VALUES (?, ?, ?, 'Wire', ?, ?, ?, ?, 9, ?, ?)",
                [aid, url, url, f"Election update {aid}", published, seen,
                 f"Voters talked about the election on day {aid}. More follows.",
                 hashlib.sha1(url.encode()).hexdigest(), aid],
            )  # fmt: skip
            con.execute(
                "INSERT INTO topic_matches (topic, article_id, matched_terms, snippet, matched_at) VALUES (?, ?, ['election'], '', ?)",
                [TOPIC, aid, seen],
            )


@dataclass
class Recorder:
    """The real enqueue_scheduled, keeping the Digest it built."""

    digests: list[Digest]

    def __call__(self, config: Config, topic: str, window: Window, now: datetime) -> object:
        report = enqueue_scheduled(config, topic, window, now)
        assert report.digest is not None
        self.digests.append(report.digest)
        return report


def simulate(
    config: Config, start: datetime, days: int, outage: tuple[datetime, datetime] | None = None
) -> tuple[list[Digest], dict[int, tuple[datetime, datetime]]]:
    """Tick every 5 minutes for ``days``; an article is published every 37 minutes and found
    by a crawl 0-100 minutes later. Returns the digests built and every article stored."""
    rng = random.Random(17)
    clock = Clock(start)
    # events are written at close: a writer thread would only compete for the file here
    events = EventLog(config.warehouse_path, flush_every_s=3600, now=clock)
    built: list[Digest] = []
    job = DigestJob(config, events, deliver=Recorder(built), now=clock)
    planned = []
    t, aid = start - timedelta(hours=3), 1
    while t < start + timedelta(days=days):
        planned.append((aid, t, t + timedelta(minutes=rng.randint(0, 100))))
        t += timedelta(minutes=37)
        aid += 1
    # Stored at once: a digest built at time T counts only articles first seen before T (its
    # cutoff), so this is what T saw had the crawls stored each article when they found it.
    store(config, planned)
    stored = {a[0]: (a[1], a[2]) for a in planned}
    step = 0
    while clock.at < start + timedelta(days=days):
        if outage is None or not outage[0] <= clock.at < outage[1]:
            job.tick()
        clock.at += timedelta(minutes=5)
        step += 1
        if step % 150 == 0:  # a restart now and then: the warehouse decides, not memory
            job = DigestJob(config, events, deliver=Recorder(built), now=clock)
    events.close()
    return built, stored


CHANGES = [
    ("Europe/Berlin", date(2026, 3, 29)),
    ("Europe/Berlin", date(2026, 10, 25)),
    ("America/New_York", date(2026, 3, 8)),
    ("America/New_York", date(2026, 11, 1)),
]


@pytest.mark.parametrize(("tz", "change"), CHANGES)
def test_every_article_in_exactly_one_scheduled_digest_across_dst(
    tmp_path: Path, tz: str, change: date
) -> None:
    config = make_config(tmp_path, tz, "07:00:00")
    zone = ZoneInfo(tz)
    start = datetime.combine(change - timedelta(days=1), time(5, 0), zone).astimezone(UTC)
    built, stored = simulate(config, start, days=3)
    # three digests: the days before, of and after the change, at 07:00 local each
    assert [d.day for d in built] == [change - timedelta(days=1), change, change + timedelta(1)]
    hours = [d.window.hours for d in built if d.window]
    spring = change.month == 3
    assert hours == [24, 23 if spring else 25, 24]
    for d in built:
        assert d.window is not None
        assert d.window.end == due_at(d.day, time(7), zone)
        assert d.window.end.astimezone(zone).strftime("%H:%M") == "07:00"
    for a, b in zip(built, built[1:], strict=False):
        assert a.window and b.window and a.window.end == b.window.start  # they tile time
    # exactly once: no article in two digests, and every article that a digest could have
    # counted (stored before the last one was built) is in one
    seen: dict[int, int] = {}
    for i, d in enumerate(built):
        for aid in d.article_ids:
            assert aid not in seen, f"article {aid} in digests {seen[aid]} and {i}"
            seen[aid] = i
    first, last = built[0], built[-1]
    assert first.window and last.window and last.cutoff
    expected = {
        aid
        for aid, (published, found) in stored.items()
        if published >= first.window.start and found < last.cutoff
        and published < last.window.end
    }  # fmt: skip
    assert set(seen) >= expected and expected
    # an article found after its own window's digest was built is in the next one, marked late
    late = [
        aid
        for aid, (p, f) in stored.items()
        if aid in seen and (w := built[seen[aid]].window) is not None and w.start > p
    ]
    assert late, "the simulation has late finds"
    assert all(built[seen[a]].late_articles > 0 for a in late)


@pytest.mark.parametrize(("tz", "change"), [CHANGES[0], CHANGES[3]])
def test_digest_time_in_the_dst_gap_or_fold_still_tiles(
    tmp_path: Path, tz: str, change: date
) -> None:
    """02:30 does not exist on the spring day and happens twice on the autumn day."""
    config = make_config(tmp_path, tz, "02:30:00")
    zone = ZoneInfo(tz)
    start = datetime.combine(change - timedelta(days=1), time(0, 0), zone).astimezone(UTC)
    built, stored = simulate(config, start, days=3)
    assert len(built) == 3
    for a, b in zip(built, built[1:], strict=False):
        assert a.window and b.window and a.window.end == b.window.start
    total = sum(len(d.article_ids) for d in built)
    assert total == len(set().union(*(d.article_ids for d in built)))
    windows = [d.window for d in built if d.window]
    assert sum(w.hours for w in windows) == pytest.approx(72 - (1 if change.month == 3 else -1))


def test_an_outage_over_the_digest_time_is_covered_by_the_next_digest(tmp_path: Path) -> None:
    config = make_config(tmp_path, "Europe/Berlin", "07:00:00")
    zone = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 6, 1, 5, 0, tzinfo=zone).astimezone(UTC)
    down = (start + timedelta(hours=12), start + timedelta(hours=48))  # all of 2 June
    built, stored = simulate(config, start, days=3, outage=down)
    assert [d.day for d in built] == [date(2026, 6, 1), date(2026, 6, 3)]
    first, second = built
    assert first.window and second.window
    assert second.window.start == first.window.end and second.window.hours == 48
    assert not first.article_ids & second.article_ids
    assert "Tue 02 Jun 07:00 – Wed 03 Jun 07:00" not in second.period
    assert second.period.startswith("Mon 01 Jun 07:00")


def test_a_due_digest_waits_for_the_catch_up_crawl_then_goes(tmp_path: Path) -> None:
    config = make_config(tmp_path, "UTC", "07:00:00")
    clock = Clock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))  # started after the digest time
    store(config, [(1, clock.at - timedelta(hours=5), clock.at - timedelta(hours=4))])
    events = EventLog(config.warehouse_path, flush_every_s=0.05, now=clock)
    built: list[Digest] = []
    seconds = [0.0]
    gate = CatchUpGate(timedelta(minutes=30), clock=lambda: seconds[0])
    gate.expect("catch-up crawl every 1h", ["Wire"])
    job = DigestJob(config, events, deliver=Recorder(built), now=clock, gate=gate)
    assert job.tick() == [] and built == []  # the catch-up crawl is still running
    # the crawl stores what was published before 07:00, then finishes
    store(config, [(2, clock.at - timedelta(hours=3), clock.at + timedelta(minutes=1))])
    clock.at += timedelta(minutes=2)
    gate.on_event(type("Event", (), {"job_id": "catch-up crawl every 1h"})())
    assert job.tick() == [TOPIC]
    assert built[0].article_ids == {1, 2}
    # a gate that never opens lets the digest go after crawl_timeout_minutes
    config2 = make_config(tmp_path / "b", "UTC", "07:00:00")
    stuck = CatchUpGate(timedelta(minutes=30), clock=lambda: seconds[0])
    stuck.expect("catch-up", ["Wire"])
    job2 = DigestJob(config2, events, deliver=Recorder(built), now=clock, gate=stuck)
    assert job2.tick() == []
    seconds[0] = 30 * 60
    assert job2.tick() == [TOPIC]
    events.close()


def test_failed_channel_retries_with_backoff_until_next_digest_which_says_so(
    tmp_path: Path,
) -> None:
    """A refused webhook: pending with growing back-off, given up when the next digest is due,
    and that digest names the one that did not arrive."""
    config = make_config(
        tmp_path, "UTC", "07:00:00", webhook_url="http://127.0.0.1:9/hook", retry_first_s=60
    )
    t0 = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)
    store(config, [(1, t0 - timedelta(hours=2), t0 - timedelta(hours=1))])
    window = scheduled_window(date(2026, 6, 1), time(7), "UTC")
    enqueue_scheduled(config, TOPIC, window, t0)
    waits = []
    now = t0
    for _ in range(5):
        [result] = flush(config, now, {})
        assert result.status == "pending" and "Connection" in result.detail
        with opened(config.warehouse_path) as con:
            nxt = wh.next_attempt_at(con)
        assert nxt is not None
        waits.append((nxt - now).total_seconds())
        assert flush(config, nxt - timedelta(seconds=1), {}) == []  # not before its time
        now = nxt
    assert waits == [60, 120, 240, 480, 960]
    nxt_window = scheduled_window(date(2026, 6, 2), time(7), "UTC")
    report = enqueue_scheduled(config, TOPIC, nxt_window, nxt_window.end)
    with opened(config.warehouse_path) as con:
        rows = wh.outbox_rows(con)
    webhook_rows = [r for r in rows if r.channel == "webhook"]
    assert [r.status for r in webhook_rows] == ["failed", "pending"]
    assert webhook_rows[0].attempts == 5
    d = report.digest
    assert d is not None and len(d.undelivered) == 1
    assert d.undelivered[0].channel == "webhook" and "Connection" in d.undelivered[0].detail
    from digests.render import render

    text = render(d).text
    assert "NOT DELIVERED: the digest for Sun 31 May 07:00 – Mon 01 Jun 07:00 UTC" in text
    # reported once: the digest after that one does not repeat it
    third = enqueue_scheduled(
        config, TOPIC, scheduled_window(date(2026, 6, 3), time(7), "UTC"),
        datetime(2026, 6, 3, 7, 0, tzinfo=UTC),
    )  # fmt: skip
    assert third.digest is not None
    assert [u.label[:10] for u in third.digest.undelivered] == ["Mon 01 Jun"]


def test_a_permanent_error_is_given_up_at_once_and_reported(tmp_path: Path) -> None:
    """No password in the environment: retrying cannot help, so no retry."""
    smtp = {"host": "127.0.0.1", "port": 9, "security": "none", "user": "digest"}
    config = make_config(tmp_path, "UTC", "07:00:00", smtp=smtp, recipients=["a@example.org"])
    t0 = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)
    enqueue_scheduled(config, TOPIC, scheduled_window(date(2026, 6, 1), time(7), "UTC"), t0)
    [result] = flush(config, t0, {})
    assert result.status == "failed" and "MEDIAWATCH_SMTP_PASSWORD" in result.detail
    assert flush(config, t0 + timedelta(hours=1), {}) == []  # not retried
    nxt = enqueue_scheduled(
        config, TOPIC, scheduled_window(date(2026, 6, 2), time(7), "UTC"), t0 + timedelta(days=1)
    )
    assert nxt.digest is not None and [u.channel for u in nxt.digest.undelivered] == ["smtp"]
