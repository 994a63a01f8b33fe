"""What the usual sitemap paths of each outlet answered, so a crawl asks each at most daily.

A site whose robots.txt names no sitemap (or that has no robots.txt) often still has one
at ``/sitemap.xml``, ``/sitemap_index.xml`` and the like. The crawl tries those paths;
a path that answered with a sitemap is read on every run from then on (it is one of the
outlet's listings), one that did not is tried again only a day later. The answers live
in the warehouse (``sitemap_probes``), written through the crawl's writer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

PROBE_AGAIN_AFTER = timedelta(days=1)

Recorder = Callable[[str, str, datetime, bool], None]  # (outlet, url, probed_at, found)


@dataclass
class SitemapProbes:
    """(outlet, url) -> (probed_at, found), as loaded at the start of the crawl."""

    known: dict[tuple[str, str], tuple[datetime, bool]] = field(default_factory=dict)
    recorder: Recorder | None = None  # None: remembered for this process only (workers)

    def wanted(self, outlet: str, url: str, now: datetime) -> bool:
        """Ask this path now: it held a sitemap last time, or it was not asked for a day."""
        last = self.known.get((outlet, url))
        if last is None:
            return True
        probed_at, found = last
        return found or now - probed_at >= PROBE_AGAIN_AFTER

    def remember(self, outlet: str, url: str, found: bool, now: datetime) -> None:
        self.known[(outlet, url)] = (now, found)
        if self.recorder is not None:
            self.recorder(outlet, url, now, found)
