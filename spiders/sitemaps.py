"""Discovery through sitemaps: indexes followed to a depth cap, gzip, Google News tags."""

from __future__ import annotations

from collections.abc import Iterator

import scrapy
from scrapy.http import Response

from mediawatch.config import OutletConfig
from spiders.discovery import (
    parse_sitemap,
    recent_children,
    sitemaps_from_robots,
)
from spiders.feeds import FeedSpider

MAX_INDEX_DEPTH = 3


class SitemapSpider(FeedSpider):
    name = "sitemaps"
    mode = "sitemaps"

    def discovery_requests(self, outlet: OutletConfig) -> Iterator[scrapy.Request]:
        if outlet.sitemaps:
            for url in outlet.sitemaps:  # the config's own: not counted against the budget
                yield self.conditional_request(url, outlet, self.parse_sitemap, "sitemap", depth=0)
        else:
            # None configured: ask robots.txt where the sitemaps are.
            robots = outlet.homepage.split("/", 3)
            url = "/".join(robots[:3]) + "/robots.txt"
            yield scrapy.Request(
                url,
                callback=self.parse_robots,
                errback=self.on_error,
                dont_filter=True,
                meta={"outlet": outlet.name, "stage": "robots"},
            )

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        outlet = self.session.config.outlet(response.meta["outlet"])
        round_id = response.meta.get("round", "-")
        for url in sitemaps_from_robots(response.text, response.url):
            request = self.listing_request(
                url, outlet, self.parse_sitemap, "sitemap", depth=0, round=round_id
            )
            if request is None:
                break
            yield request

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        if self.not_modified(response):
            return
        self.charge_listing(response)
        yield from self._sitemap_requests(response)
        self.remember_validators(response)

    def _sitemap_requests(self, response: Response) -> Iterator[scrapy.Request]:
        outlet = self.session.config.outlet(response.meta["outlet"])
        depth = response.meta.get("depth", 0)
        result = parse_sitemap(
            response.body,
            response.url,
            max_uncompressed=self.session.config.crawl.max_page_bytes * 5,
        )
        if result.error:
            reason = "oversize" if result.error.startswith("oversize") else "bad-sitemap"
            self.fail(response.url, outlet.name, reason, result.error, "sitemap")
            return
        if result.kind == "index":
            if depth >= MAX_INDEX_DEPTH:
                self.fail(
                    response.url, outlet.name, "sitemap-too-deep", f"depth {depth}", "sitemap"
                )
                return
            # News sites keep years of monthly sitemaps: only those that can hold recent
            # articles, the newest first, and no more than the outlet's budget allows.
            max_age = self.session.config.crawl.max_age_days
            recent = recent_children(result, max_age, self.session.now)
            children, cut = self.listings.children(recent)
            if cut:
                response.meta["listing_cut"] = True
                self.fail(
                    response.url, outlet.name, "listing-budget",
                    f"children: {len(recent)} in the index, the newest {len(children)} followed"
                    " (max_sitemap_children)", "sitemap",
                )  # fmt: skip
            round_id = response.meta.get("round", "-")
            for rank, child in enumerate(children):
                request = self.listing_request(
                    child, outlet, self.parse_sitemap, "sitemap", depth=depth + 1, round=round_id
                )
                if request is None:
                    response.meta["listing_cut"] = True
                    break
                # newest first: Scrapy's queues are last-in-first-out within one priority
                yield request.replace(priority=len(children) - rank)
            return
        yield from self.article_requests(outlet, result.entries)
