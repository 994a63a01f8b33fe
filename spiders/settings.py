"""Scrapy settings built from ``[crawl]``: polite and bounded defaults for monitoring."""

from __future__ import annotations

from typing import Any

from mediawatch.config import CrawlConfig


def scrapy_settings(crawl: CrawlConfig, log_level: str = "WARNING") -> dict[str, Any]:
    return {
        "BOT_NAME": "mediawatch",
        "USER_AGENT": crawl.user_agent,
        "ROBOTSTXT_OBEY": crawl.obey_robots,
        "CONCURRENT_REQUESTS": crawl.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.per_domain_concurrency,
        # Scrapy starts this many asyncio tasks for *every* response's output (default 100,
        # ~1 ms of CPU per page). An article yields one page item and a listing yields
        # requests, which cost nothing to hand on: concurrency comes from the responses.
        "CONCURRENT_ITEMS": 1,
        "DOWNLOAD_DELAY": crawl.download_delay,
        "DOWNLOAD_DELAY_JITTER": 0.5,
        "REMOTE_CONTROL_ENABLED": False,
        "AUTOTHROTTLE_ENABLED": crawl.autothrottle and crawl.download_delay > 0,
        "AUTOTHROTTLE_START_DELAY": max(crawl.download_delay, 0.5),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(crawl.per_domain_concurrency),
        "DOWNLOAD_TIMEOUT": crawl.timeout_s,
        # Scrapy's 1 GiB default is not sane for news pages.
        "DOWNLOAD_MAXSIZE": crawl.max_page_bytes,
        "DOWNLOAD_WARNSIZE": crawl.max_page_bytes // 2,
        # ... and the header section is capped too (spiders.download_limits)
        "DOWNLOAD_HANDLERS": {
            "http": "spiders.download_limits.LimitedHTTP11DownloadHandler",
            "https": "spiders.download_limits.LimitedHTTP11DownloadHandler",
        },
        "RETRY_TIMES": crawl.retries,
        "REDIRECT_MAX_TIMES": crawl.max_redirects,
        "METAREFRESH_MAXDELAY": 30,
        "DNS_TIMEOUT": min(crawl.timeout_s, 20),
        # depth is limited by the spiders themselves (homepage_depth, sitemap index depth)
        "DEPTH_LIMIT": 0,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue",
        "DOWNLOADER_MIDDLEWARES": {
            "spiders.middlewares.AddressGuardMiddleware": 40,
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "spiders.middlewares.RobotsPolicyMiddleware": 100,
            # before RedirectMiddleware (600) and MetaRefreshMiddleware (580) see a response
            "spiders.middlewares.RedirectGuardMiddleware": 650,
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "spiders.middlewares.PoliteRetryMiddleware": 550,
        },
        "ITEM_PIPELINES": {"spiders.pipelines.IngestPipeline": 100},
        "EXTENSIONS": {
            "spiders.progress.Progress": 500,
            "scrapy.extensions.logstats.LogStats": None,
        },
        "LOG_LEVEL": log_level,
        "LOG_FORMAT": "%(asctime)s %(levelname)s [%(name)s] %(message)s",
        "STATS_DUMP": False,
    }
