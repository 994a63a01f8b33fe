"""Extraction: decoding, field fusion and precedence, dates, failures and time limits.

Pages are written for these tests (inline, or benchmarks/extraction/pages/ for the pinned
scores); nothing here needs network access or the shared corpus.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.extract import ExtractOptions, extract_page
from pipeline.items import Article, Evidence, ExtractionFailure, FetchedPage, OutletHints
from pipeline.metadata.authors import clean_authors
from pipeline.metadata.titles import clean_title, site_keys

PAGES = Path(__file__).resolve().parents[1] / "benchmarks" / "extraction" / "pages"
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
OPTIONS = ExtractOptions()
HINTS = OutletHints(name="Example Outlet")
PARAS = [
    "The regional parliament approved a new budget for public transport on Thursday evening, "
    "after a debate that lasted more than six hours and ended with a narrow majority.",
    "Under the plan, bus routes in rural districts will run every thirty minutes during the day, "
    "and night services will be extended to the smaller towns along the valley.",
    "Opposition members criticised the financing, which relies on a temporary surcharge on "
    "parking fees, and said they would ask the constitutional court to review the law.",
]
BODY = "".join(f"<p>{p}</p>" for p in PARAS)


def html(head: str = "", article: str = BODY, lang: str = "en") -> str:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{head}</head><body>'
        '<nav><a href="/">Home</a> <a href="/news">News</a></nav>'
        f"<main><article>{article}</article></main><footer>Imprint</footer></body></html>"
    )


def fetched(
    body: str | bytes,
    url: str = "https://outlet.example.com/news/transport-budget",
    *,
    declared: str | None = None,
    evidence: Evidence | None = None,
    content_type: str | None = "text/html",
) -> FetchedPage:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return FetchedPage(
        url=url,
        requested_url=url,
        outlet="example",
        status=200,
        body=data,
        fetched_at=NOW,
        content_type=content_type,
        declared_encoding=declared,
        evidence=evidence,
    )


def extract(page: FetchedPage, hints: OutletHints = HINTS, **options: object) -> Article:
    result = extract_page(page, hints, ExtractOptions(**options), now=NOW)  # type: ignore[arg-type]
    assert isinstance(result, Article), result
    return result


def jsonld(obj: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(obj)}</script>'


# ---------------------------------------------------------------- fusion and precedence


def test_jsonld_graph_wins_and_records_sources() -> None:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "name": "Example Outlet"},
            {
                "@type": ["NewsArticle"],
                "headline": "Parliament approves transport budget",
                "author": [{"@type": "Person", "name": "Lena Fischer"}],
                "datePublished": "2024-05-02T18:15:00+02:00",
                "articleSection": "Politics",
                "keywords": ["transport", "budget"],
                "image": {"@type": "ImageObject", "url": "/img/bus.jpg"},
                "inLanguage": "en",
            },
        ],
    }
    head = (
        '<meta property="og:title" content="Something else entirely">'
        '<meta property="article:published_time" content="2024-04-01T10:00:00Z">'
        '<link rel="canonical" href="https://www.example.com/transport-budget">' + jsonld(graph)
    )
    article = extract(fetched(html(head)))
    assert article.title == "Parliament approves transport budget"
    assert article.authors == ["Lena Fischer"]
    assert article.published is not None
    assert article.published.value == datetime(2024, 5, 2, 16, 15, tzinfo=UTC)
    assert article.published.source == "json-ld"
    assert article.published.original_offset_minutes == 120
    assert article.field_sources["title"] == "json-ld"
    assert article.field_sources["published"] == "json-ld"
    assert article.section == "Politics"
    assert article.tags == ["transport", "budget"]
    assert article.image_url == "https://outlet.example.com/img/bus.jpg"
    assert article.canonical_url == "https://www.example.com/transport-budget"
    assert article.language == "en"
    assert article.content_hash is None and article.minhash is None
    assert "regional parliament" in article.text


def test_conflicting_jsonld_and_meta_dates_jsonld_wins() -> None:
    head = '<meta property="article:published_time" content="2024-01-01T09:00:00+00:00">' + jsonld(
        {"@type": "NewsArticle", "headline": "Budget", "datePublished": "2024-02-03T09:00:00Z"}
    )
    article = extract(fetched(html(head)))
    assert article.published is not None
    assert article.published.value.date().isoformat() == "2024-02-03"
    assert article.published.source == "json-ld"


def test_meta_date_beats_url_date() -> None:
    head = '<meta property="article:published_time" content="2024-01-05T09:00:00+00:00">'
    article = extract(fetched(html(head), "https://outlet.example.com/2024/01/04/budget/"))
    assert article.published is not None and article.published.source == "meta"
    assert article.published.value.day == 5


def test_date_only_in_url() -> None:
    article = extract(
        fetched(html("<title>Budget</title>"), "https://o.example.com/2024/03/17/budget")
    )
    assert article.published is not None
    assert article.published.source == "url"
    assert article.published.precision == "day"
    assert article.published.value == datetime(2024, 3, 17, tzinfo=UTC)


def test_date_only_in_feed_evidence() -> None:
    evidence = Evidence(source="feed", published="Tue, 14 May 2024 07:30:00 +0200", title="T")
    article = extract(fetched(html("<title>Budget</title>"), evidence=evidence))
    assert article.published is not None
    assert article.published.source == "feed"
    assert article.published.value == datetime(2024, 5, 14, 5, 30, tzinfo=UTC)
    assert article.published.original_offset_minutes == 120


def test_sitemap_evidence_source_recorded() -> None:
    evidence = Evidence(source="sitemap", published="2024-05-20")
    article = extract(fetched(html("<title>Budget</title>"), evidence=evidence))
    assert article.published is not None and article.published.source == "sitemap"


def test_future_date_is_flagged_and_not_used() -> None:
    head = jsonld(
        {"@type": "NewsArticle", "headline": "B", "datePublished": "2031-01-01T10:00:00Z"}
    )
    head += '<meta property="article:published_time" content="2024-05-30T10:00:00Z">'
    article = extract(fetched(html(head)))
    assert article.published is not None
    assert article.published.value.year == 2024
    assert article.published.source == "meta"
    assert any("2031" in flag and "future" in flag for flag in article.date_flags)


def test_date_before_1990_is_flagged() -> None:
    head = '<meta property="article:published_time" content="1970-01-01T00:00:00Z">'
    article = extract(fetched(html(head)))
    assert any("1990" in flag for flag in article.date_flags)
    assert article.published is None or article.published.value.year >= 1990


def test_date_only_value_keeps_day_precision() -> None:
    head = '<meta name="date" content="2024-04-09">'
    article = extract(fetched(html(head)))
    assert article.published is not None
    assert article.published.precision == "day"
    assert article.published.value == datetime(2024, 4, 9, tzinfo=UTC)


def test_local_time_resolved_with_outlet_timezone() -> None:
    head = '<meta property="article:published_time" content="2024-05-14T09:30:00">'
    hints = OutletHints(name="Example Outlet", timezone="Europe/Moscow")
    article = extract(fetched(html(head)), hints)
    assert article.published is not None
    assert article.published.value == datetime(2024, 5, 14, 6, 30, tzinfo=UTC)
    assert article.published.precision == "second"


def test_title_site_name_suffix_and_prefix_removed() -> None:
    head = '<meta property="og:site_name" content="Example Outlet">'
    article = extract(fetched(html(head + "<title>Budget approved | Example Outlet</title>")))
    assert article.title == "Budget approved"
    keys = site_keys(["Daily Bugle"], "https://bugle.example.org/x")
    assert clean_title("Daily Bugle - Budget approved in parliament", keys) == (
        "Budget approved in parliament"
    )
    assert clean_title("Budget: the details – Bugle.example.org", keys) == "Budget: the details"


def test_junk_bylines_are_cleaned() -> None:
    raw = [
        "By Jane Roe and John Smith",
        "Anna Berg, Tom Lind & Eva Holm",
        "Staff",
        "Editorial team",
        "news@example.com",
        "https://facebook.com/someone",
        "Example Outlet",
        "Updated 12 May 2024",
    ]
    assert clean_authors(raw, ["Example Outlet"]) == [
        "Jane Roe",
        "John Smith",
        "Anna Berg",
        "Tom Lind",
        "Eva Holm",
    ]
    head = '<meta name="author" content="By Lena Fischer | Updated May 3, 2024">'
    assert extract(fetched(html(head))).authors == ["Lena Fischer"]


def test_paywall_flag_from_jsonld() -> None:
    head = jsonld({"@type": "NewsArticle", "headline": "B", "isAccessibleForFree": "False"})
    assert extract(fetched(html(head))).paywalled is True
    assert extract(fetched(html(""))).paywalled is False


def test_language_detected_when_not_declared() -> None:
    german = "".join(
        f"<p>{p}</p>"
        for p in [
            "Der Landtag hat am Donnerstagabend einen neuen Haushalt für den öffentlichen "
            "Nahverkehr beschlossen, nach einer Debatte von mehr als sechs Stunden.",
            "Nach dem Plan sollen Busse in ländlichen Kreisen tagsüber alle dreißig Minuten "
            "fahren, und die Nachtlinien werden bis in die kleineren Orte verlängert.",
        ]
    )
    page = html("", german).replace(' lang="en"', "")
    article = extract(fetched(page))
    assert article.language == "de"
    assert article.field_sources["language"] == "text"


# ---------------------------------------------------------------- decoding


def test_windows_1251_without_charset_header() -> None:
    text = (
        "Региональный парламент в четверг вечером утвердил новый бюджет общественного транспорта "
        "после дебатов, которые продолжались более шести часов. По плану автобусы в сельских "
        "районах будут ходить каждые тридцать минут, а ночные маршруты продлят до малых городов."
    )
    page = (
        '<html lang="ru"><head><title>Бюджет транспорта утверждён</title></head><body>'
        f"<article><h1>Бюджет транспорта утверждён</h1><p>{text}</p><p>{text}</p></article>"
        "</body></html>"
    ).encode("cp1251")
    article = extract(fetched(page, content_type="text/html"))
    assert article.title == "Бюджет транспорта утверждён"
    assert "общественного транспорта" in article.text
    assert article.language == "ru"


def test_header_charset_beats_meta() -> None:
    page = html("<title>Caf\u00e9 budget</title>").replace('charset="utf-8"', 'charset="utf-8"')
    article = extract(fetched(page.encode("latin-1", "replace"), declared="iso-8859-1"))
    assert article.title == "Café budget"


def test_invalid_utf8_bytes_are_cleaned() -> None:
    page = html("<title>Budget</title>").encode("utf-8").replace(b"Thursday", b"Thurs\xff\xfeday")
    article = extract(fetched(page))
    assert "\x00" not in article.text and "regional parliament" in article.text


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj" * 50, "text/html", "binary"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20, "text/html", "binary"),
        (b"<html>" + b"\x00\x01\x02\x03" * 2000 + b"</html>", "text/html", "binary"),
        (b'{"just": "json", "no": "markup"}' * 20, "application/json", "not-html"),
        (b"plain words without any markup at all " * 40, "text/html", "not-html"),
        (b"   ", "text/html", "empty"),
    ],
)
def test_non_html_fails_with_reason(body: bytes, content_type: str, reason: str) -> None:
    result = extract_page(fetched(body, content_type=content_type), HINTS, OPTIONS, now=NOW)
    assert isinstance(result, ExtractionFailure)
    assert result.reason == reason
    assert result.url.endswith("transport-budget") and result.outlet == "example"


# ---------------------------------------------------------------- failures and limits


def test_too_short_page_fails() -> None:
    result = extract_page(fetched(html("", "<p>Too short to be an article.</p>")), HINTS, OPTIONS)
    assert isinstance(result, ExtractionFailure)
    assert result.reason == "too-short"


def test_min_text_chars_is_configurable() -> None:
    result = extract_page(fetched(html()), HINTS, ExtractOptions(min_text_chars=100_000), now=NOW)
    assert isinstance(result, ExtractionFailure) and result.reason == "too-short"


def test_oversize_page_fails_before_parsing() -> None:
    result = extract_page(fetched(html() + " " * 5000), HINTS, ExtractOptions(max_bytes=1000))
    assert isinstance(result, ExtractionFailure) and result.reason == "oversize"


def test_timeout_on_pathological_page() -> None:
    cells = "".join(f"<p>paragraph {i} with a few words in it</p>" for i in range(60_000))
    result = extract_page(fetched(html("", cells)), HINTS, ExtractOptions(timeout_s=0.05), now=NOW)
    assert isinstance(result, ExtractionFailure)
    assert result.reason == "timeout"


def test_deeply_nested_page_finishes() -> None:
    nested = "<div>" * 200_000 + "deep" + "</div>" * 200_000
    result = extract_page(fetched(html("", BODY + nested)), HINTS, ExtractOptions(timeout_s=10))
    assert isinstance(result, Article | ExtractionFailure)


def test_options_from_config() -> None:
    from mediawatch.config import CrawlConfig

    options = ExtractOptions.from_config(CrawlConfig(extract_timeout_s=5, max_page_bytes=20_000))
    assert options.timeout_s == 5 and options.max_bytes == 20_000
    assert options.include_comments is False


# ---------------------------------------------------------------- pinned scores


def _score_pages() -> dict[str, float]:
    pages = sorted(PAGES.glob("*.json"))
    assert len(pages) >= 5
    hits = {"title": 0, "authors": 0, "published": 0, "source": 0, "language": 0}
    for truth_path in pages:
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        body = truth_path.with_suffix(".html").read_bytes()
        page = fetched(body, truth["url"], declared=truth["charset"])
        result = extract_page(page, OutletHints(name="Pinned"), OPTIONS, now=NOW)
        assert isinstance(result, Article), (truth_path.name, result)
        hits["title"] += result.title == truth["title"]
        hits["authors"] += result.authors == truth["authors"]
        published = result.published
        hits["published"] += bool(
            published and published.value.date().isoformat() == truth["published"]
        )
        hits["source"] += bool(published and published.source == truth["published_source"])
        hits["language"] += result.language == truth["language"]
    return {field: count / len(pages) for field, count in hits.items()}


def test_pinned_scores_on_project_pages() -> None:
    scores = _score_pages()
    assert scores == {
        "title": 1.0,
        "authors": 1.0,
        "published": 1.0,
        "source": 1.0,
        "language": 1.0,
    }


def test_utc_time_keeps_the_local_day_of_the_url() -> None:
    head = '<meta property="article:published_time" content="2024-05-09T01:10:00Z">'
    article = extract(fetched(html(head), "https://o.example.com/2024/05/08/budget/"))
    published = article.published
    assert published is not None and published.source == "meta"
    assert published.value == datetime(2024, 5, 9, 1, 10, tzinfo=UTC)  # the instant is kept
    assert published.original_offset_minutes is not None
    assert published.original_offset_minutes <= -70  # local day: 8 May


# ---------------------------------------------------------------- general date rules


def test_text_date_without_time_keeps_day_precision_in_outlet_zone() -> None:
    body = "<h1>Budget approved</h1><p>Published 13 November 2023</p>" + BODY
    hints = OutletHints(name="Example Outlet", timezone="Europe/Berlin")
    article = extract(fetched(html("<title>Budget approved</title>", body)), hints)
    published = article.published
    assert published is not None and published.source == "text"
    assert published.precision == "day"
    assert published.value == datetime(2023, 11, 13, tzinfo=UTC)  # not 22:00/23:00 the day before


def test_published_markup_on_several_days_is_a_list_not_the_article() -> None:
    comments = "".join(
        f'<div class="c"><time itemprop="datePublished" datetime="2024-0{m}-1{m}T10:00:00Z">'
        f"x</time><p>Comment number {m} on the budget debate.</p></div>"
        for m in (2, 3, 4)
    )
    article = extract(
        fetched(html("", BODY + comments), "https://o.example.com/2024/01/20/budget/")
    )
    assert article.published is not None
    assert article.published.source == "url"
    assert article.published.value.date().isoformat() == "2024-01-20"


def test_single_published_markup_is_used() -> None:
    stamp = '<time itemprop="datePublished" datetime="2024-02-12T10:00:00Z">12 Feb</time>'
    article = extract(fetched(html("", stamp + BODY)))
    assert article.published is not None and article.published.source == "meta"
    assert article.published.value == datetime(2024, 2, 12, 10, tzinfo=UTC)


def test_metadata_date_long_after_the_url_date_is_an_edit() -> None:
    head = jsonld(
        {"@type": "NewsArticle", "headline": "B", "datePublished": "2024-05-01T10:00:00Z"}
    )
    article = extract(fetched(html(head), "https://o.example.com/2022/7/12/budget"))
    assert article.published is not None and article.published.source == "url"
    assert article.published.value.date().isoformat() == "2022-07-12"
    assert any("long after" in flag for flag in article.date_flags)
    # a few days later is a normal delay between URL minting and publication
    near = extract(fetched(html(head), "https://o.example.com/2024/04/28/budget"))
    assert near.published is not None and near.published.source == "json-ld"


def test_number_at_the_start_of_a_slug_is_not_a_day() -> None:
    from pipeline.metadata.dates import url_date

    assert url_date("https://blog.example.org/2023/10/3-questions-for-the-mayor/") is None
    found = url_date("https://blog.example.org/2023/10/03-questions/")
    assert found is not None and found.value.day == 3
    found = url_date("https://blog.example.org/2023/10/3/questions/")
    assert found is not None and found.value.day == 3


# ---------------------------------------------------------------- general author rules


def test_desk_or_handle_is_kept_when_no_person_signs() -> None:
    head = '<meta name="author" content="Redaktion">'
    assert extract(fetched(html(head))).authors == ["Redaktion"]
    head = '<meta name="author" content="quill77">'
    assert extract(fetched(html(head))).authors == ["quill77"]
    # a person anywhere wins over the desk
    head = '<meta name="author" content="Redaktion"><meta name="byl" content="Eva Holm">'
    assert extract(fetched(html(head))).authors == ["Eva Holm"]


def test_agency_beside_a_person_is_kept_but_not_a_desk() -> None:
    from pipeline.metadata.authors import with_agencies

    assert with_agencies(["Jane Roe"], ["Jane Roe/dpa"], []) == ["Jane Roe", "dpa"]
    assert with_agencies(["Jane Roe"], ["Jane Roe, Redaktion"], []) == ["Jane Roe"]
    head = jsonld({"@type": "NewsArticle", "headline": "B", "author": "Anna Berg/AFP"})
    assert extract(fetched(html(head))).authors == ["Anna Berg", "AFP"]


def test_byline_in_page_with_sidebar_layout_but_not_in_comments() -> None:
    article_html = (
        '<div class="byline"><span class="author vcard">Lena Fischer</span></div>'
        + BODY
        + '<div class="comments"><span class="author">Troll</span><p>First!</p></div>'
    )
    page = html("", article_html).replace("<main>", '<main class="content right-sidebar">')
    assert extract(fetched(page)).authors == ["Lena Fischer"]
    from lxml.html import fromstring

    from pipeline.metadata.authors import dom_bylines

    only_comments = html("", BODY + '<span class="comment-author">Troll</span>')
    assert dom_bylines(fromstring(only_comments)) == []


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("11.12.2019 - Amelie Sommer", "Amelie Sommer"),
        ("06.11.2023 13:30 von Olga", "Olga"),
        ("Posted on September 21, 2020 by Adi Levin", "Adi Levin"),
        ("Autor: Rechtsanwalt Max Muster", "Max Muster"),
    ],
)
def test_unmarked_byline_lines(line: str, name: str) -> None:
    page = html("", f'<p class="meta">{line}</p>' + BODY)
    assert extract(fetched(page)).authors == [name]


def test_lone_first_name_completed_from_another_source() -> None:
    head = jsonld({"@type": "NewsArticle", "headline": "B", "author": {"name": "Todd"}})
    page = html(head, '<div class="author-box">Todd Bates</div>' + BODY)
    assert extract(fetched(page)).authors == ["Todd Bates"]


def test_role_before_name_is_dropped() -> None:
    assert clean_authors(["Korrespondentin Eva Holm", "Staff writer Jane Roe"]) == [
        "Eva Holm",
        "Jane Roe",
    ]


def test_metadata_date_not_shown_yields_to_the_shown_one() -> None:
    head = jsonld(
        {
            "@type": "NewsArticle",
            "headline": "B",
            "datePublished": "2024-03-01T09:00:00+01:00",
            "dateModified": "2024-03-05T16:30:00+01:00",
        }
    )
    shown_modified = html(head, '<p class="date">Stand: 5. März 2024</p>' + BODY)
    article = extract(fetched(shown_modified))
    assert article.published is not None and article.published.source == "json-ld"
    assert article.published.value == datetime(2024, 3, 5, 15, 30, tzinfo=UTC)
    assert any("not shown" in flag for flag in article.date_flags)
    shown_published = html(head, '<p class="date">March 1, 2024</p>' + BODY)
    assert extract(fetched(shown_published)).published.value.day == 1  # type: ignore[union-attr]
    nothing_shown = extract(fetched(html(head)))
    assert nothing_shown.published is not None and nothing_shown.published.value.day == 1


def test_url_day_does_not_invent_an_island_offset() -> None:
    head = '<meta property="article:published_time" content="2020-07-09T10:04:04Z">'
    article = extract(fetched(html(head), "https://o.example.com/2020/07/08/story/"))
    published = article.published
    assert published is not None
    assert published.value == datetime(2020, 7, 9, 10, 4, 4, tzinfo=UTC)
    assert published.original_offset_minutes in (None, 0)


def test_htmldate_searches_only_when_metadata_and_url_lack_a_date(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """find_date is the priciest heuristic: it runs only for the "text" fallback."""
    import htmldate

    calls: list[str | None] = []
    real = htmldate.find_date

    def counting(tree: object, **kwargs: object) -> str | None:
        calls.append(kwargs.get("url"))  # type: ignore[arg-type]
        return real(tree, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(htmldate, "find_date", counting)
    head = '<meta property="article:published_time" content="2024-01-05T09:00:00+00:00">'
    assert extract(fetched(html(head))).published.source == "meta"  # type: ignore[union-attr]
    assert calls == []
    shown = BODY + "<p>Published on 3 February 2024.</p>"
    article = extract(fetched(html("<title>Budget</title>", shown)))
    assert len(calls) == 1
    assert article.published is not None and article.published.source == "text"
    assert article.published.value.date().isoformat() == "2024-02-03"


# ---------------------------------------------------------------- language: text over template

# Written for these tests: a site template that declares English around articles in
# other languages, as regional outlets' shared templates do.
WRONG_TEMPLATE = {
    "da": [
        "Regeringen fremlagde i går et nyt forslag til finansloven, som skal give flere penge "
        "til den kollektive trafik i landdistrikterne og til de mindre byer.",
        "Ifølge forslaget skal busserne køre hver halve time om dagen, og natbusserne skal "
        "forlænges helt ud til de små byer langs kysten, hvor mange ældre bor.",
        "Oppositionen kritiserer finansieringen, der bygger på en midlertidig afgift på "
        "parkering, og vil bede et udvalg om at undersøge sagen grundigt inden jul.",
    ],
    "sw": [
        "Serikali imetangaza mpango mpya wa bajeti ya usafiri wa umma katika maeneo ya "
        "vijijini, baada ya mjadala mrefu bungeni uliodumu zaidi ya saa sita jana jioni.",
        "Kwa mujibu wa mpango huo, mabasi yatapita kila nusu saa wakati wa mchana, na huduma "
        "za usiku zitaongezwa hadi kwenye miji midogo iliyo kando ya ziwa.",
        "Wabunge wa upinzani walikosoa namna fedha zitakavyopatikana, wakisema kodi mpya ya "
        "maegesho itawaumiza wananchi wa kawaida na wafanyabiashara wadogo.",
    ],
    "zu": [
        "UHulumeni umememezele uhlelo olusha lwesabelomali sokuthutha komphakathi ezindaweni "
        "zasemakhaya, ngemuva kwengxoxo ende ephalamende ethathe amahora angaphezu kwayisithupha.",
        "Ngokohlelo lolu, amabhasi azohamba njalo ngemizuzu engamashumi amathathu emini, "
        "kanti izinsizakalo zasebusuku zizonwetshwa zize zifike emadolobheni amancane.",
        "Amalungu ophiko oluphikisayo agxeke indlela imali ezotholakala ngayo, athi intela "
        "entsha yokupaka izolimaza abantu abavamile kanye namabhizinisi amancane.",
    ],
}


@pytest.mark.parametrize("code", sorted(WRONG_TEMPLATE))
def test_text_overrules_a_template_that_declares_the_wrong_language(code: str) -> None:
    body = "".join(f"<p>{p}</p>" for p in WRONG_TEMPLATE[code])
    article = extract(fetched(html("", body, lang="en")))
    assert article.language == code
    assert article.language_declared == "en"
    assert article.language_detected == code
    assert article.field_sources["language"] == "text"


def test_declaration_stands_when_the_text_agrees_or_is_too_short_to_tell() -> None:
    article = extract(fetched(html("", BODY, lang="en-GB")))
    assert (article.language, article.language_declared, article.language_detected) == (
        "en",
        "en",
        "en",
    )
    assert article.field_sources["language"] == "meta"
    # one Danish sentence under a German declaration: too little text to overrule it
    short = f"<p>{WRONG_TEMPLATE['da'][0]}</p>"
    article = extract(fetched(html("", short, lang="de")), min_text_chars=50)
    assert article.language == "de" and article.language_declared == "de"


def test_declared_language_kept_when_the_rule_is_off() -> None:
    body = "".join(f"<p>{p}</p>" for p in WRONG_TEMPLATE["sw"])
    article = extract(
        fetched(html("", body, lang="en")),
        disabled_rules=frozenset({"language-text-over-declared"}),
    )
    assert article.language == "en" and article.language_detected == "sw"


# ---------------------------------------------------------------- title alternatives


def test_title_alternatives_are_kept_as_written() -> None:
    head = (
        "<title>Rural buses every half hour  | Example Outlet</title>"
        '<meta property="og:title" content="Parliament passes transport budget">'
    )
    body = "<h1>Rural buses every half hour</h1>" + BODY
    article = extract(fetched(html(head, body)))
    assert article.title == "Rural buses every half hour"
    assert article.title_html == "Rural buses every half hour | Example Outlet"
    assert article.title_og == "Parliament passes transport budget"


def test_unknown_rule_family_is_refused() -> None:
    with pytest.raises(KeyError):
        ExtractOptions(disabled_rules=frozenset({"no-such-rule"})).rule("no-such-rule")


def test_crawl_stores_title_alternatives_and_both_languages(tmp_path: Path) -> None:
    """Through the installed console script against a loopback outlet: the warehouse keeps
    the <title> beside the headline and the declared beside the detected language."""
    import shutil
    import subprocess
    import sys

    import duckdb
    import tomli_w

    from mediawatch.demo import demo_config
    from tests.hostile.crawl import FAST_CRAWL
    from tests.hostile.harness import ROOT, hostile_server, outlet

    script = shutil.which("mediawatch", path=str(Path(sys.executable).parent))
    assert script is not None, "install the project: pip install -e ."
    with hostile_server(tmp_path, hosts=1) as h:
        links = [h.url(0, "/a/first-report.html"), h.url(0, "/a/second-report.html")]
        data = demo_config(
            [outlet("o", h.outlets[0] + "/", feeds=[h.url(0, "/rss", link=links)])], tmp_path
        )
        data["crawl"] = {**data["crawl"], **FAST_CRAWL}
        config = tmp_path / "mediawatch.toml"
        config.write_text(tomli_w.dumps(data), encoding="utf-8")
        crawl = subprocess.run(
            [script, "--config", str(config), "crawl"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "SELECT title, title_html, language, language_declared, language_detected"
            " FROM articles ORDER BY url"
        ).fetchall()
    finally:
        con.close()
    assert len(rows) == 2
    for title, title_html, language, declared, detected in rows:
        assert title and title_html == title  # the test pages' <title> is the headline
        assert declared == "en" and detected is not None and language in (declared, detected)


def test_benchmark_folds_never_share_a_host() -> None:
    """benchmarks/extraction/run.py scores held-out folds: a site is in one fold only."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "extraction" / "run.py"
    spec = importlib.util.spec_from_file_location("extraction_run", path)
    assert spec is not None and spec.loader is not None
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    hosts = ["a.example", "www.a.example", "b.example", "c.example", "d.example", "e.example"]
    truths = {f"p{i}": {"url": f"https://{hosts[i % len(hosts)]}/article/{i}"} for i in range(40)}
    folds = run.host_folds(truths, 3)
    assert sorted(t for fold in folds for t in fold) == sorted(truths)
    seen: dict[str, int] = {}
    for n, fold in enumerate(folds):
        for tid in fold:
            host = truths[tid]["url"].split("/")[2].removeprefix("www.")
            assert seen.setdefault(host, n) == n
    assert all(folds)
