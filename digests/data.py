"""The digest's content for one topic and one window, read from the warehouse.

Everything a format needs is computed here once, so HTML, text, Markdown and the
webhook can never disagree. A story is a distinct ``story_id`` (an article not yet
clustered counts as a story of its own): counting stories as well as articles keeps
syndicated wire copy from inflating the numbers.

Which articles a scheduled digest holds: those dated in its window and stored before it was
built (its cutoff), plus those dated earlier but stored since the previous scheduled digest
was built ("found late"). So every matched article is in exactly one scheduled digest, also
when a crawl finds it after the digest of its own window went out.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import duckdb

from digests.safety import safe_link, strip_controls
from digests.snippet import Snippet, best_snippet
from digests.window import SCHEDULED, Window, day_window
from mediawatch.config import Config
from warehouse import digests as wh
from warehouse.connection import opened
from warehouse.trends import SpikeRule, window_scores

STALE_AFTER = timedelta(days=3)
AVERAGE_DAYS = 7
TOP_DRIVERS = 5
SPIKE_BASELINE = SpikeRule().baseline_periods
MAX_CATCH_UP = timedelta(days=7)  # a scheduled window reaches back at most this far


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
    snippet: Snippet
    url: str | None  # None unless a plain http(s) link
    language: str | None
    outlets: tuple[str, ...]  # every outlet carrying it, origin first
    is_new: bool
    latest_at: datetime | None = None  # its most recent article up to the window's end (ranking)
    date_only: bool = False  # the source gave a day, no time
    found_late: bool = False  # dated before the window, stored after the previous digest

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
class Undelivered:
    """A scheduled digest that could not be delivered before this one was due."""

    label: str
    channel: str
    attempts: int
    detail: str


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
    window: Window | None = None
    cutoff: datetime | None = None
    late_articles: int = 0
    late_stories: int = 0
    undelivered: list[Undelivered] = field(default_factory=list)
    article_ids: frozenset[int] = frozenset()  # every matched article it counts, late ones too

    @property
    def no_coverage(self) -> bool:
        return self.headline.today.articles == 0 and self.late_articles == 0

    @property
    def period(self) -> str:
        """'2024-05-20', or the window for a scheduled digest."""
        return self.window.label() if self.window is not None else self.day.isoformat()


def build_digest(
    config: Config,
    topic_name: str,
    when: date | Window,
    *,
    cutoff: datetime | None = None,
) -> Digest:
    """Read everything for ``topic_name`` in one short read-only connection.

    ``when`` is a local calendar day (``mediawatch digest --date``) or a window; ``cutoff``
    (default: now) leaves out articles stored later, so a digest rebuilt later is the same.
    """
    topic = config.topic(topic_name)
    tz_name = config.schedule.timezone or "UTC"
    window = when if isinstance(when, Window) else day_window(when, tz_name)
    cutoff = cutoff or datetime.now(UTC)
    n_windows = max(config.digest.chart_days, SPIKE_BASELINE + 1, AVERAGE_DAYS + 1)
    with opened(
        config.warehouse_path, read_only=True, timeout_s=config.warehouse.lock_timeout_s
    ) as con:
        wh.use_utc(con)
        previous = (
            wh.previous_scheduled(con, topic.name, window.end) if window.kind == SCHEDULED else None
        )
        if previous is not None and previous[0] >= window.end - MAX_CATCH_UP:
            # from the last digest built: across days without one, or a changed digest_time
            window = window.with_start(previous[0])
        todays = wh.matches(con, topic.name, window.start, window.end, seen_before=cutoff)
        late: list[wh.MatchRow] = []
        if previous is not None:
            late = [
                m
                for m in wh.late_matches(con, topic.name, window.start, previous[1], cutoff)
                if not (m.at < previous[0] and m.first_seen_at < previous[1])
            ]
        nominal = [window.earlier(i) for i in range(n_windows - 1, 0, -1)]
        series = window_scores(
            con, topic.name, [(w.start, w.end) for w in nominal] + [(window.start, window.end)]
        )
        stories, n_new = _stories(con, [*todays, *late], window, {m.article_id for m in late})
        first_time = [
            strip_controls(o) for o in wh.first_time_outlets(con, topic.name, *_span(window))
        ]
        troubled, all_failed = _outlet_trouble(con, window.start, window.end)
        undelivered = (
            _undelivered(con, topic.name, previous, window) if window.kind == SCHEDULED else []
        )

    windows = [*nominal, window]
    by_window = [Counts(s.articles, s.stories, s.outlets) for s in series]
    today = _counts(todays)
    avg_from = by_window[-1 - AVERAGE_DAYS : -1]
    headline = Headline(
        today=today,
        previous=by_window[-2],
        average7=Average(
            *(
                sum(getattr(c, f) for c in avg_from) / AVERAGE_DAYS
                for f in ("articles", "stories", "outlets")
            )
        ),
    )
    spike = None
    score = series[-1]
    if score.spike and score.z is not None:
        terms = Counter(t.lower() for m in todays for t in m.raw_terms if t)
        outlets = Counter(m.outlet for m in todays)
        spike = Spike(
            score.stories,
            score.baseline_mean or 0.0,
            score.baseline_sd or 0.0,
            score.z,
            terms.most_common(TOP_DRIVERS),
            outlets.most_common(TOP_DRIVERS),
        )
    ranked = sorted(
        stories,
        key=lambda s: (
            not s.found_late,
            len(s.outlets),
            s.latest_at or datetime.min.replace(tzinfo=UTC),
        ),
        reverse=True,
    )
    volume = [
        DayVolume(w.day, c.articles, c.stories) for w, c in zip(windows, by_window, strict=True)
    ][-config.digest.chart_days :]
    return Digest(
        topic=topic.name,
        description=topic.description,
        day=window.day,
        timezone=tz_name,
        headline=headline,
        spike=spike,
        stories=ranked[: config.digest.max_stories],
        n_new_stories=n_new,
        n_continuing_stories=len([s for s in stories if not s.found_late]) - n_new,
        first_time_outlets=first_time,
        troubled_outlets=troubled,
        all_outlets_failed=all_failed,
        volume=volume,
        window=window if window.kind != "day" else None,
        cutoff=cutoff,
        late_articles=len({m.article_id for m in late}),
        late_stories=len({m.story_id for m in late}),
        undelivered=undelivered,
        article_ids=frozenset(m.article_id for m in (*todays, *late)),
    )


def _span(window: Window) -> tuple[datetime, datetime]:
    return window.start, window.end


def _counts(matches: list[wh.MatchRow]) -> Counts:
    return Counts(
        articles=len({m.article_id for m in matches}),
        stories=len({m.story_id for m in matches}),
        outlets=len({m.outlet for m in matches}),
    )


def _undelivered(
    con: duckdb.DuckDBPyConnection,
    topic: str,
    previous: tuple[datetime, datetime] | None,
    window: Window,
) -> list[Undelivered]:
    if previous is None:
        return []
    out = []
    for day, start, end, channel, attempts, detail in wh.undelivered(con, topic, previous[0]):
        label = Window(start, end, day, SCHEDULED, window.timezone).label()
        out.append(Undelivered(label, channel, attempts, strip_controls(detail) or "no reason"))
    return out


def _stories(
    con: duckdb.DuckDBPyConnection,
    matched: list[wh.MatchRow],
    window: Window,
    late_ids: set[int],
) -> tuple[list[StoryItem], int]:
    """Every story with a matching article in the window, and how many of them began in it."""
    if not matched:
        return [], 0
    tz = window.tz
    story_ids = sorted({m.story_id for m in matched})
    meta = wh.stories_meta(con, story_ids)
    carriers: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    latest: dict[int, datetime] = {}
    for sid, outlet, first_at, last_at in wh.story_carriers(con, story_ids, window.end):
        carriers[sid].append((first_at, outlet))
        latest[sid] = max(last_at, latest.get(sid, last_at))
    # the article to quote: the story's origin if it matched, else its earliest match
    rep: dict[int, wh.MatchRow] = {}
    for m in sorted(matched, key=lambda m: m.at):
        origin_id = meta.get(m.story_id, (None, None, None, None))[3]
        if m.story_id not in rep or m.article_id == origin_id:
            rep[m.story_id] = m
    first_ids = {v[3] for v in meta.values() if v[3] is not None}
    details = wh.articles(con, sorted({m.article_id for m in rep.values()} | first_ids))
    items, n_new = [], 0
    for sid in story_ids:
        m = rep[sid]
        art = details.get(m.article_id, wh.ArticleRow("", None, None, "", None))
        s_title, s_origin, s_first, first_id = meta.get(sid, (None, None, None, None))
        seen = sorted(carriers.get(sid) or [(m.at, m.outlet)])
        first_at = s_first or seen[0][0]
        origin = s_origin or seen[0][1]
        outlets = [origin] + [o for _, o in seen if o != origin]
        found_late = all(x.article_id in late_ids for x in matched if x.story_id == sid)
        is_new = first_at >= window.start and not found_late
        n_new += is_new
        title = strip_controls(s_title or art.title) or "(untitled)"
        # the time shown: the origin article's own (the story's first time may come from a
        # date-only copy), or for a late find the article found
        origin_art = details.get(first_id) if first_id is not None else None
        shown_at = m.at if found_late else (origin_art.at if origin_art else None) or first_at
        shown_precision = (
            art.precision if found_late or origin_art is None else origin_art.precision
        )
        items.append(
            StoryItem(
                story_id=sid,
                title=title,
                origin_outlet=strip_controls(origin),
                published_at=shown_at.astimezone(tz) if shown_at else None,
                snippet=best_snippet(strip_controls_keep_lines(art.text), title, m.raw_terms),
                url=safe_link(art.url),
                language=strip_controls(art.language) or None,
                outlets=tuple(dict.fromkeys(strip_controls(o) for o in outlets)),
                is_new=is_new,
                latest_at=latest.get(sid, m.at),
                date_only=_date_only(shown_precision, shown_at),
                found_late=found_late,
            )
        )
    return items, n_new


def strip_controls_keep_lines(text: str) -> str:
    """Control characters out, paragraph breaks kept (the snippet splits on them)."""
    return "\n".join(strip_controls(line) for line in text.splitlines())


def _date_only(precision: str | None, at: datetime | None) -> bool:
    """A day without a time: said by the extractor, or a stored midnight UTC with no precision."""
    if precision == "day":
        return True
    if precision is None and at is not None:
        utc = at.astimezone(UTC)
        return (utc.hour, utc.minute, utc.second, utc.microsecond) == (0, 0, 0, 0)
    return False


def _outlet_trouble(
    con: duckdb.DuckDBPyConnection, day_start: datetime, day_end: datetime
) -> tuple[list[OutletTrouble], bool]:
    """Outlets whose latest run (up to the day's end) failed mostly, or that found nothing new
    for days; and whether every outlet crawled that day failed."""
    rows = wh.outlet_runs(con, day_end)
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
