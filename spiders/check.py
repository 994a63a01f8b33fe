"""``mediawatch outlets check``: what feeds and sitemaps an outlet exposes.

Runs a small spider in a child process (like every crawl) that reads the homepage's
``<link rel="alternate">`` feeds, robots.txt's ``Sitemap:`` lines, and probes common
feed and sitemap paths, so that a user can paste the result into the config.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from mediawatch.config import Config, OutletConfig
from mediawatch.errors import TransientError


@dataclass
class OutletCheck:
    outlet: str
    homepage_status: int | str | None = None
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    robots: str | None = None  # "ok", "missing", or the error
    notes: list[str] = field(default_factory=list)

    def toml(self) -> str:
        lines = [f"# {self.outlet}"]
        if self.feeds:
            lines.append("feeds = [" + ", ".join(f'"{u}"' for u in self.feeds) + "]")
        if self.sitemaps:
            lines.append("sitemaps = [" + ", ".join(f'"{u}"' for u in self.sitemaps) + "]")
        if not self.feeds and not self.sitemaps:
            lines.append('# no feed or sitemap found: discovery = ["homepage"]')
        return "\n".join(lines)


def check_outlets(
    config: Config, outlets: list[OutletConfig], timeout_s: float = 120
) -> list[OutletCheck]:
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    child = ctx.Process(target=_check_main, args=(config, [o.name for o in outlets], results))
    child.start()
    child.join(timeout_s)
    if child.is_alive():
        child.kill()
        child.join()
        raise TransientError(f"outlet check did not finish within {timeout_s:.0f} s")
    if results.empty():
        raise TransientError(f"outlet check failed (exit code {child.exitcode})")
    return results.get()


def _check_main(config: Config, names: list[str], results: Any) -> None:
    import scrapy
    from scrapy.crawler import CrawlerProcess
    from scrapy.http import Response

    from pipeline.urls import in_domains
    from spiders.discovery import (
        common_feed_urls,
        common_sitemap_urls,
        feeds_from_html,
        parse_feed,
        parse_sitemap,
        sitemaps_from_robots,
    )
    from spiders.settings import scrapy_settings

    checks = {name: OutletCheck(name) for name in names}

    def _meta(response: Response) -> dict:
        return {"outlet": response.meta["outlet"], "domains": response.meta["domains"]}

    outlets = [config.outlet(n) for n in names]

    class CheckSpider(scrapy.Spider):
        name = "check"
        allowed_hosts = frozenset(h for o in config.outlets for h in o.domains)

        @property
        def session(self):  # the address guard reads allowed_hosts from here
            return self

        async def start(self) -> AsyncIterator[scrapy.Request]:
            for o in outlets:
                meta = {"outlet": o.name, "domains": o.domains}
                yield scrapy.Request(o.homepage, self.homepage, errback=self.failed, meta=meta)
                base = "/".join(o.homepage.split("/", 3)[:3])
                yield scrapy.Request(
                    base + "/robots.txt",
                    self.robots,
                    errback=self.failed,
                    meta=meta,
                    dont_filter=True,
                )
                for url in common_feed_urls(o.homepage):
                    yield scrapy.Request(url, self.probe_feed, errback=self.ignore, meta=meta)
                for url in common_sitemap_urls(o.homepage):
                    yield scrapy.Request(url, self.probe_sitemap, errback=self.ignore, meta=meta)

        def homepage(self, response: Response):
            check = checks[response.meta["outlet"]]
            check.homepage_status = response.status
            for url in feeds_from_html(response.body, response.url):
                if in_domains(url, response.meta["domains"]) and url not in check.feeds:
                    yield scrapy.Request(
                        url, self.probe_feed, errback=self.ignore, meta=_meta(response)
                    )

        def robots(self, response: Response):
            check = checks[response.meta["outlet"]]
            check.robots = "ok"
            for url in sitemaps_from_robots(response.text, response.url):
                yield scrapy.Request(
                    url, self.probe_sitemap, errback=self.ignore, meta=_meta(response)
                )

        def probe_feed(self, response: Response):
            result = parse_feed(response.body, response.url)
            check = checks[response.meta["outlet"]]
            if not result.error and result.entries and response.url not in check.feeds:
                check.feeds.append(response.url)
                check.notes.append(f"{response.url}: {result.kind}, {len(result.entries)} entries")

        def probe_sitemap(self, response: Response):
            result = parse_sitemap(response.body, response.url)
            check = checks[response.meta["outlet"]]
            if (
                not result.error
                and (result.entries or result.children)
                and response.url not in check.sitemaps
            ):
                check.sitemaps.append(response.url)
                size = len(result.children) if result.kind == "index" else len(result.entries)
                check.notes.append(f"{response.url}: sitemap {result.kind}, {size} entries")

        def failed(self, failure) -> None:
            check = checks[failure.request.meta["outlet"]]
            what = (
                "homepage" if failure.request.url.endswith("robots.txt") is False else "robots.txt"
            )
            status = getattr(getattr(failure.value, "response", None), "status", None)
            reason = f"HTTP {status}" if status else type(failure.value).__name__
            if what == "robots.txt":
                check.robots = "missing" if status == 404 else reason
            else:
                check.homepage_status = status or reason

        def ignore(self, failure) -> None:
            pass

    settings = scrapy_settings(config.crawl)
    settings["ITEM_PIPELINES"] = {}
    settings["EXTENSIONS"] = {"scrapy.extensions.logstats.LogStats": None}
    process = CrawlerProcess(settings)
    process.crawl(CheckSpider)
    process.start()
    results.put(list(checks.values()))
