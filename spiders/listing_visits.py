"""Which listings a run has asked for, so that each is fetched once and a cycle is seen.

A sitemap index that lists itself, three indexes that list each other in a ring, or a
child that redirects back to the root were fetched again and again until the depth cap,
then reported as too deep. Each index now carries the chain of listings that led to it
(``meta["chain"]``: robots.txt, then each index down to its parent). A child already on
that chain is a cycle, recorded as ``sitemap-cycle``; a child already fetched through
another path in this run (two indexes sharing a child) is simply not fetched again.
"""

from __future__ import annotations

# distributed workers live across discovery rounds: keep the listings of the last few only
_ROUNDS_KEPT = 4


class ListingVisits:
    """Listing URLs requested (or reached through a redirect) in this run, per round."""

    def __init__(self) -> None:
        self._seen: dict[str, set[str]] = {}

    def _round(self, round_id: str) -> set[str]:
        if round_id not in self._seen:
            for old in list(self._seen)[: max(0, len(self._seen) - _ROUNDS_KEPT + 1)]:
                del self._seen[old]
            self._seen[round_id] = set()
        return self._seen[round_id]

    def seen(self, url: str, round_id: str = "-") -> bool:
        return url in self._round(round_id)

    def add(self, url: str, round_id: str = "-") -> bool:
        """Note ``url`` as fetched; False when it already was."""
        seen = self._round(round_id)
        if url in seen:
            return False
        seen.add(url)
        return True


def chain_of(meta: dict, *urls: str) -> list[str]:
    """The chain for the children of a listing: its own chain, then the listing's URLs."""
    chain = list(meta.get("chain") or ())
    for url in urls:
        if url not in chain:
            chain.append(url)
    return chain
