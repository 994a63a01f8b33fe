"""The page's <head> metadata and machine-readable dates (pipeline/metadata/meta.py).

Pages are written for these tests; nothing here needs network access or the shared corpus.
"""

from __future__ import annotations

from lxml.html import fromstring

from pipeline.metadata.meta import parse_meta


def test_shown_time_elements_are_collected_but_not_quoted_or_empty_ones() -> None:
    tree = fromstring(
        "<html><head><title>T</title></head><body><article><h1>T</h1>"
        '<p><time datetime="2024-03-12T08:00:00+01:00">12 March 2024</time></p>'
        '<p><time datetime="2024-03-13"></time></p>'
        '<blockquote><p>A post <time datetime="2023-01-02">2 Jan 2023</time></p></blockquote>'
        "<p><time>yesterday</time></p></article></body></html>"
    )
    assert parse_meta(tree).time_shown == ["2024-03-12T08:00:00+01:00"]


def test_published_markup_is_read_from_itemprop_and_pubdate() -> None:
    tree = fromstring(
        "<html><body>"
        '<span itemprop="datePublished" content="2024-03-12">12 March</span>'
        '<time pubdate datetime="2024-03-12T08:00:00Z">8:00</time>'
        "</body></html>"
    )
    assert parse_meta(tree).time_published == ["2024-03-12", "2024-03-12T08:00:00Z"]
