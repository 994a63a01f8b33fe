"""JSON-LD article metadata: the most explicit source a page offers, so it wins."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from typing import Any

from lxml.html import HtmlElement

ARTICLE_TYPES = frozenset(
    t.lower()
    for t in (
        "Article",
        "NewsArticle",
        "ReportageNews",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "ReviewNewsArticle",
        "BackgroundNewsArticle",
        "AskPublicNewsArticle",
        "BlogPosting",
        "LiveBlogPosting",
        "SocialMediaPosting",
        "TechArticle",
        "ScholarlyArticle",
        "Report",
        "SatiricalArticle",
        "MedicalScholarlyArticle",
        "AdvertiserContentArticle",
        "Review",
        "VideoObject",
        "Recipe",
    )
)
_ORGANIZATIONS = frozenset({"organization", "newsmediaorganization", "corporation", "website"})
_WEAK_TYPES = frozenset({"webpage", "itempage", "videoobject", "recipe", "review"})
_CONTROL = re.compile(r"[\x00-\x1f]")


@dataclass(slots=True)
class JsonLdData:
    """Fields of the best article object found in the page's JSON-LD blocks."""

    headline: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    modified: str | None = None
    description: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    image: str | None = None
    url: str | None = None
    publisher: str | None = None
    site_name: str | None = None
    language: str | None = None
    free: bool | None = None
    # every date string in any JSON-LD object: other renderings of the same instant
    all_dates: list[str] = field(default_factory=list)


def _types(obj: dict[str, Any]) -> set[str]:
    value = obj.get("@type")
    values = value if isinstance(value, list) else [value]
    return {str(v).lower().rsplit("/", 1)[-1] for v in values if v}


def _walk(node: Any, depth: int = 0) -> list[dict[str, Any]]:
    """All dicts in a JSON-LD document, top-down, following @graph, lists and mainEntity."""
    if depth > 6:
        return []
    found: list[dict[str, Any]] = []
    if isinstance(node, list):
        for item in node:
            found += _walk(item, depth + 1)
    elif isinstance(node, dict):
        found.append(node)
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
            if key in node:
                found += _walk(node[key], depth + 1)
    return found


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if v), None)
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or value.get("url") or value.get("@id")
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    text = " ".join(html.unescape(str(value)).split())  # CMSs often double-escape
    return text or None


def _names(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, dict):
            if _types(item) & _ORGANIZATIONS:  # a publisher is not an author
                continue
            name = item.get("name")
            if isinstance(name, list):
                out += [str(n) for n in name if n]
            elif name:
                out.append(str(name))
            elif item.get("givenName") or item.get("familyName"):
                out.append(f"{item.get('givenName', '')} {item.get('familyName', '')}".strip())
        elif isinstance(item, str) and item.strip():
            out.append(item)
    return out


def _image(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl") or value.get("@id")
    return str(value) if isinstance(value, str) and value.strip() else None


def _tags(value: Any) -> list[str]:
    if isinstance(value, str):
        return [t.strip() for t in value.split(",") if t.strip()]
    if isinstance(value, list):
        return [t for v in value for t in _tags(v)]
    return []


def _free(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def load_blocks(tree: HtmlElement) -> list[Any]:
    """Parse every JSON-LD script; broken blocks are skipped (pages ship plenty)."""
    docs: list[Any] = []
    for script in tree.iterfind(".//script[@type]"):
        if "ld+json" not in (script.get("type") or "").lower() or not script.text:
            continue
        raw = script.text.strip()
        if raw.startswith("<!--"):
            raw = raw.removeprefix("<!--").removesuffix("-->").strip()
        try:
            docs.append(json.loads(raw, strict=False))
        except ValueError:
            try:
                docs.append(json.loads(_CONTROL.sub(" ", raw).rstrip(";"), strict=False))
            except ValueError:
                continue
    return docs


def _score(obj: dict[str, Any]) -> int:
    types = _types(obj)
    if not types & ARTICLE_TYPES and not any(t.endswith(("article", "posting")) for t in types):
        return 0
    strong = 2 if types - _WEAK_TYPES else 1
    return strong * 10 + sum(1 for k in ("headline", "datePublished", "author") if obj.get(k))


def parse_jsonld(tree: HtmlElement) -> JsonLdData:
    objects = [o for doc in load_blocks(tree) for o in _walk(doc)]
    data = JsonLdData()
    best = max(objects, key=_score, default=None)
    for obj in objects:
        for key in ("datePublished", "dateCreated", "dateModified", "uploadDate"):
            if isinstance(obj.get(key), str):
                data.all_dates.append(obj[key])
        types = _types(obj)
        if "website" in types and not data.site_name:
            data.site_name = _text(obj.get("name"))
        if not data.language and obj.get("inLanguage"):
            data.language = _text(obj.get("inLanguage"))
    if best is None or _score(best) == 0:
        # no article object: a WebPage may still carry dates
        page = next((o for o in objects if "webpage" in _types(o)), None)
        if page is not None:
            data.published = _text(page.get("datePublished"))
            data.modified = _text(page.get("dateModified"))
        return data
    data.headline = _text(best.get("headline")) or _text(best.get("name"))
    data.authors = _names(best.get("author")) or _names(best.get("creator"))
    data.published = _text(best.get("datePublished")) or _text(best.get("dateCreated"))
    data.modified = _text(best.get("dateModified"))
    data.description = _text(best.get("description"))
    data.section = _text(best.get("articleSection"))
    data.tags = _tags(best.get("keywords"))
    data.image = _image(best.get("image")) or _image(best.get("thumbnailUrl"))
    url = best.get("url") or best.get("mainEntityOfPage")
    data.url = _text(url) if isinstance(url, (str, dict)) else None
    data.publisher = _text(best.get("publisher"))
    data.language = _text(best.get("inLanguage")) or data.language
    data.free = _free(best.get("isAccessibleForFree"))
    return data
