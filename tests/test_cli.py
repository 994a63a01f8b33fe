"""The promises of the README, kept at the user's hands: the installed ``mediawatch`` script.

Every test here runs the console script in a subprocess, the way a terminal does: Ctrl-C
is SIGINT to the whole process group (the command, its crawl process and every
extraction worker at once), two crawls start from two terminals, a reader holds the
warehouse, and errors must come out as one ``error:`` line with the documented exit code.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parent.parent
MEDIAWATCH = Path(sys.executable).parent / "mediawatch"
# Slow enough that a signal lands mid-crawl even on a fast machine.
SLOW = {"download_delay": 0.02, "per_domain_concurrency": 1, "autothrottle": False}


def env() -> dict[str, str]:
    out = dict(os.environ)
    out.setdefault("TLDEXTRACT_CACHE", str(ROOT / ".cache" / "tldextract"))
    out.setdefault("MPLCONFIGDIR", str(ROOT / ".cache" / "matplotlib"))
    return out


def start(config: Path, *args: str, **kwargs) -> subprocess.Popen:
    """The command in its own process group, as a terminal's foreground job."""
    return subprocess.Popen(
        [str(MEDIAWATCH), "--config", str(config), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True, env=env(), **kwargs,
    )  # fmt: skip


def run(
    config: Path | None, *args: str, timeout: float = 180, extra_env: dict | None = None
) -> subprocess.CompletedProcess:
    head = [str(MEDIAWATCH)] + (["--config", str(config)] if config else [])
    return subprocess.run(
        [*head, *args], capture_output=True, text=True, timeout=timeout,
        env={**env(), **(extra_env or {})},
    )  # fmt: skip


def no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr
    assert "leaked semaphore" not in stderr, stderr
    assert "KeyboardInterrupt" not in stderr, stderr


def one_error_line(stderr: str) -> str:
    no_traceback(stderr)
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, stderr
    return errors[0]


def articles(warehouse: Path) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT canonical_url FROM articles").fetchall()]


def assert_each_article_once(warehouse: Path, everything: set[str]) -> None:
    """The warehouse holds every article the newsroom serves, each once."""
    urls = articles(warehouse)
    assert len(urls) == len(set(urls))
    assert set(urls) == everything


def runs(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("SELECT id, status, error FROM crawl_runs ORDER BY id").fetchall()


def served(newsroom_server, at_least: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    """Wait until the crawl has made ``at_least`` requests (listings, then articles)."""
    deadline = time.monotonic() + timeout
    while True:
        if len(newsroom_server.request_log.entries) >= at_least:
            return
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the crawl fetched too little"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def everything(crawled) -> set[str]:
    """Every article the newsroom serves, as one uninterrupted crawl stores it."""
    config, result, _ = crawled
    assert result.status in ("ok", "partial")
    return set(articles(config.warehouse_path))


def write_config(make_config, newsroom_server, **crawl) -> Path:
    config = make_config(newsroom_server.outlet_config(), crawl={"extract_workers": 2, **crawl})
    assert config.source is not None
    return config.source


# -- 1. Ctrl-C ---------------------------------------------------------------------------------
def test_ctrl_c_during_a_crawl_loses_nothing_and_exits_130(
    make_config, newsroom_server, everything: set[str]
) -> None:
    path = write_config(make_config, newsroom_server, **SLOW)
    warehouse = path.parent / "warehouse.duckdb"
    newsroom_server.request_log.clear()
    proc = start(path, "crawl")
    served(newsroom_server, 80, proc)
    os.killpg(proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, (out, err)
    no_traceback(err)
    [(run_id, status, _)] = runs(warehouse)
    assert status == "interrupted"
    stored_after_interrupt = articles(warehouse)
    # true counts: the run's 'new' is what it stored
    assert re.search(rf"run {run_id}: interrupted .* {len(stored_after_interrupt)} new", out), out

    path = write_config(make_config, newsroom_server)  # full speed from here on
    for _ in range(2):
        again = run(path, "crawl")
        assert again.returncode == 0, again.stderr
        no_traceback(again.stderr)
    assert_each_article_once(warehouse, everything)  # nothing lost behind a 304


def test_second_ctrl_c_stops_at_once_and_keeps_what_was_committed(
    make_config, newsroom_server, everything: set[str]
) -> None:
    path = write_config(make_config, newsroom_server, **SLOW)
    warehouse = path.parent / "warehouse.duckdb"
    newsroom_server.request_log.clear()
    proc = start(path, "crawl")
    served(newsroom_server, 80, proc)
    os.killpg(proc.pid, signal.SIGINT)
    time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGINT)
    pressed = time.monotonic()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, (out, err)
    assert time.monotonic() - pressed < 30  # well inside the grace period
    no_traceback(err)
    assert [r[1] for r in runs(warehouse)] == ["interrupted"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        # stopped at once: no listing may answer 304 next time
        assert con.execute("SELECT count(*) FROM fetch_validators").fetchall() == [(0,)]
    path = write_config(make_config, newsroom_server)
    again = run(path, "crawl")
    assert again.returncode == 0, again.stderr
    assert_each_article_once(warehouse, everything)


def test_ctrl_c_stops_the_scheduler_and_its_crawl_cleanly(
    make_config, newsroom_server, everything: set[str]
) -> None:
    path = write_config(make_config, newsroom_server, **SLOW)
    warehouse = path.parent / "warehouse.duckdb"
    newsroom_server.request_log.clear()
    proc = start(path, "run", "--no-digest")  # never crawled: a catch-up crawl starts now
    served(newsroom_server, 80, proc)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, (out, err)
    no_traceback(err)
    assert [r[1] for r in runs(warehouse)] == ["interrupted"]
    path = write_config(make_config, newsroom_server)
    for _ in range(2):  # a page that failed for a passing reason (overload) is retried too
        again = run(path, "crawl")
        assert again.returncode == 0, again.stderr
    assert_each_article_once(warehouse, everything)


# -- 2. two crawls at once -----------------------------------------------------------------------
def test_a_second_crawl_refuses_naming_the_first_and_a_killed_crawl_blocks_nothing(
    make_config, newsroom_server, everything: set[str]
) -> None:
    path = write_config(make_config, newsroom_server, **SLOW)
    warehouse = path.parent / "warehouse.duckdb"
    newsroom_server.request_log.clear()
    first = start(path, "crawl")
    served(newsroom_server, 30, first)
    for args in (["crawl"], ["crawl", "--recrawl"]):
        second = run(path, *args)
        assert second.returncode == 75, second
        line = one_error_line(second.stderr)
        assert f"pid {first.pid}" in line
    os.killpg(first.pid, signal.SIGKILL)  # the kernel releases its locks
    first.wait()
    path = write_config(make_config, newsroom_server)
    third = run(path, "crawl")
    assert third.returncode == 0, third.stderr
    assert [r[1] for r in runs(warehouse)][-1] == "ok"  # only the first and the third ran
    assert len(runs(warehouse)) == 2
    assert_each_article_once(warehouse, everything)


# -- 3. a reader holding the warehouse -----------------------------------------------------------
def test_a_reader_holding_the_warehouse_delays_a_crawl_but_never_fails_it(
    make_config, newsroom_server, warehouse: Path, everything: set[str]
) -> None:
    config = make_config(newsroom_server.outlet_config(), warehouse={"lock_timeout_s": 1})
    assert config.warehouse_path == warehouse
    hold = textwrap.dedent(
        f"""
        import duckdb, sys, time
        con = duckdb.connect({str(warehouse)!r}, read_only=True)
        con.execute("SELECT count(*) FROM articles").fetchall()
        print("holding", flush=True)
        time.sleep(6)
        """
    )
    reader = subprocess.Popen([sys.executable, "-c", hold], stdout=subprocess.PIPE, text=True)
    assert reader.stdout is not None and reader.stdout.readline() == "holding\n"
    crawl = run(config.source, "crawl")  # must wait ~6 s, far beyond lock_timeout_s
    reader.wait(30)
    assert crawl.returncode == 0, crawl.stderr
    no_traceback(crawl.stderr)
    assert [r[1] for r in runs(warehouse)] == ["ok"]
    assert set(articles(warehouse)) == everything


# -- 4. distributed commands ---------------------------------------------------------------------
def test_distributed_commands_exist_and_name_the_extra_when_it_is_missing(
    make_config, tmp_path: Path
) -> None:
    config = make_config([{"name": "X", "homepage": "http://x.test/"}])
    shim = tmp_path / "no-redis"
    shim.mkdir()
    (shim / "redis.py").write_text("raise ImportError('No module named redis')\n")
    for command in ("worker", "load", "enqueue"):
        helped = run(config.source, command, "--help")
        assert helped.returncode == 0 and "Usage:" in helped.stdout, helped.stderr
        missing = run(config.source, command, extra_env={"PYTHONPATH": str(shim)})
        assert missing.returncode == 1, missing
        assert "pip install 'mediawatch[distributed]'" in missing.stderr
        one_error_line(missing.stderr)


# -- 5. one-line errors --------------------------------------------------------------------------
def test_a_warehouse_path_under_a_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "mediawatch.toml"
    path.write_text(
        '[warehouse]\npath = "/etc/passwd/wh.duckdb"\n'
        '[crawl]\nuser_agent = "t (+mailto:a@example.org)"\n'
        '[[outlets]]\nname = "X"\nhomepage = "http://127.0.0.1:9/"\n'
    )
    result = run(path, "crawl")
    assert result.returncode == 1, result
    line = one_error_line(result.stderr)
    assert "/etc/passwd" in line and "not a folder" in line


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when we return: connections are refused


def test_an_unreachable_outlet_is_one_line_exit_75_and_shown_as_unreachable(
    tmp_path: Path,
) -> None:
    port = _closed_port()
    path = tmp_path / "mediawatch.toml"
    path.write_text(
        '[warehouse]\npath = "wh.duckdb"\n'
        '[crawl]\nuser_agent = "t (+mailto:a@example.org)"\ndownload_delay = 0\nretries = 0\n'
        f'[[outlets]]\nname = "Gone"\nhomepage = "http://127.0.0.1:{port}/"\n'
        f'feeds = ["http://127.0.0.1:{port}/feed.xml"]\n'
    )
    result = run(path, "crawl")
    assert result.returncode == 75, result
    line = one_error_line(result.stderr)
    assert line.startswith("error: no outlet could be reached") and "refused" in line
    with duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True) as con:
        reasons = {r[0] for r in con.execute("SELECT reason FROM fetch_failures").fetchall()}
    assert reasons == {"unreachable"}
    status = run(path, "status")
    assert status.returncode == 0, status.stderr
    [row] = [line for line in status.stdout.splitlines() if line.startswith("Gone")]
    assert "unreachable" in row and "blocked" not in row


# -- every documented command exists -------------------------------------------------------------
def _documented_commands() -> list[list[str]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Commands", 1)[1].split("\n## ", 1)[0]
    commands = []
    for cell in re.findall(r"^\| `mediawatch ([^`]*)`", section, flags=re.M):
        words = []
        for word in cell.split():
            if not re.fullmatch(r"[a-z]+", word):
                break
            words.append(word)
        commands.append(words)
    return commands


def test_the_readme_lists_commands() -> None:
    assert len(_documented_commands()) >= 17


@pytest.mark.parametrize("words", _documented_commands(), ids=" ".join)
def test_every_command_in_the_readme_has_help(words: list[str]) -> None:
    result = run(None, *words, "--help", timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: mediawatch " + " ".join(words)), result.stdout
