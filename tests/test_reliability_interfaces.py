"""What users and operators touch: ``mediawatch sql`` stays read-only, secrets stay secret.

Digest text injection and path traversal in topic names are covered in tests/test_digests.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import tomli_w

from mediawatch.config import load_config
from mediawatch.demo import DEMO_TOPIC, demo_config
from tests.hostile.crawl import FAST_CRAWL
from tests.hostile.harness import ROOT, hostile_server, outlet

SECRET = "s3cr3t-SMTP-pw-5b1e9"


def _run(config_path: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mediawatch", "--config", str(config_path), *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )  # fmt: skip


@pytest.fixture
def config_path(tmp_path: Path, warehouse: Path) -> Path:
    data = demo_config([], tmp_path)
    path = tmp_path / "mediawatch.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    assert load_config(path).warehouse_path == warehouse
    return path


# -- 14. user SQL ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "query",
    [
        "DELETE FROM articles",
        "CREATE TABLE stolen AS SELECT 1",
        "DROP TABLE articles",
        "COPY articles TO '{out}'",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/hostname')",
        "ATTACH '{tmp}/other.duckdb' AS other",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SET enable_external_access = true",
        "PRAGMA enable_external_access",
    ],
)
def test_cli_sql_cannot_write_read_files_or_install_extensions(
    config_path: Path, tmp_path: Path, query: str
) -> None:
    out = tmp_path / "exfiltrated.csv"
    proc = _run(config_path, "sql", query.format(out=out, tmp=tmp_path))
    assert proc.returncode != 0, proc.stdout
    assert "root:" not in proc.stdout and not out.exists()
    assert not (tmp_path / "other.duckdb").exists()
    if query.startswith(("DELETE", "DROP", "CREATE")):
        again = _run(config_path, "sql", "SELECT count(*) AS n FROM stolen", "--format", "csv")
        assert again.returncode != 0  # no table was created
        tables = _run(config_path, "sql", "SHOW TABLES", "--format", "csv")
        assert "articles" in tables.stdout.split()  # and none dropped


def test_topic_queries_never_become_sql() -> None:
    from pipeline.query import MatchDoc, QueryError, compile_query, match_topics

    hostile = ["x' OR '1'='1", "a; DROP TABLE articles; --", "name) OR (1=1"]
    doc = MatchDoc(title="Budget vote", text="The council passed the budget.", outlet="o",
                   language="en", authors=())  # fmt: skip
    for source in hostile:
        try:
            compiled = compile_query(source)
        except QueryError:
            continue
        assert match_topics([("t", compiled)], doc) == []  # plain words, matching nothing here
    source = (ROOT / "pipeline" / "query.py").read_text(encoding="utf-8")
    assert "duckdb" not in source and ".execute(" not in source


# -- 15. secrets -------------------------------------------------------------------------------
def test_the_smtp_password_never_leaves_the_environment(tmp_path: Path) -> None:
    env = {"MEDIAWATCH_SMTP_PASSWORD": SECRET}
    with hostile_server(tmp_path, hosts=1) as h:
        links = [h.url(0, "/a/chechnya-report.html"), h.url(0, "/a/second.html")]
        data = demo_config(
            [outlet("o", h.outlets[0] + "/", feeds=[h.url(0, "/rss", link=links)])], tmp_path
        )
        data["crawl"] = {**data["crawl"], **FAST_CRAWL}
        data["topics"] = [DEMO_TOPIC]
        data["digest"] = {
            "out_dir": "digests", "recipients": ["desk@example.org"],
            "smtp": {"host": "127.0.0.1", "port": 9, "security": "none", "user": "mw",
                     "timeout_s": 2},
        }  # fmt: skip
        path = tmp_path / "mediawatch.toml"
        path.write_text(tomli_w.dumps(data), encoding="utf-8")
        crawl = _run(path, "-vv", "crawl", env=env)
    digest = _run(path, "-vv", "digest", "--send", "--force", env=env)
    status = _run(path, "status", env=env)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    outputs = [
        crawl.stdout,
        crawl.stderr,
        digest.stdout,
        digest.stderr,
        status.stdout,
        status.stderr,
    ]
    assert not [o for o in outputs if SECRET in o]
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".duckdb" for p in files)
    leaked = [p for p in files if SECRET.encode() in p.read_bytes()]
    assert leaked == []
    assert SECRET.encode() not in path.read_bytes()
