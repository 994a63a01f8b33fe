"""The article's main text: which trafilatura run to trust for a page, and its standfirst.

favor_precision drops more boilerplate (body F1 on the article-extraction benchmark
0.960 -> 0.969), but on some short pages it drops the article too: below
PRECISION_CHECK_CHARS characters a recall-oriented run is made as well, and its text wins
if precision kept under PRECISION_KEEP_SHARE of it. That second run uses favor_recall
rather than the default mode: it recovers nearly as much on those pages at less than half
the cost (it skips the balanced mode's own escalation and fallback rounds).

Every mode of trafilatura tends to drop the standfirst (lead, dek, summary paragraph
between headline and body): it sits outside the body's container or carries a
teaser-like class. Publishers nearly always repeat it as the page's meta description, so
a description that the page also shows in its body, and that the text lacks, is put back
in front of the text. For monitoring the standfirst is the densest part of an article;
the article-extraction benchmark's annotators left it out (body F1 0.969 -> 0.965 there),
the bbaw snippets count it in (snippet F1 0.925 -> 0.936).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from lxml import etree

from pipeline.metadata.heuristics import HeuristicMetadata

if TYPE_CHECKING:
    from lxml.html import HtmlElement
    from trafilatura.settings import Document

PRECISION_CHECK_CHARS = 1500
PRECISION_KEEP_SHARE = 0.5
# a shorter description is a tagline or a title variant rather than a standfirst
STANDFIRST_MIN_CHARS = 60
# enough of the description to find a text node of it; probes are taken at its start,
# middle and end, so that inline markup (a link, a bold place name) cannot hide all three
STANDFIRST_PROBE_CHARS = 30
# ancestors to climb from that text node to a block holding the whole description
STANDFIRST_MAX_CLIMB = 4

_SPACES = re.compile(r"\s+")
_INVISIBLE = ("script", "style", "noscript", "template", "textarea")
# page furniture: a description shown there is the site's blurb, not the article's lead
_FURNITURE = ("nav", "aside", "footer")
_FIND_PROBE = etree.XPath(
    "//body//text()[contains(normalize-space(.), $probe)]"
    "[not(ancestor::script or ancestor::style or ancestor::noscript or ancestor::template"
    " or ancestor::textarea)]"
)


def _norm(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def shown_in_body(tree: HtmlElement, text: str) -> bool:
    """Whether the page shows `text` in its body: not only in <head>, JSON-LD or scripts,
    and not in its navigation, sidebars or footer."""
    wanted = _norm(text)
    size = STANDFIRST_PROBE_CHARS
    starts = dict.fromkeys((0, max(0, len(wanted) // 2 - size // 2), max(0, len(wanted) - size)))
    for start in starts:
        probe = wanted[start : start + size].strip()
        if not probe:
            continue
        for node in _FIND_PROBE(tree, probe=probe):
            block = node.getparent()
            for _ in range(STANDFIRST_MAX_CLIMB):
                if block is None or block.tag in _INVISIBLE:
                    break
                if wanted in _norm(block.text_content()):
                    furniture = [block, *block.iterancestors()]
                    if not any(el.tag in _FURNITURE for el in furniture):
                        return True
                    break
                block = block.getparent()
    return False


def with_standfirst(tree: HtmlElement, text: str, description: str | None) -> str:
    """`text` led by the page's standfirst when the extraction dropped it."""
    if not description or not text:
        return text
    lead = _norm(description)
    if len(lead) < STANDFIRST_MIN_CHARS or lead.endswith(("...", "…")):
        return text  # too short to be a standfirst, or a truncated excerpt of the body
    if lead[:STANDFIRST_PROBE_CHARS] in _norm(text):
        return text  # already there, perhaps continued or reworded further on
    if not shown_in_body(tree, lead):
        return text  # a description written for search engines only
    return f"{lead}\n{text}"


def main_text(
    tree: HtmlElement,
    url: str,
    include_comments: bool,
    date_params: dict[str, Any],
    standfirst: bool = True,
    recall_check: bool = True,
) -> tuple[HeuristicMetadata | None, str]:
    """trafilatura's heuristic metadata and the chosen main text; (None, "") if no run
    found any text.

    The runs extract text only: the metadata is read once from the intact tree, what
    with_metadata=True would have given, with its costly parts deferred (heuristics.py).
    """
    from trafilatura import bare_extraction

    def run(mode: str) -> tuple[Document | None, str]:
        found = bare_extraction(
            tree,
            url=url,
            with_metadata=False,
            include_comments=include_comments,
            favor_precision=mode == "precision",
            favor_recall=mode == "recall",
        )
        return found, ((found.text or "").strip() if found is not None else "")

    doc, text = run("precision")
    if recall_check and len(text) < PRECISION_CHECK_CHARS:
        # a short precise text may be the article cut down with the boilerplate: compare
        # with the recall-oriented run and keep that one if precision dropped most of it
        full, full_text = run("recall")
        if doc is None or len(text) < PRECISION_KEEP_SHARE * len(full_text):
            doc, text = full, full_text
    if doc is None or not text:
        return None, text
    try:
        found = HeuristicMetadata(tree, url, date_params)
    except (TypeError, ValueError):  # inside bare_extraction these discarded the page
        return None, ""
    return found, with_standfirst(tree, text, found.description) if standfirst else text
