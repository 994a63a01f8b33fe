"""Text fingerprints: an exact content hash and a compact MinHash signature.

Both are pure functions of the text so that extraction workers compute them next to the
parse (CPU-bound, parallel) and the single-threaded dedup stage only compares.

The signature is a MinHash over word shingles, plus the number of distinct shingles. Its
values are datasketch's (``MinHash(scheme="affine32", seed=1)``: the MurmurHash3 32-bit
finaliser, then ``a * h + b mod 2**32`` with odd ``a``), computed here in a few lines of
numpy because datasketch's package import also loads scipy (about 2 s more per extraction
worker on a loaded machine, 140 MB installed; docs/benchmarks.md) for nothing the pipeline
uses. tests/test_fingerprint.py checks the values against datasketch itself, so stored
signatures stay comparable.

The shingle count is what lets the index estimate *containment* (how much of the shorter
text is inside the longer one) from the Jaccard estimate: a copy truncated to 60 % has
Jaccard 0.6 with its source but containment 1.0.
"""

from __future__ import annotations

import functools
import hashlib
import re
import struct
import unicodedata
from dataclasses import dataclass

import numpy as np

SEED = 1
SCHEME = "affine32"  # datasketch's name for the permutation scheme below
# Version, num_perm, distinct shingle count; then num_perm little-endian uint32 values.
_HEADER = struct.Struct("<BHI")
_VERSION = 1
_EMPTY = np.uint32(0xFFFFFFFF)
_WORD = re.compile(r"\w+")  # Unicode-aware: Cyrillic, Greek, accented Latin...
_PUNCT = re.compile(r"[^\w\s]+|_+")
_SPACE = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Case-, spacing- and punctuation-insensitive form for exact-duplicate hashing."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _PUNCT.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def content_hash(text: str) -> str:
    """Hex digest of the normalised text: equal for copies that differ only in layout."""
    return hashlib.blake2b(normalize_text(text).encode("utf-8"), digest_size=16).hexdigest()


def tokens(text: str) -> list[str]:
    """Casefolded words; the same tokenisation for every language."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


@dataclass(frozen=True, slots=True)
class Signature:
    """A decoded signature: MinHash values and the number of distinct shingles."""

    hashvalues: np.ndarray  # uint32, one per permutation
    shingles: int

    @property
    def empty(self) -> bool:
        """No words at all: such a text must never match anything."""
        return self.shingles == 0

    def to_bytes(self) -> bytes:
        header = _HEADER.pack(_VERSION, len(self.hashvalues), self.shingles)
        return header + self.hashvalues.astype("<u4", copy=False).tobytes()


def signature(text: str, num_perm: int = 128, shingle_words: int = 5) -> bytes:
    """Serialised MinHash of the text's word shingles (``7 + 4 * num_perm`` bytes)."""
    hashes = shingle_hashes(tokens(text), shingle_words)
    if hashes.size == 0:
        values = np.full(num_perm, _EMPTY, dtype=np.uint32)
        return Signature(values, 0).to_bytes()
    a, b = _permutations(num_perm)
    permuted = _fmix32(hashes.astype(np.uint32)).reshape(-1, 1) * a + b  # wraps: mod 2**32
    return Signature(permuted.min(axis=0), int(hashes.size)).to_bytes()


def from_bytes(data: bytes) -> Signature:
    """Decode ``signature()`` output; raises ``ValueError`` on anything else."""
    if len(data) < _HEADER.size:
        raise ValueError("signature too short")
    version, num_perm, shingles = _HEADER.unpack_from(data)
    if version != _VERSION or len(data) != _HEADER.size + 4 * num_perm:
        raise ValueError(f"not a version-{_VERSION} signature of {num_perm} values")
    values = np.frombuffer(data, dtype="<u4", offset=_HEADER.size).astype(np.uint32)
    return Signature(values, shingles)


def shingle_hashes(words: list[str], shingle_words: int) -> np.ndarray:
    """Distinct 32-bit hashes of the ``shingle_words``-word windows (one window if shorter).

    Words are hashed once and windows combined in numpy (a multiply-add over 64-bit
    words), which is several times faster than hashing every window's string.
    """
    if not words:
        return np.empty(0, dtype=np.uint32)
    word_hash = np.fromiter((_word_hash(w) for w in words), dtype=np.uint64, count=len(words))
    k = min(shingle_words, len(words))
    windows = len(words) - k + 1
    multipliers = _multipliers(k)
    acc = np.zeros(windows, dtype=np.uint64)
    for j in range(k):
        acc += word_hash[j : j + windows] * multipliers[j]
    return np.unique((acc >> np.uint64(32)).astype(np.uint32))


@functools.lru_cache(maxsize=1 << 16)
def _word_hash(word: str) -> int:
    """Cached: a page's words are mostly the language's common ones, seen on every page."""
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


@functools.cache
def _multipliers(k: int) -> np.ndarray:
    rng = np.random.default_rng(0x5EED + k)
    return rng.integers(1, 2**63, size=k, dtype=np.uint64) * np.uint64(2) + np.uint64(1)


@functools.cache
def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """``a`` (odd, so each map is a bijection) and ``b`` of each permutation, drawn as
    datasketch draws them for (SEED, num_perm): a pure function, built once."""
    gen = np.random.RandomState(SEED)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser: spreads structured hashes before the permutations."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))
