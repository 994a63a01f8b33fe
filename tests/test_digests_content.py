"""What a digest says: snippets with the matched words marked (no bylines, datelines, repeated
titles or doubled ellipses), date-only times, singular counts, stored-field limits, the
future-date error and the demo's spike day."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from digests import build_digest, render
from digests.snippet import best_snippet, is_byline, matched_words, plain
from mediawatch.config import Config, parse_config
from pipeline import limits
from pipeline.decide import Decider, PageMeta
from pipeline.items import Article, DatedValue, TopicMatch
from warehouse.connection import opened, transaction
from warehouse.migrate import migrate
from warehouse.runs import OutletRunStats
from warehouse.state import CrawlState
from warehouse.store import Batch

TOPIC = "Chechnya"
DAY = date(2026, 11, 29)
TITLE = "Rights group demands inquiry into Chechnya detentions"
TEXT = f"""{TITLE}

By Anna Smith and John Doe Published: Sunday 29 November 2026, 06:59 GMT

MOSCOW (Reuters) - A rights group said on Sunday it had new evidence of detentions.

The weather in the capital was mild. Officials declined to comment on the report.

Activists said at least twelve gay men had been held in Chechnya since March, and called for an investigation.

Chechen authorities denied the claims. A spokesman called them provocation."""


def test_snippet_is_the_best_sentences_with_the_matched_words_marked() -> None:
    snippet = best_snippet(TEXT, TITLE, ["chechnya", "gay", "chechen*"])
    text = plain(snippet)
    assert text.startswith("Activists said at least twelve gay men")
    assert "Anna Smith" not in text and "Published" not in text and "06:59" not in text
    assert TITLE not in text and "MOSCOW" not in text
    assert [t for t, hit in snippet if hit] == ["gay", "Chechnya"]
    assert "…" not in text  # whole sentences, no cut
    assert is_byline("…and John Doe Published: Sunday 29 November 2026, 06:59 GMT")
    assert is_byline("Updated 12.05.2026 14:30")
    assert not is_byline("Activists said twelve men had been held since March 2026.")
    # the stored format is read in one place: a prefix, a phrase, an inflected plain word
    words = matched_words(["chechen*", '"rights group"', "detention"])
    assert all(any(p.search(s) for p in words) for s in ("Chechens", "rights  group", "detentions"))


def test_a_long_sentence_is_cut_once_around_the_hit() -> None:
    long = "Word " * 120 + "the Chechnya inquiry began " + "more " * 120 + "end."
    text = plain(best_snippet(long, "", ["chechnya"]))
    assert len(text) <= 330 and "Chechnya" in text
    assert text.count("…") == 2 and "……" not in text


def config_for(tmp_path: Path, wh: Path) -> Config:
    return parse_config(
        {
            "warehouse": {"path": str(wh)},
            "schedule": {"timezone": "Europe/Berlin"},
            "topics": [{"name": TOPIC, "query": "chechnya AND gay"}],
            "digest": {"out_dir": str(tmp_path / "archive")},
        }
    )


def one_article_warehouse(tmp_path: Path, precision: str | None, at: datetime) -> Path:
    wh = tmp_path / "warehouse.duckdb"
    with opened(wh) as con:
        migrate(con)
        with transaction(con):
            url = "https://wire.example/1"
            con.execute(
                "INSERT INTO articles (id, url, canonical_url, outlet, title, published_at,"
                " published_precision, first_seen_at, text, word_count, content_hash)"
                " VALUES (1, ?, ?, 'Wire', ?, ?, ?, ?, ?, 50, ?)",
                [url, url, TITLE, at, precision, at, TEXT, hashlib.sha1(b"1").hexdigest()],
            )
            con.execute(
                "INSERT INTO topic_matches (topic, article_id, matched_terms, snippet, matched_at) VALUES (?, 1, ['chechnya', 'gay'], ?, ?)",
                [TOPIC, "…" + TITLE[:40] + "…", at],
            )
    return wh


def test_rendered_snippet_time_and_counts(tmp_path: Path) -> None:
    at = datetime(2026, 11, 29, 9, 15, tzinfo=UTC)
    config = config_for(tmp_path, one_article_warehouse(tmp_path, "minute", at))
    r = render(build_digest(config, TOPIC, DAY))
    assert "1 story, 1 article" in r.subject and "1 stories" not in r.subject
    for body in (r.html, r.text, r.markdown):
        assert "……" not in body and "Anna Smith" not in body and "06:59" not in body
        assert "1 stories" not in body and "1 articles" not in body
    assert '<mark style="background:#fff3bf;color:inherit;">gay</mark>' in r.html
    assert "**gay**" in r.markdown and "**Chechnya**" in r.markdown
    assert "*gay*" in r.text and "*Chechnya*" in r.text
    assert "10:15" in r.text  # Berlin time


def test_date_only_article_shows_no_midnight(tmp_path: Path) -> None:
    at = datetime(2026, 11, 29, 0, 0, tzinfo=UTC)
    for precision in ("day", None):
        folder = tmp_path / str(precision)
        folder.mkdir()
        config = config_for(folder, one_article_warehouse(folder, precision, at))
        d = build_digest(config, TOPIC, DAY)
        assert d.stories[0].date_only
        r = render(d)
        line = next(x for x in r.text.splitlines() if x.strip().startswith("Wire ·"))
        assert "29 Nov" in line and "00:00" not in line and "01:00" not in line


def test_limits_cut_long_fields_and_reject_impossible_dates() -> None:
    fetched = datetime(2026, 11, 29, 12, tzinfo=UTC)
    ok = limits.check(
        "x " * 600_000, ["A" * 500], "d" * 9000, datetime(1, 1, 1, tzinfo=UTC), fetched
    )
    assert len(ok.title) <= limits.MAX_TITLE and ok.title.endswith("…")
    assert len(ok.authors[0]) <= limits.MAX_AUTHOR and len(ok.description or "") <= 5000
    assert len(ok.field_flags) == 3 and "title cut from 1200000" in ok.field_flags[0]
    assert ok.published_at is None and "before 1990" in ok.date_flags[0]
    ahead = limits.check("t", [], None, fetched + timedelta(days=2), fetched)
    assert ahead.published_at is None and "more than a day in the future" in ahead.date_flags[0]
    fine = limits.check("t", ["A"], None, fetched + timedelta(hours=20), fetched)
    assert fine.published_at is not None and not fine.field_flags and not fine.date_flags


def test_limits_apply_where_articles_are_stored(tmp_path: Path) -> None:
    """The 1 MB title and the year-0001 feed date, through the decider into a real warehouse."""
    fetched = datetime(2026, 11, 29, 12, tzinfo=UTC)
    art = Article(
        url="https://wire.example/a",
        canonical_url="https://wire.example/a",
        outlet="Wire",
        title="Big " * 250_000,
        text=TEXT,
        fetched_at=fetched,
        published=DatedValue(datetime(1, 1, 1, tzinfo=UTC), "feed", "day"),
        content_hash="h1",
        topic_matches=[TopicMatch(TOPIC, ("chechnya",), "")],
    )
    decider = Decider(
        CrawlState(), {"Wire": ("wire.example",)}, {}, run_id=None, threshold=0.7, num_perm=16
    )
    batch = Batch()
    meta = PageMeta("https://wire.example/a", "Wire", fetched, "feed", 100)
    decider.decide((meta, art), batch)
    wh = tmp_path / "w.duckdb"
    from warehouse.store import write_batch

    with opened(wh) as con:
        migrate(con)
        write_batch(con, batch)
        [(title, published, source, flags, dflags)] = con.execute(
            "SELECT title, published_at, published_source, field_flags, date_flags FROM articles"
        ).fetchall()
    assert len(title) <= limits.MAX_TITLE and flags and "title cut" in flags[0]
    assert published is None and source is None and any("before 1990" in f for f in dflags)
    assert isinstance(decider.stats.get("Wire"), OutletRunStats)


def mediawatch() -> str:
    found = shutil.which("mediawatch", path=str(Path(sys.executable).parent))
    assert found
    return found


def test_digest_for_a_future_day_is_a_clear_error(tmp_path: Path) -> None:
    wh = tmp_path / "warehouse.duckdb"
    with opened(wh) as con:
        migrate(con)
    cfg = tmp_path / "mediawatch.toml"
    cfg.write_text(
        f'[warehouse]\npath = "{wh}"\n[[topics]]\nname = "{TOPIC}"\nquery = "chechnya"\n',
        encoding="utf-8",
    )
    future = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    run = subprocess.run(
        [mediawatch(), "--config", str(cfg), "digest", "--date", future],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert lines[0].startswith("error:") and "in the future" in lines[0] and future in lines[0]
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "digests").exists()  # no "no coverage" files written
    # an explicit period works and is named
    since = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    ok = subprocess.run(
        [mediawatch(), "--config", str(cfg), "digest", "--since", since, "--out", str(tmp_path / "o")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert "no coverage" in ok.stdout and "–" in ok.stdout


def test_window_label_names_both_ends() -> None:
    from digests.window import scheduled_window

    w = scheduled_window(date(2026, 3, 29), time(7), "Europe/Berlin")
    assert w.label() == "Sat 28 Mar 07:00 CET – Sun 29 Mar 07:00 CEST" and w.hours == 23


def test_the_demo_digests_its_spike_day(tmp_path: Path) -> None:
    """`mediawatch demo` through the console script: the digest written is the spike day's."""
    from mediawatch.newsroom import build_newsroom

    run = subprocess.run(
        [mediawatch(), "demo", "--dir", str(tmp_path / "demo"), "--articles", "80"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    spike = build_newsroom(seed=7, n_articles=80).spike_day
    written = sorted((tmp_path / "demo" / "digests").rglob("chechnya.txt"))
    assert [p.parent.name for p in written] == [spike.isoformat()]
    text = written[0].read_text(encoding="utf-8")
    assert "SPIKE" in text.splitlines()[0] and "SPIKE:" in text
    assert f"writing the digest of {spike.isoformat()}" in run.stderr


def test_the_chart_leaves_the_process_alone(tmp_path: Path) -> None:
    """No environment variable set and the program's own matplotlib backend kept."""
    import os

    code = (
        "import os, matplotlib\n"
        "matplotlib.use('svg')\n"
        "before = dict(os.environ)\n"
        "from datetime import date\n"
        "from digests.chart import volume_chart\n"
        "from digests.data import DayVolume\n"
        "png = volume_chart([DayVolume(date(2026, 1, d), d, 1) for d in range(1, 8)])\n"
        "assert png.startswith(b'\\x89PNG')\n"
        "assert matplotlib.get_backend().lower() == 'svg', matplotlib.get_backend()\n"
        "assert dict(os.environ) == before\n"
        "print('ok')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr[-2000:]
