"""``mediawatch serve``: the web view of the warehouse, read-only."""

from __future__ import annotations

import click

from mediawatch.cli.common import AppContext, pass_app

DEFAULT_PORT = 8600


def serve_options(func):  # type: ignore[no-untyped-def]
    """--host/--port/--token/--new-token, shared by 'serve' and 'run --serve'."""
    func = click.option(
        "--new-token", is_flag=True, help="Require a random token, printed on start."
    )(func)
    func = click.option(
        "--token",
        envvar="MEDIAWATCH_SERVE_TOKEN",
        default=None,
        help="Require this token (16+ characters; default $MEDIAWATCH_SERVE_TOKEN).",
    )(func)
    func = click.option(
        "--port",
        type=click.IntRange(0, 65535),
        default=DEFAULT_PORT,
        show_default=True,
        help="Port to listen on (0: any free port, printed on start).",
    )(func)
    func = click.option(
        "--host",
        default="127.0.0.1",
        show_default=True,
        help="Address to listen on; anything but loopback requires a token.",
    )(func)
    return func


def web_options(host: str, port: int, token: str | None, new_token: bool):  # type: ignore[no-untyped-def]
    from web.server import new_token as make_token
    from web.site import WebOptions

    return WebOptions(host=host, port=port, token=make_token() if new_token else token)


def register(cli: click.Group) -> None:
    @cli.command()
    @serve_options
    @pass_app
    def serve(app: AppContext, host: str, port: int, token: str | None, new_token: bool) -> None:
        """Web pages over the warehouse: topics, stories, search, outlets, digests, SQL.

        Read-only, and usable while a crawl is running. Listens on 127.0.0.1 unless
        --host says otherwise, which then requires a token.
        """
        from web.security import check_bind
        from web.server import serve as run_server

        options = web_options(host, port, token, new_token)
        check_bind(options.host, options.token)
        app.setup_logging()
        run_server(app.config, options, echo=lambda s: click.echo(s, err=True))


def start_beside(config, host: str, port: int, token: str | None, new_token: bool):  # type: ignore[no-untyped-def]
    """For 'mediawatch run --serve': the web view in a thread of the scheduler's process."""
    from web.security import check_bind
    from web.server import start_background

    options = web_options(host, port, token, new_token)
    check_bind(options.host, options.token)
    return start_background(config, options, echo=lambda s: click.echo(s, err=True))
