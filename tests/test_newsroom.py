"""The demo newsroom: deterministic generation, ground truth, and real HTTP serving."""

from __future__ import annotations

import gzip
import hashlib
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from html import unescape
from urllib.parse import urlsplit

import feedparser
import pytest
from lxml import etree

from mediawatch.config import OutletConfig
from mediawatch.newsroom import build_newsroom, serve
from mediawatch.newsroom.site import Site

END = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


@pytest.fixture(scope="module")
def room():
    return build_newsroom(seed=7, end=END)


@pytest.fixture(scope="module")
def server(room):
    with serve(room) as srv:
        yield srv


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def in_window(room, when: datetime) -> bool:
    return room.window_start <= when <= room.end


# -- generation ----------------------------------------------------------------------------


def test_same_seed_and_end_give_the_same_bytes(room):
    other = build_newsroom(seed=7, end=END)
    base = "http://127.0.1.99:8080"
    for key in ("global_ledger", "kavkaz", "wire_review", "harbour_times"):
        a, b = Site(room, key, base), Site(other, key, base)
        art = room.articles_of(key)[4]
        paths = ["/", art.path, *room.outlet(key).feeds, *room.outlet(key).sitemaps]
        for path in paths:
            assert a.render(path, "", 0).body == b.render(path, "", 0).body, (key, path)
    assert [x.title for x in room.articles] == [x.title for x in other.articles]
    different = build_newsroom(seed=8, end=END)
    assert [x.title for x in room.articles] != [x.title for x in different.articles]


def test_counts_per_outlet_and_total(room):
    assert len(room.outlets) >= 7
    assert len(room.articles) == 360
    current = [a for a in room.articles if not a.archived]
    assert len(current) >= 300
    for spec in room.outlets:
        assert len(room.articles_of(spec.key)) >= 25, spec.key
    for art in current:
        assert in_window(room, art.published)
    for art in room.articles:
        if art.archived:
            assert art.published < room.window_start


def test_topic_share_and_spike_day(room):
    current = [a for a in room.articles if not a.archived]
    share = sum(a.topic for a in current) / len(current)
    assert 0.10 <= share <= 0.15
    per_day = Counter(a.published.date() for a in current if a.topic)
    (busiest, top), (_, second) = per_day.most_common(2)
    assert busiest == room.spike_day == (END - timedelta(days=5)).date()
    assert top >= 3 * second
    spike_outlets = {a.outlet for a in current if a.topic and a.published.date() == room.spike_day}
    assert len(spike_outlets) == len(room.outlets)
    assert {a.language for a in room.articles if a.topic} == {"en", "ru"}


def test_wire_story_copies_are_counted_exactly(room):
    copies = [a for a in room.articles if a.is_copy_of is not None]
    assert room.copies_made == len(copies)
    story = room.wire_stories[0]
    origin = room.articles[story.origin]
    assert origin.topic and len(story.copies) >= 4
    group = [origin, *(room.articles[i] for i in story.copies)]
    assert min(group, key=lambda a: a.published) is origin
    assert len({a.outlet for a in group}) == len(group)
    assert len({a.title for a in group}) == len(group)  # each outlet tweaks the headline
    for copy in group[1:]:
        assert copy.is_copy_of == origin.id and copy.language == origin.language
        assert origin.text in copy.text and copy.text != origin.text  # boilerplate added
    translation = room.articles[story.translations[0]]
    assert translation.language == "ru" and translation.is_copy_of is None
    assert translation.story == origin.story
    assert sum(len(w.copies) for w in room.wire_stories) == room.copies_made


def test_updated_articles_have_two_revisions(room):
    assert len(room.updated_articles) >= 5
    for art_id in room.updated_articles:
        art = room.articles[art_id]
        assert len(art.revisions) == 2 and art.revisions[0] != art.revisions[1]
        assert art.published < art.modified <= room.end
    assert all(len(a.revisions) == 1 for a in room.articles if a.id not in room.updated_articles)


def test_bodies_and_dates(room):
    for art in room.articles:
        words = len(art.text.split())
        assert 150 <= words <= 700, (art.id, words)
        assert len(art.paragraphs()) >= 2
    findable = sum(bool(a.date_sources) for a in room.articles)
    assert findable / len(room.articles) >= 0.95
    url_or_text_only = [
        a for a in room.articles if a.date_sources and set(a.date_sources) <= {"url", "text"}
    ]
    assert len(url_or_text_only) >= 10


def test_twenty_thousand_articles_build_fast():
    started = time.perf_counter()
    big = build_newsroom(seed=3, n_articles=20_000, end=END)
    assert time.perf_counter() - started < 15
    assert len(big.articles) == 20_000
    assert min(len(big.articles_of(o.key)) for o in big.outlets) > 1000


# -- serving ---------------------------------------------------------------------------------


def test_outlets_on_distinct_loopback_addresses(server, room):
    hosts = {urlsplit(server.base_url(o.key)).netloc for o in room.outlets}
    assert len(hosts) == len(room.outlets)
    for netloc in hosts:
        assert netloc.startswith("127.")
    for entry in server.outlet_config():
        OutletConfig.model_validate(entry)
    config = {e["name"]: e for e in server.outlet_config()}
    assert config["Harbour Times"]["feeds"] == [] and config["Harbour Times"]["sitemaps"] == []
    assert config["Wire Review"]["sitemaps"][0].endswith("/sitemap_index.xml")
    assert config["Wire Review"]["feeds"] == []


def test_pages_robots_and_404(server, room):
    for spec in room.outlets:
        base = server.base_url(spec.key)
        status, _, body = fetch(base + "/robots.txt")
        assert status == 200 and b"Disallow: /private/" in body
        assert (b"Sitemap: " in body) == bool(spec.sitemaps)
        assert fetch(base + "/")[0] == 200
        assert fetch(base + "/no/such/page")[0] == 404
        art = room.articles_of(spec.key)[2]
        status, _, body = fetch(art.url)
        html = body.decode("cp1251" if spec.key == "kavkaz" else "utf-8")
        assert status == 200
        assert "<nav" in html or 'id="navbar"' in html
        assert any(ad in html for ad in ('class="ad-slot"', 'class="advert"', 'class="banner"'))
        assert html.count('class="comment"') >= 3
        assert html.count("<a href=") >= 4  # related links
        assert all(p in html for p in _escaped(art.paragraphs(0)))


def _escaped(paragraphs):
    from html import escape

    return [escape(p) for p in paragraphs]


def test_feeds_parse_and_list_newest_in_window(server, room):
    for spec in room.outlets:
        for path in spec.feeds:
            _, headers, body = fetch(server.base_url(spec.key) + path)
            parsed = feedparser.parse(body)
            assert not parsed.bozo, (spec.key, parsed.get("bozo_exception"))
            entries = parsed.entries
            expected = room.articles_of(spec.key)[:50]
            assert len(entries) == len(expected) >= 25
            assert [e.title for e in entries] == [a.title for a in expected]
            dates = [datetime(*e.published_parsed[:6], tzinfo=UTC) for e in entries]
            assert dates == sorted(dates, reverse=True)
            assert all(in_window(room, d) for d in dates)
            assert all(e.get("author") for e in entries)
            assert "ETag" in headers and "Last-Modified" in headers


def test_metro_feed_mixes_amp_tracked_and_plain_links(server, room):
    _, _, body = fetch(server.base_url("metro_daily") + "/rss/latest.xml")
    links = [e.link for e in feedparser.parse(body).entries]
    assert any("/amp/" in link for link in links)
    assert any("utm_source=" in link for link in links)
    assert any("/amp/" not in link and "?" not in link for link in links)
    for link in links[:10]:
        assert fetch(link)[0] == 200


def test_amp_twin_and_canonical(server, room):
    art = room.articles_of("metro_daily")[0]
    _, _, normal = fetch(art.url)
    assert (
        f'<link rel="amphtml" href="{server.base_url("metro_daily")}{art.amp_path}">'.encode()
        in normal
    )
    status, _, amp = fetch(server.base_url("metro_daily") + art.amp_path)
    assert status == 200 and "⚡".encode() in amp
    assert f'<link rel="canonical" href="{art.url}">'.encode() in amp


def test_news_sitemap_and_gzipped_sitemap_index(server, room):
    _, _, body = fetch(server.base_url("kavkaz") + "/sitemap_news.xml")
    root = etree.fromstring(body)
    urls = root.findall(f"{SM}url")
    assert len(urls) == len(room.articles_of("kavkaz"))
    for url in urls:
        published = datetime.fromisoformat(url.findtext(f"{NEWS}news/{NEWS}publication_date"))
        assert in_window(room, published)
        assert url.findtext(f"{NEWS}news/{NEWS}title")
        assert url.findtext(f"{NEWS}news/{NEWS}publication/{NEWS}language") == "ru"

    base = server.base_url("wire_review")
    _, _, body = fetch(base + "/sitemap_index.xml")
    children = [loc.text for loc in etree.fromstring(body).iter(f"{SM}loc")]
    assert len(children) >= 2 and all(c.endswith(".xml.gz") for c in children)
    seen = []
    for child in children:
        status, headers, data = fetch(child)
        assert status == 200 and data[:2] == b"\x1f\x8b"
        seen += [loc.text for loc in etree.fromstring(gzip.decompress(data)).iter(f"{SM}loc")]
    assert sorted(seen) == sorted(a.url for a in room.articles_of("wire_review"))
    _, _, home = fetch(base + "/")
    assert b"/wire/" not in home


def test_cp1251_outlet(server, room):
    art = room.articles_of("kavkaz")[1]
    status, headers, body = fetch(art.url)
    assert status == 200 and headers["Content-Type"] == "text/html"
    assert b"<meta charset=windows-1251>" in body
    html = body.decode("cp1251")
    assert art.title in html and "Кавказский обозреватель" in html
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")


def test_harbour_times_sections_and_pagination(server, room):
    base = server.base_url("harbour_times")
    _, _, home = fetch(base + "/")
    assert b'href="/section/world/"' in home and b'href="/section/politics/"' in home
    reachable = set()
    for section in room.outlet("harbour_times").sections:
        page = 1
        while True:
            status, _, body = fetch(f"{base}/section/{section}/?page={page}")
            assert status == 200
            for link in etree.HTML(body).iter("a"):
                reachable.add(link.get("href"))
            if f"?page={page + 1}".encode() not in body:
                break
            page += 1
        assert fetch(f"{base}/section/{section}/?page={page + 1}")[0] == 404
    assert {a.path for a in room.articles_of("harbour_times")} <= reachable
    assert fetch(base + "/feed")[0] == 404 and fetch(base + "/sitemap.xml")[0] == 404


def test_conditional_get(server, room):
    for url in (
        server.base_url("global_ledger") + "/feeds/rss.xml",
        server.base_url("wire_review") + "/sitemap_index.xml",
    ):
        status, headers, _ = fetch(url)
        assert status == 200
        assert fetch(url, {"If-None-Match": headers["ETag"]})[0] == 304
        assert fetch(url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
        earlier = parsedate_to_datetime(headers["Last-Modified"]) - timedelta(days=1)
        older = earlier.strftime("%a, %d %b %Y %H:%M:%S GMT")
        assert fetch(url, {"If-Modified-Since": older})[0] == 200
        assert fetch(url, {"If-None-Match": '"stale"'})[0] == 200


def test_revision_epoch_changes_served_text():
    room = build_newsroom(seed=11, n_articles=120, end=END)
    with serve(room) as srv:
        art = room.articles[room.updated_articles[0]]
        added = art.paragraphs(1)[-1]
        _, headers0, before = fetch(art.url)
        assert added.encode() not in before and b"dateModified" not in before
        srv.set_revision_epoch(1)
        _, headers1, after = fetch(art.url)
        assert added.encode() in after
        assert b"dateModified" in after or b"modified_time" in after
        assert headers0["ETag"] != headers1["ETag"]
        assert fetch(art.url, {"If-None-Match": headers0["ETag"]})[0] == 200


def test_request_log(server, room):
    server.request_log.clear()
    base = server.base_url("evening_courier")
    fetch(base + "/atom.xml")
    fetch(base + "/missing")
    assert server.request_log.count() == 2
    assert server.request_log.count(path_prefix="/atom", outlet="evening_courier", status=200) == 1
    assert server.request_log.count(status=404) == 1
    assert server.request_log[0].method == "GET"
    server.request_log.clear()
    assert len(server.request_log) == 0


def test_bind_failure_falls_back_to_127_0_0_1():
    room = build_newsroom(seed=5, n_articles=80, end=END)
    with socket.socket() as blocker:  # hold 127.0.1.1:<port> so the first outlet cannot bind
        blocker.bind(("127.0.1.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        with serve(room, port=port) as srv:
            first = urlsplit(srv.base_url(room.outlets[0].key))
            assert first.hostname == "127.0.0.1" and first.port != port
            others = [urlsplit(srv.base_url(o.key)) for o in room.outlets[1:]]
            assert all(u.hostname.startswith("127.0.1.") and u.port == port for u in others)
            assert fetch(srv.base_url(room.outlets[0].key) + "/")[0] == 200


def test_module_entry_point_help():
    result = subprocess.run(
        [sys.executable, "-m", "mediawatch.newsroom", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0 and "--articles" in result.stdout
    assert "--page-weight" in result.stdout and "real" in result.stdout


def test_only_planted_copies_are_near_duplicates(room):
    """Unrelated articles stay far apart on 5-word shingles, so dedup can count copies."""
    from datasketch import MinHash, MinHashLSH

    def shingles(text: str) -> set[str]:
        words = text.lower().split()
        return {" ".join(words[i : i + 5]) for i in range(len(words) - 4)}

    sets = {a.id: shingles(a.text) for a in room.articles}
    lsh = MinHashLSH(threshold=0.4, num_perm=64)
    signatures = {}
    for art_id, grams in sets.items():
        sig = MinHash(num_perm=64)
        sig.update_batch([g.encode() for g in grams])
        signatures[art_id] = sig
        lsh.insert(art_id, sig)
    similar = set()
    for art_id, sig in signatures.items():
        for other in lsh.query(sig):
            a, b = sets[art_id], sets[other]
            if other != art_id and len(a & b) / len(a | b) >= 0.7:
                similar.add(max(art_id, other))  # the later one republished the earlier
    assert similar == {a.id for a in room.articles if a.is_copy_of is not None}
    assert len(similar) == room.copies_made


# -- page weight ---------------------------------------------------------------------------

# sha256 of _digest(build_newsroom(seed=7, end=END)) computed with the code before page
# weights existed (re-derive by running _digest on that revision): light stays byte for byte.
LIGHT_DIGEST = "9831e05904b747c83e557687c7e099c59ab732c0fd07ceade1fe5c1a730a6a93"
BOILERPLATE_EN = (
    "partners store and access information",
    "Sign up to",
    "Most read",
    "Latest news",
    "Share this article",
    "Skip to content",
    "Cookie settings",
)
BOILERPLATE_RU = ("Мы используем файлы cookie", "Подпишитесь на рассылку", "Самое читаемое",
                  "Лента новостей", "Поделиться", "Настройки cookie")  # fmt: skip


def _digest(newsroom, **site_args) -> str:
    digest = hashlib.sha256()
    for spec in newsroom.outlets:
        site = Site(newsroom, spec.key, "http://127.0.1.99:8080", **site_args)
        arts = newsroom.articles_of(spec.key)
        paths = ["/", *(a.path for a in arts[:3])] + [a.amp_path for a in arts[:3] if a.amp_path]
        for path in [*paths, *spec.feeds, *spec.sitemaps]:
            for epoch in (0, 1):
                digest.update(site.render(path, "", epoch).body)
    return digest.hexdigest()


@pytest.fixture(scope="module")
def heavy_room():
    return build_newsroom(seed=7, end=END, page_weight="real")


def _heavy_pages(heavy_room, per_outlet: int = 3):
    """(site, article, path, html) for a few articles of every outlet, AMP twins included."""
    for spec in heavy_room.outlets:
        site = Site(heavy_room, spec.key, "http://127.0.1.99:8080")
        for art in heavy_room.articles_of(spec.key)[:per_outlet]:
            for path in filter(None, (art.path, art.amp_path)):
                body = site.render(path, "", 0).body
                yield site, art, path, body


def test_light_pages_are_unchanged(room, heavy_room):
    assert room.page_weight == "light"
    assert _digest(room) == LIGHT_DIGEST
    assert _digest(room, page_weight="light") == LIGHT_DIGEST
    assert _digest(heavy_room, page_weight="light") == LIGHT_DIGEST
    with pytest.raises(ValueError):
        build_newsroom(seed=7, end=END, page_weight="obese")


def test_heavy_pages_are_the_size_of_real_ones(heavy_room):
    sizes = [len(body) for *_, body in _heavy_pages(heavy_room)]
    assert len(sizes) > 20
    assert all(90_000 <= s <= 160_000 for s in sizes), sorted(sizes)
    assert len(set(sizes)) > len(sizes) // 2  # not one page repeated


def test_heavy_pages_keep_the_light_head_and_article(room, heavy_room):
    base = "http://127.0.1.99:8080"
    for spec in room.outlets:
        light, heavy = Site(room, spec.key, base), Site(heavy_room, spec.key, base)
        art = heavy_room.articles_of(spec.key)[1]
        a, b = light.render(art.path, "", 1).body, heavy.render(art.path, "", 1).body
        head = a[: a.index(b"</head>")]
        assert b.startswith(head), spec.key  # title, meta, JSON-LD untouched
        story = a[a.index(b"<h1") : a.index(b"</h1>")]
        assert story in b, spec.key
        for section in ("/", *spec.feeds, *spec.sitemaps):
            assert light.render(section, "", 0).body == heavy.render(section, "", 0).body


def test_heavy_pages_are_deterministic(heavy_room):
    again = build_newsroom(seed=7, end=END, page_weight="real")
    other = build_newsroom(seed=8, end=END, page_weight="real")
    base = "http://127.0.1.99:8080"
    for key in ("global_ledger", "kavkaz", "metro_daily"):
        art = heavy_room.articles_of(key)[2]
        page = Site(heavy_room, key, base).render(art.path, "", 0).body
        assert page == Site(again, key, base).render(art.path, "", 0).body
        other_art = other.articles_of(key)[2]
        assert page != Site(other, key, base).render(other_art.path, "", 0).body


def test_heavy_chrome_is_varied_and_in_the_outlet_language(heavy_room):
    site = Site(heavy_room, "kavkaz", "http://127.0.1.99:8080")
    first, second = heavy_room.articles_of("kavkaz")[:2]
    a, b = site._chrome(first), site._chrome(second)
    assert a.comments != b.comments and a.bottom != b.bottom
    texts = [t for _, t in a.comments]
    assert len(texts) >= 10 and len(set(texts)) > len(texts) // 2
    html = site.render(first.path, "", 0).body.decode("cp1251")
    assert re.search(r"&#\d+;", html) is None  # everything encodable in cp1251
    assert all(phrase in html for phrase in BOILERPLATE_RU)


def test_heavy_pages_still_extract_the_article(heavy_room):
    from pipeline.extract import ExtractOptions, extract_page
    from pipeline.items import FetchedPage, OutletHints

    styles = Counter()
    for site, art, path, body in _heavy_pages(heavy_room, per_outlet=2):
        url = site.base + path
        page = FetchedPage(
            url=url, requested_url=url, outlet=site.outlet.key, status=200, body=body,
            fetched_at=datetime.now(UTC), content_type=site.html_type,
            declared_encoding=None if site.encoding == "cp1251" else "utf-8",
        )  # fmt: skip
        result = extract_page(page, OutletHints(name=site.outlet.key), ExtractOptions())
        assert result.title == art.title, (site.outlet.key, path)
        assert all(p in result.text for p in art.paragraphs(0)), (site.outlet.key, path)
        chrome = site._chrome(art)
        leaks = [t for _, t in chrome.comments if t in result.text]
        leaks += [p for p in BOILERPLATE_EN + BOILERPLATE_RU if p in result.text]
        html = body.decode(site.encoding)
        teasers = map(unescape, re.findall(r'<p class="teaser__summary">(.*?)</p>', html))
        leaks += [t for t in teasers if t in result.text and t not in art.text]
        assert not leaks, (site.outlet.key, path, leaks)
        styles[site.outlet.style] += 1
    assert set(styles) == {"modern", "legacy", "ru_modern", "ru_cp1251", "amp", "wire", "portal"}
