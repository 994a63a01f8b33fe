"""Daily digests end to end: a real warehouse file, a real SMTP server and a real HTTP server
on loopback, hostile web text, retries and the archive."""

from __future__ import annotations

import email
import email.policy
import hashlib
import http.server
import json
import logging
import shutil
import socket
import threading
from datetime import UTC, date, datetime, time, timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import click
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from click.testing import CliRunner

from digests import RetryPolicy, build_digest, deliver, is_spike, render, write_archive
from digests.safety import clean_subject, safe_child, safe_link, slugify
from mediawatch.cli.common import AppContext
from mediawatch.cli.digest import register
from mediawatch.config import Config, TopicConfig, parse_config
from mediawatch.errors import ConfigError, MediawatchError, TerminalError
from warehouse.connection import opened, transaction
from warehouse.migrate import migrate

TZ = ZoneInfo("Europe/Berlin")
D = date(2024, 5, 20)  # the spike day
TOPIC = "Elections"
PASSWORD = "s3cr3t-Pa55word-xyz"
HOSTILE_TITLE = (
    '<script>alert(1)</script> "><img src=x onerror=alert(2)> [click](javascript:alert(3))'
)
CRLF_TITLE = "Breaking\r\nBcc: evil@example.org\r\n\r\nnews"


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), TZ).astimezone(UTC)


# -- the warehouse ---------------------------------------------------------------------
class Builder:
    def __init__(self, con) -> None:  # type: ignore[no-untyped-def]
        self.con = con
        self.stories: dict[int, list[tuple[datetime, int, str, str]]] = {}

    def article(
        self,
        aid: int,
        outlet: str,
        when: datetime,
        story: int,
        title: str = "Election news",
        url: str | None = None,
        terms: tuple[str, ...] = ("election",),
        snippet: str = "the election campaign",
        language: str = "en",
    ) -> None:
        url = url if url is not None else f"https://{slugify(outlet)}.example/a/{aid}"
        self.con.execute(
            "INSERT INTO articles (id, url, canonical_url, outlet, title, published_at,"
            " first_seen_at, language, text, word_count, content_hash, story_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                aid,
                url,
                url,
                outlet,
                title,
                when,
                when,
                language,
                "text",
                1,
                hashlib.sha1(str(aid).encode()).hexdigest(),
                story,
            ],
        )
        self.con.execute(
            "INSERT INTO topic_matches (topic, article_id, matched_terms, snippet, matched_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [TOPIC, aid, list(terms), snippet, when],
        )
        self.stories.setdefault(story, []).append((when, aid, outlet, title))

    def finish(self) -> None:
        for sid, arts in self.stories.items():
            arts.sort()
            first, last = arts[0], arts[-1]
            self.con.execute(
                "INSERT INTO stories VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    sid,
                    first[1],
                    first[2],
                    first[0],
                    last[0],
                    len(arts),
                    len({a[2] for a in arts}),
                    first[3],
                ],
            )

    def run(self, rid: int, at: datetime, outlets: dict[str, tuple[int, int, int, dict]]) -> None:
        self.con.execute(
            "INSERT INTO crawl_runs (id, started_at, finished_at, status) VALUES (?, ?, ?, 'ok')",
            [rid, at, at + timedelta(minutes=5)],
        )
        for name, (fetched, new, failed, reasons) in outlets.items():
            self.con.execute(
                "INSERT INTO crawl_run_outlets (run_id, outlet, fetched, new, failed,"
                " failures_by_reason) VALUES (?, ?, ?, ?, ?, ?)",
                [rid, name, fetched, new, failed, json.dumps(reasons)],
            )


def populate(b: Builder) -> None:
    # a quiet baseline: one story every fourth day, two the day before
    for k in range(4, 29, 4):
        outlet = "Northern Star" if k == 8 else "Wire Daily"
        b.article(2000 + k, outlet, local(D - timedelta(days=k), 9), 2000 + k)
    b.article(2001, "Wire Daily", local(D - timedelta(days=1), 11), 2001)
    b.article(1010, "Metro Post", local(D - timedelta(days=1), 15), 1001, title="Recount begins")
    # the spike day: 7 stories, 9 articles, 4 outlets
    for aid, outlet, hh in (
        (1000, "Wire Daily", 6),
        (1020, "Metro Post", 7),
        (1021, "Northern Star", 8),
    ):
        b.article(
            aid,
            outlet,
            local(D, hh, 30 if hh == 8 else 0),
            1000,
            title="Wire: polls close early",
            terms=("election", "ballot"),
            snippet="polls close early in the election",
        )
    b.article(1011, "Coast Times", local(D, 9), 1001, title="Recount continues")
    b.article(
        1002,
        "Northern Star",
        local(D, 10),
        1002,
        title=HOSTILE_TITLE,
        url="javascript:alert(3)",
        snippet='<b onmouseover="x()">bold</b> election',
    )
    b.article(1003, "Wire Daily", local(D, 0, 30), 1003, title="Midnight count")
    b.article(1004, "Metro Post", local(D, 12), 1004, title="Turnout record", terms=("turnout",))
    b.article(1005, "Northern Star", local(D, 13), 1005, title="Debate recap")
    b.article(1006, "Wire Daily", local(D, 14), 1006, title="Results tonight")
    b.article(1007, "Wire Daily", local(D + timedelta(days=1), 0, 30), 1007, title="Next day")
    b.article(3000, "Wire Daily", local(D + timedelta(days=2), 8), 3000, title=CRLF_TITLE)
    b.finish()
    ok = {
        "Wire Daily": (10, 4, 0, {}),
        "Metro Post": (8, 3, 1, {"timeout": 1}),
        "Northern Star": (6, 2, 0, {}),
        "Coast Times": (5, 1, 0, {}),
    }
    b.run(1, local(D - timedelta(days=10), 10), {**ok, "Quiet Gazette": (5, 3, 0, {})})
    b.run(2, local(D - timedelta(days=5), 10), {**ok, "Quiet Gazette": (5, 0, 0, {})})
    b.run(
        3,
        local(D, 10),
        {
            **ok,
            "Quiet Gazette": (5, 0, 0, {}),
            "Broken News": (0, 0, 12, {"http-403": 10, "timeout": 2}),
        },
    )
    everything_failed = {
        n: (0, 0, 5, {"http-503": 5}) for n in (*ok, "Quiet Gazette", "Broken News")
    }
    b.run(4, local(D + timedelta(days=3), 10), everything_failed)


@pytest.fixture(scope="session")
def template_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    with opened(path) as con:
        migrate(con)
        with transaction(con):
            populate(Builder(con))
    return path


def make_config(tmp_path: Path, warehouse: Path, **digest: object) -> Config:
    raw = {
        "warehouse": {"path": str(warehouse)},
        "schedule": {"timezone": "Europe/Berlin"},
        "topics": [{"name": TOPIC, "query": "election OR turnout"}],
        "digest": {
            "out_dir": str(tmp_path / "archive"),
            "recipients": ["ann@example.org", "bob@example.org"],
            "sender": "digest@example.org",
            **digest,
        },
    }
    return parse_config(raw)


@pytest.fixture()
def warehouse(tmp_path: Path, template_warehouse: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(template_warehouse, path)
    return path


@pytest.fixture()
def config(tmp_path: Path, warehouse: Path) -> Config:
    return make_config(tmp_path, warehouse)


def deliveries(path: Path) -> list[tuple]:
    with opened(path, read_only=True) as con:
        return con.execute(
            "SELECT topic, day, channel, status, attempts, detail FROM digest_deliveries"
            " ORDER BY delivered_at, channel"
        ).fetchall()


# -- servers on loopback -----------------------------------------------------------------
class Sink:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        self.logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == PASSWORD.encode())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def smtp_server():  # type: ignore[no-untyped-def]
    sink = Sink()
    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=sink.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield sink, controller.port
    finally:
        controller.stop()


def smtp_config(tmp_path: Path, warehouse: Path, port: int, **extra: object) -> Config:
    smtp = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "user": "digest",
        "password_env": "TEST_DIGEST_SMTP_PW",
        "timeout_s": 5,
    }
    return make_config(tmp_path, warehouse, smtp=smtp, **extra)


ENV = {"TEST_DIGEST_SMTP_PW": PASSWORD}
FAST = RetryPolicy(attempts=3, first_delay_s=0.01, factor=4)


# -- content -----------------------------------------------------------------------------
def test_spike_drivers_in_the_digest_are_the_words_as_written(config: Config) -> None:
    """Matches stored with their forms (migration 0010) show what the articles wrote."""
    before = dict(build_digest(config, TOPIC, D).spike.top_terms)  # type: ignore[union-attr]
    with opened(config.warehouse_path) as con:
        con.execute(
            "UPDATE topic_matches SET matched_forms = [{'term': 'election', 'surface':"
            " 'Elections', 'normal': 'election'}] WHERE topic = ? AND list_contains(matched_terms,"
            " 'election')",
            [TOPIC],
        )
    after = dict(build_digest(config, TOPIC, D).spike.top_terms)  # type: ignore[union-attr]
    assert after["elections"] == before["election"] and "election" not in after


def test_spike_day_numbers_stories_and_outlets(config: Config) -> None:
    d = build_digest(config, TOPIC, D)
    assert (d.headline.today.articles, d.headline.today.stories, d.headline.today.outlets) == (
        9,
        7,
        4,
    )
    assert (d.headline.previous.articles, d.headline.previous.stories) == (2, 2)
    assert d.headline.average7.stories == pytest.approx((2 + 1) / 7)  # D-1: 2, D-4: 1
    assert d.spike is not None and d.spike.stories == 7 and d.spike.z >= 3
    assert dict(d.spike.top_terms)["election"] == 8
    assert dict(d.spike.top_outlets) == {
        "Wire Daily": 3,
        "Northern Star": 3,
        "Metro Post": 2,
        "Coast Times": 1,
    }
    top = d.stories[0]
    assert top.story_id == 1000 and top.origin_outlet == "Wire Daily"
    assert top.also_carried_by == ("Metro Post", "Northern Star") and top.is_new
    assert top.url == "https://wire-daily.example/a/1000"
    assert top.published_at is not None and top.published_at.hour == 6
    assert "polls close early" in top.snippet and top.language == "en"
    recount = next(s for s in d.stories if s.story_id == 1001)
    assert not recount.is_new and recount.origin_outlet == "Metro Post"
    assert (d.n_new_stories, d.n_continuing_stories) == (6, 1)
    # by outlets carrying them, then by latest activity (the 00:30 one is last)
    assert [s.story_id for s in d.stories] == [1000, 1001, 1006, 1005, 1004, 1002, 1003]
    assert 1007 not in {s.story_id for s in d.stories}  # 00:30 local next day
    assert d.first_time_outlets == ["Coast Times"]
    trouble = {t.outlet: t for t in d.troubled_outlets}
    assert set(trouble) == {"Broken News", "Quiet Gazette"}
    assert trouble["Broken News"].kind == "failing" and "12 of 12" in trouble["Broken News"].reason
    assert "http-403: 10" in trouble["Broken News"].reason
    assert trouble["Quiet Gazette"].kind == "stale" and "10 days" in trouble["Quiet Gazette"].reason
    assert not d.all_outlets_failed
    assert len(d.volume) == 30 and d.volume[-1] == (d.volume[-1].__class__(D, 9, 7))
    assert d.volume[-2].stories == 2


def test_is_spike_definition() -> None:
    assert is_spike(5, [0] * 28)
    assert not is_spike(4, [0] * 28)  # too few stories, however quiet the baseline
    assert not is_spike(12, [8, 12, 10, 14, 6] * 5 + [9, 11, 10])  # busy topic, ordinary day
    assert is_spike(30, [8, 12, 10, 14, 6] * 5 + [9, 11, 10])
    assert not is_spike(5, [5] * 28)  # flat and equal is not a spike


def test_rendered_formats_share_the_data(config: Config) -> None:
    r = render(build_digest(config, TOPIC, D))
    assert r.chart_png.startswith(b"\x89PNG\r\n\x1a\n")
    for body in (r.html, r.text, r.markdown):
        assert "Wire: polls close early" in body or "Wire: polls close early" in body.replace(
            "\\", ""
        )
        assert "Broken News" in body and "Coast Times" in body
    assert "Spike" in r.html and "SPIKE" in r.text and "Spike" in r.markdown
    assert f'src="cid:{r.chart_cid}"' in r.html
    assert f'src="{r.slug}.png"' in r.archive_html
    assert "Also carried by 2 outlets: Metro Post, Northern Star" in r.text
    assert "6 new today, 1 continuing" in r.text
    assert r.subject.startswith("[mediawatch] Elections · 2024-05-20: 7 stories, 9 articles")


# -- hostile text ------------------------------------------------------------------------
class TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def test_hostile_title_snippet_and_link_render_inert(config: Config) -> None:
    r = render(build_digest(config, TOPIC, D))
    for page in (r.html, r.archive_html):
        parser = TagCollector()
        parser.feed(page)
        tags = [t for t, _ in parser.tags]
        assert "script" not in tags and "b" not in tags
        assert tags.count("img") == 1  # only the chart
        for _, attrs in parser.tags:
            for name, value in attrs:
                assert not name.startswith("on"), (name, value)
                if name == "href":
                    assert value and value.startswith(("http://", "https://"))
        assert 'href="javascript' not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "javascript" not in r.text.replace("(javascript:alert(3))", "")  # title text only
    assert "](javascript" not in r.markdown
    assert "\\[click\\]\\(javascript:alert\\(3\\)\\)" in r.markdown
    assert safe_link("javascript:alert(1)") is None and safe_link(" JAVASCRIPT:x") is None
    assert safe_link("https://ok.example/a b") is None
    assert safe_link("data:text/html,<script>") is None
    assert safe_link("https://ok.example/a?b=1") == "https://ok.example/a?b=1"


def test_subject_is_one_line() -> None:
    assert clean_subject("a\r\nBcc: x@y\x00\x1b[31m\u202e z") == "a Bcc: x@y[31m z"
    assert len(clean_subject("x" * 500)) == 200


# -- SMTP --------------------------------------------------------------------------------
def parts_of(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def test_smtp_sends_multipart_with_inline_chart(
    tmp_path: Path,
    warehouse: Path,
    smtp_server,
    caplog: pytest.LogCaptureFixture,  # type: ignore[no-untyped-def]
) -> None:
    sink, port = smtp_server
    config = smtp_config(tmp_path, warehouse, port)
    caplog.set_level(logging.DEBUG)
    report = deliver(config, TOPIC, D, send=True, env=ENV, retry=FAST)
    assert report.ok and report.result("smtp").status == "sent"  # type: ignore[union-attr]
    assert sink.logins == [(b"digest", PASSWORD.encode())]
    assert len(sink.messages) == 1
    rcpts, raw = sink.messages[0]
    assert rcpts == ["ann@example.org", "bob@example.org"]
    msg = parts_of(raw)
    assert msg["Subject"] == render(build_digest(config, TOPIC, D)).subject
    assert msg["To"] == "ann@example.org, bob@example.org" and msg["From"] == "digest@example.org"
    assert msg.get_content_type() == "multipart/alternative"
    types = [p.get_content_type() for p in msg.walk()]
    assert types == [
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
    ]
    html = next(p for p in msg.walk() if p.get_content_type() == "text/html").get_content()
    png = next(p for p in msg.walk() if p.get_content_type() == "image/png")
    cid = png["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html and png.get_content().startswith(b"\x89PNG")
    text = next(p for p in msg.walk() if p.get_content_type() == "text/plain").get_content()
    assert "Wire: polls close early" in text
    # the password went to AUTH only
    assert PASSWORD.encode() not in raw
    assert PASSWORD not in caplog.text
    for path in report.files:
        assert PASSWORD.encode() not in path.read_bytes()
    assert PASSWORD not in repr(deliveries(warehouse))
    assert [(c, s) for _, _, c, s, _, _ in deliveries(warehouse)] == [
        ("file", "sent"),
        ("smtp", "sent"),
    ]


def test_crlf_title_still_sends_with_a_clean_subject(
    tmp_path: Path, warehouse: Path, smtp_server
) -> None:  # type: ignore[no-untyped-def]
    sink, port = smtp_server
    config = smtp_config(tmp_path, warehouse, port)
    day = D + timedelta(days=2)
    report = deliver(config, TOPIC, day, send=True, env=ENV, retry=FAST)
    assert report.ok
    rcpts, raw = sink.messages[0]
    assert rcpts == ["ann@example.org", "bob@example.org"]
    msg = parts_of(raw)
    assert "\r" not in msg["Subject"] and "\n" not in msg["Subject"]
    assert "Breaking Bcc: evil@example.org news" in msg["Subject"]
    assert msg["Bcc"] is None
    header_block = raw.split(b"\r\n\r\n", 1)[0]
    assert b"\r\nBcc:" not in header_block


def test_missing_password_is_reported_not_retried(
    tmp_path: Path, warehouse: Path, smtp_server
) -> None:  # type: ignore[no-untyped-def]
    sink, port = smtp_server
    config = smtp_config(tmp_path, warehouse, port)
    sleeps: list[float] = []
    report = deliver(config, TOPIC, D, send=True, env={}, retry=FAST, sleep=sleeps.append)
    smtp = report.result("smtp")
    assert smtp is not None and smtp.status == "failed" and smtp.attempts == 1
    assert "TEST_DIGEST_SMTP_PW" in smtp.detail and sleeps == [] and sink.messages == []


def test_sent_once_unless_forced(tmp_path: Path, warehouse: Path, smtp_server) -> None:  # type: ignore[no-untyped-def]
    sink, port = smtp_server
    config = smtp_config(tmp_path, warehouse, port)
    assert deliver(config, TOPIC, D, send=True, env=ENV).result("smtp").status == "sent"  # type: ignore[union-attr]
    again = deliver(config, TOPIC, D, send=True, env=ENV).result("smtp")
    assert again is not None and again.status == "skipped" and len(sink.messages) == 1
    # another day is a different digest
    assert (
        deliver(config, TOPIC, D - timedelta(days=1), send=True, env=ENV).result("smtp").status
        == "sent"
    )  # type: ignore[union-attr]
    forced = deliver(config, TOPIC, D, send=True, force=True, env=ENV).result("smtp")
    assert forced is not None and forced.status == "sent" and len(sink.messages) == 3
    smtp_rows = [r for r in deliveries(warehouse) if r[2] == "smtp"]
    assert [(r[1], r[3]) for r in smtp_rows] == [
        (D, "sent"),
        (D - timedelta(days=1), "sent"),
        (D, "sent"),
    ]


def test_failing_smtp_is_retried_with_backoff_and_recorded(tmp_path: Path, warehouse: Path) -> None:
    config = smtp_config(tmp_path, warehouse, free_port())  # nothing listens there
    sleeps: list[float] = []
    report = deliver(config, TOPIC, D, send=True, env=ENV, retry=FAST, sleep=sleeps.append)
    smtp = report.result("smtp")
    assert smtp is not None and smtp.status == "failed" and smtp.attempts == 3
    assert sleeps == pytest.approx([0.01, 0.04])
    assert not report.ok and report.files  # the archive is still written
    row = next(r for r in deliveries(warehouse) if r[2] == "smtp")
    assert row[3:5] == ("failed", 3) and "Connection" in row[5] and PASSWORD not in row[5]
    # a failed delivery does not count as sent: the next run tries again
    sleeps.clear()
    deliver(config, TOPIC, D, send=True, env=ENV, retry=FAST, sleep=sleeps.append)
    assert len(sleeps) == 2


# -- webhook -----------------------------------------------------------------------------
@pytest.fixture()
def webhook_server():  # type: ignore[no-untyped-def]
    received: list[tuple[str, dict]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers["Content-Type"], json.loads(body)))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield received, f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


def test_webhook_receives_slack_json(tmp_path: Path, warehouse: Path, webhook_server) -> None:  # type: ignore[no-untyped-def]
    received, url = webhook_server
    config = make_config(tmp_path, warehouse, webhook_url=url)
    report = deliver(config, TOPIC, D, send=True)
    assert report.result("webhook").status == "sent"  # type: ignore[union-attr]
    assert report.result("smtp") is None  # not configured
    content_type, body = received[0]
    assert content_type.startswith("application/json")
    assert set(body) == {"text", "blocks"} and "Elections" in body["text"]
    texts = json.dumps(body["blocks"], ensure_ascii=False)
    assert "<https://wire-daily.example/a/1000|Wire: polls close early>" in texts
    assert "<script>" not in texts and "&lt;script&gt;" in texts
    assert deliver(config, TOPIC, D, send=True).result("webhook").status == "skipped"  # type: ignore[union-attr]
    assert len(received) == 1


# -- edge days ---------------------------------------------------------------------------
def test_day_without_coverage_is_a_short_digest(config: Config, tmp_path: Path) -> None:
    day = D - timedelta(days=40)
    d = build_digest(config, TOPIC, day)
    assert d.no_coverage and d.stories == [] and not d.all_outlets_failed and d.spike is None
    assert d.troubled_outlets == []  # nothing had been crawled yet
    r = render(d)
    assert "No coverage of this topic on this day." in r.text and "no coverage" in r.subject
    assert "No coverage" in r.html and "Top stories" not in r.html
    assert len(r.text) < 800
    files = write_archive(config, r, day, TOPIC)
    assert {p.suffix for p in files} == {".html", ".txt", ".md", ".eml", ".png"}


def test_day_when_every_outlet_failed_says_so(config: Config) -> None:
    d = build_digest(config, TOPIC, D + timedelta(days=3))
    assert d.all_outlets_failed and d.no_coverage
    r = render(d)
    assert "every outlet crawled today failed" in r.text.lower()
    assert "Every outlet crawled today failed" in r.html
    assert len(d.troubled_outlets) == 6


# -- archive safety ----------------------------------------------------------------------
def test_topic_name_cannot_escape_the_archive(tmp_path: Path, warehouse: Path) -> None:
    evil = TopicConfig.model_construct(name="../../etc", query="election", description="")
    base = make_config(tmp_path, warehouse)
    config = base.model_copy(update={"topics": [evil]})
    out = tmp_path / "out"
    report = deliver(config, "../../etc", D, send=False, out_dir=out)
    root = (out / D.isoformat()).resolve()
    assert sorted(p.name for p in report.files) == [
        f"etc.{e}" for e in ("eml", "html", "md", "png", "txt")
    ]
    assert all(p.resolve().parent == root for p in report.files)
    assert not (tmp_path / "etc").exists() and not Path("/etc/etc.html").exists()
    assert (
        slugify("../../etc") == "etc"
        and slugify("..") == "topic"
        and slugify("Выборы 2024") == "2024"
    )
    with pytest.raises(TerminalError):
        safe_child(out, "..", "x")
    r = render(build_digest(base, TOPIC, D))
    paths = write_archive(base, r, D, "/abs/../../x y", out_dir=out)
    assert all(p.resolve().is_relative_to(out.resolve()) for p in paths)


def test_archived_html_references_the_png_next_to_it(config: Config) -> None:
    r = render(build_digest(config, TOPIC, D))
    paths = write_archive(config, r, D, TOPIC)
    folder = config.digest_dir / D.isoformat()
    assert {p.name for p in paths} == {
        f"elections.{e}" for e in ("html", "txt", "md", "eml", "png")
    }
    html = (folder / "elections.html").read_text()
    assert 'src="elections.png"' in html and (folder / "elections.png").read_bytes() == r.chart_png
    eml = parts_of((folder / "elections.eml").read_bytes())
    assert eml["Subject"] == r.subject


# -- CLI ---------------------------------------------------------------------------------
def cli_group() -> click.Group:
    @click.group()
    @click.option("--config", "config_path")
    @click.pass_context
    def grp(ctx: click.Context, config_path: str | None) -> None:
        ctx.obj = AppContext(config_path=config_path)

    register(grp)
    return grp


def write_toml(path: Path, body: str) -> Path:
    path.write_text(body, encoding="utf-8")
    return path


TOML = """
[warehouse]
path = "{wh}"
[schedule]
timezone = "Europe/Berlin"
[digest]
out_dir = "arch"
{topics}
"""
TOPICS = '[[topics]]\nname = "Elections"\nquery = "election"\n'


def test_cli_writes_files_and_prints_paths(tmp_path: Path, warehouse: Path) -> None:
    cfg = write_toml(tmp_path / "mediawatch.toml", TOML.format(wh=warehouse.name, topics=TOPICS))
    out = tmp_path / "o"
    result = CliRunner().invoke(
        cli_group(), ["--config", str(cfg), "digest", "--date", D.isoformat(), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Elections (2024-05-20): 7 stories, 9 articles" in result.output
    printed = [Path(line.strip()) for line in result.output.splitlines() if line.startswith("  /")]
    assert len(printed) == 5 and all(
        p.is_file() and p.parent == out / D.isoformat() for p in printed
    )
    # default folder: the configured digest_dir, relative to the config file
    result = CliRunner().invoke(
        cli_group(), ["--config", str(cfg), "digest", "--date", "2024-05-22"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "arch" / "2024-05-22" / "elections.txt").is_file()


@pytest.mark.parametrize(
    ("topics", "args", "error", "message"),
    [
        ("", [], ConfigError, "no topics configured"),
        (TOPICS, ["--topic", "Sports"], ConfigError, "no topic named 'Sports'"),
    ],
)
def test_cli_messages(
    tmp_path: Path, warehouse: Path, topics: str, args: list[str], error: type, message: str
) -> None:
    cfg = write_toml(tmp_path / "mediawatch.toml", TOML.format(wh=warehouse.name, topics=topics))
    result = CliRunner().invoke(cli_group(), ["--config", str(cfg), "digest", *args])
    assert isinstance(result.exception, error) and message in str(result.exception)


def test_cli_without_warehouse_tells_to_crawl(tmp_path: Path) -> None:
    cfg = write_toml(tmp_path / "mediawatch.toml", TOML.format(wh="none.duckdb", topics=TOPICS))
    result = CliRunner().invoke(cli_group(), ["--config", str(cfg), "digest"])
    assert isinstance(result.exception, MediawatchError)
    assert "no warehouse yet" in str(result.exception) and "crawl" in result.exception.hint
    bad = CliRunner().invoke(cli_group(), ["--config", str(cfg), "digest", "--date", "20-05"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output
    both = CliRunner().invoke(cli_group(), ["--config", str(cfg), "digest", "--send", "--out", "x"])
    assert both.exit_code == 2
