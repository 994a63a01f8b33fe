"""One ``Digest`` into HTML (mail and archive), plain text, Markdown and a subject line."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from digests.chart import volume_chart
from digests.data import Digest
from digests.safety import clean_subject, slugify
from digests.snippet import Snippet


@dataclass(frozen=True)
class Rendered:
    html: str  # for mail: the chart is referenced as cid:<chart_cid>
    text: str
    markdown: str
    chart_png: bytes
    subject: str
    topic: str
    day: date
    slug: str
    chart_cid: str
    archive_html: str  # for the archive folder: the chart is the PNG next to it


def _environment(html: bool) -> Environment:
    env = Environment(
        loader=PackageLoader("digests", "templates"),
        autoescape=html,  # on for HTML: every web-sourced string is escaped
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(signed=signed, vs_average=vs_average, when=when, md=md_escape)
    env.filters.update(md_url=md_url, plural=plural)
    env.filters.update(snippet_html=snippet_html, snippet_md=snippet_md, snippet_text=snippet_text)
    return env


def signed(n: float) -> str:
    if n == 0:
        return "±0"
    text = f"{abs(n):.0f}" if float(n).is_integer() else f"{abs(n):.1f}"
    return ("+" if n > 0 else "−") + text


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 story', '2 stories', '0 articles'."""
    if n == 1:
        return f"{n} {word}"
    if many is None:
        many = (
            word[:-1] + "ies" if word.endswith("y") and word[-2:-1] not in "aeiou" else word + "s"
        )
    return f"{n} {many}"


def snippet_html(snippet: Snippet) -> Markup:
    """Escaped text with the matched words in <mark>."""
    return Markup("").join(
        Markup('<mark style="background:#fff3bf;color:inherit;">{}</mark>').format(t)
        if hit
        else escape(t)
        for t, hit in snippet
    )


def snippet_md(snippet: Snippet) -> str:
    return "".join(f"**{md_escape(t)}**" if hit else md_escape(t) for t, hit in snippet)


def snippet_text(snippet: Snippet) -> str:
    return "".join(f"*{t}*" if hit else t for t, hit in snippet)


def vs_average(today: int, average: float) -> str:
    if average == 0:
        return "none in the 7 days before"
    return f"{today / average:.1f}× the 7-day avg. ({average:.1f})"


def when(value: datetime | None, day: date, date_only: bool = False) -> str:
    """'14:05' on the digest's day, '19 May 14:05' before it; a date alone when no time is known."""
    if value is None:
        return "time unknown"
    if date_only:
        return value.strftime("%d %b")
    return value.strftime("%H:%M") if value.date() == day else value.strftime("%d %b %H:%M")


_MD_SPECIAL = set("\\`*_{}[]()<>#+-.!|~")


def md_escape(text: object) -> str:
    """Backslash every Markdown metacharacter: web text must not become links or markup."""
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in str(text))


def md_url(url: str) -> str:
    """A (pre-filtered http(s)) URL that cannot close the Markdown link around it."""
    return url.replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")


def subject_line(digest: Digest) -> str:
    t = digest.headline.today
    head = f"[mediawatch] {digest.topic} · {digest.period}"
    if digest.no_coverage:
        return clean_subject(f"{head}: no coverage")
    parts = f"{head}: {plural(t.stories, 'story')}, {plural(t.articles, 'article')}"
    if digest.spike:
        parts += " · SPIKE"
    if digest.stories:
        parts += f" · {digest.stories[0].title}"
    return clean_subject(parts)


def _z(value: float) -> str:
    return "∞" if math.isinf(value) else f"{value:.1f}"


def render(digest: Digest) -> Rendered:
    """Every format from the same data; the chart is drawn once and shared."""
    slug = slugify(digest.topic)
    cid = f"chart-{slug}-{digest.day.isoformat()}@mediawatch"  # one chart per message
    png = volume_chart(digest.volume, highlight=digest.day)
    subject = subject_line(digest)
    context: dict[str, Any] = {
        "d": digest,
        "h": digest.headline,
        "z": _z(digest.spike.z) if digest.spike else "",
        "subject": subject,
    }
    html_env, text_env = _environment(True), _environment(False)
    page = html_env.get_template("digest.html.j2")
    return Rendered(
        html=page.render(context, chart_src=f"cid:{cid}"),
        archive_html=page.render(context, chart_src=f"{slug}.png"),
        text=text_env.get_template("digest.txt.j2").render(context),
        markdown=text_env.get_template("digest.md.j2").render(context),
        chart_png=png,
        subject=subject,
        topic=digest.topic,
        day=digest.day,
        slug=slug,
        chart_cid=cid,
    )
