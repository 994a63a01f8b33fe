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
        self.calls.append((mode, kwargs["with_metadata"]))
        text = self.texts[mode]
        if text is None:
            return None
        doc = Document()
        doc.text, doc.title = text, mode
        return doc


def run_fake(monkeypatch: pytest.MonkeyPatch, fake: FakeExtraction) -> tuple[Document | None, str]:
    import trafilatura

    monkeypatch.setattr(trafilatura, "bare_extraction", fake)
    return main_text(page(), URL, include_comments=False, date_params={})


def test_long_precise_text_needs_no_second_run(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeExtraction("x" * maintext.PRECISION_CHECK_CHARS, "y" * 9000)
    doc, text = run_fake(monkeypatch, fake)
    assert text == "x" * maintext.PRECISION_CHECK_CHARS
    assert fake.calls == [("precision", True)]


def test_short_precise_text_that_dropped_most_yields_to_recall(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = FakeExtraction("x" * 400, "y" * 1000)
    doc, text = run_fake(monkeypatch, fake)
    assert text == "y" * 1000
    assert doc is not None and doc.title == "precision"  # metadata from the first run
    assert fake.calls == [("precision", True), ("recall", False)]


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
    assert doc is not None and doc.title == "recall"
    assert fake.calls == [("precision", True), ("recall", True)]
