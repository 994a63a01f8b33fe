"""A wide sitemap index cannot starve other outlets or discovery modes (issue 18, case 2).

A real crawl of the hostile server: one outlet's sitemap index lists 10,001 children; a
homepage-only outlet and a feed outlet share the run. The budgets of ``spiders.listings``
bound the wide outlet; the others get their turn and lose nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from spiders.listings import ListingBudget, ListingLimits
from spiders.runner import CrawlResult, run_crawl
from tests.hostile.crawl import article_urls, failures, write_config
from tests.hostile.harness import Hostile, hostile_server, outlet

CHILDREN = 20
HOMEPAGE_ARTICLES = 6


@dataclass
class Run:
    hostile: Hostile
    config: object
    result: CrawlResult


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    directory = tmp_path_factory.mktemp("hostile-listings")
    with hostile_server(directory, hosts=3) as h:
        links = [h.url(1, f"/a/home-{i}.html") for i in range(HOMEPAGE_ARTICLES)]
        outlets = [
            outlet(
                "wide-index", h.outlets[0] + "/", discovery=["sitemaps"],
                sitemaps=[h.url(0, "/wide-index", n="10001")],
            ),
            outlet("homepage-only", h.url(1, "/links", link=links), discovery=["homepage"]),
            outlet(
                "feed", h.outlets[2] + "/",
                feeds=[h.url(2, "/rss", link=[h.url(2, f"/a/feed-{i}.html") for i in range(4)])],
            ),
        ]  # fmt: skip
        # the 10,001-child index is ~1.2 MB: under the page limit, so it is parsed
        config = write_config(
            directory, outlets, max_page_bytes=4_000_000, max_sitemap_children=CHILDREN,
            max_pages_per_outlet=30,
        )  # fmt: skip
        result = run_crawl(config, timeout_s=120)
        yield Run(h, config, result)


def _children(run: Run) -> list[int]:
    paths = [e.path for e in run.hostile.requests(0, "/wide-child/")]
    return [int(re.search(r"/wide-child/(\d+)", p).group(1)) for p in paths]  # type: ignore[union-attr]


def test_a_wide_index_is_followed_only_to_its_budget_newest_first(run: Run) -> None:
    assert run.result.status in ("ok", "partial"), run.result.error
    assert sorted(_children(run)) == list(range(CHILDREN))  # the newest, each once


def test_the_cut_index_is_recorded_with_its_own_reason(run: Run) -> None:
    found = [f for f in failures(run.config, "wide-index") if f.reason == "listing-budget"]
    assert len(found) == 1, found
    assert "children: 10001" in found[0].detail and "max_sitemap_children" in found[0].detail


def test_the_other_outlets_and_modes_get_their_turn(run: Run) -> None:
    assert len(article_urls(run.config, "homepage-only")) == HOMEPAGE_ARTICLES
    assert len(article_urls(run.config, "feed")) == 4
    assert run.hostile.forbidden_contacts() == []


# -- the budgets themselves (an injected clock: logic only) --------------------------------
def test_budgets_of_listings_bytes_and_time_each_run_out_and_are_reported_once() -> None:
    now = [0.0]
    budget = ListingBudget(ListingLimits(5, listings=3, bytes=1000, seconds=60), lambda: now[0])
    assert [budget.admit("a") for _ in range(3)] == [None, None, None]
    assert budget.admit("a") == ("listings", "3 listings fetched (max_listings)")
    assert budget.admit("b") is None  # another outlet has its own budget
    budget.charge("b", 2000)
    assert budget.admit("b")[0] == "bytes"  # type: ignore[index]
    assert budget.admit("c") is None
    now[0] = 61.0
    assert budget.admit("c")[0] == "time"  # type: ignore[index]
    assert budget.first_time("c", "time") and not budget.first_time("c", "time")
    assert budget.children([f"c{i}" for i in range(8)]) == ([f"c{i}" for i in range(5)], 3)


def test_each_discovery_round_has_its_own_budget_and_old_rounds_are_forgotten() -> None:
    budget = ListingBudget(ListingLimits(5, listings=1, bytes=1000, seconds=60))
    assert budget.admit("a", "r1") is None and budget.admit("a", "r1") is not None
    assert budget.admit("a", "r2") is None
    for i in range(10):
        budget.admit("a", f"later-{i}")
    assert len(budget._spent) <= 4


def test_the_configs_own_listings_are_never_cut_and_each_round_starts_afresh() -> None:
    """A distributed worker outlives rounds: its configured feeds must go out every round."""
    from types import SimpleNamespace

    from mediawatch.config import parse_config
    from spiders.feeds import FeedSpider
    from spiders.session import CrawlSession

    config = parse_config(
        {"crawl": {"max_listings": 2},
         "outlets": [{"name": "a", "homepage": "http://a.test/", "feeds": ["http://a.test/f"]}]}
    )  # fmt: skip
    recorded: list = []
    ingestor = SimpleNamespace(state=SimpleNamespace(validators={}), record_failure=recorded.append)
    session = CrawlSession(config, list(config.outlets), ingestor, {})  # type: ignore[arg-type]
    spider = FeedSpider(session)
    outlet = config.outlets[0]
    for _ in range(5):  # five rounds' worth of configured feeds
        assert [r.url for r in spider.discovery_requests(outlet)] == ["http://a.test/f"]
    found = [spider.listing_request(f"http://a.test/x{i}", outlet, spider.parse_feed, "feed",
                                    round="r1") for i in range(3)]  # fmt: skip
    assert [r is not None for r in found] == [True, True, False]
    assert [f.reason for f in recorded] == ["listing-budget"]
    assert spider.listing_request("http://a.test/y", outlet, spider.parse_feed, "feed", round="r2")
