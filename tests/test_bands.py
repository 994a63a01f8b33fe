"""The compact LSH band table against a brute-force band comparison."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.bands import BandTable


def _brute(stored: dict[int, np.ndarray], query: np.ndarray, bands: int, rows: int) -> set[int]:
    q = query[: bands * rows].reshape(bands, rows)
    return {
        row
        for row, values in stored.items()
        if (values[: bands * rows].reshape(bands, rows) == q).all(axis=1).any()
    }


@pytest.mark.parametrize(
    ("seed", "bands"),
    [(0, 8), (1, 8), (2, 40)],  # 40 bands: 120k entries, rehashed in several chunks
)
def test_lookup_equals_brute_force_through_growth_and_removal(seed: int, bands: int) -> None:
    rng = np.random.default_rng(seed)
    table = BandTable(bands=bands, rows=2, capacity=16)  # tiny: forces many rehashes
    width = 2 * bands
    stored: dict[int, np.ndarray] = {}
    base = rng.integers(0, 50, size=(40, width), dtype=np.uint32)  # few values: shared bands
    for row in range(3000):
        values = base[row % 40].copy()
        values[rng.integers(0, width, size=6)] = rng.integers(0, 1 << 32, 6, dtype=np.uint32)
        stored[row] = values
        table.insert(table.band_keys(values), row)
    for row in rng.choice(3000, size=1000, replace=False).tolist():
        table.remove(table.band_keys(stored.pop(row)), row)
    for row in range(3000, 3500):  # reuses tombstones
        stored[row] = rng.integers(0, 50, size=width, dtype=np.uint32)
        table.insert(table.band_keys(stored[row]), row)
    for query in [*base[:10], *rng.integers(0, 50, size=(10, width), dtype=np.uint32)]:
        found = set(table.lookup(table.band_keys(query)).tolist())
        assert found == _brute(stored, query, bands, 2)


def test_skipped_bands_propose_nothing() -> None:
    table = BandTable(bands=4, rows=2)
    values = np.arange(8, dtype=np.uint32)
    table.insert(table.band_keys(values), 7)
    skip = np.zeros(8, dtype=bool)
    assert table.lookup(table.band_keys(values, skip=skip)).tolist() == [7] * 4
    skip[[0, 2, 4, 6]] = True  # one slot in every band
    assert table.lookup(table.band_keys(values, skip=skip)).size == 0


def test_memory_per_entry_stays_small() -> None:
    table = BandTable(bands=37, rows=3)
    rng = np.random.default_rng(2)
    for row in range(5000):
        table.insert(table.band_keys(rng.integers(0, 1 << 32, 111, dtype=np.uint32)), row)
    assert table.nbytes / (5000 * 37) <= 8 / 0.33  # 8 bytes a slot, at least 1/3 full
