"""Word-form queries on the demo warehouse: the natural demo topic and the README's examples."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mediawatch.demo import DEMO_TOPIC
from pipeline.query import compile_query
from pipeline.rematch import preview_matches
from warehouse.connection import opened

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")

# the demo topic as it had to be written before queries understood word forms
SPELLED_OUT = (
    "(chechnya OR chechen* OR чечн* OR чечен* OR кадыров*) AND "
    "(gay OR gays OR lgbt* OR homosexual* OR гей* OR геи OR геев OR геям OR геями OR геях"
    " OR лгбт* OR гомосексуал*)"
)


def readme_queries() -> list[str]:
    """The first-column examples of the "Topic queries" table and every ``topics test``."""
    start = README.index("## Topic queries")
    section = README[start : README.index("\n## ", start + 1)]
    rows = [line.split(" | ")[0] for line in section.splitlines() if line.startswith("| `")]
    examples = [q for row in rows for q in re.findall(r"`([^`]+)`", row)]
    examples += re.findall(r"mediawatch topics test '([^']+)'", README)
    return examples


def matched_ids(path: Path, query: str) -> set[int]:
    with opened(path, read_only=True) as con:
        result = preview_matches(con, query, limit=100_000)
    assert result.complete
    return {m.article_id for m in result.matches}


def test_natural_demo_topic_matches_all_the_spelled_out_one_did(crawled) -> None:
    config, _, _ = crawled
    old = matched_ids(config.warehouse_path, SPELLED_OUT)
    new = matched_ids(config.warehouse_path, DEMO_TOPIC["query"])
    assert len(old) > 20 and old <= new
    # and the crawl stored those matches with the words as written
    with opened(config.warehouse_path, read_only=True) as con:
        stored = dict(
            con.execute(
                "SELECT article_id, matched_forms FROM topic_matches WHERE topic = ?",
                [DEMO_TOPIC["name"]],
            ).fetchall()
        )
        words = {
            w for (ws,) in con.execute("SELECT matched_words FROM topic_articles").fetchall()
            for w in ws
        }  # fmt: skip
    assert set(stored) == new
    surfaces = {f["surface"].lower() for forms in stored.values() for f in forms}
    assert {"геев", "чечне"} <= surfaces and {"геев", "чечне"} <= words
    assert any(f["surface"].lower() == "геев" and f["normal"] == "гей"
               for forms in stored.values() for f in forms)  # fmt: skip


def test_issue_examples_now_match_on_the_demo(crawled) -> None:
    config, _, _ = crawled
    assert matched_ids(config.warehouse_path, "чечн* AND геи")
    # no demo article has both "rights group" and a Cyrillic чечн*; the capitalised name
    # Чечня reaches the English articles' Chechnya through transliteration
    assert not matched_ids(config.warehouse_path, '"rights group" AND чечн*')
    assert matched_ids(config.warehouse_path, '"rights group" AND Чечня')


@pytest.mark.parametrize("query", readme_queries())
def test_every_readme_query_example_matches_on_the_demo(crawled, query: str) -> None:
    config, _, _ = crawled
    compile_query(query)
    assert matched_ids(config.warehouse_path, query), query


def test_transliterated_names_match_both_ways_on_the_demo(crawled) -> None:
    config, _, _ = crawled
    path = config.warehouse_path
    latin_to_cyrillic = matched_ids(path, "Grozny AND language:ru")
    cyrillic_to_latin = matched_ids(path, "Грозный AND language:en")
    assert latin_to_cyrillic and cyrillic_to_latin
    assert not matched_ids(path, "grozny AND language:ru")  # lower case: no transliteration


def mediawatch(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed console script, as an analyst runs it."""
    script = Path(sys.executable).parent / "mediawatch"
    return subprocess.run(
        [str(script), "--config", str(config), *args], capture_output=True, text=True, timeout=300
    )


def test_console_script_tests_and_rematches_with_word_forms(crawled, tmp_path: Path) -> None:
    config, _, _ = crawled
    shutil.copy(config.warehouse_path, tmp_path / "warehouse.duckdb")
    source = config.source.read_text(encoding="utf-8")
    path = tmp_path / "mediawatch.toml"
    path.write_text(source, encoding="utf-8")  # its warehouse path is relative: the copy

    tested = mediawatch(path, "topics", "test", "Grozny AND language:ru", "--limit", "3")
    assert tested.returncode == 0, tested.stderr
    assert "(грозный)" in tested.stdout  # Грозном / Грозным, shown with the lemma it matched

    exact = mediawatch(path, "topics", "test", "=геям", "--max-width", "200")
    assert exact.returncode == 0, exact.stderr
    assert "геям (гей)" in exact.stdout and "геев" not in exact.stdout.split("snippet")[0]

    redone = mediawatch(path, "topics", "rematch", DEMO_TOPIC["name"])
    assert redone.returncode == 0, redone.stderr
    with opened(tmp_path / "warehouse.duckdb", read_only=True) as con:
        missing = con.execute(
            "SELECT count(*) FROM topic_matches WHERE matched_forms IS NULL"
        ).fetchall()[0][0]
        normals = {
            f["normal"]
            for (forms,) in con.execute("SELECT matched_forms FROM topic_matches").fetchall()
            for f in forms
        }
    assert missing == 0 and {"гей", "чечня"} <= normals
