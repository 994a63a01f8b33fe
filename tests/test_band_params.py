"""The LSH band split is datasketch's optimum, computed without scipy."""

from __future__ import annotations

import pytest

from pipeline.band_params import optimal_bands

# (threshold, num_perm) -> (bands, rows), as datasketch 2.0's MinHashLSH chose them
KNOWN = {
    (0.05, 128): (32, 1),
    (0.1, 128): (64, 2),
    (0.2, 128): (28, 2),
    (0.25, 128): (42, 3),
    (0.3, 128): (37, 3),  # the story index's band threshold
    (0.5, 128): (25, 5),
    (0.7, 128): (14, 9),
    (0.9, 128): (5, 25),
    (0.95, 128): (3, 42),
}


@pytest.mark.parametrize(("threshold", "num_perm"), sorted(KNOWN))
def test_known_optima(threshold: float, num_perm: int) -> None:
    assert optimal_bands(threshold, num_perm) == KNOWN[threshold, num_perm]


@pytest.mark.parametrize("num_perm", [16, 64, 100, 256])
@pytest.mark.parametrize("threshold", [0.1, 0.3, 0.5, 0.8])
def test_same_optimum_as_datasketch(threshold: float, num_perm: int) -> None:
    from datasketch import MinHashLSH  # public: the index exposes the b and r it chose

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    assert optimal_bands(threshold, num_perm) == (lsh.b, lsh.r)


def test_weights_move_the_optimum_as_expected() -> None:
    """Fearing false negatives more means more, shorter bands (more candidates)."""
    bands, rows = optimal_bands(0.5, 128)
    fn_bands, fn_rows = optimal_bands(0.5, 128, 0.1, 0.9)
    assert fn_bands >= bands and fn_rows <= rows and (fn_bands, fn_rows) != (bands, rows)


@pytest.mark.parametrize(("threshold", "num_perm"), [(0.0, 128), (1.0, 128), (0.5, 0), (0.5, 2)])
def test_refuses_what_is_not_lsh(threshold: float, num_perm: int) -> None:
    with pytest.raises(ValueError):
        optimal_bands(threshold, num_perm)
