"""Discovery through sitemaps: robots.txt or the usual paths, indexes to a depth cap, gzip.

Each listing is fetched once per run: an index's children already on the chain that led
to it are a cycle (``sitemap-cycle``), and so is a child that redirects back up that
chain; children another index already led to are not fetched again.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import scrapy
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError

from mediawatch.config import OutletConfig
from spiders.discovery import (
    common_sitemap_urls,
    parse_sitemap,
    recent_children,
    sitemaps_from_robots,
)
from spiders.feeds import FeedSpider
from spiders.listing_visits import chain_of

MAX_INDEX_DEPTH = 3
# robots.txt answering 4xx is "unavailable" (RFC 9309 §2.3.1.3): no rules and no Sitemap:
# lines, so the outlet has none there (absent), and the usual paths are tried; 429 is a refusal
ABSENT_STATUSES = tuple(s for s in range(400, 500) if s != 429)


class SitemapSpider(FeedSpider):
    name = "sitemaps"
    mode = "sitemaps"

    def discovery_requests(self, outlet: OutletConfig) -> Iterator[scrapy.Request]:
        if outlet.sitemaps:
            for url in outlet.sitemaps:  # the config's own: not counted against the budget
                yield self.conditional_request(
                    url, outlet, self.parse_sitemap, "sitemap", depth=0, chain=[]
                )
        else:
            # None configured: ask robots.txt where the sitemaps are.
            robots = outlet.homepage.split("/", 3)
            url = "/".join(robots[:3]) + "/robots.txt"
            yield scrapy.Request(
                url,
                callback=self.parse_robots,
                errback=self.on_error,
                dont_filter=True,
                meta={
                    "outlet": outlet.name,
                    "stage": "robots",
                    "handle_httpstatus_list": list(ABSENT_STATUSES),
                },
            )

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        outlet = self.session.config.outlet(response.meta["outlet"])
        round_id = response.meta.get("round", "-")
        if response.status in ABSENT_STATUSES:
            self.session.stats_for(outlet.name).listings_absent += 1  # no robots.txt: absent
            found = []
        else:
            found = sitemaps_from_robots(response.text, response.url)
        if not found:
            yield from self.probe_usual_paths(outlet, round_id)
            return
        chain = chain_of({}, response.url)
        for url in found:
            if self.visits.seen(url, str(round_id)):
                continue
            request = self.listing_request(
                url, outlet, self.parse_sitemap, "sitemap", depth=0, round=round_id, chain=chain
            )
            if request is None:
                break
            yield request

    def probe_usual_paths(self, outlet: OutletConfig, round_id: str) -> Iterator[scrapy.Request]:
        """robots.txt names no sitemap: try the usual paths (each at most once a day)."""
        probes = self.session.sitemap_probes
        for url in common_sitemap_urls(outlet.homepage):
            if not probes.wanted(outlet.name, url, datetime.now(UTC)):
                continue
            if self.visits.seen(url, str(round_id)):
                continue
            request = self.listing_request(
                url, outlet, self.parse_sitemap, "sitemap", depth=0, probe=True, round=round_id,
                chain=[],
            )  # fmt: skip
            if request is None:
                break
            yield request.replace(errback=self.ignore_probe)

    def ignore_probe(self, failure) -> None:
        super().ignore_probe(failure)
        request = failure.request
        exc = failure.value
        # only a definite "not here" is remembered; a timeout or a 503 is asked again next run
        if (
            request.meta.get("probe")
            and request.meta.get("stage") == "sitemap"
            and isinstance(exc, HttpError)
            and 400 <= exc.response.status < 500
            and exc.response.status != 429
        ):
            self._remember_probe(request.meta, request.url, found=False)

    def _remember_probe(self, meta: dict, url: str, found: bool) -> None:
        # the clock, not the session's start: a distributed worker's session lives for days
        self.session.sitemap_probes.remember(meta["outlet"], url, found, datetime.now(UTC))

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        requested = response.meta.get("redirect_urls", [response.url])[0]  # before redirects
        if self.not_modified(response):
            if response.meta.get("probe"):
                self._remember_probe(response.meta, requested, found=True)
            return
        self.charge_listing(response)
        if self._came_back(response, requested):
            return
        yield from self._sitemap_requests(response, requested)
        self.remember_validators(response)

    def _came_back(self, response: Response, requested: str) -> bool:
        """A listing redirected to one already read in this run: a cycle if up its chain."""
        round_id = str(response.meta.get("round", "-"))
        if response.url == requested or self.visits.add(response.url, round_id):
            return False
        outlet = response.meta["outlet"]
        if response.url in (response.meta.get("chain") or ()):
            self.fail(
                requested, outlet, "sitemap-cycle",
                f"redirects to {response.url}, which led to it", "sitemap",
            )  # fmt: skip
        else:
            self.logger.debug("%s redirects to %s, read in this run", requested, response.url)
        return True

    def _sitemap_requests(self, response: Response, requested: str) -> Iterator[scrapy.Request]:
        outlet = self.session.config.outlet(response.meta["outlet"])
        depth = response.meta.get("depth", 0)
        result = parse_sitemap(
            response.body,
            response.url,
            max_uncompressed=self.session.config.crawl.max_page_bytes * 5,
        )
        probe = bool(response.meta.get("probe"))
        if result.error:
            if probe:  # a usual path that holds no sitemap (a soft 404, a page): absent
                self.session.stats_for(outlet.name).listings_absent += 1
                if not result.error.startswith("oversize"):
                    self._remember_probe(response.meta, requested, found=False)
                return
            reason = "oversize" if result.error.startswith("oversize") else "bad-sitemap"
            self.fail(response.url, outlet.name, reason, result.error, "sitemap")
            return
        if probe:
            self._remember_probe(response.meta, requested, found=True)
        self.listing_read(response, outlet.name, result.empty, result.damage, "sitemap")
        if result.kind == "index":
            yield from self._children(response, outlet, result, depth)
            return
        yield from self.article_requests(outlet, result.entries)

    def _children(
        self, response: Response, outlet: OutletConfig, result, depth: int
    ) -> Iterator[scrapy.Request]:
        round_id = response.meta.get("round", "-")
        chain = chain_of(response.meta, *response.meta.get("redirect_urls", ()), response.url)
        cycle = [c for c in result.children if c in chain]
        if cycle:
            back = "itself" if cycle[0] == response.url else cycle[0]
            self.fail(
                response.url, outlet.name, "sitemap-cycle",
                f"the index lists {back}, which led to it"
                + (f" (and {len(cycle) - 1} more)" if len(cycle) > 1 else ""), "sitemap",
            )  # fmt: skip
        fresh = [
            c for c in result.children if c not in chain and not self.visits.seen(c, str(round_id))
        ]
        if not fresh:
            return
        if depth >= MAX_INDEX_DEPTH:
            self.fail(response.url, outlet.name, "sitemap-too-deep", f"depth {depth}", "sitemap")
            return
        # News sites keep years of monthly sitemaps: only those that can hold recent
        # articles, the newest first, and no more than the outlet's budget allows.
        max_age = self.session.config.crawl.max_age_days
        kept = set(fresh)
        recent = [c for c in recent_children(result, max_age, self.session.now) if c in kept]
        children, cut = self.listings.children(recent)
        if cut:
            response.meta["listing_cut"] = True
            self.fail(
                response.url, outlet.name, "listing-budget",
                f"children: {len(recent)} in the index, the newest {len(children)} followed"
                " (max_sitemap_children)", "sitemap",
            )  # fmt: skip
        for rank, child in enumerate(children):
            request = self.listing_request(
                child, outlet, self.parse_sitemap, "sitemap", depth=depth + 1, round=round_id,
                chain=chain,
            )  # fmt: skip
            if request is None:
                response.meta["listing_cut"] = True
                break
            # newest first: Scrapy's queues are last-in-first-out within one priority
            yield request.replace(priority=len(children) - rank)
