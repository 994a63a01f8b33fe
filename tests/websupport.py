"""Shared by the web view's tests: a demo warehouse with hostile text, a server, a raw HTTP client."""

from __future__ import annotations

import http.client
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from mediawatch.config import Config, load_config
from warehouse.connection import opened, transaction

HOSTILE = '<script>alert(1)</script> "><img src=x onerror=alert(2)> [click](javascript:alert(3))'
HOSTILE_ID = 4_242_424_242
HOSTILE_STORY = 4_242_424_243


@dataclass(frozen=True)
class Demo:
    config: Config
    hostile_day: str
    digest_day: str


def hostile_demo(crawled_config: Config, directory: Path) -> Demo:
    """A copy of the crawled demo warehouse plus one article whose every field is hostile,
    a digest of the topic's day that carries it, and the config pointing at both."""
    assert crawled_config.source is not None
    shutil.copy(crawled_config.source, directory / "mediawatch.toml")
    shutil.copy(crawled_config.warehouse_path, directory / crawled_config.warehouse_path.name)
    config = load_config(directory / "mediawatch.toml")
    with opened(config.warehouse_path) as con:
        [(newest, outlet)] = con.execute(
            "SELECT max(published_at), min(outlet) FROM articles"
        ).fetchall()
        at = newest or datetime.now(UTC)
        with transaction(con):
            con.execute(
                "INSERT INTO articles (id, url, canonical_url, outlet, title, authors, published_at,"
                " published_source, first_seen_at, language, description, text, word_count,"
                " content_hash, story_id, tags)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 'json-ld', ?, 'en', ?, ?, 40, 'h', ?, ?)",
                [
                    HOSTILE_ID, "javascript:alert(3)", "javascript:alert(3)", outlet, HOSTILE,
                    [HOSTILE], at, at, HOSTILE,
                    f"Chechnya gay rights. {HOSTILE}\n<iframe src=javascript:alert(5)></iframe>",
                    HOSTILE_STORY, [HOSTILE],
                ],
            )  # fmt: skip
            con.execute(
                "INSERT INTO stories (id, first_article_id, origin_outlet, first_published_at,"
                " last_published_at, n_articles, n_outlets, title) VALUES (?, ?, ?, ?, ?, 1, 1, ?)",
                [HOSTILE_STORY, HOSTILE_ID, outlet, at, at, HOSTILE],
            )
            con.execute(
                "INSERT INTO topic_matches (topic, article_id, matched_terms, snippet, matched_at)"
                " VALUES ('chechnya', ?, ?, ?, ?)",
                [HOSTILE_ID, ["chechnya", HOSTILE], HOSTILE, at],
            )
            con.execute(
                "INSERT INTO article_versions (article_id, seen_at, old_hash, new_hash, title_changed,"
                " old_title, words_added, words_removed) VALUES (?, ?, 'a', 'b', true, ?, 3, 1)",
                [HOSTILE_ID, at, HOSTILE],
            )
    from digests.deliver import deliver

    day = at.astimezone(UTC).date()
    deliver(config, "chechnya", day, send=False, force=True)
    return Demo(config, day.isoformat(), day.isoformat())


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def get(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> Reply:
    """One request, no redirects followed, any Host header allowed (http.client, loopback only)."""
    parts = urlsplit(url)
    assert parts.hostname in ("127.0.0.1", "localhost", "::1")
    con = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        con.request(method, path or "/", headers=headers or {})
        resp = con.getresponse()
        return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        con.close()


@contextmanager
def web_server(config: Config, **options: object) -> Iterator[str]:
    """The real application under uvicorn on a free loopback port; yields its base URL."""
    from web.server import start_background
    from web.site import WebOptions

    server = start_background(config, WebOptions(port=0, **options), echo=lambda s: None)  # type: ignore[arg-type]
    try:
        yield server.url.rstrip("/")
    finally:
        server.stop()
