"""Trend views on the crawled demo newsroom, checked against counts made independently here."""

from __future__ import annotations

from collections import defaultdict

from mediawatch.demo import DEMO_TOPIC
from pipeline.query import MatchDoc, compile_query
from warehouse.connection import opened
from warehouse.trends import spikes

TOPIC = DEMO_TOPIC["name"]


def test_topic_daily_equals_an_independent_count(crawled) -> None:
    config, _, _ = crawled
    query = compile_query(DEMO_TOPIC["query"])
    with opened(config.warehouse_path, read_only=True) as con:
        rows = con.execute(
            "SELECT id, title, text, outlet, language, story_id,"
            " CAST(timezone('UTC', coalesce(published_at, first_seen_at)) AS DATE)"
            " FROM articles"
        ).fetchall()
        view = {
            day: (articles, stories, outlets)
            for day, articles, stories, outlets in con.execute(
                "SELECT day, articles, stories, outlets FROM topic_daily WHERE topic = ?", [TOPIC]
            ).fetchall()
        }
    expected: dict = defaultdict(lambda: [0, set(), set()])
    for _, title, text, outlet, language, story, day in rows:
        if query.match(MatchDoc(title=title, text=text, outlet=outlet, language=language or "")):
            expected[day][0] += 1
            expected[day][1].add(story)
            expected[day][2].add(outlet)
    assert expected, "the demo newsroom covers the topic"
    assert view == {d: (n, len(s), len(o)) for d, (n, s, o) in expected.items()}


def test_the_planted_spike_is_found_on_its_day_and_no_other(crawled, newsroom) -> None:
    config, _, _ = crawled
    with opened(config.warehouse_path, read_only=True) as con:
        found = spikes(con, TOPIC)
    assert [s.day for s in found] == [newsroom.spike_day]
    assert found[0].terms and found[0].top_outlets
