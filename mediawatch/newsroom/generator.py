"""The newsroom model: outlets and ground-truth article records, built deterministically.

Metadata (titles, dates, paths, copy relations) is generated eagerly; article text is
composed on first access from a per-article seed, so a 20k-article build stays fast and
the text never depends on access order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from random import Random
from types import MappingProxyType
from zoneinfo import ZoneInfo

from mediawatch.newsroom import content

FEED_ITEMS = 50
PAGE_WEIGHTS = ("light", "real")  # "real": see mediawatch.newsroom.boilerplate


@dataclass(frozen=True, slots=True)
class OutletSpec:
    """One fake outlet: how it looks and where its entry points are."""

    key: str
    name: str
    language: str
    timezone: str
    style: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()  # entry points (the index for a sitemap-index outlet)
    sections: tuple[str, ...] = ()
    weight: float = 1.0


OUTLETS: tuple[OutletSpec, ...] = (
    OutletSpec("global_ledger", "Global Ledger", "en", "America/New_York", "modern",
               feeds=("/feeds/rss.xml",), weight=0.17),
    OutletSpec("evening_courier", "Evening Courier", "en", "Europe/London", "legacy",
               feeds=("/atom.xml",), weight=0.14),
    OutletSpec("severny", "Северный вестник", "ru", "Europe/Moscow", "ru_modern",
               feeds=("/rss.xml",), weight=0.14),
    OutletSpec("kavkaz", "Кавказский обозреватель", "ru", "Europe/Moscow", "ru_cp1251",
               sitemaps=("/sitemap_news.xml",), weight=0.13),
    OutletSpec("metro_daily", "Metro Daily", "en", "America/Chicago", "amp",
               feeds=("/rss/latest.xml",), weight=0.15),
    OutletSpec("wire_review", "Wire Review", "en", "UTC", "wire",
               sitemaps=("/sitemap_index.xml",), weight=0.13),
    OutletSpec("harbour_times", "Harbour Times", "en", "Australia/Sydney", "portal",
               sections=("world", *content.CATEGORIES), weight=0.14),
)  # fmt: skip

# Outlets whose pages can carry a machine-readable dateModified.
UPDATABLE = ("global_ledger", "metro_daily", "severny", "wire_review")
# Outlets that link a few archive (out-of-window) articles from their homepage.
ARCHIVE_OUTLETS = ("global_ledger", "evening_courier", "harbour_times")

AUTHORS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "en": ("Jane Roe", "John Doe", "Alice Carver", "Ben Whitaker", "Chloe Ngata",
           "Dev Malhotra", "Erin Sloane", "Frank Ostrowski", "Hannah Ives", "Isaac Mwangi"),
    "ru": ("Анна Светлова", "Олег Миронов", "Ирина Белова", "Кирилл Тарасов",
           "Людмила Громова", "Максим Егоров"),
})  # fmt: skip


@dataclass(eq=False)
class ArticleRecord:
    """Ground truth for one served article.

    ``revisions`` holds the body text of each revision (paragraphs joined by blank lines);
    ``text`` is the latest. ``url`` is filled in by ``serve()``.
    """

    id: int
    outlet: str
    path: str
    title: str
    authors: tuple[str, ...]
    published: datetime  # UTC
    language: str
    section: str
    topic: bool
    story: str
    is_copy_of: int | None = None
    modified: datetime | None = None  # UTC, time of revision 1
    archived: bool = False  # older than the window: linked from homepages only
    amp_path: str | None = None
    date_sources: tuple[str, ...] = ()  # where a published date can be found
    url: str | None = None
    compose: Callable[[], tuple[tuple[str, ...], ...]] | None = field(default=None, repr=False)
    _revisions: tuple[tuple[str, ...], ...] | None = field(default=None, repr=False)

    def paragraphs(self, revision: int = -1) -> tuple[str, ...]:
        if self._revisions is None:
            assert self.compose is not None
            self._revisions = self.compose()
        return self._revisions[revision]

    @property
    def revisions(self) -> list[str]:
        self.paragraphs()
        assert self._revisions is not None
        return ["\n\n".join(p) for p in self._revisions]

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs())

    def revision_at(self, epoch: int) -> int:
        """The revision served at a given epoch (0 until the epoch is raised)."""
        self.paragraphs()
        assert self._revisions is not None
        return min(epoch, len(self._revisions) - 1)


@dataclass(frozen=True, slots=True)
class WireStory:
    key: str
    origin: int
    copies: tuple[int, ...]
    translations: tuple[int, ...] = ()


@dataclass
class Newsroom:
    seed: int
    end: datetime
    days: int
    outlets: list[OutletSpec]
    articles: list[ArticleRecord]
    copies_made: int
    spike_day: date
    updated_articles: list[int]
    wire_stories: list[WireStory]
    page_weight: str = "light"  # "real": article pages carry a real site's chrome
    _by_outlet: dict[str, list[ArticleRecord]] = field(default_factory=dict, repr=False)
    _by_path: dict[tuple[str, str], ArticleRecord] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for spec in self.outlets:
            self._by_outlet[spec.key] = []
        for art in sorted(self.articles, key=lambda a: (a.published, a.id), reverse=True):
            self._by_outlet[art.outlet].append(art)
            self._by_path[(art.outlet, art.path)] = art
            if art.amp_path:
                self._by_path[(art.outlet, art.amp_path)] = art

    @property
    def window_start(self) -> datetime:
        return self.end - timedelta(days=self.days)

    def outlet(self, key: str) -> OutletSpec:
        for spec in self.outlets:
            if spec.key == key:
                return spec
        raise KeyError(key)

    def articles_of(self, outlet: str, *, archived: bool | None = False) -> list[ArticleRecord]:
        """An outlet's articles, newest first (in-window only by default)."""
        arts = self._by_outlet[outlet]
        return arts if archived is None else [a for a in arts if a.archived == archived]

    def find(self, outlet: str, path: str) -> ArticleRecord | None:
        return self._by_path.get((outlet, path))

    def topic_articles(self) -> list[ArticleRecord]:
        return [a for a in self.articles if a.topic]


@dataclass
class _Plan:
    outlet: str
    published: datetime
    category: str
    topic: bool
    archived: bool = False
    title: str = ""
    authors: tuple[str, ...] = ()
    story: str = ""
    copy_of: _Plan | None = None
    copy_index: int = 0
    record: ArticleRecord | None = None


def _default_end() -> datetime:
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def build_newsroom(
    seed: int = 7,
    n_articles: int = 360,
    days: int = 30,
    end: datetime | None = None,
    page_weight: str = "light",
) -> Newsroom:
    """Generate the whole newsroom; same seed and end give the same newsroom, byte for byte.

    ``page_weight="real"`` makes article pages as heavy as real news pages (see ``boilerplate``).
    """
    if page_weight not in PAGE_WEIGHTS:
        raise ValueError(f"page weight must be one of {PAGE_WEIGHTS}, not {page_weight!r}")
    end = _default_end() if end is None else end
    end = end.replace(tzinfo=UTC) if end.tzinfo is None else end.astimezone(UTC)
    rng = Random(seed)
    start = end - timedelta(days=days)
    spike_day = (end - timedelta(days=min(5, max(days // 2, 1)))).date()
    spike_start = datetime.combine(spike_day, time(0), UTC)
    by_key = {o.key: o for o in OUTLETS}

    def lang(outlet: str) -> str:
        return by_key[outlet].language

    def authors_for(outlet: str) -> tuple[str, ...]:
        pool = AUTHORS[lang(outlet)]
        k = 2 if outlet == "evening_courier" or rng.random() < 0.2 else 1
        return tuple(rng.sample(pool, k))

    def random_time(lo: datetime, hi: datetime) -> datetime:
        span = int((hi - lo).total_seconds() // 60)
        return lo + timedelta(minutes=rng.randrange(max(span, 1)))

    plans: list[_Plan] = []
    n_archive = n_articles // 60
    n_window = n_articles - n_archive
    n_topic = round(0.12 * n_window)
    n_spike = min(max(14, n_topic // 3), n_topic)

    # The topic wire story: origin on Wire Review, four same-language copies, one translation.
    wire: list[_Plan] = []
    t0 = spike_start + timedelta(hours=8, minutes=rng.randrange(60))
    origin = _Plan("wire_review", t0, "politics", True, authors=("Continental Press Agency",))
    origin.title = "Rights group demands inquiry into abductions of gay men in Chechnya"
    origin.story = "wire:chechnya-inquiry"
    wire.append(origin)
    for i, (outlet, minutes) in enumerate(
        (
            ("global_ledger", 25),
            ("evening_courier", 50),
            ("metro_daily", 80),
            ("harbour_times", 130),
        )
    ):
        plan = _Plan(outlet, t0 + timedelta(minutes=minutes + rng.randrange(10)), "politics", True)
        plan.copy_of, plan.copy_index, plan.story = origin, i + 1, origin.story
        plan.authors = origin.authors
        wire.append(plan)
    translation = _Plan("severny", t0 + timedelta(minutes=150), "politics", True)
    translation.title = "Rights Watch International требует расследовать похищения геев в Чечне"
    translation.story, translation.authors = origin.story, authors_for("severny")
    wire.append(translation)
    plans += wire

    # An off-topic wire story with two copies, so dedup sees more than one cluster.
    econ_t0 = random_time(start + timedelta(days=1), end - timedelta(days=2))
    econ = _Plan("wire_review", econ_t0, "economy", False, authors=("Continental Press Agency",))
    econ.story = "wire:economy"
    plans.append(econ)
    for i, outlet in enumerate(("metro_daily", "evening_courier")):
        plan = _Plan(outlet, econ_t0 + timedelta(minutes=40 * (i + 1)), "economy", False)
        plan.copy_of, plan.copy_index, plan.story, plan.authors = (
            econ,
            i + 1,
            econ.story,
            econ.authors,
        )
        plans.append(plan)

    # Spike-day topic coverage spread over every outlet, then the usual trickle.
    keys = [o.key for o in OUTLETS]
    for i in range(max(n_spike - len(wire), 0)):
        outlet = keys[i % len(keys)]
        plans.append(
            _Plan(
                outlet,
                random_time(spike_start + timedelta(hours=6), spike_start + timedelta(hours=22)),
                "politics",
                True,
            )
        )
    weights = [o.weight for o in OUTLETS]
    spike_end = spike_start + timedelta(days=1)
    for _ in range(max(n_topic - n_spike, 0)):
        outlet = rng.choices(keys, weights)[0]
        when = random_time(start, end - timedelta(minutes=5))
        while spike_start <= when < spike_end:
            when = random_time(start, end - timedelta(minutes=5))
        plans.append(_Plan(outlet, when, "politics", True))
    n_rest = n_window - len(plans)
    for _ in range(max(n_rest, 0)):
        outlet = rng.choices(keys, weights)[0]
        category = rng.choice(content.CATEGORIES)
        plans.append(_Plan(outlet, random_time(start, end - timedelta(minutes=5)), category, False))
    for i in range(n_archive):
        when = random_time(start - timedelta(days=days), start - timedelta(days=1))
        category = rng.choice(content.CATEGORIES)
        plans.append(_Plan(ARCHIVE_OUTLETS[i % 3], when, category, False, archived=True))

    # Titles and authors for everything not set above.
    for plan in plans:
        if not plan.authors:
            plan.authors = authors_for(plan.outlet)
        if not plan.title and plan.copy_of is None:
            plan.title = content.title(rng, lang(plan.outlet), plan.category, plan.topic)
    # Copies take their headline from the origin, titled just above.
    for plan in plans:
        if plan.copy_of is not None:
            plan.title = _copy_headline(plan.copy_of.title, plan.copy_index)

    plans.sort(key=lambda p: (p.published, p.outlet))
    records: list[ArticleRecord] = []
    undated_harbour = 0
    for i, plan in enumerate(plans):
        spec = by_key[plan.outlet]
        section = content.TOPIC_SECTION if plan.topic else plan.category
        dated_url = True
        if plan.outlet == "harbour_times" and not plan.archived and rng.random() < 0.1:
            dated_url, undated_harbour = False, undated_harbour + 1
        path = _article_path(spec, i, plan.title, section, plan.published, dated_url)
        rec = ArticleRecord(
            id=i,
            outlet=plan.outlet,
            path=path,
            title=plan.title,
            authors=plan.authors,
            published=plan.published,
            language=spec.language,
            section=section,
            topic=plan.topic,
            story=plan.story or f"{plan.outlet}:{i}",
            archived=plan.archived,
            amp_path="/amp" + path if spec.style == "amp" else None,
        )
        plan.record = rec
        records.append(rec)
    for plan in plans:
        assert plan.record is not None
        if plan.copy_of is not None:
            assert plan.copy_of.record is not None
            plan.record.is_copy_of = plan.copy_of.record.id

    updated = _pick_updates(rng, records, end, n_articles)
    for rec in records:
        rec.compose = _composer(seed, rec, records, rec.id in updated, plans)
        rec.date_sources = _page_date_sources(by_key[rec.outlet], rec, rng)

    newsroom = Newsroom(
        seed=seed,
        end=end,
        days=days,
        outlets=list(OUTLETS),
        articles=records,
        copies_made=sum(1 for r in records if r.is_copy_of is not None),
        spike_day=spike_day,
        updated_articles=sorted(updated),
        wire_stories=[
            _wire_story(origin, wire[1:-1], [translation]),
            _wire_story(econ, [p for p in plans if p.copy_of is econ], []),
        ],
        page_weight=page_weight,
    )
    _add_listing_sources(newsroom)
    return newsroom


def _wire_story(origin: _Plan, copies: list[_Plan], translations: list[_Plan]) -> WireStory:
    assert origin.record is not None
    return WireStory(
        key=origin.story,
        origin=origin.record.id,
        copies=tuple(p.record.id for p in copies if p.record is not None),
        translations=tuple(p.record.id for p in translations if p.record is not None),
    )


def _copy_headline(headline: str, index: int) -> str:
    """Each republisher tweaks the wire headline a little."""
    variants = (
        headline,
        f"{headline} - CPA",
        f"Latest: {headline}",
        headline.replace(" in ", " across ", 1),
        f"{headline}, agency reports",
    )
    return variants[index % len(variants)]


def _article_path(
    spec: OutletSpec, i: int, title: str, section: str, published: datetime, dated_url: bool
) -> str:
    slug = content.slugify(title)
    ident = 10_000 + i
    match spec.style:
        case "modern":
            return f"/news/{section}/{slug}-{ident}"
        case "legacy":
            return f"/news/story_{ident}.html"
        case "ru_modern":
            return f"/{section}/{ident}/"
        case "ru_cp1251":
            return f"/material/{ident}.shtml"
        case "amp":
            return f"/{section}/{slug}-{ident}.html"
        case "wire":
            return f"/wire/{ident}-{slug}"
        case _:
            if not dated_url:
                return f"/news/{slug}-{ident}/"
            local = published.astimezone(ZoneInfo(spec.timezone))
            return f"/{local:%Y/%m/%d}/{slug}-{ident}/"


def _pick_updates(rng: Random, records: list[ArticleRecord], end: datetime, n: int) -> set[int]:
    candidates = [
        r
        for r in records
        if r.outlet in UPDATABLE
        and not r.archived
        and not r.story.startswith("wire:")
        and r.published < end - timedelta(hours=10)
    ]
    chosen = rng.sample(candidates, min(max(5, n // 60), len(candidates)))
    for rec in chosen:
        rec.modified = rec.published + timedelta(minutes=rng.randint(60, 540))
    return {r.id for r in chosen}


def _composer(
    seed: int, rec: ArticleRecord, records: list[ArticleRecord], updated: bool, plans: list[_Plan]
) -> Callable[[], tuple[tuple[str, ...], ...]]:
    """A closure that writes the article's text on first use, from its own seed."""
    plan = plans[rec.id]

    def compose() -> tuple[tuple[str, ...], ...]:
        trng = Random(f"{seed}:{rec.id}:text")
        if rec.is_copy_of is not None:
            origin = records[rec.is_copy_of].paragraphs(0)
            return (_republish(origin, rec, trng),)
        if rec.story.startswith("wire:"):  # wire origins and translations run long
            trng = Random(f"{seed}:{rec.story}:{rec.language}")
            return (content.body(trng, rec.language, plan.category, rec.topic, 420, 560),)
        first = content.body(trng, rec.language, plan.category, rec.topic, 150, 560)
        if not updated:
            return (first,)
        # Revision 1: one paragraph grows a sentence and an update paragraph is appended.
        bank = content.bank(rec.language)
        added = content.fill(trng.choice(bank.generic), trng, bank.slots)
        changed = list(first)
        k = min(1, len(changed) - 1)
        changed[k] = f"{changed[k]} {added}"
        extra = content.update_sentence(trng, rec.language, rec.topic)
        return (first, (*changed, extra))

    return compose


def _republish(origin: tuple[str, ...], rec: ArticleRecord, rng: Random) -> tuple[str, ...]:
    """Same text as the origin, with the republisher's own boilerplate around it."""
    intro = "This story was provided by Continental Press Agency."
    more = f"Read more: {rng.choice(('World news', 'Business', 'Latest headlines'))} on our site."
    match rec.id % 3:
        case 0:
            return (intro, *origin)
        case 1:
            return (*origin, more)
        case _:
            return (intro, *origin, more)


def _page_date_sources(spec: OutletSpec, rec: ArticleRecord, rng: Random) -> tuple[str, ...]:
    """Where the article page itself states its publication date."""
    match spec.style:
        case "modern" | "amp" | "wire":
            return ("json-ld", "meta") if spec.style == "modern" else ("json-ld",)
        case "legacy":
            return ("text",)
        case "ru_modern" | "ru_cp1251":
            return ("meta", "text")
        case _:
            if rec.path.startswith("/news/"):
                return ()
            return ("url", "text") if rng.random() < 0.5 else ("url",)


def _add_listing_sources(newsroom: Newsroom) -> None:
    """Feeds carry the newest items only; sitemaps carry every in-window article."""
    for spec in newsroom.outlets:
        current = newsroom.articles_of(spec.key)
        listed = current[:FEED_ITEMS] if spec.feeds else current if spec.sitemaps else []
        kind = "feed" if spec.feeds else "sitemap"
        for art in listed:
            art.date_sources = (*art.date_sources, kind)
