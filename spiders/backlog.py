"""Article URLs claimed from listings, waiting compactly until Scrapy's scheduler runs dry."""

from __future__ import annotations

from collections import deque

from pipeline.items import Evidence


class Backlog:
    """Per-outlet queues of ``(url, evidence)``, taken round-robin.

    A 20,000-URL sitemap queued at once as Scrapy requests holds ~1.9 KB per request, and
    the heap they leave behind is not given back once they are downloaded: the crawl's
    peak grew with the size of its listings. As pairs they hold ~0.4 KB and become requests
    only a few dozen at a time; taking outlets in turn keeps every download slot busy.
    """

    def __init__(self) -> None:
        self._queues: dict[str, deque[tuple[str, Evidence | None]]] = {}

    def add(self, outlet: str, url: str, evidence: Evidence | None) -> None:
        self._queues.setdefault(outlet, deque()).append((url, evidence))

    def __len__(self) -> int:
        return sum(len(q) for q in self._queues.values())

    def outlets(self) -> set[str]:
        """Outlets with URLs still waiting (after a stop, their listings are unfinished)."""
        return set(self._queues)  # ``take`` drops a queue once it is empty

    def take(self, n: int) -> list[tuple[str, str, Evidence | None]]:
        """Up to ``n`` entries as ``(outlet, url, evidence)``, one outlet after another.

        A list, not a generator: Scrapy may ask for more (scheduler empty) before it has
        consumed a callback's share.
        """
        taken: list[tuple[str, str, Evidence | None]] = []
        while len(taken) < n and self._queues:
            for outlet in list(self._queues):
                queue = self._queues[outlet]
                taken.append((outlet, *queue.popleft()))
                if not queue:
                    del self._queues[outlet]
                if len(taken) == n:
                    break
        return taken
