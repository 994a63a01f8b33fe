"""The digest's content for one topic and one local day, read from the warehouse.

Everything a format needs is computed here once, so HTML, text, Markdown and the
webhook can never disagree. A story is a distinct ``story_id`` (an article not yet
clustered counts as a story of its own): counting stories as well as articles keeps
syndicated wire copy from inflating the numbers.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import duckdb

from digests.safety import safe_link, strip_controls
from digests.spike import SPIKE_WINDOW_DAYS, is_spike, z_score
from mediawatch.config import Config
from warehouse.connection import opened

STALE_AFTER = timedelta(days=3)
AVERAGE_DAYS = 7
TOP_DRIVERS = 5


@dataclass(frozen=True)
class Counts:
    articles: int = 0
    stories: int = 0
    outlets: int = 0


@dataclass(frozen=True)
class Average:
    articles: float = 0.0
    stories: float = 0.0
    outlets: float = 0.0


@dataclass(frozen=True)
class Headline:
    today: Counts
    previous: Counts
    average7: Average


@dataclass(frozen=True)
class Spike:
    stories: int
    mean: float
    std: float
    z: float
    top_terms: list[tuple[str, int]]
    top_outlets: list[tuple[str, int]]


@dataclass(frozen=True)
class StoryItem:
    story_id: int
    title: str
    origin_outlet: str
    published_at: datetime | None  # local time
    snippet: str
    url: str | None  # None unless a plain http(s) link
    language: str | None
    outlets: tuple[str, ...]  # every outlet carrying it, origin first
    is_new: bool
    latest_at: datetime | None = None  # its most recent article up to the day's end (ranking)

    @property
    def also_carried_by(self) -> tuple[str, ...]:
        return tuple(o for o in self.outlets if o != self.origin_outlet)


@dataclass(frozen=True)
class OutletTrouble:
    outlet: str
    kind: str  # failing | stale
    reason: str
    last_run_at: datetime | None


@dataclass(frozen=True)
class DayVolume:
    day: date
    articles: int
    stories: int


@dataclass(frozen=True)
class Digest:
    topic: str
    description: str
    day: date
    timezone: str
    headline: Headline
    spike: Spike | None
    stories: list[StoryItem]
    n_new_stories: int
    n_continuing_stories: int
    first_time_outlets: list[str]
    troubled_outlets: list[OutletTrouble]
    all_outlets_failed: bool
    volume: list[DayVolume]
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def no_coverage(self) -> bool:
        return self.headline.today.articles == 0


@dataclass(frozen=True)
class _Match:
    article_id: int
    story_id: int
    outlet: str
    at: datetime
    terms: tuple[str, ...]


def local_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants where a local day starts and ends (23 or 25 hours on DST days)."""
    start = datetime.combine(day, time(0), tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(UTC)
    return start, end


def build_digest(config: Config, topic_name: str, day: date) -> Digest:
    """Read everything for ``topic_name`` on local ``day`` in one short read-only connection."""
    topic = config.topic(topic_name)
    tz = ZoneInfo(config.schedule.timezone or "UTC")
    window = max(config.digest.chart_days, SPIKE_WINDOW_DAYS + 1, AVERAGE_DAYS + 1)
    first_day = day - timedelta(days=window - 1)
    window_start, _ = local_bounds(first_day, tz)
    day_start, day_end = local_bounds(day, tz)
    with opened(
        config.warehouse_path, read_only=True, timeout_s=config.warehouse.lock_timeout_s
    ) as con:
        con.execute("SET TimeZone = 'UTC'")
        matches = _matches(con, topic.name, window_start, day_end)
        by_day: dict[date, list[_Match]] = defaultdict(list)
        for m in matches:
            by_day[m.at.astimezone(tz).date()].append(m)
        todays = by_day.get(day, [])
        stories, n_new = _stories(con, topic.name, todays, day_start, day_end, tz)
        first_time = _first_time_outlets(con, topic.name, day_start, day_end)
        troubled, all_failed = _outlet_trouble(con, day_start, day_end)

    counts = {d: _counts(ms) for d, ms in by_day.items()}
    prev_days = [day - timedelta(days=i) for i in range(1, AVERAGE_DAYS + 1)]
    trailing = [
        counts.get(day - timedelta(days=i), Counts()).stories
        for i in range(1, SPIKE_WINDOW_DAYS + 1)
    ]
    today = counts.get(day, Counts())
    headline = Headline(
        today=today,
        previous=counts.get(day - timedelta(days=1), Counts()),
        average7=Average(
            *(
                sum(getattr(counts.get(d, Counts()), f) for d in prev_days) / AVERAGE_DAYS
                for f in ("articles", "stories", "outlets")
            )
        ),
    )
    spike = None
    if is_spike(today.stories, trailing):
        z, mean, std = z_score(today.stories, trailing)
        terms = Counter(t.lower() for m in todays for t in m.terms if t)
        outlets = Counter(m.outlet for m in todays)
        spike = Spike(
            today.stories,
            mean,
            std,
            z,
            terms.most_common(TOP_DRIVERS),
            outlets.most_common(TOP_DRIVERS),
        )
    ranked = sorted(
        stories,
        key=lambda s: (len(s.outlets), s.latest_at or datetime.min.replace(tzinfo=UTC)),
        reverse=True,
    )
    chart_first = day - timedelta(days=config.digest.chart_days - 1)
    volume = [
        DayVolume(d, counts.get(d, Counts()).articles, counts.get(d, Counts()).stories)
        for d in (chart_first + timedelta(days=i) for i in range(config.digest.chart_days))
    ]
    return Digest(
        topic=topic.name,
        description=topic.description,
        day=day,
        timezone=str(tz),
        headline=headline,
        spike=spike,
        stories=ranked[: config.digest.max_stories],
        n_new_stories=n_new,
        n_continuing_stories=len(stories) - n_new,
        first_time_outlets=first_time,
        troubled_outlets=troubled,
        all_outlets_failed=all_failed,
        volume=volume,
    )


def _counts(matches: list[_Match]) -> Counts:
    return Counts(
        articles=len({m.article_id for m in matches}),
        stories=len({m.story_id for m in matches}),
        outlets=len({m.outlet for m in matches}),
    )


_WHEN = "coalesce(a.published_at, a.first_seen_at)"


def _matches(
    con: duckdb.DuckDBPyConnection, topic: str, start: datetime, end: datetime
) -> list[_Match]:
    rows = con.execute(
        f"""
        SELECT a.id, coalesce(a.story_id, -a.id), a.outlet, {_WHEN}, t.matched_words
        FROM topic_matches m JOIN articles a ON a.id = m.article_id
        JOIN topic_articles t ON t.topic = m.topic AND t.article_id = m.article_id
        WHERE m.topic = ? AND {_WHEN} >= ? AND {_WHEN} < ?
        """,
        [topic, start, end],
    ).fetchall()
    return [_Match(r[0], r[1], r[2], r[3], tuple(r[4] or ())) for r in rows]


def _stories(
    con: duckdb.DuckDBPyConnection,
    topic: str,
    todays: list[_Match],
    day_start: datetime,
    day_end: datetime,
    tz: ZoneInfo,
) -> tuple[list[StoryItem], int]:
    """Every story with a matching article today, and how many of them began today."""
    if not todays:
        return [], 0
    story_ids = sorted({m.story_id for m in todays})
    meta = {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT id, title, origin_outlet, first_published_at, first_article_id"
            " FROM stories WHERE list_contains(?, id)",
            [story_ids],
        ).fetchall()
    }
    carriers: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    latest: dict[int, datetime] = {}
    for sid, outlet, first_at, last_at in con.execute(
        f"""
        SELECT coalesce(a.story_id, -a.id), a.outlet, min({_WHEN}), max({_WHEN})
        FROM articles a
        WHERE list_contains(?, coalesce(a.story_id, -a.id)) AND {_WHEN} < ?
        GROUP BY ALL
        """,
        [story_ids, day_end],
    ).fetchall():
        carriers[sid].append((first_at, outlet))
        latest[sid] = max(last_at, latest.get(sid, last_at))
    # the article to quote: the story's origin if it matched, else its earliest match today
    rep: dict[int, _Match] = {}
    for m in sorted(todays, key=lambda m: m.at):
        origin = meta.get(m.story_id, (None, None, None, None))[3]
        if m.story_id not in rep or m.article_id == origin:
            rep[m.story_id] = m
    wanted = sorted({m.article_id for m in rep.values()})
    articles = {
        r[0]: r[1:]
        for r in con.execute(
            """
            SELECT a.id, a.title, a.url, a.language, mt.snippet
            FROM articles a LEFT JOIN topic_matches mt ON mt.article_id = a.id AND mt.topic = ?
            WHERE list_contains(?, a.id)
            """,
            [topic, wanted],
        ).fetchall()
    }
    items, n_new = [], 0
    for sid in story_ids:
        m = rep[sid]
        title, url, language, snippet = articles.get(m.article_id, ("", None, None, None))
        s_title, s_origin, s_first, _ = meta.get(sid, (None, None, None, None))
        seen = sorted(carriers.get(sid) or [(m.at, m.outlet)])
        first_at = s_first or seen[0][0]
        origin = s_origin or seen[0][1]
        outlets = [origin] + [o for _, o in seen if o != origin]
        is_new = first_at >= day_start
        n_new += is_new
        items.append(
            StoryItem(
                story_id=sid,
                title=strip_controls(s_title or title) or "(untitled)",
                origin_outlet=strip_controls(origin),
                published_at=first_at.astimezone(tz) if first_at else None,
                snippet=strip_controls(snippet),
                url=safe_link(url),
                language=strip_controls(language) or None,
                outlets=tuple(dict.fromkeys(strip_controls(o) for o in outlets)),
                is_new=is_new,
                latest_at=latest.get(sid, m.at),
            )
        )
    return items, n_new


def _first_time_outlets(
    con: duckdb.DuckDBPyConnection, topic: str, day_start: datetime, day_end: datetime
) -> list[str]:
    rows = con.execute(
        f"""
        SELECT a.outlet FROM topic_matches m JOIN articles a ON a.id = m.article_id
        WHERE m.topic = ? AND {_WHEN} < ?
        GROUP BY a.outlet HAVING min({_WHEN}) >= ? ORDER BY a.outlet
        """,
        [topic, day_end, day_start],
    ).fetchall()
    return [strip_controls(r[0]) for r in rows]


def _outlet_trouble(
    con: duckdb.DuckDBPyConnection, day_start: datetime, day_end: datetime
) -> tuple[list[OutletTrouble], bool]:
    """Outlets whose latest run (up to the day's end) failed mostly, or that found nothing new
    for days; and whether every outlet crawled that day failed."""
    rows = con.execute(
        """
        SELECT o.outlet, r.started_at, o.fetched, o.new, o.failed, o.failures_by_reason
        FROM crawl_run_outlets o JOIN crawl_runs r ON r.id = o.run_id
        WHERE r.started_at < ? ORDER BY r.started_at DESC
        """,
        [day_end],
    ).fetchall()
    history: dict[str, list[tuple]] = defaultdict(list)
    for row in rows:
        history[row[0]].append(row[1:])
    troubled: list[OutletTrouble] = []
    crawled_today, failed_today = 0, 0
    for outlet, runs in sorted(history.items()):
        last_at, fetched, new, failed, reasons_json = runs[0]
        name = strip_controls(outlet)
        if last_at >= day_start:
            crawled_today += 1
            failed_today += bool(failed and not new)
        if failed and failed * 2 >= fetched + failed:
            troubled.append(
                OutletTrouble(
                    name,
                    "failing",
                    f"failed {failed} of {fetched + failed} fetches in its last run"
                    + _reasons(reasons_json),
                    last_at,
                )
            )
            continue
        last_new = next((r[0] for r in runs if r[2]), None)
        oldest = runs[-1][0]
        if day_end - oldest > STALE_AFTER and (
            last_new is None or day_end - last_new > STALE_AFTER
        ):
            since = (
                f"for {(day_end - last_new).days} days"
                if last_new
                else "since it was first crawled"
            )
            troubled.append(OutletTrouble(name, "stale", f"nothing new {since}", last_at))
    return troubled, crawled_today > 0 and failed_today == crawled_today


def _reasons(reasons_json: object) -> str:
    try:
        reasons = json.loads(reasons_json) if isinstance(reasons_json, str) else reasons_json
    except ValueError:
        return ""
    if not isinstance(reasons, dict) or not reasons:
        return ""
    top = sorted(reasons.items(), key=lambda kv: -int(kv[1] or 0))[:3]
    return " (" + ", ".join(f"{strip_controls(str(k))}: {v}" for k, v in top) + ")"
