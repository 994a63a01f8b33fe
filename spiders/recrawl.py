"""Re-crawling recent articles to catch edits and deletions (``[schedule] recrawl_after_days``).

Normal crawls never download a stored article again; this spider does, on purpose, for
articles that reached one of the configured ages since they were first seen.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import duckdb
import scrapy
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from spiders.base import OutletSpider
from warehouse.articles import articles_due_for_recrawl

GONE = (404, 410)


def due_for_recrawl(
    con: duckdb.DuckDBPyConnection, outlets: list[str], ages_days: list[float], now: datetime
) -> list[tuple[int, str, str]]:
    """(article id, url, outlet) of articles that passed an age since their last fetch."""
    due: dict[int, tuple[int, str, str]] = {}
    for age in sorted(ages_days):
        rows = articles_due_for_recrawl(
            con, outlets, now - timedelta(days=age), int(age * 86_400 * 1_000_000)
        )
        for row in rows:
            due[row[0]] = row
    return list(due.values())


class RecrawlSpider(OutletSpider):
    name = "recrawl"
    mode = "recrawl"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for article_id, url, outlet in self.session.recrawl_due:
            self.session.stats_for(outlet).discovered += 1
            yield scrapy.Request(
                url,
                callback=self.parse_article,
                errback=self.on_recrawl_error,
                dont_filter=True,
                meta={"outlet": outlet, "stage": "recrawl", "article_id": article_id},
            )

    def on_recrawl_error(self, failure: Failure) -> None:
        exc = failure.value
        if isinstance(exc, HttpError) and exc.response.status in GONE:
            request = failure.request  # type: ignore[attr-defined]  # Scrapy sets .request on errback failures
            self.session.ingestor.record_deletion(request.meta["article_id"], exc.response.status)
            return
        self.on_error(failure)
