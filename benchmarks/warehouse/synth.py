"""Seeded synthetic articles written straight into a warehouse (Arrow -> INSERT), fast.

Not realistic prose: filler words plus topic words at fixed rates, spread over
``days`` days and ``outlets`` outlets, with stories of one to four copies and one
planted burst for the first topic, so that trend views, spikes and rematch have
something to find at any size.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb
import pyarrow as pa

from warehouse.connection import transaction
from warehouse.store import ARTICLE_SCHEMA

# topic name -> (query, words injected into a matching article, share of articles)
TOPICS: dict[str, tuple[str, tuple[str, ...], float]] = {
    "chechnya": (
        "(chechnya OR чечн*) AND (gay OR lgbt* OR гей*)",
        ("chechnya", "gay", "чечне", "геи", "lgbt"),
        0.03,
    ),
    "elections": ('election* AND (fraud OR "ballot stuffing")', ("elections", "fraud"), 0.05),
    "climate": ('"climate change" OR warming', ("climate change", "warming"), 0.08),
    "sanctions": ("title:sanctions", ("sanctions",), 0.02),
    "prices": ("inflation NOT football", ("inflation", "prices"), 0.10),
}

_SYLLABLES = ["ka", "ro", "mi", "te", "lun", "sa", "vo", "der", "pi", "nor", "ex", "tal"]
_RU_SYLLABLES = ["ка", "ро", "ми", "те", "лун", "са", "во", "дер", "пи", "нор"]


@dataclass(frozen=True)
class SynthSpec:
    articles: int = 100_000
    days: int = 180
    outlets: int = 12
    seed: int = 42
    end: datetime = datetime(2026, 6, 30, tzinfo=UTC)
    spike_topic: str = "chechnya"
    spike_days_before_end: int = 20
    spike_extra_share: float = 0.002  # of all articles, on the spike day


def _vocab(rng: random.Random, syllables: list[str], n: int) -> list[str]:
    return ["".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(n)]


def _words(rng: random.Random, vocab: list[str], lo: int, hi: int) -> list[str]:
    return rng.choices(vocab, k=rng.randint(lo, hi))


def generate(con: duckdb.DuckDBPyConnection, spec: SynthSpec, chunk: int = 50_000) -> int:
    """Insert ``spec.articles`` articles in chunks of ``chunk`` rows; return the count."""
    rng = random.Random(spec.seed)
    vocab = {"en": _vocab(rng, _SYLLABLES, 3000), "ru": _vocab(rng, _RU_SYLLABLES, 3000)}
    outlets = [
        (f"outlet-{i:02d}", "ru" if i >= spec.outlets * 2 // 3 else "en")
        for i in range(spec.outlets)
    ]
    start = spec.end - timedelta(days=spec.days)
    spike_day = spec.end - timedelta(days=spec.spike_days_before_end)
    n_spike = int(spec.articles * spec.spike_extra_share)
    spike_words = TOPICS[spec.spike_topic][1]
    written = 0
    story = 0
    while written < spec.articles:
        rows: dict[str, list] = {k: [] for k in _COLUMNS}
        for i in range(written, min(written + chunk, spec.articles)):
            aid = i + 1
            planted = i < n_spike
            if planted:
                at = spike_day + timedelta(seconds=rng.randrange(86_400))
            else:
                at = start + timedelta(seconds=rng.randrange(spec.days * 86_400))
            outlet, lang = outlets[rng.randrange(len(outlets))]
            title = _words(rng, vocab[lang], 5, 9)
            text = _words(rng, vocab[lang], 60, 120)
            for _name, (_query, words, share) in TOPICS.items():
                if rng.random() < share:
                    text[rng.randrange(len(text))] = " ".join(words)
                    title[rng.randrange(len(title))] = words[0]
            if planted:
                text[rng.randrange(len(text))] = " ".join(spike_words)
            if story == 0 or rng.random() > 0.3:
                story = aid  # a new story; otherwise this article copies the previous one's
            body = " ".join(text)
            rows["id"].append(aid)
            rows["url"].append(f"https://{outlet}.example/a/{aid}")
            rows["canonical_url"].append(f"https://{outlet}.example/a/{aid}")
            rows["outlet"].append(outlet)
            rows["title"].append(" ".join(title).capitalize())
            rows["authors"].append([f"Author {aid % 97}"])
            rows["published_at"].append(at if rng.random() > 0.05 else None)
            rows["first_seen_at"].append(at + timedelta(minutes=rng.randrange(1, 180)))
            rows["language"].append(lang)
            rows["text"].append(body)
            rows["word_count"].append(len(body.split()))
            rows["content_hash"].append(f"{aid:016x}")
            rows["story_id"].append(story)
        table = pa.table(rows, schema=_SCHEMA)
        con.register("_synth", table)
        try:
            with transaction(con):
                cols = ", ".join(_COLUMNS)
                con.execute(f"INSERT INTO articles ({cols}) SELECT {cols} FROM _synth")
        finally:
            con.unregister("_synth")
        written += table.num_rows
    return written


# The columns the synthetic rows fill, typed as the warehouse writer types them.
_SCHEMA = pa.schema(
    [
        ARTICLE_SCHEMA.field(name)
        for name in (
            "id", "url", "canonical_url", "outlet", "title", "authors", "published_at",
            "first_seen_at", "language", "text", "word_count", "content_hash", "story_id",
        )
    ]
)  # fmt: skip
_COLUMNS = tuple(_SCHEMA.names)
