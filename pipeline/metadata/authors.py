"""Turn raw bylines into a clean list of person names.

Bylines mix names with roles, outlets, dates, e-mails and links; keeping only what looks
like a person's name is what makes author search and counts meaningful.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml.html import HtmlElement

from pipeline.metadata.titles import is_site_name

_SPLIT = re.compile(
    r"\s*(?:\s[-–—]\s|;|\||,|/|\s&\s|&amp;|\band\b|\bund\b|\bet\b|\by\b|\bi\b|\bи\b|\be\b)\s*"
)
_PREFIX = re.compile(
    r"^(?:(?:written|reported|posted|text|story|words|photos?|fotos?|reporting|"
    r"ein beitrag|eine analyse|ein kommentar|ein interview|ein gastbeitrag)\s+)?"
    r"(?:by|von|vom|par|por|di|door|av|af|от|автор|автори|text|autor(?:in)?|author|"
    r"redakteur(?:in)?|verfasst von|geschrieben von|erstellt von|autorenseite von|posted by)\s*[:\-]?\s+",
    re.IGNORECASE,
)
_LABEL = re.compile(
    r"^(?:text|autor(?:in)?|author|auteur|autore|verfasser(?:in)?|by|von|quelle|source|foto|photo)"
    r"\s*:\s*",
    re.I,
)
_TAIL = re.compile(
    r"\s*(?:[-–—|,(]\s*)?(?:(?:updated|published|posted|aktualisiert|veröffentlicht|publiziert|stand|datum)\b|"
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|montag|dienstag|mittwoch|"
    r"donnerstag|freitag|samstag|sonntag|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\b|"
    r"(?:am|on|le|el|il)\s+\d).*$",
    re.IGNORECASE,
)
# a job title before the name ("Rechtsanwalt Max Muster", "Korrespondentin Eva Holm")
_ROLE = re.compile(
    r"^(?:(?:chef|fach|senior|stellvertretende[rn]?)\s*)?(?:rechtsanw[aä]lt(?:in)?|"
    r"anw[aä]lt(?:in)?|redakteur(?:in)?|korrespondent(?:in)?|journalist(?:in)?|"
    r"reporter(?:in)?|correspondent|staff writer|senior writer|contributing writer|"
    r"columnist|kolumnist(?:in)?|корреспондент|обозреватель)\s+",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_URL = re.compile(r"(?:https?://|www\.)\S+|\S+\.(?:com|de|org|net|ru|fr|uk|at|ch)\b", re.I)
_DIGIT = re.compile(r"\d")
_GENERIC = re.compile(
    r"\b(?:staff|editors?|editorial|redaktion|newsroom|team|desk|admin|administrator|"
    r"correspondent|reporter|contributor|guest|anonymous|unknown|agency|agentur|"
    r"news|online|wire|press|presse|service|magazin|magazine|zeitung|redaction|"
    r"rédaction|redacción|редакция|mitarbeiter|gastautor|autoren|contributors|"
    r"associated|reuters|afp|dpa|sid|kna|epd|apa|ap|ots|red|ddp|dapd)\b",
    re.IGNORECASE,
)
_AGENCY = re.compile(
    r"(?:associated press|reuters|afp|dpa|sid|kna|epd|apa|ap|ots|ddp|dapd|ansa|efe|tass|upi)",
    re.IGNORECASE,
)
_CREDIT = re.compile(
    r"\b(?:photo|photograph|photos|foto|fotos|bild|image|illustration|grafik)\b", re.I
)
_ALONE = frozenset(["by", "von", "vom", "par", "por", "di", "door", "av", "af"])
_STOP = frozenset(
    [
        "über",
        "ueber",
        "about",
        "author",
        "autor",
        "auteur",
        "auteurs",
        "authors",
        "autorin",
        "autoren",
        "more",
        "weitere",
        "mehr",
        "posts",
        "artikel",
        "articles",
        "profil",
        "profile",
        "kontakt",
        "contact",
        "follow",
        "folgen",
        "sponsored",
        "gesponserte",
        "inhalte",
        "anzeige",
    ]
)
_HANDLE = re.compile(r"_|[a-z][A-Z]|\w\.\w")
_NAME_CHARS = re.compile(r"^[^\W\d_][\w'’.\- ]*$", re.UNICODE)
_HANDLE_OK = re.compile(r"^\w[\w.\-]{1,30}$")


def _normal(text: str) -> str:
    return re.sub(r"[^\w]+", "", text.casefold())


def _clean_one(part: str, excluded: set[str], strict: bool = True) -> str | None:
    if _CREDIT.search(part):
        return None
    part = _EMAIL.sub("", part)
    part = _URL.sub("", part)
    part = _LABEL.sub("", part.strip(" \t\n.:;-–—|()[]\"'"))
    part = _PREFIX.sub("", part)
    part = _TAIL.sub("", part).strip(" \t\n.:;,-–—|()[]\"'@")
    part = _ROLE.sub("", part)
    if not part or len(part) > 60:
        return None
    words = part.split()
    if strict and (_DIGIT.search(part) or _GENERIC.search(part)):
        return None
    if not (_NAME_CHARS.match(part) or (not strict and len(words) == 1 and _HANDLE_OK.match(part))):
        return None
    if any(w.casefold() in _STOP for w in words) or (len(words) == 1 and part.casefold() in _ALONE):
        return None
    if strict and len(words) == 1 and _HANDLE.search(part):  # @handles and user names
        return None
    if not 1 <= len(words) <= 5:
        return None
    if len(words) == 1 and len(part) < 3:
        return None
    if _normal(part) in excluded:
        return None
    if part.isupper() and len(part) > 3:
        part = part.title()
    return part


def clean_authors(
    raw: Iterable[str], outlet_names: Iterable[str] = (), strict: bool = True
) -> list[str]:
    """Split and filter raw author strings; outlet names are never authors.

    strict=False is the last resort when no person is named: a page signed only by its
    desk, its organisation or a user handle ("Redaktion", "Wikimedia Foundation",
    "delta201") is still attributed to that signature rather than to no one.
    """
    excluded = {_normal(n) for n in outlet_names if n}
    out: list[str] = []
    seen: set[str] = set()
    for value in raw:
        if not value:
            continue
        value = _URL.sub(" ", _EMAIL.sub(" ", " ".join(str(value).split())))
        value = _PREFIX.sub("", _LABEL.sub("", value))
        for part in _SPLIT.split(value):
            name = _clean_one(part, excluded, strict)
            if name and (key := _normal(name)) not in seen:
                seen.add(key)
                out.append(name)
    return out


_BYLINE_XPATH = (
    './/*[@itemprop="author" or @rel="author" or contains(@class, "byline") '
    'or contains(@class, "author") or contains(@class, "auteur") or contains(@class, "autor") '
    'or contains(@data-testid, "byline") or contains(@id, "byline")]'
)
_BYLINE_TEXT = re.compile(
    r"^\s*(?:by|von|par|por|door|di|av|af|от|"
    r"(?:autor(?:in)?|author|auteur|autore|verfasser(?:in)?|text|автор)\s*:)"
    r"\s+(\w[\w'’.\- ]{2,60}?(?:\s+(?:and|und|et|y|&)"
    r"\s+\w[\w'’.\- ]{2,40}?)?)\s*(?:[,|•·(]|$)",
    re.IGNORECASE,
)
_SKIP = re.compile(r"comment|related|teaser|footer|sidebar|widget|share|social", re.IGNORECASE)
_LAYOUT = re.compile(
    r"^(?:has|with|no|one|two|three|left|right|is)[-_]|layout|posi?ti?tion",
    re.IGNORECASE,
)


def _in_box(names: str) -> bool:
    """A class/id naming a comment, teaser or sidebar box; layout modifiers of the page's
    main column ("right-sidebar", "has-sidebar") do not make it one."""
    return any(_SKIP.search(t) and not _LAYOUT.search(t) for t in names.split())


def dom_bylines(tree: HtmlElement, limit: int = 5) -> list[str]:
    """Short texts of byline/author elements, outside comment and related-article boxes."""
    found: list[str] = []
    for elem in tree.xpath(_BYLINE_XPATH):
        if elem.tag in ("meta", "link", "body", "html", "script", "style", "img"):
            continue
        # the element itself ("comment-author") or a box around it, but not <body>/<html>,
        # whose classes describe the whole page ("has-sidebar", "social-share-enabled")
        boxes = [elem, *(a for a in elem.iterancestors() if a.tag not in ("body", "html"))]
        if any(_in_box(a.get("class", "") + " " + a.get("id", "")) for a in boxes):
            continue
        text = " ".join(" ".join(elem.itertext()).split())
        if 2 < len(text) <= 80:
            found.append(text)
            if len(found) >= limit:
                break
    return found


def text_byline(text: str) -> list[str]:
    """A "By A and B" / "von A" line among the first or last lines of the article text."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines[:3] + lines[-2:]:
        if len(line) <= 80 and (match := _BYLINE_TEXT.match(line)):
            return [match.group(1)]
    return []


def complete_names(names: list[str], others: Iterable[str]) -> list[str]:
    """A lone first name ("Todd") is completed from another source's full byline that
    starts with it ("Todd Bates"): metadata often carries only a CMS display name."""
    fuller = [o for o in others if len(o.split()) >= 2]
    out: list[str] = []
    for name in names:
        if len(name.split()) == 1:
            key = name.casefold()
            name = next((o for o in fuller if o.split()[0].casefold() == key), name)
        out.append(name)
    return list(dict.fromkeys(out))


def with_agencies(names: list[str], raw: Iterable[str], outlet_names: Iterable[str]) -> list[str]:
    """Put back the news agency that signs beside a person ("det/dpa", "AFP/The Local"):
    it says where the copy came from. A generic desk ("Redaktion") is not put back."""
    signed = clean_authors(raw, outlet_names, strict=False)
    extra = [s for s in signed if s not in names and _AGENCY.fullmatch(s)]
    if not extra or len(extra) > 2:
        return names
    return [s for s in signed if s in names or s in extra]


_DATE = (
    r"(?:\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}|"
    r"[^\W\d_]{3,10}\.?\s+\d{1,2},?\s+\d{4}|\d{1,2}\.?\s+[^\W\d_]{3,10}\.?,?\s+\d{4})"
)
_DATED_BYLINE = re.compile(
    r"^(?:(?:posted|published|veröffentlicht|erschienen|publié)\s+(?:on|am|le)\s+)?"
    + _DATE
    + r"(?:,?\s*(?:um\s+|at\s+|à\s+)?\d{1,2}[:.h]\d{2}(?:\s*(?:uhr|am|pm))?)?"
    r"(?:\s*[-–—|·•,]\s*(?:(?:by|von|par|por|door|di)\s+)?|\s+(?:by|von|par|por|door|di)\s+)"
    r"([^\W\d_][\w'’.\- ]{2,50})$",
    re.IGNORECASE,
)
_LABELLED = re.compile(
    r"^(?:autor(?:in)?|author|auteur|autore|verfasser(?:in)?|автор)\s*:\s*"
    r"([^\W\d_][\w'’.\- ]{2,60})$",
    re.IGNORECASE,
)
_NO_TEXT = frozenset(["script", "style", "noscript", "template", "option", "title"])


def dated_byline(tree: HtmlElement) -> list[str]:
    """A short line "11.12.2019 - Anna Muster", "Posted on May 3, 2024 by Jane Roe" or
    "Autor: Anna Muster": the byline of blogs and small sites that mark up none."""
    for elem in tree.iter():
        if not isinstance(elem.tag, str) or elem.tag in _NO_TEXT:
            continue
        for text in (elem.text, elem.tail):
            if not text or len(text) > 100:
                continue
            text = " ".join(text.split())
            match = _DATED_BYLINE.match(text) if _DIGIT.search(text) else _LABELLED.match(text)
            if match is None:
                continue
            boxes = [elem, *(a for a in elem.iterancestors() if a.tag not in ("body", "html"))]
            if not any(_in_box(a.get("class", "") + " " + a.get("id", "")) for a in boxes):
                return [match.group(1)]
    return []


def choose_authors(
    candidates: list[tuple[list[str], str]],
    outlet_names: list[str],
    name_keys: set[str],
    sources: dict[str, str],
) -> list[str]:
    """Persons from the first source that names any; else whatever signature the page has."""
    people = [
        ([a for a in clean_authors(raw, outlet_names) if not is_site_name(a, name_keys)], source)
        for raw, source in candidates
    ]
    for (found, source), (raw, _) in zip(people, candidates, strict=True):
        if found:
            sources["authors"] = source
            found = with_agencies(found, raw, outlet_names)
            return complete_names(found, [a for other, _ in people for a in other])
    for raw, source in candidates:
        if found := clean_authors(raw, strict=False):
            sources["authors"] = source
            return found
    return []
