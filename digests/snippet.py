"""The sentence or two of an article that show why it matched, with the matched words marked.

Chosen from the article's text when the digest is built (the stored match snippet is a fixed
character window, often a byline or the title again): paragraphs that are bylines or
datelines are skipped, so is a sentence that repeats the title, and the sentence with the most
distinct matched words wins, joined by its neighbour when it is short. A snippet is a tuple
of ``(text, hit)`` pieces, so that each format marks the hits its own way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

Piece = tuple[str, bool]
Snippet = tuple[Piece, ...]

MAX_CHARS = 320
_SHORT = 110  # a best sentence shorter than this takes its neighbour along
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'»”)]?\s+(?=[\"'«“(]?[^\W\d_a-zа-яё]|\d)")
_WORD = re.compile(r"\w+")
_TIME = re.compile(r"\b\d{1,2}[:.h]\d{2}\b")
_DATE = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b|\b\d{1,2}\s+\w+\s+\d{4}\b|\b\w+\s+\d{1,2},\s+\d{4}\b"
)
_BYLINE_WORDS = re.compile(
    r"^\s*(by|von|par|por|от|автор[ы]?)\b|\b(published|updated|posted|last modified|"
    r"опубликовано|обновлено|veröffentlicht|aktualisiert|publié|mis à jour)\b\s*:?",
    re.IGNORECASE,
)
# "MOSCOW (Reuters) - ", "BERLIN, May 20 — ": a place in capitals, then a dash
_DATELINE = re.compile(
    r"^[A-ZА-ЯЁ][A-ZА-ЯЁ .'-]{2,40}(\s*\([^)]{1,40}\))?(,[^—–-]{1,30})?\s+[—–-]+\s+"
)


def matched_words(raw_terms: Iterable[str]) -> list[re.Pattern[str]]:
    """One pattern per stored matched term (the one place that reads the stored format).

    A term is a word, a prefix ending in ``*`` or a phrase; a plain word also finds its
    inflected forms that extend it by a few letters (election -> elections).
    """
    patterns = []
    for term in raw_terms:
        term = (term or "").strip().strip('"').lower()
        if not term:
            continue
        words = term.split()
        parts = []
        for i, word in enumerate(words):
            prefix = word.endswith("*")
            stem = re.escape(word.rstrip("*"))
            if not stem:
                continue
            tail = r"\w*" if prefix else (r"\w{0,3}" if i == len(words) - 1 else "")
            parts.append(stem + tail)
        if parts:
            patterns.append(re.compile(r"(?<!\w)" + r"\W+".join(parts) + r"(?!\w)", re.I))
    return patterns


def is_byline(paragraph: str) -> bool:
    """A short paragraph that names authors or the publication time, not news."""
    text = paragraph.strip()
    if len(text) > 160:
        return False
    if _BYLINE_WORDS.search(text):
        return True
    return bool(_TIME.search(text) and _DATE.search(text))


def sentences(text: str, title: str = "") -> list[str]:
    """The article's sentences, without bylines, datelines or a repeat of the title."""
    norm_title = _norm(title)
    out = []
    for paragraph in re.split(r"\n\s*\n|\n", text):
        paragraph = " ".join(paragraph.split())
        if not paragraph or is_byline(paragraph):
            continue
        paragraph = _DATELINE.sub("", paragraph)
        for sentence in _SENTENCE_END.split(paragraph):
            sentence = sentence.strip()
            if not sentence or is_byline(sentence):
                continue
            if norm_title and _norm(sentence) in (norm_title, norm_title + "."):
                continue
            if (
                norm_title
                and _norm(sentence).startswith(norm_title)
                and len(sentence) < len(title) + 25
            ):
                continue
            out.append(sentence)
    return out


def _norm(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def best_snippet(text: str, title: str, raw_terms: Sequence[str]) -> Snippet:
    """The best sentence or two containing the matched words, as marked pieces."""
    patterns = matched_words(raw_terms)
    found = sentences(text, title)
    if not found:
        return ()
    scores = [len({p.pattern for p in patterns if p.search(s)}) for s in found]
    best = max(range(len(found)), key=lambda i: (scores[i], -i))
    chosen = found[best]
    if len(chosen) < _SHORT and best + 1 < len(found):
        chosen += " " + found[best + 1]
    elif len(chosen) < _SHORT and best > 0:
        chosen = found[best - 1] + " " + chosen
    return mark(_shorten(chosen, patterns), patterns)


def _shorten(text: str, patterns: Sequence[re.Pattern[str]]) -> str:
    """At most MAX_CHARS, cut at words around the first hit, marked by one '…' per cut."""
    if len(text) <= MAX_CHARS:
        return text
    first = min((m.start() for p in patterns if (m := p.search(text))), default=0)
    lo = max(0, first - MAX_CHARS // 3)
    if lo > 0:
        space = text.find(" ", lo)
        lo = space + 1 if 0 <= space < first else lo
    hi = min(len(text), lo + MAX_CHARS)
    if hi < len(text):
        space = text.rfind(" ", lo, hi)
        hi = space if space > lo else hi
    return ("…" if lo > 0 else "") + text[lo:hi].strip() + ("…" if hi < len(text) else "")


def mark(text: str, patterns: Sequence[re.Pattern[str]]) -> Snippet:
    spans: list[tuple[int, int]] = []
    for p in patterns:
        spans += [m.span() for m in p.finditer(text)]
    spans.sort()
    pieces: list[Piece] = []
    at = 0
    for start, end in spans:
        if start < at:
            continue
        if start > at:
            pieces.append((text[at:start], False))
        pieces.append((text[start:end], True))
        at = end
    if at < len(text):
        pieces.append((text[at:], False))
    return tuple(pieces)


def plain(snippet: Snippet) -> str:
    return "".join(t for t, _ in snippet)
