"""Numbered schema migrations, each applied in its own transaction and recorded."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import duckdb

from warehouse.connection import transaction

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def available() -> list[Migration]:
    found = []
    for entry in resources.files("warehouse.migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return sorted(found, key=lambda m: m.version)


def applied_versions(con: duckdb.DuckDBPyConnection) -> set[int]:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    return {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}


def migrate(con: duckdb.DuckDBPyConnection) -> list[Migration]:
    """Apply pending migrations in order; return those applied. Safe to call on every open."""
    done = applied_versions(con)
    applied = []
    for migration in available():
        if migration.version in done:
            continue
        with transaction(con):
            for statement in _statements(migration.sql):
                con.execute(statement)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, now())",
                [migration.version, migration.name],
            )
        applied.append(migration)
    return applied


def _statements(sql: str) -> list[str]:
    """Split on ';' at line ends (our migrations keep one statement per ';\\n')."""
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    parts = "\n".join(lines).split(";\n")
    return [p.strip().rstrip(";") for p in parts if p.strip().rstrip(";").strip()]
