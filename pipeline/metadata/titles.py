"""Strip the site name that pages glue onto their headlines ("Headline | Outlet")."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

_SEP = re.compile(r"(\s+(?:[|\-–—:·•»«/~\\]|::|-{2})\s+|\s*[|·•]\s*)")
_EDGE = re.compile(r"^[\s|\-–—:·•/~]+|[\s|\-–—:·•/~]+$")
_WORD = re.compile(r"\w+")


def norm_text(text: str) -> str:
    """Letters and digits only, case-folded: for comparing titles across sources."""
    return re.sub(r"[\W_]+", "", text.casefold())


_norm = norm_text


def site_keys(names: Iterable[str | None], url: str | None) -> set[str]:
    """Normalised spellings under which a site may name itself in a title."""
    keys = {_norm(n) for n in names if n}
    host = (urlsplit(url).hostname or "") if url else ""
    if host:
        host = host.removeprefix("www.")
        keys.add(_norm(host))
        labels = host.split(".")
        if len(labels) >= 2:
            keys.add(_norm(labels[-2]))
            keys.add(_norm(".".join(labels[-2:])))
    return {k for k in keys if len(k) >= 2}


def is_site_name(segment: str, keys: set[str]) -> bool:
    norm = _norm(segment)
    if not norm:
        return True
    if norm in keys:
        return True
    # "Outlet.de", "Outlet Online", "Outlet - News": the key is most of the segment
    return any(len(k) >= 4 and k in norm and len(k) >= 0.5 * len(norm) for k in keys)


def strip_site_name(title: str, keys: set[str], names: Iterable[str] = ()) -> str:
    """Remove leading/trailing segments that name the site; keep the title if nothing is left."""
    for name in names:  # a site name with its own separators ("Outlet - The Slogan")
        if len(name) >= 4 and title.casefold().endswith(name.casefold()):
            head = title[: -len(name)]
            if _SEP.search(head[-4:] + "x") and _EDGE.sub("", head):
                title = _EDGE.sub("", head)
                break
    parts = _SEP.split(title)
    segments, seps = parts[0::2], parts[1::2]
    if len(segments) < 2:
        return title
    start, end = 0, len(segments)
    while end - start > 1 and is_site_name(segments[end - 1], keys):
        end -= 1
    while end - start > 1 and is_site_name(segments[start], keys):
        start += 1
    if (start, end) == (0, len(segments)):
        return title
    out = segments[start]
    for i in range(start + 1, end):
        out += seps[i - 1] + segments[i]
    return out.strip() or title


def match_heading(title: str, headings: Iterable[str], h1: Iterable[str] = ()) -> str | None:
    """If a heading of the page is one end of the title, the rest is decoration."""
    parts = _SEP.split(title)
    segments, seps = parts[0::2], parts[1::2]
    if len(segments) < 2:
        return None
    whole = _norm(title)
    if any(_norm(h) == whole for h in h1):
        return None  # the visible headline is the whole title
    norm_headings = {_norm(h): h for h in headings if h and len(h) < 300}
    kickers = [n for n in map(_norm, h1) if n != whole]
    for cut in range(len(segments) - 1, 0, -1):
        head = segments[0] + "".join(
            s + g for s, g in zip(seps[: cut - 1], segments[1:cut], strict=True)
        )
        tail = segments[cut] + "".join(
            s + g for s, g in zip(seps[cut:], segments[cut + 1 :], strict=True)
        )
        for candidate in (head, tail):
            norm = _norm(candidate)
            if len(norm) < 8:
                continue
            if norm in norm_headings:
                return norm_headings[norm].strip()
            # "Kicker Headline" as <h1>, "Headline - Kicker" as title: keep the headline
            if any(h.endswith(norm) for h in kickers if len(h) > len(norm)):
                return candidate.strip()
    return None


def visible_variant(title: str, headings: Iterable[str]) -> str | None:
    """The page's own headline when it is a variant of the metadata title.

    Metadata titles are often SEO rewrites with a kicker ("Topic: Headline") or a tail;
    the visible <h1> is the editorial headline. Used only when the two share most words.
    """
    words = set(_WORD.findall(title.casefold()))
    if not words:
        return None
    for heading in headings:
        if not 8 <= len(heading) <= 300:
            continue
        h_words = set(_WORD.findall(heading.casefold()))
        if len(h_words) < 2:
            continue
        norm_h, norm_t = _norm(heading), _norm(title)
        if norm_h == norm_t:  # same words: the visible one has the real quotes and dashes
            return heading if heading != title else None
        if norm_h in norm_t and len(norm_h) >= 0.6 * len(norm_t):
            return heading
        if norm_h.startswith(norm_t) and len(norm_t) >= 0.5 * len(norm_h):
            return heading  # the metadata title was truncated
    return None


def clean_title(
    title: str | None,
    keys: set[str],
    h1: Iterable[str] = (),
    h2: Iterable[str] = (),
    names: Iterable[str] = (),
) -> str | None:
    """Site name off, then the visible headline if the title merely decorates it."""
    if not title:
        return None
    title = " ".join(title.split())
    h1 = [strip_site_name(h, keys, names) for h in h1 if not is_site_name(h, keys)]
    stripped = strip_site_name(title, keys, names)
    stripped = match_heading(stripped, [*h1, *h2], h1) or stripped
    stripped = visible_variant(stripped, h1) or stripped
    stripped = _EDGE.sub("", stripped) or title
    return None if is_site_name(stripped, keys) else stripped
