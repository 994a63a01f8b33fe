"""Exact and near-duplicate detection: hashes, signatures and the story index."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path
from types import ModuleType

import pytest

from pipeline.dedup import StoryIndex, content_hash, from_bytes, normalize_text, signature

ROOT = Path(__file__).resolve().parents[1]


def _load_corpus() -> ModuleType:
    path = ROOT / "benchmarks" / "dedup" / "corpus.py"
    spec = importlib.util.spec_from_file_location("dedup_bench_corpus", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


corpus = _load_corpus()


def _article(seed: int, lang: str = "en", paragraphs: int = 9) -> tuple[dict, list[str]]:
    rng = random.Random(seed)
    event = corpus._event(rng, lang)
    return event, corpus._paragraphs(rng, event, paragraphs)


def _text(headline: str, paragraphs: list[str]) -> str:
    return "\n\n".join([headline, *paragraphs])


# -- exact duplicates ---------------------------------------------------------------------


def test_content_hash_ignores_case_whitespace_and_punctuation() -> None:
    a = "The Mayor said:  “Budget cuts are coming.”\n\nMore later..."
    b = "the mayor said budget cuts are coming\nmore later"
    assert content_hash(a) == content_hash(b)
    assert content_hash(a) != content_hash(a.replace("coming", "going"))
    assert content_hash("ПРИВЕТ,   Мир!") == content_hash("привет мир")


def test_normalize_text() -> None:
    assert normalize_text("  Hello,\tWORLD!! ") == "hello world"
    assert normalize_text("Straße") == "strasse"


# -- signatures ---------------------------------------------------------------------------


def test_signature_roundtrip_and_size() -> None:
    _, body = _article(1)
    sig = signature(_text("Headline", body))
    assert len(sig) == 7 + 4 * 128
    assert from_bytes(sig).to_bytes() == sig
    assert len(signature("a b c", num_perm=32)) == 7 + 4 * 32
    with pytest.raises(ValueError):
        from_bytes(b"not a signature")


def test_signature_is_deterministic_across_calls() -> None:
    text = _text("Headline", _article(2)[1])
    assert signature(text) == signature(text)
    assert signature(text) != signature(text + " extra words at the end of it")


def test_empty_text_never_matches() -> None:
    index = StoryIndex()
    index.add(1, signature(""))
    index.add(2, signature("   ...  "))
    assert len(index) == 0
    assert index.best_match(signature("")) is None
    assert index.candidates(signature("")) == []


def test_signature_of_wrong_size_rejected() -> None:
    index = StoryIndex(num_perm=128)
    with pytest.raises(ValueError):
        index.add(1, signature("some words here", num_perm=64))


# -- near duplicates ----------------------------------------------------------------------


def test_truncated_copy_with_new_headline_and_boilerplate_matches() -> None:
    _, body = _article(3, paragraphs=10)
    original = _text("Council approves the new bridge", body + [corpus.WIRE_CREDIT["en"]])
    footer = corpus.FOOTERS["en"][0].format(outlet="River Post")
    copy = _text("Bridge gets green light after long debate", body[:6] + [footer])
    index = StoryIndex(threshold=0.7)
    index.add(10, signature(original))
    index.add(11, signature(_text("Something else entirely", _article(4)[1])))
    match = index.best_match(signature(copy))
    assert match is not None and match[0] == 10
    assert match[1] >= 0.7


def test_same_event_different_text_not_matched() -> None:
    rng = random.Random(5)
    event = corpus._event(rng, "en")
    first = _text("Bridge vote", corpus._paragraphs(rng, event, 9))
    second = _text("Bridge vote", corpus._paragraphs(rng, event, 9))
    index = StoryIndex(threshold=0.7)
    index.add(1, signature(first))
    assert index.best_match(signature(second)) is None
    assert index.similarity(signature(first), signature(second)) < 0.3


def test_cyrillic_copies_matched() -> None:
    _, body = _article(6, lang="ru", paragraphs=8)
    original = _text("Мэрия одобрила строительство моста", body)
    copy = _text(
        "Мост всё-таки построят", body[:5] + [corpus.FOOTERS["ru"][1].format(outlet="Вести")]
    )
    other = _text("Другая новость", _article(7, lang="ru")[1])
    index = StoryIndex()
    index.add(1, signature(original))
    index.add(2, signature(other))
    match = index.best_match(signature(copy))
    assert match is not None and match[0] == 1
    assert index.best_match(signature(_text("Третья новость", _article(8, lang="ru")[1]))) is None


def test_cyrillic_tokenised_as_words() -> None:
    # with an ASCII-only tokeniser every Cyrillic text would be empty and look identical
    a = signature("Мэр города заявил во вторник что бюджет будет пересмотрен")
    b = signature("Губернатор области сообщил в среду что налоги будут снижены")
    assert from_bytes(a).shingles > 0 and from_bytes(b).shingles > 0
    assert a != b


def test_boilerplate_heavy_briefs_not_merged() -> None:
    """Distinct short items that are mostly one shared footer: the footer becomes known as
    boilerplate after a few items and stops merging them (without the statistics, all 60
    would collapse into one story)."""
    footers = [corpus.FOOTERS["en"][i].format(outlet="Harbour Times") for i in range(4)]
    footer = " ".join([*footers, corpus.WIRE_CREDIT["en"]])
    index = StoryIndex(common_min=5)
    merged = []
    for i in range(60):
        _, body = _article(100 + i, paragraphs=1)
        if index.assign(i, signature(_text(f"Brief {i}", [*body, footer]))) is not None:
            merged.append(i)
    assert len(merged) <= 5
    assert all(i < 10 for i in merged)


def test_rebuild_from_rows_gives_same_candidates() -> None:
    docs = corpus.generate(300, seed=11)
    rows = [(d.doc_id, signature(d.text)) for d in docs]
    live = StoryIndex()
    for article_id, sig in rows:
        live.add(article_id, sig)
    rebuilt = StoryIndex.rebuild(rows)
    assert len(rebuilt) == len(live) == 300
    for _, sig in rows[:100]:
        assert rebuilt.candidates(sig) == live.candidates(sig)
        assert rebuilt.best_match(sig) == live.best_match(sig)


def test_rebuild_skips_bad_rows() -> None:
    rows = [(1, signature("alpha beta gamma delta epsilon zeta")), (2, b"garbage")]
    assert len(StoryIndex.rebuild(rows)) == 1


def test_save_and_load(tmp_path: Path) -> None:
    docs = corpus.generate(200, seed=12)
    index = StoryIndex()
    for d in docs:
        index.assign(d.doc_id, signature(d.text))
    path = tmp_path / "index.npz"
    index.save(path)
    loaded = StoryIndex.load(path)
    assert len(loaded) == len(index)
    for d in docs[:50]:
        sig = signature(d.text)
        assert loaded.candidates(sig) == index.candidates(sig)


def test_remove() -> None:
    text = _text("A", _article(9)[1])
    index = StoryIndex()
    index.add(1, signature(text))
    index.remove(1)
    index.remove(1)
    assert len(index) == 0
    assert index.best_match(signature(text)) is None


# -- the labelled benchmark set -----------------------------------------------------------


def test_labelled_set_precision_and_recall() -> None:
    docs = corpus.generate(1200, seed=20240601)
    index = StoryIndex(threshold=0.7)
    story_of: dict[int, int] = {}
    for d in docs:
        match = index.assign(d.doc_id, signature(d.text))
        story_of[d.doc_id] = story_of[match[0]] if match else d.doc_id
    precision, recall, true_pairs, _ = corpus.pairwise_scores(
        [d.story for d in docs], [story_of[d.doc_id] for d in docs]
    )
    assert true_pairs > 500  # the set really contains copies
    assert precision >= 0.99
    assert recall >= 0.95
