"""What every page shares: the config, the options, the templates, and short read-only connections.

A page opens the warehouse read-only for the few milliseconds it needs and closes it: a
reader holding the file would block the crawl's writer (DuckDB allows readers only while
no process holds it for writing, and the writer only while no one reads). While a writer
has it, ``connect`` retries with back-off; after ``busy_timeout_s`` the page says the
warehouse is busy and reloads itself (a meta refresh, so scripts are not needed).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb
import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from digests.safety import safe_link
from mediawatch.config import Config
from warehouse.connection import opened


@dataclass(frozen=True)
class WebOptions:
    host: str = "127.0.0.1"
    port: int = 8600
    token: str | None = None
    busy_timeout_s: float = 5.0  # how long a page waits for a crawl's writer before saying so
    search_budget_s: float = 0.15  # matching time per search page; the rest is a click away
    sql_rows_shown: int = 500


def _when(value: object) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M %Z").strip()
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def _number(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def make_environment() -> jinja2.Environment:
    """Templates with autoescaping on for everything: scraped text is never trusted."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.filters["number"] = _number
    env.filters["safe_link"] = safe_link
    return env


class Site:
    """The application's state, made once at start-up and read by every request."""

    def __init__(self, config: Config, options: WebOptions) -> None:
        self.config = config
        self.options = options
        self.env = make_environment()

    @property
    def topic_names(self) -> list[str]:
        return [t.name for t in self.config.topics]

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with opened(
            self.config.warehouse_path, read_only=True, timeout_s=self.options.busy_timeout_s
        ) as con:
            yield con

    def render(
        self,
        request: Request,
        template: str,
        context: dict[str, Any],
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> HTMLResponse:
        page = self.env.get_template(template).render(
            request=request, path=request.url.path, topics=self.topic_names, **context
        )
        return HTMLResponse(page, status_code=status, headers=headers)


def site_of(request: Request) -> Site:
    site: Site = request.app.state.site
    return site
