"""Main-text choice: the recall fallback for short precise texts, and the standfirst.

Pages are written for these tests; nothing here needs the shared corpus.
"""

from __future__ import annotations

import html as htmllib
from typing import Any

import pytest
from lxml.html import HtmlElement
from trafilatura.settings import Document
from trafilatura.utils import load_html

from pipeline import maintext
from pipeline.maintext import main_text, shown_in_body, with_standfirst
from pipeline.metadata.heuristics import HeuristicMetadata

URL = "https://example.org/news/bridge"
LEAD = (
    "The council agreed on Thursday to close the old harbour bridge for two years "
    "of repairs, sending commuters onto ferries and a temporary bus route."
)
PARAS = "".join(
    f"<p>Paragraph {i} of the report explains at some length what the council decided "
    "on the bridge, what the repairs will cost and why the decision matters for the "
    "thousands of commuters who cross the harbour every morning.</p>"
    for i in range(8)
)


def page(
    description: str = LEAD,
    header: str = "",
    body: str = PARAS,
    head_extra: str = "",
) -> HtmlElement:
    meta = f'<meta name="description" content="{htmllib.escape(description)}">'
    return load_html(
        f"<!DOCTYPE html><html><head><title>Bridge to close</title>{meta}{head_extra}</head>"
        '<body><nav><a href="/">Home</a> <a href="/news">News</a></nav>'
        f'<header class="article-header"><h1>Bridge to close</h1>{header}</header>'
        f'<article><div class="article-body">{body}</div></article>'
        "<footer>Imprint</footer></body></html>"
    )


def extract(tree: HtmlElement) -> str:
    doc, text = main_text(tree, URL, include_comments=False, date_params={})
    assert doc is not None
    return text


def test_standfirst_outside_the_body_container_is_put_back_in_front() -> None:
    teaser = f'<div class="teaser"><p>{LEAD}</p></div>'
    text = extract(page(header=teaser))
    assert text.startswith(LEAD + "\n")
    assert text.count("harbour bridge for two years") == 1
    assert "Paragraph 7 of the report" in text


def test_description_the_page_does_not_show_is_not_added() -> None:
    text = extract(page())
    assert "harbour bridge for two years" not in text
    assert text.startswith("Paragraph 0")


def test_description_only_in_structured_data_is_not_added() -> None:
    jsonld = f'<script type="application/ld+json">{{"description": "{LEAD}"}}</script>'
    tree = page(body=jsonld + PARAS)
    assert not shown_in_body(tree, LEAD)
    assert "harbour bridge for two years" not in extract(tree)


def test_site_blurb_in_the_footer_is_not_a_standfirst() -> None:
    blurb = f'<footer class="about"><p>{LEAD}</p></footer>'
    tree = page(body=PARAS + blurb)
    assert not shown_in_body(tree, LEAD)
    assert "harbour bridge for two years" not in extract(tree)


def test_standfirst_already_extracted_is_not_repeated() -> None:
    text = extract(page(body=f"<p>{LEAD} More on the bridge below.</p>{PARAS}"))
    assert text.count("harbour bridge for two years") == 1


def test_lead_split_by_inline_markup_is_still_found() -> None:
    split = LEAD.replace("close the old", "close <b>the old</b>")
    assert shown_in_body(page(header=f'<p class="dek">{split}</p>'), LEAD)


@pytest.mark.parametrize(
    "description",
    [
        "Bridge closes for repairs.",  # a tagline, not a standfirst
        LEAD[:90] + "...",  # a truncated excerpt
        "",
    ],
)
def test_short_truncated_or_missing_descriptions_are_ignored(description: str) -> None:
    tree = page(header=f'<div class="teaser"><p>{description}</p></div>')
    assert with_standfirst(tree, "Body text.", description) == "Body text."


class FakeExtraction:
    """bare_extraction stand-in: a text per mode, and the modes asked for."""

    def __init__(self, precision: str | None, recall: str | None) -> None:
        self.texts = {"precision": precision, "recall": recall}
        self.calls: list[tuple[str, bool]] = []

    def __call__(self, tree: HtmlElement, **kwargs: Any) -> Document | None:
        assert not (kwargs["favor_precision"] and kwargs["favor_recall"])
        mode = "precision" if kwargs["favor_precision"] else "recall"
        assert kwargs["favor_recall"] == (mode == "recall"), "fallback must favor recall"
        assert not kwargs["with_metadata"], "metadata is read once, from the intact tree"
        self.calls.append((mode, kwargs["with_metadata"]))
        text = self.texts[mode]
        if text is None:
            return None
        doc = Document()
        doc.text, doc.title = text, mode
        return doc


def run_fake(
    monkeypatch: pytest.MonkeyPatch, fake: FakeExtraction
) -> tuple[HeuristicMetadata | None, str]:
    import trafilatura

    monkeypatch.setattr(trafilatura, "bare_extraction", fake)
    return main_text(page(), URL, include_comments=False, date_params={})


def test_long_precise_text_needs_no_second_run(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeExtraction("x" * maintext.PRECISION_CHECK_CHARS, "y" * 9000)
    doc, text = run_fake(monkeypatch, fake)
    assert text == "x" * maintext.PRECISION_CHECK_CHARS
    assert fake.calls == [("precision", False)]


def test_short_precise_text_that_dropped_most_yields_to_recall(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = FakeExtraction("x" * 400, "y" * 1000)
    doc, text = run_fake(monkeypatch, fake)
    assert text == "y" * 1000
    assert doc is not None and doc.title == "Bridge to close"  # from the page, once
    assert fake.calls == [("precision", False), ("recall", False)]


def test_short_precise_text_that_kept_most_stays(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeExtraction("x" * 600, "y" * 1000)
    _, text = run_fake(monkeypatch, fake)
    assert text == "x" * 600


def test_failed_precise_run_takes_recall_with_its_metadata(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = FakeExtraction(None, "y" * 300)
    doc, text = run_fake(monkeypatch, fake)
    assert text == "y" * 300
    assert doc is not None and doc.title == "Bridge to close"
    assert fake.calls == [("precision", False), ("recall", False)]


def test_no_text_from_either_run_means_no_document(monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_fake(monkeypatch, FakeExtraction(None, None)) == (None, "")


DATED = (
    '<meta property="og:title" content="Bridge to close">'
    '<meta name="author" content="Jane Roe">'
    '<meta name="keywords" content="bridge, harbour">'
    '<meta property="og:image" content="/img/bridge.jpg">'
)


@pytest.mark.parametrize(
    ("head", "header"),
    [
        (DATED, '<p class="dateline">Published 12 March 2024</p>'),
        ("", '<span class="author-name">Max Mustermann</span><time>2023-05-04</time>'),
        (
            '<script type="application/ld+json">{"@type": "NewsArticle", '
            '"datePublished": "2022-01-02", "author": {"name": "Ann Lee"}}</script>',
            '<div class="post-meta"><a href="/category/local/">Local</a></div>',
        ),
    ],
)
def test_lazy_metadata_equals_trafilaturas(head: str, header: str) -> None:
    """Every field extraction reads, as bare_extraction(with_metadata=True) gives it."""
    from trafilatura import bare_extraction

    params = {
        "outputformat": "%Y-%m-%dT%H:%M:%S%z",
        "original_date": True,
        "max_date": "2030-01-01",
    }
    tree = page(header=header, head_extra=head)
    ours, _ = main_text(tree, URL, include_comments=False, date_params=params)
    theirs = bare_extraction(
        tree,
        url=URL,
        with_metadata=True,
        include_comments=False,
        favor_precision=True,
        date_extraction_params=params,
    )
    assert ours is not None and theirs is not None
    for field in (
        "title",
        "author",
        "sitename",
        "description",
        "image",
        "date",
        "categories",
        "tags",
    ):
        assert getattr(ours, field) == getattr(theirs, field), field


@pytest.mark.parametrize(
    "links",
    [
        '<div class="post-meta"><a href="/category/local/">Local</a></div>',
        '<div class="meta-x"><span><a href="/categories/a/">A</a></span></div>'
        '<div id="postpath-1"><a href="/category/b/">B</a><a>no href</a></div>',
        '<p class="entry-categories"><a href="/category/c/">C</a></p>'
        '<p id="filedunder"><a href="/cat/x/">x</a></p>',
        '<footer class="entry-footer"><a href="/tag/d/">D</a><a href="/tags/e/">E</a></footer>',
        '<ul><li class="cat-links wide"><a href="/category/f/">F</a></li></ul>'
        '<span class="post-category"><a href="/category/g/">G</a></span>',
        '<header class="entry-header"><a href="/category/h/">H</a></header>',
        '<div class="row"><div class="tags"><a href="/tag/i/">I</a></div></div>',
        '<p class="entry-tags"><a href="/tag/j/">J</a></p>'
        '<div class="jp-relatedposts"><a href="/tag/k/">K</a></div>',
        '<section class="hot-topics"><a href="/tag/l/">L</a><b><a href="/tag/m/">M</a></b></section>',
        '<a class="tags-links" href="/tag/n/">N <a href="/tag/o/">O</a></a>',
        '<div class="tagline"><a href="/tag/p/">P</a></div>',
        "<p>No links.</p>",
    ],
)
def test_categories_and_tags_equal_trafilaturas(links: str) -> None:
    from trafilatura.metadata import extract_catstags

    from pipeline.metadata.heuristics import HeuristicMetadata

    head = '<meta property="article:section" content="World">'
    tree = page(header=links, head_extra=head)
    ours = HeuristicMetadata(tree, URL, {})
    assert ours.categories == extract_catstags("category", tree)
    assert ours.tags == extract_catstags("tag", tree)
