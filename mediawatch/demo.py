"""The offline demo: a generated newsroom on loopback, crawled into a warehouse, then a digest.

It is also the quickest end-to-end check of an installation: everything mediawatch
does, with no internet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import tomli_w

from mediawatch.config import Config, load_config
from warehouse.articles import latest_match_day
from warehouse.connection import opened
from warehouse.examples import demo_queries

DEMO_TOPIC = {
    "name": "chechnya",
    "description": "Abductions and killings of gay men in Chechnya, calls for investigation, denials",
    "query": (
        "(chechnya OR chechen* OR чечня OR чеченский OR Kadyrov) AND "
        "(gay OR lgbt* OR homosexual* OR гей OR лгбт* OR гомосексуальный OR гомосексуал)"
    ),
}

EXAMPLE_QUERIES = demo_queries(DEMO_TOPIC["name"])


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


def latest_coverage_day(config: Config) -> date | None:
    with opened(
        config.warehouse_path, read_only=True, timeout_s=config.warehouse.lock_timeout_s
    ) as con:
        return latest_match_day(con, DEMO_TOPIC["name"])


def spike_day(config: Config) -> date | None:
    """The latest day the ``spikes`` view marks for the demo topic (the demo's time zone is UTC,
    so its days are the view's)."""
    from warehouse.trends import ensure_trend_views, spikes

    timeout = config.warehouse.lock_timeout_s
    ensure_trend_views(config.warehouse_path, timeout_s=timeout)
    with opened(config.warehouse_path, read_only=True, timeout_s=timeout) as con:
        found = spikes(con, DEMO_TOPIC["name"])
    return found[-1].day if found else None


def run_demo(
    directory: Path,
    articles: int = 360,
    seed: int = 7,
    echo: Callable[[str], None] = print,
    log_level: str = "WARNING",
    port: int = 0,
    while_serving: Callable[[DemoResult], None] | None = None,
) -> DemoResult:
    """Serve the newsroom, crawl it, write the digest; ``while_serving`` (``demo --serve``) is
    called with the result while the outlets still answer, for as long as it runs.

    With ``port`` every outlet listens on that port of its own loopback address, the same
    addresses ``python -m mediawatch.newsroom --port`` uses, so the written config stays
    valid for a later ``crawl`` against that newsroom.
    """
    from digests import deliver
    from mediawatch.newsroom import build_newsroom, serve
    from spiders.runner import run_crawl

    directory.mkdir(parents=True, exist_ok=True)
    echo(f"building the demo newsroom ({articles} articles over 30 days)…")
    newsroom = build_newsroom(seed=seed, n_articles=articles)
    with serve(newsroom, port=port) as server:
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
        if result.status == "interrupted":  # Ctrl-C: what was fetched is stored; stop here
            raise KeyboardInterrupt
        archive = write_demo_archive(directory, seed)
        # A first look should show what a digest is for: the newsroom's spike day if it has
        # one, else the topic's latest day of coverage (just after midnight today has little
        # news yet).
        day = spike_day(config) or latest_coverage_day(config) or datetime.now(UTC).date()
        echo(f"writing the digest of {day.isoformat()}…")
        report = deliver(config, DEMO_TOPIC["name"], day, send=False, force=True)
        demo = DemoResult(config_path, config, result, list(report.files), archive)
        if while_serving is not None:
            while_serving(demo)
    return demo


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
