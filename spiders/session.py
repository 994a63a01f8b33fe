"""State shared by the spiders of one crawl: which outlets, what is already known, budgets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property

from mediawatch.config import Config, OutletConfig
from pipeline.ingest import Ingestor
from pipeline.items import Evidence
from pipeline.metadata.dates import url_date
from pipeline.urls import canonicalize, in_domains
from spiders.sitemap_probes import SitemapProbes
from warehouse.runs import OutletRunStats


@dataclass
class CrawlSession:
    """One crawl's shared state; lives in the crawl process only (passed to each spider)."""

    config: Config
    outlets: list[OutletConfig]
    ingestor: Ingestor
    stats: dict[str, OutletRunStats]
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    scheduled: set[str] = field(default_factory=set)  # canonical article URLs requested this run
    requested: dict[str, int] = field(default_factory=dict)  # article requests per outlet
    recrawl_due: list[tuple[int, str, str]] = field(default_factory=list)  # (id, url, outlet)
    unfinished: set[str] = field(default_factory=set)  # outlets whose listings a stop cut short
    stopping: bool = False  # the crawl was asked to stop: start no new request
    # what the usual sitemap paths answered before (the crawl process loads the warehouse's)
    sitemap_probes: SitemapProbes = field(default_factory=SitemapProbes)

    @cached_property
    def allowed_hosts(self) -> frozenset[str]:
        """Hosts the config names: the only ones allowed on non-public addresses."""
        return frozenset(h for o in self.config.outlets for h in o.domains)

    def outlets_for(self, mode: str) -> list[OutletConfig]:
        return [o for o in self.outlets if o.enabled and mode in o.modes]

    def budget(self, outlet: OutletConfig) -> int:
        return outlet.max_pages or self.config.crawl.max_pages_per_outlet

    def too_old(self, published: datetime | None) -> bool:
        days = self.config.crawl.max_age_days
        if not days or published is None:
            return False
        return published < self.now - timedelta(days=days)

    def claim(self, outlet: OutletConfig, url: str, evidence: Evidence | None = None) -> bool:
        """Decide whether to download an article URL now; records the decision.

        Refuses URLs off the outlet's domains, already stored, already requested in this
        run, dated (in the URL) before the age window, or beyond the outlet's page budget.
        """
        if not in_domains(url, outlet.domains):
            return False
        day = url_date(url)
        if day is not None and self.too_old(day.value + timedelta(days=1)):  # the day's last moment
            return False
        canon = canonicalize(url)
        if canon in self.scheduled or self.ingestor.is_known(canon):
            return False
        if self.requested.get(outlet.name, 0) >= self.budget(outlet):
            return False
        self.scheduled.add(canon)
        self.requested[outlet.name] = self.requested.get(outlet.name, 0) + 1
        self.stats_for(outlet.name).discovered += 1
        return True

    def stats_for(self, outlet: str) -> OutletRunStats:
        return self.stats.setdefault(outlet, OutletRunStats())
