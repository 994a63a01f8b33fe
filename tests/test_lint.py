"""The house style is checked, not hoped for: ruff, mypy, the layering contracts, and the rule
that SQL lives in ``warehouse/``."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# the installed top-level packages, as setuptools finds them ("mediawatch*" -> "mediawatch")
PACKAGES = tuple(
    sorted(p.rstrip("*") for p in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"])
)


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    assert found, f"{name} is part of the test extras: pip install -e '.[test]'"
    return found


@pytest.mark.parametrize("args", [["check", "."], ["format", "--check", "."]])
def test_ruff(args: list[str]) -> None:
    proc = subprocess.run([_tool("ruff"), *args], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-1000:]


def test_mypy() -> None:
    """Every package, the tests and the benchmarks type-check ([tool.mypy] in pyproject)."""
    proc = subprocess.run([_tool("mypy")], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-1000:]


def test_every_package_is_type_checked_and_layered() -> None:
    """A new top-level package must join mypy's files and the import contracts."""
    checked = set(PYPROJECT["tool"]["mypy"]["files"])
    layered = set(PYPROJECT["tool"]["importlinter"]["root_packages"])
    assert set(PACKAGES) <= checked, f"add to [tool.mypy] files: {set(PACKAGES) - checked}"
    assert set(PACKAGES) <= layered, f"add to [tool.importlinter]: {set(PACKAGES) - layered}"


def test_layering_contracts() -> None:
    """spiders -> pipeline -> warehouse, digests -> warehouse, schedules drive, nothing
    imports the CLI ([tool.importlinter] in pyproject)."""
    proc = subprocess.run(
        [_tool("lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-1000:]


_IGNORE = re.compile(r"#\s*type:\s*ignore(?P<codes>\[[^\]]*\])?(?P<rest>.*)$")


def _python_files() -> list[Path]:
    roots = [*PACKAGES, "tests", "benchmarks"]
    return sorted(p for r in roots for p in (ROOT / r).rglob("*.py"))


# Modules whose owners are still rewriting them; their ignores get reasons then.
IGNORES_AWAITING_OWNER: set[str] = set()


def test_every_type_ignore_names_its_error_and_its_reason() -> None:
    """``# type: ignore[code]  # why``: a bare ignore hides the next, unrelated error too."""
    bad = []
    for path in _python_files():
        if str(path.relative_to(ROOT)) in IGNORES_AWAITING_OWNER:
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, 1):
            found = _IGNORE.search(line)
            if found is None:
                continue
            reason = found["rest"].strip().lstrip("#").strip()
            above = lines[number - 2].strip() if number > 1 else ""
            if not found["codes"] or not (reason or above.startswith("#")):
                bad.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not bad, "type: ignore without [code] and reason:\n" + "\n".join(bad)


# SQL statements, upper case as this project writes them (prose says "select", not "SELECT").
_SQL = re.compile(
    r"\b(SELECT\b[\s\S]*\bFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM"
    r"|CREATE\s+(OR\s+REPLACE\s+)?(TEMP\s+)?(TABLE|VIEW|INDEX|SEQUENCE)|ALTER\s+TABLE"
    r"|DROP\s+(TABLE|VIEW)|SHOW\s+TABLES|COPY\s*\()"
)
# Modules that may hold SQL outside warehouse/, and why.
SQL_ALLOWED = {
    # the user's own SQL passes through unchanged: only its help text shows examples
    "mediawatch/cli/sql.py",
}
# Modules whose SQL their owners are moving into warehouse/ (issues 17 and 18).
# Shrink this set as they land; the test fails when a listed module no longer needs it.
SQL_AWAITING_OWNER = {
    "pipeline/loader.py",
}


def _sql_literals(path: Path) -> list[int]:
    """Line numbers of string literals (docstrings aside) that read as SQL statements."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):  # an f-string: judge its literal parts together
            text = "".join(
                str(part.value) if isinstance(part, ast.Constant) else " x " for part in node.values
            )
            if _SQL.search(text):
                lines.append(node.lineno)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and _SQL.search(node.value)
        ):
            lines.append(node.lineno)
    return sorted(set(lines))


def test_sql_lives_in_the_warehouse() -> None:
    """Table and column names are the warehouse's: other packages call its functions."""
    found = {}
    for package in PACKAGES:
        if package == "warehouse":
            continue
        for path in (ROOT / package).rglob("*.py"):
            name = str(path.relative_to(ROOT))
            if name in SQL_ALLOWED:
                continue
            lines = _sql_literals(path)
            if lines and name not in SQL_AWAITING_OWNER:
                found[name] = lines
    assert not found, f"SQL outside warehouse/ (move it into a warehouse module): {found}"


def test_sql_awaiting_its_owner_is_still_there() -> None:
    """Once a module's SQL has moved, take it off SQL_AWAITING_OWNER so it stays out."""
    moved = [name for name in sorted(SQL_AWAITING_OWNER) if not _sql_literals(ROOT / name)]
    assert not moved, f"no SQL left in {moved}: remove them from SQL_AWAITING_OWNER"


def test_the_sql_check_sees_sql() -> None:
    """The detector itself: statements count, prose and docstrings do not."""
    assert _SQL.search("SELECT url FROM article_urls")
    assert _SQL.search("INSERT OR REPLACE INTO stories VALUES (?)")
    assert _SQL.search("UPDATE crawl_runs SET status = ?")
    assert not _SQL.search("select the newest articles from the warehouse")
    assert not _SQL.search("Crawl from Redis until stopped")
