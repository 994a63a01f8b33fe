"""``mediawatch demo --serve`` and ``python -m mediawatch.newsroom --port`` as a user runs
them: the outlets stay up until Ctrl-C (SIGINT to the whole process group), so
``outlets check`` and a second ``crawl`` work against the demo's config, and the newsroom
prints its outlets as TOML to paste into a config."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

import duckdb
from test_cli import MEDIAWATCH, env, no_traceback, run

from mediawatch.config import parse_config


class Watched:
    """A command in its own process group (a terminal's foreground job), output collected."""

    def __init__(self, *argv: str, cwd: Path) -> None:
        self.proc = subprocess.Popen(
            list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True, env=env(), cwd=cwd,
        )  # fmt: skip
        self.out: list[str] = []
        self.err: list[str] = []
        self._threads = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self.out), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stderr, self.err), daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    @staticmethod
    def _read(stream, into: list[str]) -> None:
        for line in stream:
            into.append(line)

    def wait_for(self, condition: Callable[[], bool], timeout_s: float = 180) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition():
            assert self.proc.poll() is None, ("".join(self.out), "".join(self.err))
            assert time.monotonic() < deadline, ("".join(self.out), "".join(self.err))
            time.sleep(0.1)

    def ctrl_c(self, timeout_s: float = 60) -> int:
        os.killpg(self.proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
        code = self.proc.wait(timeout_s)
        for thread in self._threads:
            thread.join(10)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    @property
    def stdout(self) -> str:
        return "".join(self.out)

    @property
    def stderr(self) -> str:
        return "".join(self.err)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.1.1", 0))
        return int(sock.getsockname()[1])


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(2)
        return sock.connect_ex(("127.0.1.1", port)) == 0


def test_demo_serve_keeps_the_outlets_up_until_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    demo = Watched(
        str(MEDIAWATCH), "demo", "--dir", "d", "--articles", "60", "--port", str(port), "--serve",
        cwd=tmp_path,
    )  # fmt: skip
    try:
        demo.wait_for(lambda: "serving the demo outlets until Ctrl-C" in demo.stdout)
        config_path = tmp_path / "d" / "mediawatch.toml"
        outlets = tomllib.loads(config_path.read_text(encoding="utf-8"))["outlets"]
        assert len(outlets) == 7
        assert all(f":{port}/" in o["homepage"] for o in outlets), outlets

        check = run(config_path, "outlets", "check")
        assert check.returncode == 0, check.stderr
        assert check.stdout.count("homepage HTTP 200") == 7, check.stdout
        assert "unreachable" not in check.stdout

        again = run(config_path, "crawl")
        assert again.returncode == 0, again.stderr
        assert "run 2: ok" in again.stdout, again.stdout
        with duckdb.connect(str(tmp_path / "d" / "warehouse.duckdb"), read_only=True) as con:
            runs = con.execute("SELECT id, status FROM crawl_runs ORDER BY id").fetchall()
            failed = con.execute("SELECT count(*) FROM fetch_failures").fetchall()[0][0]
        assert runs == [(1, "ok"), (2, "ok")] and failed == 0

        code = demo.ctrl_c()
    finally:
        demo.kill()
    assert code == 130, demo.stderr
    no_traceback(demo.stderr)
    assert demo.stderr.rstrip().endswith("stopped serving the demo outlets"), demo.stderr
    assert not listening(port)  # the outlets are gone with it


def test_a_demo_without_serve_says_how_to_keep_the_outlets_up(tmp_path: Path) -> None:
    done = run(None, "demo", "--dir", str(tmp_path / "d"), "--articles", "30")
    assert done.returncode == 0, done.stderr
    assert "demo --serve" in done.stdout


def test_the_newsroom_serves_on_a_port_and_prints_toml(tmp_path: Path) -> None:
    port = free_port()
    argv = (sys.executable, "-m", "mediawatch.newsroom", "--articles", "30", "--port", str(port))
    newsroom = Watched(*argv, cwd=tmp_path)
    try:
        newsroom.wait_for(lambda: "Serving; press Ctrl-C to stop." in newsroom.stdout)
        printed = newsroom.stdout
        toml = printed[printed.index("[[outlets]]") : printed.index("Serving;")]
        outlets = tomllib.loads(toml)["outlets"]
        assert len(outlets) == 7
        assert all(o["homepage"].endswith(f":{port}/") for o in outlets)
        config = parse_config({"outlets": outlets})  # pasted as printed, it is a valid config
        assert [o.name for o in config.outlets] == [o["name"] for o in outlets]

        code = newsroom.ctrl_c()
    finally:
        newsroom.kill()
    assert code == 0, newsroom.stderr
    no_traceback(newsroom.stderr)
    assert not listening(port)


def test_ctrl_c_while_the_demo_crawls_stops_it(tmp_path: Path) -> None:
    demo = Watched(str(MEDIAWATCH), "demo", "--dir", "d", "--serve", cwd=tmp_path)
    try:
        demo.wait_for(lambda: "crawling into" in demo.stderr)
        time.sleep(1.0)  # into the crawl
        code = demo.ctrl_c()
    finally:
        demo.kill()
    assert code == 130, demo.stderr
    no_traceback(demo.stderr)
    assert "serving the demo outlets" not in demo.stdout  # it did not go on to serve
    warehouse = tmp_path / "d" / "warehouse.duckdb"
    if warehouse.exists():  # (a very slow machine may not have started the run yet)
        with duckdb.connect(str(warehouse), read_only=True) as con:
            statuses = {r[0] for r in con.execute("SELECT status FROM crawl_runs").fetchall()}
        assert statuses <= {"interrupted"}, statuses
