"""Language as ISO 639-1: what the page declares, what its text is, and which to believe.

Templates declare one language for a whole site (`<html lang="en">` on a page written in
Zulu, Swahili or Danish), so a declaration is only a prior: when the text is long enough
and py3langid is confident that it is another language, the text wins. Both are kept, so
that a wrong template can be seen and queried.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

_CODE = re.compile(r"^([a-zA-Z]{2})(?:[-_][a-zA-Z0-9]+)*$")
# below this many characters of text a detection is a guess (a caption, a teaser)
MIN_DETECT_CHARS = 20
# a detection that overrules a declaration needs this much text and this confidence:
# a short text or a close call between neighbours (da/no, hr/sr) keeps the declaration
OVERRULE_MIN_CHARS = 400
OVERRULE_MIN_CONFIDENCE = 0.95
_SAMPLE_CHARS = 5000  # enough for a confident call, and keeps it at a few ms
# written standards of one language that detectors and templates name differently
_SAME = {"nb": "no", "nn": "no"}


def normalize_language(value: str | None) -> str | None:
    """'de-DE', 'en_US', 'RU' -> two letters; anything else -> None."""
    if not value:
        return None
    match = _CODE.match(value.strip().split(",")[0].strip())
    return match.group(1).lower() if match else None


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    """py3langid's own shipped model, with normalised probabilities (a confidence)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@dataclass(frozen=True, slots=True)
class Detection:
    code: str
    confidence: float  # 0..1
    chars: int  # how much text it was made on


def detect(text: str) -> Detection | None:
    """py3langid on up to 5,000 characters; None for a text too short to tell."""
    sample = text.strip()[:_SAMPLE_CHARS]
    if len(sample) < MIN_DETECT_CHARS:
        return None
    code, confidence = _identifier().classify(sample)
    norm = normalize_language(code)
    return Detection(norm, float(confidence), len(sample)) if norm else None


def detect_language(text: str) -> str | None:
    found = detect(text)
    return found.code if found else None


def _same(a: str, b: str) -> bool:
    return _SAME.get(a, a) == _SAME.get(b, b)


def choose_language(
    declared: str | None, detected: Detection | None, trust_text: bool = True
) -> tuple[str | None, str]:
    """(language, where it came from): the declaration, unless the text confidently says
    otherwise; the detection when nothing is declared."""
    if declared is None:
        return (detected.code, "text") if detected else (None, "")
    if (
        trust_text
        and detected is not None
        and not _same(detected.code, declared)
        and detected.chars >= OVERRULE_MIN_CHARS
        and detected.confidence >= OVERRULE_MIN_CONFIDENCE
    ):
        return detected.code, "text"
    return declared, "declared"
