"""Shared fixtures: a loopback newsroom, configs pointing at it, temporary warehouses."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import tomli_w

from mediawatch.config import Config, load_config
from mediawatch.demo import demo_config

os.environ.setdefault("MPLCONFIGDIR", str(Path(__file__).parent.parent / ".cache" / "matplotlib"))


@pytest.fixture(scope="session")
def newsroom():
    from mediawatch.newsroom import build_newsroom

    return build_newsroom(seed=7, n_articles=360)


@pytest.fixture(scope="session")
def newsroom_server(newsroom) -> Iterator:
    from mediawatch.newsroom import serve

    with serve(newsroom) as server:
        yield server


ConfigFactory = Callable[..., Config]


@pytest.fixture
def make_config(tmp_path: Path) -> ConfigFactory:
    """Write a mediawatch.toml into a temp folder and load it; sections can be overridden."""

    def factory(outlets: list[dict], directory: Path | None = None, **sections: dict) -> Config:
        directory = directory or tmp_path
        data = demo_config(outlets, directory)
        for name, values in sections.items():
            if isinstance(values, dict) and isinstance(data.get(name), dict):
                data[name] = {**data[name], **values}
            else:
                data[name] = values
        path = directory / "mediawatch.toml"
        path.write_text(tomli_w.dumps(data), encoding="utf-8")
        return load_config(path)

    return factory


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """An empty, migrated warehouse file."""
    from warehouse.connection import opened
    from warehouse.migrate import migrate

    path = tmp_path / "warehouse.duckdb"
    with opened(path) as con:
        migrate(con)
    return path


@pytest.fixture(scope="session")
def crawled(newsroom_server, tmp_path_factory):
    """The newsroom crawled once into a warehouse (shared by read-only tests)."""
    import tomli_w as _tomli_w

    from spiders.runner import run_crawl

    directory = tmp_path_factory.mktemp("crawled")
    path = directory / "mediawatch.toml"
    path.write_text(
        _tomli_w.dumps(demo_config(newsroom_server.outlet_config(), directory)), encoding="utf-8"
    )
    config = load_config(path)
    newsroom_server.request_log.clear()
    result = run_crawl(config)
    return config, result, newsroom_server.request_log.entries


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A redis-server of the module's own on a free loopback port (``.ci/run`` installs it)."""
    import socket
    import subprocess
    import time

    import redis

    def started() -> tuple[subprocess.Popen, str] | None:
        """Our own server on a free port, or None when the port was taken meanwhile (by
        another suite's redis-server, say: flushing that one would break both suites)."""
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        proc = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        url = f"redis://127.0.0.1:{port}/0"
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 10
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                if client.info("server")["process_id"] == proc.pid:
                    return proc, url
                break  # someone else's server answers on that port
            except redis.ConnectionError:
                time.sleep(0.05)
        proc.kill()
        proc.wait(10)
        return None

    for _ in range(5):
        found = started()
        if found is not None:
            break
    else:
        raise RuntimeError("could not start a redis-server of our own on loopback")
    proc, url = found
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def rc(redis_url: str):  # -> redis.Redis (imported lazily: only Redis tests need it)
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    return client
