"""The README's delivery promise at the user's hands: the installed ``mediawatch run`` console
script, a real SMTP server (aiosmtpd) on loopback, real signals, the warehouse afterwards.

1. The mail server refuses connections at digest time and accepts them a few seconds later:
   the digest arrives once, later the same day, with the Message-ID recorded before sending.
2. ``kill -9`` between send and record (the server has accepted the message and holds the
   connection at QUIT until the process is dead): the next ``mediawatch run`` resends it
   once, with the same Message-ID.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import tomli_w
from aiosmtpd.controller import Controller

from warehouse.connection import opened, transaction
from warehouse.migrate import migrate

TOPIC = "Elections"


def mediawatch() -> str:
    found = shutil.which("mediawatch", path=str(Path(sys.executable).parent))
    assert found, "the mediawatch console script is installed next to the test's python"
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink:
    """Keeps every message; optionally holds the connection at QUIT until released."""

    def __init__(self, hold_quit: bool = False) -> None:
        self.messages: list[bytes] = []
        self.hold_quit = hold_quit
        self.at_quit = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(envelope.original_content)
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope):  # noqa: N802
        if self.hold_quit:
            self.at_quit.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        return "221 Bye"


def serve(sink: Sink, port: int) -> Controller:
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def zone_away_from_midnight() -> str:
    """A time zone where it is not close to midnight now, so 'later the same day' is testable."""
    for name in ("UTC", "Asia/Tokyo", "America/New_York"):
        hour = datetime.now(ZoneInfo(name)).hour
        if 1 <= hour <= 22:
            return name
    raise AssertionError("unreachable: three zones cannot all be near midnight")


def write_config(tmp_path: Path, port: int, digest_in_s: float, timeout_s: float) -> Path:
    tz = zone_away_from_midnight()
    due = (datetime.now(ZoneInfo(tz)) + timedelta(seconds=digest_in_s)).replace(microsecond=0)
    wh = tmp_path / "warehouse.duckdb"
    with opened(wh) as con:
        migrate(con)
        with transaction(con):
            for i in range(3):  # three matched articles in the hours before the digest time
                at = datetime.now(UTC) - timedelta(hours=1 + i)
                url = f"https://wire.example/{i}"
                con.execute(
                    "INSERT INTO articles (id, url, canonical_url, outlet, title, published_at,"
                    " first_seen_at, text, word_count, content_hash, story_id)"
                    " VALUES (?, ?, ?, 'Wire', ?, ?, ?, ?, 9, ?, ?)",
                    [i + 1, url, url, f"Election story {i}", at, at,
                     "Polls opened early. The election drew long queues in the north.",
                     hashlib.sha1(url.encode()).hexdigest(), i + 1],
                )  # fmt: skip
                con.execute(
                    "INSERT INTO topic_matches (topic, article_id, matched_terms, snippet, matched_at) VALUES (?, ?, ['election'], '', ?)",
                    [TOPIC, i + 1, at],
                )
    config = {
        "warehouse": {"path": str(wh)},
        "schedule": {"timezone": tz, "digest_time": due.strftime("%H:%M:%S")},
        "topics": [{"name": TOPIC, "query": "election"}],
        "digest": {
            "out_dir": str(tmp_path / "archive"),
            "recipients": ["ann@example.org"],
            "sender": "digest@example.org",
            "retry_first_s": 1,
            "retry_max_s": 2,
            "smtp": {"host": "127.0.0.1", "port": port, "security": "none", "timeout_s": timeout_s},
        },
    }
    path = tmp_path / "mediawatch.toml"
    path.write_text(tomli_w.dumps(config), encoding="utf-8")
    return path


def start_run(config: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [mediawatch(), "--config", str(config), "run"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, like a terminal's job
    )


def outbox(config: Path) -> list[tuple]:
    wh = config.parent / "warehouse.duckdb"
    with opened(wh, read_only=True, timeout_s=30) as con:
        return con.execute(
            "SELECT channel, status, attempts, message_id, window_start, window_end, sent_at"
            " FROM digest_outbox ORDER BY id"
        ).fetchall()


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def smtp_row(config: Path) -> tuple | None:
    return next((r for r in outbox(config) if r[0] == "smtp"), None)


def failed_tries(config: Path) -> int:
    """Attempts that have failed and been rescheduled (not one in progress)."""
    with opened(config.parent / "warehouse.duckdb", read_only=True, timeout_s=30) as con:
        rows = con.execute(
            "SELECT attempts, next_attempt_at > last_attempt_at FROM digest_outbox"
            " WHERE channel = 'smtp'"
        ).fetchall()
    return rows[0][0] if rows and rows[0][1] else 0


def stop(proc: subprocess.Popen) -> str:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    return err


@pytest.fixture
def cleanup() -> Iterator[list]:
    things: list = []
    yield things
    for thing in things:
        if isinstance(thing, subprocess.Popen):
            if thing.poll() is None:
                os.killpg(thing.pid, signal.SIGKILL)
                thing.wait()
        else:
            thing()


def test_refused_at_digest_time_arrives_once_later_the_same_day(
    tmp_path: Path, cleanup: list
) -> None:
    port = free_port()  # nothing listens: connections are refused
    config = write_config(tmp_path, port, digest_in_s=4, timeout_s=5)
    proc = start_run(config)
    cleanup.append(proc)
    wait_for(lambda: failed_tries(config) >= 2, 40, "two refused tries")
    row = smtp_row(config)
    assert row is not None and row[1] == "pending"  # recorded before any attempt, still owed
    sink = Sink()
    controller = serve(sink, port)
    cleanup.append(controller.stop)
    wait_for(lambda: (r := smtp_row(config)) is not None and r[1] == "sent", 30, "the digest sent")
    time.sleep(2)  # a few more ticks: nothing is sent twice
    err = stop(proc)
    assert proc.returncode in (0, 130), err
    assert "Traceback" not in err
    assert len(sink.messages) == 1
    msg = email.message_from_bytes(sink.messages[0], policy=email.policy.default)
    channel, status, attempts, message_id, start, end, sent_at = smtp_row(config)  # type: ignore[misc]  # the row exists: it was just sent
    assert status == "sent" and attempts >= 3 and msg["Message-ID"] == message_id
    local = ZoneInfo(tomllib.loads(config.read_text())["schedule"]["timezone"])
    assert sent_at > end  # later ...
    assert sent_at.astimezone(local).date() == end.astimezone(local).date()  # ... the same day
    assert timedelta(hours=23) <= end - start <= timedelta(hours=25)
    assert "3 stories, 3 articles" in msg["Subject"] and "–" in msg["Subject"]  # names the window
    archived = list((tmp_path / "archive").rglob("elections.eml"))
    assert len(archived) == 1
    assert email.message_from_bytes(archived[0].read_bytes())["Message-ID"] == message_id


def test_kill_between_send_and_record_resends_once_with_the_same_message_id(
    tmp_path: Path, cleanup: list
) -> None:
    port = free_port()
    config = write_config(tmp_path, port, digest_in_s=3, timeout_s=60)
    holding = Sink(hold_quit=True)
    controller = serve(holding, port)
    cleanup.append(holding.release.set)
    proc = start_run(config)
    cleanup.append(proc)
    # the server has the message (250 after DATA) and holds the connection at QUIT:
    # the process has sent but not yet recorded
    assert holding.at_quit.wait(40), "the digest reached the server"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    holding.release.set()
    controller.stop()
    assert len(holding.messages) == 1
    row = smtp_row(config)
    assert row is not None and row[1] == "pending" and row[2] == 1  # intent recorded, not the send
    first_id = email.message_from_bytes(holding.messages[0])["Message-ID"]
    assert first_id == row[3]
    # the next start resends it once, with the same Message-ID
    sink = Sink()
    controller = serve(sink, port)
    cleanup.append(controller.stop)
    again = start_run(config)
    cleanup.append(again)
    wait_for(lambda: (r := smtp_row(config)) is not None and r[1] == "sent", 40, "the resend")
    time.sleep(2)
    err = stop(again)
    assert again.returncode in (0, 130), err
    assert len(sink.messages) == 1
    assert email.message_from_bytes(sink.messages[0])["Message-ID"] == first_id
    assert sink.messages[0] == holding.messages[0]  # the same bytes, not a rebuilt digest
    assert [r[0] for r in outbox(config)] == ["smtp", "file"]  # built once


def test_a_due_digest_waits_for_the_catch_up_crawl(tmp_path: Path, cleanup: list) -> None:
    """Started after the digest time with an outlet never crawled: the digest is built only
    after the catch-up crawl has stored its articles, and counts them."""
    from mediawatch.demo import demo_config
    from mediawatch.newsroom import build_newsroom
    from mediawatch.newsroom import serve as serve_newsroom

    newsroom = build_newsroom(seed=7, n_articles=120)
    spec = next(o for o in newsroom.outlets if o.key == "wire_review")
    now = datetime.now(UTC)
    recent = [
        a for a in newsroom.articles
        if a.outlet == spec.key and now - timedelta(hours=23) < a.published < now
    ]  # fmt: skip
    assert recent, "the newsroom has articles of the last day"
    word = max(recent[0].title.split(), key=len).strip(".,:;!?\"'").lower()
    tz = zone_away_from_midnight()
    due = (datetime.now(ZoneInfo(tz)) - timedelta(minutes=2)).replace(microsecond=0)
    with serve_newsroom(newsroom) as server:
        raw = demo_config([o for o in server.outlet_config() if o["name"] == spec.name], tmp_path)
        raw["crawl"]["max_age_days"] = 2
        raw["schedule"] = {"timezone": tz, "digest_time": due.strftime("%H:%M:%S"),
                           "recrawl_after_days": []}  # fmt: skip
        raw["topics"] = [{"name": TOPIC, "query": word}]
        raw["digest"] = {"out_dir": str(tmp_path / "archive"), "retry_first_s": 1}  # 1 s ticks
        config = tmp_path / "mediawatch.toml"
        config.write_text(tomli_w.dumps(raw), encoding="utf-8")
        proc = start_run(config)
        cleanup.append(proc)
        wh = tmp_path / "warehouse.duckdb"
        wait_for(lambda: wh.exists() and bool(outbox(config)), 120, "the digest")
        err = stop(proc)
    assert proc.returncode in (0, 130), err
    with opened(wh, read_only=True) as con:
        [(finished, trigger)] = con.execute(
            "SELECT finished_at, trigger FROM crawl_runs ORDER BY id LIMIT 1"
        ).fetchall()
        [(start, end, cutoff)] = con.execute(
            "SELECT window_start, window_end, cutoff_at FROM digest_outbox"
        ).fetchall()
        [(in_window,)] = con.execute(
            "SELECT count(*) FROM topic_matches m JOIN articles a ON a.id = m.article_id"
            " WHERE coalesce(a.published_at, a.first_seen_at) >= ?"
            " AND coalesce(a.published_at, a.first_seen_at) < ?",
            [start, end],
        ).fetchall()
    assert trigger == "startup" and finished is not None
    assert cutoff >= finished  # built after the catch-up crawl ended, not before it began
    assert in_window > 0
    [text] = list((tmp_path / "archive").rglob("*.txt"))
    assert f"Articles: {in_window} " in text.read_text(encoding="utf-8")
