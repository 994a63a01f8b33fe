"""Dedup on the demo newsroom: copies of one text form one story; nothing else merges."""

from __future__ import annotations

from pipeline.urls import canonicalize
from warehouse.query import run_user_sql


def rows(config, sql: str) -> list[tuple]:
    return run_user_sql(config.warehouse_path, sql).rows


def test_articles_minus_stories_equals_the_copies_the_generator_made(crawled, newsroom) -> None:
    config, _, _ = crawled
    [(articles, stories)] = rows(config, "SELECT count(*), count(DISTINCT story_id) FROM articles")
    assert articles - stories == newsroom.copies_made


def test_wire_story_is_one_story_with_its_origin_and_all_copies(crawled, newsroom) -> None:
    config, _, _ = crawled
    by_url = {
        canonicalize(url): (story, outlet)
        for url, story, outlet in rows(
            config, "SELECT canonical_url, story_id, outlet FROM articles"
        )
    }
    for origin in {a.is_copy_of for a in newsroom.articles if a.is_copy_of is not None}:
        family = [newsroom.articles[origin]] + [
            a for a in newsroom.articles if a.is_copy_of == origin
        ]
        stories = {by_url[canonicalize(a.url)][0] for a in family}
        assert len(stories) == 1, [a.title for a in family]
        [(origin_outlet, n_articles, n_outlets)] = rows(
            config,
            f"SELECT origin_outlet, n_articles, n_outlets FROM stories WHERE id = {stories.pop()}",
        )
        assert origin_outlet == newsroom.outlet(newsroom.articles[origin].outlet).name
        assert n_articles == len(family)
        assert n_outlets == len({a.outlet for a in family})


def test_amp_twins_and_tracking_urls_are_one_article(crawled, newsroom) -> None:
    config, _, _ = crawled
    twins = [a for a in newsroom.articles if a.amp_path]
    assert twins
    [(dupes,)] = rows(
        config,
        "SELECT count(*) FROM (SELECT canonical_url FROM articles GROUP BY 1 HAVING count(*) > 1)",
    )
    assert dupes == 0
    stored = {canonicalize(r[0]) for r in rows(config, "SELECT url FROM article_urls")}
    for article in twins:
        assert canonicalize(article.url) in stored
