"""Dates a page labels for its readers (pipeline/metadata/labelled_date.py), and their
place in the published-date precedence: made-up pages, no shared corpus."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from lxml.html import fromstring

from pipeline.extract import ExtractOptions, extract_page
from pipeline.items import Article, FetchedPage, OutletHints
from pipeline.metadata.labelled_date import labelled_dates

NOW = datetime(2026, 1, 1, tzinfo=UTC)
FILLER = "<p>" + "Ein Satz über die Sache, der lang genug ist. " * 12 + "</p>"


def tree(body: str):  # noqa: ANN201 - lxml's element type
    return fromstring(f"<html><head><title>T</title></head><body>{body}</body></html>")


@pytest.mark.parametrize(
    ("body", "published", "updated"),
    [
        (
            "<p>Letzte Änderung: 12.04.2021 - 10:15 Erschienen am: 13.04.2021</p>",
            [date(2021, 4, 13)],
            [date(2021, 4, 12)],
        ),
        ("<div>Updated May 9, 2020</div>", [], [date(2020, 5, 9)]),
        ("<p>Von Paul Muster 5. Oktober 2021. Text</p>", [date(2021, 10, 5)], []),
        ("<p>Von Lea Muster</p><p>(8. November 2021) Text</p>", [date(2021, 11, 8)], []),
        ("<p>Posted by Jane Roe on May 3, 2024</p>", [date(2024, 5, 3)], []),
        (
            "<span>| Par</span><a>Luc Le Muster</a><span>| 12 septembre 2019</span>",
            [date(2019, 9, 12)],
            [],
        ),
        # "von" inside a sentence, a lower-case word after it, a script: no label
        ("<p>Ein Bericht von Acme Peter 6. Mai 2020</p>", [], []),
        ("<p>von hier aus, 3. Mai 2020</p>", [], []),
        ("<script>var d = 'Published: 2020-01-01';</script><p>Nothing.</p>", [], []),
        ("<p>Am 3. Mai 2020 begann es.</p>", [], []),
    ],
)
def test_labelled_dates(body: str, published: list[date], updated: list[date]) -> None:
    found = labelled_dates(tree(body))
    assert (found.published, found.updated) == (published, updated)


def extract(body: str, disabled: frozenset[str] = frozenset()) -> Article:
    html = (
        f"<html><head><title>Die Sache</title></head><body><h1>Die Sache</h1>{body}</body></html>"
    )
    page = FetchedPage(
        url="https://news.example.org/sache",
        requested_url="https://news.example.org/sache",
        outlet="news.example.org",
        status=200,
        body=html.encode(),
        fetched_at=NOW,
        content_type="text/html; charset=utf-8",
    )
    article = extract_page(
        page, OutletHints(name="news.example.org"), ExtractOptions(disabled_rules=disabled), NOW
    )
    assert isinstance(article, Article)
    return article


def test_a_labelled_date_beats_htmldates_search_only_without_metadata() -> None:
    body = (
        f"{FILLER}<p>Fotos vom 02.05.2015</p>{FILLER}"
        "<p>Letzte Änderung: 12.04.2021</p><p>Erschienen am: 13.04.2021</p>"
    )
    article = extract(body)
    assert article.published is not None
    assert article.published.value.date() == date(2021, 4, 13)
    assert any("the page labels 2021-04-13" in f for f in article.date_flags)
    # the rule family switched off: htmldate's own choice stands
    plain = extract(body, frozenset({"date-labelled"}))
    assert plain.published is None or plain.published.value.date() != date(2021, 4, 13)
    # a metadata date is not second-guessed by the labels
    meta = '<meta property="article:published_time" content="2021-04-11T08:00:00+02:00">'
    article = extract(meta + body)
    assert article.published is not None and article.published.source == "meta"
    assert article.published.value.date() == date(2021, 4, 11)


def test_an_updated_label_is_used_when_nothing_says_published() -> None:
    article = extract(f"{FILLER}<p>Foto aus dem Jahr 2004</p><div>Updated May 9, 2020</div>")
    assert article.published is not None
    assert article.published.value.date() == date(2020, 5, 9)
