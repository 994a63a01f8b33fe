"""Per-outlet budgets for listings (feeds, sitemaps, sitemap indexes), so none starves the rest.

A sitemap index of 10,001 children was followed child by child until the run's time
limit, and the homepage-only outlet of the same run, whose turn came after the
sitemaps, got no request at all. Every outlet now has, per discovery mode and run:

- ``max_sitemap_children``: children followed per index, the newest first;
- ``max_listings``: listings the site led to (children of indexes, robots ``Sitemap:``
  lines, autodiscovered feeds); the config's own feeds and sitemaps are not counted;
- ``listing_budget_mb``: bytes of listings downloaded (the config's own included);
- ``listing_budget_s``: seconds from its first such listing request.

A listing past a budget is not requested; the first time each budget runs out it is
recorded in ``fetch_failures`` as ``listing-budget`` with which budget and by how much.
Modes run in turn, so a bounded listing phase is what gives the next mode its turn.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# distributed workers live across discovery rounds: keep the budgets of the last few only
_ROUNDS_KEPT = 4


@dataclass(frozen=True)
class ListingLimits:
    children_per_index: int = 50
    listings: int = 100
    bytes: int = 100 * 1024 * 1024
    seconds: float = 300.0

    @classmethod
    def from_config(cls, crawl: Any) -> ListingLimits:
        """From ``[crawl]`` (``mediawatch.config.CrawlConfig``)."""
        return cls(
            crawl.max_sitemap_children,
            crawl.max_listings,
            int(crawl.listing_budget_mb * 1024 * 1024),
            crawl.listing_budget_s,
        )


@dataclass
class _Spent:
    listings: int = 0
    bytes: int = 0
    started: float | None = None
    recorded: set[str] = field(default_factory=set)  # budgets already reported


class ListingBudget:
    """What each outlet has spent on listings; keyed by (round, outlet)."""

    def __init__(self, limits: ListingLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._spent: dict[tuple[str, str], _Spent] = {}
        self._rounds: list[str] = []

    def _get(self, outlet: str, round_id: str) -> _Spent:
        if round_id not in self._rounds:
            self._rounds.append(round_id)
            for old in self._rounds[:-_ROUNDS_KEPT]:
                for key in [k for k in self._spent if k[0] == old]:
                    del self._spent[key]
            self._rounds = self._rounds[-_ROUNDS_KEPT:]
        return self._spent.setdefault((round_id, outlet), _Spent())

    def admit(self, outlet: str, round_id: str = "-") -> tuple[str, str] | None:
        """Count one more listing request, or ``(budget, detail)`` when one is exhausted."""
        spent = self._get(outlet, round_id)
        now = self.clock()
        if spent.started is None:
            spent.started = now
        limits = self.limits
        if spent.listings >= limits.listings:
            return "listings", f"{limits.listings} listings fetched (max_listings)"
        if spent.bytes > limits.bytes:
            return "bytes", f"{spent.bytes} bytes of listings (listing_budget_mb)"
        if now - spent.started > limits.seconds:
            return "time", f"{now - spent.started:.0f} s on listings (listing_budget_s)"
        spent.listings += 1
        return None

    def charge(self, outlet: str, nbytes: int, round_id: str = "-") -> None:
        self._get(outlet, round_id).bytes += nbytes

    def first_time(self, outlet: str, budget: str, round_id: str = "-") -> bool:
        """True once per outlet and budget: an exhausted budget is recorded once, not per URL."""
        recorded = self._get(outlet, round_id).recorded
        if budget in recorded:
            return False
        recorded.add(budget)
        return True

    def children(self, children: list[str]) -> tuple[list[str], int]:
        """The children to follow (the caller passes them newest first) and how many are cut."""
        keep = self.limits.children_per_index
        return children[:keep], max(0, len(children) - keep)
