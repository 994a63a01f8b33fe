"""Discovery through RSS, Atom, RDF and JSON feeds, fetched conditionally."""

from __future__ import annotations

from collections.abc import Iterator

import scrapy
from scrapy.http import Response

from mediawatch.config import OutletConfig
from pipeline.urls import in_domains
from spiders.base import OutletSpider
from spiders.discovery import common_feed_urls, feeds_from_html, parse_feed

MAX_AUTODISCOVERED_FEEDS = 3
MAX_FEED_PROBES = 4


class FeedSpider(OutletSpider):
    name = "feeds"
    mode = "feeds"

    def discovery_requests(self, outlet: OutletConfig) -> Iterator[scrapy.Request]:
        for url in outlet.feeds:
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
        if found:
            for url in found[:MAX_AUTODISCOVERED_FEEDS]:
                yield self.conditional_request(url, outlet, self.parse_feed, "feed")
            return
        for url in common_feed_urls(outlet.homepage)[:MAX_FEED_PROBES]:
            request = self.conditional_request(url, outlet, self.parse_feed, "feed", probe=True)
            yield request.replace(errback=self.ignore_probe)

    def ignore_probe(self, failure) -> None:
        """A guessed feed URL that does not exist is not the outlet's failure."""
        self.logger.debug("probe failed: %s", failure.request.url)

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
        """
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
        outlet = self.session.config.outlet(response.meta["outlet"])
        result = parse_feed(response.body, response.url)
        if result.error and response.meta.get("probe"):
            return  # a guessed path that is not a feed
        if result.error:
            self.fail(response.url, outlet.name, "bad-feed", result.error, "feed")
        else:
            yield from self.article_requests(outlet, result.entries)
        self.remember_validators(response)
