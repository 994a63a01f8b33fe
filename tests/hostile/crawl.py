"""Configs pointing at the hostile server, and reading back what a crawl left in the warehouse."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import tomli_w

from mediawatch.config import Config, load_config
from mediawatch.demo import demo_config

# Small limits so that every hostile case resolves in seconds.
FAST_CRAWL = {
    "timeout_s": 2.0,
    "retries": 1,
    "max_page_bytes": 200_000,
    "max_redirects": 3,
    "extract_workers": 1,
    "extract_timeout_s": 5.0,
    "concurrency": 64,
    "per_domain_concurrency": 16,
}


def write_config(directory: Path, outlets: list[dict], **crawl: object) -> Config:
    data = demo_config(outlets, directory)
    data["crawl"] = {**data["crawl"], **FAST_CRAWL, **crawl}
    data["topics"] = []
    data["warehouse"]["lock_timeout_s"] = 60.0
    path = directory / "mediawatch.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return load_config(path)


@dataclass(frozen=True)
class Failure:
    url: str
    outlet: str
    stage: str
    reason: str
    detail: str
    http_status: int | None


def rows(config: Config, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def failures(config: Config, outlet: str | None = None) -> list[Failure]:
    sql = "SELECT url, outlet, stage, reason, detail, http_status FROM fetch_failures"
    found = [Failure(*r) for r in rows(config, sql)]
    return [f for f in found if outlet is None or f.outlet == outlet]


def reasons_by_url(config: Config, outlet: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in failures(config, outlet):
        out.setdefault(f.url, set()).add(f.reason)
    return out


def article_urls(config: Config, outlet: str | None = None) -> set[str]:
    found = rows(config, "SELECT url, outlet FROM articles")
    return {u for u, o in found if outlet is None or o == outlet}
