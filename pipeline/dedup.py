"""Exact and near-duplicate detection: is this article a copy of a story we already have?

A wire story republished by many outlets arrives with a new headline, extra or missing
boilerplate paragraphs and often truncated; it must be one story. Two different
articles about the same event share names and places but not sentences; they must stay
two stories. Exact copies are caught by ``content_hash``; the rest by ``StoryIndex``:

* MinHash-LSH over word shingles (datasketch's optimal banding, ``pipeline.band_params``, kept in the compact
  ``pipeline.bands.BandTable``) proposes candidates in time independent of the index
  size. Its band threshold is set well below the match threshold because
  truncated copies have low Jaccard with their source (60 % of a text: Jaccard 0.6).
* Each candidate is verified by *containment* of the shorter text in the longer one,
  estimated from the MinHash Jaccard and the two shingle counts. ``threshold`` is that
  containment. Very unequal sizes (one text under ``min_size_ratio`` of the other) fall
  back to plain Jaccard, where containment estimates are too noisy to trust.
* Boilerplate: a shingle found in many *different* stories ("This story was provided
  by...", an outlet's footer, stock phrases) is evidence of nothing. The index counts,
  per MinHash slot, how many story heads (articles that matched nothing) had each
  minimum value, in a count-min sketch. Slots whose joint minimum is common are left out
  of the estimate, which then measures the overlap of the non-boilerplate parts. Copies
  are not counted, so a story republished a thousand times does not become boilerplate.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.band_params import optimal_bands
from pipeline.bands import BandTable
from pipeline.fingerprint import (
    Signature,
    content_hash,
    from_bytes,
    normalize_text,
    signature,
)

__all__ = [
    "StoryIndex",
    "content_hash",
    "from_bytes",
    "normalize_text",
    "signature",
]

_SKETCH_DEPTH = 2
_SKETCH_SALTS = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))
_SAVE_VERSION = 1
_CHUNK = 4096  # signature rows per chunk


@dataclass(frozen=True, slots=True)
class _Rows:
    ids: np.ndarray
    values: np.ndarray
    shingles: np.ndarray
    heads: np.ndarray

    @classmethod
    def empty(cls, num_perm: int) -> _Rows:
        return cls(
            np.zeros(_CHUNK, dtype=np.int64),
            np.zeros((_CHUNK, num_perm), dtype=np.uint32),
            np.zeros(_CHUNK, dtype=np.int64),
            np.zeros(_CHUNK, dtype=bool),
        )


class StoryIndex:
    """In-memory near-duplicate index of article signatures, keyed by article id."""

    def __init__(
        self,
        threshold: float = 0.7,
        num_perm: int = 128,
        *,
        lsh_threshold: float = 0.3,
        min_size_ratio: float = 0.4,
        common_min: int = 8,
        count_below: float = 0.9,
        common_share: float = 0.001,
        min_evidence: int = 16,
        sketch_bits: int = 23,
    ) -> None:
        """``common_min``: a slot value seen in that many story heads counts as boilerplate.

        ``common_share``: ...or in this share of all heads, whichever is more (in a large
        index, stock phrases of the language reach any fixed count).

        ``count_below``: articles matched with a lower score still count as heads for the
        boilerplate statistics (a weak match may be a match *through* boilerplate).

        ``min_evidence``: fewer informative slots than this and the pair is not a match.
        """
        if not 0 < threshold < 1:
            raise ValueError("threshold must be in (0, 1)")
        self.threshold = threshold
        self.num_perm = num_perm
        self.min_size_ratio = min_size_ratio
        self.common_min = common_min
        self.count_below = count_below
        self.common_share = common_share
        self._heads = 0
        self.min_evidence = min_evidence
        self._lsh_threshold = min(lsh_threshold, threshold)
        self._bands = BandTable(*optimal_bands(self._lsh_threshold, num_perm))
        # signatures as rows of arrays, not objects: ~0.6 KB per article instead of ~1 KB
        self._row_of: dict[int, int] = {}
        # fixed-size chunks, never reallocated: growing one array by doubling left the
        # freed copies as holes in the heap (+25 MB RSS at 20k articles)
        self._chunks: list[_Rows] = []
        self._free_rows: list[int] = []
        self._sketch_bits = sketch_bits
        self._sketch = np.zeros((_SKETCH_DEPTH, 1 << sketch_bits), dtype=np.uint16)
        self._slots = np.arange(num_perm, dtype=np.uint64)

    def __len__(self) -> int:
        return len(self._row_of)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._row_of

    # -- building ---------------------------------------------------------------------

    def add(self, article_id: int, sig: bytes, *, story_head: bool | None = None) -> None:
        """Index an article. ``story_head`` (default: "it matches nothing indexed") decides
        whether its shingles count towards the boilerplate statistics."""
        decoded = self._decode(sig)
        if article_id in self._row_of:
            self.remove(article_id)
        if decoded.empty:
            return
        if story_head is None:
            match = self._best(decoded)
            story_head = match is None or match[1] < self.count_below
        row = self._new_row()
        self._row_of[article_id] = row
        chunk, i = self._at(row)
        chunk.ids[i] = article_id
        chunk.values[i] = decoded.hashvalues
        chunk.shingles[i] = decoded.shingles
        chunk.heads[i] = story_head
        self._bands.insert(self._bands.band_keys(decoded.hashvalues), row)
        if story_head:
            self._count(decoded.hashvalues, +1)

    def assign(self, article_id: int, sig: bytes) -> tuple[int, float] | None:
        """Find the best indexed match, then index the article; the pipeline's one call."""
        decoded = self._decode(sig)
        match = None if decoded.empty else self._best(decoded)
        # a weak match still counts towards the boilerplate statistics: otherwise short items
        # that match each other *through* a shared footer would never let it become common
        self.add(article_id, sig, story_head=match is None or match[1] < self.count_below)
        return match

    def remove(self, article_id: int) -> None:
        """Forget an article (e.g. it left the window); unknown ids are ignored."""
        row = self._row_of.pop(article_id, None)
        if row is None:
            return
        chunk, i = self._at(row)
        values = chunk.values[i].copy()
        self._bands.remove(self._bands.band_keys(values), row)
        if chunk.heads[i]:
            self._count(values, -1)
        self._free_rows.append(row)

    @classmethod
    def rebuild(
        cls,
        rows: Iterable[tuple[int, bytes]],
        threshold: float = 0.7,
        num_perm: int = 128,
        **options: Any,
    ) -> StoryIndex:
        """Index stored ``(article_id, signature)`` rows, oldest first (story heads are the
        articles that matched nothing earlier, as when they were first seen). Rows whose
        signature does not decode (another num_perm, corrupt) are skipped."""
        index = cls(threshold, num_perm, **options)
        for article_id, sig in rows:
            try:
                index.add(int(article_id), bytes(sig))
            except ValueError:
                continue
        return index

    def save(self, path: str | Path) -> None:
        """Write the index to an ``.npz`` file (signatures, story-head flags, options)."""
        rows = list(self._row_of.values())
        ids = np.array([self._id(row) for row in rows], dtype=np.int64)
        heads = np.array([chunk.heads[i] for chunk, i in map(self._at, rows)], dtype=bool)
        blobs = [self._signature(row).to_bytes() for row in rows]
        width = 7 + 4 * self.num_perm
        packed = np.frombuffer(b"".join(blobs), dtype=np.uint8).reshape(len(blobs), width)
        meta = json.dumps(
            {
                "version": _SAVE_VERSION,
                "threshold": self.threshold,
                "num_perm": self.num_perm,
                "options": self._options(),
            }
        )
        tmp = Path(f"{path}.tmp.npz")
        np.savez(tmp, ids=ids, heads=heads, sigs=packed, meta=np.array(meta))
        tmp.replace(path)

    @classmethod
    def load(cls, path: str | Path) -> StoryIndex:
        """Read a file written by ``save``; the LSH tables are rebuilt, not stored."""
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("version") != _SAVE_VERSION:
                raise ValueError(f"{path}: not a saved StoryIndex")
            index = cls(meta["threshold"], meta["num_perm"], **meta["options"])
            for article_id, head, sig in zip(data["ids"], data["heads"], data["sigs"], strict=True):
                index.add(int(article_id), sig.tobytes(), story_head=bool(head))
        return index

    # -- querying ---------------------------------------------------------------------

    def candidates(self, sig: bytes) -> list[int]:
        """Indexed articles sharing an LSH band with ``sig`` (unverified)."""
        decoded = self._decode(sig)
        if decoded.empty:
            return []
        return sorted(self._id(row) for row in self._query(decoded))

    def best_match(self, sig: bytes) -> tuple[int, float] | None:
        """The indexed article most similar to ``sig``, if its score reaches ``threshold``."""
        decoded = self._decode(sig)
        return None if decoded.empty else self._best(decoded)

    def similarity(self, a: bytes, b: bytes) -> float:
        """The verification score of two signatures under the current statistics."""
        return self._score(self._decode(a), self._decode(b))

    # -- internals --------------------------------------------------------------------

    def _decode(self, sig: bytes) -> Signature:
        decoded = from_bytes(sig)
        if len(decoded.hashvalues) != self.num_perm:
            raise ValueError(
                f"signature has {len(decoded.hashvalues)} permutations, index {self.num_perm}"
            )
        return decoded

    def _best(self, query: Signature) -> tuple[int, float] | None:
        best: tuple[int, float] | None = None
        for row in self._query(query):
            key = self._id(row)
            score = self._score(query, self._signature(row))
            if score >= self.threshold and (
                best is None or score > best[1] or (score == best[1] and key < best[0])
            ):
                best = (key, score)
        return best

    def _query(self, query: Signature) -> set[int]:
        """Rows of LSH candidates, ignoring bands that contain a boilerplate value, so that
        stock phrases and footers neither propose candidates nor make the candidate lists
        grow with the index."""
        keys = self._bands.band_keys(query.hashvalues, skip=self._common(query.hashvalues))
        return set(self._bands.lookup(keys).tolist())

    def _signature(self, row: int) -> Signature:
        chunk, i = self._at(row)
        return Signature(chunk.values[i], int(chunk.shingles[i]))

    def _id(self, row: int) -> int:
        chunk, i = self._at(row)
        return int(chunk.ids[i])

    def _at(self, row: int) -> tuple[_Rows, int]:
        return self._chunks[row // _CHUNK], row % _CHUNK

    def _new_row(self) -> int:
        if self._free_rows:
            return self._free_rows.pop()
        row = len(self._row_of)
        if row >= _CHUNK * len(self._chunks):
            self._chunks.append(_Rows.empty(self.num_perm))
        return row

    def _score(self, a: Signature, b: Signature) -> float:
        if a.empty or b.empty:
            return 0.0
        joint_min = np.minimum(a.hashvalues, b.hashvalues)
        informative = ~self._common(joint_min)
        evidence = int(informative.sum())
        if evidence < self.min_evidence:
            return 0.0
        jaccard = float((a.hashvalues == b.hashvalues)[informative].sum()) / evidence
        # shares of each text that are not boilerplate (its own minima are uniform over it)
        size_a = a.shingles * max(float((~self._common(a.hashvalues)).mean()), 1e-9)
        size_b = b.shingles * max(float((~self._common(b.hashvalues)).mean()), 1e-9)
        small, large = sorted((size_a, size_b))
        if small / large < self.min_size_ratio:
            return jaccard
        overlap = jaccard * (small + large) / (1.0 + jaccard)
        return min(1.0, overlap / small)

    def _cells(self, values: np.ndarray) -> list[np.ndarray]:
        keys = (values.astype(np.uint64) << np.uint64(10)) | self._slots
        shift = np.uint64(64 - self._sketch_bits)
        return [((keys + salt) * salt) >> shift for salt in _SKETCH_SALTS]

    def _common(self, values: np.ndarray) -> np.ndarray:
        counts = np.min(
            [self._sketch[row, cells] for row, cells in enumerate(self._cells(values))], axis=0
        )
        return counts >= max(self.common_min, self.common_share * self._heads)

    def _count(self, values: np.ndarray, delta: int) -> None:
        self._heads += delta
        for row, cells in enumerate(self._cells(values)):
            current = self._sketch[row, cells].astype(np.int64) + delta
            self._sketch[row, cells] = np.clip(current, 0, np.iinfo(np.uint16).max)

    def _options(self) -> dict[str, float]:
        return {
            "lsh_threshold": self._lsh_threshold,
            "min_size_ratio": self.min_size_ratio,
            "common_min": self.common_min,
            "count_below": self.count_below,
            "common_share": self.common_share,
            "min_evidence": self.min_evidence,
            "sketch_bits": self._sketch_bits,
        }
