"""Text composition from the sentence banks: titles, bodies, updates, comments.

Every function takes its own ``random.Random`` so that a page's text depends only on the
seed and the article, never on the order in which pages are requested.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from random import Random
from types import ModuleType

from mediawatch.newsroom import bank_en, bank_ru

CATEGORIES: tuple[str, ...] = ("politics", "economy", "sport", "weather", "culture", "science")
TOPIC_SECTION = "world"


@dataclass(frozen=True, slots=True)
class Bank:
    language: str
    slots: Mapping[str, tuple[str, ...]]
    categories: Mapping[str, Mapping[str, tuple[str, ...]]]
    generic: tuple[str, ...]
    topic_titles: tuple[str, ...]
    topic_ledes: tuple[str, ...]
    topic_sentences: tuple[str, ...]
    updates: tuple[str, ...]
    topic_updates: tuple[str, ...]
    openers: tuple[str, ...]
    tails: tuple[str, ...]
    frames: tuple[Mapping[str, tuple[str, ...]], ...]
    topic_frames: tuple[Mapping[str, tuple[str, ...]], ...]
    comments: tuple[str, ...]
    commenters: tuple[str, ...]
    ads: tuple[str, ...]


def _bank_from(module: ModuleType, language: str) -> Bank:
    return Bank(
        language=language,
        slots=module.SLOTS,
        categories=module.CATEGORIES,
        generic=module.GENERIC,
        topic_titles=module.TOPIC_TITLES,
        topic_ledes=module.TOPIC_LEDES,
        topic_sentences=module.TOPIC_SENTENCES,
        updates=module.UPDATE_SENTENCES,
        topic_updates=module.TOPIC_UPDATE_SENTENCES,
        openers=module.OPENERS,
        tails=module.TAILS,
        frames=module.FRAMES,
        topic_frames=module.TOPIC_FRAMES,
        comments=module.COMMENTS,
        commenters=module.COMMENTERS,
        ads=module.ADS,
    )


@lru_cache(maxsize=2)
def bank(language: str) -> Bank:
    if language == "ru":
        return _bank_from(bank_ru, "ru")
    return _bank_from(bank_en, "en")


@lru_cache(maxsize=4096)
def _fields(template: str) -> tuple[str, ...]:
    return tuple(name for _, name, _, _ in string.Formatter().parse(template) if name)


def fill(template: str, rng: Random, slots: Mapping[str, tuple[str, ...]]) -> str:
    """Fill ``{slot}`` / ``{slot2}`` placeholders; numbered twins get a different value."""
    values: dict[str, str] = {}
    for name in _fields(template):
        if name in values:
            continue
        base = name.rstrip("0123456789")
        choices = slots[base]
        taken = {v for k, v in values.items() if k.rstrip("0123456789") == base}
        options = [c for c in choices if c not in taken] or list(choices)
        values[name] = rng.choice(options)
    text = template.format(**values) if values else template
    return text[:1].upper() + text[1:]


def title(rng: Random, language: str, category: str, topic: bool) -> str:
    b = bank(language)
    pool = b.topic_titles if topic else b.categories[category]["titles"]
    return fill(rng.choice(pool), rng, b.slots)


def clause(rng: Random, b: Bank, topic: bool) -> str:
    """One sentence from the clause grammar (see ``bank_en.FRAMES``)."""
    frame = rng.choice(b.topic_frames if topic else b.frames)
    subject, verb = rng.choice(frame["subjects"]), rng.choice(frame["verbs"])
    obj, predicate = rng.choice(frame["objects"]), rng.choice(frame["predicates"])
    tail = rng.choice(b.tails)
    if b.language == "ru":
        core = f"{subject} {verb}, что {obj} {predicate}{tail}."
        template = f"{rng.choice(b.openers)}, {core}" if rng.random() < 0.5 else core
    else:
        core = f"{subject} {verb} that {obj} {predicate}{tail}."
        template = f"{rng.choice(b.openers)} {core}" if rng.random() < 0.5 else core
    return fill(template, rng, b.slots)


def body(
    rng: Random, language: str, category: str, topic: bool, min_words: int, max_words: int
) -> tuple[str, ...]:
    """Paragraphs of 1-4 sentences whose total length lands in [min_words, max_words]."""
    b = bank(language)
    if topic:
        own = list(b.topic_sentences)
        filler = list(b.generic[:4])
    else:
        own = list(b.categories[category]["sentences"])
        filler = list(b.generic)
    rng.shuffle(own)
    rng.shuffle(filler)
    target = rng.randint(min_words, max_words)
    sentences: list[str] = [fill(rng.choice(b.topic_ledes), rng, b.slots)] if topic else []
    words = len(sentences[0].split()) if sentences else 0
    pool = own + filler
    while words < target:
        if not pool:  # bank exhausted: start again with fresh slot values
            pool = own + filler
            rng.shuffle(pool)
        # Half the sentences come from the clause grammar, half from the bank.
        grammar = rng.random() < 0.5
        sentence = clause(rng, b, topic) if grammar else fill(pool.pop(0), rng, b.slots)
        n = len(sentence.split())
        if words + n > max_words and words >= min_words:
            break
        sentences.append(sentence)
        words += n
    paragraphs: list[str] = []
    i = 0
    while i < len(sentences):
        k = 1 if i == 0 else rng.randint(2, 4)  # a one-sentence lede, as papers do
        paragraphs.append(" ".join(sentences[i : i + k]))
        i += k
    return tuple(paragraphs)


def update_sentence(rng: Random, language: str, topic: bool) -> str:
    b = bank(language)
    return fill(rng.choice(b.topic_updates if topic else b.updates), rng, b.slots)


def comments(rng: Random, language: str) -> list[tuple[str, str]]:
    b = bank(language)
    k = rng.randint(3, 6)
    names = rng.sample(b.commenters, k)
    texts = rng.sample(b.comments, k)
    return list(zip(names, texts, strict=True))


def ad(rng: Random, language: str) -> str:
    return rng.choice(bank(language).ads)


def slugify(text: str, max_words: int = 8) -> str:
    """ASCII slug from an English title (Russian outlets use numeric paths instead)."""
    cleaned = "".join(ch.lower() if ch.isascii() and ch.isalnum() else " " for ch in text)
    return "-".join(cleaned.split()[:max_words]) or "story"
