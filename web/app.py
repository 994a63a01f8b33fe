"""The Starlette application: routes, error pages, and the security guard around them."""

from __future__ import annotations

from pathlib import Path

import duckdb
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from mediawatch.config import Config
from mediawatch.errors import TerminalError, WarehouseBusy
from web import pages, tools
from web.security import Guard
from web.site import Site, WebOptions, site_of

STATIC = Path(__file__).parent / "static"
BUSY_RETRY_S = 3


async def _busy(request: Request, exc: Exception) -> Response:
    """A crawl's writer held the file for longer than a page waits: say so and reload."""
    return site_of(request).render(
        request,
        "busy.html",
        {"retry": BUSY_RETRY_S, "detail": str(exc)},
        status=503,
        headers={"retry-after": str(BUSY_RETRY_S)},
    )


async def _terminal(request: Request, exc: Exception) -> Response:
    hint = getattr(exc, "hint", "")
    return site_of(request).render(
        request, "error.html", {"status": 503, "message": str(exc), "hint": hint}, status=503
    )


async def _catalog(request: Request, exc: Exception) -> Response:
    """A warehouse older than the views the pages read (migrations not yet applied)."""
    message = str(exc).strip().splitlines()[0]
    return site_of(request).render(
        request,
        "error.html",
        {
            "status": 503,
            "message": f"the warehouse lacks a table or view these pages need: {message}",
            "hint": "run 'mediawatch crawl' (or 'mediawatch trends') once: it applies pending"
            " migrations; the web view itself never writes",
        },
        status=503,
    )


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return site_of(request).render(
        request,
        "error.html",
        {"status": exc.status_code, "message": exc.detail, "hint": ""},
        status=exc.status_code,
    )


def create_app(config: Config, options: WebOptions | None = None) -> Guard:
    """The whole web view over ``config``'s warehouse and digest archive."""
    options = options or WebOptions()
    routes = [
        Route("/", pages.index),
        Route("/topics/{name}", pages.topic),
        Route("/stories/{story_id}", pages.story),
        Route("/articles/{article_id}", pages.article),
        Route("/outlets", pages.outlets),
        Route("/search", tools.search),
        Route("/sql", tools.sql),
        Route("/sql.csv", tools.sql_csv),
        Route("/sql.parquet", tools.sql_parquet),
        Route("/digests", tools.digests),
        Route("/digests/{day}/{file}", tools.digest_file),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={
            WarehouseBusy: _busy,
            TerminalError: _terminal,
            duckdb.CatalogException: _catalog,
            HTTPException: _http,
        },
    )
    app.state.site = Site(config, options)
    return Guard(app, bind_host=options.host, token=options.token)
