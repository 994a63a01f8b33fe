"""topic_matches keeps what was written: matched_forms, matched_words, spike drivers."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
from test_trends import SPIKE_DAY, planted  # noqa: F401  (fixture)

from warehouse.connection import opened
from warehouse.matches import FORMS_TYPE, forms_rows, replace_topic_matches
from warehouse.trends import spikes


def test_spike_drivers_count_the_words_as_written(planted) -> None:  # noqa: F811
    path, articles, matches = planted
    with opened(path) as con:
        on_day = [
            aid
            for (aid,) in con.execute(
                "SELECT article_id FROM topic_articles WHERE topic = 'wave' AND day = ?",
                [SPIKE_DAY],
            ).fetchall()
        ]
        # two forms of one lemma, written in two cases in one article: counted once per word
        forms = forms_rows([("гей", "Геев", "гей"), ("гей", "геев", "гей"), ("гей", "геям", "гей")])
        for aid in on_day[:4]:
            con.execute(
                "UPDATE topic_matches SET matched_forms = ? WHERE topic = 'wave' AND article_id = ?",
                [forms, aid],
            )
        drivers = dict(
            con.execute(
                "SELECT name, articles FROM spike_drivers WHERE topic = 'wave' AND kind = 'term'"
            ).fetchall()
        )
        found = spikes(con, "wave")
    n_old_gay = sum(
        1 for t, aid, terms in matches if t == "wave" and aid in on_day[4:] and "gay" in terms
    )
    assert drivers["геев"] == 4 and drivers["геям"] == 4
    assert drivers["gay"] == n_old_gay  # rows without forms (before 0010) keep their terms
    assert dict(found[0].terms)["геев"] == 4  # trends.spikes counts the same way


def test_replace_topic_matches_stores_forms(warehouse) -> None:
    new = pa.table(
        {
            "article_id": pa.array([1, 2], pa.int64()),
            "matched_terms": pa.array([["Kadyrov"], ["гей"]], pa.list_(pa.string())),
            "matched_forms": pa.array(
                [
                    forms_rows([("Kadyrov", "Кадырова", "кадыров")]),
                    forms_rows([("гей", "геев", "гей")]),
                ],
                FORMS_TYPE,
            ),
            "snippet": pa.array(["a", "b"], pa.string()),
        }
    )
    now = datetime(2026, 5, 1, tzinfo=UTC)
    with opened(warehouse) as con:
        assert replace_topic_matches(con, "t", new, now) == (2, 0)
        rows = con.execute(
            "SELECT article_id, matched_forms FROM topic_matches ORDER BY article_id"
        ).fetchall()
    assert rows[0][1] == [{"term": "Kadyrov", "surface": "Кадырова", "normal": "кадыров"}]
    assert rows[1][1][0]["surface"] == "геев"
