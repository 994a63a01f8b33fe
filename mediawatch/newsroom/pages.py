"""Non-article pages: homepages, section listings and small static pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from types import MappingProxyType

from mediawatch.newsroom.generator import ArticleRecord, OutletSpec

_LABELS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "en": MappingProxyType(
            {
                "latest": "Latest news",
                "archive": "From the archive",
                "about": "About us",
                "staff": "Staff area",
                "next": "Next page",
                "prev": "Previous page",
                "missing": "Page not found",
            }
        ),
        "ru": MappingProxyType(
            {
                "latest": "Последние новости",
                "archive": "Из архива",
                "about": "О редакции",
                "staff": "Для сотрудников",
                "next": "Следующая страница",
                "prev": "Предыдущая страница",
                "missing": "Страница не найдена",
            }
        ),
    }
)


def _head(outlet: OutletSpec, title: str) -> str:
    charset = (
        "<meta charset=windows-1251>" if outlet.style == "ru_cp1251" else '<meta charset="utf-8">'
    )
    # Feed autodiscovery, as CMSs print it on every page
    feeds = "".join(
        f'<link rel="alternate" type="application/{"atom" if p.endswith("atom.xml") else "rss"}+xml"'
        f' title="{escape(outlet.name)}" href="{escape(p)}">'
        for p in outlet.feeds
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{outlet.language}"><head>{charset}'
        f"<title>{escape(title)}</title>{feeds}</head><body>\n"
        f'<header><a href="/">{escape(outlet.name)}</a></header>\n'
    )


def _links(arts: Sequence[ArticleRecord], cls: str) -> str:
    rows = "".join(f'<li><a href="{escape(a.path)}">{escape(a.title)}</a></li>' for a in arts)
    return f'<ul class="{cls}">{rows}</ul>'


def _footer(outlet: OutletSpec) -> str:
    labels = _LABELS[outlet.language]
    return (
        f'<footer><a href="/about/">{labels["about"]}</a> | '
        f'<a href="/private/login">{labels["staff"]}</a></footer>\n</body></html>\n'
    )


def home(
    outlet: OutletSpec, recent: Sequence[ArticleRecord], archive: Sequence[ArticleRecord]
) -> str:
    labels = _LABELS[outlet.language]
    out = [_head(outlet, outlet.name)]
    if outlet.sections:
        rows = "".join(f'<li><a href="/section/{s}/">{s.title()}</a></li>' for s in outlet.sections)
        out.append(f'<nav class="sections"><ul>{rows}</ul></nav>\n')
    if outlet.style == "wire":
        out.append(
            "<main><h1>Wire Review</h1><p>The full wire is available to subscribers and "
            "partner newsrooms. Please sign in through your organisation's account.</p></main>\n"
        )
    else:
        out.append(f"<main><h2>{labels['latest']}</h2>{_links(recent, 'latest')}\n")
        if archive:
            out.append(f"<h2>{labels['archive']}</h2>{_links(archive, 'archive')}\n")
        out.append("</main>\n")
    out.append(_footer(outlet))
    return "".join(out)


def section(
    outlet: OutletSpec, name: str, arts: Sequence[ArticleRecord], page: int, last_page: int
) -> str:
    labels = _LABELS[outlet.language]
    out = [_head(outlet, f"{name.title()} – {outlet.name}"), f"<main><h1>{name.title()}</h1>"]
    out.append(_links(arts, "section-list"))
    pager = []
    if page > 1:
        prev = f"/section/{name}/" if page == 2 else f"/section/{name}/?page={page - 1}"
        pager.append(f'<a rel="prev" href="{prev}">{labels["prev"]}</a>')
    if page < last_page:
        pager.append(f'<a rel="next" href="/section/{name}/?page={page + 1}">{labels["next"]}</a>')
    out.append(f'<div class="pager">{" ".join(pager)}</div></main>\n')
    out.append(_footer(outlet))
    return "".join(out)


def static(outlet: OutletSpec, title: str, text: str) -> str:
    return (
        _head(outlet, title)
        + f"<main><h1>{escape(title)}</h1><p>{escape(text)}</p></main>\n"
        + _footer(outlet)
    )


def not_found(outlet: OutletSpec) -> str:
    label = _LABELS[outlet.language]["missing"]
    return static(outlet, label, "404")


def robots(outlet: OutletSpec, base: str) -> str:
    lines = ["User-agent: *", "Disallow: /private/", "Allow: /", ""]
    lines += [f"Sitemap: {base}{path}" for path in outlet.sitemaps]
    return "\n".join(lines) + "\n"
