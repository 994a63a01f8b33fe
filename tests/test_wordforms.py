"""Lemmas in the document's language, from simplemma and pymorphy3."""

from __future__ import annotations

import pytest

from pipeline.wordforms import Lexicon, language_of, languages_of, lemma, script_of


@pytest.mark.parametrize(
    ("words", "lang", "expected"),
    [
        (["геи", "геев", "геям", "геями", "геях", "гей"], "ru", "гей"),
        (["задержан", "задержаны", "задержали", "задержать"], "ru", "задержать"),
        (["чечне", "чечни", "чечня"], "ru", "чечня"),
        (["кадырова", "кадырову", "кадыровым"], "ru", "кадыров"),  # pymorphy3: unknown to simplemma
        (["detained", "detains", "detaining", "detain"], "en", "detain"),
        (["groups", "group"], "en", "group"),
        (["men", "man"], "en", "man"),
        (["menschen", "mensch"], "de", "mensch"),
    ],
)
def test_inflected_forms_share_a_lemma(words: list[str], lang: str, expected: str) -> None:
    assert {lemma(w, language_of(w, lang)) for w in words} == {expected}


def test_different_words_keep_different_lemmas() -> None:
    ru, en = ("ru",), ("en",)
    assert lemma("геи", ru) != lemma("гены", ru)
    assert lemma("news", en) != lemma("new", en)
    assert lemma("гей", ru) != lemma("gay", en)  # no translation between languages


def test_language_follows_the_script_of_the_word() -> None:
    assert (
        script_of("геи") == "cyrl" and script_of("gay") == "latn" and script_of("2024") == "other"
    )
    assert language_of("lgbt", "ru") == ("en",)  # a Latin word in a Russian article
    assert language_of("геи", "en-GB") == ("ru",)  # a Cyrillic quote in an English one
    assert language_of("groups", "de") == ("de", "en")  # German first, then English
    assert languages_of("cyrl", "uk") == ("uk", "ru")
    assert language_of("gay", "xx") == ("en",)  # an unknown label: the script decides


def test_numbers_and_unknown_scripts_stay_as_written() -> None:
    assert lemma("2024", ()) == "2024"
    assert lemma("covid19", ("en",)) == "covid19"


def test_lexicon_learns_each_word_once_and_selects_by_lemma() -> None:
    lex = Lexicon("ru")
    generation = lex.learn({"геев", "геям", "суд"})
    assert sorted(lex.words_of["гей"]) == ["геев", "геям"]
    calls: list[str] = []

    def test(word: str, root: str) -> bool:
        calls.append(word)
        return root.startswith("ге")

    assert lex.select("ge", test) == {"геев", "геям"}
    assert lex.select("ge", test) == {"геев", "геям"} and len(calls) == 3  # memoised
    lex.learn({"геях"})
    assert lex.select("ge", test) == {"геев", "геям", "геях"} and len(calls) == 4
    assert lex.generation == generation
