"""The offline demo: a generated newsroom on loopback, crawled into a warehouse, then a digest.

It is also the quickest end-to-end check of an installation: everything mediawatch
does, with no internet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import tomli_w

from mediawatch.config import Config, load_config

DEMO_TOPIC = {
    "name": "chechnya",
    "description": "Abductions and killings of gay men in Chechnya, calls for investigation, denials",
    "query": (
        "(chechnya OR chechen* OR чечня OR чеченский OR Kadyrov) AND "
        "(gay OR lgbt* OR homosexual* OR гей OR лгбт* OR гомосексуальный OR гомосексуал)"
    ),
}

EXAMPLE_QUERIES = (
    "SELECT outlet, count(*) AS articles, count(DISTINCT story_id) AS stories"
    " FROM articles GROUP BY outlet ORDER BY articles DESC",
    "SELECT date_trunc('day', published_at) AS day, count(*) AS articles FROM articles a"
    " JOIN topic_matches m ON m.article_id = a.id WHERE m.topic = 'chechnya'"
    " GROUP BY day ORDER BY day",
    "SELECT s.n_outlets, s.origin_outlet, s.title FROM stories s"
    " WHERE s.n_articles > 1 ORDER BY s.n_outlets DESC LIMIT 5",
)


@dataclass(frozen=True)
class DemoResult:
    config_path: Path
    config: Config
    crawl: object  # spiders.runner.CrawlResult
    digest_files: list[Path]
    archive: Path | None = None  # a WARC of 2017 coverage, for `mediawatch backfill warc`


def demo_config(outlets: list[dict], directory: Path) -> dict:
    """A config for the demo newsroom: fast and unthrottled, since the outlets are ours."""
    return {
        "warehouse": {"path": "warehouse.duckdb"},
        "crawl": {
            "user_agent": "mediawatch-demo (+mailto:demo@example.org)",
            "concurrency": 32,
            "per_domain_concurrency": 8,
            "download_delay": 0.0,
            "max_age_days": 0,
            "max_pages_per_outlet": 5000,
            "obey_robots": True,
            "timeout_s": 20.0,
        },
        "outlets": outlets,
        "topics": [DEMO_TOPIC],
        "schedule": {"timezone": "UTC", "crawl_interval_minutes": 60},
        "digest": {"out_dir": "digests"},
    }


def latest_coverage_day(config: Config):
    from warehouse.query import run_user_sql

    rows = run_user_sql(
        config.warehouse_path,
        "SELECT max(CAST(coalesce(a.published_at, a.first_seen_at) AS DATE)) FROM articles a"
        " JOIN topic_matches m ON m.article_id = a.id"
        f" WHERE m.topic = '{DEMO_TOPIC['name']}' AND a.published_at <= now()",
    ).rows
    return rows[0][0] if rows else None


def run_demo(
    directory: Path,
    articles: int = 360,
    seed: int = 7,
    echo: Callable[[str], None] = print,
    log_level: str = "WARNING",
) -> DemoResult:
    from digests import deliver
    from mediawatch.newsroom import build_newsroom, serve
    from spiders.runner import run_crawl

    directory.mkdir(parents=True, exist_ok=True)
    echo(f"building the demo newsroom ({articles} articles over 30 days)…")
    newsroom = build_newsroom(seed=seed, n_articles=articles)
    with serve(newsroom) as server:
        outlets = server.outlet_config()
        echo(f"serving {len(outlets)} outlets on loopback:")
        for outlet in outlets:
            echo(f"  {outlet['name']:<28} {outlet['homepage']}")
        config_path = directory / "mediawatch.toml"
        config_path.write_text(
            "# Written by `mediawatch demo`: the demo newsroom's outlets on loopback.\n"
            + tomli_w.dumps(demo_config(outlets, directory)),
            encoding="utf-8",
        )
        config = load_config(config_path)
        echo(f"crawling into {config.warehouse_path} …")
        result = run_crawl(config, trigger="demo", log_level=log_level)
    archive = write_demo_archive(directory, seed)
    # Just after midnight today has little news yet: digest the topic's latest day of coverage.
    day = latest_coverage_day(config) or datetime.now(UTC).date()
    report = deliver(config, DEMO_TOPIC["name"], day, send=False, force=True)
    digest_files = list(report.files)
    return DemoResult(config_path, config, result, digest_files, archive)


def write_demo_archive(directory: Path, seed: int = 7, articles: int = 120) -> Path:
    """The newsroom's coverage of spring 2017 as a WARC file, as a web archive would hold it.

    Its outlets sit on the same loopback addresses as the live demo's, so a backfill
    files every record under the right outlet.
    """
    from mediawatch.newsroom import build_newsroom
    from mediawatch.newsroom.archive import ARCHIVE_END, write_archive

    path = directory / "archive.warc.gz"
    write_archive(path, build_newsroom(seed=seed + 2010, n_articles=articles, end=ARCHIVE_END))
    return path
