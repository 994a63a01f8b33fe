"""Starting the hostile server, reading its request log, and watching the crawl's memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class LogEntry:
    event: str  # connect | request
    host: str
    port: int
    role: str  # outlet | spare | internal | internal-localhost
    t: float
    path: str = ""


@dataclass
class Hostile:
    """A running hostile server: its addresses and its request log."""

    outlets: list[str]
    spare: str
    internal: str
    localhost: str
    log_path: Path
    proc: subprocess.Popen
    brotli: bool = False

    def url(self, host: int, path: str, **params: str | list[str]) -> str:
        """``path`` on outlet ``host``, with query parameters quoted (lists repeat a key)."""
        pairs = []
        for key, value in params.items():
            for item in value if isinstance(value, list) else [value]:
                pairs.append(f"{key}={quote(item, safe='')}")
        return self.outlets[host] + path + ("?" + "&".join(pairs) if pairs else "")

    def entries(self) -> list[LogEntry]:
        out = []
        for line in self.log_path.read_text(encoding="utf-8").splitlines():
            data = json.loads(line)
            out.append(
                LogEntry(
                    data["event"],
                    data["host"],
                    data["port"],
                    data["role"],
                    data["t"],
                    data.get("path", ""),
                )  # fmt: skip
            )
        return out

    def requests(self, host: int | None = None, prefix: str = "") -> list[LogEntry]:
        """Requests answered by outlet ``host`` (all outlets when None) whose path starts so."""
        netloc = urlsplit(self.outlets[host]).netloc if host is not None else None
        return [
            e
            for e in self.entries()
            if e.event == "request"
            and e.role == "outlet"
            and (netloc is None or f"{e.host}:{e.port}" == netloc)
            and e.path.startswith(prefix)
        ]

    def forbidden_contacts(self) -> list[LogEntry]:
        """Any connection to a listener the crawl must never reach."""
        return [e for e in self.entries() if e.role != "outlet"]


@contextmanager
def hostile_server(
    directory: Path,
    hosts: int = 4,
    robots: dict[int, str] | None = None,
    lifetime: float = 600,
    bombs: bool = False,
) -> Iterator[Hostile]:
    log_path = directory / "hostile-requests.jsonl"
    args = [sys.executable, "-m", "tests.hostile.server", "--log", str(log_path)]
    args += ["--hosts", str(hosts), "--lifetime", str(lifetime)]
    if bombs:
        args.append("--bombs")
    for index, mode in (robots or {}).items():
        args += ["--robots", f"{index}={mode}"]
    proc = subprocess.Popen(
        args, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        yield Hostile(
            info["outlets"], info["spare"], info["internal"], info["localhost"], log_path, proc,
            info.get("brotli", False),
        )  # fmt: skip
    finally:
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def outlet(name: str, homepage: str, **fields: object) -> dict:
    """An outlet dict for ``make_config``; only the discovery modes given are used."""
    return {
        "name": name,
        "homepage": homepage,
        "language": "en",
        "timezone": "UTC",
        "discovery": ["feeds"],
        **fields,
    }


def descendants(pid: int) -> list[int]:
    """All descendant pids of ``pid`` (via /proc/<pid>/task/*/children)."""
    out: list[int] = []
    stack = [pid]
    while stack:
        current = stack.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in children:
                out.append(int(child))
                stack.append(int(child))
    return out


def rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


@dataclass
class MemoryWatch:
    """Samples the resident memory of every descendant of this process while a crawl runs."""

    interval_s: float = 0.05
    peak: dict[int, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> MemoryWatch:
        me = os.getpid()
        # Processes already running (servers or workers of other tests in the same session)
        # are not the crawl's: only what starts inside the block is measured.
        before = set(descendants(me))

        def sample() -> None:
            while not self._stop.is_set():
                for pid in set(descendants(me)) - before:
                    self.peak[pid] = max(self.peak.get(pid, 0), rss_bytes(pid))
                time.sleep(self.interval_s)

        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()

    @property
    def max_rss(self) -> int:
        return max(self.peak.values(), default=0)
