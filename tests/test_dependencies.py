"""pyproject.toml says what the code imports, with bounds, and constraints.txt satisfies it."""

from __future__ import annotations

import ast
import importlib.metadata
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]
PACKAGES = tuple(
    p.rstrip("*") for p in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
)
# Declared but never imported by name, and why.
NOT_IMPORTED = {
    "lxml-html-clean": "trafilatura imports lxml.html.clean (split out of lxml 5.2)",
    "pymorphy3-dicts-ru": "the Russian dictionary pymorphy3 loads (data, no module of ours)",
}
CHECKERS = {"ruff", "mypy", "import-linter"}  # run as programs by tests/test_lint.py


def _requirements(extras: bool) -> list[Requirement]:
    reqs = [Requirement(r) for r in PROJECT["dependencies"]]
    if extras:
        for group in PROJECT["optional-dependencies"].values():
            reqs += [Requirement(r) for r in group if not r.startswith("mediawatch")]
    return reqs


def _imported(roots: tuple[str, ...]) -> set[str]:
    """Distributions behind every third-party top-level import under ``roots``."""
    owners = importlib.metadata.packages_distributions()
    own = {*PACKAGES, "tests", "benchmarks"}
    names: set[str] = set()
    for root in roots:
        for path in (ROOT / root).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names.update(a.name.split(".")[0] for a in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    third_party = names - own - set(sys.stdlib_module_names) - {"__future__"}
    return {canonicalize_name(d) for n in third_party for d in owners.get(n, [n])}


def test_every_import_of_the_packages_is_declared() -> None:
    declared = {canonicalize_name(r.name) for r in _requirements(extras=True)}
    missing = _imported(PACKAGES) - declared
    assert not missing, f"imported but not declared in pyproject.toml: {sorted(missing)}"


def test_every_declared_dependency_is_imported() -> None:
    """Runtime and distributed dependencies by the packages; test ones by the tests."""
    runtime = [Requirement(r) for r in PROJECT["dependencies"]]
    runtime += [Requirement(r) for r in PROJECT["optional-dependencies"]["distributed"]]
    unused = {canonicalize_name(r.name) for r in runtime} - _imported(PACKAGES) - set(NOT_IMPORTED)
    assert not unused, f"declared but never imported: {sorted(unused)} (use or drop them)"
    tests = [Requirement(r) for r in PROJECT["optional-dependencies"]["test"]]
    plugins = {"pytest-timeout"}  # loaded by pytest itself
    unused = {canonicalize_name(r.name) for r in tests if not r.name.startswith("mediawatch")}
    unused -= _imported(("tests",)) | CHECKERS | plugins
    assert not unused, f"test extras never used: {sorted(unused)}"


def test_every_dependency_has_both_bounds() -> None:
    for req in _requirements(extras=True):
        ops = {spec.operator for spec in req.specifier}
        pinned = ops == {"=="}
        assert pinned or ({">=", "<"} <= ops), f"{req}: needs a lower and an upper bound"


def test_constraints_satisfy_pyproject() -> None:
    """CI installs with constraints.txt: every dependency is pinned there, within its bounds."""
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version.strip()
    installed = [Requirement(r) for r in PROJECT["dependencies"]]
    for extra in ("distributed", "test"):  # what CI installs: pip install -e '.[test]'
        group = PROJECT["optional-dependencies"][extra]
        installed += [Requirement(r) for r in group if not r.startswith("mediawatch")]
    for req in installed:
        name = canonicalize_name(req.name)
        assert name in pins, (
            f"{req.name} is missing from constraints.txt: run .ci/refresh-constraints"
        )
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {req.name}=={pins[name]}, outside {req.specifier}"
        )


def test_ci_installs_the_constraints_and_names_the_checks() -> None:
    """README: ``.ci/run`` runs the second command with the tested versions, plus mypy and
    the layering contracts by name."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    install = "pip install -c constraints.txt -e '.[test]'"
    assert install in ci and install in readme
    commands = [line.strip() for line in ci.splitlines() if not line.lstrip().startswith("#")]
    assert ".venv/bin/mypy && .venv/bin/lint-imports" in commands
    assert ".venv/bin/python -m pytest" in commands


def test_the_license_is_an_spdx_expression() -> None:
    """A TOML table there makes every ``pip install`` warn that it is deprecated; the string
    form needs setuptools 77, and the installed metadata then carries License-Expression."""
    assert PROJECT["license"] == "Apache-2.0"
    backend = [Requirement(r) for r in PYPROJECT["build-system"]["requires"]]
    setuptools = next(r for r in backend if r.name == "setuptools")
    assert setuptools.specifier.contains("77") and not setuptools.specifier.contains("76.9")
    metadata = importlib.metadata.metadata("mediawatch")
    assert metadata["License-Expression"] == "Apache-2.0"
    assert "License" not in metadata  # the deprecated field is gone
