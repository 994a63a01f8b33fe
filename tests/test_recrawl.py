"""Re-crawls catch edits (versions, not new articles) and deletions, on the loopback newsroom."""

from __future__ import annotations

import time

import pytest

from pipeline.urls import canonicalize
from spiders.runner import run_crawl, run_recrawl
from warehouse.query import run_user_sql


@pytest.fixture
def small_newsroom_server():
    from mediawatch.newsroom import build_newsroom, serve

    with serve(build_newsroom(seed=11, n_articles=120)) as server:
        yield server


def test_edits_become_versions_and_the_article_stays_one(
    small_newsroom_server, make_config
) -> None:
    server = small_newsroom_server
    newsroom = server.newsroom
    updated = {newsroom.articles[i].outlet for i in newsroom.updated_articles}
    outlets = [
        o
        for o in server.outlet_config()
        if any(o["name"] == newsroom.outlet(k).name for k in updated)
    ]
    config = make_config(outlets, schedule={"recrawl_after_days": [2 / 86_400]})
    first = run_crawl(config)
    assert first.new > 0
    count = run_user_sql(config.warehouse_path, "SELECT count(*) FROM articles").rows[0][0]

    server.set_revision_epoch(1)  # the outlets edit their articles
    time.sleep(2.5)  # the articles reach the re-crawl age
    again = run_recrawl(config)
    assert again.status in ("ok", "partial")
    rows = run_user_sql(
        config.warehouse_path,
        "SELECT a.url, v.words_added, v.words_removed FROM article_versions v"
        " JOIN articles a ON a.id = v.article_id",
    ).rows
    edited = {canonicalize(newsroom.articles[i].url) for i in newsroom.updated_articles}
    versioned = {canonicalize(r[0]) for r in rows}
    assert versioned == edited & _stored_urls(config)
    assert versioned
    assert all(added + removed > 0 for _, added, removed in rows)
    # versions, not new articles
    assert run_user_sql(config.warehouse_path, "SELECT count(*) FROM articles").rows[0][0] == count


def _stored_urls(config) -> set[str]:
    rows = run_user_sql(config.warehouse_path, "SELECT url FROM articles").rows
    return {canonicalize(r[0]) for r in rows}
