"""The README is part of the interface: every config key and command is documented, its SQL runs."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from mediawatch.cli import cli
from mediawatch.config import (
    BackfillConfig,
    Config,
    CrawlConfig,
    DedupConfig,
    DigestConfig,
    DistributedConfig,
    OutletConfig,
    ScheduleConfig,
    SmtpConfig,
    TopicConfig,
    WarehouseConfig,
)
from warehouse.query import run_user_sql

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")

SECTIONS = {
    "[warehouse]": WarehouseConfig,
    "[crawl]": CrawlConfig,
    "[[outlets]]": OutletConfig,
    "[[topics]]": TopicConfig,
    "[schedule]": ScheduleConfig,
    "[digest]": DigestConfig,
    "[dedup]": DedupConfig,
    "[backfill]": BackfillConfig,
    "[distributed]": DistributedConfig,
}


def documented_keys(section: str) -> set[str]:
    start = README.index(f"### `{section}`")
    end = README.find("\n### ", start + 1)
    block = README[start : end if end > 0 else None]
    return set(re.findall(r"^\| `([\w.]+)` \|", block, re.M))


@pytest.mark.parametrize("section", list(SECTIONS))
def test_every_config_key_is_documented(section: str) -> None:
    model = SECTIONS[section]
    keys = documented_keys(section)
    missing = {name for name in model.model_fields if name not in keys}
    if model is DigestConfig:
        missing.discard("smtp")
        missing |= {f"smtp.{k}" for k in SmtpConfig.model_fields if f"smtp.{k}" not in keys}
    assert not missing, f"README section {section} lacks: {sorted(missing)}"


def test_every_top_level_section_is_documented() -> None:
    for name in Config.model_fields:
        if name == "source":
            continue
        assert any(name in s for s in SECTIONS), name


def _commands(group: click.Group, prefix: str = "mediawatch") -> list[str]:
    names = []
    for name, command in group.commands.items():
        full = f"{prefix} {name}"
        if isinstance(command, click.Group):
            names += _commands(command, full)
        else:
            names.append(full)
    return names


def test_every_command_is_documented() -> None:
    missing = [c for c in _commands(cli) if f"`{c}" not in README]
    assert not missing, f"README lacks commands: {missing}"


def readme_sql() -> list[str]:
    blocks = re.findall(r"```sql\n(.*?)```", README, re.S)
    statements = []
    for block in blocks:
        for part in block.split(";"):
            lines = [ln for ln in part.strip().splitlines() if not ln.strip().startswith("--")]
            if lines:
                statements.append("\n".join(lines))
    return statements


def test_readme_sql_runs_on_the_demo_warehouse(crawled) -> None:
    config, _, _ = crawled
    statements = readme_sql()
    assert len(statements) >= 5
    for sql in statements:
        result = run_user_sql(config.warehouse_path, sql)
        assert result.columns, sql
