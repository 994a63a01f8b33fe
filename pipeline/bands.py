"""A compact LSH band table: which stored signatures share a band with a query.

datasketch's MinHashLSH keeps a bytes key and a Python set per bucket and band: about
11 KB per article with the 37 bands the story index uses, which made the index the
largest part of a crawl's memory growth. Here each band of each signature is one 64-bit
key in a numpy open-addressing multimap (linear probing, load between 1/3 and 2/3; the
few keys with long probe chains are walked one by one): 8 bytes per slot, about 0.5-0.9 KB
per article, and the same candidates. Keys are 32-bit: a
collision only adds a candidate, which the caller verifies anyway (at a million
articles, about one false candidate in three queries).
"""

from __future__ import annotations

import numpy as np

_EMPTY = -1
_GONE = -2  # a removed entry: lookups probe past it, inserts may reuse it
_SCALAR_TAIL = 4  # this few keys left: probe them one by one
_SET_CHECK = 64  # more free slots than this: find colliding keys with numpy, not a Python set
_REHASH_CHUNK = 1 << 16
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit moves the slot bits."""
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


class BandTable:
    """Multimap from band keys to the caller's row numbers (non-negative int32)."""

    def __init__(self, bands: int, rows: int, capacity: int = 1 << 12) -> None:
        self.bands = bands
        self.rows = rows
        size = 1 << max(4, (capacity - 1).bit_length())
        self._keys = np.zeros(size, dtype=np.uint32)
        self._vals = np.full(size, _EMPTY, dtype=np.int32)
        self._filled = 0  # live entries and tombstones: what lengthens probe chains
        self._salt = (np.arange(bands, dtype=np.uint64) + np.uint64(1)) * _GOLDEN

    @property
    def nbytes(self) -> int:
        return self._keys.nbytes + self._vals.nbytes

    def band_keys(self, hashvalues: np.ndarray, skip: np.ndarray | None = None) -> np.ndarray:
        """One key per band of ``hashvalues``; bands holding a ``skip`` slot are left out."""
        width = self.bands * self.rows
        values = hashvalues[:width].astype(np.uint64).reshape(self.bands, self.rows)
        keys = self._salt.copy()
        for j in range(self.rows):
            keys = _mix(keys ^ values[:, j])
        if skip is not None:
            keys = keys[~skip[:width].reshape(self.bands, self.rows).any(axis=1)]
        return (keys >> np.uint64(32)).astype(np.uint32)

    def insert(self, keys: np.ndarray, value: int) -> None:
        if 3 * (self._filled + len(keys)) > 2 * len(self._keys):
            self._rehash(len(keys))
        self._place(keys, np.full(len(keys), value, dtype=np.int32))

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """Values stored under any of ``keys`` (with repeats)."""
        mask = len(self._keys) - 1
        pos = (keys & np.uint32(mask)).astype(np.int64)
        found = []
        while len(keys) > _SCALAR_TAIL:
            vals = self._vals[pos]
            hit = (vals >= 0) & (self._keys[pos] == keys)
            if hit.any():
                found.append(vals[hit])
            more = vals != _EMPTY
            keys, pos = keys[more], (pos[more] + 1) & mask
        # the last few keys with long chains: one vectorised step per probe would cost more
        tail = []
        for key, slot in zip(keys.tolist(), pos.tolist(), strict=True):
            while (val := int(self._vals[slot])) != _EMPTY:
                if val >= 0 and int(self._keys[slot]) == key:
                    tail.append(val)
                slot = (slot + 1) & mask
        if tail:
            found.append(np.array(tail, dtype=np.int32))
        return np.concatenate(found) if found else np.empty(0, dtype=np.int32)

    def remove(self, keys: np.ndarray, value: int) -> None:
        mask = len(self._keys) - 1
        pos = (keys & np.uint32(mask)).astype(np.int64)
        while len(keys):
            vals = self._vals[pos]
            hit = (vals == value) & (self._keys[pos] == keys)
            self._vals[pos[hit]] = _GONE
            more = (vals != _EMPTY) & ~hit
            keys, pos = keys[more], (pos[more] + 1) & mask

    def _place(self, keys: np.ndarray, vals: np.ndarray) -> None:
        mask = len(self._keys) - 1
        pos = (keys & np.uint32(mask)).astype(np.int64)
        while len(keys):
            free = np.flatnonzero(self._vals[pos] < 0)
            placed = np.zeros(len(keys), dtype=bool)
            if len(free):
                win = free
                if len(free) > _SET_CHECK or len(set(pos[free].tolist())) < len(free):
                    # several keys reached one free slot in the same step: the first takes it
                    _, first = np.unique(pos[free], return_index=True)
                    win = free[first]
                self._filled += int((self._vals[pos[win]] == _EMPTY).sum())
                self._keys[pos[win]] = keys[win]
                self._vals[pos[win]] = vals[win]
                placed[win] = True
            keys, vals, pos = keys[~placed], vals[~placed], (pos[~placed] + 1) & mask
            if 0 < len(keys) <= _SCALAR_TAIL:
                for key, val, slot in zip(keys.tolist(), vals.tolist(), pos.tolist(), strict=True):
                    while int(self._vals[slot]) >= 0:
                        slot = (slot + 1) & mask
                    self._filled += int(self._vals[slot]) == _EMPTY
                    self._keys[slot], self._vals[slot] = key, val
                return

    def _rehash(self, extra: int) -> None:
        live = self._vals >= 0
        keys, vals = self._keys[live], self._vals[live]
        size = len(self._keys)
        if 3 * len(keys) > size:  # else tombstones filled it: rehash at the same size
            size *= 2  # about 1/3 full after: rehash seldom
        while 3 * (len(keys) + extra) > 2 * size:
            size *= 2
        self._keys = np.zeros(size, dtype=np.uint32)
        self._vals = np.full(size, _EMPTY, dtype=np.int32)
        self._filled = 0
        # in chunks: placing 700k entries at once needed ~50 MB of index arrays beside the table
        for start in range(0, len(keys), _REHASH_CHUNK):
            self._place(keys[start : start + _REHASH_CHUNK], vals[start : start + _REHASH_CHUNK])
