"""A config with mistakes, through the installed script: every problem is listed with its
path, and a misspelt key gets the nearest real one."""

from __future__ import annotations

from pathlib import Path

from test_cli import no_traceback, run

BAD = """\
[warehouse]
path = "w.duckdb"

[crawl]
concurency = 3
per_domain_concurrency = 0

[[outlet]]
name = "x"
homepage = "https://x.example/"

[[topics]]
name = "t"
query = "a"
quey = "b"
"""


def test_every_problem_is_listed_with_its_path_and_a_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "mediawatch.toml"
    path.write_text(BAD, encoding="utf-8")
    done = run(path, "status")
    assert done.returncode == 1
    no_traceback(done.stderr)
    lines = done.stderr.splitlines()
    assert lines[0] == f"error: {path}: 4 problems:", done.stderr
    problems = sorted(line.strip() for line in lines[1:5])
    assert problems == sorted(
        [
            "outlet: unknown key (did you mean 'outlets'?)",
            "crawl.concurency: unknown key (did you mean 'concurrency' or"
            " 'per_domain_concurrency'?)",
            "crawl.per_domain_concurrency: Input should be greater than or equal to 1",
            "topics[0] (t).quey: unknown key (did you mean 'query'?)",
        ]
    ), done.stderr


def test_one_problem_stays_one_line(tmp_path: Path) -> None:
    path = tmp_path / "mediawatch.toml"
    path.write_text('[crawl]\nzzz = 1\n[warehouse]\npath = "w.duckdb"\n', encoding="utf-8")
    done = run(path, "status")
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: {path}: crawl.zzz: unknown key (check the spelling; see README 'Configuration')"
    ], done.stderr
