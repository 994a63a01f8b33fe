"""Word-level text normalisation shared by topic queries and the documents they match.

Queries and documents must fold text identically, otherwise a query term can never
meet its word; so both sides go through :func:`tokenize` / :func:`normalize_word`.

Folding: Unicode NFC first (so decomposed input tokenises like precomposed input), then
per word casefold, NFKD, drop combining marks (café = cafe, ё = е), casefold again.
Russian ``й`` keeps its breve: it is a separate letter, not an accented ``и``.

Token ``i`` of :func:`tokenize` always corresponds to match ``i`` of ``TOKEN_RE``
on the same text (empty strings are kept as placeholders), so a hit position can be
turned back into a character offset for snippets.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import islice

TOKEN_RE = re.compile(r"\w+")
_WHITESPACE_RE = re.compile(r"\s+")
_SHORT_I = "й"
_SHORT_I_GUARD = "\ue000"  # private-use stand-in so NFKD does not split й


def normalize_word(word: str) -> str:
    """Fold one ``\\w+`` token to its matching form ("" if nothing word-like is left)."""
    if word.isascii():
        return word.lower()
    folded = word.casefold()
    if unicodedata.is_normalized("NFKD", folded):
        return folded  # the common Cyrillic/Greek case: nothing to strip
    guarded = _SHORT_I in folded
    if guarded:
        folded = folded.replace(_SHORT_I, _SHORT_I_GUARD)
    decomposed = unicodedata.normalize("NFKD", folded)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    if guarded:
        stripped = stripped.replace(_SHORT_I_GUARD, _SHORT_I)
    if not stripped.isalnum():
        # compatibility decomposition can yield punctuation (½ -> 1⁄2): keep one token
        stripped = "".join(TOKEN_RE.findall(stripped))
    return stripped


def prepare(text: str) -> str:
    """The form of ``text`` that tokens and spans are computed on (NFC)."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", text)


def tokenize(text: str) -> list[str]:
    """Normalised tokens of ``text``, aligned with :func:`token_span` of ``prepare(text)``.

    Equivalent to ``[normalize_word(w) for w in TOKEN_RE.findall(prepare(text))]``, but
    folds the whole text at once when that provably gives the same tokens (ASCII, or
    Cyrillic whose only special letters are ё and й), which is 5-10x faster.
    """
    if text.isascii():
        return TOKEN_RE.findall(text.lower())
    prepared = prepare(text)
    folded = prepared.casefold().replace("ё", "е")
    if len(folded) != len(prepared) or "\u0345" in prepared:
        # casefold changed the length (ß, İ) or turned a mark into a letter: go word by word
        return _tokenize_words(TOKEN_RE.findall(prepared))
    tokens = TOKEN_RE.findall(folded)
    if unicodedata.is_normalized("NFKD", folded.replace(_SHORT_I, "и")):
        return tokens  # nothing left to decompose or strip
    return _tokenize_words(tokens)


def _tokenize_words(words: list[str]) -> list[str]:
    cache: dict[str, str] = {}
    out: list[str] = []
    append = out.append
    for word in words:
        norm = cache.get(word)
        if norm is None:
            norm = cache[word] = normalize_word(word)
        append(norm)
    return out


def token_span(prepared: str, first: int, last: int | None = None) -> tuple[int, int] | None:
    """Character span from token ``first`` to token ``last`` of a :func:`prepare`-d text."""
    matches = TOKEN_RE.finditer(prepared)
    start = next(islice(matches, first, None), None)
    if start is None:
        return None
    if last is None or last <= first:
        return start.span()
    end = next(islice(matches, last - first - 1, None), None)
    return (start.start(), end.end()) if end else start.span()


def collapse_whitespace(text: str) -> str:
    return _WHITESPACE_RE.sub(" ", text).strip()


def snippet_around(prepared: str, start: int, end: int, width: int = 200) -> str:
    """About ``width`` characters of ``prepared`` around ``[start, end)``.

    Whitespace is collapsed, cuts fall on word boundaries and are marked with "…";
    the hit is placed about a third into the window so the reader sees what leads to it.
    Only a margin around the hit is looked at, so long articles cost no more than short ones.
    """
    margin = 4 * width + (end - start)
    raw_lo, raw_hi = max(0, start - margin), min(len(prepared), end + margin)
    before = _WHITESPACE_RE.sub(" ", prepared[raw_lo:start])
    if raw_lo == 0:
        before = before.lstrip()
    hit = _WHITESPACE_RE.sub(" ", prepared[start:end])
    after = _WHITESPACE_RE.sub(" ", prepared[end:raw_hi])
    if raw_hi == len(prepared):
        after = after.rstrip()
    full = before + hit + after
    hit_start, hit_end = len(before), len(before) + len(hit)
    lo = max(0, hit_start - width // 3)
    hi = min(len(full), max(lo + width, hit_end))
    if hi - lo < width:
        lo = max(0, hi - width)
    cut_lo, cut_hi = lo > 0 or raw_lo > 0, hi < len(full) or raw_hi < len(prepared)
    if cut_lo and (lo == 0 or full[lo - 1] != " "):
        space = full.find(" ", lo, hit_start)
        lo = space + 1 if space != -1 else hit_start
    if cut_hi and (hi == len(full) or full[hi] != " "):
        space = full.rfind(" ", hit_end, hi)
        hi = space if space != -1 else hit_end
    piece = full[lo:hi].strip()
    return ("…" if cut_lo else "") + piece + ("…" if cut_hi else "")
