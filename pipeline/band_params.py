"""How many LSH bands of how many rows: the split that best separates a Jaccard threshold.

A pair with Jaccard similarity ``s`` shares at least one of ``b`` bands of ``r`` rows with
probability ``1 - (1 - s**r)**b``. The chosen ``(b, r)`` (with ``b * r <= num_perm``)
minimises the weighted area of false positives below the threshold plus false negatives
above it: the optimum datasketch's ``MinHashLSH`` picks, computed here without it (its
integration needs scipy, which the crawl would otherwise import for these two numbers).

The integrands are polynomials of degree at most ``num_perm``; Gauss-Legendre
quadrature with ``n`` nodes is exact up to degree ``2n - 1``, so the areas are exact up to
rounding.
"""

from __future__ import annotations

import functools

import numpy as np


@functools.cache
def optimal_bands(
    threshold: float,
    num_perm: int,
    false_positive_weight: float = 0.5,
    false_negative_weight: float = 0.5,
) -> tuple[int, int]:
    """``(bands, rows)`` minimising the weighted false-positive and false-negative areas."""
    if not 0.0 < threshold < 1.0:
        raise ValueError("threshold must be in (0, 1)")
    if num_perm < 1:
        raise ValueError("num_perm must be positive")
    pairs = np.array(
        [(b, r) for b in range(1, num_perm + 1) for r in range(1, num_perm // b + 1)],
        dtype=np.float64,
    )
    b, r = pairs[:, :1], pairs[:, 1:]
    nodes, weights = np.polynomial.legendre.leggauss(num_perm // 2 + 2)

    def area(lo: float, hi: float, below: bool) -> np.ndarray:
        s = (hi - lo) / 2 * nodes + (hi + lo) / 2  # the nodes mapped onto [lo, hi]
        collide = 1.0 - (1.0 - s**r) ** b  # one row per (b, r) pair
        return (collide if below else 1.0 - collide) @ weights * (hi - lo) / 2

    error = false_positive_weight * area(0.0, threshold, True)
    error += false_negative_weight * area(threshold, 1.0, False)
    bands, rows = pairs[int(np.argmin(error))]  # the first of equal minima, as datasketch
    if bands < 2:
        # one band is exact matching of r values, not LSH; datasketch refuses it too
        raise ValueError(f"threshold {threshold} with {num_perm} permutations gives one band")
    return int(bands), int(rows)
