"""Author rules: byline cleaning, choosing among candidates, unmarked bylines in the page.

Strings and pages are made up for these tests; nothing here needs the shared corpus.
"""

from __future__ import annotations

import pytest
from lxml.html import fromstring

from pipeline.metadata.authors import (
    _BYLINE_XPATH,
    _byline_elements,
    choose_authors,
    clean_authors,
    complete_names,
    dated_byline,
    dom_bylines,
    text_byline,
)


def page(body: str) -> str:
    return f"<html><head><title>T</title></head><body><main>{body}</main></body></html>"


def choose(candidates: list[tuple[list[str], str]], outlets: tuple[str, ...] = ()) -> list[str]:
    return choose_authors(candidates, list(outlets), set(), {})


# ---------------------------------------------------------------- cleaning one byline


def test_html_entities_are_decoded() -> None:
    assert clean_authors(["Jos&eacute; Garc&iacute;a"]) == ["José García"]
    assert clean_authors(["Redacci&oacute;n Diario Norte"], strict=False) == [
        "Redacción Diario Norte"
    ]


def test_entity_split_up_by_an_extractor_is_junk() -> None:
    assert clean_authors(["Redacci", " Oacute", " N Diario Norte"]) == []
    assert clean_authors(["Redacci", " Oacute", " N Diario Norte"], strict=False) == []


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ("Photograph by Ed Marsh, Island Restoration Programme", []),
        ("Foto: Anna Berg / Stadtarchiv", []),
        ("Video von Justin Amaral", []),
        ("By Jane Roe, photos by John Poe", ["Jane Roe"]),
        ("Text & Fotos: Ivan Valet", ["Ivan Valet"]),
        ("Text und Fotos: Ivan Valet", ["Ivan Valet"]),
    ],
)
def test_picture_credits_are_not_writers(raw: str, names: list[str]) -> None:
    assert clean_authors([raw]) == names


def test_organisations_are_no_persons_but_remain_a_last_resort() -> None:
    for org in ["Bund der Verbraucher e.V.", "Bund der Verbraucher e. V.", "Hanns-Muster-Stiftung"]:
        assert clean_authors([org]) == []
    assert clean_authors(["Muster Software GmbH"]) == []
    assert clean_authors(["Bund der Verbraucher e.V."], strict=False) == ["Bund der Verbraucher"]
    # the Italian/Portuguese "e" still separates two persons
    assert clean_authors(["Mario Rossi e Anna Bianchi"]) == ["Mario Rossi", "Anna Bianchi"]


def test_lower_case_words_outside_name_particles() -> None:
    assert clean_authors(["deinen Hochzeitsbloggern"]) == []
    assert clean_authors(["Edilson La Rosa edilsonlarosa"]) == ["Edilson La Rosa"]
    assert clean_authors(["Ursula von der Leyen", "Jan de Vries"]) == [
        "Ursula von der Leyen",
        "Jan de Vries",
    ]
    assert clean_authors(["quill77"], strict=False) == ["quill77"]  # handles stay
    assert clean_authors(["marcos lópez"]) == ["marcos lópez"]  # a style, not prose


@pytest.mark.parametrize("raw", ["null", "undefined", "Stephan Muster said", "Datum"])
def test_placeholders_and_comment_lines_are_junk(raw: str) -> None:
    assert clean_authors([raw]) == []


def test_role_after_the_name_but_not_a_pen_name() -> None:
    assert clean_authors(["Markus Steinrisser   Redakteur"]) == ["Markus Steinrisser"]
    assert clean_authors(["Jeanne Roux journaliste"]) == ["Jeanne Roux"]
    assert clean_authors(["Antrim Court Reporter", "LETTERS TO THE EDITOR"]) == []
    assert clean_authors(["Rasender Reporter"], strict=False) == ["Rasender Reporter"]
    assert clean_authors(["Antrim Court Reporter"], strict=False) == ["Antrim Court Reporter"]


def test_outlet_under_its_own_domain_name() -> None:
    assert clean_authors(["Deutsche Welle (www.dw.com)"], ["www.dw.com"]) == []
    # a blog named after its author keeps its author
    assert clean_authors(["Alexander Klier"], ["www.alexander-klier.net"]) == ["Alexander Klier"]
    assert clean_authors(["Henry Steinhau"], ["steinhau.com"]) == ["Henry Steinhau"]


# ---------------------------------------------------------------- choosing a candidate


def test_respelled_outlet_or_junk_is_rejected_in_every_source() -> None:
    candidates = [
        (["deinen Hochzeitsbloggern"], "meta"),
        (["Deinen Hochzeitsbloggern"], "trafilatura"),
        (["Samuel Diekmann"], "text"),
    ]
    assert choose(candidates) == ["Samuel Diekmann"]
    candidates = [(["mdr.de"], "meta"), (["Mdr De"], "trafilatura"), (["Lena Fischer"], "text")]
    assert choose(candidates) == ["Lena Fischer"]
    candidates = [(["Bund der Verbraucher e.V."], "meta"), (["Bund der Verbraucher e V"], "x")]
    assert choose(candidates + [(["Lena Fischer"], "text")]) == ["Lena Fischer"]


def test_byline_shown_with_co_authors_completes_the_metadata() -> None:
    candidates = [(["Rudolf Fischer"], "json-ld"), (["von Rudolf Fischer, Simon Kohler"], "byline")]
    assert choose(candidates) == ["Rudolf Fischer", "Simon Kohler"]
    # metadata lists are not bylines shown on the page: a publisher there is no co-author
    candidates = [(["Marie Merlet"], "json-ld"), (["Prisma Media", "Marie Merlet"], "meta")]
    assert choose(candidates) == ["Marie Merlet"]
    # a byline's outlet or dateline is no co-author
    for shown in ["Sandee Muster, CNN", "Sandee Muster, Washington"]:
        assert choose([(["Sandee Muster"], "json-ld"), ([shown], "byline")]) == ["Sandee Muster"]


def test_lone_first_name_completed_from_a_personal_domain() -> None:
    assert choose([(["Alexander"], "trafilatura")], ("www.alexander-klier.net",)) == [
        "Alexander Klier"
    ]
    assert choose([(["Max"], "trafilatura")], ("www.spiegel.de",)) == ["Max"]


# ---------------------------------------------------------------- bylines in the page


@pytest.mark.parametrize(
    ("body", "name"),
    [
        (
            '<div class="meta"><span>| By </span><span>Cara Stiles</span> | <time>May</time></div>',
            "Cara Stiles",
        ),
        (
            '<div class="metaInfo">Ein Artikel von <strong>Pamela Sladky</strong> | 03.02.2021</div>',
            "Pamela Sladky",
        ),
        (
            '<p>Autor: <a href="/ra">Rechtsanwalt</a> Sebastian Muster</p>',
            "Rechtsanwalt Sebastian Muster",
        ),
        ("<h2>Notes</h2><span> by </span><h3><a>quill77</a></h3>", "quill77"),
        (
            "<div><p class='label'><strong>By</strong></p></div><div><p>Tom Roe</p></div>",
            "Tom Roe",
        ),
        ("<p>Par <a href='/a/jd'>Jeanne Dupont</a></p>", "Jeanne Dupont"),
        ("<p><span>von</span> <a>Eva Holm</a></p>", "Eva Holm"),
        ("<p>by <span>oz</span> on <abbr>Dec 4</abbr></p>", None),
        # prose, not a label: "Support us by <a>buying gear</a>", "<em>A</em> von <em>B</em>"
        ("<p><strong>Support us</strong> by <a>buying gear</a>, or donate.</p>", None),
        ("<p><em>Bankmagazin</em> von <em>Springer</em>, und mehr.</p>", None),
    ],
)
def test_lone_label_before_the_name_element(body: str, name: str | None) -> None:
    assert dated_byline(fromstring(page(body + "<p>Text of the article.</p>"))) == (
        [name] if name else []
    )


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("Posted by Konstantin", "Konstantin"),
        ("Posted by Nesselsetzer in Allgemein", "Nesselsetzer"),
        ("Blog Beitrag von Margarita Muster", "Margarita Muster"),
        ("Autoren Jelko Muster und Jutta Beispiel", "Jelko Muster und Jutta Beispiel"),
    ],
)
def test_labelled_lines_without_markup(line: str, name: str) -> None:
    assert dated_byline(fromstring(page(f"<p>{line}</p><p>Text.</p>"))) == [name]


def test_byline_in_a_layout_modifier_is_not_in_a_sidebar_box() -> None:
    whitespace = " " * 40
    body = (
        '<section class="gallery--wrapper gallery--wrapper__with-sidebar">'
        f'<div class="meta">{whitespace}Posted on September 21, 2020  by Adi Levin{whitespace}'
        "</div></section>"
    )
    assert dated_byline(fromstring(page(body))) == ["Adi Levin"]
    boxed = '<aside class="sidebar"><p>Posted by Someone Else</p></aside>'
    assert dated_byline(fromstring(page(boxed))) == []


def test_more_from_heading_names_or_completes_the_author() -> None:
    body = '<p>Text.</p><div class="related"><h3>Weitere Artikel von Inga Muster</h3></div>'
    assert dated_byline(fromstring(page(body))) == ["Inga Muster"]
    body = '<p>Text.</p><div class="related"><h3>Other posts by Inga Muster</h3></div>'
    assert dated_byline(fromstring(page(body))) == ["Inga Muster"]
    # "More from X" may be a section ("More from World News"): it only completes a name
    body = '<p>Text.</p><div class="related"><h3>More from Inga Muster</h3></div>'
    assert dated_byline(fromstring(page(body))) == []
    body = "<p>Text.</p><h3>More from our network</h3>"
    assert dated_byline(fromstring(page(body))) == []
    body = (
        "<p>Von <a>Henry</a></p><p>Text.</p>"
        '<aside class="sidebar"><h3>MEHR VON HENRY BEISPIEL</h3></aside>'
    )
    assert dated_byline(fromstring(page(body))) == ["HENRY BEISPIEL"]
    assert clean_authors(["HENRY BEISPIEL"]) == ["Henry Beispiel"]
    # a section's "More from" is not a person
    body = "<p>Text.</p><h3>More from Sport</h3>"
    assert dated_byline(fromstring(page(body))) == []


def test_authors_line_at_the_end_of_the_text() -> None:
    text = "First paragraph.\nSecond paragraph.\nAutoren Jelko Muster und Jutta Beispiel"
    assert text_byline(text) == ["Jelko Muster und Jutta Beispiel"]
    assert clean_authors(text_byline(text)) == ["Jelko Muster", "Jutta Beispiel"]


def test_byline_elements_are_what_the_xpath_selects() -> None:
    tree = fromstring(
        page(
            '<!-- a comment --><div class="x-author">A</div><span rel="author">B</span>'
            '<p itemprop="author">C</p><p itemprop="authors">no</p><a class="Author">no</a>'
            '<i data-testid="article-byline">D</i><b id="byline-top">E</b>'
            '<em class="autorin">F</em><u class="auteur">G</u><s rel="author me">no</s>'
        )
    )
    assert list(_byline_elements(tree)) == tree.xpath(_BYLINE_XPATH)
    assert len(tree.xpath(_BYLINE_XPATH)) == 7


@pytest.mark.parametrize(
    "body",
    [
        '<p class="byline">By <a href="/a">Ann Lee</a><time>3 May</time>, Berlin</p>',
        '<div class="author-name">Jo<span class="date">1.2.</span>hn Roe<figure>x</figure>!</div>',
        '<div class="sidebar"><span class="author">Not Me</span></div><p id="author">Max Muster</p>',
        '<span class="author"><time>now</time></span><h4 class="username">Jane Doe</h4>',
        '<div class="post-author"><b>Text:</b> <i>Eva</i> <i>Klein</i></div>',
        '<div itemprop="author"><span class="quote">q</span>tail <em>Lena</em></div>',
        '<author>Kim Park</author><div class="writer">Lo Wu</div>',
        '<a rel="author"><rel>me</rel>Tom Ford</a>',  # a <rel> element: trafilatura's own
        '<span class="byline">x</span><span data-component="Byline">Ida Berg</span>',
        "<p>No signature at all.</p>",
    ],
)
def test_author_from_dom_equals_trafilaturas(body: str) -> None:
    from trafilatura.metadata import extract_author
    from trafilatura.utils import load_html

    from pipeline.metadata.heuristics import author_from_dom

    tree = load_html(f"<html><head><title>t</title></head><body><main>{body}</main></body></html>")
    assert author_from_dom(tree) == extract_author(tree)


# ---------------------------------------------------------------- general rules, held out


def test_a_box_that_holds_the_headline_frames_the_article() -> None:
    # a teaser-named module around the headline is the article's own header
    body = (
        '<div class="module module-leadTeaser lead"><h1>Boote im Winter</h1>'
        '<div class="metaInfo">Ein Artikel von <strong>Anna Muster</strong> | 03.02.2021'
        "</div></div><p>Text.</p>"
    )
    assert dated_byline(fromstring(page(body))) == ["Anna Muster"]
    # a real teaser box beside the article is still no byline
    boxed = (
        "<h1>Boote im Winter</h1><p>Text.</p>"
        '<div class="leadTeaser"><div>Ein Artikel von <strong>Other Name</strong></div></div>'
    )
    assert dated_byline(fromstring(page(boxed))) == []
    framed = '<div class="sidebar-wrapper"><h1>H</h1><span class="author">Ann Lee</span></div>'
    assert dom_bylines(fromstring(page(framed))) == ["Ann Lee"]
    assert (
        dom_bylines(fromstring(page('<div class="sidebar"><span class="author">X Y</span>'))) == []
    )


@pytest.mark.parametrize(
    ("body", "name"),
    [
        # the label alone in its element, the name in its tail up to a break
        (
            "<div><span class='lbl'>Autor:</span> Karl Muster<br><span>Quelle:</span> X</div>",
            "Karl Muster",
        ),
        # not without a colon: "<b>Von</b> hier aus ..." is prose
        ("<p><b>Von</b> hier aus sieht man weit</p>", None),
        # a comment between the label's box and the name's box
        (
            "<div><p><strong>By</strong></p></div><!-- field --><div><p>Tom Muster</p></div>",
            "Tom Muster",
        ),
        # a role after the name
        (
            "<p><strong>Autorin: Ida Muster, Projektleiterin der Stiftung in Rom.</strong></p>",
            "Ida Muster",
        ),
        # a section after a date is no signature; a labelled one is
        ("<p>4. März 2021 | Verkehr</p>", None),
        ("<p>4. März 2021 von Henrike</p>", "Henrike"),
    ],
)
def test_more_label_forms(body: str, name: str | None) -> None:
    found = dated_byline(fromstring(page(body + "<p>Text of the article.</p>")))
    assert clean_authors(found) == ([name] if name else [])


def test_organisations_with_lower_case_words_are_no_persons() -> None:
    raw = ["Hessisches Landesamt für Boden und Wasser - HLBW"]
    dropped: set[str] = set()
    assert clean_authors(raw, dropped=dropped) == []
    assert "wasser" in dropped  # so another source's copy of the piece goes too
    assert clean_authors(["Projektleiterin der Stiftung in Rom"]) == []
    # particles are part of names
    assert clean_authors(["Ursula von der Leyen", "Jean de la Fontaine"]) == [
        "Ursula von der Leyen",
        "Jean de la Fontaine",
    ]
    assert clean_authors(["Analysis by Chris Muster, XYZ Editor-at-large"], ["XYZ"]) == [
        "Chris Muster"
    ]


def test_the_outlet_as_a_whole_value_and_as_a_domain() -> None:
    # "Cats & Dogs" is the outlet's name, not the persons "Cats" and "Dogs"
    found = choose(
        [(["Cats & Dogs"], "meta"), (["Ana de la Rosa"], "byline")], outlets=("Cats & Dogs",)
    )
    assert found == ["Ana de la Rosa"]
    # the outlet's domain as author: its re-spelling ("Example-Zeitung De") is dropped too
    dropped: set[str] = set()
    assert clean_authors(["example-zeitung.de"], ["example-zeitung.de"], dropped=dropped) == []
    assert "examplezeitungde" in dropped
    found = choose(
        [
            (["example-zeitung.de"], "meta"),
            (["Example-Zeitung De"], "trafilatura"),
            (["Eva Holm"], "byline"),
        ],
        outlets=("example-zeitung.de",),
    )
    assert found == ["Eva Holm"]


def test_trafilaturas_respelling_yields_to_the_page() -> None:
    found = choose([(["QuiLL_MaN"], "byline"), (["QuiLL MaN"], "trafilatura")])
    assert found == ["QuiLL_MaN"]
    # a CMS user name does not replace a name
    found = choose([(["jane.roe"], "json-ld"), (["Jane Roe"], "trafilatura")])
    assert found == ["Jane Roe"]
    assert complete_names(["marco muster"], ["Marco Muster"]) == ["Marco Muster"]
    assert complete_names(["jdoe"], ["Jdoe"]) == ["jdoe"]  # a handle stays as written


def test_headline_starting_with_von_is_no_byline() -> None:
    title = "Von Regeln, Ausnahmen und Alltag"
    text = f"Kicker line\n{title}\nThe article starts here."
    assert text_byline(text, title) == []
    assert text_byline("Von Eva Holm\nThe article starts here.", title) == ["Eva Holm"]


def test_an_author_boxs_biography_completes_a_lone_first_name() -> None:
    body = (
        "<h1>H</h1><p>Text.</p><div class='author-box'>"
        "<div class='author-box__name'>Jonas</div>"
        "<div class='author-box__bio'>Jonas Muster - Maschinenbauer und Abenteurer, seit"
        " 2002 auf dem Rad unterwegs und seit 2012 bei uns.</div></div>"
    )
    bios: list[str] = []
    assert dom_bylines(fromstring(page(body)), bios=bios) == ["Jonas"]
    assert bios == ["Jonas Muster"]
    found = choose_authors([(["Jonas"], "byline")], [], set(), {}, fuller=bios)
    assert found == ["Jonas Muster"]
    # a biography only completes: it names no author by itself
    assert choose_authors([([], "byline")], [], set(), {}, fuller=bios) == []


def test_the_articles_own_sidebar_is_no_side_box() -> None:
    body = (
        "<h1>Robot</h1><p>Text.</p>"
        '<div class="article-sidebar-wrapper"><div><p class="label"><strong>By</strong></p>'
        '</div><!-- field --><div><p class="full-name">Tom Muster</p></div></div>'
    )
    assert dated_byline(fromstring(page(body))) == ["Tom Muster"]
    # the page's sidebar is still one
    body = body.replace("article-sidebar-wrapper", "sidebar-wrapper")
    assert dated_byline(fromstring(page(body))) == []
