"""The Scrapy item pipeline: hands each downloaded page to ``pipeline.ingest`` without blocking."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from pipeline.items import ExtractionFailure, FetchedPage


class IngestPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IngestPipeline:
        return cls(crawler)

    async def process_item(self, item: Any) -> dict:
        if not isinstance(item, FetchedPage):
            return item
        session = self.crawler.spider.session  # type: ignore[union-attr]  # items only flow while a spider is open
        result = await session.ingestor.submit(item)
        # Return a small summary, not the page: Scrapy keeps and logs what we return.
        if isinstance(result, ExtractionFailure):
            return {"url": item.url, "outcome": result.reason}
        return {"url": item.url, "outcome": "extracted"}
