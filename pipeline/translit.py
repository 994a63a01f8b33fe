"""Names across scripts: one comparison key for Kadyrov and Кадыров, Grozny and Грозный.

Cyrillic is romanised by cyrtranslit, whose Russian output is scholarly (Кадыров ->
``kady'rov``, Грозный -> ``grozny'j``, Ельцин -> ``el'czin``), while the press writes
Kadyrov, Grozny, Yeltsin, and not always the same way (Dmitry/Dmitriy, Shoigu/Shoygu,
Mikhail/Mihail). Rather than pick one spelling, both sides are reduced to a *skeleton*
that the common spellings share: apostrophes dropped, ``kh`` -> ``h``, ``ts``/``tz``/``cz``
-> ``c``, ``dzh`` -> ``j``, ``x`` -> ``ks``, ``ye``/``yo`` -> ``e``, every ``y``/``j`` -> ``i``, doubled letters
once. So ``grozny'j`` and ``Grozny`` are both ``grozni``, ``el'czin`` and ``Yeltsin`` both
``elcin``. The skeleton is lossy on purpose and is only ever compared across scripts,
for capitalised query terms (see :mod:`pipeline.query`), so it cannot merge two English
or two Russian words.

Exonyms are not transliterations (Moscow/Москва, Chechnya's capital is Grozny but Russia is
not Rossiya): list those as separate terms.
"""

from __future__ import annotations

import re
from functools import lru_cache

import cyrtranslit

__all__ = ["latin_skeleton", "name_key"]

_PAIRS = (
    ("shch", "\x01"),  # щ (press spelling): kept whole through the folds below
    ("shh", "\x01"),  # щ (cyrtranslit)
    ("dzh", "j"),  # Azerbaijan / Азербайджан
    ("kh", "h"),
    ("cz", "c"),
    ("tz", "c"),
    ("ts", "c"),
    ("x", "ks"),
    ("ye", "e"),
    ("yo", "e"),
    ("j", "i"),
    ("y", "i"),
    ("\x01", "shch"),
)
_NOT_LETTER = re.compile(r"[^a-z\x01]+")
_DOUBLED = re.compile(r"(.)\1+")


@lru_cache(maxsize=1 << 16)
def latin_skeleton(latin: str) -> str:
    """The press-spelling-proof skeleton of a Latin word (lower case, letters only)."""
    word = _NOT_LETTER.sub("", latin.lower())
    for old, new in _PAIRS:
        word = word.replace(old, new)
    return _DOUBLED.sub(r"\1", word)


@lru_cache(maxsize=1 << 16)
def name_key(word: str) -> str:
    """The skeleton of a folded word in Latin or Cyrillic; "" for other scripts.

    Cyrillic words should be passed as lemmas (кадыров, not кадырова): the case ending
    would otherwise become part of the name.
    """
    if word.isascii():
        return latin_skeleton(word)
    if any("Ѐ" <= ch <= "ӿ" for ch in word):
        return latin_skeleton(cyrtranslit.to_latin(word, "ru"))
    return ""
