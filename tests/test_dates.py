"""Published dates: the date shown next to the headline against the page's metadata.

Pages are written for these tests; nothing here needs network access or the shared corpus.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from lxml.html import fromstring

from pipeline.extract import ExtractOptions, extract_page
from pipeline.items import Article, FetchedPage, OutletHints
from pipeline.metadata import dates
from pipeline.metadata.header_date import dates_in, header_dates, headline, text_before

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
URL = "https://outlet.example.com/news/transport-budget"
BODY = "".join(
    f"<p>{p}</p>"
    for p in (
        "The regional parliament approved a new budget for public transport on Thursday "
        "evening, after a debate that lasted more than six hours and ended with a narrow vote.",
        "Under the plan, bus routes in rural districts will run every thirty minutes during "
        "the day, and night services will be extended to the smaller towns along the valley.",
        "Opposition members criticised the financing, which relies on a temporary surcharge "
        "on parking fees, and said they would ask the constitutional court to review the law.",
    )
)


def jsonld(**fields: str) -> str:
    data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Budget"}
    return f'<script type="application/ld+json">{json.dumps({**data, **fields})}</script>'


def page(head: str, header: str, body: str = BODY, before: str = "") -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{head}</head><body>'
        '<nav><a href="/">Home</a> <a href="/news">News</a></nav>'
        f"<main><article>{before}<h1>Budget</h1>{header}{body}</article></main>"
        "<footer>Imprint</footer></body></html>"
    )


def extract(html: str, url: str = URL, tz: str | None = None) -> Article:
    fetched = FetchedPage(
        url=url,
        requested_url=url,
        outlet="example",
        status=200,
        body=html.encode("utf-8"),
        fetched_at=NOW,
        content_type="text/html",
    )
    hints = OutletHints(name="Example Outlet", timezone=tz)
    article = extract_page(fetched, hints, ExtractOptions(), now=NOW)
    assert isinstance(article, Article), article
    return article


# ---------------------------------------------------------------- reading dates


def test_dates_in_reads_the_usual_written_forms() -> None:
    text = (
        "Stand: 28.04.2020 18:00 Uhr | 3 de mayo de 2022 21:25 | May 3, 2024, 11:37 pm | "
        "2020年07月12日 | 06. Mär. 2023 | 2019-06-17 | 16/06/2020 | 4. 2. 2022."
    )
    found = [(d.day, d.clock) for _, d in dates_in(text)]
    assert found == [
        (date(2020, 4, 28), (18, 0)),
        (date(2022, 5, 3), (21, 25)),
        (date(2024, 5, 3), (23, 37)),
        (date(2020, 7, 12), None),
        (date(2023, 3, 6), None),
        (date(2019, 6, 17), None),
        (date(2020, 6, 16), None),
        (date(2022, 2, 4), None),
    ]


def test_ambiguous_numeric_day_and_month_is_not_guessed() -> None:
    assert dates_in("posted 03/04/2020") == []
    assert [d.day for _, d in dates_in("posted 04/13/2020")] == [date(2020, 4, 13)]


def test_headline_is_the_h1_that_carries_the_title() -> None:
    tree = fromstring(
        "<html><body><h1>Outlet</h1><p>12.01.2021</p><h1>Budget passed</h1>"
        "<p>5 March 2024</p></body></html>"
    )
    found = headline(tree, "Budget passed | Outlet")
    assert found is not None and found.text == "Budget passed"
    assert [d.day for d in header_dates(tree, "Budget passed")][0] == date(2024, 3, 5)


def test_text_before_the_headline_is_its_nearest_text() -> None:
    tree = fromstring(
        "<html><body><div><p>Menu</p><span>Research</span> 7 April 2020</div>"
        "<div><h1>Budget</h1></div></body></html>"
    )
    h1 = headline(tree, "Budget")
    assert h1 is not None
    assert text_before(h1, 30) == "Menu Research 7 April 2020"
    assert [d.day for d in header_dates(tree, "Budget")] == [date(2020, 4, 7)]


def test_visible_text_skips_scripts_and_styles_but_not_what_follows_them() -> None:
    tree = fromstring(
        "<html><body><p>A<script>var d = '2020-01-01';</script>B</p>"
        "<style>p {}</style><p>C</p></body></html>"
    )
    assert dates.visible_text(tree) == "a b c"


# ---------------------------------------------------------------- the rules


def test_date_next_to_the_headline_beats_a_metadata_date_it_does_not_show() -> None:
    head = '<meta property="article:published_time" content="2024-03-10T09:00:00+01:00">'
    article = extract(page(head, "<p>By Jane Roe, 5 March 2024</p>"))
    published = article.published
    assert published is not None and published.source == "text"
    assert published.value == datetime(2024, 3, 5, tzinfo=UTC)
    assert published.precision == "day"
    assert any("headline shows" in flag for flag in article.date_flags)


def test_metadata_date_stays_when_the_header_shows_its_day() -> None:
    head = '<meta property="article:published_time" content="2024-03-05T09:00:00+01:00">'
    header = "<p>Updated 9 March 2024</p><p>Published 5 March 2024</p>"
    published = extract(page(head, header)).published
    assert published is not None and published.source == "meta"
    assert published.value == datetime(2024, 3, 5, 8, tzinfo=UTC)


def test_date_inside_a_sentence_is_not_a_dateline() -> None:
    head = '<meta property="article:published_time" content="2024-03-10T09:00:00+01:00">'
    sentence = (
        "<p>The council first discussed the plan on 5 March 2024, when the transport "
        "minister presented the budget to the regional parliament.</p>"
    )
    published = extract(page(head, sentence)).published
    assert published is not None and published.source == "meta"


def test_header_date_long_before_the_chosen_one_is_a_mentioned_date() -> None:
    head = '<meta property="article:published_time" content="2024-03-10T09:00:00+01:00">'
    published = extract(page(head, "<p>Founded 12 May 2012</p>")).published
    assert published is not None and published.source == "meta"
    assert published.value.date() == date(2024, 3, 10)


def test_future_header_date_is_ignored() -> None:
    head = '<meta property="article:published_time" content="2024-03-10T09:00:00+01:00">'
    published = extract(page(head, "<p>Event: 12 September 2030</p>")).published
    assert published is not None and published.source == "meta"


def test_url_date_stands_against_the_header() -> None:
    url = "https://outlet.example.com/2024/03/10/transport-budget/"
    published = extract(page("", "<p>Updated 5 April 2024</p>"), url).published
    assert published is not None and published.source == "url"
    assert published.value.date() == date(2024, 3, 10)


def test_utc_time_shown_as_the_previous_local_evening_keeps_the_instant() -> None:
    head = jsonld(datePublished="2022-05-04T00:25:56Z")
    article = extract(page(head, "<p>3 de mayo de 2022 21:25</p>"))
    published = article.published
    assert published is not None and published.source == "json-ld"
    assert published.value == datetime(2022, 5, 4, 0, 25, 56, tzinfo=UTC)
    assert published.original_offset_minutes == -180
    assert dates.local_day(published) == date(2022, 5, 3)


def test_shown_day_without_time_gives_the_smallest_offset() -> None:
    head = jsonld(datePublished="2020-12-05T23:15:00Z")
    published = extract(page(head, "<p>06 Dicembre 2020</p>")).published
    assert published is not None and published.source == "json-ld"
    assert published.original_offset_minutes == 60
    assert dates.local_day(published) == date(2020, 12, 6)


def test_metadata_date_on_the_shown_day_supplies_the_time() -> None:
    head = jsonld(datePublished="2020-04-03T10:35:41Z", dateModified="2020-04-11T08:27:52Z")
    footer = BODY + "<p>First published on 3 April 2020 in the weekly print edition.</p>"
    html = page(head, "<p>Aktualisiert: 11.04.2020, 10:27</p>", footer)
    published = extract(html).published
    assert published is not None and published.source == "json-ld"
    assert published.value == datetime(2020, 4, 11, 8, 27, 52, tzinfo=UTC)


def test_shown_time_uses_the_outlet_zone() -> None:
    head = '<meta property="article:published_time" content="2024-03-10T09:00:00+01:00">'
    html = page(head, "<p>Stand: 28.02.2024 18:00 Uhr</p>")
    published = extract(html, tz="Europe/Berlin").published
    assert published is not None and published.source == "text"
    assert published.value == datetime(2024, 2, 28, 17, 0, tzinfo=UTC)
    assert published.precision == "minute"


def test_kicker_date_before_the_headline_counts() -> None:
    head = '<meta property="article:published_time" content="2024-03-10T09:00:00+01:00">'
    html = page(head, "", before="<p>Research | 7 March 2024</p>")
    published = extract(html).published
    assert published is not None and published.value.date() == date(2024, 3, 7)


def test_header_date_serves_when_the_page_has_no_other() -> None:
    published = extract(page("", "<p>Por Ana Ruiz, 3 de mayo de 2022</p>")).published
    assert published is not None and published.value.date() == date(2022, 5, 3)


# ---------------------------------------------------------------- the one parsing path


def test_machine_formats_keep_their_precision_and_offset() -> None:
    found = dates.parse_datetime("2024-05-17T10:30:00+02:00")
    assert found == dates.Parsed(datetime(2024, 5, 17, 8, 30, tzinfo=UTC), "second", 120)
    found = dates.parse_datetime("2024-05-17T10:30Z")
    assert found is not None and (found.precision, found.offset_minutes) == ("minute", 0)
    found = dates.parse_datetime("2024-05-17")
    assert found is not None and found.precision == "day"
    found = dates.parse_datetime("Fri, 17 May 2024 10:30:00 GMT")
    assert found == dates.Parsed(datetime(2024, 5, 17, 10, 30, tzinfo=UTC), "second", 0)
    assert dates.parse_datetime("1715941800") is not None


def test_written_dates_go_through_dateparser() -> None:
    found = dates.parse_datetime("16. Oktober 2019, 10:30 Uhr", "Europe/Berlin")
    assert found is not None and found.precision == "minute"
    assert found.value == datetime(2019, 10, 16, 8, 30, tzinfo=UTC)
    found = dates.parse_datetime("12 janvier 2021")
    assert found is not None and found.value.date() == date(2021, 1, 12)
    assert found.precision == "day"
    # dotted numerals are day-first wherever they are written
    found = dates.parse_datetime("03.04.2020")
    assert found is not None and found.value.date() == date(2020, 4, 3)


def test_relative_and_partial_dates_are_no_publication_dates() -> None:
    assert dates.parse_datetime("vor 2 Tagen") is None
    assert dates.parse_datetime("2 days ago") is None
    assert dates.parse_datetime("October 2019") is None
    assert dates.parse_datetime("not a date at all") is None


def test_month_names_come_from_dateparser_locales() -> None:
    names = dates.month_names()
    assert len(names) == 12
    assert {"march", "märz", "mars", "marzo", "março", "maart"} <= set(names[2])
    assert dates.is_shown(date(2023, 3, 5), "stand: 5. märz 2023, 10:00")
    assert dates.is_shown(date(2023, 10, 5), "5 de outubro de 2023")


def test_one_url_date_and_it_is_the_careful_one() -> None:
    import pipeline.urls

    assert not hasattr(pipeline.urls, "url_date")
    assert dates.url_date("https://x.example/2023/10/3-questions-for-the-mayor/") is None
    found = dates.url_date("https://x.example/2023/10/03/questions/")
    assert found is not None and found.value.date() == date(2023, 10, 3)


# ---------------------------------------------------------------- <time> and zone conflicts

LATER = '<p class="filed">Filed <time datetime="2024-03-12T08:00:00+01:00">12.03.2024</time></p>'


def test_shown_time_element_beats_a_metadata_date_the_page_never_shows() -> None:
    # the <time> follows the body: too far from the headline for the dateline rule
    head = '<meta property="article:published_time" content="2024-03-08T09:00:00+01:00">'
    article = extract(page(head, "", BODY + LATER))
    published = article.published
    assert published is not None and published.source == "time"
    assert published.value == datetime(2024, 3, 12, 7, tzinfo=UTC)
    assert any("not shown" in flag for flag in article.date_flags)


def test_time_elements_on_several_days_or_quoted_are_no_correction() -> None:
    head = '<meta property="article:published_time" content="2024-03-08T09:00:00+01:00">'
    other = '<p><time datetime="2024-03-14T10:00:00+01:00">14.03.2024</time></p>'
    for body in (
        BODY + LATER + other,  # teasers or comments: a list of days
        BODY + f"<blockquote class='embedded-post'>{LATER}</blockquote>",  # a quoted post
    ):
        published = extract(page(head, "", body)).published
        assert published is not None and published.source == "meta"
        assert published.value.date() == date(2024, 3, 8)


def test_zone_conflict_prefers_the_zoned_time_then_the_earlier_instant() -> None:
    # no zone: read as UTC by guess; the zoned time on another day wins
    assert dates.zone_conflict("2024-05-10T23:35:00", "2024-05-11T04:10:00-03:00") == (
        "2024-05-11T04:10:00-03:00"
    )
    assert dates.zone_conflict("2024-05-11T04:10:00-03:00", "2024-05-10T23:35:00") is None
    # one instant written once as local clock labelled UTC: the earlier one wins
    assert dates.zone_conflict("2024-04-25T07:25:06Z", "2024-04-24T21:25:06+00:00") == (
        "2024-04-24T21:25:06+00:00"
    )
    assert dates.zone_conflict("2024-04-24T21:25:06Z", "2024-04-25T07:25:06Z") is None
    # same written day, minutes apart, or a bare day: nothing to settle
    assert dates.zone_conflict("2024-04-24T09:00:00Z", "2024-04-24T05:00:00-02:00") is None
    assert dates.zone_conflict("2024-04-25T07:25:06Z", "2024-04-24T21:20:00+00:00") is None
    assert dates.zone_conflict("2024-04-25T07:25:06Z", "2024-04-24") is None
    assert dates.zone_conflict(None, "2024-04-24T21:25:06+00:00") is None


def zoned_page() -> str:
    head = '<meta property="article:published_time" content="2024-04-24T21:25:06+00:00">' + (
        jsonld(datePublished="2024-04-25T07:25:06Z")
    )
    return page(head, "")


def test_zone_conflict_between_jsonld_and_meta_takes_the_meta_time() -> None:
    article = extract(zoned_page())
    published = article.published
    assert published is not None and published.source == "meta"
    assert published.value == datetime(2024, 4, 24, 21, 25, 6, tzinfo=UTC)
    assert any("zone conflict" in flag for flag in article.date_flags)


def test_zone_conflict_rule_off_keeps_jsonld() -> None:
    fetched = FetchedPage(
        url=URL,
        requested_url=URL,
        outlet="example",
        status=200,
        body=zoned_page().encode("utf-8"),
        fetched_at=NOW,
        content_type="text/html",
    )
    options = ExtractOptions(disabled_rules=frozenset({"date-zone-conflict"}))
    article = extract_page(fetched, OutletHints(name="Example Outlet"), options, now=NOW)
    assert isinstance(article, Article) and article.published is not None
    assert article.published.source == "json-ld"
    assert article.published.value.date() == date(2024, 4, 25)
