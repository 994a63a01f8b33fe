"""Page weight: the chrome that real news sites wrap around an article.

The light pages of the newsroom extract in a few ms while real ones cost ~35 ms, so a
benchmark on them measures the crawler, not a crawl. With weight ``"real"`` every article
page also carries a mega-menu, consent banner, inline CSS/JS, share widgets, sidebars,
an author box, a newsletter form, a long comment thread and a fat footer. The chrome is
inserted around the style's own markup, so the article (text, title, dates, meta,
JSON-LD) stays exactly as on the light page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from random import Random

from mediawatch.newsroom import assets, bank_chrome, content
from mediawatch.newsroom.generator import PAGE_WEIGHTS, ArticleRecord, OutletSpec

_CYRILLIC = "абвгдеёжзийклмнопрстуфхцчшщыэюя"
_LATIN = "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch y e yu ya".split()  # noqa: SIM905
_TRANSLIT = str.maketrans({**dict(zip(_CYRILLIC, _LATIN, strict=True)), "ъ": "", "ь": ""})


def check_weight(weight: str) -> str:
    if weight not in PAGE_WEIGHTS:
        raise ValueError(f"page weight must be one of {PAGE_WEIGHTS}, not {weight!r}")
    return weight


def slug(text: str) -> str:
    return content.slugify(text.lower().translate(_TRANSLIT))


@dataclass(frozen=True, slots=True)
class Chrome:
    """What one heavy page adds, by where it goes."""

    head: str  # before </head>
    top: str  # right after <body ...>
    bottom: str  # before </body>
    comments: tuple[tuple[str, str], ...]  # appended to the page's own comment section


def dress(html: str, chrome: Chrome) -> str:
    """Insert the chrome around a rendered light page."""
    head_end = html.index("</head>")
    body_start = html.index(">", html.index("<body")) + 1
    body_end = html.rindex("</body>")
    return (
        html[:head_end]
        + chrome.head
        + html[head_end:body_start]
        + chrome.top
        + html[body_start:body_end]
        + chrome.bottom
        + html[body_end:]
    )


def _svg(rng: Random, cls: str) -> str:
    """An inline icon with plausible path data (real pages inline dozens of these)."""
    points = " ".join(
        f"{rng.choice('LCQ')}{rng.uniform(0, 24):.2f} {rng.uniform(0, 24):.2f}"
        for _ in range(rng.randint(6, 18))
    )
    return (
        f'<svg class="{cls}" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" '
        f'focusable="false"><path d="M{rng.uniform(0, 24):.2f} {rng.uniform(0, 24):.2f}'
        f'{points}Z"/></svg>'
    )


class SiteChrome:
    """The chrome of one outlet: site-wide parts built once, page parts per article."""

    def __init__(self, seed: int, outlet: OutletSpec) -> None:
        self.outlet = outlet
        self.words = bank_chrome.words(outlet.language)
        self.seed = seed
        rng = Random(f"{seed}:{outlet.key}:chrome")
        self.menu = self._menu_tree()
        self.css = assets.stylesheet(rng, rng.randint(12_000, 36_000))
        self.code = assets.app_code(rng)
        self.vendors = assets.vendors(rng, rng.randint(40, 150))
        self.header = self._header(rng)
        self.footer = self._footer(rng)
        self.flags = {
            f"{rng.choice(('enable', 'show', 'use', 'ab'))}_{slug(topic).replace('-', '_')}": (
                rng.random() < 0.6
            )
            for topic in rng.sample(self.words.purposes + self.words.menu_extra, 12)
        }

    def _menu_tree(self) -> dict[str, tuple[str, ...]]:
        b = content.bank(self.outlet.language)
        filled = [b.slots["city"], b.slots["team"], b.slots["company"]]
        return {
            section: topics or tuple(s.strip("«»") for s in filled.pop(0))
            for section, topics in self.words.menu.items()
        }

    # -- site-wide ---------------------------------------------------------------------------

    def _header(self, rng: Random) -> str:
        w, name = self.words, escape(self.outlet.name)
        utility = "".join(f'<li><a href="/{slug(u)}/">{escape(u)}</a></li>' for u in w.utility[1:])
        sections = []
        for i, (section, topics) in enumerate(self.menu.items()):
            root = f"/section/{slug(section)}/"
            links = "".join(
                f'<li class="mega-menu__item"><a class="mega-menu__link" href="{root}{slug(t)}/">'
                f"{escape(t)}</a></li>"
                for t in topics
            )
            sections.append(
                f'<li class="mega-menu__group" data-index="{i}"><button class="mega-menu__toggle" '
                f'aria-expanded="false">{escape(section)}{_svg(rng, "icon icon--chevron")}</button>'
                f'<div class="mega-menu__panel"><a class="mega-menu__all" href="{root}">'
                f'{escape(section)}</a><ul class="mega-menu__list">{links}</ul></div></li>'
            )
        extra = "".join(f'<li><a href="/{slug(e)}/">{escape(e)}</a></li>' for e in w.menu_extra)
        return (
            f'<a class="skip-link" href="#main">{escape(w.utility[-1])}</a>'
            f'<header class="site-header" id="site-header"><div class="utility-bar">'
            f'<ul class="utility-bar__list">{utility}</ul></div>'
            f'<div class="site-header__brand"><a class="site-header__logo" href="/">'
            f'{_svg(rng, "logo")}<span class="visually-hidden">{name}</span></a>'
            f'<form class="search-box" action="/search/" role="search"><input type="search" '
            f'name="q" aria-label="{escape(w.utility[3])}"><button type="submit">'
            f"{_svg(rng, 'icon icon--search')}</button></form></div>"
            f'<nav class="mega-menu" aria-label="Sections"><ul class="mega-menu__root">'
            f'{"".join(sections)}</ul><ul class="mega-menu__extra">{extra}</ul></nav></header>'
        )

    def _footer(self, rng: Random) -> str:
        w = self.words
        groups = "".join(
            f'<div class="site-footer__col"><h4 class="site-footer__title">{escape(g)}</h4>'
            '<ul class="site-footer__list">'
            + "".join(f'<li><a href="/{slug(g)}/{slug(x)}/">{escape(x)}</a></li>' for x in links)
            + "</ul></div>"
            for g, links in w.footer.items()
        )
        sitemap = "".join(
            f'<div class="site-footer__section"><a href="/section/{slug(s)}/">{escape(s)}</a>'
            + "".join(
                f'<a class="site-footer__topic" href="/section/{slug(s)}/{slug(t)}/">'
                f"{escape(t)}</a>"
                for t in topics
            )
            + "</div>"
            for s, topics in self.menu.items()
        )
        apps = "".join(
            f'<a class="btn btn--app" href="/apps/{store}/">{_svg(rng, "icon")}'
            f"{escape(w.labels['app'])}</a>"
            for store in ("ios", "android")
        )
        return (
            f'<footer class="site-footer site-footer--fat"><div class="site-footer__sitemap">'
            f'{sitemap}</div><div class="site-footer__grid">{groups}</div>'
            f'<div class="site-footer__apps">{apps}</div><p class="site-footer__legal">&copy; '
            f"{escape(self.outlet.name)}. {escape(w.labels['copyright'])}</p></footer>"
        )

    # -- per page ------------------------------------------------------------------------------

    def page(
        self,
        art: ArticleRecord,
        most_read: Sequence[ArticleRecord],
        latest: Sequence[ArticleRecord],
    ) -> Chrome:
        rng = Random(f"{self.seed}:{art.id}:chrome")
        w = self.words
        keywords = [slug(t) for t in rng.sample(sum(self.menu.values(), ()), 8)]
        page_data = {
            "event": "page_view",
            "contentId": f"{self.outlet.key}-{art.id}",
            "section": art.section,
            "authorsCount": len(art.authors),
            "wordCount": len(art.text.split()),
            "access": rng.choice(("free", "metered", "registered")),
            "abVariant": rng.choice("ABCD"),
            "keywords": keywords,
        }
        config = {
            "site": {"key": self.outlet.key, "lang": art.language, "tz": self.outlet.timezone},
            "page": {"id": art.id, "section": art.section, "type": "article"},
            "flags": self.flags,
            "i18n": dict(w.labels),
            "navigation": [
                {"label": s, "href": f"/section/{slug(s)}/", "children": [
                    {"label": t, "href": f"/section/{slug(s)}/{slug(t)}/"} for t in topics
                ]}
                for s, topics in self.menu.items()
            ],
        }  # fmt: skip
        head = (
            '<link rel="preconnect" href="https://cdn.example-static.net">'
            f"<style>{self.css}</style>"
            f"<script>{assets.analytics(rng, page_data)}</script>"
            f"<script>{assets.ad_stack(rng, art.section, keywords)}</script>"
        )
        top = self._consent(rng) + self.header + self._breadcrumb(art) + self._share(rng)
        bottom = (
            self._share(rng)
            + self._author_box(rng, art)
            + self._newsletter(rng)
            + self._rail("most-read", w.labels["most_read"], most_read, rng)
            + self._rail("latest-news", w.labels["latest"], latest, rng)
            + self.footer
            + f'<script id="__APP_CONFIG__" type="application/json">'
            f"{assets.config_blob(config)}</script>"
            f"<script>{self.vendors}</script><script>{self.code}</script>"
        )
        return Chrome(head, top, bottom, self._comments(rng))

    def _consent(self, rng: Random) -> str:
        heading, first, second, buttons = self.words.cookie
        purposes = "".join(
            f'<li class="cmp-banner__purpose"><label><input type="checkbox" name="p{i}"'
            f"{' checked' if i == 0 else ''}> {escape(p)}</label></li>"
            for i, p in enumerate(self.words.purposes)
        )
        choices = ("accept", "reject", "manage")
        buttons_html = "".join(
            f'<button class="btn btn--{c}" data-choice="{c}">{escape(b)}</button>'
            for c, b in zip(choices, buttons, strict=True)
        )
        return (
            f'<div id="cookie-consent" class="cmp-banner" role="dialog" aria-modal="true" hidden>'
            f'<div class="cmp-banner__inner"><h2 class="cmp-banner__title">{escape(heading)}</h2>'
            f"<p>{escape(first.format(n=rng.randint(180, 900)))}</p><p>{escape(second)}</p>"
            f'<ul class="cmp-banner__purposes">{purposes}</ul>{buttons_html}</div></div>'
        )

    def _breadcrumb(self, art: ArticleRecord) -> str:
        home = escape(self.words.labels["home"])
        section = escape(art.section.title())
        return (
            f'<nav class="breadcrumb" aria-label="Breadcrumb"><ol><li><a href="/">{home}</a>'
            f'</li><li><a href="/section/{art.section}/">{section}</a></li></ol></nav>'
        )

    def _share(self, rng: Random) -> str:
        networks = "".join(
            f'<li><a class="share-bar__link" data-share="{slug(n)}" href="/share/{slug(n)}" '
            f'rel="nofollow noopener">{_svg(rng, "icon")}<span class="visually-hidden">'
            f"{escape(n)}</span></a></li>"
            for n in self.words.share
        )
        count = rng.randint(3, 4000)
        return (
            f'<div class="share-bar"><span class="share-bar__label">'
            f"{escape(self.words.share_label)}</span>"
            f'<span class="share-bar__count">{count}</span><ul>{networks}</ul></div>'
        )

    def _author_box(self, rng: Random, art: ArticleRecord) -> str:
        w, boxes = self.words, []
        topics = sum(self.menu.values(), ())
        for author in art.authors:
            t1, t2 = rng.sample(topics, 2)
            bio = rng.choice(w.bio).format(
                name=author, beat=rng.choice(w.beats), outlet=self.outlet.name,
                t1=t1.lower(), t2=t2.lower(), n=rng.randint(3, 25),
            )  # fmt: skip
            links = "".join(
                f'<a class="author-box__link" href="/author/{slug(author)}/">{escape(x)}</a>'
                for x in w.author_links
            )
            boxes.append(
                f'<div class="author-box"><img class="author-box__avatar" '
                f'src="/static/authors/{slug(author)}-96.jpg" width="96" height="96" alt="">'
                f'<div class="author-box__bio"><p>{escape(bio)}</p>{links}</div></div>'
            )
        return "".join(boxes)

    def _newsletter(self, rng: Random) -> str:
        name, blurb = rng.choice(self.words.newsletters)
        heading, placeholder, button, small = self.words.newsletter_form
        return (
            f'<div class="newsletter-signup"><h3>{escape(heading.format(name=name))}</h3>'
            f'<p>{escape(blurb)}</p><form action="/newsletters/subscribe" method="post">'
            f'<input type="email" name="email" placeholder="{escape(placeholder)}" required>'
            f'<input type="hidden" name="list" value="{slug(name)}">'
            f'<button type="submit">{escape(button)}</button></form>'
            f'<p class="newsletter-signup__small">{escape(small)}</p></div>'
        )

    def _rail(self, cls: str, heading: str, arts: Sequence[ArticleRecord], rng: Random) -> str:
        labels = self.words.labels
        items = []
        for rank, a in enumerate(arts, 1):
            img = f"/static/img/{a.id:06d}"
            srcset = ", ".join(f"{img}-{px}.jpg {px}w" for px in (320, 480, 640, 960, 1280))
            age = labels["ago"] if rng.random() < 0.5 else labels["hours"]
            items.append(
                f'<li class="teaser teaser--{rank}"><a class="teaser__link" href="{a.path}">'
                f'<img class="teaser__media" src="{img}-480.jpg" srcset="{srcset}" '
                f'sizes="(min-width:900px) 300px, 100vw" width="480" height="270" '
                f'loading="lazy" alt="{escape(a.title)}">'
                f'<h3 class="teaser__title">{escape(a.title)}</h3></a>'
                f'<p class="teaser__summary">{escape(teaser_summary(a))}</p>'
                f'<span class="teaser__meta">{escape(age.format(n=rng.randint(2, 59)))}'
                "</span></li>"
            )
        return (
            f'<div class="{cls} sidebar"><h2>{escape(heading)}</h2><ol>{"".join(items)}</ol></div>'
        )

    def _comments(self, rng: Random) -> tuple[tuple[str, str], ...]:
        w, b = self.words, content.bank(self.outlet.language)
        handles = w.handles + b.commenters
        rows = []
        for _ in range(rng.randint(10, 48)):
            text = " ".join(rng.sample(w.reactions + b.comments, rng.randint(1, 3)))
            rows.append((rng.choice(handles), text))
        return tuple(rows)


def teaser_summary(art: ArticleRecord) -> str:
    """A teaser shows the lede of the story it links to."""
    return art.paragraphs(0)[0]
