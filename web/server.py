"""Running the web view with uvicorn: in the foreground (``mediawatch serve``) or beside the
scheduler in one process (``mediawatch run --serve``)."""

from __future__ import annotations

import logging
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import uvicorn

from mediawatch.config import Config
from mediawatch.errors import TerminalError
from web.app import create_app
from web.security import check_bind, is_loopback
from web.site import WebOptions

log = logging.getLogger(__name__)


def new_token() -> str:
    return secrets.token_urlsafe(24)


def _url(options: WebOptions) -> str:
    host = f"[{options.host}]" if ":" in options.host else options.host
    return f"http://{host}:{options.port}/"


def banner(options: WebOptions) -> str:
    """What the user reads on start: where to go, and whether a token guards it."""
    url = _url(options)
    if options.token is None:
        return f"serving the web view on {url} (this machine only); Ctrl-C stops"
    reach = "this machine only" if is_loopback(options.host) else "reachable from other machines"
    return (
        f"serving the web view on {url} ({reach}); a token is required:"
        f" open {url}?token={options.token} once in each browser; Ctrl-C stops"
    )


def _bind(options: WebOptions) -> socket.socket:
    """Bind before serving, so a port in use is a clear error and not a log line."""
    family = socket.AF_INET6 if ":" in options.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((options.host, options.port))
    except OSError as exc:
        sock.close()
        raise TerminalError(
            f"cannot listen on {options.host}:{options.port}: {exc.strerror or exc}",
            hint="choose another --port, or stop what is using this one",
        ) from None
    sock.listen(128)
    return sock


def _server(config: Config, options: WebOptions) -> uvicorn.Server:
    check_bind(options.host, options.token)
    app = create_app(config, options)
    uv_config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        server_header=False,
        proxy_headers=False,
        lifespan="off",
    )
    return uvicorn.Server(uv_config)


def serve(config: Config, options: WebOptions, echo: Callable[[str], None] = print) -> None:
    """Serve until Ctrl-C or SIGTERM (uvicorn handles both and finishes open requests)."""
    server = _server(config, options)
    sock = _bind(options)
    options = replace(options, port=sock.getsockname()[1])  # --port 0: the one the OS chose
    echo(banner(options))
    server.run(sockets=[sock])


@dataclass
class Background:
    """The web view running in a thread of another command's process."""

    server: uvicorn.Server
    thread: threading.Thread
    url: str

    def stop(self, timeout_s: float = 5.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout_s)


def start_background(
    config: Config, options: WebOptions, echo: Callable[[str], None] = print
) -> Background:
    """Start serving in a daemon thread; uvicorn leaves signals to the main thread there."""
    server = _server(config, options)
    sock = _bind(options)
    options = replace(options, port=sock.getsockname()[1])
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="mediawatch-web", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    if not server.started:
        server.should_exit = True
        raise TerminalError("the web view did not start", hint="run with -v to see why")
    echo(banner(options))
    return Background(server, thread, _url(options))
