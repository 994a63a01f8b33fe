"""The reading pages: topics with their trends, stories, articles, outlets.

Handlers parse the request, read through :mod:`warehouse.browse`, :mod:`warehouse.trends`
and :mod:`warehouse.health`, and render a template; they hold no SQL and no business rules.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from warehouse import browse
from warehouse.health import outlet_health
from warehouse.trends import Share, daily_counts, spikes
from web.charts import ShareChart, daily_chart, share_chart
from web.site import site_of

MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 30


def index(request: Request) -> Response:
    site = site_of(request)
    with site.read() as con:
        articles, outlets, newest = browse.warehouse_totals(con)
        counts = browse.topic_article_counts(con)
    configured = {t.name: t for t in site.config.topics}
    rows: list[tuple[str, str | None, str, int]] = [
        (t.name, t.query, t.description, counts.get(t.name, 0)) for t in site.config.topics
    ]
    rows += [(name, None, "", n) for name, n in sorted(counts.items()) if name not in configured]
    return site.render(
        request,
        "index.html",
        {"rows": rows, "articles": articles, "outlets": outlets, "newest": newest},
    )


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HTTPException(
            400, f"{name}: expected a date like 2026-01-31, got {value!r}"
        ) from None


def _shares(rows: list[tuple[str, int, float]]) -> ShareChart:
    return share_chart([Share(*r) for r in rows])


def topic(request: Request) -> Response:
    site = site_of(request)
    name = request.path_params["name"]
    q = request.query_params
    start, end, day = (
        _day(q.get("from"), "from"),
        _day(q.get("to"), "to"),
        _day(q.get("day"), "day"),
    )
    with site.read() as con:
        counts = browse.topic_article_counts(con)
        if name not in counts and name not in site.topic_names:
            raise HTTPException(404, f"no topic named {name!r}")
        # by default the last 30 days of the warehouse (quiet days of the topic included)
        newest = browse.warehouse_totals(con)[2]
        end = end or (newest.astimezone(UTC).date() if newest else datetime.now(UTC).date())
        start = start or end - timedelta(days=DEFAULT_RANGE_DAYS - 1)
        if start > end:
            start, end = end, start
        if (end - start).days + 1 > MAX_RANGE_DAYS:
            start = end - timedelta(days=MAX_RANGE_DAYS - 1)
        days = daily_counts(con, name, days=(end - start).days + 1, until=end)
        # the drivers are looked up only when the range has a spike day (most ranges have none)
        found = []
        if any(d.spike for d in days):
            found = [s for s in spikes(con, name, since=start) if s.day <= end]
        lo, hi = (day, day) if day else (start, end)
        stories = browse.topic_stories(con, name, lo, hi)
        shares = browse.shares_in_range(con, name, lo, hi)
    configured = next((t for t in site.config.topics if t.name == name), None)
    return site.render(
        request,
        "topic.html",
        {
            "name": name,
            "topic": configured,
            "start": start,
            "end": end,
            "day": day,
            "chart": daily_chart(days, selected=day),
            "days": days,
            "spikes": found,
            "stories": stories,
            "by_outlet": _shares(shares["outlet"]),
            "by_language": _shares(shares["language"]),
            "total_articles": sum(d.articles for d in days),
            "total_stories": sum(d.stories for d in days),
        },
    )


def _int_param(request: Request, key: str) -> int:
    try:
        return int(request.path_params[key])
    except ValueError:
        raise HTTPException(404, f"not a {key}: {request.path_params[key]!r}") from None


def story(request: Request) -> Response:
    site = site_of(request)
    story_id = _int_param(request, "story_id")
    with site.read() as con:
        found = browse.story(con, story_id)
    if found is None:
        raise HTTPException(404, f"no story {story_id}")
    outlets = sorted({c.outlet for c in found.copies})
    return site.render(request, "story.html", {"story": found, "outlets": outlets})


def article(request: Request) -> Response:
    site = site_of(request)
    article_id = _int_param(request, "article_id")
    with site.read() as con:
        found = browse.article(con, article_id)
    if found is None:
        raise HTTPException(404, f"no article {article_id}")
    return site.render(request, "article.html", {"a": found.fields, "detail": found})


def outlets(request: Request) -> Response:
    site = site_of(request)
    with site.read() as con:
        health = outlet_health(con)
        counts = browse.outlet_counts(con)
        runs = browse.recent_runs(con)
        failures = browse.failures_by_reason(con)
    return site.render(
        request,
        "outlets.html",
        {"health": health, "counts": counts, "runs": runs, "failures": failures},
    )
