"""Word forms: the normal form (lemma) a folded token is matched by, in a document's language.

Topic terms match inflected forms (геев, геям -> гей; detained -> detain) because both the
query term and the document's tokens are reduced to lemmas in the same language before
they are compared. The lemmas come from libraries, not from rules written here:

* pymorphy3 (OpenCorpora dictionary plus suffix prediction) for Russian: it also gives
  surnames and place names in oblique cases (Кадырову, Вершининой) and new words a lemma,
  which simplemma leaves as written, and it loads ~10x faster than simplemma's Russian data;
* simplemma (dictionary lookup, ~50 languages) for every other language it has data for,
  with its low-memory data (the fast data costs ~5x the memory in every worker).

docs/benchmarks.md ("Topic queries") has the measurements behind the choice.

The language of a token is the document's when the token is written in that language's
script, otherwise the main language of the token's script (a Latin "LGBT" in a Russian
article is lemmatised as English, a Cyrillic quote in an English one as Russian), so a term
meets its word forms whatever language the article is labelled with. A term in one script
never meets a word in another (``геи`` is not ``gay``); cross-script names are the job of
:mod:`pipeline.translit`.

Documents' words are memoised per process and language (:class:`Lexicon`): the vocabulary
of news is Zipfian, so after a few hundred articles almost every word is already known.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import simplemma
from simplemma.strategies.dictionaries.dictionary_factory import SUPPORTED_LANGUAGES

__all__ = [
    "SUPPORTED_LANGUAGES",
    "Languages",
    "Lexicon",
    "language_of",
    "languages_of",
    "lemma",
    "lexicon",
    "script_of",
]

_CYRILLIC_LANGUAGES = frozenset({"ru", "uk", "bg", "mk", "hbs"}) & SUPPORTED_LANGUAGES
_GREEK_LANGUAGES = frozenset({"el", "grc"}) & SUPPORTED_LANGUAGES
_SCRIPT_DEFAULT = {"latn": "en", "cyrl": "ru", "grek": "el"}
_SCRIPT_OF_LANGUAGE = {
    lang: "cyrl" if lang in _CYRILLIC_LANGUAGES else "grek" if lang in _GREEK_LANGUAGES
    else "other" if lang in {"ar", "fa", "he", "hi", "hy", "ka", "ml"} else "latn"
    for lang in SUPPORTED_LANGUAGES
}  # fmt: skip
_CACHE_SIZE = 1 << 18  # words per Lexicon; tens of MB at most, a few MB in practice


def script_of(word: str) -> str:
    """``latn``, ``cyrl``, ``grek`` or ``other`` after the first letter of a folded word."""
    for ch in word:
        if ch.isalpha():
            if ch < "ɏ":
                return "latn"
            if "Ѐ" <= ch <= "ԯ":
                return "cyrl"
            if "Ͱ" <= ch <= "Ͽ" or "ἀ" <= ch <= "῾":
                return "grek"
            return "other"
    return "other"


@lru_cache(maxsize=1024)
def _document_language(code: str) -> str:
    """``en-GB`` -> ``en``; "" when the code names no language simplemma has data for."""
    base = code.strip().lower().replace("_", "-").split("-", 1)[0]
    if base in ("sr", "hr", "bs"):
        base = "hbs"
    elif base == "no":
        base = "nb"
    return base if base in SUPPORTED_LANGUAGES else ""


Languages = tuple[str, ...]


@lru_cache(maxsize=4096)
def languages_of(script: str, document_language: str) -> Languages:
    """The dictionaries that lemmatise a word of ``script`` in a document labelled as given.

    The document's language first when it is written in that script, then the script's
    main language (English words in a German article, Russian in a Ukrainian one).
    """
    lang = _document_language(document_language or "")
    default = _SCRIPT_DEFAULT.get(script, "")
    if lang and _SCRIPT_OF_LANGUAGE.get(lang, "other") == script:
        return (lang,) if lang == default or not default else (lang, default)
    return (default,) if default else ()


def language_of(word: str, document_language: str) -> Languages:
    """The dictionaries for ``word`` (see :func:`languages_of`)."""
    return languages_of(script_of(word), document_language)


@lru_cache(maxsize=1 << 12)  # query terms and repeats; documents go through a Lexicon
def lemma(word: str, lang: Languages) -> str:
    """The lemma of a folded token (see :mod:`pipeline.textnorm`), itself if none is known.

    Russian goes to pymorphy3 (dictionary plus prediction: surnames and new words get a
    lemma too); other languages to simplemma, in order, then to pymorphy3 when Russian is a
    fallback and simplemma knows nothing. Digits and unsupported languages are returned
    unchanged: a number or an unknown language still matches exactly. The result is folded
    like a token (lower case, ё -> е).
    """
    if not lang or not word.isalpha():
        return word
    others = tuple(code for code in lang if code != "ru")
    if others:
        found = simplemma.lemmatize(word, lang=others, low_memory=True)
        if found != word or "ru" not in lang or simplemma.is_known(word, others, low_memory=True):
            return _fold(found)
    return _fold(_pymorphy_lemma(word))


def _fold(word: str) -> str:
    return word.casefold().replace("ё", "е")


@lru_cache(maxsize=1)
def _morph():  # type: ignore[no-untyped-def]
    import pymorphy3

    # result_type=None: plain tuples (word, tag, normal_form, score, methods), ~40 % faster
    return pymorphy3.MorphAnalyzer(result_type=None)


def _pymorphy_lemma(word: str) -> str:
    parses = _morph().parse(word)
    return str(parses[0][2]) if parses else word


class Lexicon:
    """Per-process memo for documents of one language: word -> lemma, lemma -> words.

    A document's vocabulary is :meth:`learn`-ed once (a set difference finds the words not
    seen before, at C speed); after that "does this document hold a form of lemma L" is
    ``vocabulary.isdisjoint(words_of[L])``, with no per-document lemma table at all.
    ``generation`` changes when the memo is emptied (past ``_CACHE_SIZE`` words) so that
    holders of derived memos know to drop them.
    """

    __slots__ = ("language", "lemma_of", "words_of", "order", "generation", "_selections")

    def __init__(self, language: str) -> None:
        self.language = language
        self.lemma_of: dict[str, str] = {}
        self.words_of: dict[str, list[str]] = {}
        self.order: list[str] = []  # words in the order they were learned
        self.generation = 0
        self._selections: dict[str, tuple[list[int], set[str]]] = {}

    def learn(self, words: set[str]) -> int:
        """Make sure every word of ``words`` is known; returns the generation."""
        missing = words.difference(self.lemma_of)
        if missing:
            if len(self.lemma_of) + len(missing) > _CACHE_SIZE:
                self.lemma_of.clear()
                self.words_of.clear()
                self.order.clear()
                self._selections.clear()
                self.generation += 1
                missing = set(words)
            language = self.language
            for word in missing:
                found = self.lemma_of[word] = lemma(word, language_of(word, language))
                self.words_of.setdefault(found, []).append(word)
            self.order.extend(missing)
        return self.generation

    def select(self, key: str, test: Callable[[str, str], bool]) -> set[str]:
        """Every learned word ``w`` with ``test(w, lemma)``, memoised under ``key``.

        Each word is tested once per key, when first needed after it was learned, so a
        wildcard or a name costs a set intersection per document, not a scan of its words.
        """
        memo = self._selections.get(key)
        if memo is None:
            memo = self._selections[key] = ([0], set())
        upto, hits = memo
        order = self.order
        if upto[0] < len(order):
            lemma_of = self.lemma_of
            hits.update(w for w in order[upto[0] :] if test(w, lemma_of[w]))
            upto[0] = len(order)
        return hits


@lru_cache(maxsize=64)
def lexicon(document_language: str) -> Lexicon:
    """The memo for documents labelled ``document_language`` (one per label, per process)."""
    return Lexicon(document_language)
