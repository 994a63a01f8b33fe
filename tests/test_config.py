"""Config loading: valid files load into one frozen object; bad ones fail in one line naming the field."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pydantic
import pytest

from mediawatch.cli.init import starter_config_text
from mediawatch.config import find_config, load_config
from mediawatch.errors import ConfigError

GOOD = """
[warehouse]
path = "data/warehouse.duckdb"

[crawl]
user_agent = "mediawatch (+mailto:monitoring@example.org)"
concurrency = 16
per_domain_concurrency = 2
download_delay = 1.0
max_age_days = 7
max_pages_per_outlet = 500
obey_robots = true

[[outlets]]
name = "Example Times"
homepage = "https://example.com/"
feeds = ["https://example.com/rss.xml"]
sitemaps = ["https://example.com/news-sitemap.xml"]
language = "en"
timezone = "Europe/London"

[[topics]]
name = "chechnya"
query = '(chechnya OR чечн*) AND (gay OR lgbt* OR гей*)'
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mediawatch.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_issue_example_loads_frozen_with_paths_relative_to_the_file(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert config.outlets[0].name == "Example Times"
    assert config.outlets[0].domains == ("example.com",)
    assert config.warehouse_path == tmp_path.resolve() / "data" / "warehouse.duckdb"
    with pytest.raises(pydantic.ValidationError):
        config.crawl.concurrency = 3


def test_starter_config_is_valid(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, starter_config_text()))
    assert len(config.outlets) >= 10
    assert {o.language for o in config.outlets} == {"en", "ru"}
    assert all(o.feeds or o.sitemaps for o in config.outlets)
    assert config.topics[0].name == "chechnya"


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (("[crawl]\n", "[crawl]\nspeed = 3\n"), "crawl.speed: unknown key"),
        (('homepage = "https://example.com/"', 'homepage = "example dot com"'), "outlets[0]"),
        (('name = "Example Times"\n', ""), "outlets[0].name: required field is missing"),
        (('timezone = "Europe/London"', 'timezone = "Mars/Olympus"'), "unknown IANA time zone"),
        (('language = "en"', 'language = "English"'), "two-letter ISO 639-1"),
        (("concurrency = 16", "concurrency = 0"), "crawl.concurrency"),
        (
            ('user_agent = "mediawatch (+mailto:monitoring@example.org)"', 'user_agent = "bot"'),
            "crawl.user_agent: should name a contact",
        ),
        (("(chechnya OR чечн*) AND", "(chechnya OR чечн* AND"), "topics[0]"),
    ],
)
def test_bad_config_fails_naming_file_and_field(tmp_path: Path, mutation, expected) -> None:
    old, new = mutation
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert expected in message


def test_toml_syntax_error_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TOML syntax error"):
        load_config(write(tmp_path, "[crawl\nconcurrency = 1"))


def test_duplicate_outlet_names_rejected(tmp_path: Path) -> None:
    text = GOOD + '\n[[outlets]]\nname = "Example Times"\nhomepage = "https://example.org/"\n'
    with pytest.raises(ConfigError, match="duplicate name 'Example Times'"):
        load_config(write(tmp_path, text))


def test_find_config_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    explicit = write(tmp_path, GOOD)
    other = tmp_path / "other.toml"
    other.write_text(GOOD, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert find_config(str(other), {"MEDIAWATCH_CONFIG": str(explicit)}) == other
    assert find_config(None, {"MEDIAWATCH_CONFIG": str(other)}) == other
    assert find_config(None, {}) == tmp_path / "mediawatch.toml"
    with pytest.raises(ConfigError, match="looked in MEDIAWATCH_CONFIG") as err:
        find_config(None, {"MEDIAWATCH_CONFIG": str(tmp_path / "missing.toml")})
    assert "mediawatch init" in err.value.hint


def test_cli_bad_config_prints_one_line_no_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("[crawl]\n", "[crawl]\nspeed = 3\n"))
    proc = subprocess.run(
        [sys.executable, "-m", "mediawatch", "--config", str(path), "sql", "SELECT 1"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f"error: {path}: crawl.speed: unknown key (check the spelling; see README 'Configuration')"
    ]
