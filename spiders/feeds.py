"""Discovery through RSS, Atom, RDF and JSON feeds, fetched conditionally."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from mediawatch.config import OutletConfig
from pipeline.urls import in_domains
from spiders.base import OutletSpider
from spiders.discovery import common_feed_urls, feeds_from_html, parse_feed
from spiders.listing_visits import ListingVisits
from spiders.listings import ListingBudget, ListingLimits
from spiders.session import CrawlSession

MAX_AUTODISCOVERED_FEEDS = 3
MAX_FEED_PROBES = 4


class FeedSpider(OutletSpider):
    name = "feeds"
    mode = "feeds"

    def __init__(self, session: CrawlSession, **kwargs: Any) -> None:
        super().__init__(session, **kwargs)
        # one per spider, so per discovery mode: sitemaps cannot use up the feeds' budget
        self.listings = ListingBudget(ListingLimits.from_config(session.config.crawl))
        self.visits = ListingVisits()  # each listing is fetched once per run

    def discovery_requests(self, outlet: OutletConfig) -> Iterator[scrapy.Request]:
        for url in outlet.feeds:  # the config's own listings: not counted against the budget
            yield self.conditional_request(url, outlet, self.parse_feed, "feed")
        if not outlet.feeds and not outlet.sitemaps:
            # Only a homepage: look for <link rel="alternate"> feeds, then common feed paths.
            yield scrapy.Request(
                outlet.homepage,
                callback=self.parse_homepage_for_feeds,
                errback=self.ignore_probe,
                meta={"outlet": outlet.name, "stage": "autodiscover"},
            )

    def parse_homepage_for_feeds(self, response: Response) -> Iterator[scrapy.Request]:
        outlet = self.session.config.outlet(response.meta["outlet"])
        found = [
            u for u in feeds_from_html(response.body, response.url) if in_domains(u, outlet.domains)
        ]
        round_id = response.meta.get("round", "-")
        if found:
            for url in found[:MAX_AUTODISCOVERED_FEEDS]:
                request = self.listing_request(url, outlet, self.parse_feed, "feed", round=round_id)
                if request is not None:
                    yield request
            return
        for url in common_feed_urls(outlet.homepage)[:MAX_FEED_PROBES]:
            request = self.listing_request(
                url, outlet, self.parse_feed, "feed", probe=True, round=round_id
            )
            if request is not None:
                yield request.replace(errback=self.ignore_probe)

    def ignore_probe(self, failure) -> None:
        """A guessed feed URL that does not exist is not the outlet's failure: it is absent."""
        request = failure.request
        self.logger.debug("probe failed: %s", request.url)
        outlet = request.meta.get("outlet")
        if request.meta.get("probe") and outlet and not getattr(failure.value, "silent", False):
            self.session.stats_for(outlet).listings_absent += 1

    def listing_request(
        self, url: str, outlet: OutletConfig, callback, stage: str, **meta
    ) -> scrapy.Request | None:
        """A conditional request for a listing the site led us to (an index's child, a robots
        ``Sitemap:`` line, an autodiscovered feed), or None once the outlet's budget is spent.

        ``round`` (distributed workers' discovery round) keys the budget: a worker outlives
        rounds, and each round gets a fresh budget.
        """
        round_id = str(meta.get("round", "-"))
        exhausted = self.listings.admit(outlet.name, round_id)
        if exhausted is None:
            return self.conditional_request(url, outlet, callback, stage, **meta)
        budget, detail = exhausted
        if self.listings.first_time(outlet.name, budget, round_id):
            self.fail(url, outlet.name, "listing-budget", f"{budget}: {detail}", stage)
        return None

    def charge_listing(self, response: Response) -> None:
        self.listings.charge(
            response.meta["outlet"], len(response.body), str(response.meta.get("round", "-"))
        )

    def conditional_request(
        self, url: str, outlet: OutletConfig, callback, stage: str, **meta
    ) -> scrapy.Request:
        """A GET that sends the validators kept from the last run, so unchanged feeds cost a 304."""
        headers = {}
        etag, last_modified = self.session.ingestor.state.validators.get(url, (None, None))
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        self.visits.add(url, str(meta.get("round", "-")))
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_error,
            headers=headers,
            dont_filter=True,
            meta={"outlet": outlet.name, "stage": stage, "handle_httpstatus_list": [304], **meta},
        )

    def not_modified(self, response: Response) -> bool:
        """True (and counted) when the listing is unchanged since the validators we sent."""
        if response.status != 304:
            return False
        self.session.stats_for(response.meta["outlet"]).not_modified += 1
        return True

    def remember_validators(self, response: Response) -> None:
        """Keep the listing's validators, once everything it yielded has been handed on.

        Kept any earlier, a crawl stopped half-way through a listing (a worker killed while
        Scrapy drains a 20,000-URL sitemap) would get a 304 next time and never queue the rest.
        Nor are they kept for an index a listing budget cut short (``listing_cut``).
        """
        if response.meta.get("listing_cut"):
            return
        outlet = response.meta["outlet"]
        etag = response.headers.get(b"ETag")
        last_modified = response.headers.get(b"Last-Modified")
        if etag or last_modified:
            self.session.ingestor.record_validators(
                outlet,
                response.url,
                etag.decode("latin-1") if etag else None,
                last_modified.decode("latin-1") if last_modified else None,
            )

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        if self.not_modified(response):
            return
        self.charge_listing(response)
        outlet = self.session.config.outlet(response.meta["outlet"])
        result = parse_feed(response.body, response.url)
        if result.error and response.meta.get("probe"):
            self.session.stats_for(outlet.name).listings_absent += 1
            return  # a guessed path that is not a feed
        if result.error:
            self.fail(response.url, outlet.name, "bad-feed", result.error, "feed")
        else:
            self.listing_read(response, outlet.name, result.empty, result.damage, "feed")
            yield from self.article_requests(outlet, result.entries)
        self.remember_validators(response)

    def listing_read(
        self, response: Response, outlet: str, empty: bool, damage: str | None, stage: str
    ) -> None:
        """A listing that parsed: counted, empty noted (not a failure), damage recorded."""
        stats = self.session.stats_for(outlet)
        stats.listings_read += 1
        if empty:
            stats.listings_empty += 1
            self.logger.info("%s %s lists nothing", stage, response.url)
        if damage:
            self.fail(response.url, outlet, "damaged-listing", damage, stage)
            # no validators: a body clipped on the way would answer 304 and hide the rest
            response.meta["listing_cut"] = True
