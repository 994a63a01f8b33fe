"""Who may talk to the web view, and what a browser may do with its pages.

The application is read-only (GET and HEAD only), so a forged cross-site request has
nothing to change; what remains is protected here:

- DNS rebinding: on a loopback bind, only loopback host names are accepted in ``Host``,
  so a hostile page whose name resolves to 127.0.0.1 cannot read the pages.
- Beyond loopback a token is required: from ``?token=`` once (then an HttpOnly,
  SameSite=Strict cookie), or an ``Authorization: Bearer`` header.
- Running user SQL and downloading its results refuse cross-site requests (``Origin``
  or ``Sec-Fetch-Site``), so another site cannot make the browser run queries.
- Every response forbids scripts, frames, plugins and foreign resources (CSP), so scraped
  text that escaped escaping still could not run.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from mediawatch.errors import TerminalError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "mediawatch_session"
MIN_TOKEN_LENGTH = 16
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})

PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self';"
    " frame-ancestors 'none'; base-uri 'none'"
)
# a digest as sent carries inline CSS; it is shown sandboxed (no scripts, no same origin)
DIGEST_CSP = (
    "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none';"
    " style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'self'; base-uri 'none'"
)
# the paths that run user SQL; reached only from this site
CROSS_SITE_REFUSED = ("/sql",)


def is_loopback(host: str) -> bool:
    """True for names and addresses that never leave this machine."""
    name = host.strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve beyond this machine without a token, and refuse weak tokens."""
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise TerminalError(
            f"the token is too short ({len(token)} characters; at least {MIN_TOKEN_LENGTH})",
            hint="use --new-token to have a random one made",
        )
    if not is_loopback(host) and token is None:
        raise TerminalError(
            f"--host {host} would let other machines read the warehouse, and no token is set",
            hint="set MEDIAWATCH_SERVE_TOKEN (16+ characters) or pass --new-token;"
            " or keep the default --host 127.0.0.1",
        )


def session_value(token: str) -> str:
    """What the cookie holds: derived from the token, so the cookie never shows the token."""
    return hmac.new(token.encode(), b"mediawatch-session", hashlib.sha256).hexdigest()


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _host_name(value: str) -> str:
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def _cookie(headers: dict[str, str], name: str) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


class Guard:
    """ASGI middleware applying the rules in the module docstring."""

    def __init__(self, app: ASGIApp, *, bind_host: str, token: str | None) -> None:
        self.app = app
        self.loopback_only = is_loopback(bind_host)
        self.token = token
        self.session = session_value(token) if token else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        host = _host_name(headers.get("host", ""))
        if self.loopback_only and not is_loopback(host):
            await _plain(send, 421, "this server answers only to localhost / 127.0.0.1")
            return
        if scope["method"] not in ("GET", "HEAD"):
            await _plain(send, 405, "read-only: only GET and HEAD", allow="GET, HEAD")
            return
        if self.token is not None:
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            given = query.pop("token", None)
            if given is not None and hmac.compare_digest(given.encode(), self.token.encode()):
                await _login_redirect(send, scope["path"], query, self.session or "")
                return
            if not self._authorised(headers):
                await _plain(
                    send,
                    401,
                    "this server needs its token: open the address with ?token=... that"
                    " 'mediawatch serve' printed when it started",
                )
                return
        if scope["path"].startswith(CROSS_SITE_REFUSED) and _cross_site(headers, host):
            await _plain(send, 403, "refused: SQL runs only from this site's own pages")
            return
        await self.app(scope, receive, _with_headers(send, scope["path"]))

    def _authorised(self, headers: dict[str, str]) -> bool:
        assert self.token is not None and self.session is not None
        cookie = _cookie(headers, COOKIE)
        if cookie is not None and hmac.compare_digest(cookie.encode(), self.session.encode()):
            return True
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return hmac.compare_digest(auth[7:].strip().encode(), self.token.encode())
        return False


def _cross_site(headers: dict[str, str], host: str) -> bool:
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site in ("cross-site", "same-site"):
        return True
    origin = headers.get("origin")
    if origin and origin != "null":
        origin_host = _host_name(origin.split("://", 1)[-1])
        return origin_host != host
    return origin == "null"


def _with_headers(send: Send, path: str) -> Send:
    csp = DIGEST_CSP if path.startswith("/digests/") else PAGE_CSP

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            extra = [
                (b"content-security-policy", csp.encode()),
                (b"x-content-type-options", b"nosniff"),
                (b"referrer-policy", b"no-referrer"),
                (b"x-frame-options", b"SAMEORIGIN"),
                (b"cache-control", b"no-store"),
            ]
            message["headers"] = list(message.get("headers", [])) + extra
        await send(message)

    return wrapped


async def _plain(send: Send, status: int, text: str, **extra: str) -> None:
    body = (text + "\n").encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"content-security-policy", PAGE_CSP.encode()),
        (b"x-content-type-options", b"nosniff"),
    ]
    headers += [(k.encode(), v.encode()) for k, v in extra.items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _login_redirect(send: Send, path: str, query: dict[str, str], session: str) -> None:
    """Swap the token in the address for a cookie, and drop it from the address bar."""
    location = "/" + path.lstrip("/")  # never "//host": that would leave the site
    location += "?" + urlencode(query) if query else ""
    cookie = f"{COOKIE}={session}; HttpOnly; SameSite=Strict; Path=/"
    await send(
        {
            "type": "http.response.start",
            "status": 303,
            "headers": [
                (b"location", location.encode()),
                (b"set-cookie", cookie.encode()),
                (b"content-length", b"0"),
                (b"referrer-policy", b"no-referrer"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b""})
