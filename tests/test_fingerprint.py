"""MinHash signatures: datasketch's values (affine32, seed 1), computed without datasketch."""

from __future__ import annotations

import random

import numpy as np
import pytest

from pipeline.fingerprint import from_bytes, shingle_hashes, signature, tokens

TEXT = "Police said the minister resigned on Tuesday after the court ruled against him"
WORDS = [
    "the",
    "a",
    "of",
    "news",
    "story",
    "wire",
    "report",
    "said",
    "minister",
    "police",
    "court",
    "city",
    "war",
    "peace",
]


def test_known_values() -> None:
    """Pinned: stored signatures must keep comparing equal across releases."""
    values = from_bytes(signature(TEXT, num_perm=8)).hashvalues.tolist()
    assert values == [
        667425372, 159483212, 1003701548, 1300984085, 167564920, 804016655, 161426819, 697981513,
    ]  # fmt: skip


@pytest.mark.parametrize("num_perm", [16, 128])
def test_same_values_as_datasketch(num_perm: int) -> None:
    from datasketch import MinHash  # the reference implementation (a test dependency)

    rng = random.Random(num_perm)
    for length in (1, 3, 5, 6, 40, 400):
        text = " ".join(rng.choice(WORDS) for _ in range(length))
        reference = MinHash(num_perm=num_perm, seed=1, scheme="affine32", hashfunc=int)
        reference.update_batch(shingle_hashes(tokens(text), 5).tolist())
        ours = from_bytes(signature(text, num_perm=num_perm))
        assert np.array_equal(ours.hashvalues, reference.hashvalues.astype(np.uint32)), text


def test_a_text_without_words_matches_nothing() -> None:
    empty = from_bytes(signature("— … —"))
    assert empty.empty and (empty.hashvalues == 0xFFFFFFFF).all()


def test_the_pipeline_does_not_load_scipy() -> None:
    """datasketch's import pulls in scipy (seconds per extraction worker): not any more."""
    import subprocess
    import sys

    code = "import sys, pipeline.dedup, pipeline.fingerprint; print('scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
