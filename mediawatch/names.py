"""Matching a name typed on the command line to a configured one (topics, config keys).

A user types ``trends Chechnya`` for the topic ``chechnya``, or ``outlet`` for ``outlets``:
an exact match wins, then the one name equal to it ignoring case; otherwise the closest
names are offered as "did you mean".
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def resolve(name: str, known: Iterable[str]) -> str | None:
    """``name`` itself if known, else the one known name equal to it ignoring case, else None
    (also when two names differ only in case: then the user must say which)."""
    names = sorted(set(known))
    if name in names:
        return name
    folded = [k for k in names if k.casefold() == name.casefold()]
    return folded[0] if len(folded) == 1 else None


def suggest(name: str, known: Iterable[str], n: int = 2) -> list[str]:
    """The known names closest to ``name`` (case ignored), best first."""
    names = sorted(set(known))
    by_folded: dict[str, list[str]] = {}
    for k in names:
        by_folded.setdefault(k.casefold(), []).append(k)
    close = difflib.get_close_matches(name.casefold(), list(by_folded), n=n, cutoff=0.6)
    return [k for folded in close for k in by_folded[folded]][:n]


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """' (did you mean 'x'?)' or '' when nothing is close."""
    close = suggest(name, known)
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(c) for c in close) + "?)"
