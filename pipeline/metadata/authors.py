"""Turn raw bylines into a clean list of person names.

Bylines mix names with roles, outlets, dates, e-mails and links; keeping only what looks
like a person's name is what makes author search and counts meaningful.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator

from lxml import etree
from lxml.html import HtmlElement

from pipeline.metadata.titles import is_site_name, norm_text

_SPLIT = re.compile(
    r"\s*(?:\s[-–—]\s|;|\||,|/|\s&\s|&amp;|\band\b|\bund\b|\bet\b|\by\b|\bi\b|\bи\b|\be\b)\s*"
)
_PREFIX = re.compile(
    r"^(?:(?:written|reported|posted|text|story|words|photos?|fotos?|reporting|"
    r"ein beitrag|eine analyse|ein kommentar|ein interview|ein gastbeitrag)\s+|"
    r"[^\W\d_]+\s+(?=by\s))?"  # "Analysis by", "Commentary by": a kind of piece, then "by"
    r"(?:by|von|vom|par|por|di|door|av|af|от|автор|автори|text|autor(?:in)?|author|"
    r"redakteur(?:in)?|verfasst von|geschrieben von|erstellt von|autorenseite von|posted by)\s*[:\-]?\s+",
    re.IGNORECASE,
)
_LABEL = re.compile(
    r"^(?:(?:text|texte|words)\s*(?:&|\+|/|und|and|et|y)\s*(?:fotos?|photos?|bilder|interview)|"
    r"text|autor(?:in|en)?|authors?|auteur|autore|verfasser(?:in)?|by|von|quelle|source|foto|photo)"
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
_URL = re.compile(
    r"(?:https?://|www\.)\S+|\S+\.(?:com|de|org|net|ru|fr|uk|at|ch|it|es|nl|eu|info|io)\b", re.I
)
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
    r"\b(?:photo|photograph|photos|foto|fotos|bild|image|illustration|grafik|video|kamera|camera)\b",
    re.I,
)
# a whole value that credits a picture ("Photograph by A, Agency"): no part of it is a writer
_CREDIT_VALUE = re.compile(
    r"^\W*(?:photo(?:graph)?s?|fotos?|bild(?:er)?|images?|illustrations?|grafik|video|kamera|camera)"
    r"\b(?:\s*:|\s+(?:by|von|par|por|di|door)\b)",
    re.I,
)
# organisations sign as authors in metadata ("Bund der X e.V.", "Y GmbH"): not a person
_ORG = re.compile(
    r"(?:\b(?:ev|gmbh|ag|kg|ohg|inc|ltd|llc|corp|plc|s\.a|"
    r"stiftung|verband|verein|institut|foundation|ministerium|ministry|university|"
    r"universität|hochschule|gesellschaft|association|council|department|abteilung)\b)",
    re.I,
)
# the remains of an HTML entity that an extractor split up ("Redacci; Oacute; N Diario")
_ENTITY_LEFT = re.compile(
    r"\b[a-z](?:acute|grave|uml|circ|tilde|cedil|ring|slash)\b|\b(?:amp|nbsp|szlig|quot)\b", re.I
)
_EV = re.compile(r"\s+e\.?\s?V\b\.?")
# a job title after the name ("Markus Muster  Redakteur"); not the English desk words,
# which end desk names ("Antrim Court Reporter", "Letters to the Editor")
_ROLE_TAIL = re.compile(
    r"\s+(?:(?:chef)?redakteur(?:in)?|autor(?:in)?|journalist(?:in)?|korrespondent(?:in)?|"
    r"kolumnist(?:in)?|volontär(?:in)?|praktikant(?:in)?|rédact(?:eur|rice)|journaliste)$",
    re.I,
)
# lower-case words that belong inside names ("Ursula von der Leyen", "Edilson La Rosa")
_PARTICLES = frozenset(
    [
        "von",
        "van",
        "der",
        "den",
        "de",
        "da",
        "di",
        "du",
        "del",
        "della",
        "des",
        "la",
        "le",
        "ter",
        "ten",
        "zu",
        "zum",
        "zur",
        "y",
        "bin",
        "ibn",
        "al",
        "el",
        "dos",
        "das",
        "do",
        "af",
        "av",
        "mac",
        "op",
        "d'",
        "l'",
        "e",
    ]
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
        "null",
        "none",
        "undefined",
        "datum",
        "date",
        "said",
        "says",
        "wrote",
        "schreibt",
        "edited",
        "filed",
    ]
)
_HANDLE = re.compile(r"_|[a-z][A-Z]|\w\.\w")
_NAME_CHARS = re.compile(r"^[^\W\d_][\w'’.\- ]*$", re.UNICODE)
_HANDLE_OK = re.compile(r"^\w[\w.\-]{1,30}$")


def _normal(text: str) -> str:
    return re.sub(r"[^\w]+", "", text.casefold())


def _loose(text: str) -> str:
    """Key that survives re-spelling ("QuiLL_MaN" / "QuiLL MaN", "example.org" / "Example Org")."""
    return re.sub(r"[\W_]+", "", text.casefold())


def _domain(text: str) -> str:
    """ "https://www.Example.com/x" -> "example.com" """
    text = re.sub(r"^(?:https?://)?(?:www\.)?", "", text.strip(" ()[]<>.,;:'\"").casefold())
    return text.split("/")[0]


def _core(domain: str) -> str:
    """The name part of a domain: "www.anna-muster.de" -> "anna-muster"."""
    labels = domain.split(".")
    return max(labels[:-1] or labels, key=len)


def _lower_word(word: str) -> bool:
    return word[0].islower() and word.casefold() not in _PARTICLES


def _clean_one(
    part: str, excluded: set[str], strict: bool = True, dropped: set[str] | None = None
) -> str | None:
    if _CREDIT.search(part):
        return None
    part = _EMAIL.sub("", part)
    part = _URL.sub("", part)
    part = _LABEL.sub("", part.strip(" \t\n.:;-–—|()[]\"'"))
    part = _PREFIX.sub("", part)
    part = _TAIL.sub("", part).strip(" \t\n.:;,-–—|()[]\"'@")
    part = _ROLE.sub("", part)
    if strict and len(part.split()) > 2:  # "Rasender Reporter" is a pen name, not a role
        part = _ROLE_TAIL.sub("", part)
    if not part or len(part) > 60:
        return None
    words = part.split()
    org = strict and _ORG.search(part)
    stop = any(w.casefold() in _STOP for w in words)
    if strict:
        while len(words) > 2 and _lower_word(words[-1]):  # "Jane Roe janeroe": a handle
            words.pop()
        part = " ".join(words)
    not_person = (
        stop
        or _normal(part) in excluded
        or org
        or (strict and _GENERIC.search(part))
        # "deinen Hochzeitsbloggern": prose; an all lower-case byline is only a style
        or (strict and len(words) > 1 and _lower_word(words[0]) and not part.islower())
        # "Projektleiterin der Stiftung in Rom": a role or an organisation
        or (strict and _organisation(part))
    )
    if not_person:
        if dropped is not None:
            dropped.add(_loose(part))
        return None
    if strict and _DIGIT.search(part):
        return None
    if not (_NAME_CHARS.match(part) or (not strict and len(words) == 1 and _HANDLE_OK.match(part))):
        return None
    if len(words) == 1 and part.casefold() in _ALONE:
        return None
    if strict and len(words) == 1 and _HANDLE.search(part):  # @handles and user names
        return None
    if not 1 <= len(words) <= 5:
        return None
    if len(words) == 1 and len(part) < 3:
        return None
    part = part.removesuffix(" eV")  # the legal form is no part of the signature
    if part.isupper() and len(part) > 3:
        part = part.title()
    return part


def clean_authors(
    raw: Iterable[str],
    outlet_names: Iterable[str] = (),
    strict: bool = True,
    dropped: set[str] | None = None,
) -> list[str]:
    """Split and filter raw author strings; outlet names are never authors.

    strict=False is the last resort when no person is named: a page signed only by its
    desk, its organisation or a user handle is still attributed to that signature rather
    than to no one.
    `dropped` collects the keys of the signatures rejected as no person (outlets, desks,
    domains), so that another source's re-spelling of them can be rejected too.
    """
    outlet_names = [n for n in outlet_names if n]
    excluded = {_normal(n) for n in outlet_names}
    domains = {_domain(n) for n in outlet_names if "." in n and " " not in n.strip()}
    out: list[str] = []
    seen: set[str] = set()
    raw = [html.unescape(str(v)) for v in raw if v]
    if any(_ENTITY_LEFT.search(v) for v in raw):  # split up by a broken decoder: all unsure
        return out
    for value in raw:
        if not value:
            continue
        value = " ".join(value.split())
        if _CREDIT_VALUE.match(value):
            continue
        urls = _URL.findall(value)
        if any(_domain(u) in domains for u in urls):  # "Deutsche Welle (www.dw.com)"
            if dropped is not None:  # the name beside the domain, and the domain itself
                dropped.update(_loose(v) for v in (_URL.sub(" ", value), *urls))
                dropped.discard("")
            continue
        if dropped is not None:
            dropped.update(_loose(u) for u in urls)
        value = _URL.sub(" ", _EMAIL.sub(" ", value))
        value = _PREFIX.sub("", _LABEL.sub("", value))
        value = _EV.sub(" eV", value)  # "e. V." must not split at the Italian "e"
        if _normal(value) in excluded:  # "Cats & Dogs" is the outlet, not two persons
            if dropped is not None:
                dropped.add(_loose(value))
            continue
        parts = _SPLIT.split(value)
        names = [_clean_one(part, excluded, strict, dropped) for part in parts]
        if strict and any(
            n is None and _organisation(p) for n, p in zip(names, parts, strict=True)
        ):
            # "Landesamt für Boden und Wasser": split at "und", the one-word
            # pieces of an organisation's name are no persons either
            if dropped is not None:
                dropped.update(_loose(n) for n in names if n is not None and len(n.split()) == 1)
            names = [n for n in names if n is not None and len(n.split()) > 1]
        for name in names:
            if name and (key := _normal(name)) not in seen:
                seen.add(key)
                out.append(name)
    return out


def _organisation(part: str) -> bool:
    """An organisation's name: a legal form or institution word, or a lower-case word
    inside ("Landesamt für Boden"), where a person's name has only its particles."""
    words = part.split()
    return bool(_ORG.search(part)) or (
        len(words) > 2 and not part.islower() and any(map(_lower_word, words))
    )


_BYLINE_XPATH = (
    './/*[@itemprop="author" or @rel="author" or contains(@class, "byline") '
    'or contains(@class, "author") or contains(@class, "auteur") or contains(@class, "autor") '
    'or contains(@data-testid, "byline") or contains(@id, "byline")]'
)
_BYLINE_TEXT = re.compile(
    r"^\s*(?:by|von|par|por|door|di|av|af|от|"
    r"(?:autor(?:in)?|author|auteur|autore|verfasser(?:in)?|text|автор)\s*:|"
    r"(?:autoren|authors)\s*:?)"
    r"\s+(\w[\w'’.\- ]{2,60}?(?:\s+(?:and|und|et|y|&)"
    r"\s+\w[\w'’.\- ]{2,40}?)?)\s*(?:[,|•·(]|$)",
    re.IGNORECASE,
)
_SKIP = re.compile(r"comment|related|teaser|footer|sidebar|widget|share|social", re.IGNORECASE)
_LAYOUT = re.compile(
    r"(?:^|[-_])(?:has|with|no|one|two|three|left|right|is)[-_]|layout|posi?ti?tion|"
    r"(?:article|post|entry|story)[-_]+sidebar",  # the article's own column of facts
    re.IGNORECASE,
)


def _in_box(names: str) -> bool:
    """A class/id naming a comment, teaser or sidebar box; layout modifiers of the page's
    main column ("right-sidebar", "has-sidebar", "wrapper__with-sidebar") do not make it one."""
    return any(_SKIP.search(t) and not _LAYOUT.search(t) for t in names.split())


def headline_frames(tree: HtmlElement) -> set[HtmlElement]:
    """The elements around the page's <h1>s: whatever their class says ("lead
    module-teaser", "sidebar-wrapper"), they frame the article, not a side box."""
    return {a for h1 in tree.iter("h1") for a in h1.iterancestors()}


def _boxed(elem: HtmlElement, frames: set[HtmlElement]) -> bool:
    """Whether elem sits in a comment, teaser or sidebar box (or is one)."""
    boxes = [elem]
    boxes += (a for a in elem.iterancestors() if a.tag not in ("body", "html") and a not in frames)
    return any(_in_box(a.get("class", "") + " " + a.get("id", "")) for a in boxes)


def _byline_elements(tree: HtmlElement) -> Iterator[HtmlElement]:
    """What _BYLINE_XPATH selects, in document order: one Python pass over the attributes
    costs about half of libxml2's eight attribute node-sets per element."""
    for elem in tree.iterdescendants(etree.Element):  # elements only, as XPath's *
        attrib = elem.attrib
        if not attrib:
            continue
        cls = attrib.get("class")
        if (
            (
                cls is not None
                and ("byline" in cls or "author" in cls or "auteur" in cls or "autor" in cls)
            )
            or attrib.get("itemprop") == "author"
            or attrib.get("rel") == "author"
            or "byline" in (attrib.get("data-testid") or "")
            or "byline" in (attrib.get("id") or "")
        ):
            yield elem


# an author box's biography opens with the full name: "Jane Roe - reporter since ...",
# "Jane Roe ist Redakteurin ...", "Jane Roe is a ..."
_BIO_NAME = re.compile(
    r"^((?:[^\W\d_][\w'’\-]+)(?: (?:[^\W\d_][\w'’\-]+|[^\W\d_]\.)){1,2})"
    r"(?:\s+[-–—,:]\s|\s+(?:is|was|ist|war|est|es|schreibt|writes)\s)"
)


def dom_bylines(tree: HtmlElement, limit: int = 5, bios: list[str] | None = None) -> list[str]:
    """Short texts of byline/author elements, outside comment and related-article boxes;
    `bios` collects the full names that open longer author-box texts (biographies)."""
    found: list[str] = []
    frames = headline_frames(tree)
    for elem in _byline_elements(tree):
        if elem.tag in ("meta", "link", "body", "html", "script", "style", "img"):
            continue
        # the element itself ("comment-author") or a box around it, but not <body>/<html>,
        # whose classes describe the whole page ("has-sidebar", "social-share-enabled"),
        # nor a box that holds the headline: that one frames the article itself
        if _boxed(elem, frames):
            continue
        text = " ".join(" ".join(elem.itertext()).split())
        if 2 < len(text) <= 80 and len(found) < limit:
            found.append(text)
        elif len(text) > 80 and bios is not None:
            # the element's own opening text: a box around it starts with other parts
            match = _BIO_NAME.match(" ".join((elem.text or "").split()))
            if match and all(w[0].isupper() for w in match[1].split()):
                bios.append(match[1])
        if len(found) >= limit and bios is None:
            break
    return found


def text_byline(text: str, title: str = "") -> list[str]:
    """A "By A and B" / "von A" line among the first or last lines of the article text;
    not the headline, which may start with the same word ("Von Regeln und Ausnahmen")."""
    headline = norm_text(title)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    lines = [line for line in lines if not headline or norm_text(line) != headline]
    for line in lines[:3] + lines[-2:]:
        if len(line) <= 80 and (match := _BYLINE_TEXT.match(line)):
            return [match.group(1)]
    return []


def complete_names(names: list[str], others: Iterable[str]) -> list[str]:
    """A lone first name ("Jane") is completed from another source's full byline that
    starts with it ("Jane Roe"): metadata often carries only a CMS display name. A name
    a style sheet shows in lower case ("jane roe") takes another source's capitals."""
    others = list(others)
    fuller = [o for o in others if len(o.split()) >= 2]
    cased = {o.casefold(): o for o in others if not o.islower()}
    out: list[str] = []
    for name in names:
        if name.islower() and " " in name:  # not a handle: "jdoe" stays as written
            name = cased.get(name, name)
        if len(name.split()) == 1:
            key = name.casefold()
            name = next((o for o in fuller if o.split()[0].casefold() == key), name)
        out.append(name)
    return list(dict.fromkeys(out))


def _domain_names(outlet_names: Iterable[str]) -> list[str]:
    """ "anna-muster.de" -> "Anna Muster": personal sites are named after their author."""
    out: list[str] = []
    for name in outlet_names:
        if name and "." in name and " " not in name.strip():
            parts = _core(_domain(name)).split("-")
            if 2 <= len(parts) <= 3 and all(p.isalpha() for p in parts):
                out.append(" ".join(p.title() for p in parts))
    return out


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
_BY_WORD = re.compile(r"\s(?:by|von|par|por|door|di)\s", re.IGNORECASE)
_LABELLED = re.compile(
    r"^(?:(?:autor(?:in)?|author|auteur|autore|verfasser(?:in)?|автор)\s*:\s*|"
    r"(?:autoren|authors)\s*:?\s+|(?:posted|written|published)\s+by\s+|"
    r"(?:(?:blog|gast)?\s*(?:beitrag|artikel)|geschrieben|verfasst)\s+von\s+)"
    r"([^\W\d_][\w'’.\- ]{2,60})(?:,[^,]{0,80})?$",  # a role may follow: "A, Reporterin"
    re.IGNORECASE,
)
_NO_TEXT = frozenset(["script", "style", "noscript", "template", "option", "title"])
# a byline label alone in its text node, the name in the next element:
# "<span>By </span><span>Jane Roe</span>", "Ein Artikel von <strong>Eva Holm</strong>"
_LABEL_ONLY = re.compile(
    r"^[|•·,\-–—]?\s*(?:(?:ein(?:e[nm]?)?\s+)?(?:artikel|beitrag|bericht|text)\s+von|"
    r"(?:posted|written)\s+by|(?:geschrieben|verfasst)\s+von|by|von|par|por|door|di|av|af|от|"
    r"(?:autor(?:in|en)?|authors?|auteur|autore|verfasser(?:in)?|text|автор)\s*:)$",
    re.IGNORECASE,
)
# the heading over an author's other pieces ("More from Inga Muster", "Mehr von ...")
_MORE_FROM = re.compile(
    r"^(?:(more from|mehr von|más de)|more by|(?:weitere|alle) (?:artikel|beiträge|texte) von|"
    r"other (?:posts|articles|stories) by|(?:view|see) all (?:posts|articles|stories) by|"
    r"plus d'articles de|tous les articles de|altri articoli di)\s+"
    r"([^\W\d_][\w'’.\-]+(?: [\w'’.\-]+){1,3})$",
    re.IGNORECASE,
)
_BREAKS = frozenset(["br", "hr", "img", "time", "svg", "i", "abbr", "span"])
_NAME_END = re.compile(r"\s*[|•·]|\s+(?:on|am|um|at|in|under)(?:\s|$)")


def _next_element(elem: HtmlElement) -> HtmlElement | None:
    """The next sibling element, past comments and processing instructions."""
    nxt = elem.getnext()
    while nxt is not None and not isinstance(nxt.tag, str):
        if (nxt.tail or "").strip():
            return None  # text between: the label is not followed by an element
        nxt = nxt.getnext()
    return nxt


def _labelled_next(elem: HtmlElement, is_tail: bool) -> str | None:
    """The short text that follows a lone byline label, up to a separator."""
    if is_tail:  # "<br>Autor: <a>", "<time/> by <a>", but not prose: "<em>A</em> von <em>B</em>"
        if elem.tag not in _BREAKS and ":" not in (elem.tail or ""):
            return None
        nxt = elem.getnext()
    elif len(elem):
        nxt = elem[0]
    else:  # the label fills its element: the name follows it, maybe a box or two up
        nxt = None
        for _ in range(3):
            if tail := " ".join((elem.tail or "").split()):
                # "<span>Autor:</span> Eva Holm<br>": the name is the tail, up to a break
                after = elem.getnext()
                if ":" in elem.text_content() and (after is None or after.tag == "br"):
                    return tail if 2 < len(tail) <= 60 else None
                return None
            if (nxt := _next_element(elem)) is not None or (elem := elem.getparent()) is None:
                break
    if nxt is None or not isinstance(nxt.tag, str) or nxt.tag in _NO_TEXT:
        return None
    text = " ".join(" ".join([*nxt.itertext(), nxt.tail or ""]).split())
    text = _NAME_END.split(text, maxsplit=1)[0]
    return text if 2 < len(text) <= 60 else None


def dated_byline(tree: HtmlElement) -> list[str]:
    """A short line "11.12.2019 - Anna Muster", "Posted on May 3, 2024 by Jane Roe" or
    "Autor: Anna Muster", or a lone label before the name's element: the byline of blogs
    and small sites that mark up none."""
    first: str | None = None  # a lone first name waits for a fuller "More from" heading
    more: str | None = None
    more_alone = False
    frames = headline_frames(tree)
    for elem in tree.iter():
        if not isinstance(elem.tag, str) or elem.tag in _NO_TEXT:
            continue
        for is_tail, text in ((False, elem.text), (True, elem.tail)):
            if not text or len(text) > 300 or text.isspace():
                continue
            text = " ".join(text.split())
            if len(text) > 100:
                continue
            if _DIGIT.search(text):
                match = _DATED_BYLINE.match(text)
                found = match.group(1) if match else None
                # "21. Januar 2022 | Verkehr": a section, not a signature
                if match and len(match[1].split()) == 1 and not _BY_WORD.search(match[0]):
                    found = None
            elif match := _LABELLED.match(text):
                found = match.group(1)
            elif len(text) <= 30 and _LABEL_ONLY.match(text):
                found = _labelled_next(elem, is_tail)
            elif more is None and (match := _MORE_FROM.match(text)) and match[2][0].isupper():
                # in a related box by nature: no box test. "More from X" may name a
                # section ("More from World News"): it only completes a lone first name
                more, more_alone = match.group(2), match.group(1) is None
                found = None
            else:
                found = None
            if found is None or first is not None:
                continue
            found = _NAME_END.split(found, maxsplit=1)[0]
            if not _boxed(elem, frames):
                if len(found.split()) > 1:
                    return [found]
                first = found
    if first is not None:
        if more is not None and more.split()[0].casefold() == first.casefold():
            return [more]  # the fuller form of the same name
        return [first]
    return [more] if more and more_alone else []


def _with_coauthors(names: list[str], later: list[list[str]]) -> list[str]:
    """Metadata often names only the first author: a byline shown on the page that names
    all of them and a few more ("von A, B") lists the co-authors too."""
    keys = {_normal(n) for n in names}
    for other in later:
        other_keys = {_normal(n) for n in other}
        added = [n for n in other if _normal(n) not in keys]
        # full names only: "Jane Roe, CNN" or "PTI, Washington" add an outlet or a place
        if keys < other_keys and len(other) <= 4 and all(len(n.split()) > 1 for n in added):
            return names + added
    return names


def _as_written(names: list[str], candidates: list[tuple[list[str], str]]) -> list[str]:
    """trafilatura re-spells what it reads ("QuiLL_MaN" -> "QuiLL MaN"): a name the page's
    own markup writes with the same letters is kept as the page writes it."""
    written = {
        _loose(a): a
        for raw, source in candidates
        if source != "trafilatura"
        for a in clean_authors(raw, strict=False)
    }
    out = []
    for name in names:
        as_written = written.get(_loose(name), name)
        # but "Jane Roe" stays a name where the markup has only a user name "jane.roe"
        out.append(name if " " in name and as_written.islower() else as_written)
    return out


def choose_authors(
    candidates: list[tuple[list[str], str]],
    outlet_names: list[str],
    name_keys: set[str],
    sources: dict[str, str],
    fallback: bool = True,
    fuller: list[str] | None = None,
) -> list[str]:
    """Persons from the first source that names any; else (with `fallback`) whatever
    signature the page has.

    A signature rejected in one source (an outlet's domain, a desk) is rejected in every
    other: extractors re-spell metadata ("mdr.de" -> "Mdr De") and would let it back in.
    `fuller` names (an author box's biography) only complete a lone first name.
    """
    dropped: set[str] = set()
    people = [
        (
            [
                a
                for a in clean_authors(raw, outlet_names, dropped=dropped)
                if not is_site_name(a, name_keys)
            ],
            source,
        )
        for raw, source in candidates
    ]
    people = [([a for a in found if _loose(a) not in dropped], src) for found, src in people]
    for i, ((found, source), (raw, _)) in enumerate(zip(people, candidates, strict=True)):
        if found:
            sources["authors"] = source
            found = with_agencies(found, raw, outlet_names)
            shown = [other for other, src in people[i + 1 :] if src in ("byline", "text")]
            found = _with_coauthors(found, shown)
            found = complete_names(
                found,
                [a for other, _ in people for a in other]
                + _domain_names(outlet_names)
                + (fuller or []),
            )
            return _as_written(found, candidates) if source == "trafilatura" else found
    for raw, source in candidates if fallback else ():
        if found := clean_authors(raw, strict=False):
            sources["authors"] = source
            return found
    return []
