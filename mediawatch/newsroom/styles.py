"""Article page HTML, one function per outlet style.

Each style puts metadata where a real site of that kind would (JSON-LD, OpenGraph,
plain ``<meta name>``, microdata, the visible text or nowhere) so that extraction meets
every case. All pages wrap the body in navigation, an ad, related links and comments.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from html import escape

from mediawatch.newsroom import boilerplate, timefmt
from mediawatch.newsroom.generator import ArticleRecord, OutletSpec

NAV_EN = ("Politics", "Economy", "Sport", "Weather", "Culture", "Science")
NAV_RU = ("Политика", "Экономика", "Спорт", "Погода", "Культура", "Наука")


@dataclass(frozen=True, slots=True)
class ArticleView:
    """Everything one rendering of an article page needs."""

    outlet: OutletSpec
    art: ArticleRecord
    base: str
    paragraphs: tuple[str, ...]
    modified: datetime | None  # set only when an updated revision is served
    related: tuple[ArticleRecord, ...]
    comments: list[tuple[str, str]]
    ad: str
    amp: bool = False
    chrome: boilerplate.Chrome | None = None  # heavy pages only

    @property
    def url(self) -> str:
        return self.base + self.art.path

    @property
    def tz(self) -> str:
        return self.outlet.timezone


def render_article(view: ArticleView) -> str:
    renderers: dict[str, Callable[[ArticleView], str]] = {
        "modern": _modern,
        "legacy": _legacy,
        "ru_modern": _ru_modern,
        "ru_cp1251": _ru_cp1251,
        "amp": _amp if view.amp else _metro,
        "wire": _wire,
        "portal": _portal,
    }
    html = renderers[view.outlet.style](view)
    return html if view.chrome is None else boilerplate.dress(html, view.chrome)


# -- shared pieces -----------------------------------------------------------------------


def byline(authors: tuple[str, ...], language: str) -> str:
    """'By Jane Roe and John Doe' / 'Авторы: ...'."""
    if language == "ru":
        return ("Автор: " if len(authors) == 1 else "Авторы: ") + ", ".join(authors)
    if len(authors) == 1:
        return f"By {authors[0]}"
    return f"By {', '.join(authors[:-1])} and {authors[-1]}"


def _paras(view: ArticleView, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return "\n".join(f"<p{attr}>{escape(p)}</p>" for p in view.paragraphs)


def _related(view: ArticleView, heading: str, cls: str = "related") -> str:
    items = "".join(
        f'<li><a href="{escape(a.path)}">{escape(a.title)}</a></li>' for a in view.related
    )
    return f'<aside class="{cls}"><h3>{heading}</h3><ul>{items}</ul></aside>'


def _comments(view: ArticleView, heading: str) -> str:
    rows = "".join(
        f'<div class="comment"><span class="comment-author">{escape(name)}</span>'
        f'<p class="comment-text">{escape(text)}</p></div>'
        for name, text in view.comments
    )
    return f'<section class="comments" id="comments"><h3>{heading} ({len(view.comments)})</h3>{rows}</section>'


def _ad(view: ArticleView, label: str = "Advertisement") -> str:
    return (
        f'<div class="ad-slot"><span class="ad-label">{label}</span><p>{escape(view.ad)}</p></div>'
    )


def _nav(labels: tuple[str, ...], href: Callable[[str], str]) -> str:
    links = "".join(f'<li><a href="{href(label)}">{label}</a></li>' for label in labels)
    return f'<nav class="main-nav"><ul><li><a href="/">Home</a></li>{links}</ul></nav>'


def _anchor_nav(labels: tuple[str, ...]) -> str:
    return _nav(labels, lambda label: f"/#{label.lower()}")


def _ld(data: dict) -> str:
    text = json.dumps(data, ensure_ascii=False, indent=1).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'


def _news_article_ld(view: ArticleView, local_dates: bool) -> dict:
    art = view.art
    when = (lambda d: timefmt.iso_local(d, view.tz)) if local_dates else timefmt.iso_utc
    data: dict = {
        "@type": "NewsArticle",
        "headline": art.title,
        "datePublished": when(art.published),
        "author": [{"@type": "Person", "name": a} for a in art.authors],
        "publisher": {"@type": "Organization", "name": view.outlet.name},
        "inLanguage": art.language,
        "articleSection": art.section,
        "mainEntityOfPage": view.url,
    }
    if view.modified:
        data["dateModified"] = when(view.modified)
    return data


def _footer(view: ArticleView) -> str:
    return (
        f'<footer class="site-footer"><p>&copy; {view.art.published.year} {escape(view.outlet.name)}. '
        '<a href="/about/">About us</a> | <a href="/private/login">Staff login</a></p></footer>'
    )


# -- styles --------------------------------------------------------------------------------


def _modern(view: ArticleView) -> str:
    art, name = view.art, escape(view.outlet.name)
    lede = escape(view.paragraphs[0][:200])
    article_ld = _news_article_ld(view, local_dates=True)
    if art.id % 2:
        ld = {
            "@context": "https://schema.org",
            "@graph": [
                {"@type": "WebSite", "name": view.outlet.name, "url": view.base + "/"},
                {"@type": "WebPage", "@id": view.url, "url": view.url, "name": art.title},
                article_ld,
            ],
        }
    else:
        ld = {"@context": "https://schema.org", **article_ld}
    og_mod = (
        f'<meta property="article:modified_time" content="{timefmt.iso_utc(view.modified)}">'
        if view.modified
        else ""
    )
    authors_meta = "".join(
        f'<meta property="article:author" content="{escape(a)}">' for a in art.authors
    )
    authors = " and ".join(f'<a rel="author" href="/#staff">{escape(a)}</a>' for a in art.authors)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(art.title)} | {name}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="{lede}">
<link rel="canonical" href="{view.url}">
<meta property="og:type" content="article">
<meta property="og:title" content="{escape(art.title)}">
<meta property="og:url" content="{view.url}">
<meta property="og:site_name" content="{name}">
<meta property="og:description" content="{lede}">
<meta property="article:published_time" content="{timefmt.iso_utc(art.published)}">
{og_mod}{authors_meta}
<meta property="article:section" content="{art.section}">
{_ld(ld)}
</head><body class="article-page">
<header class="site-header"><a class="logo" href="/">{name}</a>{_anchor_nav(NAV_EN)}</header>
{_ad(view)}
<main class="layout">
<article class="story">
<h1 class="headline">{escape(art.title)}</h1>
<div class="story-meta"><span class="byline">By {authors}</span>
<time datetime="{timefmt.iso_local(art.published, view.tz)}">{timefmt.en_short(art.published, view.tz)}</time></div>
<div class="story-body">
{_paras(view)}
</div>
</article>
{_related(view, "More from Global Ledger")}
{_comments(view, "Comments")}
</main>
{_footer(view)}
</body></html>
"""


def _legacy(view: ArticleView) -> str:
    art = view.art
    nav = " | ".join(f'<a href="/#{n.lower()}">{n}</a>' for n in ("Home", *NAV_EN))
    related = "".join(f'<li><a href="{a.path}">{escape(a.title)}</a></li>' for a in view.related)
    comments = "".join(
        f'<p class="comment"><b>{escape(n)}</b> wrote:<br>{escape(t)}</p>' for n, t in view.comments
    )
    return f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>Evening Courier - {escape(art.title)}</title>
<meta name="description" content="{escape(view.paragraphs[0][:160])}">
<meta name="keywords" content="news, {art.section}, evening courier">
<meta name="generator" content="NewsDesk 3.2">
</head>
<body bgcolor="#ffffff">
<div id="masthead"><font color="#002244" size="6"><b>The Evening Courier</b></font></div>
<div id="navbar"><small>{nav}</small></div>
<div id="storytext">
<h1>{escape(art.title)}</h1>
<p><b>{escape(byline(art.authors, "en"))}</b></p>
<p><i>Published: {timefmt.en_long(art.published, view.tz)}</i></p>
{_paras(view)}
</div>
<table class="advert" border="1" width="100%"><tr><td><small>ADVERTISEMENT</small><br>{escape(view.ad)}</td></tr></table>
<h4>Related stories</h4><ul class="related">{related}</ul>
<h4>Your comments ({len(view.comments)})</h4><div class="comments">{comments}</div>
<hr><small>&copy; Evening Courier Newspapers. <a href="/about/">About</a></small>
</body>
</html>
"""


def _ru_nav() -> str:
    links = "".join(f'<li><a href="/#{i}">{label}</a></li>' for i, label in enumerate(NAV_RU))
    return f'<nav class="menu"><ul><li><a href="/">Главная</a></li>{links}</ul></nav>'


def _ru_modern(view: ArticleView) -> str:
    art, name = view.art, escape(view.outlet.name)
    lede = escape(view.paragraphs[0][:200])
    published = timefmt.iso_local(art.published, view.tz)
    modified = ""
    if view.modified:
        stamp = timefmt.iso_local(view.modified, view.tz)
        modified = (
            f'<meta property="article:modified_time" content="{stamp}">'
            f'<meta itemprop="dateModified" content="{stamp}">'
        )
    return f"""<!DOCTYPE html>
<html lang="ru"><head><meta charset="utf-8">
<title>{escape(art.title)} — {name}</title>
<meta name="description" content="{lede}">
<link rel="canonical" href="{view.url}">
<meta property="og:type" content="article">
<meta property="og:title" content="{escape(art.title)}">
<meta property="og:url" content="{view.url}">
<meta property="og:site_name" content="{name}">
<meta property="og:locale" content="ru_RU">
<meta property="article:published_time" content="{published}">
{modified}
</head><body>
<div class="header"><a href="/" class="logo">{name}</a>{_ru_nav()}</div>
{_ad(view, "Реклама")}
<div class="content">
<article itemscope itemtype="https://schema.org/NewsArticle">
<h1 itemprop="headline">{escape(art.title)}</h1>
<div class="article-info"><time itemprop="datePublished" datetime="{published}">{timefmt.ru_long(art.published, view.tz)}</time>
<span class="author" itemprop="author">{escape(byline(art.authors, "ru"))}</span></div>
<div class="article-text" itemprop="articleBody">
{_paras(view)}
</div>
</article>
{_related(view, "Читайте также")}
{_comments(view, "Комментарии")}
</div>
<div class="footer">&copy; {name}. <a href="/about/">О редакции</a></div>
</body></html>
"""


def _ru_cp1251(view: ArticleView) -> str:
    art, name = view.art, escape(view.outlet.name)
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<html><head><meta charset=windows-1251>
<title>{escape(art.title)} :: {name}</title>
<meta name="description" content="{escape(view.paragraphs[0][:160])}">
<meta name="date" content="{timefmt.iso_local(art.published, view.tz)}">
<meta name="author" content="{escape(", ".join(art.authors))}">
</head><body>
<div id="top"><a href="/"><b>{name}</b></a> — информационное агентство</div>
<div id="left-col">{_ru_nav()}<div class="banner">Реклама: {escape(view.ad)}</div></div>
<div id="main-col">
<h1 class="title">{escape(art.title)}</h1>
<div class="date">{timefmt.ru_numeric(art.published, view.tz)}</div>
<div class="text">
{_paras(view)}
<p class="author">{escape(byline(art.authors, "ru"))}</p>
</div>
{_related(view, "Другие материалы")}
{_comments(view, "Мнения читателей")}
</div>
<div id="bottom">При перепечатке ссылка на «{name}» обязательна. <a href="/about/">Контакты</a></div>
</body></html>
"""


def _metro(view: ArticleView) -> str:
    art = view.art
    ld = {"@context": "https://schema.org", **_news_article_ld(view, local_dates=False)}
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(art.title)} - Metro Daily</title>
<link rel="canonical" href="{view.url}">
<link rel="amphtml" href="{view.base}{art.amp_path}">
<meta property="og:title" content="{escape(art.title)}">
<meta name="twitter:card" content="summary_large_image">
{_ld(ld)}
</head><body>
<div id="masthead"><a href="/">METRO DAILY</a>{_anchor_nav(NAV_EN)}</div>
<div class="grid">
<div class="col-main">
<h1>{escape(art.title)}</h1>
<p class="byline">{escape(byline(art.authors, "en"))}</p>
<div class="article-body">
{_paras(view)}
</div>
{_comments(view, "Reader comments")}
</div>
<div class="col-side">{_ad(view, "Sponsored")}{_related(view, "Trending now")}</div>
</div>
{_footer(view)}
</body></html>
"""


def _amp(view: ArticleView) -> str:
    art = view.art
    ld = {"@context": "https://schema.org", **_news_article_ld(view, local_dates=False)}
    return f"""<!doctype html>
<html ⚡ lang="en"><head><meta charset="utf-8">
<title>{escape(art.title)} - Metro Daily</title>
<link rel="canonical" href="{view.url}">
<meta name="viewport" content="width=device-width">
<style amp-boilerplate>body{{visibility:hidden}}</style>
{_ld(ld)}
</head><body>
<header class="amp-header"><a href="/">METRO DAILY</a></header>
<amp-sidebar id="menu" layout="nodisplay">{_anchor_nav(NAV_EN)}</amp-sidebar>
<article>
<h1>{escape(art.title)}</h1>
<p class="byline">{escape(byline(art.authors, "en"))}</p>
{_paras(view)}
</article>
<amp-ad width="300" height="250" type="custom"><div class="ad-slot">{escape(view.ad)}</div></amp-ad>
{_related(view, "Trending now")}
{_comments(view, "Reader comments")}
</body></html>
"""


def _wire(view: ArticleView) -> str:
    art = view.art
    ld = {"@context": "https://schema.org", **_news_article_ld(view, local_dates=False)}
    ld["author"] = [
        {"@type": "Organization" if "Agency" in a else "Person", "name": a} for a in art.authors
    ]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(art.title)}</title>
{_ld(ld)}
</head><body>
<div class="wr-top"><a href="/">WIRE REVIEW</a> <span>subscriber edition</span>{_anchor_nav(NAV_EN)}</div>
<div class="wr-story">
<h1>{escape(art.title)}</h1>
<div class="wr-credit">{escape(byline(art.authors, "en"))}</div>
{_paras(view, "wr-p")}
</div>
{_ad(view)}
{_related(view, "Also on the wire")}
{_comments(view, "Discussion")}
{_footer(view)}
</body></html>
"""


def _portal(view: ArticleView) -> str:
    art = view.art
    dateline = (
        f'<div class="posted">Posted on {timefmt.en_us_day(art.published, view.tz)}</div>'
        if "text" in art.date_sources
        else ""
    )
    sections = "".join(
        f'<li><a href="/section/{s}/">{s.title()}</a></li>' for s in view.outlet.sections
    )
    return f"""<!DOCTYPE html>
<html lang="en-AU"><head><meta charset="utf-8">
<title>{escape(art.title)} – Harbour Times</title>
<meta name="description" content="{escape(view.paragraphs[0][:160])}">
</head><body>
<div id="header"><a href="/" class="brand">Harbour Times</a>
<nav><ul class="sections"><li><a href="/">Home</a></li>{sections}</ul></nav></div>
<div id="content">
<div class="entry">
<h1 class="entry-title">{escape(art.title)}</h1>
<span class="author">{escape(byline(art.authors, "en"))}</span>
{dateline}
<div class="entry-content">
{_paras(view)}
</div>
</div>
{_ad(view)}
{_related(view, "You might also like")}
{_comments(view, "Have your say")}
</div>
<div id="footer">Harbour Times &middot; <a href="/about/">About</a></div>
</body></html>
"""
