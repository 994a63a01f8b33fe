"""``mediawatch init`` through the installed script: the starter config says only what is
true, warns about its placeholder contact, and its topic catches the word's forms."""

from __future__ import annotations

import re
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_cli import run
from test_trends import insert, write_config

from mediawatch.collections import load_collection
from pipeline.query import MatchDoc, compile_query


@pytest.fixture
def starter(tmp_path: Path) -> tuple[Path, str, str]:
    path = tmp_path / "mediawatch.toml"
    done = run(None, "init", str(path))
    assert done.returncode == 0, done.stderr
    return path, path.read_text(encoding="utf-8"), done.stderr


def test_init_warns_about_the_placeholder_contact(starter) -> None:
    path, text, stderr = starter
    user_agent = tomllib.loads(text)["crawl"]["user_agent"]
    assert "example.org" in user_agent
    assert "warning: [crawl] user_agent names the placeholder contact 'example.org'" in stderr
    assert str(path) in stderr


def test_the_outlet_comment_promises_nothing_the_list_lacks(starter) -> None:
    _, text, _ = starter
    outlets = tomllib.loads(text)["outlets"]
    comment = text[text.index("# Outlets:") : text.index("[[outlets]]")]
    # it points at the ways to add outlets, and those are real
    assert "mediawatch outlets add --collection ru" in comment
    assert load_collection("ru").outlets
    assert "North Caucasus" not in comment
    assert len(outlets) >= 10


def test_the_starter_topic_matches_the_word_forms(starter) -> None:
    _, text, _ = starter
    [topic] = tomllib.loads(text)["topics"]
    assert re.search(r"\bchechen\*", topic["query"])
    query = compile_query(topic["query"])
    for title in (
        "Chechen authorities detained gay men",
        "Chechens deny abuse of gay men",
        "Kadyrov denies LGBT purge in Chechnya",
    ):
        assert query.match(MatchDoc(title=title, text=""), "t") is not None, title
    assert query.match(MatchDoc(title="Gay pride in Berlin", text=""), "t") is None


def test_the_digest_comment_names_every_file_a_digest_writes(
    starter, warehouse: Path, tmp_path: Path
) -> None:
    _, text, _ = starter
    comment = next(line for line in text.splitlines() if line.startswith("out_dir"))
    named = set(re.findall(r"\.(\w+)\b", comment.split("#", 1)[1]))
    at = datetime(2026, 3, 3, 9, tzinfo=UTC)
    insert(warehouse, [{"id": 1, "outlet": "o", "first_seen_at": at}], [("t", 1, ["x"])])
    config = write_config(warehouse.parent, {"t": "x"})
    done = run(config, "digest", "--date", "2026-03-03", "--out", str(tmp_path / "d"))
    assert done.returncode == 0, done.stderr
    written = {p.suffix.lstrip(".") for p in (tmp_path / "d" / "2026-03-03").iterdir()}
    assert written and written <= named, (written, comment)
