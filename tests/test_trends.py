"""Trend views and spikes on small hand-built warehouses, checked against plain Python."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import click
import pyarrow as pa
import pytest
from click.testing import CliRunner

from mediawatch.cli import trends as trends_cli
from mediawatch.cli.common import AppContext
from warehouse.connection import opened
from warehouse.trends import SpikeRule, daily_counts, share_of_voice, spikes

START = date(2026, 3, 1)
SPIKE_DAY = START + timedelta(days=35)
MATCHED_AT = datetime(2026, 4, 1, tzinfo=UTC)  # when insert() says its matches were made


def insert(path: Path, articles: list[dict], matches: list[tuple[str, int, list[str]]]) -> None:
    """Articles (id, outlet, published_at, first_seen_at, story_id, language) and matches."""
    table = pa.Table.from_pylist(
        [
            {
                "id": a["id"],
                "url": f"http://x.test/{a['id']}",
                "canonical_url": f"http://x.test/{a['id']}",
                "outlet": a["outlet"],
                "title": a.get("title", f"Title {a['id']}"),
                "published_at": a.get("published_at"),
                "first_seen_at": a["first_seen_at"],
                "language": a.get("language"),
                "text": a.get("text", "words"),
                "word_count": 1,
                "content_hash": str(a["id"]),
                "story_id": a.get("story_id"),
            }
            for a in articles
        ],
        schema=pa.schema(
            [
                ("id", pa.int64()),
                ("url", pa.string()),
                ("canonical_url", pa.string()),
                ("outlet", pa.string()),
                ("title", pa.string()),
                ("published_at", pa.timestamp("us", tz="UTC")),
                ("first_seen_at", pa.timestamp("us", tz="UTC")),
                ("language", pa.string()),
                ("text", pa.string()),
                ("word_count", pa.int32()),
                ("content_hash", pa.string()),
                ("story_id", pa.int64()),
            ]
        ),
    )
    now = MATCHED_AT
    with opened(path) as con:
        con.register("_a", table)
        cols = ", ".join(table.schema.names)
        con.execute(f"INSERT INTO articles ({cols}) SELECT {cols} FROM _a")
        con.executemany(
            "INSERT INTO topic_matches (topic, article_id, matched_terms, snippet, matched_at)"
            " VALUES (?, ?, ?, '', ?)",
            [(t, aid, terms, now) for t, aid, terms in matches],
        )


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@pytest.fixture
def planted(warehouse: Path) -> tuple[Path, list[dict], list[tuple[str, int, list[str]]]]:
    """Topic 'wave': 0-2 stories a day for 50 days, 12 stories on SPIKE_DAY; plus noise."""
    rng = random.Random(5)
    articles: list[dict] = []
    matches: list[tuple[str, int, list[str]]] = []
    aid = 0
    outlets = ["alpha", "beta", "gamma", "delta"]
    for offset in range(50):
        day = START + timedelta(days=offset)
        n_stories = 12 if day == SPIKE_DAY else rng.randint(0, 2)
        for s in range(n_stories):
            story = 10_000 + offset * 100 + s
            for copy in range(rng.randint(1, 3)):
                aid += 1
                # near midnight, with a published time in another zone, or only first_seen_at
                kind = rng.randrange(3)
                when = at(day, rng.randrange(24), rng.randrange(60))
                row = {
                    "id": aid,
                    "outlet": outlets[(s + copy) % 4] if day != SPIKE_DAY else outlets[copy % 2],
                    "first_seen_at": when + timedelta(hours=30),
                    "published_at": None
                    if kind == 0
                    else when.astimezone(timezone(timedelta(hours=-5 if kind == 1 else 9))),
                    "story_id": story if rng.random() > 0.1 or day == SPIKE_DAY else None,
                    "language": rng.choice(["en", "ru", None]),
                }
                if kind == 0:
                    row["first_seen_at"] = when
                articles.append(row)
                terms = ["chechnya", "gay"] if day == SPIKE_DAY and copy == 0 else ["gay"]
                matches.append(("wave", aid, terms))
                if rng.random() < 0.3:
                    matches.append(("other", aid, ["x"]))
    insert(warehouse, articles, matches)
    return warehouse, articles, matches


def expected_daily(
    articles: list[dict], matches: list, topic: str
) -> dict[date, tuple[int, int, int]]:
    by_id = {a["id"]: a for a in articles}
    groups: dict[date, list[dict]] = defaultdict(list)
    for t, aid, _ in matches:
        if t == topic:
            a = by_id[aid]
            when = a["published_at"] or a["first_seen_at"]
            groups[when.astimezone(UTC).date()].append(a)
    return {
        day: (
            len(rows),
            len({a["story_id"] if a["story_id"] is not None else -a["id"] for a in rows}),
            len({a["outlet"] for a in rows}),
        )
        for day, rows in groups.items()
    }


def test_topic_daily_equals_python_counts_whatever_the_session_time_zone(planted) -> None:
    path, articles, matches = planted
    with opened(path, read_only=True) as con:
        con.execute("SET TimeZone = 'Asia/Tokyo'")  # the day must stay the UTC date
        rows = con.execute(
            "SELECT day, articles, stories, outlets FROM topic_daily WHERE topic = 'wave'"
        ).fetchall()
    got = {r[0]: r[1:] for r in rows}
    assert got == expected_daily(articles, matches, "wave")
    assert got[SPIKE_DAY][1] == 12


def test_daily_counts_fill_quiet_days_with_zeros(planted) -> None:
    path, articles, matches = planted
    until = START + timedelta(days=59)  # ten days past the newest article
    with opened(path, read_only=True) as con:
        counts = daily_counts(con, "wave", 60, until=until)
    assert [c.day for c in counts] == [START + timedelta(days=i) for i in range(60)]
    expected = expected_daily(articles, matches, "wave")
    for c in counts:
        assert (c.articles, c.stories, c.outlets) == expected.get(c.day, (0, 0, 0))
    assert [c.day for c in counts if c.spike] == [SPIKE_DAY]


def test_planted_spike_found_on_its_day_only_with_its_drivers(planted) -> None:
    path, articles, matches = planted
    with opened(path, read_only=True) as con:
        found = spikes(con, "wave")
        view = con.execute("SELECT topic, day FROM spikes WHERE topic = 'wave'").fetchall()
        drivers = con.execute(
            "SELECT kind, name, articles FROM spike_drivers WHERE topic = 'wave' ORDER BY kind, rank"
        ).fetchall()
    assert [(s.topic, s.day) for s in found] == [("wave", SPIKE_DAY)]
    assert view == [("wave", SPIKE_DAY)]
    spike = found[0]
    assert spike.stories == 12 and spike.z >= 3
    on_day = [
        a
        for a in articles
        if (a["published_at"] or a["first_seen_at"]).astimezone(UTC).date() == SPIKE_DAY
    ]
    wave_ids = {aid for t, aid, _ in matches if t == "wave"}
    on_day = [a for a in on_day if a["id"] in wave_ids]
    terms = {
        t: sum(
            1 for a in on_day if t in dict((m[1], m[2]) for m in matches if m[0] == "wave")[a["id"]]
        )
        for t in ("gay", "chechnya")
    }
    assert dict(spike.terms) == terms
    outlets = defaultdict(int)
    for a in on_day:
        outlets[a["outlet"]] += 1
    assert dict(spike.top_outlets) == dict(outlets)
    assert set(spike.top_outlets) <= {("alpha", outlets["alpha"]), ("beta", outlets["beta"])}
    assert [(n, c) for k, n, c in drivers if k == "term"] == list(spike.terms)


def flat_series(path: Path, topic: str, per_day: list[int], first_id: int) -> None:
    """One article per story, ``per_day[i]`` stories on day i."""
    articles, matches = [], []
    aid = first_id
    for offset, n in enumerate(per_day):
        for _ in range(n):
            aid += 1
            articles.append(
                {
                    "id": aid,
                    "outlet": "o",
                    "first_seen_at": at(START + timedelta(days=offset)),
                    "story_id": aid,
                }
            )
            matches.append((topic, aid, ["w"]))
    insert(path, articles, matches)


def test_small_rises_and_flat_baselines(warehouse: Path) -> None:
    flat_series(warehouse, "one-to-three", [1] * 28 + [3], 0)
    flat_series(warehouse, "zero-to-six", [0] * 28 + [6], 1000)
    flat_series(warehouse, "five-to-six", [5] * 28 + [6], 2000)
    flat_series(warehouse, "five-to-nine", [5] * 28 + [9], 3000)
    last = START + timedelta(days=28)
    with opened(warehouse, read_only=True) as con:
        found = {s.topic: s for s in spikes(con)}
        scores = dict(
            con.execute("SELECT topic, z FROM topic_spike_scores WHERE day = ?", [last]).fetchall()
        )
    assert set(found) == {"zero-to-six", "five-to-nine"}
    assert found["zero-to-six"].day == last and found["zero-to-six"].z == pytest.approx(6.0)
    assert found["zero-to-six"].baseline_sd == 0
    assert scores["one-to-three"] == pytest.approx(2.0)  # (3 - 1) / max(sd=0, 1)
    assert scores["five-to-six"] == pytest.approx(1.0)


def test_rule_parameters_change_what_counts(warehouse: Path) -> None:
    flat_series(warehouse, "t", [1] * 28 + [3], 0)
    with opened(warehouse, read_only=True) as con:
        assert spikes(con, "t") == []
        loose = spikes(con, "t", rule=SpikeRule(min_stories=3, min_z=2.0))
    assert [s.day for s in loose] == [START + timedelta(days=28)]


def test_a_short_history_is_no_baseline(warehouse: Path) -> None:
    flat_series(warehouse, "t", [0, 0, 0, 40], 0)
    with opened(warehouse, read_only=True) as con:
        assert spikes(con, "t") == []


def test_share_of_voice_sums_to_100(planted) -> None:
    path, articles, matches = planted
    with opened(path, read_only=True) as con:
        outlets = share_of_voice(con, "wave", by="outlet")
        languages = share_of_voice(con, "wave", by="language")
        daily = con.execute(
            "SELECT day, sum(pct), sum(articles) FROM topic_share_outlet_daily"
            " WHERE topic = 'wave' GROUP BY day"
        ).fetchall()
    n = sum(1 for t, _, _ in matches if t == "wave")
    for shares in (outlets, languages):
        assert sum(s.pct for s in shares) == pytest.approx(100.0)
        assert sum(s.articles for s in shares) == n
    assert {s.name for s in languages} <= {"en", "ru", "unknown"}
    assert all(total == pytest.approx(100.0) for _, total, _ in daily)


def test_story_coverage_first_latest_and_origin(warehouse: Path) -> None:
    insert(
        warehouse,
        [
            {"id": 1, "outlet": "late", "first_seen_at": at(START, 15), "story_id": 7},
            {"id": 2, "outlet": "early", "first_seen_at": at(START, 9), "story_id": 7},
            {
                "id": 3,
                "outlet": "late",
                "first_seen_at": at(START + timedelta(days=2)),
                "story_id": 7,
            },
            {"id": 4, "outlet": "other", "first_seen_at": at(START, 1), "story_id": 7},
        ],
        [("t", 1, ["a"]), ("t", 2, ["a"]), ("t", 3, ["a"]), ("u", 4, ["a"])],
    )
    with opened(warehouse, read_only=True) as con:
        rows = con.execute(
            "SELECT story_id, first_at, latest_at, articles, outlets, origin_outlet"
            " FROM story_coverage WHERE topic = 't'"
        ).fetchall()
    assert rows == [(7, at(START, 9), at(START + timedelta(days=2)), 3, 2, "early")]


def make_cli() -> click.Group:
    @click.group()
    @click.option("--config", "config_path")
    @click.pass_context
    def cli(ctx: click.Context, config_path: str) -> None:
        ctx.obj = AppContext(config_path=config_path)

    trends_cli.register(cli)
    return cli


def write_config(directory: Path, topics: dict[str, str]) -> Path:
    lines = ['[warehouse]\npath = "warehouse.duckdb"\n']
    for name, query in topics.items():
        lines.append(f"[[topics]]\nname = \"{name}\"\nquery = '{query}'\n")
    path = directory / "mediawatch.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_trends_command_prints_table_chart_and_spike(planted) -> None:
    path, _, _ = planted
    config = write_config(path.parent, {"wave": "gay"})
    until = (SPIKE_DAY + timedelta(days=3)).isoformat()
    result = CliRunner().invoke(
        make_cli(), ["--config", str(config), "trends", "wave", "--days", "14", "--until", until]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    spike_rows = [line for line in lines if trends_cli.SPIKE_MARK in line]
    assert len(spike_rows) == 1 and spike_rows[0].startswith(SPIKE_DAY.isoformat())
    assert "█" * 29 in spike_rows[0]  # the peak day's bar is full width
    assert any(line.startswith("stories │") for line in lines)
    assert f"spike {SPIKE_DAY}: 12 stories" in result.output
    assert "chechnya (" in result.output and "alpha (" in result.output


def test_trends_command_rejects_an_unknown_topic(planted) -> None:
    path, _, _ = planted
    config = write_config(path.parent, {"wave": "gay"})
    result = CliRunner().invoke(make_cli(), ["--config", str(config), "trends", "nope"])
    assert result.exit_code != 0
    assert "no topic named 'nope'" in str(result.exception)


def test_sparkline_and_bars() -> None:
    assert trends_cli.sparkline([0, 1, 8, 4]) == " ▁█▄"
    assert trends_cli.sparkline([0, 0]) == "  "
    assert trends_cli.bar(0, 10) == ""
    assert trends_cli.bar(1, 1000) != ""  # a small value still shows
    assert trends_cli.bar(10, 10) == "█" * 30
