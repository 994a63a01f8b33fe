"""The article's main text: which trafilatura run to trust for a page.

favor_precision drops more boilerplate (body F1 on the article-extraction benchmark
0.960 -> 0.969), but on some short pages it drops the article too: below
PRECISION_CHECK_CHARS characters the recall-oriented run is made as well, and its text wins
if precision kept under PRECISION_KEEP_SHARE of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lxml.html import HtmlElement
    from trafilatura.settings import Document

PRECISION_CHECK_CHARS = 1500
PRECISION_KEEP_SHARE = 0.5


def main_text(
    tree: HtmlElement,
    url: str,
    include_comments: bool,
    date_params: dict[str, Any],
) -> tuple[Document | None, str]:
    """trafilatura's document (with its metadata) and the chosen main text."""
    from trafilatura import bare_extraction

    def run(precision: bool, with_metadata: bool = True) -> tuple[Document | None, str]:
        found = bare_extraction(
            tree,
            url=url,
            with_metadata=with_metadata,
            include_comments=include_comments,
            favor_precision=precision,
            date_extraction_params=date_params,
        )
        return found, ((found.text or "").strip() if found is not None else "")

    doc, text = run(precision=True)
    if len(text) < PRECISION_CHECK_CHARS:
        # a short precise text may be the article cut down with the boilerplate: compare
        # with the recall-oriented run and keep that one if precision dropped most of it
        full, full_text = run(precision=False, with_metadata=doc is None)
        if doc is None or len(text) < PRECISION_KEEP_SHARE * len(full_text):
            doc, text = (full, full_text) if doc is None else (doc, full_text)
    return doc, text
