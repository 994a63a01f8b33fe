"""Build the corpus's language reference: two independent detectors on each page's text.

    python benchmarks/extraction/language_reference.py [--corpus ../shared/corpus]

The shared corpus has no language truth. For each page, py3langid (a naive Bayes model
over byte n-grams) and langdetect (Google's language-detection port: character n-gram
profiles) classify the page's whole visible text (the annotated body where the corpus has
one), decoded with the corpus charset. Where they agree, that is the reference. Where they
disagree, the page was read by eye and the verdict is kept in CHECKED below; a page still
unresolved is left out of the reference (and reported). Writes language_reference.json
beside this file: page ids and codes only, no page content.

langdetect is needed only here: `pip install 'langdetect>=1.0.9,<2'`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "language_reference.json"

# id -> language, decided by reading the page where the two detectors disagree. Left out:
# one page in Papiamento (neither detector knows it) and seven with under 200 characters.
CHECKED: dict[str, str] = {
    "aeb_11ea381ad92b5448": "pt",  # a Portuguese results table (English driver names)
    "bbaw_colours-of-the-soul-alhelm-net": "de",  # German posts under English PHP warnings
    "bbaw_pointofsail-kiel-de-wilson": "de",  # German article quoting English copy
    "bbaw_seelenradio-de-leo": "de",  # German blog post
    "mc_1500260110": "zh",  # Traditional Chinese (langdetect says ko)
    "mc_1546021647": "zh",
    "mc_1564888577": "zh",
    "mc_1728970162": "zh",
    "mc_1577247412": "ka",  # a Georgian news video under the player's English interface
    "mc_1711609490": "hy",  # Armenian (langdetect has no Armenian profile)
    "mc_1778318045": "hy",
    "mc_1725202846": "hi",  # Hindi article, English navigation
    "mc_1750355638": "bs",  # Bosnian (a Sarajevo daily); hr/bs/sr are one continuum
}


def page_text(truth: dict, pages: Path) -> str:
    if truth.get("body"):
        return str(truth["body"])
    from lxml import html

    raw_path = pages / f"{truth['id']}.html.gz"
    raw = gzip.decompress(raw_path.read_bytes())
    text = raw.decode(truth.get("charset") or "utf-8", "replace")
    try:
        tree = html.fromstring(text)
    except (ValueError, TypeError):
        return ""
    for bad in tree.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    body = tree.find("body")
    return " ".join((body if body is not None else tree).text_content().split())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=HERE.parents[2] / "shared" / "corpus")
    parser.add_argument("--show", action="store_true", help="print text of disagreements")
    args = parser.parse_args(argv)
    import py3langid
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0  # langdetect samples at random: fixed for a stable reference
    macro = {"nb": "no", "nn": "no"}
    languages: dict[str, str] = {}
    disagreements: dict[str, dict[str, str | None]] = {}
    for path in sorted(args.corpus.glob("*/truth/*.json")):
        truth = json.loads(path.read_text(encoding="utf-8"))
        text = page_text(truth, path.parent.parent / "pages")
        if len(text) < 200:
            disagreements[truth["id"]] = {"py3langid": None, "langdetect": None, "note": "short"}
            continue
        one = macro.get(c := py3langid.classify(text[:20000])[0], c)
        try:
            two = detect(text[:20000]).split("-")[0]
        except LangDetectException:
            two = None
        two = macro.get(two, two) if two else None
        if one == two:
            languages[truth["id"]] = one
        elif truth["id"] in CHECKED:
            languages[truth["id"]] = CHECKED[truth["id"]]
        else:
            disagreements[truth["id"]] = {"py3langid": one, "langdetect": two}
            if args.show:
                print(truth["id"], one, two, truth.get("url"), text[:300].replace("\n", " "))
    OUT.write_text(
        json.dumps(
            {
                "method": "py3langid and langdetect agree on the page text, else CHECKED",
                "checked_by_eye": sorted(CHECKED),
                "unresolved": disagreements,
                "languages": languages,
            },
            indent=1,
            sort_keys=True,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"{len(languages)} pages with a reference language, {len(disagreements)} unresolved")
    return 0


if __name__ == "__main__":
    sys.exit(main())
