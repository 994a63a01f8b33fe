"""The spine end to end: crawl the loopback newsroom for real into a real DuckDB file."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time

import tomli_w

from mediawatch.config import load_config
from mediawatch.demo import demo_config
from spiders.runner import run_crawl
from warehouse.query import run_user_sql

MOJIBAKE = re.compile("[ÐÑÃÂ][\u0080-\u00bf]|\ufffd|Ã©|â€")


def sql(config, query: str) -> list[tuple]:
    return run_user_sql(config.warehouse_path, query).rows


def test_first_crawl_stores_every_outlet_with_titles_and_dates(crawled, newsroom) -> None:
    config, result, _ = crawled
    assert result.status == "ok", result.error
    [(total, titled, dated)] = sql(
        config,
        "SELECT count(*), count(*) FILTER (WHERE length(trim(title)) > 0),"
        " count(published_at) FROM articles",
    )
    assert total >= 300
    assert titled == total
    assert dated >= 0.95 * total
    per_outlet = dict(sql(config, "SELECT outlet, count(*) FROM articles GROUP BY outlet"))
    expected_outlets = {o.name for o in newsroom.outlets}
    assert set(per_outlet) == expected_outlets and len(expected_outlets) >= 6
    assert all(n >= 20 for n in per_outlet.values()), per_outlet
    # every run's per-outlet counters add up to what was stored
    assert result.new == total


def test_russian_text_is_intact(crawled) -> None:
    config, _, _ = crawled
    rows = sql(config, "SELECT outlet, title, text FROM articles WHERE language = 'ru'")
    assert len(rows) >= 50
    assert {r[0] for r in rows} >= {"Северный вестник", "Кавказский обозреватель"}
    for outlet, title, text in rows:
        assert re.search("[а-яА-ЯёЁ]{4,}", title), (outlet, title)
        assert not MOJIBAKE.search(title + text), (outlet, title)


def test_second_crawl_adds_nothing_and_downloads_no_article_again(
    crawled, newsroom, newsroom_server
) -> None:
    config, _, first_log = crawled
    article_paths = {a.path for a in newsroom.articles} | {
        a.amp_path for a in newsroom.articles if a.amp_path
    }
    first_article_hits = [e for e in first_log if e.path.split("?")[0] in article_paths]
    assert len(first_article_hits) >= 300
    newsroom_server.request_log.clear()
    before = sql(config, "SELECT count(*) FROM articles")[0][0]
    again = run_crawl(config)
    assert again.new == 0
    assert sql(config, "SELECT count(*) FROM articles")[0][0] == before
    refetched = [
        e for e in newsroom_server.request_log.entries if e.path.split("?")[0] in article_paths
    ]
    assert refetched == []


def test_sql_answers_while_a_crawl_is_writing(newsroom_server, tmp_path) -> None:
    path = tmp_path / "mediawatch.toml"
    outlets = newsroom_server.outlet_config()[:4]
    data = demo_config(outlets, tmp_path)
    # ~20 pages/s: the crawl writes for ~15 s, so even slow readers on a loaded machine see
    # several of the writer's 2-second flushes (at full speed it was over in 7 s)
    data["crawl"].update(download_delay=0.2, per_domain_concurrency=1, autothrottle=False)
    path.write_text(tomli_w.dumps(data))
    config = load_config(path)
    outcome: dict = {}
    crawler = threading.Thread(target=lambda: outcome.setdefault("r", run_crawl(config)))
    crawler.start()
    counts, errors = [], []
    while crawler.is_alive():
        if config.warehouse_path.exists():
            # a separate process, as a user's terminal would be
            proc = subprocess.run(
                [sys.executable, "-m", "mediawatch", "--config", str(path), "sql",
                 "SELECT count(*) AS n FROM articles", "--format", "csv"],
                capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            if proc.returncode == 0:
                counts.append(int(proc.stdout.split()[1]))
            elif "no such table" not in proc.stderr.lower() and "does not exist" not in proc.stderr:
                errors.append(proc.stderr)
        time.sleep(0.05)
    crawler.join()
    assert errors == []
    during = [c for c in counts if 0 < c < outcome["r"].new]
    assert len(during) >= 3, counts  # readers saw the warehouse grow while the crawl wrote
    assert counts == sorted(counts)
