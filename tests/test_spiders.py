"""Discovery on the loopback newsroom: every mode finds its articles, politely and incrementally."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pipeline.metadata.dates import url_date
from pipeline.urls import canonicalize
from spiders.runner import run_crawl
from warehouse.query import run_user_sql

WINDOW_DAYS = 12
MODES = {  # outlet key -> the only way it exposes its articles besides links
    "global_ledger": "rss",
    "evening_courier": "atom",
    "wire_review": "sitemap index with gzipped children",
    "kavkaz": "google news sitemap",
    "harbour_times": "homepage and sections",
}


@pytest.fixture(scope="module")
def windowed_crawl(newsroom, newsroom_server, tmp_path_factory):
    import tomli_w

    from mediawatch.config import load_config
    from mediawatch.demo import demo_config

    directory = tmp_path_factory.mktemp("windowed")
    data = demo_config(newsroom_server.outlet_config(), directory)
    data["crawl"]["max_age_days"] = WINDOW_DAYS
    (directory / "mediawatch.toml").write_text(tomli_w.dumps(data), encoding="utf-8")
    config = load_config(directory / "mediawatch.toml")
    newsroom_server.request_log.clear()
    result = run_crawl(config)
    log = newsroom_server.request_log.entries
    second_log_start = len(log)
    again = run_crawl(config)
    second = newsroom_server.request_log.entries[second_log_start:]
    return config, result, again, log, second


def _key(newsroom, fragment: str) -> str:
    return next(o.key for o in newsroom.outlets if o.key.startswith(fragment))


@pytest.mark.parametrize("fragment", list(MODES))
def test_each_discovery_mode_finds_in_window_articles_and_nothing_older(
    fragment, windowed_crawl, newsroom
) -> None:
    config, result, _, log, _ = windowed_crawl
    key = _key(newsroom, fragment)
    cutoff = newsroom.window_start + timedelta(days=30 - WINDOW_DAYS)
    articles = newsroom.articles_of(key)
    in_window = [a for a in articles if a.published >= cutoff + timedelta(days=1)]
    too_old = [a for a in articles if a.published < cutoff - timedelta(days=1)]
    if MODES[fragment].startswith("homepage"):
        # links carry no date before download, except a date in the URL itself
        too_old = [a for a in too_old if url_date(a.url) is not None]
        assert too_old
    stored = {
        canonicalize(r[0])
        for r in run_user_sql(config.warehouse_path, "SELECT url FROM article_urls").rows
    }
    found = [a for a in in_window if canonicalize(a.url) in stored]
    assert in_window and len(found) >= 0.99 * len(in_window), (
        MODES[fragment],
        len(found),
        len(in_window),
    )
    requested = {e.path.split("?")[0] for e in log if e.outlet == key}
    fetched_old = [a.path for a in too_old if a.path in requested]
    assert fetched_old == [], MODES[fragment]


def test_second_run_downloads_no_article_and_feeds_answer_304(windowed_crawl, newsroom) -> None:
    _, _, again, _, second = windowed_crawl
    article_paths = {a.path for a in newsroom.articles} | {
        a.amp_path for a in newsroom.articles if a.amp_path
    }
    assert [e for e in second if e.path.split("?")[0] in article_paths] == []
    feed_paths = {(o.key, p) for o in newsroom.outlets for p in (*o.feeds, *o.sitemaps)}
    feed_hits = [e for e in second if (e.outlet, e.path) in feed_paths]
    assert feed_hits and all(e.status == 304 for e in feed_hits), feed_hits
    assert again.new == 0 and sum(o.not_modified for o in again.outlets) >= len(feed_hits)


def test_robots_disallowed_path_is_never_requested(windowed_crawl) -> None:
    _, _, _, log, second = windowed_crawl
    assert not [e for e in log + second if e.path.startswith("/private/")]
    assert any(e.path == "/robots.txt" for e in log)


class _Forbidden(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        self.send_response(404 if self.path == "/robots.txt" else 403)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def test_status_flags_a_stale_and_a_blocked_outlet(make_config, tmp_path) -> None:
    from datetime import UTC, datetime

    from mediawatch.newsroom import build_newsroom, serve

    old = build_newsroom(seed=5, n_articles=80, end=datetime.now(UTC) - timedelta(days=10))
    blocked = ThreadingHTTPServer(("127.0.0.1", 0), _Forbidden)
    threading.Thread(target=blocked.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{blocked.server_address[1]}"
    try:
        with serve(old) as server:
            ledger = dict(server.outlet_config()[0], name="Quiet Ledger")
            gazette = {
                "name": "Blocked Gazette",
                "homepage": base + "/",
                "feeds": [base + "/rss.xml"],
            }
            config = make_config([ledger, gazette], crawl={"max_age_days": 0})
            run_crawl(config)
            run_crawl(config)  # nothing new: the outlet has gone quiet
    finally:
        blocked.shutdown()
    proc = subprocess.run(
        [sys.executable, "-m", "mediawatch", "--config", str(config.source), "status"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    lines = {
        ln.split()[0] + " " + ln.split()[1]: ln
        for ln in proc.stdout.splitlines()
        if ln.startswith(("Quiet", "Blocked"))
    }
    assert lines["Quiet Ledger"].rstrip().endswith("stale"), proc.stdout
    assert "blocked" in lines["Blocked Gazette"], proc.stdout
    assert "need attention" in proc.stdout


def test_a_crawl_stopped_mid_listing_keeps_no_validators_and_the_next_run_gets_the_rest(
    make_config, newsroom_server, tmp_path
) -> None:
    """Listings' URLs wait in a backlog; a stop must not leave them behind a 304."""
    outlets = [
        {**o, "discovery": ["sitemaps"]} for o in newsroom_server.outlet_config() if o["sitemaps"]
    ]
    slow = {"download_delay": 0.25, "per_domain_concurrency": 1, "autothrottle": False}
    config = make_config(outlets, crawl=slow)
    first = run_crawl(config, timeout_s=3)
    assert first.status == "timeout"

    def count(cfg) -> int:
        return run_user_sql(cfg.warehouse_path, "SELECT count(*) FROM articles").rows[0][0]

    (tmp_path / "reference").mkdir()
    reference = make_config(outlets, directory=tmp_path / "reference")
    assert run_crawl(reference, timeout_s=180).status == "ok"
    assert 0 < count(config) < count(reference)
    again = run_crawl(make_config(outlets), timeout_s=180)
    assert again.status in ("ok", "partial"), again.error
    assert count(config) == count(reference)
