"""Marking the words a topic query matched, using the query engine itself.

Each positive term of the query (and each word of a phrase) is compiled on its own and
tried against single words of the text, so highlighting follows exactly what matching
does (case, accents, ё/е, wildcards, and any word forms the engine learns) instead of
re-implementing it here.
"""

from __future__ import annotations

import re

from pipeline.query import CompiledQuery, MatchDoc, QueryError, compile_query

_WORD = re.compile(r"\w+", re.UNICODE)
_PROXIMITY = re.compile(r"~\d*$")
Segment = tuple[str, bool]  # (text, matched)


def word_matchers(query: CompiledQuery) -> list[CompiledQuery]:
    """One single-word query per positive word of ``query``."""
    matchers: list[CompiledQuery] = []
    for term in query.terms():
        words = _PROXIMITY.sub("", term).strip('"').split()
        for word in words:
            try:
                matchers.append(compile_query(word.strip('"')))
            except QueryError:
                continue
    return matchers


def segments(text: str, matchers: list[CompiledQuery], limit: int = 5000) -> list[Segment]:
    """``text`` cut into runs, each flagged when it is a word one of ``matchers`` accepts."""
    text = text[:limit]
    out: list[Segment] = []
    pos = 0
    seen: dict[str, bool] = {}
    for found in _WORD.finditer(text):
        word = found.group(0)
        hit = seen.get(word)
        if hit is None:
            doc = MatchDoc(title="", text=word)
            hit = seen[word] = any(m.test(doc) for m in matchers)
        if hit:
            if found.start() > pos:
                out.append((text[pos : found.start()], False))
            out.append((word, True))
            pos = found.end()
    if pos < len(text):
        out.append((text[pos:], False))
    return out
