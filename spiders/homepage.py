"""Discovery through the homepage and its section pages, within a depth limit and a budget."""

from __future__ import annotations

from collections.abc import Iterator

import scrapy
from scrapy.http import Response

from mediawatch.config import OutletConfig
from pipeline.items import Evidence
from spiders.base import OutletSpider
from spiders.discovery import article_links, looks_like_article, section_links


class HomepageSpider(OutletSpider):
    name = "homepage"
    mode = "homepage"

    def discovery_requests(self, outlet: OutletConfig) -> Iterator[scrapy.Request]:
        for url in (outlet.homepage, *outlet.sections):
            yield self.index_request(outlet, url, depth=0)

    def index_request(self, outlet: OutletConfig, url: str, depth: int) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_index,
            errback=self.on_error,
            meta={"outlet": outlet.name, "stage": "homepage", "depth": depth},
        )

    def parse_index(self, response: Response) -> Iterator[scrapy.Request]:
        outlet = self.session.config.outlet(response.meta["outlet"])
        depth = response.meta["depth"]
        content_type = response.headers.get(b"Content-Type", b"text/html") or b"text/html"
        if not content_type.lower().startswith(b"text/html"):
            self.fail(response.url, outlet.name, "not-html", "index page", "homepage")
            return
        self.session.stats_for(outlet.name).listings_read += 1
        domains = outlet.domains
        for url, anchor in article_links(response.body, response.url, domains):
            if looks_like_article(url, domains):
                request = self.article_request(
                    outlet, url, Evidence(source="homepage", title=anchor or None)
                )
                if request is not None:
                    yield request
        if depth < self.session.config.crawl.homepage_depth:
            for url in section_links(response.body, response.url, domains):
                yield self.index_request(outlet, url, depth + 1)
